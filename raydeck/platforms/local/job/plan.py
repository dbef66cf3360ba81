"""Reconcile decisions for a RayJob on the local platform, as one pure function.

``plan_job`` maps the typed RayJob (its spec and last status) and what the reconciler observed
(its RayCluster, its Ray job as Ray's Jobs API reports it, the submission just tried, the time)
to the actions to carry out and the status to write, stepping through KubeRay's states
(``rayjob_controller.go``): New, Initializing, Waiting, Running (``running.py``), Suspending and
Retrying, Suspended, Complete and Failed. The reconciler observes and acts; every decision is
here, testable with a fake clock and no processes.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import (
    CreateCluster,
    DeleteCluster,
    DeleteSelf,
    DeleteWorkers,
    StopRayJob,
    Submit,
)
from raydeck.platforms.local.job.draft import (
    POLL,
    WAIT,
    Draft,
    JobPlan,
    fail,
    past_active_deadline,
    past_pre_running_deadline,
)
from raydeck.platforms.local.job.observed import ClusterSeen, Observed
from raydeck.platforms.local.job.running import running
from raydeck.platforms.local.job.submitter import SubmitterError, submission
from raydeck.platforms.local.job.timing import (
    active_deadline_passed,
    deletion_due,
    pre_running_deadline_passed,
)
from raydeck.platforms.local.owned import cluster_name, queued_problem
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj

DS = rj.JobDeploymentStatus
JS = rj.JobStatus


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
    draft = Draft(job, seen, JobPlan(status))
    draft.plan.requeue_after = _step(draft)
    if not draft.plan.of(DeleteSelf):
        status.observed_generation = job.metadata.generation
    return draft.plan


Step = Callable[[Draft], float | None]


def _step(d: Draft) -> float | None:
    phase = d.status.job_deployment_status or DS.NEW
    if d.spec.suspend and phase in (DS.INITIALIZING, DS.RUNNING):
        # Only these two may start suspending; once begun, suspending finishes either way.
        d.status.job_deployment_status = DS.SUSPENDING
        return 0.0
    steps: dict[DS, Step] = {
        DS.NEW: _new,
        DS.INITIALIZING: _initializing,
        DS.WAITING: _waiting,
        DS.RUNNING: running,
        DS.SUSPENDING: _release,
        DS.RETRYING: _release,
        DS.COMPLETE: _finished,
        DS.FAILED: _finished,
        DS.SUSPENDED: _suspended,
    }
    return steps.get(phase, _new)(d)


# -- steps ----------------------------------------------------------------------------------


def _new(d: Draft) -> float:
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


def _initializing(d: Draft) -> float | None:
    s, cluster = d.status, d.cluster
    if active_deadline_passed(d.spec, s, now=d.now):
        return past_active_deadline(d)
    if pre_running_deadline_passed(d.spec, s, now=d.now):
        return past_pre_running_deadline(d)
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


def _submit(d: Draft) -> float | None:
    """K8sJobMode and SidecarMode: submit before Running, unless Ray has the job already."""
    s, seen = d.status, d.seen
    job_id = s.job_id or ""
    if seen.ray_job is None:  # the Jobs API did not answer: ask again soon
        return POLL
    if not seen.ray_job.known:
        if seen.submit_error is not None:
            return fail(d, rj.FailedReason.SUBMISSION_FAILED, seen.submit_error)
        try:
            sent = submission(d.job, job_id)
        except SubmitterError as e:
            return fail(d, rj.FailedReason.SUBMISSION_FAILED, str(e))
        d.do(Submit(sent))
        d.event("Submitted", f"Submitted job {job_id}")
    s.job_deployment_status = DS.RUNNING
    s.job_status = JS.PENDING
    return POLL


def _waiting(d: Draft) -> float | None:
    s = d.status
    if pre_running_deadline_passed(d.spec, s, now=d.now):
        return past_pre_running_deadline(d)
    if not d.spec.job_id:
        s.message = "waiting for spec.jobId: submit the job yourself, then set it"
        return WAIT
    s.job_id = d.spec.job_id
    s.job_deployment_status = DS.RUNNING
    s.job_status = JS.PENDING
    s.message = None
    return 0.0


def _finished(d: Draft) -> float | None:
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


def _deleted(d: Draft, policy: rj.DeletionPolicyType) -> bool:
    """Whether what ``policy`` deletes is gone already (or is not the job's to delete)."""
    cluster = d.cluster
    if policy == rj.DeletionPolicyType.DELETE_NONE:
        return True
    if policy == rj.DeletionPolicyType.DELETE_SELF:
        return False
    if cluster is None or not cluster.owned:
        return True
    return policy == rj.DeletionPolicyType.DELETE_WORKERS and cluster.workers_suspended


def _release(d: Draft) -> float | None:
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


def _suspended(d: Draft) -> float | None:
    if d.spec.suspend:
        return None
    d.status.job_deployment_status = DS.NEW  # resuming starts over, as in KubeRay
    return 0.0


# -- what a job may delete -------------------------------------------------------------------


def _delete_own_cluster(d: Draft) -> None:
    """Delete the job's own cluster (never one chosen by clusterSelector)."""
    cluster = d.cluster
    if cluster is None or not cluster.owned:
        return
    d.do(DeleteCluster(cluster.name, cluster.uid))
    d.event("DeletedRayCluster", f"Deleted RayCluster {cluster.name}")


def _delete_own_workers(d: Draft) -> None:
    """Suspend every worker group of the job's own cluster, as KubeRay's DeleteWorkers does."""
    cluster = d.cluster
    if cluster is None or not cluster.owned or cluster.workers_suspended:
        return
    d.do(DeleteWorkers(cluster.name, cluster.uid))
    d.event("DeletedWorkers", f"Deleted the workers of {cluster.name}")
