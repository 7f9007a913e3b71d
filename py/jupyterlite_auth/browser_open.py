"""Opening the sign-in page: through the page in JupyterLite, with `webbrowser` in CPython."""

from __future__ import annotations

import asyncio
import os
import sys

from .transports import in_pyodide

#: The reason when the kernel's machine has no desktop browser (a remote server, a container):
#: the widget's view then opens the page in the user's browser instead.
NO_DESKTOP = "no browser on this machine"


async def open_sign_in_page(url: str, flow: str) -> tuple[bool, str]:
    """Returns (opened, reason); reason is "blocked" when a popup blocker stopped the tab.
    `flow` lets the page keep one tab per sign-in."""
    if in_pyodide():
        from . import _page

        return await _page.open_url(url, flow)
    return await asyncio.to_thread(_open_with_webbrowser, url)


def _open_with_webbrowser(url: str) -> tuple[bool, str]:
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("BROWSER")
    ):
        # No desktop: webbrowser would fall back to a text browser that takes over the terminal.
        return False, NO_DESKTOP
    import webbrowser

    try:
        return bool(webbrowser.open(url, new=2)), ""
    except webbrowser.Error as error:
        return False, str(error)
