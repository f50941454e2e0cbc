from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer

TESTS = Path(__file__).parent
TEST_FIXTURES = TESTS / "data" / "fixtures"


@pytest.fixture(scope="session")
def server() -> Iterator[MockServer]:
    """One shared server with the bundled fixtures plus tests/data/fixtures."""
    with MockServer(ServerConfig(port=0, fixture_dirs=(TEST_FIXTURES,))) as live:
        yield live


@pytest.fixture
def make_server() -> Iterator:
    """Start servers with special settings (strict, scenario, keys...); stopped after the test."""
    started: list[MockServer] = []

    def start(**overrides) -> MockServer:
        overrides.setdefault("port", 0)
        overrides.setdefault("fixture_dirs", (TEST_FIXTURES,))
        live = MockServer(ServerConfig(**overrides)).start()
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def key() -> str:
    """A fresh API key per test: the key is the session, so tests never share cursors."""
    return f"sk-test-{uuid.uuid4().hex[:12]}"
