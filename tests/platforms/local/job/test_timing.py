"""When RayJob deadlines pass and what a finished job deletes when: pure functions, chosen times."""

from __future__ import annotations

from typing import Any

from raydeck.platforms.local.job.timing import (
    Deletion,
    active_deadline_passed,
    deletion_due,
    parse_time,
    pre_running_deadline_passed,
)
from raydeck.resources.rayjob import DeletionPolicyType, RayJobSpec, RayJobStatus

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
    assert not active_deadline_passed(spec(activeDeadlineSeconds=10), running, now=T0 + 9)
    assert active_deadline_passed(spec(activeDeadlineSeconds=10), running, now=T0 + 10)
    assert not active_deadline_passed(spec(), running, now=T0 + 10**6)


def test_pre_running_deadline_counts_from_the_start_too() -> None:
    waiting = status(startTime=START, jobDeploymentStatus="Initializing")
    assert not pre_running_deadline_passed(spec(preRunningDeadlineSeconds=5), waiting, now=T0 + 4)
    assert pre_running_deadline_passed(spec(preRunningDeadlineSeconds=5), waiting, now=T0 + 6)
    assert not pre_running_deadline_passed(spec(preRunningDeadlineSeconds=5), status(), now=T0 + 6)


def own(**fields: Any) -> RayJobSpec:
    """A spec with its own cluster (deletions apply only to those)."""
    head = {"template": {"spec": {"containers": [{"name": "h"}]}}}
    return RayJobSpec.model_validate(
        {"entrypoint": "x", "rayClusterSpec": {"headGroupSpec": head}, **fields}
    )


def nothing_done(policy: DeletionPolicyType) -> bool:
    return False


def test_shutdown_deletes_the_cluster_after_the_ttl() -> None:
    spec_ = own(shutdownAfterJobFinishes=True, ttlSecondsAfterFinished=30)
    done = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    assert deletion_due(spec_, done, now=T0 + 10, done=nothing_done) == Deletion(wait=20.0)
    assert deletion_due(spec_, done, now=T0 + 30, done=nothing_done) == Deletion(
        DeletionPolicyType.DELETE_CLUSTER
    )
    assert deletion_due(spec_, done, now=T0 + 30, done=lambda p: True) == Deletion()
    running = status(jobDeploymentStatus="Running")
    assert deletion_due(spec_, running, now=T0, done=nothing_done) == Deletion()


def test_deletion_rules_stage_deletions_for_the_matching_condition() -> None:
    rules = [
        {"policy": "DeleteWorkers", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 0}},
        {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 60}},
        {"policy": "DeleteCluster", "condition": {"jobDeploymentStatus": "Failed"}},
    ]
    strategy = own(deletionStrategy={"deletionRules": rules})
    done = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    assert deletion_due(strategy, done, now=T0 + 10, done=nothing_done) == Deletion(
        DeletionPolicyType.DELETE_WORKERS, 50.0
    )
    workers_gone = deletion_due(
        strategy, done, now=T0 + 10, done=lambda p: p == DeletionPolicyType.DELETE_WORKERS
    )
    assert workers_gone == Deletion(wait=50.0)
    failed = status(endTime=START, jobDeploymentStatus="Failed", jobStatus="FAILED")
    assert deletion_due(strategy, failed, now=T0, done=nothing_done) == Deletion(
        DeletionPolicyType.DELETE_CLUSTER
    )


def test_rules_due_together_run_the_one_that_removes_most_first() -> None:
    rules = [
        {"policy": "DeleteWorkers", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 0}},
        {"policy": "DeleteCluster", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 10}},
        {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 20}},
    ]
    strategy = own(deletionStrategy={"deletionRules": rules})
    done = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    # raydeck was down for a minute: every rule is overdue, and DeleteSelf takes all.
    assert deletion_due(strategy, done, now=T0 + 60, done=nothing_done) == Deletion(
        DeletionPolicyType.DELETE_SELF, 0.0
    )
    assert deletion_due(strategy, done, now=T0 + 15, done=nothing_done) == Deletion(
        DeletionPolicyType.DELETE_CLUSTER, 0.0
    )


def test_legacy_policies_pick_by_the_ray_jobs_outcome() -> None:
    legacy = own(
        deletionStrategy={
            "onSuccess": {"policy": "DeleteSelf"},
            "onFailure": {"policy": "DeleteNone"},
        }
    )
    succeeded = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    assert deletion_due(legacy, succeeded, now=T0, done=nothing_done) == Deletion(
        DeletionPolicyType.DELETE_SELF
    )
    failed = status(endTime=START, jobDeploymentStatus="Failed", jobStatus="FAILED")
    assert deletion_due(legacy, failed, now=T0, done=nothing_done) == Deletion()
    # A stopped job neither succeeded nor failed: KubeRay applies neither policy.
    stopped = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="STOPPED")
    assert deletion_due(legacy, stopped, now=T0, done=nothing_done) == Deletion()


def test_a_job_on_a_selected_cluster_deletes_nothing_not_even_itself() -> None:
    rule = {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED"}}
    selected = spec(deletionStrategy={"deletionRules": [rule]})
    done = status(endTime=START, jobDeploymentStatus="Complete", jobStatus="SUCCEEDED")
    assert deletion_due(selected, done, now=T0 + 60, done=nothing_done) == Deletion()
