"""The small HTTP surface the flows need, so the core never imports a network library.

A transport turns a `Request` into a `Response` or raises `TransportError`; everything else (form
encoding, JSON parsing, OAuth error mapping) lives here and is shared by every transport.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol
from urllib.parse import urlencode

from .errors import InvalidResponse, ProviderError, provider_error


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    #: What the request is for, in words ("token", "device authorization"); used in error messages.
    purpose: str = ""

    def __repr__(self) -> str:  # the body may hold a device code or a refresh token
        return f"Request({self.method} {self.url})"


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def __repr__(self) -> str:
        return f"Response({self.status}, {len(self.body)} bytes)"


class Transport(Protocol):
    async def send(self, request: Request) -> Response: ...


def form_request(url: str, fields: Mapping[str, str], *, purpose: str) -> Request:
    """A POST with an `application/x-www-form-urlencoded` body, as OAuth endpoints expect."""
    return Request(
        "POST",
        url,
        {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
        urlencode(fields).encode(),
        purpose,
    )


def get_request(url: str, *, purpose: str, headers: Mapping[str, str] | None = None) -> Request:
    return Request("GET", url, {"Accept": "application/json", **(headers or {})}, None, purpose)


def json_object(response: Response) -> dict[str, Any] | None:
    """The body as a JSON object, or None when it is not one (HTML error pages, empty bodies)."""
    try:
        value = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def oauth_error(response: Response, *, endpoint: str) -> ProviderError | None:
    """The OAuth error a 4xx reply carries, or None when it carries none."""
    body = json_object(response)
    if not body or not isinstance(body.get("error"), str) or not body["error"]:
        return None
    description = body.get("error_description")
    return provider_error(
        body["error"], description if isinstance(description, str) else "", endpoint=endpoint
    )


def expect_json_object(response: Response, *, endpoint: str) -> dict[str, Any]:
    """A successful reply's JSON object; a clear error for anything else."""
    if not response.ok:
        error = oauth_error(response, endpoint=endpoint)
        if error is not None:
            raise error
        raise InvalidResponse(
            f"The {endpoint} endpoint answered HTTP {response.status} without an OAuth error."
            f" {_snippet(response)}"
        )
    body = json_object(response)
    if body is None:
        raise InvalidResponse(
            f"The {endpoint} endpoint answered HTTP {response.status} with a body that is not a JSON"
            f" object (Content-Type {_content_type(response)!r})."
        )
    return body


def _snippet(response: Response) -> str:
    text = response.body[:120].decode("utf-8", "replace").strip()
    return f"It began: {text!r}" if text else "The body was empty."


def _content_type(response: Response) -> str:
    """The Content-Type; success bodies are never quoted, they may hold credentials."""
    for name, value in response.headers.items():
        if name.lower() == "content-type":
            return value
    return ""
