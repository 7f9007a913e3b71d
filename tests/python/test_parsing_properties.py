"""Property tests: no reply, however odd, escapes as anything but our own errors."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from jupyterlite_auth.device_flow import parse_device_authorization
from jupyterlite_auth.errors import AuthError, InvalidResponse
from jupyterlite_auth.http import Response, expect_json_object
from jupyterlite_auth.tokens import parse_token_response

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3),
    max_leaves=10,
)
field_names = st.sampled_from([
    "device_code", "user_code", "verification_uri", "verification_url", "verification_uri_complete",
    "expires_in", "interval", "access_token", "token_type", "refresh_token", "id_token", "scope", "error",
])
replies = st.dictionaries(field_names, json_values | st.sampled_from(["https://x.example/d", "60", "5"]), max_size=9)


@settings(max_examples=400, deadline=None)
@given(replies)
def test_device_authorization_parsing_fails_only_with_invalid_response(body):
    try:
        a = parse_device_authorization(body)
    except InvalidResponse:
        return
    assert a.expires_in > 0 and a.interval >= 1
    assert a.verification_uri.lower().startswith(("http://", "https://"))


@settings(max_examples=400, deadline=None)
@given(replies)
def test_token_parsing_fails_only_with_invalid_response(body):
    try:
        tokens = parse_token_response(body, now_monotonic=0.0, now_wall=0.0)
    except InvalidResponse:
        return
    assert tokens.access_token
    assert "access_token" not in repr(tokens) and "refresh_token" not in repr(tokens)


@given(st.integers(min_value=100, max_value=599), st.binary(max_size=200))
def test_any_http_reply_maps_to_json_or_our_error(status, body):
    try:
        value = expect_json_object(Response(status, body), endpoint="token")
    except AuthError:
        return
    assert isinstance(value, dict)


@given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=1, max_value=3600))
def test_numbers_sent_as_strings_are_accepted(expires_in, interval):
    body = {"device_code": "d", "user_code": "u", "verification_uri": "https://x.example/device",
            "expires_in": str(expires_in), "interval": json.dumps(interval)}
    a = parse_device_authorization(body)
    assert (a.expires_in, a.interval) == (expires_in, interval)
