"""JSON responses serialised once with orjson.

Handlers return plain dicts built by the managers; FastAPI's generic encoder
would walk every one of them again, which dominated list latency with many
objects. Routes wrap their result in ``json_response`` instead.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from fastapi.responses import Response


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
