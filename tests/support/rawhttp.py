"""A tiny raw HTTP client for byte-level assertions (status, headers, exact body bytes)."""

from __future__ import annotations

import http.client
import json as jsonlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    def json(self) -> Any:
        return jsonlib.loads(self.body)


def request(
    method: str,
    url: str,
    *,
    json: Any = None,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> RawResponse:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = dict(headers or {})
    if json is not None:
        data = jsonlib.dumps(json).encode()
        headers.setdefault("Content-Type", "application/json")
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        return RawResponse(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


def post(url: str, **kwargs: Any) -> RawResponse:
    return request("POST", url, **kwargs)


def control(url: str, method: str, path: str, **kwargs: Any) -> RawResponse:
    """One call to the control API of the server at `url`, answer as sent (status included).

    Sends `Content-Type: application/json` as every control client must. The package's
    `mocksrv.pytest_plugin.MockSrv` is the handle tests of the product use; this is for tests of
    the control API's own wire (statuses, refusals).
    """
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return request(method, f"{url.rstrip('/')}/_mock{path}", headers=headers, **kwargs)
