"""Token replies, parsed once into a `TokenSet` whose repr never shows a token.

Expiry is counted from when *we* received the reply (monotonic clock), so a skewed wall clock on
either side cannot make a fresh token look expired or an expired one look fresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import InvalidResponse

#: Refresh this long before expiry (botocore/MSAL-style advisory window), or at half-life when shorter.
REFRESH_AHEAD = 300.0


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    token_type: str
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    #: Seconds the access token lives, as the provider said; None when it did not say.
    expires_in: float | None = None
    #: Monotonic time of receipt, and wall time of receipt (for display only).
    received_monotonic: float = 0.0
    received_wall: float = 0.0

    @property
    def expires_monotonic(self) -> float:
        return math.inf if self.expires_in is None else self.received_monotonic + self.expires_in

    @property
    def expires_wall(self) -> float | None:
        return None if self.expires_in is None else self.received_wall + self.expires_in

    def is_expired(self, now_monotonic: float, leeway: float = 0.0) -> bool:
        return now_monotonic + leeway >= self.expires_monotonic

    def refresh_due(self, now_monotonic: float) -> bool:
        """True inside the refresh-ahead window: 5 minutes, or half the lifetime if shorter."""
        if self.expires_in is None:
            return False
        ahead = min(REFRESH_AHEAD, self.expires_in / 2)
        return now_monotonic >= self.expires_monotonic - ahead

    def rotated(self, newer: "TokenSet") -> "TokenSet":
        """RFC 6749 section 6: keep the old refresh token when the refresh reply carries none."""
        if newer.refresh_token is None and self.refresh_token is not None:
            return replace(newer, refresh_token=self.refresh_token)
        return newer


def parse_token_response(body: dict[str, Any], *, now_monotonic: float, now_wall: float) -> TokenSet:
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise InvalidResponse("The token reply has no usable access_token.")
    token_type = body.get("token_type", "Bearer")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise InvalidResponse(
            f"The token reply's token_type is {token_type!r}; only Bearer tokens are supported."
        )
    return TokenSet(
        access_token=access,
        token_type="Bearer",
        refresh_token=_optional_string(body, "refresh_token"),
        id_token=_optional_string(body, "id_token"),
        scope=_optional_string(body, "scope"),
        expires_in=_optional_seconds(body.get("expires_in")),
        received_monotonic=now_monotonic,
        received_wall=now_wall,
    )


def _optional_string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"The token reply's {name} is not a string.")
    return value


def _optional_seconds(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise InvalidResponse(f"The token reply's expires_in is not a number of seconds (got {value!r}).")
    return number
