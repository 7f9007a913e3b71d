import asyncio
import re

import pytest

from fakes import ISSUER, device_reply, discovery_document, form, json_reply, oauth_error, token_reply
from jupyterlite_auth.errors import AccessDenied, DiscoveryError, InvalidGrant, NotSignedIn, SignInCancelled
from jupyterlite_auth.session import ACCESS_ENV, REFRESH_ENV, Session

WELL_KNOWN = f"{ISSUER}/.well-known/openid-configuration"
DEVICE = f"{ISSUER}/device/auth"
TOKEN = f"{ISSUER}/token"
REVOKE = f"{ISSUER}/token/revocation"


class RecordingPresenter:
    def __init__(self):
        self.events = []

    def waiting(self, a, flow):
        self.flow = flow
        self.events.append(("waiting", a.user_code))

    def opened(self, opened, reason):
        self.events.append(("opened", opened, reason))

    def status(self, kind, detail):
        self.events.append(("status", kind))

    def signed_in(self, summary):
        self.events.append(("signed_in", summary))

    def failed(self, message, kind):
        self.events.append(("failed", message, kind))

    def show_again(self):
        self.events.append(("show_again",))


def make_session(clock, transport, env=None, opened=(True, ""), keep_fresh=False, host=None):
    presenter = RecordingPresenter()
    opens = []

    async def opener(url, flow):
        opens.append(url)
        return opened

    async def standalone(ask_again):
        return "standalone", None

    host = host or standalone
    session = Session(
        transport=transport,
        clock=clock,
        environ=env if env is not None else {},
        site_settings=lambda: {"issuer": ISSUER},
        host=host,
        presenter_factory=lambda: presenter,
        opener=opener,
        keep_fresh=keep_fresh,
    )
    return session, presenter, opens


def script_flow(clock, transport, *token_steps):
    from fakes import provider_jwks

    transport.script(WELL_KNOWN, json_reply(200, discovery_document()))
    transport.script(f"{ISSUER}/jwks", json_reply(200, provider_jwks()))
    transport.script(DEVICE, json_reply(200, device_reply()))
    transport.script(TOKEN, *(token_steps or (oauth_error("authorization_pending"), json_reply(200, token_reply(clock)))))


def test_full_flow_sets_environment_and_hides_tokens(clock, transport):
    script_flow(clock, transport)
    env = {}
    session, presenter, opens = make_session(clock, transport, env)
    result = asyncio.run(session.authenticate())
    assert env[ACCESS_ENV] == "ACCESS-1" and env[REFRESH_ENV] == "REFRESH-1"
    assert repr(result).startswith("Signed in as Ada Lovelace until ")
    assert "ACCESS" not in repr(result) and "REFRESH" not in repr(result)
    assert opens == ["https://id.example.org/oidc/device?user_code=BCDF-GHJK"]
    assert presenter.events[0] == ("waiting", "BCDF-GHJK")
    assert presenter.events[-1][0] == "signed_in"
    assert "DEVICE-CODE-SECRET" not in str(presenter.events)
    device_request = transport.requests_to(DEVICE)[0][1]
    assert form(device_request) == {"client_id": "cli-device-client", "scope": "openid profile email offline_access"}


def test_valid_token_returns_at_once_and_force_starts_again(clock, transport):
    script_flow(clock, transport)
    session, presenter, _ = make_session(clock, transport)
    asyncio.run(session.authenticate())
    count = len(transport.sent)
    asyncio.run(session.authenticate())
    assert len(transport.sent) == count
    transport.scripts[DEVICE] = [json_reply(200, device_reply(user_code="WXYZ-WXYZ"))]
    transport.scripts[TOKEN] = [json_reply(200, token_reply(clock, access="ACCESS-2"))]
    asyncio.run(session.authenticate(force=True))
    assert session.tokens.access_token == "ACCESS-2"


def test_expired_token_refreshed_silently_with_rotation(clock, transport):
    script_flow(clock, transport)
    env = {}
    session, presenter, _ = make_session(clock, transport, env)
    asyncio.run(session.authenticate())
    clock.now += 1801
    transport.scripts[TOKEN] = [json_reply(200, token_reply(clock, access="ACCESS-2", refresh="REFRESH-2"))]
    waiting_before = sum(1 for e in presenter.events if e[0] == "waiting")
    asyncio.run(session.authenticate())
    assert env[ACCESS_ENV] == "ACCESS-2" and env[REFRESH_ENV] == "REFRESH-2"
    assert sum(1 for e in presenter.events if e[0] == "waiting") == waiting_before
    refresh = form(transport.requests_to(TOKEN)[-1][1])
    assert refresh == {"grant_type": "refresh_token", "refresh_token": "REFRESH-1", "client_id": "cli-device-client"}


def test_refresh_reply_without_refresh_token_keeps_the_old_one(clock, transport):
    script_flow(clock, transport)
    session, _, _ = make_session(clock, transport)
    asyncio.run(session.authenticate())
    transport.scripts[TOKEN] = [json_reply(200, token_reply(clock, access="ACCESS-2", refresh=None))]
    asyncio.run(session.refresh())
    assert session.tokens.refresh_token == "REFRESH-1"


def signed_in_with_a_refresh_ready(clock, transport):
    """Signed in; the token endpoint's next answer is a rotation to ACCESS-2 / REFRESH-2."""
    script_flow(clock, transport)
    session, _, _ = make_session(clock, transport)
    asyncio.run(session.authenticate())
    transport.scripts[TOKEN] = [json_reply(200, token_reply(clock, access="ACCESS-2", refresh="REFRESH-2"))]
    return session


def test_concurrent_refreshes_share_one_request(clock, transport):
    session = signed_in_with_a_refresh_ready(clock, transport)
    before = len(transport.requests_to(TOKEN))

    async def both():
        return await asyncio.gather(session.refresh(), session.refresh(), session.refresh())

    results = asyncio.run(both())
    assert len(transport.requests_to(TOKEN)) == before + 1
    assert {r.access_token for r in results} == {"ACCESS-2"}


def test_invalid_grant_on_refresh_clears_and_says_sign_in_again(clock, transport):
    script_flow(clock, transport)
    env = {}
    session, _, _ = make_session(clock, transport, env)
    asyncio.run(session.authenticate())
    transport.scripts[TOKEN] = [oauth_error("invalid_grant", "grant revoked")]
    with pytest.raises(InvalidGrant, match=r"grant revoked\)\. The provider ended this sign-in"):
        asyncio.run(session.refresh())
    assert ACCESS_ENV not in env and REFRESH_ENV not in env
    # later calls say why, not just "not signed in" (a logout in another notebook, say)
    with pytest.raises(NotSignedIn, match=r"^The provider ended this sign-in: .*logout\(\) in another notebook"):
        asyncio.run(session.get_access_token())
    transport.scripts[TOKEN] = []
    script_flow(clock, transport)
    transport.script(REVOKE, json_reply(200, {}), json_reply(200, {}))
    asyncio.run(session.authenticate())
    asyncio.run(session.logout())
    with pytest.raises(NotSignedIn, match=r"^Not signed in: run"):
        asyncio.run(session.get_access_token())


def test_concurrent_authenticate_calls_share_one_flow(clock, transport):
    script_flow(clock, transport)
    session, presenter, opens = make_session(clock, transport)

    async def both():
        return await asyncio.gather(session.authenticate(), session.authenticate())

    a, b = asyncio.run(both())
    assert a == b
    assert len(transport.requests_to(DEVICE)) == 1
    assert len(opens) == 1


def test_access_denied_is_raised_and_shown(clock, transport):
    script_flow(clock, transport, oauth_error("access_denied", "End-User aborted interaction"))
    env = {}
    session, presenter, _ = make_session(clock, transport, env)
    with pytest.raises(AccessDenied, match="End-User aborted interaction"):
        asyncio.run(session.authenticate())
    assert presenter.events[-1][0] == "failed" and presenter.events[-1][2] == "denied"
    assert ACCESS_ENV not in env


def test_issuer_mismatch_is_refused(clock, transport):
    transport.script(WELL_KNOWN, json_reply(200, discovery_document(issuer="https://evil.example/oidc")))
    session, _, _ = make_session(clock, transport)
    with pytest.raises(DiscoveryError, match="names the issuer 'https://evil.example/oidc'"):
        asyncio.run(session.authenticate())


def test_provider_without_device_flow(clock, transport):
    transport.script(WELL_KNOWN, json_reply(200, discovery_document(device_authorization_endpoint=None)))
    session, _, _ = make_session(clock, transport)
    with pytest.raises(DiscoveryError, match="does not offer the device flow"):
        asyncio.run(session.authenticate())


def waiting_forever(clock, transport):
    """A session whose sign-in waits for confirmation until cancelled: its clock never wakes."""
    script_flow(clock, transport, oauth_error("authorization_pending"))
    session, presenter, _ = make_session(clock, transport)

    async def sleep_forever(seconds):
        await asyncio.get_running_loop().create_future()

    clock.sleep = sleep_forever
    return session, presenter


async def waiting_sign_in(session):
    """`session.authenticate()` as a task, let run until it waits for confirmation."""
    task = asyncio.ensure_future(session.authenticate())
    for _ in range(50):
        await asyncio.sleep(0)
    return task


def test_interrupting_the_only_waiter_cancels_polling_and_ipython_shows_one_line(clock, transport):
    """ipykernel's interrupt cancels the cell: polling stops, asyncio still sees a plain
    CancelledError (timeouts rely on it), and IPython shows one line instead of a traceback."""
    session, presenter = waiting_forever(clock, transport)

    async def interrupted():
        task = await waiting_sign_in(session)
        task.cancel()
        with pytest.raises(asyncio.CancelledError) as caught:
            await task
        await asyncio.sleep(0)
        return session._flow, caught.value

    flow, error = asyncio.run(interrupted())
    assert flow.cancelled()
    assert presenter.events[-1] == ("failed", "Call authenticate() again to sign in.", "cancelled")
    assert type(error) is asyncio.CancelledError
    assert error._render_traceback_() == [
        "CancelledError: Sign-in was cancelled. Call authenticate() again to sign in."
    ]


def test_a_timeout_around_a_waiting_sign_in_is_still_a_timeout(clock, transport):
    session, presenter = waiting_forever(clock, transport)

    async def with_timeout():
        async with asyncio.timeout(0.01):  # real time, but only 10 ms: the flow never wakes
            await session.authenticate()

    with pytest.raises(TimeoutError):
        asyncio.run(with_timeout())
    assert presenter.events[-1][2] == "cancelled"


def test_logout_revokes_and_forgets(clock, transport):
    script_flow(clock, transport)
    transport.script(REVOKE, json_reply(200, {}), json_reply(200, {}))
    env = {}
    session, _, _ = make_session(clock, transport, env)
    signed_in = asyncio.run(session.authenticate())
    signed_out = asyncio.run(session.logout())
    assert env == {}
    hints = [form(r)["token_type_hint"] for _, r in transport.requests_to(REVOKE)]
    assert hints == ["refresh_token", "access_token"]
    assert repr(signed_out) == "Ada Lovelace is signed out: the provider revoked the tokens, and they are forgotten here."
    # the object authenticate() returned no longer claims a sign-in
    assert repr(signed_in) == "Not signed in any more (was signed in as Ada Lovelace): run `await authenticate()` to sign in."
    assert repr(asyncio.run(session.logout())) == "Not signed in: nothing to sign out of."


def test_logout_says_when_the_provider_did_not_revoke(clock, transport):
    script_flow(clock, transport)
    transport.script(REVOKE, json_reply(503, {}), json_reply(200, {}))
    session, _, _ = make_session(clock, transport)
    asyncio.run(session.authenticate())
    text = repr(asyncio.run(session.logout()))
    assert text.startswith("Ada Lovelace is signed out here: the tokens are forgotten. The provider did not revoke them,")
    assert "keeps working until it expires (at " in text
    assert "ACCESS" not in text


def test_a_signed_in_line_follows_refreshes_and_ends_with_a_new_sign_in(clock, transport, monkeypatch):
    from jupyterlite_auth import errors

    monkeypatch.setattr(errors, "in_notebook", lambda: True)
    script_flow(clock, transport)
    session, _, _ = make_session(clock, transport)
    first = asyncio.run(session.authenticate())
    before = repr(first)
    clock.now += 3000
    transport.script(TOKEN, json_reply(200, token_reply(clock, access="ACCESS-2")))
    asyncio.run(session.refresh())
    after = repr(first)
    assert after.startswith("Signed in as Ada Lovelace until ") and after != before  # the new expiry
    transport.script(DEVICE, json_reply(200, device_reply()))
    transport.script(TOKEN, json_reply(200, token_reply(clock, access="ACCESS-3")))
    second = asyncio.run(session.authenticate(force=True))
    assert repr(first).startswith("Not signed in any more") and repr(second).startswith("Signed in as")


def reply_with_only_sub(clock):
    from fakes import signed_jwt

    reply = token_reply(clock)
    reply["id_token"] = signed_jwt({"iss": ISSUER, "aud": "cli-device-client", "sub": "u1",
                                    "exp": clock.time() + 3600})
    return json_reply(200, reply)


def test_name_from_userinfo_when_the_id_token_has_only_sub(clock, transport):
    script_flow(clock, transport, reply_with_only_sub(clock))
    transport.script(f"{ISSUER}/me", json_reply(200, {"sub": "u1", "name": "Grace Hopper"}))
    session, _, _ = make_session(clock, transport)
    assert repr(asyncio.run(session.authenticate())).startswith("Signed in as Grace Hopper")
    headers = transport.requests_to(f"{ISSUER}/me")[0][1].headers
    assert headers["Authorization"] == "Bearer ACCESS-1"


def test_userinfo_of_another_subject_is_ignored(clock, transport):
    script_flow(clock, transport, reply_with_only_sub(clock))
    transport.script(f"{ISSUER}/me", json_reply(200, {"sub": "someone-else", "name": "Mallory"}))
    session, _, _ = make_session(clock, transport)
    assert repr(asyncio.run(session.authenticate())).startswith("Signed in as u1")


def test_the_line_is_shown_once_in_the_signing_in_cell_and_always_later(clock, transport, monkeypatch):
    from jupyterlite_auth import session as session_module

    monkeypatch.setattr(session_module, "_execution_count", lambda: 7)
    script_flow(clock, transport)
    session, _, _ = make_session(clock, transport)
    first = asyncio.run(session.authenticate())
    assert first._cell == 7  # its live display already shows "Signed in as ..."
    again = asyncio.run(session.authenticate())
    assert again._cell is None  # returned at once: nothing else says it, so its display must


def test_tokens_are_kept_fresh_in_the_background(clock, transport):
    """Three refreshes happen on their own, each in the refresh-ahead window, each rotating."""
    script_flow(clock, transport)
    env = {}
    session, _, _ = make_session(clock, transport, env, keep_fresh=True)
    refreshed = []

    def rotate(request):
        n = len(refreshed) + 2
        refreshed.append((clock.monotonic(), form(request)["refresh_token"]))
        return json_reply(200, token_reply(clock, access=f"ACCESS-{n}", refresh=f"REFRESH-{n}"))

    async def scenario():
        await session.authenticate()
        signed_in_at = clock.monotonic()
        transport.scripts[TOKEN] = [rotate]
        while len(refreshed) < 3:
            await asyncio.sleep(0)
        session._keeper.cancel()
        return signed_in_at

    signed_in_at = asyncio.run(scenario())
    assert [token for _, token in refreshed] == ["REFRESH-1", "REFRESH-2", "REFRESH-3"]
    # each refresh 5 minutes before the 30-minute expiry of the token it replaces
    assert [round(t - signed_in_at) for t, _ in refreshed] == [1500, 3000, 4500]
    assert env[ACCESS_ENV] == "ACCESS-4" and env[REFRESH_ENV] == "REFRESH-4"


def test_background_refresh_stops_when_the_grant_is_gone(clock, transport):
    script_flow(clock, transport)
    env = {}
    session, _, _ = make_session(clock, transport, env, keep_fresh=True)

    async def scenario():
        await session.authenticate()
        transport.scripts[TOKEN] = [oauth_error("invalid_grant", "revoked")]
        for _ in range(200):
            await asyncio.sleep(0)
        return session._keeper

    keeper = asyncio.run(scenario())
    assert keeper.done()
    assert env == {} and session.tokens is None


def test_background_refresh_retries_through_network_trouble(clock, transport):
    from fakes import network_down

    script_flow(clock, transport)
    env = {}
    session, _, _ = make_session(clock, transport, env, keep_fresh=True)

    async def scenario():
        await session.authenticate()
        transport.scripts[TOKEN] = [network_down(TOKEN), network_down(TOKEN),
                                    json_reply(200, token_reply(clock, access="ACCESS-2", refresh="REFRESH-2"))]
        while env.get(ACCESS_ENV) != "ACCESS-2":
            await asyncio.sleep(0)
        session._keeper.cancel()

    asyncio.run(scenario())
    assert env[REFRESH_ENV] == "REFRESH-2"


def test_discovery_is_fetched_once_per_issuer(clock, transport):
    script_flow(clock, transport)
    session, _, _ = make_session(clock, transport)
    asyncio.run(session.authenticate())
    transport.scripts[DEVICE] = [json_reply(200, device_reply())]
    transport.scripts[TOKEN] = [json_reply(200, token_reply(clock, access="ACCESS-2"))]
    asyncio.run(session.authenticate(force=True))
    assert len(transport.requests_to(WELL_KNOWN)) == 1


def waiting_terminal_presenter():
    """A TerminalPresenter writing to a string, already showing a code."""
    import io

    from jupyterlite_auth.device_flow import parse_device_authorization
    from jupyterlite_auth.display import TerminalPresenter

    out = io.StringIO()
    presenter = TerminalPresenter(out)
    presenter.waiting(parse_device_authorization(device_reply()), "f1")
    return presenter, out


def test_terminal_presenter_prints_code_and_link_but_never_the_device_code():
    presenter, out = waiting_terminal_presenter()
    presenter.opened(False, "no browser on this machine")
    presenter.status("pending", "")
    presenter.status("slow_down", "polling every 10 s")
    presenter.signed_in("Signed in as Ada Lovelace until 12:00")
    text = out.getvalue()
    assert "BCDF-GHJK" in text and "https://id.example.org/oidc/device" in text
    assert ("The sign-in page could not be opened automatically (no browser on this machine):"
            " open the address above in a browser and enter the code.") in text
    assert "poll less often" in text and "Signed in as Ada Lovelace" in text
    assert "DEVICE-CODE-SECRET" not in text


def test_terminal_presenter_says_the_outcome_once_and_leaves_the_message_to_the_exception():
    presenter, out = waiting_terminal_presenter()
    presenter.opened(False, "off")
    presenter.failed("The sign-in provider answered access_denied. Sign-in was cancelled...", "denied")
    lines = out.getvalue().splitlines()
    assert "Open the address above in a browser and enter the code." in lines
    assert lines[-1] == "Sign-in denied." and "access_denied" not in out.getvalue()


def test_a_narrowed_scope_is_said_once(clock, transport):
    reply = token_reply(clock)
    reply["scope"] = "openid"
    script_flow(clock, transport, json_reply(200, reply))
    notices = []
    session, _, _ = make_session(clock, transport)
    session._notice = notices.append
    asyncio.run(session.authenticate())
    assert notices == ["The provider did not grant the scope profile email offline_access (granted: openid)."
                       " Without offline_access the sign-in cannot be refreshed."]


def test_platform_mode_uses_the_hosts_credentials(clock, transport):
    host_data = {"apiConfig": {"accountId": "acc-1", "authToken": "HOST-TOKEN", "organizationId": "org-1",
                               "clusters": [{"displayName": "c1", "queues": ["D"]}]},
                 "environ": {"API_HOST": "platform.example.org", "API_PORT": 443}}
    asked = []

    async def host(ask_again):
        asked.append(ask_again)
        return "received", host_data

    env = {"OIDC_ACCESS_TOKEN": "stale", "OIDC_REFRESH_TOKEN": "stale"}
    session, presenter, _ = make_session(clock, transport, env, host=host)
    result = asyncio.run(session.authenticate())
    assert repr(result) == "Signed in through the platform page as account acc-1"
    assert env == {"ACCOUNT_ID": "acc-1", "AUTH_TOKEN": "HOST-TOKEN", "ORGANIZATION_ID": "org-1",
                   "CLUSTERS": '[{"displayName": "c1", "queues": ["D"]}]',
                   "API_HOST": "platform.example.org", "API_PORT": "443"}
    assert "HOST-TOKEN" not in repr(result)
    assert transport.sent == [] and presenter.events == []
    with pytest.raises(NotSignedIn) as caught:
        asyncio.run(session.get_access_token())
    assert str(caught.value).startswith("Signed in through the platform page (account acc-1), which gives")
    assert "ACCOUNT_ID and AUTH_TOKEN" in str(caught.value) and "HOST-TOKEN" not in str(caught.value)
    asyncio.run(session.authenticate(force=True))
    assert asked == [False, True]


@pytest.mark.parametrize(
    "state, data, notice",
    [
        ("received", [{"material": 1}], "the host's data is a list, not an object with apiConfig"),
        ("received", {"materials": []}, "the host's data has no apiConfig object"),
        ("received", {"apiConfig": {"accountId": 7, "authToken": "t"}}, "no accountId string"),
        ("none", None, "did not send credentials in time"),
    ],
)
def test_unusable_host_data_falls_back_to_the_device_flow_with_a_notice(clock, transport, state, data, notice):
    async def host(ask_again):
        return state, data

    script_flow(clock, transport)
    notices = []
    session, presenter, _ = make_session(clock, transport, host=host)
    session._notice = notices.append
    result = asyncio.run(session.authenticate())
    assert repr(result).startswith("Signed in as Ada Lovelace")
    assert len(notices) == 1 and notice in notices[0]


def test_the_page_interrupt_cancels_a_waiting_sign_in_with_one_clear_error(clock, transport):
    from jupyterlite_auth.errors import SignInCancelled

    session, presenter = waiting_forever(clock, transport)

    async def interrupted():
        task = await waiting_sign_in(session)
        assert session.cancel_sign_in() is True
        with pytest.raises(SignInCancelled, match=r"Sign-in was cancelled. Call authenticate\(\) again"):
            await task
        assert session.cancel_sign_in() is False  # nothing left to stop

    asyncio.run(interrupted())
    assert presenter.events[-1][0] == "failed" and presenter.events[-1][2] == "cancelled"


def test_a_cancel_naming_another_flow_is_ignored(clock, transport):
    """A Cancel click on an old widget must not stop the sign-in that runs now."""
    session, presenter = waiting_forever(clock, transport)

    async def cancel_by_name():
        task = await waiting_sign_in(session)
        assert len(presenter.flow) == 16 and session.flow_id == presenter.flow
        assert session.cancel_sign_in("0123456789abcdef") is False
        assert not task.done()
        assert session.cancel_sign_in(presenter.flow) is True
        with pytest.raises(SignInCancelled):
            await task

    asyncio.run(cancel_by_name())


def test_each_sign_in_gets_a_new_flow_id(clock, transport):
    script_flow(clock, transport)
    session, presenter, _ = make_session(clock, transport)
    asyncio.run(session.authenticate())
    first = presenter.flow
    script_flow(clock, transport)
    asyncio.run(session.authenticate(force=True))
    assert presenter.flow != first


def test_auto_open_off_leaves_the_tab_to_the_user(clock, transport):
    script_flow(clock, transport)
    session, presenter, opens = make_session(clock, transport, env={"OIDC_AUTO_OPEN": "0"})
    asyncio.run(session.authenticate())
    assert opens == []
    assert ("opened", False, "off") in presenter.events


def test_auto_open_site_setting_and_environment_precedence():
    from jupyterlite_auth.config import auto_open

    assert auto_open({}, {}) is True
    assert auto_open({}, {"autoOpen": False}) is False
    assert auto_open({"OIDC_AUTO_OPEN": "yes"}, {"autoOpen": False}) is True
    assert auto_open({"OIDC_AUTO_OPEN": " "}, {"autoOpen": False}) is False
    assert auto_open({}, {"autoOpen": "false"}) is True  # the page reports bad values; here: default


def test_a_bad_auto_open_value_is_named_before_anything_is_shown(clock, transport):
    from jupyterlite_auth.errors import ConfigError

    script_flow(clock, transport)
    session, presenter, opens = make_session(clock, transport, env={"OIDC_AUTO_OPEN": "sometimes"})
    with pytest.raises(ConfigError, match="OIDC_AUTO_OPEN is 'sometimes': use 1 .* or 0"):
        asyncio.run(session.authenticate())
    assert presenter.events == [] and opens == []


def test_a_second_cell_joining_a_waiting_sign_in_shows_the_code_again(clock, transport):
    session, presenter = waiting_forever(clock, transport)

    async def two_cells():
        first = await waiting_sign_in(session)
        second = asyncio.ensure_future(session.authenticate())
        for _ in range(10):
            await asyncio.sleep(0)
        assert presenter.events.count(("show_again",)) == 1
        assert len(transport.requests_to(DEVICE)) == 1  # joined, not a new flow
        session.cancel_sign_in()
        for task in (first, second):
            with pytest.raises(SignInCancelled):
                await task

    asyncio.run(two_cells())


def test_the_signed_in_line_looks_the_same_in_every_cell(monkeypatch):
    from jupyterlite_auth.session import SignedIn

    shown = []
    monkeypatch.setattr("IPython.display.display", lambda bundle, raw=False: shown.append(bundle))
    SignedIn("Ada", "https://id.example.org", None)._ipython_display_()
    assert shown[0]["text/plain"] == "✓ Signed in as Ada"
    assert 'class="jla-outcome jla-signed-in"' in shown[0]["text/html"]


def test_site_setting_problems_are_said_in_the_notebook_too(clock, transport):
    from jupyterlite_auth.errors import ConfigError

    problem = 'setting "clientId" must be a string, got a number; treating it as unset'
    notices = []
    settings = {"problems": [problem]}
    session = Session(
        transport=transport,
        clock=clock,
        environ={},
        site_settings=lambda: settings,
        host=lambda ask: _standalone(),
        presenter_factory=lambda: None,
        notice=notices.append,
    )
    # without an issuer: the error names the problems
    with pytest.raises(ConfigError, match='not usable: setting "clientId" must be a string'):
        asyncio.run(session.authenticate())
    assert notices == []
    # with one: a notice, once per session, and sign-in goes on
    settings["issuer"] = ISSUER
    script_flow(clock, transport)
    session._presenter_factory = RecordingPresenter
    asyncio.run(session.authenticate())
    asyncio.run(session.authenticate())
    assert notices == [f"Some of the site's sign-in settings were not usable: {problem}."]


async def _standalone():
    return "standalone", None


class BlockingProvider:
    """A token endpoint for `refresh_blocking`: rotates on every call and, like oidc-provider,
    refuses a refresh token it has already rotated. `gate` holds replies until a test opens it."""

    def __init__(self, clock):
        import threading

        self.clock, self.gate, self.calls = clock, threading.Event(), []
        self.current = "REFRESH-1"

    def __call__(self, request):
        self.calls.append(form(request)["refresh_token"])
        self.gate.wait(5)
        if form(request)["refresh_token"] != self.current:
            return oauth_error("invalid_grant", "refresh token reused")
        n = len(self.calls) + 1
        self.current = f"REFRESH-{n}"
        return json_reply(200, token_reply(self.clock, access=f"ACCESS-{n}", refresh=self.current))


def blocking_session(clock, transport):
    script_flow(clock, transport)
    provider = BlockingProvider(clock)
    session, _, _ = make_session(clock, transport)
    session._blocking_send = provider
    asyncio.run(session.authenticate())
    return session, provider


def test_threads_refreshing_at_once_send_one_request_and_share_it(clock, transport):
    """Without serialising, the second thread would resend a rotated refresh token: the
    provider refuses it and the session forgets the user."""
    import threading

    session, provider = blocking_session(clock, transport)
    results, errors = [], []

    def worker():
        try:
            results.append(session.refresh_blocking().access_token)
        except Exception as error:  # noqa: BLE001 - collected for the assertion
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    while not provider.calls:
        threading.Event().wait(0.001)
    provider.gate.set()
    for thread in threads:
        thread.join(5)
    assert errors == [] and provider.calls == ["REFRESH-1"]
    assert results == ["ACCESS-2"] * 4 and session.tokens.refresh_token == "REFRESH-2"


def test_an_awaited_refresh_waits_for_a_thread_and_adopts_its_tokens(clock, transport):
    import threading

    session, provider = blocking_session(clock, transport)
    before = len(transport.requests_to(TOKEN))
    thread = threading.Thread(target=session.refresh_blocking)
    thread.start()
    while not provider.calls:
        threading.Event().wait(0.001)

    async def awaited():
        task = asyncio.ensure_future(session.refresh())
        await asyncio.sleep(0.05)
        assert not task.done()  # held back while the thread's request is on the wire
        provider.gate.set()
        return await task

    tokens = asyncio.run(awaited())
    thread.join(5)
    assert tokens.access_token == "ACCESS-2" and len(transport.requests_to(TOKEN)) == before


def test_a_blocking_refresh_on_the_loop_during_an_awaited_one_says_retry(clock, transport):
    session = signed_in_with_a_refresh_ready(clock, transport)

    async def both():
        task = asyncio.ensure_future(session.refresh())
        await asyncio.sleep(0)
        with pytest.raises(NotSignedIn, match="in progress"):
            session.refresh_blocking()
        return await task

    assert asyncio.run(both()).access_token == "ACCESS-2"


def test_the_host_fallback_notice_is_said_once_not_at_every_later_call(clock, transport):
    """Embedded in a page that never answers: later cells that find the device-flow tokens valid
    stay quiet; asking the host again (force) says it again."""
    asked = []

    async def host(ask_again):
        asked.append(ask_again)
        return "none", None

    script_flow(clock, transport)
    notices = []
    session, _, _ = make_session(clock, transport, host=host)
    session._notice = notices.append
    asyncio.run(session.authenticate())
    asyncio.run(session.authenticate())
    asyncio.run(session.authenticate())
    assert len(notices) == 1
    transport.scripts[DEVICE] = [json_reply(200, device_reply())]
    transport.scripts[TOKEN] = [json_reply(200, token_reply(clock, access="ACCESS-2"))]
    asyncio.run(session.authenticate(force=True))
    assert len(notices) == 2 and asked == [False, False, False, True]


def test_a_thread_needing_a_token_during_an_awaited_refresh_gets_its_result(clock, transport):
    session = signed_in_with_a_refresh_ready(clock, transport)
    before = len(transport.requests_to(TOKEN))
    session._blocking_send = lambda request: pytest.fail("a second refresh request was sent")
    clock.now += 7200  # the access token has expired
    send = transport.send

    async def main():
        gate = asyncio.Event()

        async def held(request):
            if request.url == TOKEN:
                await gate.wait()
            return await send(request)

        transport.send = held
        refreshing = asyncio.ensure_future(session.refresh())
        for _ in range(5):
            await asyncio.sleep(0)
        in_thread = asyncio.get_running_loop().run_in_executor(None, session.access_token_blocking)
        await asyncio.sleep(0.05)
        assert not in_thread.done()  # waiting for the refresh on the wire, not failing
        gate.set()
        await refreshing
        return await in_thread

    assert asyncio.run(main()) == "ACCESS-2"
    assert len(transport.requests_to(TOKEN)) == before + 1


def test_a_bare_call_after_signing_in_with_arguments_means_the_same_provider(clock, transport):
    """No issuer anywhere but the first call's argument: the second call returns at once."""
    script_flow(clock, transport)
    session, presenter, _ = make_session(clock, transport)
    session._site_settings = lambda: {}
    asyncio.run(session.authenticate(issuer=ISSUER, scope="openid profile"))
    sent = len(transport.sent)
    result = asyncio.run(session.authenticate())
    assert repr(result).startswith("Signed in as Ada Lovelace") and len(transport.sent) == sent
    assert session.config.scope == "openid profile"


def test_arguments_the_provider_took_are_remembered_after_a_cancel(clock, transport):
    """Cancel, then force=True: the issuer just typed is still meant (fresh-eyes finding)."""
    session, _ = waiting_forever(clock, transport)
    session._site_settings = lambda: {}

    async def cancelled_then_again():
        task = asyncio.ensure_future(session.authenticate(issuer=ISSUER, scope="openid profile"))
        for _ in range(50):
            await asyncio.sleep(0)
        session.cancel_sign_in()
        with pytest.raises(SignInCancelled):
            await task
        script_flow(clock, transport)
        del clock.sleep  # the fake clock's own sleep again: this sign-in goes through
        return await session.authenticate(force=True)

    result = asyncio.run(cancelled_then_again())
    assert repr(result).startswith("Signed in as Ada Lovelace")
    assert session.config.issuer == ISSUER and session.config.scope == "openid profile"


def test_arguments_of_a_failed_sign_in_are_not_remembered(clock, transport):
    from jupyterlite_auth.errors import ConfigError, InvalidClient

    script_flow(clock, transport)
    transport.scripts[DEVICE] = [oauth_error("invalid_client", status=401)]
    session, _, _ = make_session(clock, transport)
    session._site_settings = lambda: {}
    with pytest.raises(InvalidClient):
        asyncio.run(session.authenticate(issuer=ISSUER, client_id="nope"))
    with pytest.raises(ConfigError, match=r"No OpenID Connect issuer is configured\. .*OIDC_ISSUER"):
        asyncio.run(session.authenticate())


@pytest.mark.parametrize("force, advice", [
    ("https://id.example.org/oidc", "Pass the issuer by name: authenticate(issuer='...')."),
    (1, "must be True or False, not int."),
    (None, "must be True or False, not NoneType."),
])
def test_force_must_be_a_bool(clock, transport, force, advice):
    from jupyterlite_auth.errors import ConfigError

    session, _, _ = make_session(clock, transport)
    with pytest.raises(ConfigError, match=re.escape(advice)):
        asyncio.run(session.authenticate(force))
    assert transport.sent == []


def test_a_rejected_client_id_says_where_it_came_from(clock, transport):
    from jupyterlite_auth.errors import InvalidClient

    script_flow(clock, transport)
    transport.scripts[DEVICE] = [oauth_error("invalid_client", "unknown client", status=401)]
    session, presenter, _ = make_session(clock, transport)
    session._site_settings = lambda: {"issuer": ISSUER, "clientId": "nope"}
    with pytest.raises(InvalidClient) as caught:
        asyncio.run(session.authenticate())
    assert str(caught.value).endswith("check it. (The client id 'nope' came from the site setting clientId.)")
    assert presenter.events[-1][1] == str(caught.value)


def test_an_unreachable_derived_issuer_says_it_was_derived(clock, transport):
    from fakes import network_down
    from jupyterlite_auth.errors import TransportError

    transport.script("https://api.example.org:9100/oidc/.well-known/openid-configuration",
                     network_down("https://api.example.org:9100/oidc/.well-known/openid-configuration"))
    session, _, _ = make_session(clock, transport, env={"API_HOST": "api.example.org", "API_PORT": "9100"})
    with pytest.raises(TransportError, match=r"\(The issuer https://api\.example\.org:9100/oidc was derived from"
                       r" API_HOST/API_PORT/API_SECURE; set OIDC_ISSUER if the provider is elsewhere, or"
                       r" API_SECURE=false for plain http\.\)$"):
        asyncio.run(session.authenticate())


def test_outside_a_site_the_missing_issuer_error_does_not_mention_site_settings(clock, transport):
    from jupyterlite_auth.errors import ConfigError

    session, _, _ = make_session(clock, transport)
    session._site_settings = lambda: {}
    with pytest.raises(ConfigError) as caught:
        asyncio.run(session.authenticate())
    assert str(caught.value) == (
        "No OpenID Connect issuer is configured. Pass authenticate(issuer=...) or set OIDC_ISSUER"
        " (or API_HOST for a platform whose provider is at /oidc)."
    )


@pytest.mark.parametrize("wrong", ["a-token", 42, {"access_token": "x"}])
def test_bearer_auth_refuses_anything_but_a_session(wrong):
    from jupyterlite_auth.requests_auth import BearerAuth

    with pytest.raises(TypeError, match=r"BearerAuth\(\) takes a jupyterlite_auth Session or nothing"):
        BearerAuth(wrong)
    assert "a-token" not in str(pytest.raises(TypeError, BearerAuth, wrong).value)


def test_the_signed_in_line_says_when_the_token_renews_itself(clock, transport, monkeypatch):
    from jupyterlite_auth import errors

    script_flow(clock, transport)
    session, _, _ = make_session(clock, transport)
    signed_in = asyncio.run(session.authenticate())
    monkeypatch.setattr(errors, "in_notebook", lambda: True)
    assert repr(signed_in).endswith(" (renewed automatically)")  # a kernel's loop lives on
    monkeypatch.setattr(errors, "in_notebook", lambda: False)
    assert repr(signed_in).endswith(" (renewed on use)")  # a script's loop may end between calls
    from fakes import ScriptedTransport

    other = ScriptedTransport(clock)
    script_flow(clock, other, json_reply(200, token_reply(clock, refresh=None)))
    session, _, _ = make_session(clock, other)
    assert repr(asyncio.run(session.authenticate())).startswith("Signed in as Ada Lovelace until ")
    assert not repr(session._signed_in()).endswith(")")
