"""HTTP through the page, and through the host page when embedded and it accepts.

The host performs the request on its own origin (no CORS, and no long-lived token needs to be in
the notebook); the host decides which URLs it serves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urlsplit

from .host import HostError

VIA = ("auto", "host", "page")


@dataclass(frozen=True)
class BrokeredResponse:
    status: int
    status_text: str
    headers: Mapping[str, str] = field(repr=False)
    text: str = field(repr=False)
    #: "host" when the host page performed the request, "page" when the notebook's page did.
    via: str = "page"

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return json.loads(self.text)


async def brokered_fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    body: str | None = None,
    via: str = "auto",
    timeout: float = 60.0,
) -> BrokeredResponse:
    """Perform an HTTP request through the page (`via="page"`), the host (`via="host"`), or the
    host when there is one (`"auto"`). Raises HostError with the page's or host's reason."""
    from . import _page

    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise HostError(f"brokered_fetch needs an absolute http(s) URL, not {url!r}.")
    if via not in VIA:
        raise HostError(f"brokered_fetch: via must be one of {', '.join(VIA)}, not {via!r}.")
    if body is not None and not isinstance(body, str):
        raise HostError("brokered_fetch: body must be a string (encode JSON with json.dumps).")
    if not _page.attached():
        raise HostError("brokered_fetch works only in JupyterLite, where the page can make the request.")
    request = {"url": url, "method": method.upper(), "headers": dict(headers or {}), "body": body}
    try:
        reply = await _page.request("fetch", timeout, request=request, via=via)
    except TimeoutError:
        raise HostError(f"No answer to the brokered request for {url} within {timeout:.0f} s.") from None
    if not reply.get("ok"):
        raise HostError(f"The brokered request for {url} failed: {reply.get('error') or 'no reason given'}.")
    response = reply.get("response") or {}
    return BrokeredResponse(
        status=int(response.get("status", 0)),
        status_text=str(response.get("statusText", "")),
        headers=dict(response.get("headers") or {}),
        text=str(response.get("body") or ""),
        via=str(reply.get("via") or "page"),
    )
