"""Gemini's cross-turn rules (docs/cross-turn.md): the function response turn answers each
function call of the turn before it, and a function call comes back with the `thoughtSignature`
mocksrv attached (required where the model data says `thought_signatures`; an edited or
foreign one is refused always). Signatures are compared as decoded bytes: google-genai
re-encodes them as URL-safe base64."""

from __future__ import annotations

import base64
from typing import Any

from ...errors import MockError
from ...model import ErrorKind
from ...signing import Signer, b64decode_any

PURPOSE = "gemini-thought"
SIGNATURE_HEAD = b"\n\x20"  # protobuf-looking, as real signatures are
COUNT_MISMATCH = (
    "Please ensure that the number of function response parts is equal to the number of function "
    "call parts of the function call turn."
)
NAME_MISMATCH = (
    "Please ensure that the names of the function response parts match the names of the function "
    "call parts of the function call turn."
)
MISSING_SIGNATURE = (
    "Function call is missing a thought_signature in functionCall parts. This is required for tools "
    "to work correctly, and missing thought_signature may lead to degraded model performance. "
    "Additional data, function call `default_api:{name}` , position {position}. Please refer to "
    "https://ai.google.dev/gemini-api/docs/thought-signatures for more details."
)
CORRUPTED = "Corrupted thought signature."


def thought_signature(signer: Signer, name: str) -> str:
    """What mocksrv attaches to the first functionCall part of an answer."""
    return base64.b64encode(SIGNATURE_HEAD + signer.mac(PURPOSE, name.encode())).decode()


def signature_valid(signer: Signer, name: Any, signature: Any) -> bool:
    raw = b64decode_any(signature)
    if raw is None or not raw.startswith(SIGNATURE_HEAD):
        return False
    return signer.verify(PURPOSE, str(name).encode(), raw[len(SIGNATURE_HEAD) :])


def refusal(message: str, rule: str) -> MockError:
    return MockError(ErrorKind.BAD_REQUEST, message, detail=rule)


def parts(content: Any) -> list[dict[str, Any]]:
    found = content.get("parts") if isinstance(content, dict) else None
    return [p for p in found if isinstance(p, dict)] if isinstance(found, list) else []


def calls(content: Any) -> list[dict[str, Any]]:
    return [p for p in parts(content) if isinstance(p.get("functionCall"), dict)]


def responses(content: Any) -> list[dict[str, Any]]:
    return [p["functionResponse"] for p in parts(content) if isinstance(p.get("functionResponse"), dict)]


def check(body: dict[str, Any], signer: Signer, signatures_required: bool) -> MockError | None:
    contents = [c for c in body.get("contents") or () if isinstance(c, dict)]
    return (
        responses_answer_calls(contents)
        or signatures_ours(contents, signer)
        or (signatures_present(contents) if signatures_required else None)
    )


def responses_answer_calls(contents: list[dict[str, Any]]) -> MockError | None:
    """After a function call turn comes its response turn: one response per call, same names."""
    for i, content in enumerate(contents):
        asked = (
            [str(p["functionCall"].get("name")) for p in calls(content)]
            if content.get("role") == "model"
            else []
        )
        follower = contents[i + 1] if i + 1 < len(contents) else None
        if (asked and follower is not None) or responses(follower):
            answered = [str(r.get("name")) for r in responses(follower)]
            if len(answered) != len(asked):
                return refusal(COUNT_MISMATCH, "function_responses_count")
            if sorted(answered) != sorted(asked):
                return refusal(NAME_MISMATCH, "function_responses_names")
    return None


def signatures_ours(contents: list[dict[str, Any]], signer: Signer) -> MockError | None:
    """A thoughtSignature on a function call is one mocksrv made for that call."""
    for content in contents:
        for part in calls(content):
            signature = part.get("thoughtSignature")
            if signature is not None and not signature_valid(
                signer, part["functionCall"].get("name"), signature
            ):
                return refusal(CORRUPTED, "thought_signature_invalid")
    return None


def signatures_present(contents: list[dict[str, Any]]) -> MockError | None:
    """In the current turn (since the last user text), each function call turn's first call
    carries its signature, as models that require thought signatures check."""
    texts = [i for i, c in enumerate(contents) if c.get("role") != "model" and not responses(c)]
    start = texts[-1] + 1 if texts else 0
    for index in range(start, len(contents)):
        first = calls(contents[index])[:1] if contents[index].get("role") == "model" else []
        if first and not first[0].get("thoughtSignature"):
            name = first[0]["functionCall"].get("name")
            return refusal(
                MISSING_SIGNATURE.format(name=name, position=index + 1), "thought_signature_missing"
            )
    return None
