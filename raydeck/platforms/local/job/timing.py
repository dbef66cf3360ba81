"""When a RayJob's deadlines and TTL fall due: pure functions of its spec, status and the time.

The RayJob reconciler asks these; tests call them with chosen times.
"""

from __future__ import annotations

from datetime import UTC, datetime

from raydeck.resources import rayjob as rj


def parse_time(value: str | None) -> float | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


def deadline_reason(
    spec: rj.RayJobSpec, status: rj.RayJobStatus, *, now: float
) -> rj.FailedReason | None:
    """The deadline that has passed, if any: running too long, or not running soon enough."""
    started = parse_time(status.start_time)
    if started is None:
        return None
    if spec.active_deadline_seconds is not None and now >= started + spec.active_deadline_seconds:
        return rj.FailedReason.DEADLINE_EXCEEDED
    before_running = status.job_deployment_status in (
        rj.JobDeploymentStatus.INITIALIZING,
        rj.JobDeploymentStatus.WAITING,
    ) or status.job_status in (None, rj.JobStatus.NEW, rj.JobStatus.PENDING)
    pre = spec.pre_running_deadline_seconds
    if pre is not None and before_running and now >= started + pre:
        return rj.FailedReason.PRE_RUNNING_DEADLINE_EXCEEDED
    return None


def deletion_plan(
    spec: rj.RayJobSpec, status: rj.RayJobStatus, *, now: float
) -> list[tuple[rj.DeletionPolicyType, float]]:
    """What a finished job deletes and in how many seconds (0: now), per its deletion settings.

    ``deletionStrategy.deletionRules`` stage deletions by condition and TTL; the legacy
    ``onSuccess``/``onFailure`` pair applies one policy after ``ttlSecondsAfterFinished``;
    without a strategy, ``shutdownAfterJobFinishes`` deletes the cluster after that TTL.
    """
    ended = parse_time(status.end_time)
    if ended is None:
        return []
    strategy = spec.deletion_strategy

    def due(ttl: int) -> float:
        return max(0.0, ended + ttl - now)

    if strategy is not None and strategy.deletion_rules:
        return [
            (rule.policy, due(rule.condition.ttl_seconds))
            for rule in strategy.deletion_rules
            if _matches(rule.condition, status)
        ]
    if strategy is not None and (strategy.on_success or strategy.on_failure):
        succeeded = status.job_deployment_status == rj.JobDeploymentStatus.COMPLETE
        chosen = strategy.on_success if succeeded else strategy.on_failure
        if chosen is None or chosen.policy is None:
            return []
        return [(chosen.policy, due(spec.ttl_seconds_after_finished))]
    if spec.shutdown_after_job_finishes and not spec.cluster_selector:
        return [(rj.DeletionPolicyType.DELETE_CLUSTER, due(spec.ttl_seconds_after_finished))]
    return []


def _matches(condition: rj.DeletionCondition, status: rj.RayJobStatus) -> bool:
    if condition.job_status is not None:
        return condition.job_status == status.job_status
    return condition.job_deployment_status == status.job_deployment_status
