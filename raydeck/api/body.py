"""Reading object bodies sent as JSON or YAML, and describing them in the OpenAPI document.

The object routes (``routes/objects/writes.py``) call ``read_object`` and declare
``object_body``; errors name what is wrong with the text (with its line for YAML) and nothing
is stored. ``routes/auth.py`` parses a console login's JSON with ``parse_json``.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from raydeck.errors import BadRequest, FieldError, InvalidInput
from raydeck.resources import wellformed
from raydeck.resources.codec import load_documents
from raydeck.resources.kinds import Kind

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def object_body(kind: Kind, *, patch: bool = False) -> dict[str, Any]:
    """The ``requestBody`` of a route that takes a whole object (or, with ``patch``, a JSON
    merge patch of one), for ``openapi_extra``: an OpenAPI fragment, as FastAPI takes it. The
    kind's model is in the document as the answer of every object route."""
    json_schema: dict[str, str] = (
        {"type": "object", "description": f"A JSON merge patch of a {kind.name}"}
        if patch
        else {"$ref": f"#/components/schemas/{kind.model.__name__}"}
    )
    yaml_schema = {"type": "string", "description": f"A {kind.name} as one YAML document"}
    json_types = (
        ("application/json", "application/merge-patch+json") if patch else ("application/json",)
    )
    content = {t: {"schema": json_schema} for t in json_types}
    return {
        "requestBody": {
            "required": True,
            "content": content | {YAML_TYPES[0]: {"schema": yaml_schema}},
        }
    }


async def read_object(request: Request) -> dict[str, Any]:
    """The one object the body holds, as the user wrote it (raw JSON or YAML in): its kind's
    manager validates it."""
    raw = await request.body()  # at most 4 MiB: api/limits.py refused larger ones (413)
    if not raw.strip():
        raise InvalidInput("the request has no body", [FieldError("body", "Required value")])
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text") from None
    if content_type in YAML_TYPES:
        documents = load_documents(text)
        if len(documents) != 1:
            raise InvalidInput(
                "the request must hold exactly one object",
                [
                    FieldError(
                        "body",
                        f"found {len(documents)} documents; send one per request, or use "
                        "`raydeck apply -f FILE` for a file with several",
                    )
                ],
            )
        wellformed.check(documents[0])
        return documents[0]
    if content_type not in ("application/json", "application/merge-patch+json"):
        raise BadRequest(
            f"unsupported content type {content_type!r}; send application/json or application/yaml"
        )
    value = parse_json(text)
    if not isinstance(value, dict):
        raise InvalidInput("the body is invalid", [FieldError("body", "must be a JSON object")])
    wellformed.check(value)
    return value


def parse_json(text: str) -> Any:
    """JSON text as Python values; too deep a nesting is a 422 like any other parse error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(
            "the JSON cannot be parsed",
            [FieldError("body", f"line {e.lineno}, column {e.colno}: {e.msg}")],
        ) from None
    except RecursionError:
        raise InvalidInput("the JSON cannot be parsed", [_too_deep()]) from None


def _too_deep() -> FieldError:
    return FieldError("body", f"nested more than {wellformed.MAX_DEPTH} levels deep")
