"""The stateful Responses endpoints under one base: stored responses and conversations.

Only `POST <base>/responses` generates; the other operations read and write what the state
store keeps (mocksrv/stateful/ serves them).
"""

from __future__ import annotations

from ..base import RouteSpec

STATEFUL_OPERATIONS = (
    "response_get",
    "response_delete",
    "response_input_items",
    "response_cancel",
    "conversation_create",
    "conversation_get",
    "conversation_update",
    "conversation_delete",
    "conversation_items",
    "conversation_items_create",
    "conversation_item_get",
    "conversation_item_delete",
)


def responses_routes(base: str) -> tuple[RouteSpec, ...]:
    """Every Responses route below `base` (e.g. "/v1"); `stream=False`: answers JSON only."""
    one = f"{base}/responses/{{response_id}}"
    conversation = f"{base}/conversations/{{conversation_id}}"
    return (
        RouteSpec("POST", f"{base}/responses"),
        RouteSpec("GET", one, "response_get"),
        RouteSpec("DELETE", one, "response_delete", stream=False),
        RouteSpec("GET", f"{one}/input_items", "response_input_items", stream=False),
        RouteSpec("POST", f"{one}/cancel", "response_cancel", stream=False),
        RouteSpec("POST", f"{base}/conversations", "conversation_create", stream=False),
        RouteSpec("GET", conversation, "conversation_get", stream=False),
        RouteSpec("POST", conversation, "conversation_update", stream=False),
        RouteSpec("DELETE", conversation, "conversation_delete", stream=False),
        RouteSpec("GET", f"{conversation}/items", "conversation_items", stream=False),
        RouteSpec("POST", f"{conversation}/items", "conversation_items_create", stream=False),
        RouteSpec("GET", f"{conversation}/items/{{item_id}}", "conversation_item_get", stream=False),
        RouteSpec("DELETE", f"{conversation}/items/{{item_id}}", "conversation_item_delete", stream=False),
    )
