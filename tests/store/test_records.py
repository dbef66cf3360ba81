"""A stored object reads, once, as its kind's typed model: spec and status typed, enums for states."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from raydeck.errors import InvalidInput, InvalidState
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.resources.configmap import ConfigMap
from raydeck.resources.kinds import RAYCLUSTER
from raydeck.resources.rayservice import RayService
from raydeck.store.records import StoredObject
from tests.support.samples import raycluster, rayjob, rayservice, stored


def stored_in(body: dict[str, Any], **kwargs: Any) -> StoredObject:
    return stored(body, namespace="team-a", **kwargs)


def test_a_raycluster_reads_as_a_typed_raycluster_with_its_state_an_enum() -> None:
    obj = stored_in(
        raycluster("typed", workers=3), status={"state": "ready", "readyWorkerReplicas": 3}
    )
    cluster = obj.as_(rc.RayCluster)
    assert cluster.spec.worker_group_specs is not None
    assert cluster.spec.worker_group_specs[0].desired_replicas() == 3
    assert cluster.status is not None and cluster.status.state is rc.ClusterState.READY
    assert cluster.status.ready_worker_replicas == 3


def test_the_model_carries_the_server_metadata_the_wire_shows() -> None:
    model = stored_in(raycluster("meta", labels={"team": "a"})).model
    assert model.metadata.name == "meta" and model.metadata.namespace == "team-a"
    assert model.metadata.uid == "uid-1" and model.metadata.resource_version == "7"
    assert model.metadata.labels == {"team": "a"}
    assert model.metadata.annotations == {"raydeck.io/type": "instance"}


def test_the_model_is_parsed_once_and_a_changed_copy_reads_its_own_body() -> None:
    obj = stored_in(raycluster("once", workers=1))
    assert obj.model is obj.model
    changed = dataclasses.replace(obj, body=raycluster("once", workers=5))
    groups = changed.as_(rc.RayCluster).spec.worker_group_specs
    assert groups is not None and groups[0].replicas == 5
    first = obj.as_(rc.RayCluster).spec.worker_group_specs
    assert first is not None and first[0].replicas == 1


def test_a_stored_object_cannot_be_changed_in_place() -> None:
    obj = stored_in(raycluster("frozen"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        obj.status = {"state": "ready"}  # type: ignore[misc]


def test_a_rayjob_reads_its_statuses_as_enums_with_their_behaviour() -> None:
    obj = stored_in(
        rayjob("job"),
        status={"jobStatus": "SUCCEEDED", "jobDeploymentStatus": "Complete", "succeeded": 1},
    )
    status = obj.as_(rj.RayJob).status
    assert status is not None
    assert status.job_status is rj.JobStatus.SUCCEEDED and status.job_status.is_terminal()
    assert status.job_deployment_status is rj.JobDeploymentStatus.COMPLETE
    assert status.job_deployment_status.is_terminal()


def test_a_rayservice_and_a_configmap_read_as_their_models() -> None:
    assert isinstance(stored_in(rayservice("svc")).model, RayService)
    config = stored_in(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "b"}}
    ).as_(ConfigMap)
    assert config.data == {"a": "b"}


def test_asking_for_another_kind_is_a_type_error_naming_both() -> None:
    with pytest.raises(TypeError, match="RayJob team-a/job is a RayJob, not a RayCluster"):
        stored_in(rayjob("job")).as_(rc.RayCluster)


def test_a_template_reads_without_status_as_its_wire_shows() -> None:
    obj = stored_in(raycluster("tpl"), status={"state": "ready"}, template=True)
    assert obj.as_(rc.RayCluster).status is None
    assert obj.model.metadata.annotations == {"raydeck.io/type": "template"}


def test_unknown_fields_are_kept_on_the_model() -> None:
    body = raycluster("extra")
    body["spec"]["futureField"] = {"kept": True}
    spec = stored_in(body).as_(rc.RayCluster).spec
    assert spec.model_extra == {"futureField": {"kept": True}}
    assert spec.to_wire()["futureField"] == {"kept": True}


def test_a_status_that_does_not_fit_is_an_invalid_state_naming_the_field() -> None:
    obj = stored_in(rayjob("odd"), status={"jobDeploymentStatus": "Exploded"})
    with pytest.raises(
        InvalidState,
        match=r"RayJob team-a/odd cannot be read as stored: "
        r"status\.jobDeploymentStatus",
    ):
        _ = obj.model


def test_only_the_models_types_are_checked_not_raydecks_rules() -> None:
    body = raycluster("a" * 60)  # longer than KubeRay's 53 characters for a RayCluster name
    with pytest.raises(InvalidInput, match=r"metadata\.name"):
        RAYCLUSTER.parse(body)
    assert stored_in(body).model.metadata.name == "a" * 60
