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


class HostState:
    """What the page knows of the embedding host: `standalone`, `waiting`, `received` or `none`.

    Every change is published as the user-visible variable `data_from_host` (when data arrived) and
    wakes whoever waits for the host. The payload may come as `dataJson` (a JSON string: lone
    surrogates and other odd text survive it byte for byte) or as a structured-cloned `data`.
    """

    STATES = ("standalone", "waiting", "received", "none")

    def __init__(self) -> None:
        self.state = "standalone"
        self.data: Any = None
        self.changed = asyncio.Event()

    def update(self, message: object) -> None:
        if not isinstance(message, dict) or message.get("state") not in self.STATES:
            return
        self.state = message["state"]
        if self.state == "received":
            self.data = _payload(message)
            _publish_data_from_host(self.data)
        self.changed.set()
        self.changed = asyncio.Event()


def _payload(message: dict) -> Any:
    text = message.get("dataJson")
    if isinstance(text, str):
        import json

        try:
            return json.loads(text)
        except (ValueError, RecursionError):  # the page refuses deeper data; never fail on it
            return None
    return message.get("data")


def _publish_data_from_host(data: Any) -> None:
    """`data_from_host` in the user's namespace, as the platform's notebooks expect."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        shell.user_ns["data_from_host"] = data


class _Channel:
    def __init__(self, name: str):
        import js  # type: ignore[import-not-found]
        from pyodide.ffi import create_proxy  # type: ignore[import-not-found]

        self.name = name
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future] = {}
        self.settings: dict[str, Any] = {}
        #: What the page can do besides the protocol's basics, e.g. {"widget": True}.
        self.features: dict[str, Any] = {}
        self.host = HostState()
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
            features = data.get("features")
            self.features = features if isinstance(features, dict) else {}
            try:
                self.host.update(data.get("host"))
            finally:  # whatever the host's data, the kernel is configured
                if not self._configured.done():
                    self._configured.set_result(None)
            return
        if kind == "host-data" and data.get("protocol") == PROTOCOL:
            self.host.update(data)
            return
        if kind == "cancel-sign-in":
            # From the widget's Cancel (names its flow) or the kernel's interrupt (any flow).
            flow = data.get("flow") if isinstance(data.get("flow"), str) else None
            for callback in list(_cancel_callbacks):
                callback(flow)
            return
        future = self._pending.get(data.get("id")) if isinstance(data.get("id"), str) else None
        if future is not None and not future.done() and kind.endswith("-result"):
            future.set_result(data)

    async def hello(self) -> None:
        self.post({"type": "hello", "protocol": PROTOCOL})
        try:
            await asyncio.wait_for(asyncio.shield(self._configured), HELLO_TIMEOUT)
        except asyncio.TimeoutError:
            raise RuntimeError(
                f"the page did not answer the kernel's hello within {HELLO_TIMEOUT:g} s; reload the page"
            ) from None

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
#: Called when the user interrupts the kernel from the page (see `on_cancel`).
_cancel_callbacks: list = []


def on_cancel(callback) -> None:
    """Run `callback(flow)` when the user presses interrupt (flow None) or the widget's Cancel
    (flow names the sign-in): neither can reach a running cell in JupyterLite, so the page
    forwards them on the side channel."""
    if callback not in _cancel_callbacks:
        _cancel_callbacks.append(callback)


async def attach(name: str) -> None:
    """Connect this kernel to the page. Called by the page at every kernel start."""
    global _channel
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError("jupyterlite_auth._page.attach: malformed channel name")
    if _channel is not None:
        _channel.close()
        _channel = None
    channel = _Channel(name)
    try:
        await channel.hello()
    except BaseException:
        channel.close()  # half attached is worse than not: callers would trust empty settings
        raise
    _channel = channel
    _apply_environ(_channel.settings.get("environ"))
    if _channel.features.get("widget") is True:
        from .widget import preload

        preload()
    _skip_empty_results()


def _skip_empty_results() -> None:
    """Publish no execute_result without data, as ipykernel does. Pyodide's kernel publishes one
    for every value that displays itself (`_ipython_display_`), such as what `authenticate()`
    returns in the cell whose sign-in display already says it, and the notebook saves it.

    The kernel's worker sets `publish_execution_result` anew before every execution, so the
    filter wraps `finish_displayhook` (which calls it) instead."""
    try:
        from IPython import get_ipython

        hook = get_ipython().displayhook
    except Exception:  # noqa: BLE001 - no shell: nothing to adjust
        return
    finish = getattr(hook, "finish_displayhook", None)
    if finish is None or not hasattr(hook, "publish_execution_result") or getattr(finish, "_jupyterlite_auth", False):
        return

    def finish_with_data():
        publish = hook.publish_execution_result
        if publish is None or getattr(hook, "data", None):
            return finish()
        hook.publish_execution_result = None  # nothing to show: let the hook tidy up, silently
        try:
            return finish()
        finally:
            hook.publish_execution_result = publish

    finish_with_data._jupyterlite_auth = True
    hook.finish_displayhook = finish_with_data


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


def features() -> dict[str, Any]:
    """What the page announced it can do ({} outside JupyterLite)."""
    return dict(_channel.features) if _channel is not None else {}


async def open_url(url: str, flow: str = "") -> tuple[bool, str]:
    """Ask the page to open `url` in a new tab (one per `flow`). Returns (opened, reason)."""
    if _channel is None:
        return False, "no page is attached to this kernel"
    try:
        reply = await _channel.request("open", url=url, flow=flow)
    except asyncio.TimeoutError:
        return False, "the page did not answer"
    return bool(reply.get("opened")), str(reply.get("reason") or "")


def host() -> HostState:
    """The host state ({standalone} outside JupyterLite)."""
    return _channel.host if _channel is not None else HostState()


async def wait_for_host(timeout: float) -> HostState:
    """Wait (bounded) while the page is still waiting for the host's first answer."""
    state = host()
    deadline = asyncio.get_running_loop().time() + timeout
    while state.state == "waiting":
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            break
        try:
            await asyncio.wait_for(state.changed.wait(), remaining)
        except asyncio.TimeoutError:
            break
    return state


async def ask_host_again(timeout: float) -> HostState:
    """Ask the host for fresh data (`get-data`) and wait for its answer or the page's timeout."""
    if _channel is None:
        return HostState()
    reply = await _channel.request("get-host-data", timeout=timeout)
    _channel.host.update(reply)
    return _channel.host


async def request(kind: str, timeout: float, **fields: Any) -> dict:
    if _channel is None:
        raise RuntimeError("no page is attached to this kernel")
    return await _channel.request(kind, timeout=timeout, **fields)
