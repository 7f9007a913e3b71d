"""An auth object for `requests`: a current bearer token on every request, and one refresh and
retry when the API answers 401 anyway (a token revoked or expired early at the server).

    import requests
    from jupyterlite_auth import BearerAuth
    requests.get(url, auth=BearerAuth())
"""

from __future__ import annotations

from typing import Any

from .errors import AuthError
from .transports import in_pyodide

try:
    from requests.auth import AuthBase
except ImportError:  # requests is optional: without it this class is still importable, unused
    AuthBase = object  # type: ignore[misc,assignment]


class BearerAuth(AuthBase):  # type: ignore[misc,valid-type]
    def __init__(self, session: Any = None):
        """`session`: a `jupyterlite_auth.Session`; by default the kernel's (`current_session()`)."""
        if session is None:
            from . import current_session

            session = current_session()
        elif not callable(getattr(session, "access_token_blocking", None)):
            raise TypeError(
                f"BearerAuth() takes a jupyterlite_auth Session or nothing (the kernel's sign-in),"
                f" not {type(session).__name__}. For a token of your own, pass"
                " headers={'Authorization': 'Bearer ...'} to requests instead."
            )
        self.session = session
        if in_pyodide():
            _patch_requests_for_the_browser()

    def __call__(self, request):
        request.headers["Authorization"] = f"Bearer {self.session.access_token_blocking()}"
        request.register_hook("response", self._retry_once_on_401)
        return request

    def _retry_once_on_401(self, response, **kwargs):
        if response.status_code != 401 or getattr(response.request, "_jla_retried", False):
            return response
        if self.session.tokens is None or not self.session.tokens.refresh_token:
            return response
        try:
            tokens = self.session.refresh_blocking()
        except AuthError:
            return response  # the caller sees the 401; authenticate() explains what to do
        response.content  # read the body, so the connection can be reused  # noqa: B018
        response.close()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {tokens.access_token}"
        retry._jla_retried = True
        again = response.connection.send(retry, **kwargs)
        again.history.append(response)
        again.request = retry
        return again

    def __repr__(self) -> str:
        return "BearerAuth()"


def _patch_requests_for_the_browser() -> None:
    """In Pyodide, requests has no sockets: pyodide-http routes it through the browser."""
    try:
        import pyodide_http  # type: ignore[import-not-found]
    except ImportError:
        return
    pyodide_http.patch_all()
