import asyncio

import pytest

from fakes import ISSUER, device_reply, form, json_reply, network_down, oauth_error, token_reply
from jupyterlite_auth.device_flow import (
    DEVICE_GRANT,
    POLL_MARGIN,
    PollStats,
    parse_device_authorization,
    poll_for_tokens,
)
from jupyterlite_auth.errors import (
    AccessDenied,
    ExpiredToken,
    InvalidClient,
    InvalidGrant,
    InvalidResponse,
    ProviderError,
    SignInTimeout,
)
from jupyterlite_auth.http import Response

TOKEN = f"{ISSUER}/token"


def poll(clock, transport, authorization=None, stats=None, statuses=None):
    authorization = authorization or parse_device_authorization(device_reply())
    return asyncio.run(
        poll_for_tokens(
            transport=transport,
            clock=clock,
            token_endpoint=TOKEN,
            client_id="cli-device-client",
            authorization=authorization,
            started_at=clock.monotonic(),
            on_status=(lambda kind, detail: statuses.append(kind)) if statuses is not None else None,
            stats=stats,
        )
    )


def gaps(clock, transport):
    times = [t for t, _ in transport.requests_to(TOKEN)]
    return [b - a for a, b in zip(times, times[1:])]


# -- parsing the device authorization reply ---------------------------------------------------


def test_parse_complete_reply():
    a = parse_device_authorization(device_reply())
    assert (a.user_code, a.interval, a.expires_in) == ("BCDF-GHJK", 5.0, 600.0)
    assert a.open_url.endswith("user_code=BCDF-GHJK")
    assert "DEVICE-CODE-SECRET" not in repr(a)


def test_tolerates_real_provider_variants():
    a = parse_device_authorization(
        device_reply(
            verification_uri=None,
            verification_url="https://google.example/device",
            verification_uri_complete=None,
            interval=None,
            expires_in="1800",
            extra_field={"x": 1},
        )
    )
    assert a.verification_uri == "https://google.example/device"
    assert a.open_url == a.verification_uri
    assert a.interval == 5.0 and a.expires_in == 1800.0


@pytest.mark.parametrize(
    "field, value, named",
    [
        ("device_code", None, "device_code"),
        ("user_code", "", "user_code"),
        ("user_code", 1234, "user_code"),
        ("verification_uri", "javascript:alert(1)", "verification_uri"),
        ("verification_uri", "/relative/device", "verification_uri"),
        ("verification_uri_complete", "data:text/html,hi", "verification_uri_complete"),
        ("expires_in", "soon", "expires_in"),
        ("expires_in", -5, "expires_in"),
        ("interval", "nan", "interval"),
        ("expires_in", True, "expires_in"),
    ],
)
def test_unusable_replies_name_the_field(field, value, named):
    body = device_reply()
    body[field] = value
    if value is None:
        body.pop(field)
    with pytest.raises(InvalidResponse, match=named):
        parse_device_authorization(body)


# -- polling ----------------------------------------------------------------------------------


def test_pending_then_tokens_waits_interval_plus_margin(clock, transport):
    transport.script(TOKEN, oauth_error("authorization_pending"), oauth_error("authorization_pending"),
                     json_reply(200, token_reply(clock)))
    stats = PollStats()
    reply = poll(clock, transport, stats=stats)
    assert reply["access_token"] == "ACCESS-1"
    assert clock.sleeps == [5 + POLL_MARGIN] * 3
    assert stats.polls == 3
    sent = transport.requests_to(TOKEN)
    assert form(sent[0][1]) == {"grant_type": DEVICE_GRANT, "device_code": "DEVICE-CODE-SECRET",
                                "client_id": "cli-device-client"}


def test_stops_polling_once_tokens_arrive(clock, transport):
    transport.script(TOKEN, json_reply(200, token_reply(clock)), oauth_error("invalid_grant"))
    poll(clock, transport)
    assert len(transport.requests_to(TOKEN)) == 1


def test_slow_down_adds_five_seconds_for_good(clock, transport):
    transport.script(TOKEN, oauth_error("authorization_pending"), oauth_error("slow_down"),
                     oauth_error("authorization_pending"), oauth_error("slow_down"),
                     oauth_error("authorization_pending"), json_reply(200, token_reply(clock)))
    statuses = []
    stats = PollStats()
    poll(clock, transport, stats=stats, statuses=statuses)
    assert gaps(clock, transport) == [5 + POLL_MARGIN, 10 + POLL_MARGIN, 10 + POLL_MARGIN,
                                      15 + POLL_MARGIN, 15 + POLL_MARGIN]
    assert stats.slow_downs == 2
    assert statuses.count("slow_down") == 2


@pytest.mark.parametrize(
    "code, cls",
    [("access_denied", AccessDenied), ("expired_token", ExpiredToken),
     ("invalid_client", InvalidClient), ("invalid_grant", InvalidGrant)],
)
def test_terminal_errors_stop_at_once_with_description(clock, transport, code, cls):
    transport.script(TOKEN, oauth_error("authorization_pending"), oauth_error(code, "said the provider"))
    with pytest.raises(cls) as caught:
        poll(clock, transport)
    assert caught.value.description == "said the provider"
    assert "said the provider" in str(caught.value)
    assert len(transport.requests_to(TOKEN)) == 2


def test_a_device_code_the_provider_forgot_says_to_get_a_new_code(clock, transport):
    """invalid_grant while polling: the provider restarted, say; force=True is not the advice."""
    transport.script(TOKEN, oauth_error("invalid_grant", "grant request is invalid"))
    with pytest.raises(InvalidGrant) as caught:
        poll(clock, transport)
    assert str(caught.value) == (
        "The sign-in provider's token endpoint answered invalid_grant (grant request is invalid)."
        " The provider no longer knows this sign-in's code (it may have restarted)."
        " Call authenticate() again for a new code."
    )


def test_unknown_error_stops_with_generic_provider_error(clock, transport):
    transport.script(TOKEN, oauth_error("server_policy", "nope"))
    with pytest.raises(ProviderError, match=r"server_policy \(nope\)"):
        poll(clock, transport)


def test_transient_failures_back_off_and_continue(clock, transport):
    html = Response(502, b"<html><body>Bad gateway</body></html>", {"Content-Type": "text/html"})
    transport.script(TOKEN, network_down(TOKEN), html, Response(503, b""), oauth_error("authorization_pending"),
                     json_reply(200, token_reply(clock)))
    stats = PollStats()
    statuses = []
    poll(clock, transport, stats=stats, statuses=statuses)
    assert stats.transient_failures == 3
    assert statuses[:3] == ["retrying"] * 3
    assert gaps(clock, transport) == [10 + POLL_MARGIN, 20 + POLL_MARGIN, 40 + POLL_MARGIN, 5 + POLL_MARGIN]


def test_deadline_ends_a_provider_that_pends_forever(clock, transport):
    transport.script(TOKEN, oauth_error("authorization_pending"))
    a = parse_device_authorization(device_reply(expires_in=60))
    start = clock.monotonic()
    with pytest.raises(SignInTimeout, match=r"Call authenticate\(\) again for a new code"):
        poll(clock, transport, authorization=a)
    assert clock.monotonic() - start == pytest.approx(60)
    assert all(t - start < 60 for t, _ in transport.requests_to(TOKEN))
    assert len(transport.requests_to(TOKEN)) == 10


def test_four_hundred_without_oauth_error_is_reported(clock, transport):
    transport.script(TOKEN, Response(404, b"<html>Not found</html>"))
    with pytest.raises(InvalidResponse, match="HTTP 404 without an OAuth error"):
        poll(clock, transport)


def test_tokens_reply_that_is_not_json_does_not_leak_body(clock, transport):
    transport.script(TOKEN, Response(200, b"access_token=SECRET&token_type=bearer",
                                     {"Content-Type": "application/x-www-form-urlencoded"}))
    with pytest.raises(InvalidResponse) as caught:
        poll(clock, transport)
    assert "SECRET" not in str(caught.value)
