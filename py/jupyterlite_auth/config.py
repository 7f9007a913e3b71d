"""Where the issuer, client id and scope come from, highest first:

1. arguments to `authenticate()`, then those of this kernel's last successful sign-in;
2. the environment: `OIDC_ISSUER`, `OIDC_CLIENT_ID`, `OIDC_SCOPE`; failing an issuer there, one derived
   from the platform API client's `API_HOST` / `API_PORT` / `API_SECURE` as `{scheme}://{host}[:port]/oidc`;
3. the site's settings, handed to the kernel by the page at start-up;
4. defaults: the platform's client `cli-device-client` and scope `openid profile email`
   (plus `offline_access` when the provider lists it).

Every error names the setting and where its bad value came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import urlsplit

from .errors import ConfigError

DEFAULT_CLIENT_ID = "cli-device-client"
DEFAULT_SCOPE = "openid profile email"
OFFLINE_ACCESS = "offline_access"

_CLIENT_ID = re.compile(r"^[\x21-\x7e]{1,255}$")  # RFC 6749 appendix A.1: VSCHAR, no spaces
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")  # RFC 6749 section 3.3
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True)
class AuthConfig:
    issuer: str
    client_id: str
    scope: str
    #: False when the scope is our default, so `offline_access` may be added if the provider lists it.
    scope_explicit: bool
    #: Where each value came from, e.g. "site setting clientId" (for error messages; "" = default).
    issuer_source: str = field(default="", compare=False)
    client_id_source: str = field(default="", compare=False)
    scope_source: str = field(default="", compare=False)

    def where(self, name: str) -> str:
        """A sentence naming where the value of `name` (issuer, client_id, scope) came from."""
        value, source = getattr(self, name), getattr(self, f"{name}_source")
        if source == DERIVED_ISSUER:
            return (
                f"(The issuer {value} was derived from API_HOST/API_PORT/API_SECURE; set OIDC_ISSUER"
                " if the provider is elsewhere, or API_SECURE=false for plain http.)"
            )
        label = {"issuer": "issuer", "client_id": "client id", "scope": "scope"}[name]
        return f"(The {label} {value!r} came from the {source or 'built-in default'}.)"


DERIVED_ISSUER = "environment variables API_HOST/API_PORT/API_SECURE"


def resolve(
    *,
    issuer: str | None = None,
    client_id: str | None = None,
    scope: str | None = None,
    environ: Mapping[str, str],
    site: Mapping[str, object] | None = None,
    earlier: Mapping[str, str] | None = None,
    in_site: bool = True,
) -> AuthConfig:
    """`earlier`: the arguments of this kernel's last successful sign-in, so that a bare
    `authenticate()` after `authenticate(issuer=...)` means the same provider. `in_site`: whether
    a JupyterLite site's settings could exist (the advice differs in a terminal)."""
    site, earlier = site or {}, earlier or {}
    issuer_value, issuer_source = _first(
        ("argument issuer", issuer),
        (EARLIER.format("issuer"), earlier.get("issuer")),
        ("environment variable OIDC_ISSUER", environ.get("OIDC_ISSUER")),
        (DERIVED_ISSUER, lambda: _issuer_from_api(environ)),
        ("site setting issuer", site.get("issuer")),
    )
    if issuer_value is None:
        problems = site_problems(site)
        raise ConfigError(
            "No OpenID Connect issuer is configured. Pass authenticate(issuer=...) or set OIDC_ISSUER"
            " (or API_HOST for a platform whose provider is at /oidc)"
            + (", or set the site's 'issuer' setting." if in_site else ".")
            + (f" The site's settings were not usable: {'; '.join(problems)}." if problems else "")
        )
    client_value, client_source = _first(
        ("argument client_id", client_id),
        (EARLIER.format("client_id"), earlier.get("client_id")),
        ("environment variable OIDC_CLIENT_ID", environ.get("OIDC_CLIENT_ID")),
        ("site setting clientId", site.get("clientId")),
    )
    scope_value, scope_source = _first(
        ("argument scope", scope),
        (EARLIER.format("scope"), earlier.get("scope")),
        ("environment variable OIDC_SCOPE", environ.get("OIDC_SCOPE")),
        ("site setting scope", site.get("scope")),
    )
    return AuthConfig(
        issuer=check_issuer(issuer_value, issuer_source),
        client_id=_check_client_id(client_value, client_source) if client_value else DEFAULT_CLIENT_ID,
        scope=_check_scope(scope_value, scope_source) if scope_value else DEFAULT_SCOPE,
        scope_explicit=scope_value is not None,
        issuer_source=issuer_source,
        client_id_source=client_source,
        scope_source=scope_source,
    )


EARLIER = "argument {} of an earlier authenticate() call"


def site_problems(site: Mapping[str, object] | None) -> list[str]:
    """What the page found wrong with the site's settings (it also logged them in the console)."""
    problems = (site or {}).get("problems")
    return [p for p in problems if isinstance(p, str)] if isinstance(problems, list) else []


def _first(*candidates: tuple[str, object]) -> tuple[str | None, str]:
    """The first candidate that is set; empty strings count as unset, other types are errors.
    A callable candidate is evaluated only when every higher one is unset."""
    for source, value in candidates:
        if callable(value):
            value = value()
        if value is None:
            continue
        if not isinstance(value, str):
            raise ConfigError(f"The {source} must be a string, not {type(value).__name__}.")
        if not value.strip() and source.startswith("argument"):
            raise ConfigError(f"The {source} is empty: leave it out to use the configured value.")
        if value.strip():
            return value.strip(), source
    return None, ""


def check_issuer(value: str, source: str) -> str:
    parts = urlsplit(value)
    shown = repr(_without_password(value))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"The {source} must be an absolute http(s) URL such as https://example.org/oidc,"
            f" not {shown}."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigError(
            f"The {source} must not carry a query, fragment or credentials: {shown}."
        )
    try:
        port = parts.port
    except ValueError:
        port = parts.netloc.rpartition(":")[2]
        raise ConfigError(f"The {source} {shown} has port {port!r}, which is not a number from 1 to 65535.") from None
    if port == 0:
        raise ConfigError(f"The {source} {shown} has port 0, which no server listens on: use 1 to 65535.")
    if not parts.hostname or any(c.isspace() for c in parts.netloc):
        raise ConfigError(f"The {source} {shown} has no valid host name.")
    return value


def _without_password(url: str) -> str:
    """`url` as safe to show: a password in it (a mistake, but a secret) becomes ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _check_client_id(value: str, source: str) -> str:
    if not _CLIENT_ID.match(value):
        raise ConfigError(f"The {source} {value!r} is not a valid OAuth client id (no spaces).")
    return value


def _check_scope(value: str, source: str) -> str:
    tokens = value.split()
    bad = [token for token in tokens if not _SCOPE_TOKEN.match(token)]
    if bad:
        raise ConfigError(f"The {source} contains an invalid scope token: {bad[0]!r}.")
    return " ".join(dict.fromkeys(tokens))


def with_offline_access(config: AuthConfig, scopes_supported: object) -> str:
    """The scope to request: ours plus `offline_access` when the scope is the default and the
    provider says it supports it (asking for an unsupported scope fails at some providers)."""
    tokens = config.scope.split()
    if (
        not config.scope_explicit
        and OFFLINE_ACCESS not in tokens
        and isinstance(scopes_supported, (list, tuple))
        and OFFLINE_ACCESS in scopes_supported
    ):
        tokens.append(OFFLINE_ACCESS)
    return " ".join(tokens)


def _issuer_from_api(environ: Mapping[str, str]) -> str | None:
    host = environ.get("API_HOST", "").strip()
    if not host:
        return None
    if not _HOST.match(host):
        raise ConfigError(
            f"The environment variable API_HOST must be a host name such as platform.example.org,"
            f" not {host!r}."
        )
    secure_text = environ.get("API_SECURE", "true").strip().lower() or "true"
    if secure_text in _TRUE:
        secure = True
    elif secure_text in _FALSE:
        secure = False
    else:
        raise ConfigError(
            f"The environment variable API_SECURE must be true or false, not {secure_text!r}."
        )
    port_text = environ.get("API_PORT", "").strip()
    default_port = 443 if secure else 80
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigError(
                f"The environment variable API_PORT must be a port number (1-65535), not {port_text!r}."
            )
        port = int(port_text)
    else:
        port = default_port
    scheme = "https" if secure else "http"
    netloc = host if port in (80, 443) else f"{host}:{port}"
    return f"{scheme}://{netloc}/oidc"


AUTO_OPEN_ENV = "OIDC_AUTO_OPEN"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def auto_open(environ: Mapping[str, str], site: Mapping[str, object] | None = None) -> bool:
    """Whether to open the sign-in page by itself: OIDC_AUTO_OPEN, else the site's autoOpen, else
    yes. A value that is neither yes nor no is an error naming it, not a silent guess."""
    value = environ.get(AUTO_OPEN_ENV)
    if value is not None and value.strip() != "":
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        raise ConfigError(
            f"The environment variable {AUTO_OPEN_ENV} is {value!r}: use 1 to open the sign-in page"
            " automatically or 0 to leave it to the Open button."
        )
    setting = (site or {}).get("autoOpen")
    return setting if isinstance(setting, bool) else True
