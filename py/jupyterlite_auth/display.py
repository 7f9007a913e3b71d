"""What the user sees while signing in, and which form it takes.

Three presenters share one vocabulary (the `Presenter` protocol): the sign-in widget (widget.py)
where our view is known to be present, escaped HTML elsewhere in a notebook, plain lines in a
terminal. The user code is shown while it is useful and replaced when sign-in ends, so a saved
notebook does not keep it. The device code and tokens are never shown.
"""

from __future__ import annotations

import asyncio
import html
import sys
import time
from typing import Protocol

from .device_flow import DeviceAuthorization
from .errors import AccessDenied, ExpiredToken, SignInCancelled

#: How a sign-in ended, besides "signed-in".
FAILURE_KINDS = ("denied", "expired", "cancelled", "error")


class Presenter(Protocol):
    def waiting(self, authorization: DeviceAuthorization, flow: str) -> None: ...

    def opened(self, opened: bool, reason: str) -> None: ...

    def status(self, kind: str, detail: str) -> None: ...

    def signed_in(self, summary: str) -> None: ...

    def failed(self, message: str, kind: str) -> None: ...

    def show_again(self) -> None:
        """Show the waiting sign-in once more (another cell joined it)."""


def failure_kind(error: BaseException) -> str:
    """Which ending a failure is: the user said no, the code ran out, the user stopped, or other."""
    if isinstance(error, AccessDenied):
        return "denied"
    if isinstance(error, ExpiredToken):
        return "expired"
    if isinstance(error, (SignInCancelled, asyncio.CancelledError)):
        return "cancelled"
    return "error"


def clock_time(wall: float) -> str:
    return time.strftime("%H:%M", time.localtime(wall))


def status_text(kind: str, detail: str) -> str:
    return {
        "pending": "Waiting for you to confirm in the browser…",
        "slow_down": f"The provider asked us to poll less often ({detail}).",
        "retrying": f"Connection trouble, retrying: {detail}",
    }.get(kind, detail)


def open_note(opened: bool, reason: str) -> str:
    """One sentence on what happened to the automatic tab, and what to do if it did not open."""
    if opened:
        return "The sign-in page opened in a new tab."
    if reason == "blocked":
        return "Your browser blocked the new tab: open the sign-in page yourself."
    if reason == "off":
        return "Open the sign-in page to sign in."
    if reason:
        return f"The sign-in page could not be opened automatically ({reason}): open it yourself."
    return "Open the sign-in page to sign in."


_OUTCOME_TITLES = {
    "signed-in": "✓",
    "denied": "Sign-in denied.",
    "expired": "The code expired.",
    "cancelled": "Sign-in cancelled.",
    "error": "Sign-in failed.",
}


#: Output metadata of a display that shows a live code. If the kernel dies before the sign-in ends
#: (and replaces the display with its outcome), the page finds the display by this and removes
#: the code itself (src/stale-signin.ts), so a notebook saved afterwards does not keep it.
WAITING_METADATA = {"jupyterlite_auth": {"waiting": True}}


def outcome_bundle(kind: str, message: str) -> dict[str, str]:
    """The display that replaces the code when sign-in ends: no code, no link, just the outcome."""
    title = _OUTCOME_TITLES.get(kind, _OUTCOME_TITLES["error"])
    if kind == "signed-in":
        text = f"{title} {message}"
        markup = f'<div class="jla-outcome jla-signed-in">{html.escape(text)}</div>'
    else:
        # Only the outcome: the exception's one line right below says what happened and what to do.
        text = title
        markup = f'<div class="jla-outcome jla-{kind}" style="opacity:0.85"><strong>{html.escape(title)}</strong></div>'
    return {"text/html": markup, "text/plain": text}


def waiting_bundle(authorization: DeviceAuthorization, note: str, status: str, hint: str = "") -> dict[str, str]:
    """The code, the link and what is happening, as escaped HTML and as plain text."""
    a = authorization
    code = html.escape(a.user_code)
    shown_url = html.escape(a.verification_uri)
    target = html.escape(a.open_url, quote=True)
    expires = clock_time(time.time() + a.expires_in)
    status = status or status_text("pending", "")
    note_html = f'<div class="jla-note">{html.escape(note)}</div>' if note else ""
    markup = (
        '<div class="jla-signin" style="border:1px solid var(--jp-border-color1,#ccc);'
        'border-radius:6px;padding:12px 16px;max-width:36em">'
        '<div style="font-weight:600;font-size:1.1em">Authentication Required</div>'
        "<div>Enter this code on the sign-in page:</div>"
        f'<div class="jla-code" aria-label="User code" style="font-family:var(--jp-code-font-family,monospace);'
        f'font-size:2em;letter-spacing:0.1em;margin:6px 0">{code}</div>'
        f'<div>Sign-in page: <a href="{target}" target="_blank" rel="noopener noreferrer">{shown_url}</a></div>'
        f"{note_html}"
        f'<div class="jla-status" style="opacity:0.8">{html.escape(status)} The code expires at {expires}.</div>'
        + (f'<div class="jla-hint" style="opacity:0.7;font-size:0.9em;margin-top:6px">{html.escape(hint)}</div>' if hint else "")
        + "</div>"
    )
    lines = ["Authentication Required", f"Code: {a.user_code}", f"Sign-in page: {a.verification_uri}", note, status, hint]
    return {"text/html": markup, "text/plain": "\n".join(line for line in lines if line)}


class NotebookPresenter:
    """Escaped HTML updated in place (an IPython display handle), for frontends without our view."""

    def __init__(self, hint: str = "") -> None:
        from IPython.display import display

        self._handle = display({"text/plain": ""}, raw=True, display_id=True)
        self._authorization: DeviceAuthorization | None = None
        self._note = ""
        self._status = ""
        #: A line under the code on how to get the widget (see widget.MISSING_IPYWIDGETS).
        self._hint = hint

    def show_again(self) -> None:
        from IPython.display import display

        if self._authorization is not None:
            # Same display id: later updates change both outputs.
            display(waiting_bundle(self._authorization, self._note, self._status, self._hint), raw=True,
                    metadata=WAITING_METADATA, display_id=self._handle.display_id)

    def _render_waiting(self) -> None:
        if self._authorization is not None:
            self._handle.update(
                waiting_bundle(self._authorization, self._note, self._status, self._hint),
                raw=True,
                metadata=WAITING_METADATA,
            )

    def waiting(self, authorization: DeviceAuthorization, flow: str) -> None:
        self._authorization = authorization
        self._render_waiting()

    def opened(self, opened: bool, reason: str) -> None:
        self._note = open_note(opened, reason)
        self._render_waiting()

    def status(self, kind: str, detail: str) -> None:
        self._status = status_text(kind, detail)
        self._render_waiting()

    def signed_in(self, summary: str) -> None:
        self._handle.update(outcome_bundle("signed-in", summary), raw=True)

    def failed(self, message: str, kind: str) -> None:
        # The exception itself follows in the cell's output as one line.
        self._handle.update(outcome_bundle(kind, message), raw=True)


class TerminalPresenter:
    """Plain lines on stdout for a terminal or an IDE without rich output."""

    def __init__(self, stream=None) -> None:
        self._stream = stream or sys.stdout
        self._last_status = ""
        self._authorization: DeviceAuthorization | None = None

    def show_again(self) -> None:
        if self._authorization is not None:
            self.waiting(self._authorization, "")

    def _say(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def waiting(self, authorization: DeviceAuthorization, flow: str) -> None:
        self._authorization = authorization
        self._say("Authentication Required")
        self._say(f"  Code:          {authorization.user_code}")
        self._say(f"  Sign-in page:  {authorization.verification_uri}")
        if authorization.verification_uri_complete:
            self._say(f"  (or open {authorization.verification_uri_complete})")

    def opened(self, opened: bool, reason: str) -> None:
        if opened:
            self._say("The sign-in page was opened in your browser.")
        elif reason and reason != "off":
            self._say(f"The sign-in page could not be opened automatically ({reason}):"
                      " open the address above in a browser and enter the code.")
        else:
            self._say("Open the address above in a browser and enter the code.")
        self._say("Waiting for you to confirm…")

    def status(self, kind: str, detail: str) -> None:
        text = status_text(kind, detail)
        if text != self._last_status and kind != "pending":
            self._say(text)
        self._last_status = text

    def signed_in(self, summary: str) -> None:
        self._say(summary)

    def failed(self, message: str, kind: str) -> None:
        # The outcome only: the exception that follows says what happened and what to do.
        self._say(outcome_bundle(kind, message)["text/plain"])


def default_presenter() -> Presenter:
    """The widget where our view is present, HTML elsewhere in a notebook, plain text outside one."""
    from . import errors, widget

    if not errors.in_notebook():
        return TerminalPresenter()

    if widget.view_available():
        try:
            return widget.WidgetPresenter()
        except ImportError:
            pass  # no ipywidgets in this kernel
    return NotebookPresenter(hint=widget.MISSING_IPYWIDGETS if widget.missing_ipywidgets() else "")
