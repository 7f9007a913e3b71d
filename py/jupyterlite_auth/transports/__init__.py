"""Transports: the only modules that touch the network. Pick one with `default_transport()`."""

from __future__ import annotations

import sys

from ..http import Transport


def in_pyodide() -> bool:
    return sys.platform == "emscripten"


def default_transport() -> Transport:
    """`pyfetch` inside Pyodide (the browser does the HTTP), urllib in a thread elsewhere."""
    if in_pyodide():
        from .browser import BrowserTransport

        return BrowserTransport()
    from .stdlib import StdlibTransport

    return StdlibTransport()
