"""The sign-in widget: an ipywidget whose view is ours (src/signin-widget.ts in the labextension).

The kernel drives the widget's state; the view draws it, counts down to expiry, copies the code
and opens the sign-in page itself. Cancel is a widget message, which ipykernel 7.4 hands to the
running cell at once; JupyterLite and ipykernel 6 hold it until the cell ends, so the view also
sends it on the page's side channel (JupyterLite) or, when the kernel has not answered within
a moment, interrupts the kernel (src/cancel-sign-in.ts).

The display also carries escaped HTML and plain text for frontends without our view, and when
sign-in ends it is replaced by the outcome alone and the widget is closed, so the saved notebook
holds neither the code nor any widget state.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Callable

from .device_flow import DeviceAuthorization
from .display import WAITING_METADATA, open_note, outcome_bundle, status_text, waiting_bundle
from ._version import __version__

MODULE = "jupyterlite-auth"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
#: `JUPYTERLITE_AUTH_WIDGET=0` forces the plain HTML display, `=1` the widget.
WIDGET_ENV = "JUPYTERLITE_AUTH_WIDGET"
#: Longest wait for Pyodide to load ipywidgets before falling back to the HTML display: short,
#: because the sign-in tab must open within the browser's ~5 s of user activation.
LOAD_TIMEOUT = 3.0


def view_available() -> bool:
    """Whether the frontend can draw our view. A frontend with the widget manager but without our
    view would show "Error displaying widget" instead of the code, so guess conservatively."""
    if not _wanted():
        return False
    return importlib.util.find_spec("ipywidgets") is not None


#: Said under the HTML display where our view is installed but the kernel cannot make the widget.
MISSING_IPYWIDGETS = (
    "For the sign-in widget (Copy, Cancel, a countdown), install ipywidgets where this kernel runs:"
    " pip install ipywidgets"
)


def missing_ipywidgets() -> bool:
    """Our view is there (so the user expects the widget) but this kernel has no ipywidgets."""
    from .transports import in_pyodide

    return not in_pyodide() and _wanted() and importlib.util.find_spec("ipywidgets") is None


def _wanted() -> bool:
    """The widget, unless forced off, where the frontend has our view or it is forced on."""
    forced = os.environ.get(WIDGET_ENV, "").strip().lower()
    if forced in ("0", "false", "no", "off"):
        return False
    return forced in ("1", "true", "yes", "on") or _frontend_has_view()


_loading: asyncio.Future | None = None


def preload() -> None:
    """Start loading ipywidgets in the background (Pyodide loads a package of the site only
    when asked), so the first sign-in does not wait for it."""
    global _loading
    from .transports import in_pyodide

    if _loading is None and in_pyodide() and importlib.util.find_spec("ipywidgets") is None:
        _loading = asyncio.ensure_future(_load_in_pyodide())


async def prepare() -> None:
    """Before a sign-in shows anything: make ipywidgets importable where our view will draw it
    (bounded: past LOAD_TIMEOUT the plain HTML display is used)."""
    if not _wanted() or importlib.util.find_spec("ipywidgets") is not None:
        return
    preload()
    if _loading is not None:
        try:
            await asyncio.wait_for(asyncio.shield(_loading), LOAD_TIMEOUT)
        except Exception:  # noqa: BLE001 - no widget then: the HTML display says the same
            pass


async def _load_in_pyodide() -> None:
    import pyodide_js  # type: ignore[import-not-found]

    # The same route as a cell's `import ipywidgets`: the site's package lock, no network beyond it.
    await pyodide_js.loadPackagesFromImports("import ipywidgets")
    importlib.invalidate_caches()
    # Import it now, while the kernel is idle: the first sign-in would otherwise pay ~0.5 s of it
    # between Shift+Enter and opening the tab.
    import ipywidgets  # noqa: F401


def _frontend_has_view() -> bool:
    from .transports import in_pyodide

    if in_pyodide():
        from . import _page

        return _page.features().get("widget") is True  # the page says it registered our view
    if "VSCODE_PID" in os.environ or "VSCODE_CWD" in os.environ:
        return False  # VS Code loads widget views from a CDN, where ours is not
    return _labextension_installed()


def _labextension_installed() -> bool:
    """Our labextension next to the kernel's Python: the usual `pip install` into one environment."""
    try:
        from jupyter_core.paths import jupyter_path

        roots = jupyter_path("labextensions")
    except ImportError:
        roots = [str(Path(sys.prefix) / "share" / "jupyter" / "labextensions")]
    return any((Path(root) / MODULE / "package.json").is_file() for root in roots)


def _widget_class():
    """Defined on first use: importing ipywidgets costs time a kernel without sign-in never pays."""
    global _SignInWidget
    if _SignInWidget is not None:
        return _SignInWidget
    import ipywidgets
    from traitlets import Bool, Float, Unicode

    version = f"^{__version__}"

    class SignInWidget(ipywidgets.DOMWidget):
        """State only: the view (TypeScript) decides how it looks."""

        _model_name = Unicode("SignInModel").tag(sync=True)
        _model_module = Unicode(MODULE).tag(sync=True)
        _model_module_version = Unicode(version).tag(sync=True)
        _view_name = Unicode("SignInView").tag(sync=True)
        _view_module = Unicode(MODULE).tag(sync=True)
        _view_module_version = Unicode(version).tag(sync=True)

        #: waiting | popup-blocked | slowed | signed-in | denied | expired | cancelled | error
        state = Unicode("waiting").tag(sync=True)
        user_code = Unicode("").tag(sync=True)
        verification_uri = Unicode("").tag(sync=True)
        #: The page to open (verification_uri_complete when the provider sent one).
        open_url = Unicode("").tag(sync=True)
        #: When the code expires, in ms since the epoch (the view counts down to it).
        expires_at = Float(0.0).tag(sync=True)
        #: What the automatic tab did ("opened in a new tab", "blocked: ...").
        note = Unicode("").tag(sync=True)
        #: The live status line.
        status = Unicode("").tag(sync=True)
        #: The outcome's sentence in the final states.
        message = Unicode("").tag(sync=True)
        #: Names this sign-in in the view's Cancel message; not a secret.
        flow = Unicode("").tag(sync=True)
        #: The kernel's machine has no browser (a remote server): the view opens the page in the
        #: user's browser, while the Shift+Enter still allows a new tab, once per sign-in.
        page_open = Bool(False).tag(sync=True)

    _SignInWidget = SignInWidget
    return SignInWidget


_SignInWidget = None


class WidgetPresenter:
    """Shows a sign-in as the widget (see the module docstring)."""

    def __init__(self, on_cancel: Callable[[str], object] | None = None) -> None:
        self._cls = _widget_class()  # ImportError here means: no widget, use HTML
        self._on_cancel = on_cancel or _cancel_current
        self._widget = None
        self._handle = None
        self._authorization: DeviceAuthorization | None = None
        self._note = ""
        self._status = ""

    def waiting(self, authorization: DeviceAuthorization, flow: str) -> None:
        from IPython.display import display

        self._authorization = authorization
        self._status = status_text("pending", "")
        self._widget = self._cls(
            state="waiting",
            user_code=authorization.user_code,
            verification_uri=authorization.verification_uri,
            open_url=authorization.open_url,
            expires_at=(time.time() + authorization.expires_in) * 1000.0,
            status=self._status,
            flow=flow,
        )
        self._widget.on_msg(self._on_message)
        self._handle = display(self._bundle(), raw=True, metadata=WAITING_METADATA, display_id=True)

    def show_again(self) -> None:
        from IPython.display import display

        if self._widget is not None and self._handle is not None:
            # A second view of the same widget; the same display id keeps both outputs in step.
            display(self._bundle(), raw=True, metadata=WAITING_METADATA, display_id=self._handle.display_id)

    def _bundle(self) -> dict:
        assert self._authorization is not None and self._widget is not None
        bundle: dict = waiting_bundle(self._authorization, self._note, self._status)
        bundle[WIDGET_MIME] = self._widget._repr_mimebundle_()[WIDGET_MIME]
        return bundle

    def _on_message(self, _widget, content, _buffers) -> None:
        # At once in ipykernel 7.4; elsewhere after the cell ended, when it is harmless (no flow).
        if isinstance(content, dict) and content.get("event") == "cancel" and self._widget is not None:
            self._on_cancel(self._widget.flow)

    def opened(self, opened: bool, reason: str) -> None:
        from .browser_open import NO_DESKTOP

        self._note = open_note(opened, reason)
        if self._widget is not None:
            with self._widget.hold_sync():
                if reason == NO_DESKTOP:
                    # Not the kernel's machine but the user's browser, which the view is in.
                    self._widget.note = "Open the sign-in page to sign in."
                    self._widget.page_open = True
                else:
                    self._widget.note = self._note
                if not opened:
                    self._widget.state = "popup-blocked"

    def status(self, kind: str, detail: str) -> None:
        self._status = status_text(kind, detail)
        if self._widget is not None:
            with self._widget.hold_sync():
                self._widget.status = self._status
                if kind == "slow_down" and self._widget.state == "waiting":
                    self._widget.state = "slowed"

    def signed_in(self, summary: str) -> None:
        self._end("signed-in", summary)

    def failed(self, message: str, kind: str) -> None:
        self._end(kind, message)

    def _end(self, kind: str, message: str) -> None:
        widget, self._widget = self._widget, None
        if widget is not None:
            with widget.hold_sync():
                widget.state = kind
                widget.message = message
                widget.user_code = ""
                widget.verification_uri = ""
                widget.open_url = ""
        if self._handle is not None:
            self._handle.update(outcome_bundle(kind, message), raw=True)
        if widget is not None:
            layout = getattr(widget, "layout", None)
            widget.close()
            if layout is not None:
                layout.close()  # its own model: left open, saved widget state would keep it


def _cancel_current(flow: str) -> None:
    from . import current_session

    current_session().cancel_sign_in(flow)
