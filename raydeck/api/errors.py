"""The one place raydeck's errors become HTTP responses, in the Kubernetes ``Status`` shape.

``create_app`` installs these handlers. Every failure a client sees names what
was wrong (``details.causes`` holds one entry per bad field); none carries a
traceback.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from raydeck.api.models.common import Cause, Status, StatusDetails
from raydeck.errors import (
    BadRequest,
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    PlatformUnavailable,
    RaydeckError,
    TooManyRequests,
    Unauthorized,
)
from raydeck.resources.validation.common import json_path, pydantic_message

log = logging.getLogger(__name__)

_STATUS_CODES: tuple[tuple[type[RaydeckError], int], ...] = (
    (InvalidInput, 422),
    (BadRequest, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (TooManyRequests, 429),
    (Conflict, 409),
    (PlatformUnavailable, 503),
)

_HTTP_REASONS = {
    400: "BadRequest",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "RequestEntityTooLarge",
}


def status_code(error: RaydeckError) -> int:
    return next((code for kind, code in _STATUS_CODES if isinstance(error, kind)), 500)


def failure(code: int, reason: str, message: str, causes: list[FieldError]) -> JSONResponse:
    """A ``Status`` of ``code`` naming each bad field; ``details`` only when there are causes."""
    details = StatusDetails(causes=[Cause(field=c.path, message=c.message) for c in causes])
    status = Status(
        status="Failure",
        code=code,
        reason=reason,
        message=message,
        details=details if causes else None,
    )
    return JSONResponse(status.model_dump(by_alias=True, exclude_none=True), code)


def request_causes(error: RequestValidationError) -> list[FieldError]:
    """FastAPI's validation errors as field errors: a body's fields by their JSON path in the
    body (as Kubernetes names them), parameters as ``query.limit``, ``path.namespace``."""
    causes = []
    for err in error.errors():
        location = tuple(err["loc"])
        if err["type"] == "json_invalid":
            causes.append(FieldError("body", f"not JSON: {err.get('ctx', {}).get('error', '')}"))
            continue
        if location[:1] == ("body",) and len(location) > 1:
            location = location[1:]
        causes.append(FieldError(json_path(location), pydantic_message(err)))
    return causes


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RaydeckError)
    async def raydeck_error(_request: Request, error: RaydeckError) -> JSONResponse:
        code = status_code(error)
        causes = error.errors if isinstance(error, InvalidInput) else []
        headers = {}
        if isinstance(error, Unauthorized):
            headers["WWW-Authenticate"] = 'Bearer realm="raydeck"'
        if isinstance(error, TooManyRequests):
            headers["Retry-After"] = str(error.retry_after)
        response = failure(code, error.reason, error.message, causes)
        response.headers.update(headers)
        return response

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        causes = request_causes(error)
        message = "the request is invalid: " + "; ".join(str(c) for c in causes)
        return failure(422, "Invalid", message, causes)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        reason = _HTTP_REASONS.get(error.status_code, "HTTPError")
        response = failure(error.status_code, reason, str(error.detail), [])
        response.headers.update(error.headers or {})
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error serving %s %s", request.method, request.url.path)
        message = "raydeck hit an internal error; the server log has the details"
        return failure(500, "InternalError", message, [])
