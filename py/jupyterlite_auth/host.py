"""Platform mode: credentials the embedding host page hands over (`data_from_host`), and data
sent back to it.

Wire format and origin rules: docs/kernel-page-protocol.md. What the platform's notebooks and API
client expect (notes/platform-contract.md): `apiConfig` becomes ACCOUNT_ID, AUTH_TOKEN,
ORGANIZATION_ID and CLUSTERS (JSON); every `environ` entry goes to `os.environ`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, MutableMapping

from .errors import AuthError

OIDC_VARIABLES = ("OIDC_ACCESS_TOKEN", "OIDC_REFRESH_TOKEN")


class HostDataUnusable(AuthError):
    """The host's data carries no usable credentials (the device flow is used instead)."""


class HostError(AuthError):
    """The host page refused a request, did not answer, or there is no host."""


@dataclass(frozen=True)
class HostCredentials:
    account_id: str
    auth_token: str = field(repr=False)
    organization_id: str | None
    clusters: Any
    environ: dict[str, str]


def parse_host_data(data: Any) -> HostCredentials:
    """Read `data_from_host`; every way it can be unusable is named."""
    if not isinstance(data, dict):
        raise HostDataUnusable(f"the host's data is a {type(data).__name__}, not an object with apiConfig")
    api = data.get("apiConfig")
    if not isinstance(api, dict):
        raise HostDataUnusable("the host's data has no apiConfig object")
    account, token = api.get("accountId"), api.get("authToken")
    if not isinstance(account, str) or not account:
        raise HostDataUnusable("the host's apiConfig has no accountId string")
    if not isinstance(token, str) or not token:
        raise HostDataUnusable("the host's apiConfig has no authToken string")
    organization = api.get("organizationId")
    if organization is not None and not isinstance(organization, str):
        raise HostDataUnusable("the host's apiConfig.organizationId is not a string")
    for name, text in (("accountId", account), ("authToken", token), ("organizationId", organization or "")):
        if "\0" in text or not _encodable(text):
            raise HostDataUnusable(f"the host's apiConfig.{name} is not valid text for an environment variable")
    return HostCredentials(account, token, organization or None, api.get("clusters", []), _environ(data.get("environ")))


def _environ(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HostDataUnusable("the host's environ is not an object")
    result = {}
    for key, item in value.items():
        if not isinstance(key, str) or not key or "=" in key or "\0" in key:
            raise HostDataUnusable(f"the host's environ has an invalid variable name {key!r}")
        text = item if isinstance(item, str) else json.dumps(item)
        if "\0" in text:
            raise HostDataUnusable(f"the host's environ value for {key} contains a NUL character")
        if not _encodable(key) or not _encodable(text):
            raise HostDataUnusable(
                f"the host's environ entry {key.encode('utf-8', 'backslashreplace').decode()} is not valid"
                " Unicode (a lone surrogate): environment variables must be UTF-8"
            )
        result[key] = text
    return result


def _encodable(text: str) -> bool:
    """Whether `text` can go into os.environ (UTF-8; a lone surrogate cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def apply_host_credentials(credentials: HostCredentials, environ: MutableMapping[str, str]) -> None:
    """Put the host's credentials where the platform's API client looks. A token from an earlier
    device-flow sign-in would take precedence there, so it goes: the host's credentials win."""
    for name in OIDC_VARIABLES:
        environ.pop(name, None)
    environ["ACCOUNT_ID"] = credentials.account_id
    environ["AUTH_TOKEN"] = credentials.auth_token
    if credentials.organization_id:
        environ["ORGANIZATION_ID"] = credentials.organization_id
    else:
        environ.pop("ORGANIZATION_ID", None)
    environ["CLUSTERS"] = json.dumps(credentials.clusters)
    environ.update(credentials.environ)


async def send_to_host(payload: Any, *, timeout: float = 10.0) -> None:
    """Data exchange: send `payload` (any JSON value) to the host page as `set-data`."""
    from . import _page

    try:
        text = json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise HostError(f"send_to_host needs a JSON value: {error}") from None
    if not _page.attached():
        raise HostError("No host page: send_to_host works only in JupyterLite embedded in a platform page.")
    import asyncio

    try:
        reply = await _page.request("send-to-host", timeout, payloadJson=text)
    except asyncio.TimeoutError:
        raise HostError(f"The page did not answer within {timeout:g} s; is the site still open?") from None
    if not reply.get("sent"):
        raise HostError(f"The host page did not take the data: {reply.get('reason') or 'no reason given'}.")
