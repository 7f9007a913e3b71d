"""The build-time check of the plugin's settings (lite_addon.py) against the real schema."""

import json
from pathlib import Path

import pytest

from jupyterlite_auth.lite_addon import PLUGIN_ID, check_lite_dir, settings_problems

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "schema" / "plugin.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())


def test_the_reference_settings_pass():
    good = {
        "issuer": "https://platform.example.org/oidc",
        "clientId": "cli-device-client",
        "scope": "openid",
        "autoOpen": False,
        "environ": {"API_HOST": "platform.example.org"},
        "allowedHostOrigins": ["https://platform.example.org"],
        "hostDataTimeout": 5000,
        "hostFetchTimeout": 30000,
    }
    assert settings_problems(good, SCHEMA, "overrides.json") == []


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"isuer": "x"}, "overrides.json: unknown setting 'isuer' of jupyterlite-auth:plugin (did you mean 'issuer'?)"),
        ({"zzz": 1}, "unknown setting 'zzz' of jupyterlite-auth:plugin (known: allowedHostOrigins, autoOpen,"),
        ({"autoOpen": "no"}, "overrides.json: setting 'autoOpen' must be boolean, got \"no\""),
        ({"hostDataTimeout": True}, "setting 'hostDataTimeout' must be integer, got true"),
        ({"hostDataTimeout": 10**9}, "setting 'hostDataTimeout' must be from 0 to 600000, got 1000000000"),
        ({"allowedHostOrigins": ["https://a", 3]}, "setting 'allowedHostOrigins' must hold only strings, got 3"),
        ({"environ": {"A": 1}}, "setting 'environ' entry 'A' must be a string"),
        ([1], "'jupyterlite-auth:plugin' must be an object of settings, got [1]"),
        ({"issuer": "127.0.0.1:9100/oidc"}, "overrides.json: The site setting issuer must be an absolute http(s) URL"),
        ({"issuer": "https://id.example.org/oidc?x=1"}, "must not carry a query, fragment or credentials"),
        (
            {"allowedHostOrigins": ["https://platform.example.org", "http://127.0.0.1:9305/"]},
            "overrides.json: setting 'allowedHostOrigins' entry 'http://127.0.0.1:9305/' is not an exact origin"
            " (did you mean 'http://127.0.0.1:9305'?)",
        ),
        ({"allowedHostOrigins": ["*"]}, "entry '*' is '*' is not an origin: name each trusted host page exactly"),
        ({"allowedHostOrigins": ["HTTPS://Platform.example.org:443"]}, "did you mean 'https://platform.example.org'?"),
        ({"allowedHostOrigins": ["platform.example.org"]}, "is not an http(s) origin such as https://my-host.example"),
    ],
)
def test_each_mistake_is_named(settings, message):
    problems = settings_problems(settings, SCHEMA, "overrides.json")
    assert len(problems) == 1 and message in problems[0]


def test_a_lite_dir_is_checked_file_by_file(tmp_path):
    (tmp_path / "overrides.json").write_text(json.dumps({PLUGIN_ID: {"isuer": "x"}, "other:plugin": {"a": 1}}))
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "overrides.json").write_text("{not json")
    (tmp_path / "jupyter-lite.json").write_text(
        json.dumps({"jupyter-config-data": {"settingsOverrides": {PLUGIN_ID: {"autoOpen": 1}}}})
    )
    problems = check_lite_dir(tmp_path, ["lab"], SCHEMA_PATH)
    assert len(problems) == 3
    assert any("overrides.json: unknown setting 'isuer'" in p for p in problems)
    assert any("lab/overrides.json: not valid JSON" in p for p in problems)
    assert any("jupyter-lite.json: setting 'autoOpen' must be boolean, got 1" in p for p in problems)


@pytest.mark.parametrize("key", ["jupyterlite-auth", "jupyterlite-auth:plugins", "jupyterlite_auth:plugin"])
def test_settings_under_a_mistyped_plugin_id_are_named(tmp_path, key):
    (tmp_path / "overrides.json").write_text(json.dumps({key: {"issuer": "https://id.example.org/oidc"}}))
    problems = check_lite_dir(tmp_path, [], SCHEMA_PATH)
    assert problems == [f"{tmp_path / 'overrides.json'}: settings under {key!r} are ignored: the plugin id is"
                        " 'jupyterlite-auth:plugin'"]


def test_settings_in_lite_plugin_settings_are_named(tmp_path):
    (tmp_path / "jupyter-lite.json").write_text(json.dumps({"jupyter-config-data": {
        "litePluginSettings": {PLUGIN_ID: {"issuer": "https://id.example.org/oidc"},
                               "@jupyterlite/pyodide-kernel-extension:kernel": {"pyodideUrl": "./p/pyodide.js"}}}}))
    problems = check_lite_dir(tmp_path, [], SCHEMA_PATH)
    assert len(problems) == 1
    assert "litePluginSettings.jupyterlite-auth:plugin is ignored" in problems[0]
    assert "put these settings in overrides.json under 'jupyterlite-auth:plugin'" in problems[0]


def test_other_plugins_are_left_alone(tmp_path):
    (tmp_path / "overrides.json").write_text(json.dumps({
        PLUGIN_ID: {"issuer": "https://id.example.org/oidc"},
        "@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
        "jupyterlab-auth-other:plugin": {}}))
    assert check_lite_dir(tmp_path, [], SCHEMA_PATH) == []
