"""Secrets validated as the Kubernetes API server validates them, stored as it stores them."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources.kinds import SECRET
from raydeck.resources.secret import decoded, stored_form
from raydeck.resources.validation.secret import parse_secret

VALUE = "hunter2-is-the-value"


def secret(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db-creds"}, **fields}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def causes(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_secret(body)
    return {e.path: e.message for e in caught.value.errors}


def test_string_data_is_encoded_into_data_and_wins_over_the_same_key() -> None:
    body = secret(data={"user": b64("ray"), "pw": b64("old")}, stringData={"pw": VALUE})
    parse_secret(body)
    stored = stored_form(dict(body))
    assert "stringData" not in stored and stored["type"] == "Opaque"
    assert decoded(stored) == {"user": b"ray", "pw": VALUE.encode()}


def test_the_kind_stores_the_merged_form() -> None:
    assert SECRET.stored is not None and SECRET.secret_data and not SECRET.runnable
    stored = SECRET.stored(secret(stringData={"k": "v"}, type="Opaque"))
    assert stored["data"] == {"k": b64("v")}


def test_data_that_is_not_base64_is_refused_by_key_without_showing_the_value() -> None:
    found = causes(secret(data={"pw": VALUE + "!"}))
    assert set(found) == {"data.pw"} and "base64" in found["data.pw"]
    assert VALUE not in str(found)


def test_keys_follow_the_configmap_key_rules() -> None:
    found = causes(
        secret(data={"a/b": b64("x")}, stringData={"..hidden": "x", ".": "y", "ok_1.-": "z"})
    )
    assert set(found) == {"data.a/b", "stringData...hidden", "stringData.."}


def test_names_and_types_are_checked() -> None:
    assert "metadata.name" in causes(secret() | {"metadata": {"name": "Bad_Name"}})
    found = causes(secret(type="kubernetes.io/tls", stringData={"tls.crt": "c"}))
    assert "tls.key" in found["data"]
    parse_secret(secret(type="kubernetes.io/tls", stringData={"tls.crt": "c", "tls.key": "k"}))


def test_values_that_are_not_strings_are_refused_by_path_without_the_value() -> None:
    found = causes(secret(stringData={"pw": 12345678}))
    assert set(found) == {"stringData.pw"} and "12345678" not in str(found)


def test_more_than_one_mebibyte_is_refused() -> None:
    assert "data" in causes(secret(stringData={"big": "x" * (1024 * 1024 + 1)}))


def test_base64_wrapped_over_lines_is_taken_as_the_api_server_takes_it() -> None:
    wrapped = b64(VALUE * 4)
    body = secret(data={"ca.crt": f"{wrapped[:20]}\n{wrapped[20:]}\n"})
    parse_secret(body)
    assert stored_form(dict(body))["data"] == {"ca.crt": wrapped}
