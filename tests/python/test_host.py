import asyncio

import pytest

from jupyterlite_auth.brokered_fetch import brokered_fetch
from jupyterlite_auth.host import HostDataUnusable, HostError, apply_host_credentials, parse_host_data, send_to_host


@pytest.mark.parametrize(
    "data, reason",
    [
        ("a string", "is a str"),
        (None, "is a NoneType"),
        ({"apiConfig": []}, "no apiConfig object"),
        ({"apiConfig": {"accountId": "a"}}, "no authToken string"),
        ({"apiConfig": {"accountId": "a", "authToken": "t", "organizationId": 5}}, "organizationId is not a string"),
        ({"apiConfig": {"accountId": "a", "authToken": "t"}, "environ": ["x"]}, "environ is not an object"),
        ({"apiConfig": {"accountId": "a", "authToken": "t"}, "environ": {"A=B": "x"}}, "invalid variable name"),
        ({"apiConfig": {"accountId": "a", "authToken": "t"}, "environ": {"A": "x\0y"}}, "NUL"),
        ({"apiConfig": {"accountId": "a", "authToken": "t"}, "environ": {"SURR": "x\ud800y"}},
         r"environ entry SURR is not valid Unicode \(a lone surrogate\)"),
        ({"apiConfig": {"accountId": "a", "authToken": "t"}, "environ": {"S\udc00": "x"}}, r"entry S\\udc00 is not valid"),
        ({"apiConfig": {"accountId": "a\ud800", "authToken": "t"}}, "apiConfig.accountId is not valid text"),
        ({"apiConfig": {"accountId": "a", "authToken": "t\0"}}, "apiConfig.authToken is not valid text"),
    ],
)
def test_unusable_host_data_is_named(data, reason):
    with pytest.raises(HostDataUnusable, match=reason):
        parse_host_data(data)


def test_host_credentials_never_show_the_token_and_win_over_stale_oidc_tokens():
    credentials = parse_host_data({"apiConfig": {"accountId": "a", "authToken": "SECRET"}})
    assert "SECRET" not in repr(credentials)
    env = {"OIDC_ACCESS_TOKEN": "old", "ORGANIZATION_ID": "old-org"}
    apply_host_credentials(credentials, env)
    assert env == {"ACCOUNT_ID": "a", "AUTH_TOKEN": "SECRET", "CLUSTERS": "[]"}


def test_send_to_host_outside_jupyterlite_says_so():
    with pytest.raises(HostError, match="only in JupyterLite"):
        asyncio.run(send_to_host({"a": 1}))
    with pytest.raises(HostError, match="needs a JSON value"):
        asyncio.run(send_to_host({"a": object()}))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"url": "javascript:alert(1)"}, "absolute http"),
        ({"url": "/api/me"}, "absolute http"),
        ({"url": "https://x.example/", "via": "carrier-pigeon"}, "via must be one of"),
        ({"url": "https://x.example/", "body": b"bytes"}, "body must be a string"),
        ({"url": "https://x.example/"}, "only in JupyterLite"),
    ],
)
def test_brokered_fetch_refuses_bad_arguments(kwargs, match):
    with pytest.raises(HostError, match=match):
        asyncio.run(brokered_fetch(**kwargs))


def test_results_without_data_are_not_published(monkeypatch):
    """Pyodide's display hook publishes an empty execute_result for self-displaying values; its
    worker sets `publish_execution_result` anew before every execution."""
    from jupyterlite_auth import _page

    published = []

    class Hook:
        """pyodide_kernel.display.LiteDisplayHook's part that matters."""

        publish_execution_result = None
        data: dict = {}

        def finish_displayhook(self):
            if self.publish_execution_result:
                self.publish_execution_result(7, self.data, {})
            self.data = {}

    class Shell:
        displayhook = Hook()

    hook = Shell.displayhook
    monkeypatch.setattr("IPython.get_ipython", lambda: Shell)
    _page._skip_empty_results()
    _page._skip_empty_results()  # idempotent: wrapped once
    for data in ({}, {"text/plain": "x"}):
        hook.publish_execution_result = lambda *args: published.append(args)  # as each execution does
        hook.data = data
        hook.finish_displayhook()
        assert hook.publish_execution_result is not None and hook.data == {}
    assert published == [(7, {"text/plain": "x"}, {})]


def test_unusable_host_data_changes_no_variable():
    """Checked whole before anything is applied: no half-applied credentials."""
    import os

    with pytest.raises(HostDataUnusable):
        parse_host_data({"apiConfig": {"accountId": "a", "authToken": "t"}, "environ": {"OK": "1", "SURR": "x\ud800"}})
    assert "OK" not in os.environ
