"""ID token verification: signatures with real keys made here, key selection and rotation, claims."""

from __future__ import annotations

import asyncio
import base64
import builtins
import hashlib
import hmac
import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from fakes import ISSUER, json_reply
from signing import b64, b64int, jwk_of, sign
from jupyterlite_auth import jwks
from jupyterlite_auth.errors import DiscoveryError, InvalidResponse
from jupyterlite_auth.id_token import LEEWAY, verify_id_token
from jupyterlite_auth.jwa import ALGORITHMS
from jupyterlite_auth.verifiers import available_verifier, webcrypto_params

JWKS_URI = f"{ISSUER}/jwks"
CLIENT = "cli-device-client"


@pytest.fixture(autouse=True)
def _fresh_jwks_cache():
    jwks.clear_cache()
    yield
    jwks.clear_cache()


@pytest.fixture(scope="module")
def keys():
    return {
        "rsa": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "rsa-other": rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ec256": ec.generate_private_key(ec.SECP256R1()),
        "ec384": ec.generate_private_key(ec.SECP384R1()),
    }


def claims_for(clock, **overrides) -> dict:
    claims = {"iss": ISSUER, "aud": CLIENT, "sub": "u1", "name": "Ada Lovelace",
              "iat": clock.time(), "exp": clock.time() + 3600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def verify(token, clock, transport, *, jwks_uri=JWKS_URI, issuer=ISSUER, client_id=CLIENT):
    return asyncio.run(verify_id_token(token, issuer=issuer, client_id=client_id, now=clock.time(),
                                       jwks_uri=jwks_uri, transport=transport))


def refused(token, clock, transport, match, error=InvalidResponse):
    with pytest.raises(error, match=match) as caught:
        verify(token, clock, transport)
    for part in token.split("."):
        assert not part or part not in str(caught.value)  # never a token (or part of one) in a message
    return caught.value


def serve(transport, *key_sets):
    transport.script(JWKS_URI, *(json_reply(200, {"keys": keys}) for keys in key_sets))


def jwks_requests(transport):
    return len(transport.requests_to(JWKS_URI))


KEY_FOR = {"RS": "rsa", "PS": "rsa", "ES256": "ec256", "ES384": "ec384"}


@pytest.mark.parametrize("alg", list(ALGORITHMS))
def test_a_valid_signature_passes_for_each_algorithm(alg, keys, clock, transport):
    key = keys[KEY_FOR.get(alg[:2], KEY_FOR.get(alg))]
    serve(transport, [jwk_of(keys["ec256"], "other"), jwk_of(key, "k1", alg=alg)])
    claims = verify(sign(claims_for(clock), key, alg), clock, transport)
    assert claims["name"] == "Ada Lovelace" and jwks_requests(transport) == 1


def test_a_tampered_payload_fails(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    header, _, signature = sign(claims_for(clock), keys["rsa"], "RS256").split(".")
    forged = b64(json.dumps(claims_for(clock, name="Mallory", sub="admin")).encode())
    refused(f"{header}.{forged}.{signature}", clock, transport, "signature does not match .* altered")


@pytest.mark.parametrize("alg", ["RS256", "PS256"])
def test_a_token_signed_by_another_key_fails(alg, keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    refused(sign(claims_for(clock), keys["rsa-other"], alg), clock, transport, f"{alg} signature does not match")


def test_an_ecdsa_signature_of_the_wrong_length_fails(keys, clock, transport):
    serve(transport, [jwk_of(keys["ec256"], "k1")])
    header, payload, signature = sign(claims_for(clock), keys["ec256"], "ES256").split(".")
    der_sized = b64(base64.urlsafe_b64decode(signature + "==") + b"\0")
    refused(f"{header}.{payload}.{der_sized}", clock, transport, "signature does not match")


def test_alg_none_is_refused_without_fetching_keys(keys, clock, transport):
    header = b64(json.dumps({"alg": "none"}).encode())
    token = f"{header}.{b64(json.dumps(claims_for(clock)).encode())}."
    refused(token, clock, transport, "unsigned")
    assert jwks_requests(transport) == 0


def test_hs256_with_the_public_key_as_secret_is_refused(keys, clock, transport):
    """The classic confusion attack: a verifier that lets the token pick HMAC would accept this."""
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    secret = keys["rsa"].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "kid": "k1"}).encode())
    signing_input = f"{header}.{b64(json.dumps(claims_for(clock)).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    refused(f"{signing_input}.{b64(mac)}", clock, transport, "shared secret")


@pytest.mark.parametrize("alg", ["EdDSA", "RS1", None, 256])
def test_unknown_algorithms_are_refused(alg, keys, clock, transport):
    token = sign(claims_for(clock), keys["rsa"], "RS256").split(".", 1)[1]
    header = b64(json.dumps({"alg": alg, "kid": "k1"}).encode())
    refused(f"{header}.{token}", clock, transport, "unsupported algorithm")


def test_an_alg_that_does_not_match_the_keys_type_is_refused(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    token = sign(claims_for(clock), keys["ec256"], "ES256", kid="k1")
    refused(token, clock, transport, r"algorithm ES256 does not match the provider's key 'k1' \(kty 'RSA'")
    assert jwks_requests(transport) == 1  # a refetch would not change what k1 is


def test_an_alg_that_does_not_match_the_keys_alg_is_refused(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1", alg="RS256")])
    refused(sign(claims_for(clock), keys["rsa"], "PS256"), clock, transport, "PS256 does not match .* alg 'RS256'")


def test_a_key_for_encryption_is_not_used(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1", use="enc")])
    refused(sign(claims_for(clock), keys["rsa"], "RS256"), clock, transport, "does not match")


def test_rotation_an_unknown_kid_refetches_once_then_passes(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "old")], [jwk_of(keys["rsa"], "old"), jwk_of(keys["ec256"], "new")])
    verify(sign(claims_for(clock), keys["rsa"], "RS256", kid="old"), clock, transport)
    assert jwks_requests(transport) == 1
    verify(sign(claims_for(clock), keys["ec256"], "ES256", kid="new"), clock, transport)
    assert jwks_requests(transport) == 2
    verify(sign(claims_for(clock), keys["ec256"], "ES256", kid="new"), clock, transport)
    assert jwks_requests(transport) == 2  # cached


def test_an_unknown_kid_fails_after_one_refetch(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    refused(sign(claims_for(clock), keys["rsa"], "RS256", kid="k9"), clock, transport,
            "include no key with kid 'k9' .* even after fetching them again")
    assert jwks_requests(transport) == 2


def test_no_kid_uses_the_one_suitable_key(keys, clock, transport):
    serve(transport, [jwk_of(keys["ec256"], "e1"), jwk_of(keys["rsa"], None)])
    verify(sign(claims_for(clock), keys["rsa"], "RS256", kid=None), clock, transport)


def test_no_kid_with_several_suitable_keys_fails(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "a"), jwk_of(keys["rsa-other"], "b")])
    refused(sign(claims_for(clock), keys["rsa"], "RS256", kid=None), clock, transport, "names no key .* 2 RS256 keys")


def test_keys_are_cached_per_jwks_uri(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    transport.script(f"{ISSUER}/other-jwks", json_reply(200, {"keys": [jwk_of(keys["rsa"], "k1")]}))
    token = sign(claims_for(clock), keys["rsa"], "RS256")
    for _ in range(2):
        verify(token, clock, transport)
        verify(token, clock, transport, jwks_uri=f"{ISSUER}/other-jwks")
    assert jwks_requests(transport) == 1 and len(transport.requests_to(f"{ISSUER}/other-jwks")) == 1


@pytest.mark.parametrize("reply, match", [
    (json_reply(500, {"oops": True}), "HTTP 500"),
    (json_reply(200, {"keys": "none"}), 'no "keys" list'),
    (json_reply(200, ["not", "an", "object"]), "not a JSON object"),
])
def test_an_unusable_key_set_is_a_discovery_error(reply, match, keys, clock, transport):
    transport.script(JWKS_URI, reply)
    refused(sign(claims_for(clock), keys["rsa"], "RS256"), clock, transport, f"signing keys at {JWKS_URI} .*{match}", DiscoveryError)


def test_a_malformed_key_is_a_clear_error(keys, clock, transport):
    serve(transport, [{**jwk_of(keys["rsa"], "k1"), "e": b64int(2)}])
    refused(sign(claims_for(clock), keys["rsa"], "RS256"), clock, transport, "'k1' is not a valid RSA public key")


def test_critical_extensions_are_refused(keys, clock, transport):
    refused(sign(claims_for(clock), keys["rsa"], "RS256", crit=["exp"]), clock, transport, "crit")


def test_expired_beyond_leeway_fails_and_within_passes(keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    verify(sign(claims_for(clock, exp=clock.time() - LEEWAY + 5), keys["rsa"], "RS256"), clock, transport)
    refused(sign(claims_for(clock, exp=clock.time() - LEEWAY - 5), keys["rsa"], "RS256"), clock, transport, "expired")


@pytest.mark.parametrize("overrides, match", [
    ({"aud": "someone-else"}, "not meant for the client"),
    ({"aud": ["someone-else", CLIENT], "azp": "someone-else"}, "authorized party"),
    ({"iss": "https://evil.example/oidc"}, "issued by 'https://evil.example/oidc'"),
])
def test_wrong_audience_or_issuer_fails_even_when_signed(overrides, match, keys, clock, transport):
    serve(transport, [jwk_of(keys["rsa"], "k1")])
    refused(sign(claims_for(clock, **overrides), keys["rsa"], "RS256"), clock, transport, match)


def test_without_a_jwks_uri_only_the_claims_are_checked(keys, clock, transport):
    token = sign(claims_for(clock), keys["rsa-other"], "RS256")
    assert verify(token, clock, transport, jwks_uri=None)["sub"] == "u1"
    with pytest.raises(InvalidResponse, match="not meant"):
        verify(token, clock, transport, jwks_uri=None, client_id="another")


@pytest.fixture
def no_cryptography(monkeypatch):
    real_import = builtins.__import__

    def failing_import(name, *args, **kwargs):
        if name == "cryptography" or name.startswith("cryptography."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing_import)
    assert available_verifier() is None


def test_without_a_verifier_the_signature_is_skipped_but_claims_are_checked(keys, clock, transport, caplog, no_cryptography):
    token = sign(claims_for(clock), keys["rsa-other"], "RS256")  # a key the provider does not have
    with caplog.at_level(logging.DEBUG, logger="jupyterlite_auth.id_token"):
        assert verify(token, clock, transport)["name"] == "Ada Lovelace"
    assert jwks_requests(transport) == 0
    assert "signature not checked (no signature verifier is available here)" in caplog.text
    assert not any(part in caplog.text for part in token.split("."))
    refused(sign(claims_for(clock, exp=clock.time() - LEEWAY - 5), keys["rsa"], "RS256"), clock, transport, "expired")
    refused(sign(claims_for(clock, iss="https://evil.example"), keys["rsa"], "RS256"), clock, transport, "issued by")
    refused(token.replace(token.split(".")[0], b64(b'{"alg":"HS256"}')), clock, transport, "shared secret")


@pytest.mark.parametrize("alg, imported, verified", [
    ("RS256", {"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}, {"name": "RSASSA-PKCS1-v1_5"}),
    ("RS512", {"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-512"}, {"name": "RSASSA-PKCS1-v1_5"}),
    ("PS256", {"name": "RSA-PSS", "hash": "SHA-256"}, {"name": "RSA-PSS", "saltLength": 32}),
    ("PS384", {"name": "RSA-PSS", "hash": "SHA-384"}, {"name": "RSA-PSS", "saltLength": 48}),
    ("ES256", {"name": "ECDSA", "namedCurve": "P-256"}, {"name": "ECDSA", "hash": "SHA-256"}),
    ("ES384", {"name": "ECDSA", "namedCurve": "P-384"}, {"name": "ECDSA", "hash": "SHA-384"}),
])
def test_webcrypto_parameters(alg, imported, verified):
    assert webcrypto_params(ALGORITHMS[alg]) == (imported, verified)
