"""JSON responses: fast by default, and still an answer for a value orjson cannot write."""

from __future__ import annotations

import json

from raydeck.api.responses import json_response


def test_an_integer_past_64_bits_stored_before_the_checks_still_renders() -> None:
    body = json_response({"items": [{"spec": {"n": 10**20}}]}).body
    assert json.loads(body) == {"items": [{"spec": {"n": 10**20}}]}
