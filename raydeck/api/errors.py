"""The one place raydeck's errors become HTTP responses, in the Kubernetes ``Status`` shape.

``create_app`` installs these handlers. Every failure a client sees names what
was wrong (``details.causes`` holds one entry per bad field); none carries a
traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

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
from raydeck.resources.validation.common import json_path

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

_HTTP_REASONS = {404: "NotFound", 405: "MethodNotAllowed", 413: "RequestEntityTooLarge"}


def status_code(error: RaydeckError) -> int:
    return next((code for kind, code in _STATUS_CODES if isinstance(error, kind)), 500)


def status_body(code: int, reason: str, message: str, causes: list[FieldError]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Status",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": message,
    }
    if causes:
        body["details"] = {"causes": [{"field": c.path, "message": c.message} for c in causes]}
    return body


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
        return JSONResponse(
            status_body(code, error.reason, error.message, causes), code, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def request_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        causes = [FieldError(json_path(e["loc"]), str(e["msg"])) for e in error.errors()]
        message = "the request is invalid: " + "; ".join(str(c) for c in causes)
        return JSONResponse(status_body(422, "Invalid", message, causes), 422)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        reason = _HTTP_REASONS.get(error.status_code, "HTTPError")
        return JSONResponse(
            status_body(error.status_code, reason, str(error.detail), []),
            error.status_code,
            headers=error.headers,
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error serving %s %s", request.method, request.url.path)
        message = "raydeck hit an internal error; the server log has the details"
        return JSONResponse(status_body(500, "InternalError", message, []), 500)
