"""KubeRay's CRD defaults: the checked-in table is the CRDs' own, and it fills in what is absent
exactly as the Kubernetes API server does, never what the user set."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from raydeck.resources.defaults import apply_crd_defaults
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE
from raydeck.resources.validation.raycluster import parse_raycluster
from tests.support.samples import raycluster, rayjob

REPO = Path(__file__).parents[2]
ARCHIVE = REPO / ".." / "shared" / "testbed" / "kuberay-ray-operator-v1.7.0.tar.gz"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "crd_defaults", REPO / "scripts" / "crd_defaults.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_checked_in_table_is_what_kuberays_crds_declare() -> None:
    assert ARCHIVE.is_file(), (
        f"KubeRay's source archive is absent at {ARCHIVE.resolve()}: the project's shared/testbed "
        "folder must sit beside the checkout"
    )
    script = generator()
    expected = script.rendered(script.table(script.crds_from_archive(ARCHIVE)))
    checked_in = (REPO / "raydeck" / "resources" / "crd_defaults.json").read_text()
    assert checked_in == expected, "run scripts/crd_defaults.py to regenerate the table"
    kinds = set(json.loads(checked_in))
    assert kinds == {"RayCluster", "RayJob", "RayService", "RayCronJob"}


def without_min_max() -> dict[str, object]:
    body = raycluster("defaults", workers=1)
    group = body["spec"]["workerGroupSpecs"][0]
    del group["minReplicas"], group["maxReplicas"]
    return body


def test_a_worker_group_without_min_and_max_gets_0_and_the_int32_maximum_and_is_valid() -> None:
    body = RAYCLUSTER.with_defaults(without_min_max())
    group = body["spec"]["workerGroupSpecs"][0]
    assert (group["minReplicas"], group["maxReplicas"], group["numOfHosts"]) == (0, 2**31 - 1, 1)
    parse_raycluster(body)


def test_without_the_defaults_the_same_group_is_refused_as_kuberay_would_refuse_it() -> None:
    with pytest.raises(Exception, match="minReplicas and maxReplicas"):
        parse_raycluster(without_min_max())


def test_defaults_never_override_what_the_user_set() -> None:
    body = raycluster("mine", workers=1)
    group = body["spec"]["workerGroupSpecs"][0]
    group |= {"minReplicas": 1, "maxReplicas": 3, "numOfHosts": 2, "priority": 5}
    assert RAYCLUSTER.with_defaults(body)["spec"]["workerGroupSpecs"][0] == group


def test_defaults_reach_into_every_array_item_and_nested_kinds() -> None:
    job = rayjob("nested")
    job["spec"]["rayClusterSpec"]["workerGroupSpecs"] = [
        {"groupName": name, "rayStartParams": {}, "template": {}} for name in ("a", "b")
    ]
    env = {"name": "X", "valueFrom": {"secretKeyRef": {"key": "k"}}}
    job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["env"] = [
        env
    ]
    defaulted = RAYJOB.with_defaults(job)
    spec = defaulted["spec"]
    assert spec["submissionMode"] == "K8sJobMode"
    assert [g["maxReplicas"] for g in spec["rayClusterSpec"]["workerGroupSpecs"]] == [2**31 - 1] * 2
    head = spec["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert head["env"][0]["valueFrom"]["secretKeyRef"] == {"key": "k", "name": ""}


def test_a_default_applies_only_where_its_parent_object_exists() -> None:
    service = {"apiVersion": "ray.io/v1", "kind": "RayService", "spec": {}}
    assert RAYSERVICE.with_defaults(service)["spec"] == {}
    service["spec"]["upgradeStrategy"] = {"clusterUpgradeOptions": {}}
    options = RAYSERVICE.with_defaults(service)["spec"]["upgradeStrategy"]["clusterUpgradeOptions"]
    assert options == {"maxSurgePercent": 100}


def test_a_null_is_defaulted_and_a_value_of_the_wrong_type_is_left_for_validation() -> None:
    body = raycluster("odd")
    body["spec"]["workerGroupSpecs"][0]["numOfHosts"] = None
    body["spec"]["headGroupSpec"] = "not an object"
    before = copy.deepcopy(body)
    apply_crd_defaults("RayCluster", body)
    assert body["spec"]["workerGroupSpecs"][0]["numOfHosts"] == 1
    assert body["spec"]["headGroupSpec"] == before["spec"]["headGroupSpec"]


def test_kinds_without_a_crd_are_left_alone() -> None:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
    apply_crd_defaults("ConfigMap", body)
    assert body == {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
