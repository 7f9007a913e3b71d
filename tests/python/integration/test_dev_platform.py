"""The CPython client against the real dev platform (oidc-provider), confirmed over HTTP."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from jupyterlite_auth.errors import AccessDenied, InvalidGrant
from jupyterlite_auth.session import ACCESS_ENV, REFRESH_ENV, Session
from jupyterlite_auth.transports.stdlib import StdlibTransport
from platform_server import DevPlatform


class ApprovingPresenter:
    """Confirms the code over HTTP the moment it is shown, as a person at the browser would."""

    def __init__(self, platform: DevPlatform, deny: bool = False):
        self.platform, self.deny = platform, deny
        self.approver = None
        self.shown = []

    def waiting(self, authorization, flow):
        self.shown.append(authorization.user_code)
        self.approver = self.platform.approve(authorization.user_code, deny=self.deny)

    def opened(self, opened, reason):
        pass

    def status(self, kind, detail):
        self.shown.append(kind)

    def signed_in(self, summary):
        self.shown.append(summary)

    def failed(self, message, kind):
        self.shown.append(message)

    def show_again(self):
        self.shown.append("again")


def make_session(platform, presenter, env):
    async def no_browser(url, flow):
        return False, "test"

    return Session(
        transport=StdlibTransport(timeout=10),
        environ=env,
        site_settings=lambda: {"issuer": platform.issuer},
        presenter_factory=lambda: presenter,
        opener=no_browser,
    )


def api_get(platform, path, token):
    request = urllib.request.Request(f"{platform.api}/{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def token_post(platform, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        with urllib.request.urlopen(f"{platform.issuer}/token", data=data, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def sign_in(platform, env):
    presenter = ApprovingPresenter(platform)
    session = make_session(platform, presenter, env)
    result = asyncio.run(session.authenticate())
    assert presenter.approver.wait(20) == 0, presenter.approver.stdout.read()
    return session, result, presenter


def test_device_flow_confirmed_then_api_accepts_the_token(platform):
    env = {}
    session, result, presenter = sign_in(platform, env)
    assert repr(result).startswith("Signed in as Dev User until")
    assert env[ACCESS_ENV] and env[REFRESH_ENV]
    status, me = api_get(platform, "me", env[ACCESS_ENV])
    assert status == 200 and me["email"] == "dev@example.test"
    status, projects = api_get(platform, "projects?isDefault=true", env[ACCESS_ENV])
    assert status == 200 and all(p["isDefault"] for p in projects)
    assert session.last_poll_stats.slow_downs == 0


def test_cancel_in_browser_raises_access_denied(platform):
    presenter = ApprovingPresenter(platform, deny=True)
    session = make_session(platform, presenter, {})
    with pytest.raises(AccessDenied):
        asyncio.run(session.authenticate())


def test_refresh_rotates_and_the_old_refresh_token_is_dead(platform):
    env = {}
    session, _, _ = sign_in(platform, env)
    old_access, old_refresh = env[ACCESS_ENV], env[REFRESH_ENV]
    asyncio.run(session.refresh())
    assert env[ACCESS_ENV] != old_access and env[REFRESH_ENV] != old_refresh
    assert api_get(platform, "me", env[ACCESS_ENV])[0] == 200
    status, body = token_post(platform, {"grant_type": "refresh_token", "refresh_token": old_refresh,
                                         "client_id": "cli-device-client"})
    assert status == 400 and body["error"] == "invalid_grant"


def test_logout_revokes_at_the_provider(platform):
    env = {}
    session, _, _ = sign_in(platform, env)
    access = env[ACCESS_ENV]
    signed_out = asyncio.run(session.logout())
    assert repr(signed_out) == "Dev User is signed out: the provider revoked the tokens, and they are forgotten here."
    assert ACCESS_ENV not in env
    assert api_get(platform, "me", access)[0] == 401


def test_a_short_lived_token_is_refreshed_before_it_fails():
    with DevPlatform(POLL_INTERVAL="1", ACCESS_TOKEN_TTL="4") as platform:
        env = {}
        session, _, _ = sign_in(platform, env)
        first = env[ACCESS_ENV]
        import time

        time.sleep(4.5)
        assert api_get(platform, "me", first)[0] == 401
        token = asyncio.run(session.get_access_token())
        assert token != first and api_get(platform, "me", token)[0] == 200


def test_refresh_with_a_revoked_grant_says_sign_in_again(platform):
    env = {}
    session, _, _ = sign_in(platform, env)
    refresh = env[REFRESH_ENV]
    token_post(platform, {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "cli-device-client"})
    with pytest.raises(InvalidGrant, match="sign in again"):
        asyncio.run(session.refresh())
    assert REFRESH_ENV not in env


def test_a_code_nobody_confirms_expires_with_a_clear_error():
    from jupyterlite_auth.errors import ExpiredToken

    with DevPlatform(POLL_INTERVAL="1", DEVICE_CODE_TTL="3") as platform:
        presenter = ApprovingPresenter(platform)
        presenter.waiting = lambda authorization, flow: presenter.shown.append(authorization.user_code)
        session = make_session(platform, presenter, {})
        with pytest.raises(ExpiredToken, match=r"Call authenticate\(\) again for a new code"):
            asyncio.run(session.authenticate())


def test_requests_auth_refreshes_and_retries_once_on_401():
    """The server expired the token while the client still thought it fresh: one 401, one
    refresh, one retry, and the caller sees 200."""
    import dataclasses
    import time

    import requests

    from jupyterlite_auth import BearerAuth

    with DevPlatform(POLL_INTERVAL="1", ACCESS_TOKEN_TTL="2") as platform:
        env = {}
        session, _, _ = sign_in(platform, env)
        session.tokens = dataclasses.replace(session.tokens, expires_in=3600)  # the client's view
        time.sleep(3)  # the server's view: expired
        reply = requests.get(f"{platform.api}/me", auth=BearerAuth(session), timeout=10)
        assert reply.status_code == 200 and reply.json()["email"] == "dev@example.test"
        assert [r.status_code for r in reply.history] == [401]
        assert reply.request.headers["Authorization"] == f"Bearer {env[ACCESS_ENV]}"


def test_requests_auth_refreshes_ahead_of_expiry_without_a_401():
    import time

    import requests

    from jupyterlite_auth import BearerAuth

    with DevPlatform(POLL_INTERVAL="1", ACCESS_TOKEN_TTL="4") as platform:
        env = {}
        session, _, _ = sign_in(platform, env)
        first = env[ACCESS_ENV]
        time.sleep(2.5)  # past half-life: inside the refresh-ahead window
        reply = requests.get(f"{platform.api}/me", auth=BearerAuth(session), timeout=10)
        assert reply.status_code == 200 and reply.history == []
        assert env[ACCESS_ENV] != first


def test_requests_from_many_threads_refresh_once_and_keep_the_grant():
    """Six threads find the token due at once: one refresh goes out (a rotated refresh token sent
    twice would make the provider revoke the grant), all six calls succeed, the user stays signed in."""
    import threading
    import time

    import requests

    from jupyterlite_auth import BearerAuth

    with DevPlatform(POLL_INTERVAL="1", ACCESS_TOKEN_TTL="4") as platform:
        env = {}
        session, _, _ = sign_in(platform, env)
        first_refresh = env[REFRESH_ENV]
        time.sleep(2.5)  # inside the refresh-ahead window
        start, statuses = threading.Barrier(6), []

        def call():
            start.wait(5)
            reply = requests.get(f"{platform.api}/me", auth=BearerAuth(session), timeout=10)
            statuses.append(reply.status_code)

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert statuses == [200] * 6
        assert session.tokens is not None and env[REFRESH_ENV] != first_refresh
        asyncio.run(session.refresh())  # the grant is still alive
        assert api_get(platform, "me", env[ACCESS_ENV])[0] == 200
