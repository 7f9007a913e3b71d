"""A fake clock whose sleeps return at once, and a scripted provider behind a fake transport."""

from __future__ import annotations

import json
from typing import Any, Callable
from urllib.parse import parse_qs

from jupyterlite_auth.errors import TransportError
from jupyterlite_auth.http import Request, Response

ISSUER = "https://id.example.org/oidc"


class FakeClock:
    def __init__(self, start: float = 1000.0, wall: float = 1_700_000_000.0):
        self.now = start
        self.wall_offset = wall - start
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now + self.wall_offset

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)


def json_reply(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(body).encode(), {"Content-Type": "application/json", **(headers or {})})


def oauth_error(code: str, description: str = "", status: int = 400) -> Response:
    body = {"error": code}
    if description:
        body["error_description"] = description
    return json_reply(status, body)


def discovery_document(issuer: str = ISSUER, **overrides: Any) -> dict[str, Any]:
    doc = {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/token",
        "device_authorization_endpoint": f"{issuer}/device/auth",
        "revocation_endpoint": f"{issuer}/token/revocation",
        "userinfo_endpoint": f"{issuer}/me",
        "jwks_uri": f"{issuer}/jwks",
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "grant_types_supported": ["urn:ietf:params:oauth:grant-type:device_code", "refresh_token"],
    }
    doc.update(overrides)
    return {k: v for k, v in doc.items() if v is not None}


def device_reply(**overrides: Any) -> dict[str, Any]:
    body = {
        "device_code": "DEVICE-CODE-SECRET",
        "user_code": "BCDF-GHJK",
        "verification_uri": "https://id.example.org/oidc/device",
        "verification_uri_complete": "https://id.example.org/oidc/device?user_code=BCDF-GHJK",
        "expires_in": 600,
        "interval": 5,
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def signed_jwt(claims: dict[str, Any]) -> str:
    """An ID token signed (RS256) by the scripted provider's key; see `provider_jwks()`."""
    from signing import provider_key, sign

    return sign(claims, provider_key(), "RS256", kid="provider-key")


def provider_jwks() -> dict[str, Any]:
    from signing import jwk_of, provider_key

    return {"keys": [jwk_of(provider_key(), "provider-key", alg="RS256")]}


def token_reply(clock: FakeClock, *, access: str = "ACCESS-1", refresh: str | None = "REFRESH-1",
                expires_in: Any = 1800, name: str = "Ada Lovelace", issuer: str = ISSUER) -> dict[str, Any]:
    body = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "scope": "openid profile email offline_access",
        "id_token": signed_jwt(
            {"iss": issuer, "aud": "cli-device-client", "sub": "u1", "name": name,
             "exp": clock.time() + 3600, "iat": clock.time()}
        ),
    }
    if refresh:
        body["refresh_token"] = refresh
    return body


Step = Response | Exception | Callable[[Request], Response]


class ScriptedTransport:
    """Answers each request from a per-URL script; records what was sent and when."""

    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.scripts: dict[str, list[Step]] = {}
        self.sent: list[tuple[float, Request]] = []

    def script(self, url: str, *steps: Step) -> "ScriptedTransport":
        self.scripts.setdefault(url, []).extend(steps)
        return self

    def requests_to(self, url: str) -> list[tuple[float, Request]]:
        return [(t, r) for t, r in self.sent if r.url == url]

    async def send(self, request: Request) -> Response:
        self.sent.append((self.clock.monotonic(), request))
        steps = self.scripts.get(request.url)
        if not steps:
            raise AssertionError(f"unexpected request to {request.url}")
        step = steps.pop(0) if len(steps) > 1 else steps[0]
        if isinstance(step, Exception):
            raise step
        if callable(step):
            return step(request)
        return step


def form(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs((request.body or b"").decode()).items()}


def network_down(url: str) -> TransportError:
    return TransportError(f"Could not reach {url}", url=url)
