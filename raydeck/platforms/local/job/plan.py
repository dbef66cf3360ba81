"""Reconcile decisions for a RayJob on the local platform, as one pure function.

``plan_job`` maps the typed RayJob (its spec and last status) and what the reconciler observed
(its RayCluster, its Ray job as Ray's Jobs API reports it, the submission just tried, the time)
to the actions to carry out and the status to write. The reconciler observes and acts; every
decision is here, testable with a fake clock and no processes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import (
    Action,
    CreateCluster,
    DeleteCluster,
    DeleteSelf,
    DeleteWorkers,
    Event,
    KeepLog,
    StopRayJob,
    Submit,
)
from raydeck.platforms.local.job.observed import ClusterSeen, Observed, RayJobSeen
from raydeck.platforms.local.job.submitter import SubmitterError, submission
from raydeck.platforms.local.job.timing import (
    active_deadline_passed,
    deletion_due,
    pre_running_deadline_passed,
    status_check_timed_out,
)
from raydeck.platforms.local.owned import cluster_name, queued_problem
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.resources.meta import STOP_ANNOTATION

#: Seconds between looks while something is under way, and while waiting on someone else.
POLL = 0.5
WAIT = 1.0
#: How long a Running job's state may stay unreadable before the RayJob fails
#: (KubeRay's default RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS).
STATUS_CHECK_TIMEOUT = 300.0
DS = rj.JobDeploymentStatus
JS = rj.JobStatus
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


def ray_job_wanted(job: rj.RayJob, cluster: ClusterSeen | None) -> str | None:
    """The submission id whose Ray job this pass must look up on ``cluster``, if any.

    Initializing asks once the cluster is ready, before raydeck submits itself (K8sJobMode,
    SidecarMode), so a restart of raydeck never submits a job twice; Running follows the job.
    """
    status = job.status or rj.RayJobStatus()
    phase = status.job_deployment_status or DS.NEW
    if cluster is None or not status.job_id:
        return None
    if phase == DS.RUNNING:
        return status.job_id
    if phase == DS.INITIALIZING and cluster.ready and _submits_first(job.spec):
        return status.job_id
    return None


def _submits_first(spec: rj.RayJobSpec) -> bool:
    """Whether raydeck submits before Running, as KubeRay's submitter Job or sidecar does.

    In HTTPMode KubeRay submits once Running, when Ray does not know the job; in
    InteractiveMode the user submits.
    """
    return spec.submission_mode in (rj.SubmissionMode.K8S_JOB, rj.SubmissionMode.SIDECAR)


def plan_job(job: rj.RayJob, seen: Observed) -> JobPlan:
    """The actions and status of one pass over ``job``, given what was ``seen``."""
    status = (job.status or rj.RayJobStatus()).model_copy(deep=True)
    draft = _Draft(job, seen, JobPlan(status))
    draft.plan.requeue_after = _step(draft)
    if not draft.plan.of(DeleteSelf):
        status.observed_generation = job.metadata.generation
    return draft.plan


@dataclass
class _Draft:
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


Step = Callable[[_Draft], float | None]


def _step(d: _Draft) -> float | None:
    phase = d.status.job_deployment_status or DS.NEW
    if d.spec.suspend and phase in (DS.INITIALIZING, DS.RUNNING):
        # Only these two may start suspending; once begun, suspending finishes either way.
        d.status.job_deployment_status = DS.SUSPENDING
        return 0.0
    steps: dict[DS, Step] = {
        DS.NEW: _new,
        DS.INITIALIZING: _initializing,
        DS.WAITING: _waiting,
        DS.RUNNING: _running,
        DS.SUSPENDING: _release,
        DS.RETRYING: _release,
        DS.COMPLETE: _finished,
        DS.FAILED: _finished,
        DS.SUSPENDED: _suspended,
    }
    return steps.get(phase, _new)(d)


# -- steps ----------------------------------------------------------------------------------


def _new(d: _Draft) -> float:
    s, spec, name = d.status, d.spec, d.job.metadata.name
    selected = (spec.cluster_selector or {}).get(rj.CLUSTER_SELECTOR_KEY)
    interactive = spec.submission_mode == rj.SubmissionMode.INTERACTIVE
    s.job_deployment_status = DS.INITIALIZING
    s.job_status = JS.NEW
    # InteractiveMode takes the id the user gives once the cluster is up (Waiting).
    s.job_id = None if interactive else spec.job_id or f"{name}-{secrets.token_hex(4)}"
    s.ray_cluster_name = selected or cluster_name(name)
    s.start_time = rfc3339(d.seen.now)  # each attempt has its own deadlines, as in KubeRay
    s.failed = s.failed or 0
    s.succeeded = s.succeeded or 0
    s.end_time = s.reason = s.message = None
    d.event("Initializing", f"RayJob uses RayCluster {s.ray_cluster_name}")
    return 0.0


def _initializing(d: _Draft) -> float | None:
    s, cluster = d.status, d.cluster
    if active_deadline_passed(d.spec, s, now=d.now):
        return _past_active_deadline(d)
    if pre_running_deadline_passed(d.spec, s, now=d.now):
        return _past_pre_running_deadline(d)
    name = s.ray_cluster_name or ""
    if cluster is None:
        if d.spec.cluster_selector:
            s.message = f"waiting for RayCluster {name} to exist"
            return WAIT
        d.do(CreateCluster(name))
        d.event("CreatedRayCluster", f"Created RayCluster {name}")
        s.ray_cluster_status = rc.RayClusterStatus()
        return POLL
    s.ray_cluster_status = cluster.status
    if not cluster.ready:
        queue = (cluster.status.model_extra or {}).get("queue")
        if isinstance(queue, dict):
            s.message = queued_problem(cluster.name, queue)
        return POLL
    s.dashboard_url = cluster.dashboard_url
    s.message = None
    if d.spec.submission_mode == rj.SubmissionMode.INTERACTIVE:
        s.job_deployment_status = DS.WAITING
        return POLL
    if d.spec.submission_mode == rj.SubmissionMode.HTTP:
        s.job_deployment_status = DS.RUNNING  # submitted once Ray says it has no such job
        return 0.0
    return _submit(d)


def _submit(d: _Draft) -> float | None:
    """K8sJobMode and SidecarMode: submit before Running, unless Ray has the job already."""
    s, seen = d.status, d.seen
    job_id = s.job_id or ""
    if seen.ray_job is None:  # the Jobs API did not answer: ask again soon
        return POLL
    if not seen.ray_job.known:
        if seen.submit_error is not None:
            return _fail(d, rj.FailedReason.SUBMISSION_FAILED, seen.submit_error)
        try:
            sent = submission(d.job, job_id)
        except SubmitterError as e:
            return _fail(d, rj.FailedReason.SUBMISSION_FAILED, str(e))
        d.do(Submit(sent))
        d.event("Submitted", f"Submitted job {job_id}")
    s.job_deployment_status = DS.RUNNING
    s.job_status = JS.PENDING
    return POLL


def _waiting(d: _Draft) -> float | None:
    s = d.status
    if pre_running_deadline_passed(d.spec, s, now=d.now):
        return _past_pre_running_deadline(d)
    if not d.spec.job_id:
        s.message = "waiting for spec.jobId: submit the job yourself, then set it"
        return WAIT
    s.job_id = d.spec.job_id
    s.job_deployment_status = DS.RUNNING
    s.job_status = JS.PENDING
    s.message = None
    return 0.0


def _running(d: _Draft) -> float | None:
    s, seen, job_id = d.status, d.seen, d.status.job_id or ""
    if active_deadline_passed(d.spec, s, now=d.now):
        d.do(StopRayJob(job_id), KeepLog(job_id))
        return _past_active_deadline(d)
    if status_check_timed_out(s, now=d.now, timeout=STATUS_CHECK_TIMEOUT):
        since = s.job_status_check_failure_start_time
        message = f"the Ray Jobs API has not answered since {since} ({STATUS_CHECK_TIMEOUT:.0f} s)"
        return _fail(d, rj.FailedReason.STATUS_CHECK_TIMEOUT_EXCEEDED, message)
    if d.cluster is None:
        return _unanswered(d, f"RayCluster {s.ray_cluster_name} does not exist")
    if seen.jobs_api_error is not None or seen.ray_job is None:
        return _unanswered(d, seen.jobs_api_error or "the Ray Jobs API did not answer")
    if not seen.ray_job.known:
        return _not_found(d, job_id)
    s.job_status_check_failure_start_time = None
    info = seen.ray_job
    if STOP_ANNOTATION in (d.job.metadata.annotations or {}) and not info.status.is_terminal():
        # Asked to stop: Ray's stop is idempotent, so ask until the job says STOPPED.
        d.do(StopRayJob(job_id))
        d.event("Stopping", f"Stopping job {job_id} as asked")
    d.do(KeepLog(job_id))
    return _follow(d, info)


def _not_found(d: _Draft, job_id: str) -> float:
    """Ray has no such job: HTTPMode submits it, InteractiveMode waits for the user to."""
    mode, seen = d.spec.submission_mode, d.seen
    if mode == rj.SubmissionMode.INTERACTIVE:
        d.status.message = f"Ray has no job {job_id} yet: submit it under that submission id"
        return WAIT
    if mode != rj.SubmissionMode.HTTP:
        why = f"job {job_id} is unknown to its cluster"
        return _fail(d, rj.FailedReason.SUBMISSION_FAILED, why)
    try:
        sent = submission(d.job, job_id)
    except SubmitterError as e:
        return _unanswered(d, f"the job cannot be submitted: {e}")
    if seen.submit_error is not None:
        return _unanswered(d, f"the submission failed: {seen.submit_error}")
    d.do(Submit(sent))
    d.event("Submitted", f"Submitted job {job_id}")
    d.status.job_status_check_failure_start_time = None
    return POLL


def _unanswered(d: _Draft, why: str) -> float:
    """The job's state could not be read: say why, and start the status-check clock."""
    d.status.message = why
    d.status.job_status_check_failure_start_time = (
        d.status.job_status_check_failure_start_time or rfc3339(d.seen.now)
    )
    return WAIT


def _follow(d: _Draft, info: RayJobSeen) -> float | None:
    """Take the Ray job's state as Ray reports it; end the RayJob when the job has ended."""
    s = d.status
    s.job_status = info.status
    s.message = info.message or None
    s.ray_cluster_status = d.cluster.status if d.cluster is not None else s.ray_cluster_status
    if info.start_ms or info.end_ms:
        s.ray_job_info = rj.RayJobStatusInfo(
            start_time=_from_ms(info.start_ms), end_time=_from_ms(info.end_ms)
        )
    if info.status == JS.FAILED:
        return _fail(d, rj.FailedReason.APP_FAILED, info.message)
    if not info.status.is_terminal():
        return POLL
    s.job_deployment_status = DS.COMPLETE
    s.end_time = rfc3339(d.seen.now)
    if info.status == JS.SUCCEEDED:
        s.succeeded = (s.succeeded or 0) + 1
    d.event("Completed", f"Job {s.job_id} {info.status.value.lower()}")
    return 0.0


def _from_ms(ms: int | None) -> str | None:
    return rfc3339(datetime.fromtimestamp(ms / 1000, UTC)) if ms else None


def _fail(d: _Draft, reason: rj.FailedReason, message: str) -> float:
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


def _past_active_deadline(d: _Draft) -> float:
    seconds, since = d.spec.active_deadline_seconds, d.status.start_time
    message = f"activeDeadlineSeconds ({seconds}) passed since the start at {since}"
    return _fail(d, rj.FailedReason.DEADLINE_EXCEEDED, message)


def _past_pre_running_deadline(d: _Draft) -> float:
    seconds, since = d.spec.pre_running_deadline_seconds, d.status.start_time
    message = (
        f"preRunningDeadlineSeconds ({seconds}) passed since the start at {since} "
        "before the job was running"
    )
    return _fail(d, rj.FailedReason.PRE_RUNNING_DEADLINE_EXCEEDED, message)


def _finished(d: _Draft) -> float | None:
    """Carry out the job's deletion settings as their TTLs fall due, one deletion a pass."""
    due = deletion_due(d.spec, d.status, now=d.now, done=lambda policy: _deleted(d, policy))
    if due.policy == rj.DeletionPolicyType.DELETE_SELF:
        d.event("DeletedSelf", "Deleting the RayJob as its deletion strategy says")
        d.do(DeleteSelf())
        return None
    if due.policy == rj.DeletionPolicyType.DELETE_CLUSTER:
        _delete_own_cluster(d)
    elif due.policy == rj.DeletionPolicyType.DELETE_WORKERS:
        _delete_own_workers(d)
    return due.wait


def _deleted(d: _Draft, policy: rj.DeletionPolicyType) -> bool:
    """Whether what ``policy`` deletes is gone already (or is not the job's to delete)."""
    cluster = d.cluster
    if policy == rj.DeletionPolicyType.DELETE_NONE:
        return True
    if policy == rj.DeletionPolicyType.DELETE_SELF:
        return False
    if cluster is None or not cluster.owned:
        return True
    return policy == rj.DeletionPolicyType.DELETE_WORKERS and cluster.workers_suspended


def _release(d: _Draft) -> float | None:
    """Suspending or Retrying: give up the cluster and the Ray job, then Suspended or New.

    The cluster's delete is done before the status is written, so the next state never sees
    the old cluster (KubeRay waits for it the same way).
    """
    s, suspending = d.status, d.status.job_deployment_status == DS.SUSPENDING
    if suspending and s.job_id and d.cluster is not None:
        d.do(StopRayJob(s.job_id))  # best effort: the cluster goes anyway
    _delete_own_cluster(d)
    s.ray_cluster_status = s.ray_cluster_name = s.dashboard_url = s.job_id = None
    s.message = s.reason = s.ray_job_info = s.job_status_check_failure_start_time = None
    s.job_status = JS.NEW
    if not suspending:
        s.job_deployment_status = DS.NEW
        return 0.0
    s.job_deployment_status = DS.SUSPENDED
    d.event("Suspended", "RayJob suspended; its cluster was deleted")
    return None


def _suspended(d: _Draft) -> float | None:
    if d.spec.suspend:
        return None
    d.status.job_deployment_status = DS.NEW  # resuming starts over, as in KubeRay
    return 0.0


# -- what a job may delete -------------------------------------------------------------------


def _delete_own_cluster(d: _Draft) -> None:
    """Delete the job's own cluster (never one chosen by clusterSelector)."""
    cluster = d.cluster
    if cluster is None or not cluster.owned:
        return
    d.do(DeleteCluster(cluster.name, cluster.uid))
    d.event("DeletedRayCluster", f"Deleted RayCluster {cluster.name}")


def _delete_own_workers(d: _Draft) -> None:
    """Suspend every worker group of the job's own cluster, as KubeRay's DeleteWorkers does."""
    cluster = d.cluster
    if cluster is None or not cluster.owned or cluster.workers_suspended:
        return
    d.do(DeleteWorkers(cluster.name, cluster.uid))
    d.event("DeletedWorkers", f"Deleted the workers of {cluster.name}")
