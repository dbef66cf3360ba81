"""YAML documents and Kubernetes quantities as users write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources.codec import dump_yaml, load_documents
from raydeck.resources.quantity import format_bytes, parse_quantity, to_int_ceil, to_millis
from raydeck.resources.summary import cluster_spec_totals
from tests.support.samples import raycluster


def test_multi_document_yaml_yields_every_mapping() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\n---\n# only a comment\n---\nkind: RayCluster\n"
    assert [d["kind"] for d in load_documents(text)] == ["ConfigMap", "RayCluster"]


def test_yaml_error_reports_its_line() -> None:
    with pytest.raises(InvalidInput) as caught:
        load_documents("kind: RayCluster\nmetadata:\n  name: [unclosed\n")
    assert "line 4" in caught.value.errors[0].message or "line 3" in caught.value.errors[0].message


def test_a_document_that_is_not_a_mapping_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="mapping"):
        load_documents("- just\n- a list\n")


def test_timestamps_stay_strings_on_a_round_trip() -> None:
    (doc,) = load_documents("metadata:\n  creationTimestamp: 2026-01-01T00:00:00Z\n")
    assert doc["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert load_documents(dump_yaml(doc)) == [doc]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        ("1Gi", Decimal(2**30)),
        ("1e3", Decimal(1000)),
        ("1.5k", Decimal(1500)),
        (3, Decimal(3)),
    ],
)
def test_quantities_parse_exactly(text: str | int, value: Decimal) -> None:
    assert parse_quantity(text) == value


def test_cpu_rounds_up_as_kubernetes_does() -> None:
    assert to_millis("0.0001") == 1
    assert to_int_ceil("500m") == 1
    assert format_bytes(3 * 2**30) == "3Gi"


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "5Zi", "1e3Gi"])
def test_malformed_quantities_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="quantity"):
        parse_quantity(bad)


def test_cluster_totals_count_head_plus_desired_workers() -> None:
    totals = cluster_spec_totals(raycluster(workers=2, cpu="500m", memory="1Gi")["spec"])
    assert (totals.cpu_millis, totals.memory_bytes, totals.gpu) == (1500, 3 * 2**30, 0)
