"""ID token claims (OIDC Core 3.1.3.7): read and checked, never trusted for more than a name.

The access token, not the ID token, authorises API calls; the ID token tells us whom to greet.
`verify_id_token` also checks its signature against the provider's keys wherever a verifier exists.
"""

from __future__ import annotations

import base64
import json
import logging
from dataclasses import dataclass
from typing import Any

from . import jwks
from .errors import InvalidResponse
from .http import Transport
from .jwa import Algorithm, algorithm
from .verifiers import Verifier, available_verifier

LEEWAY = 120.0  # seconds of clock skew tolerated on exp/iat/nbf, as MSAL and Authlib do

log = logging.getLogger(__name__)


@dataclass(frozen=True, repr=False)  # no repr: it would show the token
class Jws:
    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def decode_jws(id_token: str) -> Jws:
    """The compact serialization's parts, decoded but not yet trusted."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise InvalidResponse("The ID token is not a JWS compact serialization (three parts).")
    try:
        header = json.loads(_b64url(parts[0]))
        signature = _b64url(parts[2])
        signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    except (ValueError, UnicodeError):
        raise InvalidResponse("The ID token's header or signature is not base64url-encoded.") from None
    if not isinstance(header, dict):
        raise InvalidResponse("The ID token's header is not a JSON object.")
    return Jws(header, decode_claims(id_token), signing_input, signature)


def decode_claims(id_token: str) -> dict[str, Any]:
    parts = id_token.split(".")
    if len(parts) != 3:
        raise InvalidResponse("The ID token is not a JWS compact serialization (three parts).")
    try:
        payload = _b64url(parts[1])
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidResponse("The ID token's payload is not base64url-encoded JSON.") from None
    if not isinstance(claims, dict):
        raise InvalidResponse("The ID token's payload is not a JSON object.")
    return claims


async def verify_id_token(
    id_token: str, *, issuer: str, client_id: str, now: float, jwks_uri: str | None, transport: Transport
) -> dict[str, Any]:
    """The ID token's claims, once its signature (where we can check it) and claims are valid.

    Without a verifier (CPython without `cryptography`, a non-secure browser context) or without a
    `jwks_uri`, only the claims are checked: the token came straight from the token endpoint over
    the transport, which OIDC Core 3.1.3.7 (6) allows in place of the signature.
    """
    jws = decode_jws(id_token)
    alg = algorithm(jws.header.get("alg"))  # refused even where it cannot be checked, for one behaviour
    if "crit" in jws.header:
        raise InvalidResponse("The ID token uses critical JWS extensions (crit) this client does not know.")
    kid = jws.header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise InvalidResponse("The ID token's key id (kid) is not a string.")
    verifier = available_verifier()
    if verifier is None or jwks_uri is None:
        why = "no signature verifier is available here" if verifier is None else "the provider publishes no jwks_uri"
        log.debug("ID token signature not checked (%s); it came directly from the token endpoint.", why)
    else:
        await _check_signature(jws, alg, kid, verifier, jwks_uri, transport)
    check_claims(jws.claims, issuer=issuer, client_id=client_id, now=now)
    return jws.claims


async def _check_signature(
    jws: Jws, alg: Algorithm, kid: str | None, verifier: Verifier, jwks_uri: str, transport: Transport
) -> None:
    key = jwks.select_key(await jwks.fetch_keys(jwks_uri, transport), alg, kid)
    if key is None:  # perhaps the provider rotated its keys since we fetched them
        key = jwks.select_key(await jwks.fetch_keys(jwks_uri, transport, refresh=True), alg, kid)
    if key is None:
        which = f"key with kid {kid!r}" if kid is not None else f"{alg.name} key"
        raise InvalidResponse(
            f"The provider's signing keys at {jwks_uri} include no {which} for the ID token, even"
            " after fetching them again."
        )
    if not await verifier.verify(alg, key, jws.signing_input, jws.signature):
        raise InvalidResponse(
            f"The ID token's {alg.name} signature does not match the provider's key {key.get('kid')!r}:"
            " it was altered or not issued by this provider."
        )


def check_claims(claims: dict[str, Any], *, issuer: str, client_id: str, now: float) -> None:
    if claims.get("iss") != issuer:
        raise InvalidResponse(
            f"The ID token was issued by {claims.get('iss')!r}, not by {issuer!r}."
        )
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if client_id not in audiences:
        raise InvalidResponse(f"The ID token is not meant for the client {client_id!r}.")
    if len(audiences) > 1 and claims.get("azp") not in (None, client_id):
        raise InvalidResponse(f"The ID token's authorized party is not {client_id!r}.")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise InvalidResponse("The ID token has no numeric exp claim.")
    if now > exp + LEEWAY:
        raise InvalidResponse(
            "The ID token has already expired: check this computer's clock."
        )
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and now + LEEWAY < nbf:
        raise InvalidResponse("The ID token is not valid yet: check this computer's clock.")


_NAME_CLAIMS = ("name", "preferred_username", "email")


def has_name(claims: dict[str, Any]) -> bool:
    return any(isinstance(claims.get(key), str) and claims[key].strip() for key in _NAME_CLAIMS)


def display_name(claims: dict[str, Any]) -> str:
    for key in (*_NAME_CLAIMS, "sub"):
        value = claims.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return "unknown user"
