"""Bedrock wire details: the `application/vnd.amazon.eventstream` framing and SigV4's shape.

An event-stream message is a prelude (total length, headers length, the prelude's CRC32), the
headers (name length, name, type 7 = string, value length, value), the payload and the whole
message's CRC32, all big-endian; botocore's EventStreamBuffer checks both checksums.
"""

from __future__ import annotations

import re
import struct
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

from ...errors import MockError
from ...model import JSON, ErrorKind, SSEEvent
from ..base import AuthScheme, Incoming, dumps

STRING_HEADER = 7
STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream"
SIGV4 = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[A-Za-z0-9]{1,128})/(?P<date>\d{8})/(?P<region>[a-z0-9-]{1,32})"
    r"/(?P<service>[a-z0-9-]{1,32})/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;-]{1,1024}),"
    r" ?Signature=[0-9a-f]{64}"
)
AMZ_DATE = re.compile(r"\d{8}T\d{6}Z")


def frame(headers: Mapping[str, str], payload: bytes) -> bytes:
    head = b"".join(_header(name, value) for name, value in headers.items())
    prelude = struct.pack(">II", 12 + len(head) + len(payload) + 4, len(head))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + head + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _header(name: str, value: str) -> bytes:
    key, text = name.encode(), value.encode()
    return struct.pack(">B", len(key)) + key + struct.pack(">BH", STRING_HEADER, len(text)) + text


def event(event_type: str, body: JSON, content: bool = False, terminal: bool = False) -> SSEEvent:
    data = dumps(body)
    headers = {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"}
    return SSEEvent(data, event_type, content=content, terminal=terminal, raw=frame(headers, data.encode()))


def exception(exception_type: str, message: str) -> SSEEvent:
    data = dumps({"message": message})
    headers = {
        ":exception-type": exception_type,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return SSEEvent(data, exception_type, raw=frame(headers, data.encode()))


def request_id(seed: str) -> str:
    """x-amzn-RequestId: a UUID."""
    return str(uuid.UUID(hex=seed[:32].ljust(32, "0"), version=4))


@dataclass(frozen=True)
class BedrockAuth(AuthScheme):
    """A SigV4 `Authorization` (its shape checked, not its signature: the secret is unknown) or a
    Bedrock API key as `Authorization: Bearer`. The credential is the access key id or the key."""

    bearer: bool = True

    def secret_headers(self) -> frozenset[str]:
        return frozenset({"authorization", "x-amz-security-token"})

    def credential(self, incoming: Incoming) -> str | None:
        header = incoming.headers.get("authorization", "").strip()
        if header.startswith("AWS4-HMAC-SHA256"):
            return sigv4_key(header, incoming.headers.get("x-amz-date", ""))
        return super().credential(incoming)


def sigv4_key(header: str, amz_date: str) -> str:
    match = SIGV4.fullmatch(header)
    if match is None:
        raise signature_error(
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters "
            "(AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/bedrock/aws4_request)."
        )
    if not AMZ_DATE.fullmatch(amz_date) or not amz_date.startswith(match["date"]):
        raise signature_error("The request must carry an X-Amz-Date header matching the credential's date.")
    signed = match["signed"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        raise signature_error("The SignedHeaders must include host and x-amz-date.")
    if match["service"] != "bedrock":
        raise signature_error(
            f"Credential should be scoped to correct service: 'bedrock', not '{match['service']}'."
        )
    return match["key"]


def signature_error(message: str) -> MockError:
    return MockError(ErrorKind.AUTH, message, detail="signature")
