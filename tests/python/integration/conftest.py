import shutil

import pytest

from platform_server import DevPlatform, SERVER


def _node_ready():
    return shutil.which("node") and SERVER.exists() and (SERVER.parent / "node_modules").exists()


@pytest.fixture(scope="module")
def platform():
    if not _node_ready():
        pytest.fail("the dev platform is not installed: run `make test` (it runs npm ci in dev-platform/)")
    server = DevPlatform(POLL_INTERVAL="1").start()
    yield server
    server.stop()
