"""Exact origins ("https://host[:port]"), as a browser spells them in MessageEvent.origin.

The page compares a message's origin with `allowedHostOrigins` as strings, so an entry with a
trailing slash, a default port or upper case never matches: say so before the site ships.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def exact_origin(scheme: str, hostname: str, port: int) -> str:
    """The origin as a browser spells it: no default port, IPv6 in brackets."""
    host = f"[{hostname}]" if ":" in hostname else hostname
    default = 443 if scheme == "https" else 80
    return f"{scheme}://{host}" if port == default else f"{scheme}://{host}:{port}"


def origin_problem(value: str) -> str:
    """Why `value` is not an exact http(s) origin, or "" when it is one."""
    if value in ("*", "null"):
        return f"{value!r} is not an origin: name each trusted host page exactly"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        return f"not a URL ({error})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "not an http(s) origin such as https://my-host.example"
    spelled = exact_origin(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80))
    return "" if spelled == value else f"not an exact origin (did you mean {spelled!r}?)"
