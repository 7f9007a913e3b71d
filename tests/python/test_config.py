import pytest

from jupyterlite_auth.config import AuthConfig, resolve, with_offline_access
from jupyterlite_auth.errors import ConfigError


def test_defaults_with_site_issuer():
    c = resolve(environ={}, site={"issuer": "https://id.example.org/oidc"})
    assert c == AuthConfig("https://id.example.org/oidc", "cli-device-client", "openid profile email", False)


def test_precedence_arguments_then_environment_then_site():
    env = {"OIDC_ISSUER": "https://env.example/oidc", "OIDC_CLIENT_ID": "env-client", "OIDC_SCOPE": "openid"}
    site = {"issuer": "https://site.example/oidc", "clientId": "site-client", "scope": "openid email"}
    assert resolve(environ=env, site=site).issuer == "https://env.example/oidc"
    assert resolve(environ=env, site=site).client_id == "env-client"
    c = resolve(issuer="https://arg.example/oidc", client_id="arg", scope="openid profile", environ=env, site=site)
    assert (c.issuer, c.client_id, c.scope, c.scope_explicit) == ("https://arg.example/oidc", "arg", "openid profile", True)
    assert resolve(environ={}, site=site).client_id == "site-client"


@pytest.mark.parametrize(
    "env, issuer",
    [
        ({"API_HOST": "platform.example.org"}, "https://platform.example.org/oidc"),
        ({"API_HOST": "127.0.0.1", "API_PORT": "8700", "API_SECURE": "false"}, "http://127.0.0.1:8700/oidc"),
        ({"API_HOST": "p.example", "API_PORT": "443", "API_SECURE": "true"}, "https://p.example/oidc"),
        ({"API_HOST": "p.example", "API_PORT": "80", "API_SECURE": "False"}, "http://p.example/oidc"),
    ],
)
def test_issuer_derived_from_api_client_environment(env, issuer):
    assert resolve(environ=env, site={"issuer": "https://site.example/oidc"}).issuer == issuer


def test_oidc_issuer_beats_api_host_and_bad_api_host_ignored_when_not_needed():
    env = {"OIDC_ISSUER": "https://env.example/oidc", "API_HOST": "bad host!"}
    assert resolve(environ=env).issuer == "https://env.example/oidc"


@pytest.mark.parametrize(
    "kwargs, env, site, named",
    [
        ({}, {}, {}, "No OpenID Connect issuer"),
        ({"issuer": "id.example.org"}, {}, {}, "argument issuer"),
        ({}, {"OIDC_ISSUER": "ftp://x/oidc"}, {}, "OIDC_ISSUER"),
        ({}, {}, {"issuer": "https://x/oidc?a=1"}, "site setting issuer"),
        ({}, {}, {"issuer": 42}, "site setting issuer must be a string"),
        ({}, {"OIDC_ISSUER": "https://id.example:99999/oidc"}, {}, "OIDC_ISSUER .* has port '99999', which is not a number"),
        ({"issuer": "https://id.example:80a"}, {}, {}, "argument issuer .* has port '80a'"),
        ({"issuer": "https://id.example:0/oidc"}, {}, {}, "argument issuer .* has port 0, which no server listens on"),
        ({"issuer": "https://:8080/oidc"}, {}, {}, "argument issuer .* has no valid host name"),
        ({"issuer": "https://id example/oidc"}, {}, {}, "argument issuer .* has no valid host name"),
        ({}, {"API_HOST": "x.example", "API_PORT": "99999"}, {}, "API_PORT"),
        ({}, {"API_HOST": "x.example", "API_SECURE": "maybe"}, {}, "API_SECURE"),
        ({}, {"API_HOST": "https://x.example"}, {}, "API_HOST"),
        ({"issuer": "https://x/oidc", "client_id": "has space"}, {}, {}, "argument client_id"),
        ({"issuer": "https://x/oidc", "scope": 'openid "bad'}, {}, {}, "argument scope"),
    ],
)
def test_bad_settings_name_themselves(kwargs, env, site, named):
    with pytest.raises(ConfigError, match=named):
        resolve(**kwargs, environ=env, site=site)


def test_offline_access_only_when_listed_and_scope_is_default():
    default = resolve(environ={}, site={"issuer": "https://x/oidc"})
    assert with_offline_access(default, ("openid", "offline_access")) == "openid profile email offline_access"
    assert with_offline_access(default, ("openid",)) == "openid profile email"
    assert with_offline_access(default, None) == "openid profile email"
    explicit = resolve(scope="openid", environ={}, site={"issuer": "https://x/oidc"})
    assert with_offline_access(explicit, ("offline_access",)) == "openid"


@pytest.mark.parametrize("name", ["issuer", "client_id", "scope"])
def test_an_empty_argument_is_an_error_not_a_silent_default(name):
    with pytest.raises(ConfigError, match=f"argument {name} is empty"):
        resolve(**{name: " "}, environ={}, site={"issuer": "https://x/oidc"})


def test_a_password_in_the_issuer_is_not_repeated_back():
    with pytest.raises(ConfigError) as caught:
        resolve(issuer="http://user:s3cret@127.0.0.1:9300/oidc", environ={}, site={})
    assert "must not carry a query, fragment or credentials: 'http://user:***@127.0.0.1:9300/oidc'" in str(caught.value)
    assert "s3cret" not in str(caught.value)
