"""RayJobs, clusters and observations for the plan tests: one pass's inputs, built by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import (
    Event,
)
from raydeck.platforms.local.job.observed import ClusterSeen, Observed, RayJobSeen
from raydeck.platforms.local.job.plan import JobPlan
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from tests.support.samples import rayjob

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DS, JS, Reason = rj.JobDeploymentStatus, rj.JobStatus, rj.FailedReason
CLUSTER = "j-abcde"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def job(status: dict[str, Any] | None = None, **spec: Any) -> rj.RayJob:
    body = rayjob("j", **spec)
    body["metadata"].update(uid="job-uid", generation=3)
    if status is not None:
        body["status"] = status
    return rj.RayJob.model_validate(body)


def selector_job(status: dict[str, Any] | None = None, **spec: Any) -> rj.RayJob:
    found = job(status, clusterSelector={"ray.io/cluster": "shared"}, **spec)
    found.spec.ray_cluster_spec = None
    return found


def cluster(
    state: str = "ready",
    *,
    owned: bool = True,
    name: str = CLUSTER,
    workers_suspended: bool = False,
    **status: Any,
) -> ClusterSeen:
    fields = {"state": state, "endpoints": {"dashboard": "18265"}, **status}
    return ClusterSeen(
        name=name,
        uid=f"{name}-uid",
        owned=owned,
        status=rc.RayClusterStatus.model_validate(fields),
        workers_suspended=workers_suspended,
    )


def seen(now: float = 0, **fields: Any) -> Observed:
    return Observed(now=at(now), **fields)


def ray(status: rj.JobStatus, message: str = "") -> RayJobSeen:
    return RayJobSeen(known=True, status=status, message=message)


def after(previous: rj.RayJob, plan: JobPlan) -> rj.RayJob:
    """The job as the next pass reads it: the status this plan wrote."""
    return previous.model_copy(update={"status": plan.status})


def events(plan: JobPlan) -> list[str]:
    return [a.reason for a in plan.actions if isinstance(a, Event)]


def running(**status: Any) -> dict[str, Any]:
    return {
        "jobDeploymentStatus": "Running",
        "jobStatus": "RUNNING",
        "jobId": "j-1",
        "rayClusterName": CLUSTER,
        "dashboardURL": "http://127.0.0.1:18265",
        "startTime": rfc3339(T0),
        "failed": 0,
        "succeeded": 0,
        **status,
    }


def finished(outcome: str = "SUCCEEDED", *, end: float = 0, **status: Any) -> dict[str, Any]:
    phase = "Failed" if outcome == "FAILED" else "Complete"
    return running(jobDeploymentStatus=phase, jobStatus=outcome, endTime=rfc3339(at(end)), **status)
