"""The provider's public keys (its JWKS, RFC 7517), fetched over the transport and cached per URL.

A key the cache lacks may be new (the provider rotated its keys), so callers refetch once on a miss.
"""

from __future__ import annotations

from typing import Any

from .errors import DiscoveryError, InvalidResponse
from .http import Transport, expect_json_object, get_request
from .jwa import Algorithm, key_fits

_cache: dict[str, list[dict[str, Any]]] = {}


async def fetch_keys(jwks_uri: str, transport: Transport, *, refresh: bool = False) -> list[dict[str, Any]]:
    if not refresh and jwks_uri in _cache:
        return _cache[jwks_uri]
    response = await transport.send(get_request(jwks_uri, purpose="JWKS"))
    try:
        document = expect_json_object(response, endpoint="JWKS")
    except Exception as error:
        raise DiscoveryError(f"The provider's signing keys at {jwks_uri} are unusable: {error}") from None
    keys = document.get("keys")
    if not isinstance(keys, list):
        raise DiscoveryError(f"The provider's signing keys at {jwks_uri} have no \"keys\" list.")
    _cache[jwks_uri] = [key for key in keys if isinstance(key, dict)]
    return _cache[jwks_uri]


def clear_cache() -> None:
    _cache.clear()


def select_key(keys: list[dict[str, Any]], alg: Algorithm, kid: str | None) -> dict[str, Any] | None:
    """The key to verify with, or None when the set lacks it (then refetch once).

    A key with the token's `kid` but of another type is an error at once: refetching will not
    change what that key is, and accepting it would let the token choose how it is checked.
    """
    if kid is not None:
        named = [key for key in keys if key.get("kid") == kid]
        if named and not any(key_fits(alg, key) for key in named):
            raise InvalidResponse(
                f"The ID token's algorithm {alg.name} does not match the provider's key {kid!r}"
                f" (kty {named[0].get('kty')!r}, alg {named[0].get('alg')!r})."
            )
        return next((key for key in named if key_fits(alg, key)), None)
    fitting = [key for key in keys if key_fits(alg, key)]
    if len(fitting) > 1:
        raise InvalidResponse(
            f"The ID token names no key (kid) and the provider has {len(fitting)} {alg.name} keys;"
            " cannot tell which one signed it."
        )
    return fitting[0] if fitting else None
