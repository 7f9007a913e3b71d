"""The two CPython sign-in clients the benchmark compares, each with the same instruments.

* ours: `jupyterlite_auth.Session` (from py/), with a counting transport around its urllib
  transport and a presenter hook that notes when the code would be shown;
* theirs: the platform's existing notebook sign-in, `mat3ra.notebooks_utils.core.api.auth.
  authenticate_oidc` from PyPI `mat3ra-notebooks-utils` (the device flow behind its notebooks'
  `authenticate()`; that wrapper also caches tokens in ~/.mat3ra, which we leave out), with
  `requests` counted and its `show_popup` hook noting the code.

Both are configured the way a platform notebook is: API_HOST / API_PORT / API_SECURE.
Nothing here prints or keeps a token or a device code; the user code goes only to the approver.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorder:
    """What one sign-in did, on the `time.perf_counter()` clock."""

    started: float = 0.0
    code_at: float | None = None
    user_code: str | None = field(default=None, repr=False)
    authorized_at: float | None = None
    tokens_at: float | None = None
    hits: list[tuple[float, str, int, str]] = field(default_factory=list)  # (at, kind, status, oauth error)
    code_shown: asyncio.Event = field(default_factory=asyncio.Event)

    def show_code(self, user_code: str) -> None:
        self.code_at = time.perf_counter()
        self.user_code = user_code
        self.code_shown.set()

    def hit(self, kind: str, status: int, body: bytes) -> None:
        at = time.perf_counter()
        error = ""
        if status >= 400:
            try:
                error = str(json.loads(body).get("error", ""))
            except (ValueError, AttributeError):
                error = ""
        self.hits.append((at, kind, status, error))
        if kind.endswith("/device/auth") and status == 200 and self.authorized_at is None:
            self.authorized_at = at
        if kind.endswith("(device_code)") and status == 200:
            self.tokens_at = at


def request_kind(method: str, url: str, body: Any) -> str:
    """`POST /oidc/token (device_code)`: the path, plus the grant for token requests."""
    path = urlsplit(url).path
    if path.endswith("/token") and method.upper() == "POST":
        if isinstance(body, (bytes, str)):
            fields = parse_qs(body.decode() if isinstance(body, bytes) else body)
            grant = (fields.get("grant_type") or [""])[0]
        else:
            grant = str((body or {}).get("grant_type", ""))
        path += " (device_code)" if grant.endswith("device_code") else f" ({grant})"
    return f"{method.upper()} {path}"


# -- ours ----------------------------------------------------------------------------------------


class CountingTransport:
    """Wraps a transport: every request is recorded (kind, status, OAuth error) after it returns."""

    def __init__(self, inner, recorder: Recorder):
        self.inner = inner
        self.recorder = recorder

    async def send(self, request):
        response = await self.inner.send(request)
        self.recorder.hit(request_kind(request.method, request.url, request.body), response.status, response.body)
        return response


class RecordingPresenter:
    """The presenter hook: the moment `waiting()` is called is when the code is shown. Silent
    otherwise; extra arguments are accepted so a growing Presenter protocol does not break it."""

    def __init__(self, recorder: Recorder):
        self.recorder = recorder

    def waiting(self, authorization, *args, **kwargs) -> None:
        self.recorder.show_code(authorization.user_code)

    def opened(self, *args, **kwargs) -> None: ...

    def status(self, *args, **kwargs) -> None: ...

    def signed_in(self, *args, **kwargs) -> None: ...

    def failed(self, *args, **kwargs) -> None: ...


def ours_session(recorder: Recorder, environ: dict[str, str]):
    """A fresh session as in a new kernel: provider metadata and key caches emptied."""
    from jupyterlite_auth import discovery, jwks
    from jupyterlite_auth.session import Session
    from jupyterlite_auth.transports.stdlib import StdlibTransport

    discovery.clear_cache()
    jwks.clear_cache()

    async def no_browser(url: str, *args, **kwargs) -> tuple[bool, str]:
        return False, "benchmark"

    async def standalone(ask_again: bool) -> tuple[str, Any]:
        return "standalone", None

    return Session(
        transport=CountingTransport(StdlibTransport(), recorder),
        environ=dict(environ),
        site_settings=dict,
        presenter_factory=lambda: RecordingPresenter(recorder),
        opener=no_browser,
        keep_fresh=False,
        host=standalone,
    )


async def sign_in_ours(recorder: Recorder, environ: dict[str, str]):
    """Returns the session, signed in."""
    session = ours_session(recorder, environ)
    await session.authenticate()
    return session


# -- theirs --------------------------------------------------------------------------------------

_current: list[Recorder] = []


def _count_requests() -> None:
    """Route every `requests` call through the current recorder (installed once)."""
    import requests

    if getattr(requests.Session.request, "_bench", False):
        return
    original = requests.Session.request

    def request(self, method, url, *args, **kwargs):
        response = original(self, method, url, *args, **kwargs)
        if _current:
            _current[-1].hit(request_kind(method, url, kwargs.get("data")), response.status_code, response.content)
        return response

    request._bench = True
    requests.Session.request = request


async def sign_in_mat3ra(recorder: Recorder, environ: dict[str, str]) -> None:
    import os

    from mat3ra.notebooks_utils.core.api import auth

    _count_requests()
    os.environ.update(environ)
    _current.append(recorder)
    try:
        await auth.authenticate_oidc(show_popup=lambda uri, user_code: recorder.show_code(user_code))
    finally:
        _current.remove(recorder)
        # it stores the tokens in the process environment: drop them
        for name in ("OIDC_ACCESS_TOKEN", "OIDC_REFRESH_TOKEN"):
            os.environ.pop(name, None)


CLIENTS: dict[str, Callable] = {"jupyterlite_auth": sign_in_ours, "mat3ra-notebooks-utils": sign_in_mat3ra}
