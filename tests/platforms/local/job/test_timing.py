"""When RayJob deadlines pass and what a finished job deletes when: pure functions, chosen times."""

from __future__ import annotations

from typing import Any

from raydeck.platforms.local.job.timing import deadline_reason, deletion_plan, parse_time
from raydeck.resources.rayjob import DeletionPolicyType, FailedReason, RayJobSpec, RayJobStatus

START = "2026-01-01T00:00:00Z"
T0 = parse_time(START) or 0.0


def spec(**fields: Any) -> RayJobSpec:
    return RayJobSpec.model_validate(
        {"entrypoint": "x", "clusterSelector": {"ray.io/cluster": "c"}, **fields}
    )


def status(**fields: Any) -> RayJobStatus:
    return RayJobStatus.model_validate(fields)


def test_active_deadline_counts_from_the_start() -> None:
    running = status(startTime=START, jobDeploymentStatus="Running", jobStatus="RUNNING")
    assert deadline_reason(spec(activeDeadlineSeconds=10), running, now=T0 + 9) is None
    assert (
        deadline_reason(spec(activeDeadlineSeconds=10), running, now=T0 + 10)
        == FailedReason.DEADLINE_EXCEEDED
    )


def test_pre_running_deadline_only_applies_before_the_job_runs() -> None:
    waiting = status(startTime=START, jobDeploymentStatus="Initializing")
    late = deadline_reason(spec(preRunningDeadlineSeconds=5), waiting, now=T0 + 6)
    assert late == FailedReason.PRE_RUNNING_DEADLINE_EXCEEDED
    running = status(startTime=START, jobDeploymentStatus="Running", jobStatus="RUNNING")
    assert deadline_reason(spec(preRunningDeadlineSeconds=5), running, now=T0 + 6) is None


def test_shutdown_deletes_the_cluster_after_the_ttl() -> None:
    own = RayJobSpec.model_validate(
        {
            "entrypoint": "x",
            "rayClusterSpec": {
                "headGroupSpec": {"template": {"spec": {"containers": [{"name": "h"}]}}}
            },
            "shutdownAfterJobFinishes": True,
            "ttlSecondsAfterFinished": 30,
        }
    )
    done = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    assert deletion_plan(own, done, now=T0 + 10) == [(DeletionPolicyType.DELETE_CLUSTER, 20.0)]
    assert deletion_plan(own, status(jobDeploymentStatus="Running"), now=T0) == []


def test_deletion_rules_stage_deletions_for_the_matching_condition() -> None:
    rules = [
        {"policy": "DeleteWorkers", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 0}},
        {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 60}},
        {"policy": "DeleteCluster", "condition": {"jobDeploymentStatus": "Failed"}},
    ]
    strategy = spec(deletionStrategy={"deletionRules": rules})
    done = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    assert deletion_plan(strategy, done, now=T0 + 10) == [
        (DeletionPolicyType.DELETE_WORKERS, 0.0),
        (DeletionPolicyType.DELETE_SELF, 50.0),
    ]
    failed = status(endTime=START, jobDeploymentStatus="Failed", jobStatus="FAILED")
    assert deletion_plan(strategy, failed, now=T0) == [(DeletionPolicyType.DELETE_CLUSTER, 0.0)]


def test_legacy_policies_pick_by_outcome() -> None:
    legacy = spec(
        deletionStrategy={
            "onSuccess": {"policy": "DeleteSelf"},
            "onFailure": {"policy": "DeleteNone"},
        }
    )
    done = status(endTime=START, jobDeploymentStatus="Complete")
    assert deletion_plan(legacy, done, now=T0) == [(DeletionPolicyType.DELETE_SELF, 0.0)]
    failed = status(endTime=START, jobDeploymentStatus="Failed")
    assert deletion_plan(legacy, failed, now=T0) == [(DeletionPolicyType.DELETE_NONE, 0.0)]
