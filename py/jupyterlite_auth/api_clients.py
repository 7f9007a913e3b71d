"""Make the usual HTTP libraries work for API clients inside Pyodide.

Pyodide has no sockets: `requests` and `urllib` reach the network only through the browser, which
pyodide-http arranges. After sign-in the next thing a notebook does is call an API, usually with
a client built on `requests`, so we arrange it then - once per kernel, and only when the site ships
pyodide-http (we never fetch it from elsewhere).
"""

from __future__ import annotations

import logging

from .transports import in_pyodide

log = logging.getLogger(__name__)
_done = False


async def prepare_http_clients() -> None:
    global _done
    if _done or not in_pyodide():
        return
    _done = True
    try:
        import pyodide_http  # type: ignore[import-not-found]
    except ImportError:
        try:
            import pyodide_js  # type: ignore[import-not-found]

            await pyodide_js.loadPackage("pyodide-http")
            import pyodide_http  # type: ignore[import-not-found]
        except Exception:  # noqa: BLE001 - the site does not ship it: API clients bring their own
            log.debug("pyodide-http is not available on this site; requests/urllib left as they are")
            return
    pyodide_http.patch_all()
