"""The kernel's side channel to the page (see docs/kernel-page-protocol.md).

The page runs `await jupyterlite_auth._page.attach(name)` when the kernel starts. Messages travel
on a BroadcastChannel, which bypasses the kernel's message queue, so a *running* cell can ask the page
to open a tab and hear the answer. Values arrive as structured-cloned objects: nothing the page sends
is ever turned into Python source.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
from typing import Any


PROTOCOL = 1
NAME = re.compile(r"^jupyterlite-auth-[0-9a-f]{32}$")
HELLO_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0


class _Channel:
    def __init__(self, name: str):
        import js  # type: ignore[import-not-found]
        from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

        self.name = name
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future] = {}
        self.settings: dict[str, Any] = {}
        self._configured = asyncio.get_running_loop().create_future()
        self._channel = js.BroadcastChannel.new(name)
        self._listener = create_proxy(self._on_message)
        self._channel.addEventListener("message", self._listener)

    def close(self) -> None:
        self._channel.removeEventListener("message", self._listener)
        self._channel.close()
        self._listener.destroy()
        for future in self._pending.values():
            if not future.done():
                future.cancel()

    def post(self, message: dict[str, Any]) -> None:
        import js  # type: ignore[import-not-found]
        from pyodide.ffi import to_js  # type: ignore[import-not-found]

        self._channel.postMessage(to_js(message, dict_converter=js.Object.fromEntries))

    def _on_message(self, event: Any) -> None:
        try:
            data = event.data.to_py() if hasattr(event.data, "to_py") else None
        except Exception:  # noqa: BLE001 - an uncloneable or odd value is simply not ours
            return
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            return
        kind = data["type"]
        if kind == "config" and data.get("protocol") == PROTOCOL:
            settings = data.get("settings")
            self.settings = settings if isinstance(settings, dict) else {}
            if not self._configured.done():
                self._configured.set_result(None)
            return
        future = self._pending.get(data.get("id")) if isinstance(data.get("id"), str) else None
        if future is not None and not future.done() and kind.endswith("-result"):
            future.set_result(data)

    async def hello(self) -> None:
        self.post({"type": "hello", "protocol": PROTOCOL})
        await asyncio.wait_for(asyncio.shield(self._configured), HELLO_TIMEOUT)

    async def request(self, kind: str, timeout: float = REQUEST_TIMEOUT, **fields: Any) -> dict:
        request_id = str(next(self._ids))
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            self.post({"type": kind, "id": request_id, **fields})
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(request_id, None)


_channel: _Channel | None = None


async def attach(name: str) -> None:
    """Connect this kernel to the page. Called by the page at every kernel start."""
    global _channel
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError("jupyterlite_auth._page.attach: malformed channel name")
    if _channel is not None:
        _channel.close()
    _channel = _Channel(name)
    await _channel.hello()
    _apply_environ(_channel.settings.get("environ"))


def _apply_environ(environ: object) -> None:
    """Site-wide environment defaults (e.g. API_HOST); never overrides what the user set."""
    if not isinstance(environ, dict):
        return
    for key, value in environ.items():
        if isinstance(key, str) and isinstance(value, str) and key and key not in os.environ:
            os.environ[key] = value


def attached() -> bool:
    return _channel is not None


def site_settings() -> dict[str, Any]:
    """The site's plugin settings as the page handed them over ({} outside JupyterLite)."""
    return dict(_channel.settings) if _channel is not None else {}


async def open_url(url: str) -> tuple[bool, str]:
    """Ask the page to open `url` in a new tab. Returns (opened, reason)."""
    if _channel is None:
        return False, "no page is attached to this kernel"
    try:
        reply = await _channel.request("open", url=url)
    except asyncio.TimeoutError:
        return False, "the page did not answer"
    return bool(reply.get("opened")), str(reply.get("reason") or "")

