"""Sign in from notebooks with OpenID Connect: the device flow (RFC 8628) in JupyterLite and Jupyter.

    from jupyterlite_auth import authenticate
    await authenticate()
"""

from __future__ import annotations

from ._version import __version__
from .errors import (
    AccessDenied,
    AuthError,
    ConfigError,
    DiscoveryError,
    ExpiredToken,
    InvalidClient,
    InvalidGrant,
    InvalidResponse,
    InvalidScope,
    NotSignedIn,
    ProviderError,
    SignInCancelled,
    SignInTimeout,
    TransportError,
    UnauthorizedClient,
)
from .brokered_fetch import BrokeredResponse, brokered_fetch
from .host import HostDataUnusable, HostError, send_to_host
from .session import Session, SignedIn, SignedOut

_session: Session | None = None


def __getattr__(name: str):
    # BearerAuth imports requests: only when asked for, so kernel start-up stays light.
    if name == "BearerAuth":
        from .requests_auth import BearerAuth

        return BearerAuth
    raise AttributeError(f"module 'jupyterlite_auth' has no attribute {name!r}")


def current_session() -> Session:
    """The kernel's sign-in session, created on first use."""
    global _session
    if _session is None:
        _session = Session()
        from . import _page

        _page.on_cancel(_session.cancel_sign_in)
    return _session


async def authenticate(
    force: bool = False,
    *,
    issuer: str | None = None,
    client_id: str | None = None,
    scope: str | None = None,
) -> SignedIn:
    """Sign in (or confirm you are signed in) and put the access token in OIDC_ACCESS_TOKEN.

    Returns at once when already signed in; `force=True` always starts a new sign-in.
    """
    return await current_session().authenticate(force, issuer=issuer, client_id=client_id, scope=scope)


async def get_access_token() -> str:
    """A current access token (refreshed when close to expiry)."""
    return await current_session().get_access_token()


async def auth_headers() -> dict[str, str]:
    """`{"Authorization": "Bearer <token>"}` with a current token, for any HTTP client."""
    return {"Authorization": f"Bearer {await get_access_token()}"}


async def logout() -> SignedOut:
    """Revoke the tokens at the provider and forget them here; says which it could do."""
    return await current_session().logout()


__all__ = [
    "__version__",
    "authenticate",
    "get_access_token",
    "auth_headers",
    "logout",
    "send_to_host",
    "brokered_fetch",
    "BrokeredResponse",
    "HostError",
    "HostDataUnusable",
    "current_session",
    "Session",
    "BearerAuth",
    "SignedIn",
    "SignedOut",
    "AuthError",
    "AccessDenied",
    "ConfigError",
    "DiscoveryError",
    "ExpiredToken",
    "InvalidClient",
    "InvalidGrant",
    "InvalidResponse",
    "InvalidScope",
    "NotSignedIn",
    "ProviderError",
    "SignInCancelled",
    "SignInTimeout",
    "TransportError",
    "UnauthorizedClient",
]
