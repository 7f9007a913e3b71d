import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "integration"))
sys.path.insert(0, str(Path(__file__).parents[2] / "py"))

from fakes import FakeClock, ScriptedTransport  # noqa: E402
from jupyterlite_auth import discovery, jwks  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_caches():
    discovery.clear_cache()
    jwks.clear_cache()
    yield
    discovery.clear_cache()
    jwks.clear_cache()


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def transport(clock):
    return ScriptedTransport(clock)
