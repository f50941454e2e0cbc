"""What every Azure OpenAI operation shares: the api-version check, the deployment in the URL
(or the v1 route's body `model`) mapped to a model, `api-key` or Entra ID Bearer auth, Azure's
own error bodies and headers.

An operation's dialect lists AzureDeployments first and the OpenAI family's dialect for the
operation second (`class AzureEmbeddings(AzureDeployments, OpenAIEmbeddings)`): the OpenAI one
parses and renders, AzureDeployments wraps its parse and its errors.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from ...catalog import Catalog
from ...errors import MockError
from ...model import JSON, ErrorKind, SSEEvent, Turn
from ..base import AuthScheme, ErrorResponse, Incoming, dumps
from ..openai.chat import OpenAIChat
from . import errors, wire

# The data-plane inference versions Azure documents (GA and preview); v1 routes take none.
API_VERSIONS = frozenset(
    {
        "2022-12-01",
        "2023-05-15",
        "2023-06-01-preview",
        "2023-07-01-preview",
        "2023-08-01-preview",
        "2023-09-01-preview",
        "2023-10-01-preview",
        "2023-12-01-preview",
        "2024-02-01",
        "2024-02-15-preview",
        "2024-03-01-preview",
        "2024-04-01-preview",
        "2024-05-01-preview",
        "2024-06-01",
        "2024-07-01-preview",
        "2024-08-01-preview",
        "2024-09-01-preview",
        "2024-10-01-preview",
        "2024-10-21",
        "2024-12-01-preview",
        "2025-01-01-preview",
        "2025-02-01-preview",
        "2025-03-01-preview",
        "2025-04-01-preview",
    }
)
V1_API_VERSIONS = frozenset({"v1", "preview", "latest"})
DEPLOYMENTS = "/openai/deployments/{deployment}"
DEPLOYMENT_MODEL = "(deployment)"  # stands in for a `model` the body left out


class AzureDeployments(OpenAIChat):
    name = "azure"
    prefix = "/azure"
    base_path = "/azure"  # AzureOpenAI(azure_endpoint=<server>/azure, api_version=...)
    auth = AuthScheme(bearer=True, headers=("api-key",))
    auth_hint = "api-key: <any key> (or Authorization: Bearer <Entra ID token>)"
    schema_dir = "azure"
    service_tier = None
    success_headers: ClassVar[dict[str, str]] = {
        "x-ms-region": "East US",
        "x-ratelimit-limit-requests": "1000",
        "x-ratelimit-remaining-requests": "999",
        "x-ratelimit-limit-tokens": "1000000",
        "x-ratelimit-remaining-tokens": "999000",
    }
    # How Azure's throttling message names the operation ("Requests to the X Operation ...").
    operation_name: ClassVar[str] = "ChatCompletions_Create"

    # ---- request side -------------------------------------------------------------------
    def normalize(self, body: JSON) -> JSON:
        # The deployment names the model: a body without `model` is complete on Azure.
        if isinstance(body, dict) and "model" not in body:
            return {**body, "model": DEPLOYMENT_MODEL}
        return body

    def parse(self, incoming: Incoming) -> Turn:
        deployment = incoming.match_info.get("deployment")
        self._check_api_version(incoming.query.get("api-version"), v1=deployment is None)
        name = deployment if deployment is not None else str(incoming.body.get("model", ""))
        if name == DEPLOYMENT_MODEL:  # a v1 route has no deployment: the body must name the model
            raise MockError(ErrorKind.BAD_REQUEST, "Missing required parameter: 'model'.", param="model")
        # The operation's own parse sees the deployed model: embeddings take their size from it.
        deployed = self.catalog.deployment(name)
        if deployed is not None:
            incoming = dataclasses.replace(incoming, body={**incoming.body, "model": deployed.id})
        turn = super().parse(incoming)
        return dataclasses.replace(turn, model=name, extras={**turn.extras, "deployment": name})

    @staticmethod
    def _check_api_version(version: str | None, v1: bool) -> None:
        if v1:
            if version is not None and version not in V1_API_VERSIONS:
                raise MockError(ErrorKind.BAD_REQUEST, detail=errors.BAD_API_VERSION)
            return
        if not version:
            raise MockError(ErrorKind.NOT_FOUND, detail=errors.NO_API_VERSION)
        if version not in API_VERSIONS:
            raise MockError(ErrorKind.BAD_REQUEST, detail=errors.BAD_API_VERSION)

    def resolve(self, turn: Turn, catalog: Catalog) -> Turn:
        """The deployment's model; with deployments declared, an unknown one is a 404."""
        deployment = turn.extras.get("deployment") or turn.model
        model = catalog.deployment(deployment)
        if model is not None:
            return dataclasses.replace(turn, model=model.id)
        if catalog.declares_deployments:
            raise MockError(ErrorKind.NOT_FOUND, detail=errors.NO_DEPLOYMENT)
        return turn

    # ---- errors -------------------------------------------------------------------------
    def render_error(self, error: MockError, request_id: str) -> ErrorResponse:
        if error.detail == errors.FILTERED:
            body = errors.filtered_body(wire.categories(filtered=True))
            return ErrorResponse(400, body, dict(error.headers))
        platform = errors.platform_body(error, self.operation_name)
        if platform is None:
            return super().render_error(error, request_id)
        return ErrorResponse(platform[0], platform[1], self.error_headers(error))

    def render_stream_error(self, error: MockError, request_id: str) -> SSEEvent:
        platform = errors.platform_body(error, self.operation_name)
        return SSEEvent(dumps(platform[1])) if platform else super().render_stream_error(error, request_id)

    def error_headers(self, error: MockError) -> dict[str, str]:
        headers: dict[str, str] = {}
        if error.kind is ErrorKind.RATE_LIMIT or error.retry_after is not None:
            headers["retry-after"] = f"{max(1, round(error.retry_delay_s))}"
            headers["retry-after-ms"] = str(int(error.retry_delay_s * 1000))
        headers.update(error.headers)
        return headers

    def new_request_id(self, seed: str) -> str:
        return f"{seed[:8]}-{seed[8:12]}-{seed[12:16]}-{seed[16:20]}-{seed[20:32]}"

    def response_headers(self, request_id: str) -> dict[str, str]:
        return {**self.success_headers, "apim-request-id": request_id, "x-request-id": request_id}
