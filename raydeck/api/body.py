"""Reading object bodies sent as JSON or YAML, and describing them in the OpenAPI document.

Routes that take a whole object call ``read_object``; errors name what is
wrong with the text (with its line for YAML) and nothing is stored.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from raydeck.errors import BadRequest, FieldError, InvalidInput
from raydeck.resources import wellformed
from raydeck.resources.codec import load_documents

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

OBJECT_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object", "additionalProperties": True}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


async def read_object(request: Request) -> dict[str, Any]:
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
