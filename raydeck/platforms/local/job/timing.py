"""When a RayJob's deadlines pass and what a finished one deletes when: pure functions.

``plan.py`` asks these with the job's spec, its status and the time; tests call them with
chosen times. They read nothing and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from raydeck.resources import rayjob as rj


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def _passed(seconds: int | None, status: rj.RayJobStatus, now: float) -> bool:
    started = parse_time(status.start_time)
    return seconds is not None and started is not None and now >= started + seconds


def active_deadline_passed(spec: rj.RayJobSpec, status: rj.RayJobStatus, *, now: float) -> bool:
    """``activeDeadlineSeconds`` have passed since this attempt started (``startTime``)."""
    return _passed(spec.active_deadline_seconds, status, now)


def pre_running_deadline_passed(
    spec: rj.RayJobSpec, status: rj.RayJobStatus, *, now: float
) -> bool:
    """``preRunningDeadlineSeconds`` have passed since this attempt started.

    Only asked before the RayJob is Running (Initializing, Waiting), as KubeRay asks it.
    """
    return _passed(spec.pre_running_deadline_seconds, status, now)


def status_check_timed_out(status: rj.RayJobStatus, *, now: float, timeout: float) -> bool:
    """The Ray Jobs API has failed to answer for ``timeout`` seconds in a row."""
    since = parse_time(status.job_status_check_failure_start_time)
    return since is not None and now >= since + timeout


@dataclass(frozen=True)
class Deletion:
    """What a finished job deletes now (``policy``), and in how many seconds to look again."""

    policy: rj.DeletionPolicyType | None = None
    wait: float | None = None


#: How much each policy removes, for choosing among rules that are due together.
_IMPACT = {
    rj.DeletionPolicyType.DELETE_NONE: 1,
    rj.DeletionPolicyType.DELETE_WORKERS: 2,
    rj.DeletionPolicyType.DELETE_CLUSTER: 3,
    rj.DeletionPolicyType.DELETE_SELF: 4,
}


def deletion_due(
    spec: rj.RayJobSpec,
    status: rj.RayJobStatus,
    *,
    now: float,
    done: Callable[[rj.DeletionPolicyType], bool],
) -> Deletion:
    """What a finished job deletes now, per its deletion settings, as KubeRay decides it.

    A job on a cluster chosen by ``clusterSelector`` deletes nothing. ``deletionRules`` stage
    deletions by condition and TTL; when several are due at once, the one that removes most
    goes first. The legacy ``onSuccess``/``onFailure`` pair picks by ``jobStatus`` and applies
    after ``ttlSecondsAfterFinished``; without a strategy, ``shutdownAfterJobFinishes`` deletes
    the cluster after that TTL. ``done(policy)`` says whether a policy's work is already done.
    """
    ended = parse_time(status.end_time)
    strategy = spec.deletion_strategy
    if ended is None or spec.cluster_selector:
        return Deletion()
    if strategy is not None and strategy.deletion_rules:
        return _rules_due(strategy.deletion_rules, status, ended=ended, now=now, done=done)
    if strategy is not None:
        return _once(
            _legacy_policy(strategy, status), ended + spec.ttl_seconds_after_finished, now, done
        )
    if spec.shutdown_after_job_finishes:
        policy = rj.DeletionPolicyType.DELETE_CLUSTER
        return _once(policy, ended + spec.ttl_seconds_after_finished, now, done)
    return Deletion()


def _rules_due(
    rules: list[rj.DeletionRule],
    status: rj.RayJobStatus,
    *,
    ended: float,
    now: float,
    done: Callable[[rj.DeletionPolicyType], bool],
) -> Deletion:
    matching = [rule for rule in rules if _matches(rule.condition, status)]
    pending = [ended + r.condition.ttl_seconds - now for r in matching]
    waits = [seconds for seconds in pending if seconds > 0]
    overdue = [
        rule.policy
        for rule, seconds in zip(matching, pending, strict=True)
        if seconds <= 0 and not done(rule.policy)
    ]
    if not overdue:
        return Deletion(wait=min(waits) if waits else None)
    chosen = max(overdue, key=lambda policy: _IMPACT[policy])
    # Another rule is due as well: look again at once (its work may be done by then).
    return Deletion(chosen, 0.0 if len(overdue) > 1 else (min(waits) if waits else None))


def _legacy_policy(
    strategy: rj.DeletionStrategy, status: rj.RayJobStatus
) -> rj.DeletionPolicyType | None:
    if status.job_status == rj.JobStatus.SUCCEEDED:
        chosen = strategy.on_success
    elif status.job_status == rj.JobStatus.FAILED:
        chosen = strategy.on_failure
    else:
        return None
    return chosen.policy if chosen is not None else None


def _once(
    policy: rj.DeletionPolicyType | None,
    due: float,
    now: float,
    done: Callable[[rj.DeletionPolicyType], bool],
) -> Deletion:
    if policy is None or policy == rj.DeletionPolicyType.DELETE_NONE:
        return Deletion()
    if now < due:
        return Deletion(wait=due - now)
    return Deletion() if done(policy) else Deletion(policy)


def _matches(condition: rj.DeletionCondition, status: rj.RayJobStatus) -> bool:
    if condition.job_status is not None:
        return condition.job_status == status.job_status
    return condition.job_deployment_status == status.job_deployment_status
