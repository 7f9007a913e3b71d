"""RFC 8628 device authorization grant, with time, transport and reporting injected.

Nothing here displays anything or reads the environment: `authenticate()` wires it to the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlsplit

from .clock import Clock
from .errors import InvalidGrant, InvalidResponse, SignInTimeout, TransportError, again
from .http import Transport, expect_json_object, form_request, json_object, oauth_error

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_INTERVAL = 5.0  # RFC 8628 section 3.2
SLOW_DOWN_STEP = 5.0  # RFC 8628 section 3.5
POLL_MARGIN = 0.5  # timers fire late, never early enough to matter; half a second keeps us clear
MAX_BACKOFF = 60.0


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str = field(repr=False)
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None
    expires_in: float
    interval: float

    @property
    def open_url(self) -> str:
        """The page to open: the complete URI pre-fills the code; the user still checks it."""
        return self.verification_uri_complete or self.verification_uri


def parse_device_authorization(body: dict[str, Any]) -> DeviceAuthorization:
    """Accept what real providers send (`verification_url`, numbers as strings, no `interval`);
    reject what cannot work, naming the field."""
    device_code = _required_string(body, "device_code")
    user_code = _required_string(body, "user_code")
    uri_field = "verification_uri" if "verification_uri" in body else "verification_url"
    verification_uri = _http_url(body.get(uri_field), uri_field, required=True)
    complete = _http_url(
        body.get("verification_uri_complete"), "verification_uri_complete", required=False
    )
    expires_in = _seconds(body.get("expires_in"), "expires_in", default=None)
    interval = _seconds(body.get("interval"), "interval", default=DEFAULT_INTERVAL)
    return DeviceAuthorization(
        device_code, user_code, verification_uri, complete, expires_in, max(interval, 1.0)
    )


def _required_string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidResponse(
            f"The device authorization reply has no usable {name} (got {type(value).__name__})."
        )
    return value


def _http_url(value: object, name: str, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str) or urlsplit(value).scheme.lower() not in ("http", "https") or not urlsplit(value).netloc:
        shown = value if isinstance(value, str) and len(value) < 200 else type(value).__name__
        raise InvalidResponse(
            f"The device authorization reply's {name} is not an http(s) URL (got {shown!r});"
            " it cannot be opened safely."
        )
    return value


def _seconds(value: object, name: str, *, default: float | None) -> float:
    if value is None and default is not None:
        return default
    try:
        number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number <= 0:
        raise InvalidResponse(
            f"The device authorization reply's {name} is not a positive number of seconds"
            f" (got {value!r})."
        )
    return number


async def request_device_authorization(
    transport: Transport, endpoint: str, client_id: str, scope: str
) -> DeviceAuthorization:
    fields = {"client_id": client_id}
    if scope:
        fields["scope"] = scope
    response = await transport.send(
        form_request(endpoint, fields, purpose="device authorization")
    )
    return parse_device_authorization(
        expect_json_object(response, endpoint="device authorization")
    )


#: Reported to the display while polling: ("pending" | "slow_down" | "retrying", detail).
StatusCallback = Callable[[str, str], None]


@dataclass
class PollStats:
    polls: int = 0
    slow_downs: int = 0
    transient_failures: int = 0


async def poll_for_tokens(
    *,
    transport: Transport,
    clock: Clock,
    token_endpoint: str,
    client_id: str,
    authorization: DeviceAuthorization,
    started_at: float,
    on_status: StatusCallback | None = None,
    stats: PollStats | None = None,
) -> dict[str, Any]:
    """Poll until the provider issues tokens, refuses, or our own deadline passes.

    `started_at` is the monotonic time the device authorization reply arrived: the deadline is
    `expires_in` after it, whatever the provider keeps answering. Returns the token reply; stops
    polling the moment it arrives (a second poll of a used code revokes the grant at some providers).
    """
    stats = stats if stats is not None else PollStats()
    report = on_status or (lambda kind, detail: None)
    deadline = started_at + authorization.expires_in
    interval = authorization.interval
    failures = 0
    request = form_request(
        token_endpoint,
        {"grant_type": DEVICE_GRANT, "device_code": authorization.device_code, "client_id": client_id},
        purpose="token",
    )
    while True:
        # After transient failures, back off exponentially (capped), never below the interval.
        wait = max(interval, min(interval * 2**failures, MAX_BACKOFF)) + POLL_MARGIN
        remaining = deadline - clock.monotonic()
        if remaining <= wait:
            await clock.sleep(max(remaining, 0.0))
            raise SignInTimeout(authorization.expires_in)
        await clock.sleep(wait)
        stats.polls += 1
        try:
            response = await transport.send(request)
        except TransportError as error:
            failures += 1
            stats.transient_failures += 1
            report("retrying", str(error))
            continue
        if response.ok:
            return expect_json_object(response, endpoint="token")
        if response.status >= 500 or response.status == 429:
            failures += 1
            stats.transient_failures += 1
            report("retrying", f"the token endpoint answered HTTP {response.status}")
            continue
        error = oauth_error(response, endpoint="token")
        if error is None:
            raise InvalidResponse(
                f"The token endpoint answered HTTP {response.status} without an OAuth error"
                f" ({'a JSON object' if json_object(response) is not None else 'not JSON'})."
            )
        failures = 0
        if error.error == "authorization_pending":
            report("pending", "")
        elif error.error == "slow_down":
            interval += SLOW_DOWN_STEP
            stats.slow_downs += 1
            report("slow_down", f"polling every {interval:.0f} s")
        elif isinstance(error, InvalidGrant):
            # While polling: the provider no longer knows this device code (it restarted, say).
            raise InvalidGrant(
                error.error,
                error.description,
                endpoint="token",
                advice="The provider no longer knows this sign-in's code (it may have restarted). "
                + again("for a new code"),
            )
        else:
            raise error
