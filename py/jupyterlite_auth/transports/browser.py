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


def unreachable_message(request: Request, site: str, detail: str, answered: bool | None = None) -> str:
    """`answered`: whether the server answered a probe the browser may not read (see
    `_server_answers`); None when unknown. It tells a dead server from a refusal."""
    what = request.purpose or "provider"
    provider = origin_of(request.url)
    start = f"Could not reach the {what} endpoint {request.url} from this notebook ({detail}). "
    path_hint = (
        " Check the issuer setting too: a wrong path gets a reply the browser cannot show."
        if request.purpose == "discovery"
        else ""
    )
    if answered is True:
        return (
            start
            + f"The server at {provider} answers, so either it does not allow cross-origin requests (CORS)"
            f" from this site's origin {site}, or the address is wrong. Ask its administrators to allow"
            f" the origin {site}." + path_hint
        )
    if answered is False:
        return (
            start
            + f"The server at {provider} does not answer: it is down, or unreachable from this browser."
            f" Check that {provider} is up."
        )
    return (
        start
        + f"Either the server at {provider} is down or unreachable, or it does not allow "
        f"cross-origin requests (CORS) from this site's origin {site}. "
        f"Check that {provider} is up, and ask its administrators to allow the origin {site}."
        + path_hint
    )


async def _server_answers(url: str) -> bool | None:
    """Whether the server replies at all: a `no-cors` GET succeeds with an opaque reply when it
    does, CORS or not, and fails when nothing answers. None when the probe itself cannot run."""
    try:
        from pyodide.http import pyfetch  # type: ignore[import-not-found]
    except ImportError:
        return None
    # no-cors allows only the "follow" redirect mode (the default)
    options = {"method": "GET", "mode": "no-cors", "credentials": "omit", "cache": "no-store"}
    signal = _timeout_signal(PROBE_TIMEOUT)
    if signal is not None:
        options["signal"] = signal
    try:
        await pyfetch(url, **options)
    except Exception:  # noqa: BLE001 - nothing answered (or the probe timed out)
        return False
    return True


#: Seconds the reachability probe may take after a failed request.
PROBE_TIMEOUT = 5.0


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
            answered = await _server_answers(request.url) if "abort" not in detail.lower() else None
            raise TransportError(
                unreachable_message(request, site_origin(), detail, answered), url=request.url
            ) from None
        headers = {}
        try:
            for name, value in reply.js_response.headers.entries():
                headers[str(name)] = str(value)
        except Exception:  # noqa: BLE001 - headers are a convenience, never a reason to fail
            pass
        return Response(reply.status, body, headers)
