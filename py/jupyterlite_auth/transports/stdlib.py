"""CPython transport: urllib from the standard library, run in a worker thread so the
notebook's event loop (and any widget on it) keeps running while a request waits."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

from ..errors import TransportError
from ..http import Request, Response


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """OAuth endpoints do not redirect; following one would resend a POST body elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        return None


class StdlibTransport:
    def __init__(self, timeout: float = 30.0):
        self.timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirect())

    async def send(self, request: Request) -> Response:
        return await asyncio.to_thread(self._send, request)

    def _send(self, request: Request) -> Response:
        req = urllib.request.Request(
            request.url, data=request.body, headers=dict(request.headers), method=request.method
        )
        try:
            with self._opener.open(req, timeout=self.timeout) as reply:
                return Response(reply.status, reply.read(), dict(reply.headers.items()))
        except urllib.error.HTTPError as error:
            with error:
                return Response(error.code, error.read(), dict(error.headers.items()))
        except (urllib.error.URLError, OSError, ValueError) as error:
            reason = getattr(error, "reason", error)
            raise TransportError(
                f"Could not reach the {request.purpose or 'provider'} endpoint {request.url}: {reason}.",
                url=request.url,
            ) from None
