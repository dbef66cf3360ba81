"""The one error tree of raydeck.

Every layer raises these; platforms translate their native failures into them
at their edge (``raise ... from e``). The API maps them to HTTP statuses in a
single handler (``api/errors.py``), so no layer below it knows about HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One thing wrong with one field, named by its JSON path (``spec.headGroupSpec``)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class RaydeckError(Exception):
    """Base of every error raydeck reports to a user; ``reason`` is a stable code."""

    reason = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(RaydeckError):
    """The request or the object in it is malformed or fails validation (422)."""

    reason = "Invalid"

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        details = "; ".join(str(e) for e in errors or [])
        super().__init__(f"{message}: {details}" if details else message)
        self.summary = message
        self.errors = list(errors or [])


class BadRequest(RaydeckError):
    """The request cannot be understood (unparseable body, wrong content type) (400)."""

    reason = "BadRequest"


class NotFound(RaydeckError):
    """The object, namespace or pod does not exist (404)."""

    reason = "NotFound"


class Conflict(RaydeckError):
    """The write conflicts with the stored state (409)."""

    reason = "Conflict"


class AlreadyExists(Conflict):
    """An object of that kind and name already exists in the namespace (409)."""

    reason = "AlreadyExists"


class StaleResourceVersion(Conflict):
    """The write carried a resourceVersion that is no longer current (409)."""

    reason = "Conflict"


class InvalidState(Conflict):
    """The object is in a state that forbids the operation, e.g. deleting a running cluster (409)."""

    reason = "InvalidState"


class Unauthorized(RaydeckError):
    """No valid credentials came with the request: no token, an unknown or revoked one (401)."""

    reason = "Unauthorized"


class Forbidden(RaydeckError):
    """The caller is known but their role does not allow the operation (403)."""

    reason = "Forbidden"


class TooManyRequests(RaydeckError):
    """Too many failed logins; the caller must wait ``retry_after`` seconds (429)."""

    reason = "TooManyRequests"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PlatformUnavailable(RaydeckError):
    """The platform underneath (Ray processes, an API server) failed or cannot be reached (503)."""

    reason = "ServiceUnavailable"
