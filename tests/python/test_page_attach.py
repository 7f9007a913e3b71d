"""The kernel's side of the page channel, with a stand-in for the browser's BroadcastChannel:
attach either finishes (settings, features, environment applied) or leaves nothing attached."""

import asyncio
import sys
import types

import pytest

from jupyterlite_auth import _page


class FakeBroadcastChannel:
    """Delivers what the kernel posts to `page` (a function returning the page's reply, or None)."""

    opened: list = []

    def __init__(self, name, page):
        self.name, self.page, self.listeners, self.closed = name, page, [], False
        FakeBroadcastChannel.opened.append(self)

    def addEventListener(self, kind, listener):  # noqa: N802 - the browser's API
        self.listeners.append(listener)

    def removeEventListener(self, kind, listener):  # noqa: N802
        self.listeners.remove(listener)

    def close(self):
        self.closed = True

    def postMessage(self, message):  # noqa: N802
        reply = self.page(message)
        if reply is not None:
            event = types.SimpleNamespace(data=types.SimpleNamespace(to_py=lambda: reply))
            asyncio.get_running_loop().call_soon(lambda: [listener(event) for listener in self.listeners])


class Proxy:
    def __init__(self, function):
        self.function, self.destroyed = function, False

    def __call__(self, *args):
        return self.function(*args)

    def destroy(self):
        self.destroyed = True


@pytest.fixture
def browser(monkeypatch):
    """Fake `js` and `pyodide.ffi`; the test sets `browser.page` to answer the kernel."""
    state = types.SimpleNamespace(page=lambda message: None)
    js = types.ModuleType("js")
    js.BroadcastChannel = types.SimpleNamespace(new=lambda name: FakeBroadcastChannel(name, state.page))
    js.Object = types.SimpleNamespace(fromEntries=dict)
    ffi = types.ModuleType("pyodide.ffi")
    ffi.create_proxy = Proxy
    ffi.to_js = lambda value, dict_converter=None: value
    pyodide = types.ModuleType("pyodide")
    pyodide.ffi = ffi
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.setitem(sys.modules, "pyodide", pyodide)
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    monkeypatch.setattr(_page, "_channel", None)
    monkeypatch.setattr(_page, "HELLO_TIMEOUT", 0.05)
    FakeBroadcastChannel.opened = []
    return state


NAME = "jupyterlite-auth-" + "0123456789abcdef" * 2


def test_a_page_that_answers_hello_attaches_with_its_settings(browser, monkeypatch):
    monkeypatch.delenv("API_HOST", raising=False)

    def page(message):
        if message["type"] == "hello":
            return {"type": "config", "protocol": _page.PROTOCOL, "settings": {"issuer": "https://id.example.org",
                    "environ": {"API_HOST": "api.example.org"}}, "features": {}, "host": {"state": "standalone"}}
        return None

    browser.page = page
    asyncio.run(_page.attach(NAME))
    assert _page.attached() and _page.site_settings()["issuer"] == "https://id.example.org"
    import os

    assert os.environ.pop("API_HOST") == "api.example.org"


def test_a_page_that_never_answers_leaves_nothing_attached(browser):
    with pytest.raises(RuntimeError, match="did not answer the kernel's hello within 0.05 s; reload the page"):
        asyncio.run(_page.attach(NAME))
    assert not _page.attached() and _page.site_settings() == {}
    channel = FakeBroadcastChannel.opened[-1]
    assert channel.closed and channel.listeners == []


def test_a_second_attach_that_fails_does_not_keep_the_first_channel(browser):
    browser.page = lambda m: {"type": "config", "protocol": _page.PROTOCOL, "settings": {}} if m["type"] == "hello" else None
    asyncio.run(_page.attach(NAME))
    first = FakeBroadcastChannel.opened[-1]
    browser.page = lambda m: None
    with pytest.raises(RuntimeError, match="hello"):
        asyncio.run(_page.attach(NAME))
    assert first.closed and not _page.attached()


def test_a_malformed_channel_name_is_refused_before_anything_opens(browser):
    with pytest.raises(ValueError, match="malformed channel name"):
        asyncio.run(_page.attach("x; import os"))
    assert FakeBroadcastChannel.opened == []


def test_host_data_too_deep_to_decode_does_not_stop_attach(browser):
    """The page refuses such data; should any arrive, the kernel still starts, without it."""
    deep = "[" * 5000 + "]" * 5000

    def page(message):
        if message["type"] == "hello":
            return {"type": "config", "protocol": _page.PROTOCOL, "settings": {"issuer": "https://id.example.org"},
                    "host": {"state": "received", "dataJson": deep}}
        return None

    browser.page = page
    asyncio.run(_page.attach(NAME))
    assert _page.attached() and _page.host().state == "received" and _page.host().data is None
