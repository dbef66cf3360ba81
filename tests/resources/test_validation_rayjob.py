"""RayJob validation follows KubeRay's rules and names the field of every violation."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.errors import InvalidInput
from raydeck.resources.rayjob import JobDeploymentStatus, JobStatus
from raydeck.resources.validation_rayjob import parse_rayjob
from tests.support.samples import rayjob


def paths(body: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InvalidInput) as caught:
        parse_rayjob(body)
    return {e.path: e.message for e in caught.value.errors}


def test_sample_job_is_valid_and_keeps_its_fields() -> None:
    body = rayjob(
        runtimeEnvYAML="pip:\n  - requests\nenv_vars:\n  A: b\n",
        shutdownAfterJobFinishes=True,
        ttlSecondsAfterFinished=10,
    )
    assert parse_rayjob(body).to_wire() == body


def test_status_values_know_when_they_are_final() -> None:
    assert JobStatus.STOPPED.is_terminal() and not JobStatus.RUNNING.is_terminal()
    assert (
        JobDeploymentStatus.FAILED.is_terminal() and not JobDeploymentStatus.RETRYING.is_terminal()
    )


def test_name_is_at_most_47_characters() -> None:
    assert "47" in paths(rayjob("a" * 48))["metadata.name"]


def test_exactly_one_of_cluster_spec_and_selector() -> None:
    body = rayjob()
    del body["spec"]["rayClusterSpec"]
    assert "one of rayClusterSpec or clusterSelector" in paths(body)["spec"]
    both = rayjob(clusterSelector={"ray.io/cluster": "c"})
    assert "not both" in paths(both)["spec.clusterSelector"]


def test_selector_rules() -> None:
    body = rayjob(
        clusterSelector={"ray.io/cluster": "c"},
        backoffLimit=2,
        suspend=True,
        shutdownAfterJobFinishes=True,
    )
    del body["spec"]["rayClusterSpec"]
    found = paths(body)
    assert "incompatible" in found["spec.backoffLimit"]
    assert "cannot be suspended" in found["spec.suspend"]
    empty = rayjob(clusterSelector={"other": "x"})
    del empty["spec"]["rayClusterSpec"]
    assert "must name the RayCluster" in paths(empty)["spec.clusterSelector[ray.io/cluster]"]


def test_suspend_and_ttl_need_shutdown_after_job_finishes() -> None:
    found = paths(rayjob(suspend=True, ttlSecondsAfterFinished=5))
    assert "shutdownAfterJobFinishes" in found["spec.suspend"]
    assert "shutdownAfterJobFinishes" in found["spec.ttlSecondsAfterFinished"]


def test_deadlines_must_be_positive_and_backoff_not_negative() -> None:
    found = paths(rayjob(activeDeadlineSeconds=0, preRunningDeadlineSeconds=-1, backoffLimit=-1))
    assert set(found) >= {
        "spec.activeDeadlineSeconds",
        "spec.preRunningDeadlineSeconds",
        "spec.backoffLimit",
    }


def test_interactive_mode_needs_no_entrypoint_but_refuses_backoff() -> None:
    parse_rayjob(rayjob(entrypoint="", submissionMode="InteractiveMode"))
    found = paths(rayjob(submissionMode="InteractiveMode", backoffLimit=1))
    assert "InteractiveMode" in found["spec.backoffLimit"]


def test_runtime_env_yaml_must_parse_to_a_mapping() -> None:
    assert "line" in paths(rayjob(runtimeEnvYAML="pip: [unclosed\n"))["spec.runtimeEnvYAML"]
    assert "mapping" in paths(rayjob(runtimeEnvYAML="- a list\n"))["spec.runtimeEnvYAML"]


def test_embedded_cluster_spec_is_checked_with_its_path() -> None:
    body = rayjob()
    body["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"] = []
    assert "spec.rayClusterSpec.headGroupSpec.template.spec.containers" in paths(body)


def test_deletion_rules_exclude_shutdown_and_legacy_fields() -> None:
    rule = {"policy": "DeleteCluster", "condition": {"jobStatus": "SUCCEEDED"}}
    found = paths(rayjob(shutdownAfterJobFinishes=True, deletionStrategy={"deletionRules": [rule]}))
    assert "shutdownAfterJobFinishes" in found["spec.deletionStrategy.deletionRules"]
    mixed = {"deletionRules": [rule], "onSuccess": {"policy": "DeleteCluster"}}
    assert "not both" in paths(rayjob(deletionStrategy=mixed))["spec.deletionStrategy"]
    assert "onSuccess and onFailure" in paths(rayjob(deletionStrategy={}))["spec.deletionStrategy"]


def test_deletion_rules_are_checked_one_by_one() -> None:
    rules = [
        {
            "policy": "DeleteCluster",
            "condition": {"jobStatus": "FAILED", "jobDeploymentStatus": "Failed"},
        },
        {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 10}},
        {"policy": "DeleteCluster", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 60}},
        {"policy": "DeleteCluster", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 5}},
    ]
    found = paths(rayjob(deletionStrategy={"deletionRules": rules}))
    assert "exactly one" in found["spec.deletionStrategy.deletionRules[0].condition"]
    assert "duplicate" in found["spec.deletionStrategy.deletionRules[3]"]
    assert (
        "DeleteSelf TTL (10) must be >= DeleteCluster TTL (60)"
        in found["spec.deletionStrategy.deletionRules"]
    )


def test_legacy_deletion_policies() -> None:
    found = paths(
        rayjob(
            shutdownAfterJobFinishes=True,
            deletionStrategy={"onSuccess": {"policy": "DeleteNone"}, "onFailure": {}},
        )
    )
    assert "contradicts" in found["spec.deletionStrategy.onSuccess.policy"]
    assert found["spec.deletionStrategy.onFailure.policy"] == "Required value"
    parse_rayjob(
        rayjob(
            deletionStrategy={
                "onSuccess": {"policy": "DeleteCluster"},
                "onFailure": {"policy": "DeleteNone"},
            }
        )
    )


def test_k8s_job_mode_needs_no_entrypoint_as_in_kuberay_when_a_submitter_pod_submits() -> None:
    submitter = {
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "s",
                    "image": "i",
                    "command": ["/submitter"],
                    "args": ["--", "python", "x.py"],
                }
            ],
        }
    }
    job = parse_rayjob(rayjob(entrypoint="", submitterPodTemplate=submitter))
    assert job.spec.entrypoint == ""
