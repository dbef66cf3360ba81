"""What raydeck keeps of an API object, what it sends back, and how API errors reach users.

Pure functions, no API server: the test-bed tests show the same against the real thing.
"""

from __future__ import annotations

from typing import Any

import httpx
import kr8s

from raydeck.errors import AlreadyExists, Forbidden, InvalidInput, NotFound, StaleResourceVersion
from raydeck.platforms.kubernetes.client import translate
from raydeck.platforms.kubernetes.convert import (
    RAYCLUSTER,
    RAYSERVICE,
    cluster_names,
    node_target,
    parse_pod,
    to_event,
    to_request,
    to_stored,
)
from raydeck.platforms.kubernetes.kueue import kueue_state, to_admission
from raydeck.resources.summary import Totals, summarize

LIVE: dict[str, Any] = {
    "apiVersion": "ray.io/v1",
    "kind": "RayCluster",
    "metadata": {
        "name": "c1",
        "namespace": "team-a",
        "uid": "u-1",
        "resourceVersion": "4711",
        "generation": 3,
        "creationTimestamp": "2026-01-02T03:04:05Z",
        "managedFields": [{"manager": "kuberay-operator"}],
        "labels": {"team": "a"},
        "annotations": {"raydeck.io/creator": "ada"},
        "finalizers": ["example.com/keep"],
    },
    "spec": {"rayVersion": "2.60.0", "suspend": False},
    "status": {"state": "ready"},
}


def test_stored_copy_keeps_the_users_part_and_the_servers_versions() -> None:
    obj = to_stored(RAYCLUSTER, LIVE)
    assert (obj.namespace, obj.name, obj.uid) == ("team-a", "c1", "u-1")
    assert (obj.resource_version, obj.generation, obj.creator) == (4711, 3, "ada")
    assert obj.status == {"state": "ready"}
    assert obj.body["metadata"] == {
        "name": "c1",
        "labels": {"team": "a"},
        "annotations": {"raydeck.io/creator": "ada"},
        "finalizers": ["example.com/keep"],
    }
    assert "status" not in obj.body


def test_request_drops_raydecks_type_annotation_and_carries_the_expected_version() -> None:
    wire = to_stored(RAYCLUSTER, LIVE).to_wire()
    assert wire["metadata"]["annotations"]["raydeck.io/type"] == "instance"
    request = to_request(RAYCLUSTER, "team-a", wire, resource_version=4711)
    assert request["metadata"]["resourceVersion"] == "4711"
    assert request["metadata"]["namespace"] == "team-a"
    assert request["metadata"]["annotations"] == {"raydeck.io/creator": "ada"}
    assert "uid" not in request["metadata"] and "status" not in request


def test_pod_view_reads_group_type_readiness_and_restarts() -> None:
    pod = {
        "metadata": {
            "name": "c1-head-x",
            "labels": {"ray.io/group": "headgroup", "ray.io/node-type": "head"},
        },
        "spec": {"containers": [{"ports": [{"name": "gcs", "containerPort": 6379}]}]},
        "status": {
            "phase": "Running",
            "podIP": "10.0.0.7",
            "conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"restartCount": 2}],
        },
    }
    view = parse_pod(pod).view
    assert (view.group, view.node_type, view.phase, view.ready) == (
        "headgroup",
        "head",
        "Running",
        True,
    )
    assert (view.restarts, view.ip, view.ports) == (2, "10.0.0.7", {"gcs": 6379})


def test_event_is_filed_under_the_object_it_regards() -> None:
    event = {
        "metadata": {"uid": "e-1", "creationTimestamp": "2026-01-02T03:04:05Z"},
        "regarding": {"kind": "RayCluster", "namespace": "team-a", "name": "c1", "uid": "u-1"},
        "reason": "CreatedHeadPod",
        "note": "Created head pod",
        "type": "Normal",
        "eventTime": "2026-01-02T03:04:06.123456Z",
        "series": {"count": 3, "lastObservedTime": "2026-01-02T03:05:00.000001Z"},
    }
    found = to_event(event)
    assert found is not None
    uid, record = found
    assert uid == "u-1" and (record.reason, record.count) == ("CreatedHeadPod", 3)
    assert (record.first_timestamp, record.last_timestamp) == (
        "2026-01-02T03:04:06Z",
        "2026-01-02T03:05:00Z",
    )


def test_a_rayservices_clusters_are_its_active_and_pending_ones() -> None:
    raw = {
        "metadata": {"name": "svc", "namespace": "n", "uid": "u"},
        "status": {
            "activeServiceStatus": {"rayClusterName": "svc-old"},
            "pendingServiceStatus": {"rayClusterName": "svc-new"},
        },
    }
    assert cluster_names(to_stored(RAYSERVICE, raw)) == ["svc-old", "svc-new"]


def _server_error(code: int, status: dict[str, Any]) -> kr8s.ServerError:
    response = httpx.Response(code, json=status)
    return kr8s.ServerError(str(status.get("message")), status=status, response=response)  # type: ignore[arg-type]


def test_api_errors_become_raydeck_errors_with_field_paths() -> None:
    invalid = translate(
        _server_error(
            422,
            {
                "reason": "Invalid",
                "message": "RayCluster.ray.io is invalid",
                "details": {
                    "causes": [
                        {"field": "spec.workerGroupSpecs[0].replicas", "message": "must be int"}
                    ]
                },
            },
        )
    )
    assert isinstance(invalid, InvalidInput)
    assert [e.path for e in invalid.errors] == ["spec.workerGroupSpecs[0].replicas"]
    assert isinstance(translate(_server_error(409, {"reason": "Conflict"})), StaleResourceVersion)
    assert isinstance(translate(_server_error(409, {"reason": "AlreadyExists"})), AlreadyExists)
    assert isinstance(translate(_server_error(404, {"reason": "NotFound"})), NotFound)
    assert isinstance(translate(_server_error(403, {"reason": "Forbidden"})), Forbidden)


def test_a_ray_pod_as_a_monitoring_target_counts_its_containers_requests() -> None:
    pod = {
        "metadata": {
            "name": "c-head-x",
            "namespace": "team-a",
            "labels": {
                "ray.io/cluster": "c",
                "ray.io/group": "headgroup",
                "ray.io/node-type": "head",
            },
        },
        "spec": {
            "containers": [
                {
                    "name": "ray-head",
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}},
                    "ports": [{"name": "metrics", "containerPort": 8081}],
                },
                {"name": "sidecar", "resources": {"limits": {"cpu": "250m", "nvidia.com/gpu": 1}}},
            ]
        },
        "status": {"phase": "Running", "podIP": "10.0.0.7"},
    }
    target = node_target(parse_pod(pod))
    assert (target.node_type, target.group, target.running) == ("head", "headgroup", True)
    assert target.requests == Totals(cpu_millis=750, memory_bytes=1024**3, gpu=1)
    assert target.instance == "10.0.0.7:8081"
    # Prometheus finds its series by the labels KubeRay's PodMonitor relabeling writes.
    assert (target.namespace, target.cluster, target.key) == ("team-a", "c", "team-a/c-head-x")
    pending = node_target(parse_pod({**pod, "status": {"phase": "Pending"}}))
    assert not pending.running and pending.instance is None  # no IP yet: nothing to scrape


def test_a_webhooks_refusal_is_invalid_input_naming_its_fields() -> None:
    message = (
        'admission webhook "vrayjob.kb.io" denied the request: [spec.shutdownAfterJobFinishes: '
        "Invalid value: false: must delete the cluster, spec.clusterSelector: Required value: "
        "needed]"
    )
    refused = translate(_server_error(403, {"reason": "Forbidden", "message": message}))
    assert isinstance(refused, InvalidInput)
    assert [(e.path, e.message) for e in refused.errors] == [
        ("spec.shutdownAfterJobFinishes", "Invalid value: false: must delete the cluster"),
        ("spec.clusterSelector", "Required value: needed"),
    ]
    # A refusal about who asks stays one.
    denied = translate(_server_error(403, {"reason": "Forbidden", "message": "user cannot"}))
    assert isinstance(denied, Forbidden)


def test_a_kueue_workload_is_read_as_its_owners_admission() -> None:
    workload = {
        "metadata": {
            "name": "rayjob-j-1a2b3",
            "namespace": "team-a",
            "creationTimestamp": "2026-01-02T03:04:05Z",
            "ownerReferences": [{"kind": "RayJob", "name": "j", "uid": "u-1", "controller": True}],
        },
        "spec": {
            "queueName": "team",
            "priority": 5,
            "podSets": [
                {
                    "name": "head",
                    "count": 2,
                    "template": {
                        "spec": {"containers": [{"resources": {"requests": {"cpu": "1"}}}]}
                    },
                }
            ],
        },
        "status": {
            "conditions": [
                {
                    "type": "QuotaReserved",
                    "status": "False",
                    "reason": "Pending",
                    "message": "couldn't assign flavors: insufficient quota for cpu",
                }
            ]
        },
    }
    found = to_admission(workload)
    assert found is not None
    owner, admission = found
    assert owner == "u-1" and (admission.owner_kind, admission.owner_name) == ("RayJob", "j")
    assert admission.state == "pending" and "insufficient quota" in admission.reason
    assert admission.requests == Totals(cpu_millis=2000) and admission.priority == 5
    status = admission.to_status()
    assert (status["queueName"], status["clusterQueue"]) == ("team", "")
    assert kueue_state({"QuotaReserved": True, "Admitted": True}) == "admitted"
    assert kueue_state({"Admitted": True, "Finished": True}) == "finished"
    assert kueue_state({"Evicted": True}) == "evicted"
    held = summarize("RayJob", {"spec": {"suspend": True}}, {"kueue": {"state": "pending"}})
    assert held.state == "queued"
    orphan = {**workload, "metadata": {**workload["metadata"], "ownerReferences": []}}
    assert to_admission(orphan) is None
