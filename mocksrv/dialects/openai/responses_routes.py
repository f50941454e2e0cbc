"""The stateful Responses endpoints under one base: stored responses and conversations.

Only `POST <base>/responses` generates; the other operations read and write what the state
store keeps (mocksrv/stateful/ serves them).
"""

from __future__ import annotations

from ..base import RouteSpec


def responses_routes(base: str) -> tuple[RouteSpec, ...]:
    """Every Responses route below `base` (e.g. "/v1"); `stream=False`: answers JSON only;
    `stored`: served by stateful/ from the store's records."""
    one = f"{base}/responses/{{response_id}}"
    conversation = f"{base}/conversations/{{conversation_id}}"
    return (
        RouteSpec("POST", f"{base}/responses"),
        RouteSpec("GET", one, "response_get", stored=True),
        RouteSpec("DELETE", one, "response_delete", stream=False, stored=True),
        RouteSpec("GET", f"{one}/input_items", "response_input_items", stream=False, stored=True),
        RouteSpec("POST", f"{one}/cancel", "response_cancel", stream=False, stored=True),
        RouteSpec("POST", f"{base}/conversations", "conversation_create", stream=False, stored=True),
        RouteSpec("GET", conversation, "conversation_get", stream=False, stored=True),
        RouteSpec("POST", conversation, "conversation_update", stream=False, stored=True),
        RouteSpec("DELETE", conversation, "conversation_delete", stream=False, stored=True),
        RouteSpec("GET", f"{conversation}/items", "conversation_items", stream=False, stored=True),
        RouteSpec("POST", f"{conversation}/items", "conversation_items_create", stream=False, stored=True),
        RouteSpec(
            "GET", f"{conversation}/items/{{item_id}}", "conversation_item_get", stream=False, stored=True
        ),
        RouteSpec(
            "DELETE",
            f"{conversation}/items/{{item_id}}",
            "conversation_item_delete",
            stream=False,
            stored=True,
        ),
    )
