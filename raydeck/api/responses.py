"""JSON responses serialised once with orjson.

The object routes answer the Kubernetes JSON the managers give (``StoredObject.to_wire``);
FastAPI's generic encoder would walk every one of them again, which dominated list latency
with many objects. They wrap it in ``json_response`` instead, and their ``response_model``
only documents it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.responses import PlainTextResponse, Response


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            # orjson refuses integers past 64 bits; an object stored before raydeck checked
            # them must still be listed (and deleted), so such a body takes the slow path.
            return json.dumps(content, default=str).encode()


def json_response(content: Any, status_code: int = 200) -> JSONBody:
    return JSONBody(content, status_code=status_code)


class YAMLResponse(PlainTextResponse):
    """A YAML document (an object's export), documented as ``application/yaml`` text."""

    media_type = "application/yaml"
