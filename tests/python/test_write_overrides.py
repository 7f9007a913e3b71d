"""scripts/lite/write_overrides.py: the reference site's settings, and extra trusted host pages."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lite" / "write_overrides.py"


def run(tmp_path, *args):
    out = tmp_path / "overrides.json"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(out), *args], capture_output=True, text=True
    )
    return done, (json.loads(out.read_text())["jupyterlite-auth:plugin"] if done.returncode == 0 else None)


def test_the_dev_platform_is_the_issuer_and_the_trusted_host(tmp_path):
    done, settings = run(tmp_path, "--platform", "http://127.0.0.1:8700")
    assert done.returncode == 0, done.stderr
    assert settings["issuer"] == "http://127.0.0.1:8700/oidc"
    assert settings["allowedHostOrigins"] == ["http://127.0.0.1:8700"]


def test_extra_host_origins_are_added_once_in_order(tmp_path):
    done, settings = run(
        tmp_path,
        "--platform", "http://127.0.0.1:8700",
        "--allow-host-origin", "https://my-host.example",
        "--allow-host-origin", "http://127.0.0.1:8700",
        "--allow-host-origin", "http://[::1]:9000",
    )
    assert done.returncode == 0, done.stderr
    assert settings["allowedHostOrigins"] == ["http://127.0.0.1:8700", "https://my-host.example", "http://[::1]:9000"]


@pytest.mark.parametrize(
    "origin, reason",
    [
        ("http://localhost:9000/", "did you mean 'http://localhost:9000'"),
        ("https://my-host.example:443", "did you mean 'https://my-host.example'"),
        ("http://localhost:99999", "not a URL"),
        ("my-host.example", "not an http(s) origin"),
        ("*", "'*' is not an origin: name each trusted host page exactly"),
    ],
)
def test_a_wrong_origin_stops_the_build_with_the_reason(tmp_path, origin, reason):
    done, _ = run(tmp_path, "--platform", "http://127.0.0.1:8700", "--allow-host-origin", origin)
    assert done.returncode == 2
    assert f"--allow-host-origin {origin!r} is" in done.stderr and reason in done.stderr
