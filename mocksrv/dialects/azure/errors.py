"""Azure OpenAI's error bodies: its gateway's `{"error": {"code", "message"}}` for platform
failures (key, route, deployment, throttling), the OpenAI envelope for what the model service
rejects (validation, context length), and the content filter's 400."""

from __future__ import annotations

from ...errors import MockError
from ...model import JSON, ErrorKind

ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a "
    "valid key for an active subscription and use a correct regional API endpoint for your resource."
)
MISSING_KEY = (
    "Access denied due to missing subscription key. Make sure to include subscription key when "
    "making requests to an API."
)
RESOURCE_NOT_FOUND = "Resource not found"
API_VERSION_UNSUPPORTED = "API version not supported"
DEPLOYMENT_NOT_FOUND = (
    "The API deployment for this resource does not exist. If you created the deployment within the "
    "last 5 minutes, please wait a moment and try again."
)
PROMPT_FILTERED = (
    "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. "
    "Please modify your prompt and retry. To learn more about our content filtering policies please "
    "read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766"
)

# MockError.detail values this dialect raises itself.
NO_API_VERSION, BAD_API_VERSION, NO_DEPLOYMENT, FILTERED = (
    "api_version_missing",
    "api_version_unsupported",
    "deployment_not_found",
    "content_filter",
)

# kind -> (status, code) for the errors Azure's gateway answers in its own short shape.
PLATFORM: dict[ErrorKind, tuple[int, str]] = {
    ErrorKind.AUTH: (401, "401"),
    ErrorKind.PERMISSION: (403, "403"),
    ErrorKind.RATE_LIMIT: (429, "429"),
    ErrorKind.QUOTA: (429, "insufficient_quota"),
    ErrorKind.SERVER_ERROR: (500, "InternalServerError"),
    ErrorKind.OVERLOADED: (503, "ServiceUnavailable"),
    ErrorKind.TIMEOUT: (408, "Timeout"),
}


def throttled(retry_after_s: float, operation: str = "ChatCompletions_Create") -> str:
    seconds = max(1, round(retry_after_s))
    return (
        f"Requests to the {operation} Operation under Azure OpenAI API have exceeded "
        f"call rate limit of your current OpenAI S0 pricing tier. Please retry after {seconds} "
        "second. Please go here: https://aka.ms/oai/quotaincrease if you would like to further "
        "increase the default rate limit."
    )


def platform_body(error: MockError, operation: str = "ChatCompletions_Create") -> tuple[int, JSON] | None:
    """(status, body) when Azure's gateway answers this error itself, else None; `operation`
    is how its throttling message names the call (`Embeddings_Create`, ...)."""
    if error.detail == NO_API_VERSION or (error.kind is ErrorKind.NOT_FOUND and error.detail == "route"):
        return 404, {"error": {"code": "404", "message": RESOURCE_NOT_FOUND}}
    if error.detail == BAD_API_VERSION:
        return 400, {"error": {"code": "BadRequest", "message": API_VERSION_UNSUPPORTED}}
    if error.detail == NO_DEPLOYMENT or (error.kind is ErrorKind.NOT_FOUND and error.detail is None):
        return 404, {"error": {"code": "DeploymentNotFound", "message": DEPLOYMENT_NOT_FOUND}}
    if error.kind not in PLATFORM:
        return None
    status, code = PLATFORM[error.kind]
    message = error.message or ""
    if error.kind is ErrorKind.AUTH:
        message = MISSING_KEY if error.detail == "missing" else ACCESS_DENIED
    elif error.kind is ErrorKind.RATE_LIMIT and not message:
        message = throttled(error.retry_delay_s, operation)
    return status, {"error": {"code": code, "message": message or error.text}}


def filtered_body(categories: JSON) -> JSON:
    """The 400 of a prompt the content filter stopped, with the verdict per category."""
    return {
        "error": {
            "message": PROMPT_FILTERED,
            "type": None,
            "param": "prompt",
            "code": "content_filter",
            "status": 400,
            "innererror": {"code": "ResponsibleAIPolicyViolation", "content_filter_result": categories},
        }
    }
