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


def cluster_deletion_due(
    spec: rj.RayJobSpec, status: rj.RayJobStatus, *, now: float
) -> float | None:
    """Seconds until the finished job's cluster is to be deleted (0: now); None: keep it."""
    if not spec.shutdown_after_job_finishes or spec.cluster_selector:
        return None
    ended = parse_time(status.end_time)
    if ended is None:
        return None
    return max(0.0, ended + spec.ttl_seconds_after_finished - now)
