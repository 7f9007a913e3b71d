"""Exceptions, one class per thing that can go wrong, each with a message that says what to do.

Messages never contain a token or a device code.
"""

from __future__ import annotations

import sys


def in_notebook() -> bool:
    """Whether code runs in a Jupyter kernel, where "run the cell again" is the way to retry."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def again(purpose: str) -> str:
    """How to retry, worded for where we run: "Run the cell again <purpose>." in a notebook,
    "Call authenticate() again <purpose>." in a script or a terminal."""
    return f"{'Run the cell' if in_notebook() else 'Call authenticate()'} again {purpose}."


class AuthError(Exception):
    """Base class of every error this package raises."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback through our internals: the message says it all.
        return [f"{type(self).__name__}: {self}"]

    def with_hint(self, hint: str) -> "AuthError":
        """Append `hint` (say, where the failing setting came from) to the message, once."""
        if self.args and isinstance(self.args[0], str) and hint not in self.args[0]:
            self.args = (f"{self.args[0]} {hint}",) + self.args[1:]
        return self


class ConfigError(AuthError, ValueError):
    """A setting is missing or malformed; the message names the setting and where it came from."""


class InvalidResponse(AuthError):
    """A server reply cannot be used (not JSON, or a required field missing or malformed)."""


class DiscoveryError(AuthError):
    """The provider's OpenID Connect discovery document is unusable."""


class TransportError(AuthError):
    """A request failed before any HTTP reply arrived (network down, CORS refusal, timeout)."""

    def __init__(self, message: str, *, url: str = "", transient: bool = True):
        super().__init__(message)
        self.url = url
        self.transient = transient


class ProviderError(AuthError):
    """The provider answered with an OAuth error (RFC 6749 section 5.2)."""

    #: The OAuth error code this class stands for; None for the generic class.
    code: str | None = None
    #: What to do about it, for errors whose advice is the same everywhere.
    advice = ""

    def _advice(self) -> str:
        return self.advice

    def __init__(self, error: str, description: str = "", *, endpoint: str = "", advice: str | None = None):
        self.error = error
        self.description = description
        self.endpoint = endpoint
        detail = f"{error} ({description})" if description else error
        where = f"'s {endpoint} endpoint" if endpoint else ""
        message = f"The sign-in provider{where} answered {detail}."
        advice = self._advice() if advice is None else advice
        if advice:
            message += " " + advice
        super().__init__(message)


class AccessDenied(ProviderError):
    code = "access_denied"

    def _advice(self) -> str:
        return "Sign-in was cancelled or declined in the browser. " + again("to retry")


class ExpiredToken(ProviderError):
    code = "expired_token"

    def _advice(self) -> str:
        return "The code expired before sign-in was confirmed. " + again("for a new code")


class InvalidClient(ProviderError):
    code = "invalid_client"
    advice = "The provider does not know this client id: check it."


class InvalidGrant(ProviderError):
    code = "invalid_grant"
    advice = "The grant is no longer valid: sign in again with authenticate(force=True)."


class InvalidScope(ProviderError):
    code = "invalid_scope"
    advice = "The provider refused the requested scope: check it."


class UnauthorizedClient(ProviderError):
    code = "unauthorized_client"
    advice = "This client may not use the device flow at this provider: ask its administrators."


_BY_CODE = {
    cls.code: cls
    for cls in (AccessDenied, ExpiredToken, InvalidClient, InvalidGrant, InvalidScope, UnauthorizedClient)
}


def provider_error(error: str, description: str = "", *, endpoint: str = "") -> ProviderError:
    """The most specific ProviderError subclass for an OAuth error code."""
    cls = _BY_CODE.get(error, ProviderError)
    return cls(error, description, endpoint=endpoint)


class SignInTimeout(ExpiredToken):
    """Our own deadline passed while the provider still answered 'pending'."""

    def __init__(self, expires_in: float):
        super().__init__("expired_token", f"no confirmation within {expires_in:.0f} s")
        self.args = (
            f"The code expired: sign-in was not confirmed within {expires_in:.0f} s. "
            + again("for a new code"),
        )


class SignInCancelled(AuthError):
    """The user stopped a sign-in that was waiting (interrupt, or Cancel)."""

    def __init__(self) -> None:
        super().__init__("Sign-in was cancelled. " + again("to sign in"))


class NotSignedIn(AuthError):
    """An access token was asked for but nobody has signed in (or the session was cleared)."""
