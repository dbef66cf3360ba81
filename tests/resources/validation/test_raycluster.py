"""RayCluster validation mirrors KubeRay's rules and names every bad field by its path."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources.validation.raycluster import parse_raycluster
from tests.support.samples import raycluster


def paths(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_raycluster(body)
    return {e.path: e.message for e in caught.value.errors}


def test_sample_cluster_is_valid_and_keeps_unknown_fields() -> None:
    body = raycluster()
    body["spec"]["headGroupSpec"]["template"]["spec"]["nodeSelector"] = {"disk": "ssd"}
    body["spec"]["someFutureField"] = {"a": 1}
    cluster = parse_raycluster(body)
    wire = cluster.to_wire()
    assert wire["spec"]["someFutureField"] == {"a": 1}
    assert wire["spec"]["headGroupSpec"]["template"]["spec"]["nodeSelector"] == {"disk": "ssd"}
    assert wire == body


def test_name_longer_than_53_characters_is_rejected() -> None:
    assert "must be no more than 53 characters" in paths(raycluster("a" * 54))["metadata.name"]


@pytest.mark.parametrize("name", ["Upper", "1starts-with-digit", "under_score", "ends-"])
def test_name_must_be_a_dns_1035_label(name: str) -> None:
    assert "DNS-1035" in paths(raycluster(name))["metadata.name"]


def test_wrong_api_version_and_kind_are_named() -> None:
    body = raycluster() | {"apiVersion": "ray.io/v1alpha1", "kind": "RayJob"}
    found = paths(body)
    assert "ray.io/v1" in found["apiVersion"]
    assert "RayCluster" in found["kind"]


def test_missing_head_group_spec_is_required() -> None:
    body = raycluster()
    del body["spec"]["headGroupSpec"]
    assert paths(body)["spec.headGroupSpec"] == "Required value"


def test_head_without_containers_is_rejected() -> None:
    body = raycluster()
    body["spec"]["headGroupSpec"]["template"]["spec"]["containers"] = []
    assert "at least one container" in paths(body)["spec.headGroupSpec.template.spec.containers"]


def test_duplicate_worker_group_names_are_rejected() -> None:
    body = raycluster(groups=2)
    body["spec"]["workerGroupSpecs"][1]["groupName"] = "workers"
    assert "Duplicate" in paths(body)["spec.workerGroupSpecs[1].groupName"]


def test_replicas_must_lie_between_min_and_max() -> None:
    body = raycluster(workers=11)
    assert "greater than maxReplicas" in paths(body)["spec.workerGroupSpecs[0].replicas"]
    body = raycluster()
    body["spec"]["workerGroupSpecs"][0] |= {"minReplicas": 5, "maxReplicas": 3, "replicas": 4}
    assert "greater than maxReplicas" in paths(body)["spec.workerGroupSpecs[0].minReplicas"]


def test_min_and_max_are_required_without_autoscaling() -> None:
    body = raycluster()
    del body["spec"]["workerGroupSpecs"][0]["maxReplicas"]
    assert "must set both minReplicas and maxReplicas" in paths(body)["spec.workerGroupSpecs[0]"]
    body["spec"]["enableInTreeAutoscaling"] = True
    parse_raycluster(body)


def test_bad_quantity_is_named_with_its_path() -> None:
    body = raycluster(cpu="lots")
    found = paths(body)
    assert (
        "not a quantity"
        in found["spec.headGroupSpec.template.spec.containers[0].resources.limits.cpu"]
    )


def test_resources_in_both_ray_start_params_and_group_resources_conflict() -> None:
    body = raycluster()
    body["spec"]["headGroupSpec"] |= {
        "rayStartParams": {"num-cpus": "1"},
        "resources": {"CPU": "2"},
    }
    assert "both rayStartParams and resources" in paths(body)["spec.headGroupSpec.resources"]


def test_ray_start_params_values_must_be_strings() -> None:
    body = raycluster()
    body["spec"]["headGroupSpec"]["rayStartParams"] = {"num-cpus": 1}
    assert "valid string" in paths(body)["spec.headGroupSpec.rayStartParams.num-cpus"]


def test_every_bad_field_is_reported_at_once() -> None:
    body = raycluster("Bad_Name", workers=20)
    body["spec"]["headGroupSpec"]["template"]["spec"]["containers"] = []
    assert {
        "metadata.name",
        "spec.workerGroupSpecs[0].replicas",
        "spec.headGroupSpec.template.spec.containers",
    } <= set(paths(body))


def test_ray_redis_address_needs_gcs_fault_tolerance_by_options_or_kuberays_annotation() -> None:
    body = raycluster("ft")
    head = body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    head["env"] = [{"name": "RAY_REDIS_ADDRESS", "value": "redis:6379"}]
    assert "spec.headGroupSpec.template.spec.containers[0].env" in paths(body)
    body["metadata"]["annotations"] = {"ray.io/ft-enabled": "true"}
    parse_raycluster(body)  # KubeRay's older way to enable it, still taken (deprecated)
