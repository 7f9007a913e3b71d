from jupyterlite_auth import errors
from jupyterlite_auth.errors import (
    AccessDenied,
    ExpiredToken,
    ProviderError,
    SignInCancelled,
    SignInTimeout,
    provider_error,
)


def test_notebook_shows_one_line_not_a_traceback(monkeypatch):
    monkeypatch.setattr(errors, "in_notebook", lambda: True)
    error = provider_error("access_denied", "End-User aborted interaction", endpoint="token")
    assert isinstance(error, AccessDenied)
    assert error._render_traceback_() == [
        "AccessDenied: The sign-in provider's token endpoint answered access_denied (End-User aborted"
        " interaction). Sign-in was cancelled or declined in the browser. Run the cell again to retry."
    ]


def test_how_to_retry_is_worded_for_a_notebook_or_a_script(monkeypatch):
    monkeypatch.setattr(errors, "in_notebook", lambda: False)
    assert str(SignInCancelled()) == "Sign-in was cancelled. Call authenticate() again to sign in."
    assert str(SignInTimeout(600)).endswith("not confirmed within 600 s. Call authenticate() again for a new code.")
    assert str(provider_error("expired_token")).endswith("Call authenticate() again for a new code.")
    assert str(provider_error("access_denied")).endswith("Call authenticate() again to retry.")
    monkeypatch.setattr(errors, "in_notebook", lambda: True)
    assert str(SignInCancelled()) == "Sign-in was cancelled. Run the cell again to sign in."
    assert str(ExpiredToken("expired_token")).endswith("Run the cell again for a new code.")
    assert "cell" not in str(provider_error("invalid_grant"))


def test_outside_a_kernel_is_not_a_notebook():
    # pytest runs outside any Jupyter kernel (an IPython shell without one counts as a terminal)
    assert errors.in_notebook() is False


def test_unknown_codes_keep_the_providers_words():
    error = provider_error("weird_error", "")
    assert type(error) is ProviderError and "weird_error" in str(error)


def test_unreachable_messages_tell_a_dead_server_from_a_refusal():
    from jupyterlite_auth.http import get_request
    from jupyterlite_auth.transports.browser import unreachable_message

    discovery = get_request("https://id.example.org/odic/.well-known/openid-configuration", purpose="discovery")
    site = "https://lite.example.org"
    refused = unreachable_message(discovery, site, "Failed to fetch", answered=True)
    assert "The server at https://id.example.org answers, so either it does not allow cross-origin requests (CORS)" in refused
    assert f"allow the origin {site}" in refused and "Check the issuer setting too" in refused
    dead = unreachable_message(discovery, site, "Failed to fetch", answered=False)
    assert "does not answer: it is down, or unreachable from this browser" in dead and "CORS" not in dead
    unknown = unreachable_message(discovery, site, "Failed to fetch")
    assert "Either the server at https://id.example.org is down or unreachable, or it does not allow" in unknown


def test_every_error_a_user_can_see_is_importable_from_the_package():
    import inspect

    import jupyterlite_auth
    from jupyterlite_auth import host

    raised = [
        cls
        for module in (errors, host)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, errors.AuthError) and cls.__module__ == module.__name__
    ]
    missing = [cls.__name__ for cls in raised if cls.__name__ not in jupyterlite_auth.__all__]
    assert missing == []
