"""Gemini on Vertex AI: the same generateContent wire under a project and a location.

google-genai (`vertexai=True`) calls `v1beta1` by default and `v1` when asked; the model sits
under `publishers/google/models/{model}`. Vertex takes an OAuth access token as Bearer (any
token here) and answers a missing one with Google's 401 UNAUTHENTICATED, not the Gemini API's
403 about API keys.
"""

from __future__ import annotations

from ...errors import MockError
from ...model import ErrorKind
from ..base import AuthScheme, ErrorResponse, RouteSpec
from .generate import GeminiGenerate

VERSIONS = ("v1beta1", "v1")
PUBLISHER_PATH = "/{version}/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}"
UNAUTHENTICATED = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def publisher_path(version: str, publisher: str) -> str:
    return PUBLISHER_PATH.replace("{version}", version).replace("{publisher}", publisher)


def vertex_auth_error(error: MockError) -> ErrorResponse | None:
    """Vertex's front end answers a missing or rejected token itself, in Google's envelope."""
    if error.kind is not ErrorKind.AUTH:
        return None
    body = {"error": {"code": 401, "message": UNAUTHENTICATED, "status": "UNAUTHENTICATED"}}
    return ErrorResponse(401, body, {"www-authenticate": 'Bearer realm="https://accounts.google.com/"'})


def vertex_gemini_routes() -> tuple[RouteSpec, ...]:
    routes: list[RouteSpec] = []
    for version in VERSIONS:
        base = publisher_path(version, "google")
        routes += [
            RouteSpec("POST", base + ":generateContent", stream=False),
            RouteSpec("POST", base + ":streamGenerateContent", stream=True),
            RouteSpec("POST", base + ":countTokens", "count_tokens", stream=False),
        ]
    return tuple(routes)


class VertexGemini(GeminiGenerate):
    """Gemini models on Vertex AI (`/vertex/v1beta1/projects/{p}/locations/{l}/publishers/google/...`)."""

    name = "vertex"
    prefix = "/vertex"
    base_path = "/vertex"
    routes = vertex_gemini_routes()
    auth = AuthScheme(bearer=True)
    auth_hint = "Authorization: Bearer <any OAuth token>"

    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        return vertex_auth_error(error) or super().render_error(error, request_id)
