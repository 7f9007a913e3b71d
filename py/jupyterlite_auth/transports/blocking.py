"""Blocking HTTP, for the few places that cannot await: a `requests` auth hook runs inside a
synchronous call. In Pyodide a synchronous XMLHttpRequest (allowed in the kernel's Web Worker);
in CPython urllib directly."""

from __future__ import annotations

from ..errors import TransportError
from ..http import Request, Response
from . import in_pyodide


def send_blocking(request: Request, timeout: float = 30.0) -> Response:
    if in_pyodide():
        return _send_xhr(request, timeout)
    from .stdlib import StdlibTransport

    return StdlibTransport(timeout)._send(request)


def _send_xhr(request: Request, timeout: float) -> Response:
    import js  # type: ignore[import-not-found]

    from .browser import site_origin, unreachable_message

    xhr = js.XMLHttpRequest.new()
    xhr.open(request.method, request.url, False)
    # Synchronous XHR cannot return bytes as an ArrayBuffer; a user-defined charset keeps each
    # byte as one char code, so the body survives unchanged.
    xhr.overrideMimeType("text/plain; charset=x-user-defined")
    xhr.timeout = int(timeout * 1000)  # allowed for synchronous requests in a worker, not a window
    for name, value in request.headers.items():
        xhr.setRequestHeader(name, value)
    try:
        xhr.send(request.body.decode("latin-1") if request.body is not None else None)
    except Exception as error:  # noqa: BLE001 - a NetworkError DOMException: CORS or no server
        if "timeout" in str(error).lower():
            raise TransportError(
                f"{request.url} did not answer within {timeout:g} s; check the connection and retry.",
                url=request.url,
            ) from None
        raise TransportError(
            unreachable_message(request, site_origin(), str(error).strip() or "network error"), url=request.url
        ) from None
    if xhr.status == 0:
        raise TransportError(unreachable_message(request, site_origin(), "no reply"), url=request.url)
    body = bytes(ord(ch) & 0xFF for ch in str(xhr.responseText))
    headers = {}
    for line in str(xhr.getAllResponseHeaders()).splitlines():
        name, _, value = line.partition(":")
        if name:
            headers[name.strip()] = value.strip()
    return Response(int(xhr.status), body, headers)
