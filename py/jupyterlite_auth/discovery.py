"""OpenID Connect discovery (OIDC Discovery 1.0 / RFC 8414), checked and cached per issuer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import DiscoveryError
from .http import Transport, expect_json_object, get_request


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    token_endpoint: str
    device_authorization_endpoint: str
    revocation_endpoint: str | None = None
    userinfo_endpoint: str | None = None
    jwks_uri: str | None = None
    scopes_supported: tuple[str, ...] | None = None
    grant_types_supported: tuple[str, ...] | None = None


_cache: dict[str, ProviderMetadata] = {}


def well_known_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


async def discover(issuer: str, transport: Transport, *, use_cache: bool = True) -> ProviderMetadata:
    if use_cache and issuer in _cache:
        return _cache[issuer]
    url = well_known_url(issuer)
    response = await transport.send(get_request(url, purpose="discovery"))
    try:
        document = expect_json_object(response, endpoint="discovery")
    except Exception as error:
        raise DiscoveryError(
            f"The issuer {issuer} has no usable OpenID Connect discovery document at {url}: {error}"
            " Check the issuer."
        ) from None
    metadata = parse_metadata(document, issuer)
    _cache[issuer] = metadata
    return metadata


def clear_cache() -> None:
    _cache.clear()


def parse_metadata(document: dict[str, Any], issuer: str) -> ProviderMetadata:
    declared = document.get("issuer")
    if declared != issuer:
        hint = f" Set the issuer to {declared!r}." if isinstance(declared, str) and declared else ""
        raise DiscoveryError(
            f"The discovery document at {well_known_url(issuer)} names the issuer {declared!r},"
            f" not {issuer!r}; its metadata cannot be trusted for this issuer.{hint}"
        )
    token = _endpoint(document, "token_endpoint", required=True)
    device = _endpoint(document, "device_authorization_endpoint", required=False)
    grants = _strings(document, "grant_types_supported")
    if device is None:
        raise DiscoveryError(
            f"The provider {issuer} does not offer the device flow (its discovery document has no"
            " device_authorization_endpoint). Ask its administrators to enable RFC 8628 for"
            " this client."
        )
    return ProviderMetadata(
        issuer=issuer,
        token_endpoint=token,
        device_authorization_endpoint=device,
        revocation_endpoint=_endpoint(document, "revocation_endpoint", required=False),
        userinfo_endpoint=_endpoint(document, "userinfo_endpoint", required=False),
        jwks_uri=_endpoint(document, "jwks_uri", required=False),
        scopes_supported=_strings(document, "scopes_supported"),
        grant_types_supported=grants,
    )


def _endpoint(document: dict[str, Any], name: str, *, required: bool) -> str | None:
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or urlsplit(value).scheme not in ("http", "https"):
        raise DiscoveryError(
            f"The provider's discovery document has no usable {name} (got {value!r})."
        )
    return value


def _strings(document: dict[str, Any], name: str) -> tuple[str, ...] | None:
    value = document.get(name)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    return None
