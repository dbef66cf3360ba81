"""The shape limits every stored document obeys, whatever its kind."""

from __future__ import annotations

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources import wellformed
from raydeck.resources.quantity import parse_quantity


def test_an_integer_past_int64_is_named_by_its_path_wherever_it_is() -> None:
    document = {"spec": {"groups": [{"replicas": 2**63}], "unknown": {"n": -(2**63) - 1}}}
    paths = sorted(e.path for e in wellformed.problems(document))
    assert paths == ["spec.groups[0].replicas", "spec.unknown.n"]


def test_the_int64_bounds_themselves_and_booleans_are_fine() -> None:
    assert wellformed.problems({"a": 2**63 - 1, "b": -(2**63), "c": True, "d": 1.5}) == []


def test_infinite_and_nan_numbers_are_refused() -> None:
    errors = wellformed.problems({"a": float("inf"), "b": [float("nan")]})
    assert sorted(e.path for e in errors) == ["a", "b[0]"]
    assert all("finite" in e.message for e in errors)


def test_nesting_past_the_limit_is_refused_at_the_first_level_too_deep() -> None:
    document: dict[str, object] = {}
    inner = document
    for _ in range(wellformed.MAX_DEPTH + 5):
        inner["n"] = inner = {}
    (error,) = wellformed.problems(document)
    assert error.path == "n" + ".n" * wellformed.MAX_DEPTH
    assert "64 levels" in error.message


def test_shared_values_count_once_per_use_so_aliases_cannot_hide_a_huge_document() -> None:
    leaf = ["x" * 40]
    for _ in range(6):
        leaf = [leaf] * 10  # what YAML aliases build: one list referred to ten times
    (error,) = wellformed.problems({"spec": leaf})
    assert error.path == "body"
    assert "expands to more than 4 MiB" in error.message


def test_check_raises_a_422_error_naming_what_cannot_be_stored() -> None:
    with pytest.raises(InvalidInput) as raised:
        wellformed.check({"n": 10**20}, what="the RayCluster")
    assert raised.value.summary == "the RayCluster cannot be stored"


@pytest.mark.parametrize("value", ["1e400", "10E", "9223372036854775808"])
def test_a_quantity_too_large_for_millicores_in_int64_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_quantity(value)
