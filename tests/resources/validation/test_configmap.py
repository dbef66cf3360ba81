"""ConfigMap validation as a pure function: what the API server would refuse, refused by field."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources.validation.configmap import parse_configmap


def configmap(**changes: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "code.v1"},
        "data": {"main.py": "print('hi')\n"},
    } | changes


def causes(document: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as raised:
        parse_configmap(document)
    return {e.path: e.message for e in raised.value.errors}


def test_a_dotted_name_and_plain_keys_are_a_configmap() -> None:
    parsed = parse_configmap(configmap())
    assert (parsed.metadata.name, parsed.data) == ("code.v1", {"main.py": "print('hi')\n"})


def test_wrong_type_meta_names_both_fields() -> None:
    found = causes(configmap(apiVersion="ray.io/v1", kind="Secret"))
    assert found == {
        "apiVersion": "must be 'v1', got 'ray.io/v1'",
        "kind": "must be 'ConfigMap', got 'Secret'",
    }


def test_bad_name_keys_and_labels_are_each_named() -> None:
    found = causes(
        configmap(
            metadata={"name": "Bad_Name", "labels": {"-x": "y"}},
            data={"a/b": "1", "..": "2", "ok": "3"},
        )
    )
    assert set(found) == {"metadata.name", "metadata.labels[-x]", "data.a/b", "data..."}


def test_data_past_one_mebibyte_is_refused() -> None:
    assert "data" in causes(configmap(data={"big": "x" * (1024 * 1024)}))
