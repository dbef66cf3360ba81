"""The Running step of a RayJob's plan: follow the Ray job as Ray's Jobs API reports it.

Also what KubeRay does when Ray cannot be asked (the status-check clock) or has no such job
(HTTPMode submits it, InteractiveMode waits, the others fail). Pure, like ``plan.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import KeepLog, StopRayJob, Submit
from raydeck.platforms.local.job.draft import (
    POLL,
    WAIT,
    Draft,
    fail,
    past_active_deadline,
)
from raydeck.platforms.local.job.observed import RayJobSeen
from raydeck.platforms.local.job.submitter import SubmitterError, submission
from raydeck.platforms.local.job.timing import active_deadline_passed, status_check_timed_out
from raydeck.resources import rayjob as rj
from raydeck.resources.meta import STOP_ANNOTATION

DS, JS = rj.JobDeploymentStatus, rj.JobStatus
#: How long a Running job's state may stay unreadable before the RayJob fails
#: (KubeRay's default RAYJOB_STATUS_CHECK_TIMEOUT_SECONDS).
STATUS_CHECK_TIMEOUT = 300.0


def running(d: Draft) -> float | None:
    s, seen, job_id = d.status, d.seen, d.status.job_id or ""
    if active_deadline_passed(d.spec, s, now=d.now):
        d.do(StopRayJob(job_id), KeepLog(job_id))
        return past_active_deadline(d)
    if status_check_timed_out(s, now=d.now, timeout=STATUS_CHECK_TIMEOUT):
        since = s.job_status_check_failure_start_time
        message = f"the Ray Jobs API has not answered since {since} ({STATUS_CHECK_TIMEOUT:.0f} s)"
        return fail(d, rj.FailedReason.STATUS_CHECK_TIMEOUT_EXCEEDED, message)
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


def _not_found(d: Draft, job_id: str) -> float:
    """Ray has no such job: HTTPMode submits it, InteractiveMode waits for the user to."""
    mode, seen = d.spec.submission_mode, d.seen
    if mode == rj.SubmissionMode.INTERACTIVE:
        d.status.message = f"Ray has no job {job_id} yet: submit it under that submission id"
        return WAIT
    if mode != rj.SubmissionMode.HTTP:
        why = f"job {job_id} is unknown to its cluster"
        return fail(d, rj.FailedReason.SUBMISSION_FAILED, why)
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


def _unanswered(d: Draft, why: str) -> float:
    """The job's state could not be read: say why, and start the status-check clock."""
    d.status.message = why
    d.status.job_status_check_failure_start_time = (
        d.status.job_status_check_failure_start_time or rfc3339(d.seen.now)
    )
    return WAIT


def _follow(d: Draft, info: RayJobSeen) -> float | None:
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
        return fail(d, rj.FailedReason.APP_FAILED, info.message)
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
