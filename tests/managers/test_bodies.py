"""The manager's drafts: the raw body and its typed model stay in step through every server edit."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.errors import InvalidInput
from raydeck.managers.admitting import cluster_spec
from raydeck.managers.bodies import (
    Draft,
    expected_version,
    fresh_metadata,
    has_finished,
    is_suspended,
    merge_patch,
    validated,
)
from raydeck.resources import raycluster as rc
from raydeck.resources.configmap import ConfigMap
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE
from raydeck.resources.meta import ObjectMeta
from raydeck.resources.rayjob import RayJob
from tests.support.samples import raycluster, rayjob, rayservice, stored


def test_validation_keeps_the_typed_model_beside_the_defaulted_body() -> None:
    draft = validated(RAYCLUSTER, "default", raycluster("kept", workers=4))
    assert isinstance(draft.model, rc.RayCluster)
    groups = draft.model.spec.worker_group_specs
    assert groups is not None and groups[0].replicas == 4
    assert draft.body["spec"]["workerGroupSpecs"][0]["replicas"] == 4
    assert "status" not in draft.body


def test_validation_refuses_another_namespace_and_bad_fields_by_path() -> None:
    body = raycluster("elsewhere")
    body["metadata"]["namespace"] = "team-b"
    with pytest.raises(InvalidInput, match=r"metadata\.namespace"):
        validated(RAYCLUSTER, "default", body)
    with pytest.raises(InvalidInput, match=r"metadata\.name"):
        validated(RAYJOB, "default", rayjob("j" * 48))


def test_an_annotation_lands_in_the_body_and_the_model_alike() -> None:
    draft = validated(RAYCLUSTER, "default", raycluster("a")).annotated(
        {"raydeck.io/creator": "bo"}
    )
    assert draft.body["metadata"]["annotations"] == {"raydeck.io/creator": "bo"}
    assert draft.model.metadata.annotations == {"raydeck.io/creator": "bo"}


def test_suspending_a_draft_changes_both_and_leaves_the_stored_copy_alone() -> None:
    obj = stored(raycluster("s"))
    draft = Draft.of(obj).with_suspend(True)
    assert draft.body["spec"]["suspend"] is True and is_suspended(draft.model)
    assert "suspend" not in obj.body["spec"] and not is_suspended(obj.model)


def test_a_configmap_is_never_suspended_and_cannot_be() -> None:
    config = ConfigMap.model_validate({"metadata": {"name": "c"}, "data": {"k": "v"}})
    assert not is_suspended(config)
    with pytest.raises(TypeError):
        Draft({"metadata": {"name": "c"}}, config).with_suspend(True)


@pytest.mark.parametrize(
    ("status", "finished"),
    [
        (None, False),
        ({"jobDeploymentStatus": "Running", "jobStatus": "RUNNING"}, False),
        ({"jobDeploymentStatus": "Suspended"}, False),
        ({"jobDeploymentStatus": "Complete", "jobStatus": "SUCCEEDED"}, True),
        ({"jobDeploymentStatus": "Failed", "reason": "DeadlineExceeded"}, True),
    ],
)
def test_a_rayjob_has_finished_only_when_its_deployment_is_terminal(
    status: dict[str, Any] | None, finished: bool
) -> None:
    assert has_finished(stored(rayjob("j"), status=status).as_(RayJob)) is finished


def test_a_raycluster_never_finishes() -> None:
    assert not has_finished(stored(raycluster("c"), status={"state": "failed"}).model)


def test_each_kind_names_the_cluster_spec_it_starts_and_its_path() -> None:
    cluster, path = cluster_spec(stored(raycluster("c")).model)
    assert isinstance(cluster, rc.RayClusterSpec) and path == "spec"
    job_cluster, job_path = cluster_spec(stored(rayjob("j")).model)
    assert job_cluster is not None and job_path == "spec.rayClusterSpec"
    service_cluster, service_path = cluster_spec(stored(rayservice("s")).model)
    assert service_cluster is not None and service_path == "spec.rayClusterConfig"
    selector = rayjob("on-existing")
    del selector["spec"]["rayClusterSpec"]
    selector["spec"]["clusterSelector"] = {"ray.io/cluster": "shared"}
    assert cluster_spec(validated(RAYJOB, "default", selector).model) == (
        None,
        "spec.rayClusterSpec",
    )
    assert validated(RAYSERVICE, "default", rayservice("ok")).model.kind == "RayService"


def test_a_copys_metadata_keeps_labels_and_the_users_annotations_only() -> None:
    meta = ObjectMeta.model_validate(
        {
            "name": "source",
            "uid": "u1",
            "resourceVersion": "9",
            "labels": {"team": "a"},
            "annotations": {
                "note": "mine",
                "raydeck.io/creator": "alice",
                "raydeck.io/template": "older",
                "raydeck.io/type": "template",
            },
        }
    )
    copy = fresh_metadata(meta, "copy", annotations={"raydeck.io/template": "source"})
    assert copy.to_wire() == {
        "name": "copy",
        "labels": {"team": "a"},
        "annotations": {"note": "mine", "raydeck.io/template": "source"},
    }
    assert fresh_metadata(ObjectMeta(name="bare"), "plain").to_wire() == {"name": "plain"}
    with pytest.raises(InvalidInput, match="the new name is invalid"):
        fresh_metadata(meta, "Not_A_Name")


def test_the_expected_version_is_a_number_the_server_issued_or_none() -> None:
    assert expected_version(None) is None and expected_version("") is None
    assert expected_version("12") == 12
    with pytest.raises(InvalidInput, match=r"metadata\.resourceVersion"):
        expected_version("twelve")


def test_a_merge_patch_merges_objects_removes_nulls_and_replaces_the_rest() -> None:
    target = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"list": [1, 2]}}
    patch = {"metadata": {"labels": {"b": None, "c": "3"}}, "spec": {"list": [3]}}
    assert merge_patch(target, patch) == {
        "metadata": {"labels": {"a": "1", "c": "3"}},
        "spec": {"list": [3]},
    }
    assert target["metadata"]["labels"] == {"a": "1", "b": "2"}
