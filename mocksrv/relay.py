"""The `relay` profile: errors as new-api / one-api relays send them (docs/scenarios.md).

Any OpenAI-style dialect can answer like a relay: a scenario's `profile: relay`, or the
dialect named in `--relay-profile`. Then
- every error message ends with ` (request id: <id>)` (one-api/new-api `MessageWithRequestId`);
- the relay's own failures carry its types and codes: no channel for the model is a 503
  `new_api_error` / `model_not_found` "No available channel for model X under group default
  (distributor)", an upstream failure a 500 `upstream_error` / `bad_response_status_code`,
  a channel that cannot be picked a 503 `get_channel_failed`, an exhausted key a 403
  `insufficient_user_quota`;
- an upstream timeout is the nginx in front of the relay: a 504 HTML page, not JSON.
The billing endpoints one-api added for old dashboards are served on the opeai dialect always.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import ledger
from .dialects.openai.errors import OpenAIErrors
from .errors import MockError
from .model import ErrorKind
from .state import StateStore

PROFILE = "relay"
GROUP = "default"
NGINX_504 = (
    b"<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n"
    b"<center><h1>504 Gateway Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
# kind -> (status, type, code, message with {model}); kinds not here keep the dialect's entry.
RELAY_ERRORS: dict[ErrorKind, tuple[int, str, str, str]] = {
    ErrorKind.NOT_FOUND: (
        503,
        "new_api_error",
        "model_not_found",
        "No available channel for model {model} under group " + GROUP + " (distributor)",
    ),
    ErrorKind.OVERLOADED: (
        503,
        "new_api_error",
        "get_channel_failed",
        "Failed to get an available channel for model {model} under group " + GROUP + " (distributor)",
    ),
    ErrorKind.SERVER_ERROR: (
        500,
        "upstream_error",
        "bad_response_status_code",
        "bad response status code 500",
    ),
    ErrorKind.QUOTA: (403, "new_api_error", "insufficient_user_quota", "user quota is not enough"),
}
# The subscription and usage one-api answers for a key (dashboard/billing, in US dollars).
HARD_LIMIT_USD = 100.0


def is_on(dialect: Any, relay_dialects: frozenset[str], profile: str | None) -> bool:
    """Whether this answer comes from a relay: an OpenAI-style dialect, switched on."""
    if profile != PROFILE and dialect.name not in relay_dialects:
        return False
    return isinstance(dialect, OpenAIErrors)


def with_request_id(message: str, request_id: str) -> str:
    return f"{message} (request id: {request_id})"


def error_response(
    dialect: Any, error: MockError, request_id: str, model: str, headers: dict[str, str]
) -> tuple[int, bytes, str, dict[str, str], Any]:
    """(status, body bytes, content type, headers, journal body) of the relay's answer."""
    if error.kind is ErrorKind.TIMEOUT:
        return 504, NGINX_504, "text/html", {"Server": "nginx"}, None
    rendered = dialect.render_error(error, request_id)
    body = rendered.body
    status = rendered.status
    found = RELAY_ERRORS.get(error.kind) if error.detail not in ("route", "no_fixture", "schema") else None
    inner = dict(body.get("error") or {})
    if found is not None:
        status, inner["type"], inner["code"], message = found
        inner["message"] = error.message or message.format(model=model or "unknown")
    inner["message"] = with_request_id(str(inner.get("message") or error.text), request_id)
    body = {**body, "error": inner}
    return status, dialect.encode_body(body), "application/json", {**headers, **rendered.headers}, body


def subscription() -> dict[str, Any]:
    """GET /v1/dashboard/billing/subscription as one-api answers it."""
    return {
        "object": "billing_subscription",
        "has_payment_method": True,
        "soft_limit_usd": HARD_LIMIT_USD,
        "hard_limit_usd": HARD_LIMIT_USD,
        "system_hard_limit_usd": HARD_LIMIT_USD,
        "access_until": 0,
    }


def usage(total_usd: float) -> dict[str, Any]:
    """GET /v1/dashboard/billing/usage: `total_usage` in hundredths of a dollar (cents)."""
    return {"object": "list", "total_usage": round(total_usd * 100, 6)}


BILLING = frozenset({"billing_subscription", "billing_usage"})  # route operations answered here


async def billing(operation: str, state: StateStore, secret: bytes, credential: str) -> dict[str, Any]:
    """One-api's dashboard answer; usage is what this key's answers cost so far, by the ledger."""
    if operation == "billing_subscription":
        return subscription()
    found = await ledger.totals(state, secret, {"key": credential})
    return usage(found["totals"]["cost_usd"])


def html_response(status: int, body: bytes, headers: dict[str, str]) -> web.Response:
    return web.Response(status=status, body=body, headers=headers, content_type="text/html")
