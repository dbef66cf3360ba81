"""One RayJob pass being decided, and how a RayJob fails: shared by the steps of its plan.

``plan.py`` builds a ``Draft`` per pass and hands it to the step of the job's state; every step
that fails the job goes through ``fail``, the one place that counts failures and decides
between Retrying and Failed. Pure: no I/O, the time comes in with what was observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import Action, Event
from raydeck.platforms.local.job.observed import ClusterSeen, Observed
from raydeck.resources import rayjob as rj

#: Seconds between looks while something is under way, and while waiting on someone else.
POLL = 0.5
WAIT = 1.0
DS = rj.JobDeploymentStatus
#: Failures backoffLimit does not retry: another attempt could only run out of time again.
_FINAL = (rj.FailedReason.DEADLINE_EXCEEDED, rj.FailedReason.STATUS_CHECK_TIMEOUT_EXCEEDED)


@dataclass
class JobPlan:
    """What to do, in order, then the status to write and when to look again."""

    status: rj.RayJobStatus
    actions: list[Action] = field(default_factory=list)
    requeue_after: float | None = None

    def of(self, kind: type[Action]) -> list[Action]:
        return [a for a in self.actions if isinstance(a, kind)]


@dataclass
class Draft:
    """One pass being decided: the inputs, and the plan so far."""

    job: rj.RayJob
    seen: Observed
    plan: JobPlan

    @property
    def spec(self) -> rj.RayJobSpec:
        return self.job.spec

    @property
    def status(self) -> rj.RayJobStatus:
        return self.plan.status

    @property
    def now(self) -> float:
        return self.seen.now.timestamp()

    @property
    def cluster(self) -> ClusterSeen | None:
        return self.seen.cluster

    def do(self, *actions: Action) -> None:
        self.plan.actions.extend(actions)

    def event(self, reason: str, message: str, *, warning: bool = False) -> None:
        self.do(Event("Warning" if warning else "Normal", reason, message))


def fail(d: Draft, reason: rj.FailedReason, message: str) -> float:
    """Count a failure; retry on a new cluster while backoffLimit allows, else fail for good.

    ``jobStatus`` stays what Ray last said, as KubeRay leaves it (a job that never ran stays
    ``""``); ``reason`` says why the RayJob failed.
    """
    s = d.status
    s.failed = (s.failed or 0) + 1
    s.reason, s.message = reason, message
    if reason not in _FINAL and s.failed <= (d.spec.backoff_limit or 0):
        s.job_deployment_status = DS.RETRYING
        d.event(
            "Retrying",
            f"Attempt {s.failed} failed ({reason.value}): {message}; retrying on a new cluster",
            warning=True,
        )
        return 0.0
    s.job_deployment_status = DS.FAILED
    s.end_time = rfc3339(d.seen.now)
    d.event("Failed", f"{reason.value}: {message}", warning=True)
    return 0.0


def past_active_deadline(d: Draft) -> float:
    seconds, since = d.spec.active_deadline_seconds, d.status.start_time
    message = f"activeDeadlineSeconds ({seconds}) passed since the start at {since}"
    return fail(d, rj.FailedReason.DEADLINE_EXCEEDED, message)


def past_pre_running_deadline(d: Draft) -> float:
    seconds, since = d.spec.pre_running_deadline_seconds, d.status.start_time
    message = (
        f"preRunningDeadlineSeconds ({seconds}) passed since the start at {since} "
        "before the job was running"
    )
    return fail(d, rj.FailedReason.PRE_RUNNING_DEADLINE_EXCEEDED, message)
