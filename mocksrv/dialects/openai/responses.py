"""OpenAI Responses API: input items in; output items, or numbered `event:` + `data:` events, out.

The wire shapes (response object, output items, stream events) live in `openai.wire`; this
module reads requests and ties the pieces to the dialect contract.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from ...errors import MockError
from ...model import JSON, Completion, ErrorKind, Message, SSEEvent, ToolCall, ToolSpec, Turn
from ..base import AuthScheme, Incoming, TurnContext, dumps
from .chat import text_of
from .errors import OPENAI_LIMITS, OpenAIErrors
from .responses_routes import responses_routes
from .responses_turns import check as check_responses_turns
from .wire import as_dict, echo_fields, failed_response, final_response, stream_payloads

# kind -> ResponseErrorCode of a failed response (the spec's enum has no finer server codes).
RESPONSE_ERROR_CODES: dict[ErrorKind, str] = {
    ErrorKind.RATE_LIMIT: "rate_limit_exceeded",
    ErrorKind.QUOTA: "rate_limit_exceeded",
    ErrorKind.BAD_REQUEST: "invalid_prompt",
    ErrorKind.CONTEXT_LENGTH: "invalid_prompt",
}


def input_messages(body: JSON) -> tuple[Message, ...]:
    """`instructions` as a system message, then `input` (a string, or a list of items)."""
    messages: list[Message] = []
    instructions = body.get("instructions")
    if isinstance(instructions, str) and instructions:
        messages.append(Message("system", instructions))
    raw = body.get("input")
    if isinstance(raw, str):
        messages.append(Message("user", raw))
    elif isinstance(raw, list):
        for item in raw:
            if isinstance(item, dict):
                _add_item(messages, item)
    return tuple(messages)


def _add_item(messages: list[Message], item: JSON) -> None:
    kind = item.get("type", "message")
    if kind == "message":
        messages.append(Message(str(item.get("role", "user")), text_of(item.get("content"))))
    elif kind == "function_call":
        call = ToolCall(
            str(item.get("call_id", "")), str(item.get("name", "")), str(item.get("arguments", ""))
        )
        # Calls of one model turn arrive as separate items: they belong to one assistant message.
        if messages and messages[-1].role == "assistant":
            messages[-1] = replace(messages[-1], tool_calls=(*messages[-1].tool_calls, call))
        else:
            messages.append(Message("assistant", "", (call,)))
    elif kind == "function_call_output":
        messages.append(Message("tool", text_of(item.get("output"))))
    # reasoning items, item references and built-in tool calls carry nothing to match on


def function_tools(raw: Any) -> tuple[ToolSpec, ...]:
    """Function tools are flat here: {type: function, name, description, parameters}."""
    tools = raw if isinstance(raw, list) else ()
    return tuple(
        ToolSpec(t["name"], t.get("description") or "", t.get("parameters"))
        for t in tools
        if isinstance(t, dict) and t.get("type") == "function" and t.get("name")
    )


class OpenAIResponses(OpenAIErrors):
    name = "openai"
    prefix = "/openai"
    base_path = "/openai/v1"
    routes = responses_routes("/v1")
    auth = AuthScheme(bearer=True)
    stateful = True  # stores responses, chains turns (mocksrv/stateful/)
    auth_hint = "Authorization: Bearer <any key>"
    schema_dir = "responses"
    endpoint = "responses"
    limit_wording = replace(
        OPENAI_LIMITS,
        context=(
            "Your input exceeds the context window of this model. Please adjust your input and try again."
        ),
        context_param="input",
        output_params=("max_output_tokens",),
    )

    # ---- parsing ------------------------------------------------------------------------
    def check_turns(self, incoming: Incoming, context: TurnContext) -> MockError | None:
        return check_responses_turns(incoming.body, context.prior_items)

    def parse(self, incoming: Incoming) -> Turn:
        body = incoming.body
        fmt = as_dict(as_dict(body.get("text")).get("format"))
        schema = fmt.get("schema") if fmt.get("type") == "json_schema" else None
        return Turn(
            endpoint=self.endpoint,
            dialect=self.name,
            model=str(body.get("model", "")),
            messages=input_messages(body),
            stream=bool(body.get("stream")),
            tools=function_tools(body.get("tools")),
            max_tokens=body.get("max_output_tokens"),
            json_mode=fmt.get("type") in ("json_object", "json_schema"),
            response_schema=schema if isinstance(schema, dict) else None,
            # Reasoning text is shown only as a requested summary (design §7).
            show_reasoning=bool(as_dict(body.get("reasoning")).get("summary")),
            extras={
                "tool_choice": body.get("tool_choice"),
                "echo": echo_fields(body),
                "schema_name": fmt.get("name"),
                "include": body.get("include") or (),
            },
        )

    # ---- rendering ----------------------------------------------------------------------
    def render(self, completion: Completion, turn: Turn) -> JSON:
        return final_response(completion, turn)

    def render_stream(self, completion: Completion, turn: Turn) -> Iterator[SSEEvent]:
        for number, (payload, content) in enumerate(stream_payloads(completion, turn)):
            kind = payload["type"]
            data = {"type": kind, "sequence_number": number, **payload}
            terminal = kind in ("response.completed", "response.incomplete")
            yield SSEEvent(dumps(data), event=kind, content=content, terminal=terminal)

    # ---- errors (envelope, table and headers come from OpenAIErrors) --------------------
    def stream_error_event(
        self, error: MockError, request_id: str, completion: Completion, turn: Turn, position: int
    ) -> SSEEvent:
        """A terminal `response.failed` for the same response, numbered after what was sent."""
        code = RESPONSE_ERROR_CODES.get(error.kind, "server_error")
        response = failed_response(completion, turn, {"code": code, "message": error.text})
        data = {"type": "response.failed", "sequence_number": position, "response": response}
        return SSEEvent(dumps(data), event="response.failed")

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        # Without the stream's context: the spec's stand-alone `error` event.
        data = {
            "type": "error",
            "code": RESPONSE_ERROR_CODES.get(error.kind, "server_error"),
            "message": error.text,
            "param": error.param,
            "sequence_number": 0,
        }
        return SSEEvent(dumps(data), event="error")
