"""What the user sees while signing in: HTML in a notebook, plain lines in a terminal.

The user code is shown while it is useful and replaced once sign-in ends, so a saved notebook
does not keep it. The device code and tokens are never shown. Everything is HTML-escaped.
"""

from __future__ import annotations

import html
import sys
import time
from typing import Protocol

from .device_flow import DeviceAuthorization


class Presenter(Protocol):
    def waiting(self, authorization: DeviceAuthorization) -> None: ...

    def opened(self, opened: bool, reason: str) -> None: ...

    def status(self, kind: str, detail: str) -> None: ...

    def signed_in(self, summary: str) -> None: ...

    def failed(self, message: str) -> None: ...


def clock_time(wall: float) -> str:
    return time.strftime("%H:%M", time.localtime(wall))


def _status_text(kind: str, detail: str) -> str:
    return {
        "pending": "Waiting for you to confirm in the browser…",
        "slow_down": f"The provider asked us to poll less often ({detail}).",
        "retrying": f"Connection trouble, retrying: {detail}",
    }.get(kind, detail)


class NotebookPresenter:
    """An HTML display updated in place (IPython display handle); text/plain says the same."""

    def __init__(self) -> None:
        from IPython.display import display

        self._handle = display({"text/plain": ""}, raw=True, display_id=True)
        self._authorization: DeviceAuthorization | None = None
        self._note = ""
        self._status = ""

    def _show(self, html_text: str, plain: str) -> None:
        self._handle.update({"text/html": html_text, "text/plain": plain}, raw=True)

    def _render_waiting(self) -> None:
        a = self._authorization
        if a is None:
            return
        code = html.escape(a.user_code)
        shown_url = html.escape(a.verification_uri)
        target = html.escape(a.open_url, quote=True)
        expires = clock_time(time.time() + a.expires_in)
        note = f'<div class="jla-note">{html.escape(self._note)}</div>' if self._note else ""
        status = html.escape(self._status or _status_text("pending", ""))
        self._show(
            '<div class="jla-signin" style="border:1px solid var(--jp-border-color1,#ccc);'
            'border-radius:6px;padding:12px 16px;max-width:36em">'
            '<div style="font-weight:600;font-size:1.1em">Authentication Required</div>'
            '<div>Enter this code on the sign-in page:</div>'
            f'<div class="jla-code" aria-label="User code" style="font-family:var(--jp-code-font-family,monospace);'
            f'font-size:2em;letter-spacing:0.1em;margin:6px 0">{code}</div>'
            f'<div>Sign-in page: <a href="{target}" target="_blank" rel="noopener noreferrer">{shown_url}</a></div>'
            f"{note}"
            f'<div class="jla-status" style="opacity:0.8">{status} The code expires at {expires}.</div>'
            "</div>",
            f"Authentication Required\nCode: {a.user_code}\nSign-in page: {a.verification_uri}\n"
            f"{self._note}\n{status}".replace("\n\n", "\n"),
        )

    def waiting(self, authorization: DeviceAuthorization) -> None:
        self._authorization = authorization
        self._render_waiting()

    def opened(self, opened: bool, reason: str) -> None:
        if opened:
            self._note = "The sign-in page opened in a new tab."
        elif reason == "blocked":
            self._note = "Your browser blocked the new tab: click the link above to open the sign-in page."
        else:
            self._note = "Open the link above to sign in."
        self._render_waiting()

    def status(self, kind: str, detail: str) -> None:
        self._status = _status_text(kind, detail)
        self._render_waiting()

    def signed_in(self, summary: str) -> None:
        self._show(f'<div class="jla-signed-in">✓ {html.escape(summary)}</div>', f"✓ {summary}")

    def failed(self, message: str) -> None:
        # The exception itself follows in the cell's output; here only the code goes away.
        self._show(
            '<div class="jla-failed" style="opacity:0.8">Sign-in did not complete.</div>',
            "Sign-in did not complete.",
        )


class TerminalPresenter:
    """Plain lines on stdout for a terminal or an IDE without rich output."""

    def __init__(self, stream=None) -> None:
        self._stream = stream or sys.stdout
        self._last_status = ""

    def _say(self, text: str) -> None:
        print(text, file=self._stream, flush=True)

    def waiting(self, authorization: DeviceAuthorization) -> None:
        self._say("Authentication Required")
        self._say(f"  Code:          {authorization.user_code}")
        self._say(f"  Sign-in page:  {authorization.verification_uri}")
        if authorization.verification_uri_complete:
            self._say(f"  (or open {authorization.verification_uri_complete})")

    def opened(self, opened: bool, reason: str) -> None:
        if opened:
            self._say("The sign-in page was opened in your browser.")
        else:
            self._say("Open the sign-in page above in a browser and enter the code.")
        self._say("Waiting for you to confirm…")

    def status(self, kind: str, detail: str) -> None:
        text = _status_text(kind, detail)
        if text != self._last_status and kind != "pending":
            self._say(text)
        self._last_status = text

    def signed_in(self, summary: str) -> None:
        self._say(summary)

    def failed(self, message: str) -> None:
        self._say(message)


def default_presenter() -> Presenter:
    """HTML when running in a Jupyter kernel, plain text elsewhere."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        return NotebookPresenter()
    return TerminalPresenter()
