"""Bedrock errors: `x-amzn-ErrorType` names the exception, the body is `{"message": ...}`.

Streams end in an exception message instead (`:message-type: exception`, `:exception-type`
in lowerCamelCase). Bedrock has no 405: an unknown operation is a 404 UnknownOperationException.
"""

from __future__ import annotations

from ...errors import MockError
from ...model import ErrorKind, SSEEvent
from ..base import ErrorResponse
from . import wire

ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

# kind -> (status, exception, Bedrock's message when the error carries none)
ERRORS: dict[ErrorKind, tuple[int, str, str]] = {
    ErrorKind.BAD_REQUEST: (400, "ValidationException", "The provided request is not valid"),
    ErrorKind.AUTH: (
        403,
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    ),
    ErrorKind.PERMISSION: (
        403,
        "AccessDeniedException",
        "You don't have access to the model with the specified model ID.",
    ),
    ErrorKind.NOT_FOUND: (404, "ResourceNotFoundException", "The requested resource was not found."),
    ErrorKind.CONTEXT_LENGTH: (400, "ValidationException", "Input is too long for requested model."),
    ErrorKind.RATE_LIMIT: (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    ErrorKind.QUOTA: (
        400,
        "ServiceQuotaExceededException",
        "Your request exceeds the service quota for your account. You can view your quotas at "
        "https://docs.aws.amazon.com/servicequotas/latest/userguide/gs-request-quota.html.",
    ),
    ErrorKind.SERVER_ERROR: (500, "InternalServerException", "The server encountered an internal error."),
    ErrorKind.OVERLOADED: (503, "ServiceUnavailableException", "Bedrock is unable to process your request."),
    ErrorKind.TIMEOUT: (408, "ModelTimeoutException", "Model has timed out in processing the request."),
    ErrorKind.TOO_LARGE: (400, "ValidationException", "Input is too long for requested model."),
    ErrorKind.METHOD_NOT_ALLOWED: (
        404,
        "UnknownOperationException",
        "The requested operation is not supported.",
    ),
}
MISSING_TOKEN = (403, "MissingAuthenticationTokenException", "Missing Authentication Token")

# kind -> the exception event a stream ends with (the stream's own union has fewer members).
STREAM_EXCEPTIONS: dict[ErrorKind, str] = {
    ErrorKind.BAD_REQUEST: "validationException",
    ErrorKind.CONTEXT_LENGTH: "validationException",
    ErrorKind.TOO_LARGE: "validationException",
    ErrorKind.RATE_LIMIT: "throttlingException",
    ErrorKind.QUOTA: "throttlingException",
    ErrorKind.SERVER_ERROR: "internalServerException",
    ErrorKind.OVERLOADED: "serviceUnavailableException",
}


def triple(error: MockError) -> tuple[int, str, str]:
    if error.kind is ErrorKind.AUTH and error.detail == "missing":
        return MISSING_TOKEN
    if error.kind is ErrorKind.AUTH and error.detail == "signature":
        return 403, "IncompleteSignatureException", error.message
    status, name, message = ERRORS[error.kind]
    wording = error.message if error.message and error.kind is not ErrorKind.AUTH else message
    return status, name, wording


def render_error(error: MockError) -> ErrorResponse:
    status, name, message = triple(error)
    headers = {"x-amzn-ErrorType": name + ERROR_TYPE_SUFFIX}
    if error.retry_after is not None:
        headers["retry-after"] = f"{error.retry_delay_s:g}"
    headers.update(error.headers)
    return ErrorResponse(status, {"message": message}, headers)


def stream_exception(error: MockError) -> SSEEvent:
    name = STREAM_EXCEPTIONS.get(error.kind, "modelStreamErrorException")
    return wire.exception(name, triple(error)[2])
