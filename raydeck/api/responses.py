"""JSON responses serialised once with orjson.

Handlers return plain dicts built by the managers; FastAPI's generic encoder
would walk every one of them again, which dominated list latency with many
objects. Routes wrap their result in ``json_response`` instead.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


class JSONBody(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def json_response(content: Any, status_code: int = 200) -> JSONBody:
    return JSONBody(content, status_code=status_code)
