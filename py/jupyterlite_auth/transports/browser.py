"""Pyodide transport: the browser's fetch through `pyodide.http.pyfetch`.

A browser reports a CORS refusal and a dead server alike, as a bare "Failed to fetch" with no
status; we turn that into a message naming the endpoint, the provider's origin and the site's
origin, which is what a platform engineer needs to fix it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..errors import TransportError
from ..http import Request, Response


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def site_origin() -> str:
    try:
        import js  # type: ignore[import-not-found]

        return str(js.location.origin)
    except Exception:  # noqa: BLE001 - outside a browser there is no site origin
        return "unknown"


def unreachable_message(request: Request, site: str, detail: str) -> str:
    what = request.purpose or "provider"
    provider = origin_of(request.url)
    return (
        f"Could not reach the {what} endpoint {request.url} from this notebook ({detail}). "
        f"Either the server at {provider} is down or unreachable, or it does not allow "
        f"cross-origin requests (CORS) from this site's origin {site}. "
        f"Check that {provider} is up, and ask its administrators to allow the origin {site}."
        + (" Check the issuer setting too: a wrong path gets a reply the browser cannot show."
           if request.purpose == "discovery" else "")
    )


def _timeout_signal(seconds: float):
    """An AbortSignal that fires after `seconds`, so a hung connection becomes a TransportError."""
    try:
        import js  # type: ignore[import-not-found]

        return js.AbortSignal.timeout(int(seconds * 1000))
    except Exception:  # noqa: BLE001 - older browsers: no timeout rather than no request
        return None


class BrowserTransport:
    def __init__(self, timeout: float = 30.0):
        self.timeout = timeout

    async def send(self, request: Request) -> Response:
        from pyodide.http import pyfetch  # type: ignore[import-not-found]

        options = {
            "method": request.method,
            "headers": dict(request.headers),
            "credentials": "omit",
            "redirect": "error",
            "cache": "no-store",
        }
        if request.body is not None:
            options["body"] = request.body.decode("latin-1")
        signal = _timeout_signal(self.timeout)
        if signal is not None:
            options["signal"] = signal
        try:
            reply = await pyfetch(request.url, **options)
            body = await reply.bytes()
        except Exception as error:  # noqa: BLE001 - JsException("TypeError: Failed to fetch") et al.
            detail = str(error).strip() or type(error).__name__
            raise TransportError(
                unreachable_message(request, site_origin(), detail), url=request.url
            ) from None
        headers = {}
        try:
            for name, value in reply.js_response.headers.entries():
                headers[str(name)] = str(value)
        except Exception:  # noqa: BLE001 - headers are a convenience, never a reason to fail
            pass
        return Response(reply.status, body, headers)
