"""Real JWS signing for tests: keys made at test time with `cryptography`."""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


@lru_cache(maxsize=1)
def provider_key():
    """The scripted provider's signing key, made once per test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64int(value: int, size: int | None = None) -> str:
    return b64(value.to_bytes(size or (value.bit_length() + 7) // 8, "big"))


def jwk_of(private_key, kid: str | None, **extra) -> dict:
    numbers = private_key.public_key().public_numbers()
    if isinstance(private_key, rsa.RSAPrivateKey):
        jwk = {"kty": "RSA", "n": b64int(numbers.n), "e": b64int(numbers.e)}
    else:
        size = (private_key.curve.key_size + 7) // 8
        crv = {256: "P-256", 384: "P-384"}[private_key.curve.key_size]
        jwk = {"kty": "EC", "crv": crv, "x": b64int(numbers.x, size), "y": b64int(numbers.y, size)}
    if kid is not None:
        jwk["kid"] = kid
    return {**jwk, "use": "sig", **extra}


def sign(claims: dict, private_key, alg: str, kid: str | None = "k1", **header_extra) -> str:
    header = {"alg": alg, "typ": "JWT", **({"kid": kid} if kid else {}), **header_extra}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}".encode()
    digest = HASHES[alg[2:]]()
    if alg.startswith("RS"):
        signature = private_key.sign(signing_input, padding.PKCS1v15(), digest)
    elif alg.startswith("PS"):
        signature = private_key.sign(signing_input, padding.PSS(padding.MGF1(digest), digest.digest_size), digest)
    else:
        r, s = decode_dss_signature(private_key.sign(signing_input, ec.ECDSA(digest)))
        size = (private_key.curve.key_size + 7) // 8
        signature = r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return f"{signing_input.decode()}.{b64(signature)}"


