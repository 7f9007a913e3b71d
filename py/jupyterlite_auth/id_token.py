"""ID token claims (OIDC Core 3.1.3.7): read and checked, never trusted for more than a name.

The access token, not the ID token, authorises API calls; the ID token tells us whom to greet.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .errors import InvalidResponse

LEEWAY = 120.0  # seconds of clock skew tolerated on exp/iat/nbf, as MSAL and Authlib do


def decode_claims(id_token: str) -> dict[str, Any]:
    parts = id_token.split(".")
    if len(parts) != 3:
        raise InvalidResponse("The ID token is not a JWS compact serialization (three parts).")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise InvalidResponse("The ID token's payload is not base64url-encoded JSON.") from None
    if not isinstance(claims, dict):
        raise InvalidResponse("The ID token's payload is not a JSON object.")
    return claims


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
