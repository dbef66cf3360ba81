"""Shapes every router shares: the Kubernetes ``Status`` of a failure, and acknowledgements.

``api/errors.py`` and ``api/limits.py`` build every error body from ``Status``; each router
declares ``ERRORS`` so the OpenAPI document shows that shape for its failures.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Wire(BaseModel):
    """A body raydeck defines: snake_case attributes, camelCase on the wire."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Cause(BaseModel):
    """One bad field: its JSON path in the body (or a query parameter's name) and what is wrong."""

    field: str
    message: str


class StatusDetails(BaseModel):
    causes: list[Cause]


class Status(Wire):
    """A Kubernetes ``Status``: every failure, and the deletion of a namespace."""

    api_version: Literal["v1"] = "v1"
    kind: Literal["Status"] = "Status"
    status: Literal["Failure", "Success"]
    code: int | None = None
    reason: str | None = None
    message: str
    details: StatusDetails | None = None


class Done(BaseModel):
    """What a change without a body of its own answers (a deletion, a logout)."""

    status: Literal["Success"] = "Success"
    message: str


#: The ``responses`` of every router: whatever fails answers a ``Status`` (not FastAPI's own
#: validation body), with one cause per bad field.
ERRORS: dict[int | str, dict[str, Any]] = {  # OpenAPI fragments, in FastAPI's own type
    "4XX": {"model": Status, "description": "Refused: a Status saying why, naming bad fields"},
    "5XX": {"model": Status, "description": "raydeck or its platform failed: a Status"},
}
#: The same for routes that answer text (YAML, logs, metrics): their failures are JSON all the
#: same. ``Status`` is in the document's components through ``ERRORS`` on every other route.
TEXT_ERRORS: dict[int | str, dict[str, Any]] = {  # OpenAPI fragments, as ERRORS
    code: {
        "description": response["description"],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}},
    }
    for code, response in ERRORS.items()
}
