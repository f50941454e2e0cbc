"""The one mocksrv clock: real time plus an offset the control API moves, reset by /_mock/reset."""

from __future__ import annotations

import time

import pytest
import rawhttp

from mocksrv.config import ServerConfig
from mocksrv.testing import MockServer


class Live:
    def __init__(self, server: MockServer):
        self.url = server.url

    def control(self, method: str, path: str, **kwargs) -> rawhttp.RawResponse:
        return rawhttp.control(self.url, method, path, **kwargs)


@pytest.fixture
def live():
    with MockServer(ServerConfig(port=0, bundled_fixtures=False)) as server:
        yield Live(server)


def test_clock_starts_at_real_time(live):
    shown = live.control("GET", "/clock").json()
    assert shown["offset_s"] == 0
    assert abs(shown["now"] - time.time()) < 5


def test_advance_moves_the_clock_and_reset_puts_it_back(live):
    moved = live.control("POST", "/clock", json={"advance_s": 3600}).json()
    assert moved["offset_s"] == 3600
    assert abs(moved["now"] - (time.time() + 3600)) < 5
    live.control("POST", "/clock", json={"advance_s": 0.5})
    assert live.control("GET", "/clock").json()["offset_s"] == 3600.5
    live.control("POST", "/reset", json={})
    assert live.control("GET", "/clock").json()["offset_s"] == 0


@pytest.mark.parametrize(
    "body",
    [{"advance_s": -1}, {"advance_s": "soon"}, {"advance_s": True}, {"advance_s": 1e12}, {}, []],
)
def test_bad_advance_is_a_400_that_moves_nothing(live, body):
    answer = live.control("POST", "/clock", json=body)
    assert answer.status == 400
    assert "advance_s" in answer.json()["error"]["message"]
    assert live.control("GET", "/clock").json()["offset_s"] == 0
