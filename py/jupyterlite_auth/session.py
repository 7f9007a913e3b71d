"""The sign-in session: configuration, tokens, and the one flow or refresh in progress.

One `Session` per kernel (module-level default). Concurrent `authenticate()` calls share one
device flow; concurrent refreshes share one refresh. Tokens live here and in the environment
(`OIDC_ACCESS_TOKEN`, `OIDC_REFRESH_TOKEN`), never on disk.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, MutableMapping

from . import config as config_module
from .api_clients import prepare_http_clients
from .clock import Clock, SystemClock
from .device_flow import PollStats, poll_for_tokens, request_device_authorization
from .discovery import ProviderMetadata, discover
from .display import Presenter, clock_time, default_presenter, failure_kind
from .errors import (
    AuthError,
    ConfigError,
    InvalidClient,
    InvalidGrant,
    InvalidScope,
    NotSignedIn,
    SignInCancelled,
    again,
)
from . import errors as errors_module
from .host import HostDataUnusable, apply_host_credentials, parse_host_data
from .http import Transport, expect_json_object, form_request, get_request, json_object
from .id_token import display_name, has_name, verify_id_token
from .tokens import REFRESH_AHEAD, TokenSet, parse_token_response
from .transports import in_pyodide

ACCESS_ENV = "OIDC_ACCESS_TOKEN"
REFRESH_ENV = "OIDC_REFRESH_TOKEN"

#: `(url, flow) -> (opened, reason)`: one tab per flow, however often it is asked.
Opener = Callable[[str, str], Awaitable[tuple[bool, str]]]
#: Platform mode: `(ask_again) -> (state, data)`; state is standalone | waiting | received | none.
HostLink = Callable[[bool], Awaitable[tuple[str, Any]]]


@dataclass(frozen=True)
class SignedIn:
    """What `authenticate()` returns. Its repr names the user and the expiry, never a token."""

    name: str
    issuer: str
    expires_wall: float | None
    #: The IPython execution count of the cell that signed in; that cell already shows the line.
    _cell: int | None = None
    #: "device" (our own sign-in) or "host" (credentials from the platform's page).
    mode: str = "device"
    #: A refresh token renews the access token, so the expiry shown is not the end of the sign-in.
    renews: bool = False
    #: Asks the session whether this sign-in still holds and until when (the expiry moves with each
    #: refresh): shown again after a logout, the object must not claim to be signed in.
    _now: Callable[[], tuple[bool, float | None]] | None = field(default=None, compare=False, repr=False)

    def __repr__(self) -> str:
        if self.mode == "host":
            return f"Signed in through the platform page as account {self.name}"
        expires = self.expires_wall
        if self._now is not None:
            holds, expires = self._now()
            if not holds:
                return f"Not signed in any more (was signed in as {self.name}): run `await authenticate()` to sign in."
        until = f" until {clock_time(expires)}" if expires else ""
        # In a kernel the background task renews; a script's event loop may end between calls,
        # but get_access_token(), auth_headers() and BearerAuth renew whenever they are used.
        renewal = " (renewed automatically)" if errors_module.in_notebook() else " (renewed on use)"
        return f"Signed in as {self.name}{until}{renewal if self.renews and until else ''}"

    def _holds(self) -> bool:
        return self._now is None or self._now()[0]

    def _ipython_display_(self) -> None:
        # The live display of the signing-in cell already says this; don't say it twice there.
        if self._cell is not None and self._cell == _execution_count() and self._holds():
            return
        from IPython.display import display

        from .display import outcome_bundle

        if self._holds():
            display(outcome_bundle("signed-in", repr(self)), raw=True)
        else:
            display({"text/plain": repr(self)}, raw=True)


@dataclass(frozen=True)
class SignedOut:
    """What `logout()` returns: says what happened to the tokens."""

    name: str | None
    #: Whether the provider took the refresh token back (RFC 7009).
    revoked: bool
    #: When the access token still works (no revocation at this provider), as a wall-clock time.
    access_until: float | None = None

    def __repr__(self) -> str:
        if self.name is None:
            return "Not signed in: nothing to sign out of."
        if self.revoked:
            return f"{self.name} is signed out: the provider revoked the tokens, and they are forgotten here."
        until = f" (at {clock_time(self.access_until)})" if self.access_until else ""
        return (
            f"{self.name} is signed out here: the tokens are forgotten. The provider did not revoke them,"
            f" so the last access token keeps working until it expires{until}."
        )


def _execution_count() -> int | None:
    try:
        from IPython import get_ipython

        shell = get_ipython()
        return getattr(shell, "execution_count", None) if shell is not None else None
    except ImportError:
        return None


#: What a refused refresh means, and what to do.
ENDED_BY_PROVIDER = (
    "The provider ended this sign-in: it refused the refresh token (a logout() in another notebook"
    " signed in from the same browser, a revocation, or a provider restart). Run `await authenticate()`"
    " to sign in again."
)


class Session:
    def __init__(
        self,
        *,
        transport: Transport | None = None,
        clock: Clock | None = None,
        environ: MutableMapping[str, str] | None = None,
        site_settings: Callable[[], dict[str, Any]] | None = None,
        presenter_factory: Callable[[], Presenter] | None = None,
        opener: Opener | None = None,
        keep_fresh: bool = True,
        host: HostLink | None = None,
        notice: Callable[[str], None] | None = None,
        blocking_send: Callable[[Any], Any] | None = None,
    ):
        self._transport = transport
        self.clock = clock or SystemClock()
        self.environ = environ if environ is not None else os.environ
        self._site_settings = site_settings or _default_site_settings
        self._presenter_factory = presenter_factory or default_presenter
        #: Loads what the default display needs (ipywidgets in Pyodide); custom ones need nothing.
        self._prepare_display = _prepare_default_display if presenter_factory is None else None
        self._opener = opener or _default_opener
        self.tokens: TokenSet | None = None
        self.config: config_module.AuthConfig | None = None
        self.metadata: ProviderMetadata | None = None
        self.user: str = ""
        self._flow: asyncio.Task | None = None
        #: Names the device flow in progress (Cancel messages carry it); not a secret.
        self.flow_id = ""
        self._flow_waiters = 0
        #: What the sign-in in progress shows (to show it again in another cell).
        self._presenter: Presenter | None = None
        self._refresh: asyncio.Task | None = None
        #: One refresh on the wire at a time, across threads too (a `requests` auth hook may run in
        #: a worker thread): a rotated refresh token sent twice makes the provider revoke the grant.
        self._refresh_lock = threading.Lock()
        self._blocking_send = blocking_send
        self.last_poll_stats: PollStats | None = None
        self._keep_fresh = keep_fresh
        self._host = host or _default_host
        self._cancelled_by_user: asyncio.Task | None = None
        self._notice = notice or print
        self._told_site_problems = False
        self._told_host_fallback = ""
        #: Counts device-flow sign-ins and sign-outs: a SignedIn knows whether it still holds.
        self._sign_in_serial = 0
        #: The account the platform page's credentials are for, while they are what is used.
        self._host_account: str | None = None
        #: The explicit arguments of the last successful sign-ins (see `authenticate`).
        self._earlier: dict[str, str] = {}
        #: Device codes the provider issued to this session: it took the arguments they were for.
        self._codes_issued = 0
        #: The provider refused the refresh token: later calls say so, not just "not signed in".
        self._ended_by_provider = False
        self._keeper: asyncio.Task | None = None

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            from .transports import default_transport

            self._transport = default_transport()
        return self._transport

    # -- public -------------------------------------------------------------------------------

    async def authenticate(
        self,
        force: bool = False,
        *,
        issuer: str | None = None,
        client_id: str | None = None,
        scope: str | None = None,
    ) -> SignedIn:
        """Platform mode when the host page hands over credentials; else return at once when
        signed in, refresh silently when possible, or run the device flow. Arguments the provider
        took (it signed in, or issued a code that was then cancelled, denied or let expire) are
        remembered: a later bare call means the same provider."""
        if not isinstance(force, bool):
            raise ConfigError(
                f"authenticate(force=...) must be True or False, not {type(force).__name__}."
                + (" Pass the issuer by name: authenticate(issuer='...')." if isinstance(force, str) else "")
            )
        given = {"issuer": issuer, "client_id": client_id, "scope": scope}
        codes_before = self._codes_issued
        try:
            result = await self._authenticate(force, issuer, client_id, scope)
        except BaseException:
            if self._codes_issued != codes_before:
                self._remember(given)
            raise
        if result.mode == "device":
            self._remember(given)
        return result

    def _remember(self, given: dict[str, str | None]) -> None:
        self._earlier.update({name: value for name, value in given.items() if value is not None})

    async def _authenticate(
        self, force: bool, issuer: str | None, client_id: str | None, scope: str | None
    ) -> SignedIn:
        signed_in = await self._from_host(force)
        if signed_in is not None:
            return signed_in
        site = self._site_settings()
        wanted = config_module.resolve(  # a ConfigError here names the site's problems itself
            issuer=issuer,
            client_id=client_id,
            scope=scope,
            environ=self.environ,
            site=site,
            earlier=self._earlier,
            in_site=bool(site) or in_pyodide(),
        )
        problems = config_module.site_problems(site)
        if problems and not self._told_site_problems:
            self._told_site_problems = True
            self._notice(f"Some of the site's sign-in settings were not usable: {'; '.join(problems)}.")
        if not force and self._flow is not None and not self._flow.done():
            # Another cell (or the same one run again, which cleared its output) waits for the
            # sign-in in progress: show its code there too.
            if self._presenter is not None:
                self._presenter.show_again()
            return await self._join_flow()
        if not force and self.tokens is not None and self.config == wanted:
            if not self.tokens.is_expired(self.clock.monotonic()):
                return self._signed_in()
            if self.tokens.refresh_token:
                try:
                    await self.refresh()
                    return self._signed_in()
                except AuthError:
                    pass  # fall through to a new sign-in; refresh() already cleared dead tokens
        if self._flow is not None and not self._flow.done():
            self._flow.cancel()
        self._flow = asyncio.ensure_future(self._device_flow(wanted))
        self._flow_waiters = 0
        return await self._join_flow()

    async def _from_host(self, force: bool) -> SignedIn | None:
        """Use the host's credentials when embedded. Waits (bounded) for a host that has not
        answered yet rather than starting a device flow behind its back; `force` asks it again."""
        state, data = await self._host(force)
        if state == "standalone":
            return None
        if state != "received":
            self._tell_host_fallback(
                "The platform page did not send credentials in time; signing in with the device flow.", force
            )
            return None
        try:
            credentials = parse_host_data(data)
        except HostDataUnusable as error:
            self._tell_host_fallback(
                f"Not using the platform page's data ({error}); signing in with the device flow.", force
            )
            return None
        self._clear()
        apply_host_credentials(credentials, self.environ)
        self._host_account = credentials.account_id
        await prepare_http_clients()
        return SignedIn(credentials.account_id, "", None, None, mode="host")

    def _tell_host_fallback(self, message: str, asked_again: bool) -> None:
        """Say why the host's data is not used the first time (or when the user asked the host
        again), not on every later `authenticate()` that finds the device-flow tokens valid."""
        if asked_again or message != self._told_host_fallback:
            self._told_host_fallback = message
            self._notice(message)

    def cancel_sign_in(self, flow_id: str | None = None) -> bool:
        """Stop a device flow that is waiting (the page's interrupt, or a Cancel button).
        Its callers get `SignInCancelled`. A Cancel names its flow: a click on an old widget must
        not stop a newer sign-in. Returns whether there was one to stop."""
        flow = self._flow
        if flow is None or flow.done():
            return False
        if flow_id is not None and flow_id != self.flow_id:
            return False
        self._cancelled_by_user = flow
        flow.cancel()
        return True

    async def _join_flow(self) -> SignedIn:
        """Wait for the shared flow. Cancelling one waiter (a kernel interrupt) leaves the flow
        to the others; cancelling the last one cancels the flow, so nothing polls unseen."""
        flow = self._flow
        assert flow is not None
        self._flow_waiters += 1
        try:
            return await asyncio.shield(flow)
        except asyncio.CancelledError as error:
            if self._cancelled_by_user is flow and flow.cancelled():
                raise SignInCancelled() from None  # the user asked: one line, not a traceback
            if self._flow is flow and self._flow_waiters == 1 and not flow.done():
                flow.cancel()
                # ipykernel turns Kernel > Interrupt (and the widget's Cancel, where the kernel
                # holds widget messages) into this cancellation. It stays a plain CancelledError,
                # which asyncio.timeout() and wait_for() rely on, but IPython shows one line.
                error._render_traceback_ = _cancelled_line
            raise
        finally:
            if self._flow is flow:
                self._flow_waiters -= 1

    async def get_access_token(self) -> str:
        """A current access token, refreshed first when it is close to expiry."""
        if self.tokens is None:
            raise self._not_signed_in()
        if self.tokens.refresh_due(self.clock.monotonic()) and self.tokens.refresh_token:
            await self.refresh()
        if self.tokens is None or self.tokens.is_expired(self.clock.monotonic()):
            raise NotSignedIn("The sign-in has expired: run `await authenticate()` again.")
        return self.tokens.access_token

    def _not_signed_in(self) -> NotSignedIn:
        if self._host_account is not None:
            return NotSignedIn(
                f"Signed in through the platform page (account {self._host_account}), which gives the"
                " notebook the platform's own credentials (ACCOUNT_ID and AUTH_TOKEN in os.environ, used by"
                " the platform's API client), not OpenID Connect tokens. Use those, or brokered_fetch()"
                " to call the API through the page."
            )
        if self._ended_by_provider:
            return NotSignedIn(ENDED_BY_PROVIDER)
        return NotSignedIn("Not signed in: run `await authenticate()` first.")

    async def refresh(self) -> TokenSet:
        """Exchange the refresh token, once at a time: concurrent callers share the result."""
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.ensure_future(self._do_refresh())
        return await asyncio.shield(self._refresh)

    async def logout(self) -> SignedOut:
        """Revoke the refresh token (RFC 7009) when the provider allows it, and forget everything."""
        tokens, metadata, config = self.tokens, self.metadata, self.config
        self._clear()
        self._ended_by_provider = False
        if tokens is None:
            return SignedOut(None, False)
        endpoint = metadata.revocation_endpoint if metadata is not None and config is not None else ""
        revoked = bool(endpoint)  # until a revocation fails
        for value, hint in ((tokens.refresh_token, "refresh_token"), (tokens.access_token, "access_token")):
            if not (value and endpoint and config is not None):
                continue
            try:
                reply = await self.transport.send(
                    form_request(
                        endpoint,
                        {"token": value, "token_type_hint": hint, "client_id": config.client_id},
                        purpose="revocation",
                    )
                )
                revoked = revoked and reply.ok
            except AuthError:
                revoked = False  # forgotten locally either way; the token expires on its own
        return SignedOut(self.user or "the user", revoked, None if revoked else tokens.expires_wall)

    # -- internals ----------------------------------------------------------------------------

    async def _device_flow(self, wanted: config_module.AuthConfig) -> SignedIn:
        open_automatically = config_module.auto_open(self.environ, self._site_settings())
        if self._prepare_display is not None:
            await self._prepare_display()
        presenter = self._presenter = self._presenter_factory()
        flow_id = self.flow_id = secrets.token_hex(8)
        try:
            try:
                metadata = await discover(wanted.issuer, self.transport)
            except AuthError as error:
                raise error.with_hint(wanted.where("issuer"))
            scope = config_module.with_offline_access(wanted, metadata.scopes_supported)
            authorization = await request_device_authorization(
                self.transport, metadata.device_authorization_endpoint, wanted.client_id, scope
            )
            started = self.clock.monotonic()
            self._codes_issued += 1
            presenter.waiting(authorization, flow_id)
            if open_automatically:
                opened, reason = await self._opener(authorization.open_url, flow_id)
            else:
                opened, reason = False, "off"
            presenter.opened(opened, reason)
            stats = PollStats()
            self.last_poll_stats = stats
            reply = await poll_for_tokens(
                transport=self.transport,
                clock=self.clock,
                token_endpoint=metadata.token_endpoint,
                client_id=wanted.client_id,
                authorization=authorization,
                started_at=started,
                on_status=presenter.status,
                stats=stats,
            )
            tokens = parse_token_response(
                reply, now_monotonic=self.clock.monotonic(), now_wall=self.clock.time()
            )
            self._note_narrowed_scope(scope, tokens.scope)
            user = await self._user_from(tokens, wanted, metadata)
        except AuthError as error:
            if isinstance(error, InvalidClient):
                error.with_hint(wanted.where("client_id"))
            elif isinstance(error, InvalidScope):
                error.with_hint(wanted.where("scope"))
            presenter.failed(str(error), failure_kind(error))
            raise
        except asyncio.CancelledError as error:
            presenter.failed(again("to sign in"), failure_kind(error))
            raise
        self.config, self.metadata, self.user = wanted, metadata, user
        self._sign_in_serial += 1
        self._host_account = None
        self._ended_by_provider = False
        self._store(tokens)
        self._ensure_keeper()
        result = self._signed_in(shown=True)
        presenter.signed_in(repr(result))
        # After saying so: the first patch imports requests, which takes a second or two in Pyodide.
        await prepare_http_clients()
        return result

    def _note_narrowed_scope(self, requested: str, granted: str | None) -> None:
        """Providers may grant less than asked (RFC 6749 section 3.3) and say so only in `scope`."""
        if granted is None:
            return
        missing = [item for item in requested.split() if item not in granted.split()]
        if missing:
            self._notice(
                f"The provider did not grant the scope {' '.join(missing)} (granted: {granted or 'none'})."
                + (" Without offline_access the sign-in cannot be refreshed." if "offline_access" in missing else "")
            )

    async def _user_from(
        self, tokens: TokenSet, wanted: config_module.AuthConfig, metadata: ProviderMetadata
    ) -> str:
        """Whom to greet: the ID token's name claims, else the userinfo endpoint's (many providers
        put only `sub` in the ID token)."""
        claims: dict[str, Any] = {}
        if tokens.id_token:
            claims = await verify_id_token(
                tokens.id_token,
                issuer=wanted.issuer,
                client_id=wanted.client_id,
                now=self.clock.time(),
                jwks_uri=metadata.jwks_uri,
                transport=self.transport,
            )
        if not has_name(claims) and metadata.userinfo_endpoint:
            info = await self._userinfo(metadata.userinfo_endpoint, tokens.access_token)
            if info and (not claims or info.get("sub") == claims.get("sub")):
                claims = {**claims, **info}
        return display_name(claims)

    async def _userinfo(self, endpoint: str, access_token: str) -> dict[str, Any] | None:
        try:
            response = await self.transport.send(
                get_request(endpoint, purpose="userinfo", headers={"Authorization": f"Bearer {access_token}"})
            )
        except AuthError:
            return None  # a greeting is not worth failing a sign-in for
        return json_object(response) if response.ok else None

    async def _do_refresh(self) -> TokenSet:
        seen = self.tokens
        while not self._refresh_lock.acquire(blocking=False):
            await asyncio.sleep(0.02)  # a thread is refreshing; its result is what we want
        try:
            if self.tokens is not seen and self.tokens is not None:
                return self.tokens  # refreshed (or signed in) meanwhile
            request = self._refresh_request()
            return self._adopt_refresh(await self.transport.send(request))
        finally:
            self._refresh_lock.release()

    def refresh_blocking(self) -> TokenSet:
        """`refresh()` for code that cannot await (a `requests` auth hook). Refreshes are
        serialised: a thread that finds one in progress waits and shares its result."""
        seen = self.tokens
        if self._refresh is not None and not self._refresh.done() and _loop_runs_here():
            # Waiting here would block the very loop that has to finish that refresh.
            raise NotSignedIn("A token refresh is in progress in the background; retry in a moment.")
        if not self._refresh_lock.acquire(timeout=60):
            raise NotSignedIn("Another token refresh has not finished within 60 s; retry in a moment.")
        try:
            if self.tokens is not seen and self.tokens is not None:
                return self.tokens
            send = self._blocking_send
            if send is None:
                from .transports.blocking import send_blocking as send
            return self._adopt_refresh(send(self._refresh_request()))
        finally:
            self._refresh_lock.release()

    def access_token_blocking(self) -> str:
        """`get_access_token()` for code that cannot await."""
        tokens = self.tokens
        if tokens is None:
            raise self._not_signed_in()
        now = self.clock.monotonic()
        # On the loop's thread an awaited refresh in flight cannot be waited for; elsewhere
        # refresh_blocking() waits for it and shares its result.
        in_flight_here = self._refresh is not None and not self._refresh.done() and _loop_runs_here()
        if tokens.refresh_due(now) and tokens.refresh_token and not in_flight_here:
            tokens = self.refresh_blocking()
        if tokens.is_expired(self.clock.monotonic()):
            raise NotSignedIn("The sign-in has expired: run `await authenticate()` again.")
        return tokens.access_token

    def _refresh_request(self):
        tokens, metadata, config = self.tokens, self.metadata, self.config
        if tokens is None or not tokens.refresh_token or metadata is None or config is None:
            raise NotSignedIn("No refresh token: run `await authenticate()` to sign in.")
        return form_request(
            metadata.token_endpoint,
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token, "client_id": config.client_id},
            purpose="token",
        )

    def _adopt_refresh(self, response) -> TokenSet:
        """Apply a refresh reply: rotate atomically, or clear everything when the grant is gone."""
        tokens = self.tokens
        try:
            body = expect_json_object(response, endpoint="token")
        except InvalidGrant as error:
            self._clear()
            self._ended_by_provider = True
            raise InvalidGrant(
                error.error,
                error.description or "the refresh token was refused",
                endpoint="token",
                advice=ENDED_BY_PROVIDER,
            ) from None
        newer = parse_token_response(body, now_monotonic=self.clock.monotonic(), now_wall=self.clock.time())
        self._store(tokens.rotated(newer) if tokens is not None else newer)
        self._ensure_keeper()
        return self.tokens

    def _ensure_keeper(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # a blocking refresh outside any event loop: nothing can run in the background
        if self._keep_fresh and (self._keeper is None or self._keeper.done()):
            self._keeper = loop.create_task(self._keep_tokens_fresh())

    async def _keep_tokens_fresh(self) -> None:
        """While the kernel lives, refresh ahead of expiry so OIDC_ACCESS_TOKEN is always current
        (API clients read it when they are created, long after sign-in)."""
        failures = 0
        while self.tokens is not None and self.tokens.refresh_token and self.tokens.expires_in is not None:
            tokens = self.tokens
            due = tokens.expires_monotonic - min(REFRESH_AHEAD, tokens.expires_in / 2)
            await self.clock.sleep(max(0.0, due - self.clock.monotonic()))
            if self.tokens is not tokens:
                continue  # someone else refreshed or signed in meanwhile: start over
            try:
                await self.refresh()
                failures = 0
            except (InvalidGrant, NotSignedIn):
                return  # refresh() cleared the tokens; the next authenticate() signs in again
            except AuthError:
                failures += 1  # network trouble: retry, sooner than expiry, never in a tight loop
                remaining = tokens.expires_monotonic - self.clock.monotonic()
                await self.clock.sleep(max(5.0, min(60.0 * failures, remaining / 2)))

    def _store(self, tokens: TokenSet) -> None:
        self.tokens = tokens
        self.environ[ACCESS_ENV] = tokens.access_token
        if tokens.refresh_token:
            self.environ[REFRESH_ENV] = tokens.refresh_token
        else:
            self.environ.pop(REFRESH_ENV, None)

    def _clear(self) -> None:
        if self._keeper is not None and self._keeper is not asyncio.current_task():
            self._keeper.cancel()
        if self.tokens is not None:
            self._sign_in_serial += 1
        self.tokens = None
        self.environ.pop(ACCESS_ENV, None)
        self.environ.pop(REFRESH_ENV, None)

    def _signed_in(self, *, shown: bool = False) -> SignedIn:
        """`shown`: the live display of this cell already says it (see SignedIn)."""
        assert self.tokens is not None and self.config is not None
        cell = _execution_count() if shown else None
        signed_in_tokens, serial = self.tokens, self._sign_in_serial

        def now() -> tuple[bool, float | None]:
            # The same sign-in while its refresh-token line goes on (a refresh rotates the
            # TokenSet but keeps the sign-in); a logout or a new sign-in ends it.
            current = self.tokens
            if current is None or self._sign_in_serial != serial:
                return False, None
            return True, current.expires_wall

        return SignedIn(
            self.user,
            self.config.issuer,
            signed_in_tokens.expires_wall,
            cell,
            renews=bool(signed_in_tokens.refresh_token),
            _now=now,
        )


def _loop_runs_here() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _default_host(ask_again: bool) -> tuple[str, Any]:
    from . import _page

    if not _page.attached():
        return "standalone", None
    settings = _page.site_settings()
    timeout = settings.get("hostDataTimeout")
    timeout = (timeout / 1000 if isinstance(timeout, (int, float)) and timeout > 0 else 5.0) + 5.0
    state = await (_page.ask_host_again(timeout) if ask_again else _page.wait_for_host(timeout))
    return state.state, state.data


def _default_site_settings() -> dict[str, Any]:
    from . import _page

    return _page.site_settings()


async def _prepare_default_display() -> None:
    from .widget import prepare

    await prepare()


async def _default_opener(url: str, flow: str) -> tuple[bool, str]:
    from .browser_open import open_sign_in_page

    return await open_sign_in_page(url, flow)


def _cancelled_line() -> list[str]:
    """What IPython shows for a sign-in whose cell was interrupted, instead of a traceback."""
    return [f"CancelledError: {SignInCancelled()}"]
