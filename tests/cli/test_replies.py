"""The API's answers as the CLI reads them: typed once, lenient where the server may leave a field
out, and an answer of another shape is a sentence naming the field, not a traceback."""

from __future__ import annotations

import httpx
import pytest

from raydeck.cli.client import ApiError
from raydeck.cli.replies import Items, Token, read
from raydeck.cli.views import Shown
from raydeck.errors import FieldError, RaydeckError


def test_an_answer_of_another_shape_names_the_field_that_is_wrong() -> None:
    with pytest.raises(RaydeckError) as failed:
        read(Items[Token], {"items": [{"kind": "api"}]}, what="the answer to GET /api/v1/tokens")
    assert failed.value.message == (
        "the answer to GET /api/v1/tokens from raydeck is not what this CLI reads: "
        "items.0.id: Field required"
    )


def test_json_null_reads_as_a_field_left_out() -> None:
    token = read(Token, {"id": "t1", "kind": "api", "lastUsedAt": None}, what="token")
    assert (token.last_used_at, token.expires_at, token.description) == (None, None, "")
    shown = Shown.of({"kind": "RayCluster", "metadata": {"name": "c"}, "status": None})
    assert (shown.status.desired_cpu, shown.state(), shown.queue_reason()) == ("-", "pending", "")


def test_a_failure_carries_the_servers_reason_message_and_field_causes() -> None:
    body = {
        "kind": "Status",
        "reason": "Invalid",
        "message": "RayCluster is invalid",
        "details": {"causes": [{"field": "metadata.name", "message": "Required value"}]},
    }
    error = ApiError.from_response(httpx.Response(422, json=body))
    assert (error.code, error.reason, error.message) == (422, "Invalid", "RayCluster is invalid")
    assert error.causes == [FieldError("metadata.name", "Required value")]
    plain = ApiError.from_response(httpx.Response(502, text="Bad Gateway"))
    assert (plain.reason, plain.message, plain.causes) == ("Error", "Bad Gateway", [])


def test_a_rayservice_shows_the_word_its_conditions_give_and_a_template_shows_dashes() -> None:
    conditions = [{"type": "Ready", "status": "True", "reason": "NonZeroServeEndpoints"}]
    service = Shown.of({"kind": "RayService", "spec": {}, "status": {"conditions": conditions}})
    assert service.state() == "ready"
    template = Shown.of(
        {"kind": "RayService", "metadata": {"annotations": {"raydeck.io/type": "template"}}}
    )
    assert (template.type, template.creator) == ("template", "-")
