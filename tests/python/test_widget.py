"""The sign-in widget's Python side: what it displays, what it syncs, and what is left at the end."""

import json

import pytest

from fakes import device_reply
from jupyterlite_auth import widget as widget_module
from jupyterlite_auth.device_flow import parse_device_authorization
from jupyterlite_auth.display import failure_kind, outcome_bundle
from jupyterlite_auth.errors import AccessDenied, ExpiredToken, InvalidClient, SignInCancelled, SignInTimeout
from jupyterlite_auth.widget import WIDGET_MIME, WidgetPresenter

pytest.importorskip("ipywidgets")


class Handle:
    def __init__(self, bundle, metadata=None):
        self.bundles = [bundle]
        self.metadata = [metadata or {}]

    def update(self, bundle, raw=False, metadata=None):
        assert raw
        self.bundles.append(bundle)
        self.metadata.append(metadata or {})


@pytest.fixture
def shown(monkeypatch):
    """Capture what the presenter displays instead of needing a live kernel."""
    handles = []

    def display(bundle, raw=False, display_id=False, metadata=None):
        assert raw and display_id
        handles.append(Handle(bundle, metadata))
        return handles[-1]

    monkeypatch.setattr("IPython.display.display", display)
    return handles


def authorization(**overrides):
    return parse_device_authorization(device_reply(**overrides))


def test_waiting_displays_the_widget_with_an_escaped_fallback(shown):
    presenter = WidgetPresenter()
    presenter.waiting(authorization(user_code="<b>AB&CD</b>"), "0123456789abcdef")
    bundle = shown[0].bundles[0]
    model_id = bundle[WIDGET_MIME]["model_id"]
    assert model_id == presenter._widget.model_id
    assert "&lt;b&gt;AB&amp;CD&lt;/b&gt;" in bundle["text/html"] and "<b>AB" not in bundle["text/html"]
    assert "<b>AB&CD</b>" in bundle["text/plain"]
    state = presenter._widget.get_state()
    assert state["_view_module"] == "jupyterlite-auth" and state["_view_name"] == "SignInView"
    assert state["state"] == "waiting" and state["user_code"] == "<b>AB&CD</b>"
    assert state["flow"] == "0123456789abcdef"
    assert state["open_url"].startswith("https://id.example.org/oidc/device?user_code=")
    assert "DEVICE-CODE-SECRET" not in json.dumps(state) + json.dumps(bundle)
    # the mark by which the page removes the code if the kernel dies first (src/stale-signin.ts)
    assert shown[0].metadata[0] == {"jupyterlite_auth": {"waiting": True}}


def test_blocked_and_slowed_states(shown):
    presenter = WidgetPresenter()
    presenter.waiting(authorization(), "f" * 16)
    presenter.status("slow_down", "polling every 10 s")
    assert presenter._widget.state == "slowed" and "poll less often" in presenter._widget.status
    presenter.opened(False, "blocked")
    assert presenter._widget.state == "popup-blocked"
    assert presenter._widget.note == "Your browser blocked the new tab: open the sign-in page yourself."
    presenter.status("slow_down", "polling every 15 s")
    assert presenter._widget.state == "popup-blocked"  # the next step for the user stays in view


def test_opened_keeps_waiting_and_says_so(shown):
    presenter = WidgetPresenter()
    presenter.waiting(authorization(), "f" * 16)
    presenter.opened(True, "")
    assert presenter._widget.state == "waiting"
    assert presenter._widget.note == "The sign-in page opened in a new tab."


def test_signed_in_replaces_the_widget_by_the_outcome_and_forgets_the_code(shown):
    presenter = WidgetPresenter()
    presenter.waiting(authorization(), "f" * 16)
    widget = presenter._widget
    presenter.signed_in("Signed in as Ada Lovelace until 12:00")
    final = shown[0].bundles[-1]
    assert WIDGET_MIME not in final
    assert final["text/plain"] == "✓ Signed in as Ada Lovelace until 12:00"
    assert "BCDF-GHJK" not in json.dumps(final)
    assert shown[0].metadata[-1] == {}  # the outcome is not a live code
    assert widget.state == "signed-in" and widget.user_code == "" and widget.open_url == ""
    assert widget.comm is None  # closed: no widget state left to save
    assert widget.layout.comm is None  # nor its layout's


@pytest.mark.parametrize(
    ("error", "kind", "title"),
    [
        (AccessDenied("access_denied"), "denied", "Sign-in denied."),
        (ExpiredToken("expired_token"), "expired", "The code expired."),
        (SignInTimeout(600), "expired", "The code expired."),
        (SignInCancelled(), "cancelled", "Sign-in cancelled."),
        (InvalidClient("invalid_client"), "error", "Sign-in failed."),
    ],
)
def test_each_failure_ends_in_its_own_state(shown, error, kind, title):
    assert failure_kind(error) == kind
    presenter = WidgetPresenter()
    presenter.waiting(authorization(), "f" * 16)
    widget = presenter._widget
    presenter.failed(str(error), kind)
    final = shown[0].bundles[-1]
    assert widget.state == kind and widget.message == str(error) and widget.user_code == ""
    assert final["text/plain"] == title and "BCDF-GHJK" not in json.dumps(final)


def test_a_failure_before_the_code_shows_nothing(shown):
    presenter = WidgetPresenter()
    presenter.failed("The sign-in provider could not be reached.", "error")
    assert shown == []  # the exception's one line says it all


def test_a_late_cancel_message_cancels_its_own_flow(shown):
    cancelled = []
    presenter = WidgetPresenter(on_cancel=cancelled.append)
    presenter.waiting(authorization(), "a" * 16)
    presenter._on_message(presenter._widget, {"event": "cancel"}, [])
    presenter._on_message(presenter._widget, {"event": "other"}, [])
    presenter._on_message(presenter._widget, "cancel", [])
    assert cancelled == ["a" * 16]


def test_outcome_text_is_escaped():
    bundle = outcome_bundle("signed-in", "Signed in as <script>alert(1)</script>")
    assert "<script>" not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("off", False), ("1", True), ("yes", True)])
def test_the_environment_forces_the_choice(monkeypatch, value, expected):
    monkeypatch.setenv(widget_module.WIDGET_ENV, value)
    monkeypatch.setattr(widget_module, "_labextension_installed", lambda: not expected)
    assert widget_module.view_available() is expected


def test_vs_code_gets_the_html_display(monkeypatch):
    monkeypatch.delenv(widget_module.WIDGET_ENV, raising=False)
    monkeypatch.setenv("VSCODE_PID", "1234")
    monkeypatch.setattr(widget_module, "_labextension_installed", lambda: True)
    assert widget_module.view_available() is False


def test_the_labextension_next_to_the_kernel_decides(monkeypatch, tmp_path):
    monkeypatch.delenv(widget_module.WIDGET_ENV, raising=False)
    monkeypatch.delenv("VSCODE_PID", raising=False)
    monkeypatch.delenv("VSCODE_CWD", raising=False)
    monkeypatch.setattr("jupyter_core.paths.jupyter_path", lambda *parts: [str(tmp_path)])
    assert widget_module.view_available() is False
    (tmp_path / "jupyterlite-auth").mkdir()
    (tmp_path / "jupyterlite-auth" / "package.json").write_text("{}")
    assert widget_module.view_available() is True


def test_show_again_adds_a_view_of_the_same_widget(shown, monkeypatch):
    ids = []

    def display(bundle, raw=False, display_id=False, metadata=None):
        ids.append(display_id)
        shown.append(Handle(bundle, metadata))
        return shown[-1]

    monkeypatch.setattr("IPython.display.display", display)
    presenter = WidgetPresenter()
    presenter.waiting(authorization(), "f" * 16)
    presenter._handle.display_id = "d-1"
    presenter.show_again()
    assert ids == [True, "d-1"]
    assert shown[1].bundles[0][WIDGET_MIME] == shown[0].bundles[0][WIDGET_MIME]


def test_without_ipywidgets_the_html_display_says_how_to_get_the_widget(monkeypatch):
    import importlib.util

    from jupyterlite_auth.display import waiting_bundle

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(widget_module, "_wanted", lambda: True)  # our view is installed
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ipywidgets" else real_find_spec(name, *a)
    )
    assert widget_module.missing_ipywidgets() is True
    bundle = waiting_bundle(authorization(), "", "", widget_module.MISSING_IPYWIDGETS)
    assert bundle["text/plain"].endswith("install ipywidgets where this kernel runs: pip install ipywidgets")
    assert '<div class="jla-hint"' in bundle["text/html"]
    monkeypatch.setattr(widget_module, "_wanted", lambda: False)  # no view: HTML is all there is
    assert widget_module.missing_ipywidgets() is False
    assert "jla-hint" not in waiting_bundle(authorization(), "", "")["text/html"]


def test_a_kernel_without_a_browser_asks_the_view_to_open_the_page(shown):
    from jupyterlite_auth.browser_open import NO_DESKTOP

    presenter = WidgetPresenter()
    presenter.waiting(authorization(), "f" * 16)
    assert presenter._widget.page_open is False
    presenter.opened(False, NO_DESKTOP)
    widget = presenter._widget
    assert widget.page_open is True and widget.state == "popup-blocked"
    assert widget.note == "Open the sign-in page to sign in."  # not the server's lack of a browser
    other = WidgetPresenter()
    other.waiting(authorization(), "e" * 16)
    other.opened(False, "blocked")
    assert other._widget.page_open is False
