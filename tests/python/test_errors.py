from jupyterlite_auth.errors import AccessDenied, ProviderError, provider_error


def test_notebook_shows_one_line_not_a_traceback():
    error = provider_error("access_denied", "End-User aborted interaction", endpoint="token")
    assert isinstance(error, AccessDenied)
    assert error._render_traceback_() == [
        "AccessDenied: The sign-in provider's token endpoint answered access_denied (End-User aborted"
        " interaction). Sign-in was cancelled or declined in the browser. Run the cell again to retry."
    ]


def test_unknown_codes_keep_the_providers_words():
    error = provider_error("weird_error", "")
    assert type(error) is ProviderError and "weird_error" in str(error)
