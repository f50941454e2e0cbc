"""Every bad request in the corpus gets a 4xx in the provider's own error envelope.

Never a 5xx, never aiohttp's 422 or a plain-text body, and the server keeps answering.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterator

import pytest
import rawhttp
from corpus import SMALL_LIMIT, BadRequest, corpus

from mocksrv.config import ServerConfig
from mocksrv.schemas import SchemaRegistry
from mocksrv.testing import MockServer

SCHEMAS = SchemaRegistry()
CORPUS = corpus()


def test_corpus_is_large_and_covers_every_dialect():
    assert len(CORPUS) >= 500
    assert {c.schema_dir for c in CORPUS} >= {"openai", "responses", "anthropic", "gemini", "wrapped"}


class Errors(logging.Handler):
    """Every ERROR logged by mocksrv or aiohttp's server while the corpus runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


ERRORS = Errors()


@pytest.fixture(scope="module", autouse=True)
def logged_errors() -> Iterator[Errors]:
    loggers = [logging.getLogger(name) for name in ("mocksrv", "aiohttp.server", "aiohttp.web")]
    for logger in loggers:
        logger.addHandler(ERRORS)
    yield ERRORS
    for logger in loggers:
        logger.removeHandler(ERRORS)


@pytest.fixture(scope="module")
def limited() -> Iterator[MockServer]:
    with MockServer(ServerConfig(port=0, max_body_bytes=SMALL_LIMIT)) as live:
        yield live


def send(server: MockServer, case: BadRequest) -> rawhttp.RawResponse:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    payload = case.payload()
    try:
        if case.chunked:
            connection.request(
                case.method, case.path, body=iter([payload]), headers=case.headers, encode_chunked=True
            )
        else:
            connection.request(case.method, case.path, body=payload, headers=case.headers)
        response = connection.getresponse()
        headers = {k.lower(): v for k, v in response.getheaders()}
        return rawhttp.RawResponse(response.status, headers, response.read())
    finally:
        connection.close()


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_bad_request_gets_provider_error(server, limited, case: BadRequest):
    response = send(limited if case.limited else server, case)
    assert 400 <= response.status < 500 and response.status != 422, (response.status, response.body[:300])
    if case.statuses:
        assert response.status in case.statuses, (response.status, response.body[:300])
    assert response.headers["content-type"].split(";")[0] == "application/json", response.headers
    body = json.loads(response.body)
    assert SCHEMAS.violations(f"{case.schema_dir}/error", body) == [], body
    assert len(response.body) < 16 * 1024, "an error never echoes a huge input back"


def test_server_still_healthy_after_corpus(server, limited, logged_errors):
    for live in (server, limited):
        assert rawhttp.request("GET", live.url + "/_mock/health").status == 200
        assert rawhttp.request("GET", live.url + "/_mock/requests").status == 200  # journal serialises
    assert [r.getMessage() for r in logged_errors.records] == []  # no traceback anywhere
