"""The local platform's RayJob reconciler: a cluster, a submission through Ray's Jobs API, a status.

The controller calls ``reconcile(key)`` per RayJob. Each pass runs the step of
the job's ``jobDeploymentStatus`` (New, Initializing, Waiting, Running,
Retrying, Complete/Failed, Suspended) and writes the status KubeRay would.
The job's own RayCluster is an ordinary RayCluster object labelled with its
owner, run by the RayCluster reconciler; deleting the job deletes it.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import yaml

from raydeck.controller.clock import Clock, rfc3339
from raydeck.controller.loop import Result
from raydeck.errors import AlreadyExists, NotFound, PlatformUnavailable, RaydeckError
from raydeck.platforms.local.job_timing import deadline_reason, deletion_plan
from raydeck.platforms.local.owned import (
    cluster_body,
    cluster_name,
    owned_clusters,
    owner_uid,
    queued_problem,
)
from raydeck.platforms.local.ray_auth import RayAuth
from raydeck.platforms.local.ray_jobs import RayJobsApi
from raydeck.platforms.local.runtime_env import explained
from raydeck.platforms.local.submitter import SubmitterError, submission
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.resources.meta import STOP_ANNOTATION
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)
POLL = 0.5
DS = rj.JobDeploymentStatus
Step = Callable[[StoredObject, rj.RayJob, dict[str, Any], float], Awaitable[float | None]]


class JobReconciler:
    def __init__(self, *, store: Store, clock: Clock, ray_auth: RayAuth) -> None:
        self._store = store
        self._clock = clock
        self._ray_auth = ray_auth

    async def _jobs_api(self, obj: StoredObject, status: dict[str, Any]) -> RayJobsApi:
        """The Jobs API of the job's cluster, with that cluster's Ray token."""
        cluster = str(status.get("rayClusterName", ""))
        headers = await self._ray_auth.headers_by_name(obj.namespace, cluster)
        return RayJobsApi(status.get("dashboardURL", ""), headers=headers)

    async def reconcile(self, key: ObjectKey) -> Result:
        try:
            obj = await self._store.get(key)
        except NotFound:
            await self._delete_owned_clusters(key, keep_uid=None)
            return Result()
        if obj.is_template:
            return Result()
        job = rj.RayJob.model_validate(obj.to_wire())
        status = copy.deepcopy(obj.status or {})
        now = self._clock.wall().timestamp()
        requeue = await self._step(obj, job, status, now)
        status["observedGeneration"] = obj.generation
        if status != obj.status:
            await self._write(obj, status)
        return Result(requeue_after=requeue)

    async def _step(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        phase = DS(status.get("jobDeploymentStatus") or "")
        if job.spec.suspend and phase not in (DS.SUSPENDED, DS.COMPLETE, DS.FAILED):
            return await self._suspend(obj, job, status, now)
        steps: dict[DS, Step] = {
            DS.NEW: self._new,
            DS.INITIALIZING: self._initializing,
            DS.WAITING: self._waiting,
            DS.RUNNING: self._running,
            DS.RETRYING: self._retrying,
            DS.COMPLETE: self._finished,
            DS.FAILED: self._finished,
            DS.SUSPENDED: self._suspended,
        }
        return await steps.get(phase, self._new)(obj, job, status, now)

    # -- steps ----------------------------------------------------------------------------

    async def _new(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float:
        spec = job.spec
        selected = (spec.cluster_selector or {}).get(rj.CLUSTER_SELECTOR_KEY)
        status.update(
            jobDeploymentStatus=DS.INITIALIZING.value,
            jobStatus="",
            jobId=spec.job_id
            or (
                None
                if spec.submission_mode == rj.SubmissionMode.INTERACTIVE
                else f"{obj.name}-{secrets.token_hex(4)}"
            ),
            rayClusterName=selected or cluster_name(obj.name),
            startTime=status.get("startTime") or rfc3339(self._clock.wall()),
            failed=status.get("failed", 0),
            succeeded=status.get("succeeded", 0),
        )
        status.pop("endTime", None)
        status.pop("reason", None)
        status.pop("message", None)
        if status["jobId"] is None:
            status.pop("jobId")
        await self._event(
            obj, "Normal", "Initializing", f"RayJob uses RayCluster {status['rayClusterName']}"
        )
        return 0.0

    async def _initializing(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        if (reason := self._deadline(job, status, now)) is not None:
            return await self._fail(obj, job, status, reason, "the job did not start in time", now)
        cluster = await self._cluster(obj, status)
        if cluster is None:
            if job.spec.cluster_selector:
                status["message"] = f"waiting for RayCluster {status['rayClusterName']} to exist"
                return 1.0
            cluster = await self._create_cluster(obj, job, status)
        status["rayClusterStatus"] = cluster.status or {}
        if (cluster.status or {}).get("state") != "ready":
            queue = (cluster.status or {}).get("queue")
            if isinstance(queue, dict):
                status["message"] = queued_problem(cluster.name, queue)
            return POLL
        status["dashboardURL"] = _dashboard_url(cluster)
        status.pop("message", None)
        if job.spec.submission_mode == rj.SubmissionMode.INTERACTIVE and not job.spec.job_id:
            status["jobDeploymentStatus"] = DS.WAITING.value
            return POLL
        return await self._submit(obj, job, status, now)

    async def _submit(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        api = await self._jobs_api(obj, status)
        job_id = status.get("jobId") or job.spec.job_id
        status["jobId"] = job_id
        try:
            await api.info(job_id)  # submitted before a restart of raydeck: never twice
        except NotFound:
            try:
                await api.submit(**submission(job, job_id))
            except SubmitterError as e:
                return await self._fail(
                    obj, job, status, rj.FailedReason.SUBMISSION_FAILED, str(e), now
                )
            except RaydeckError as e:
                return await self._fail(
                    obj, job, status, rj.FailedReason.SUBMISSION_FAILED, e.message, now
                )
            await self._event(obj, "Normal", "Submitted", f"Submitted job {job_id}")
        except PlatformUnavailable:
            return POLL
        status.update(jobDeploymentStatus=DS.RUNNING.value, jobStatus=rj.JobStatus.PENDING.value)
        return POLL

    async def _waiting(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        if (reason := self._deadline(job, status, now)) is not None:
            return await self._fail(obj, job, status, reason, "no job was submitted in time", now)
        if not job.spec.job_id:
            status["message"] = "waiting for spec.jobId: submit the job yourself, then set it"
            return 1.0
        status.update(
            jobId=job.spec.job_id,
            jobDeploymentStatus=DS.RUNNING.value,
            jobStatus=rj.JobStatus.PENDING.value,
        )
        status.pop("message", None)
        return 0.0

    async def _running(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        api = await self._jobs_api(obj, status)
        job_id = status.get("jobId", "")
        try:
            if (reason := self._deadline(job, status, now)) is not None:
                await api.stop(job_id)
                await self._keep_log(obj, api, job_id)
                return await self._fail(
                    obj, job, status, reason, "the job ran past its deadline", now
                )
            info = await api.info(job_id)
            if STOP_ANNOTATION in (job.metadata.annotations or {}) and info.status in (
                rj.JobStatus.PENDING.value,
                rj.JobStatus.RUNNING.value,
            ):
                # Asked to stop: Ray's stop is idempotent, so ask until the job says STOPPED.
                await api.stop(job_id)
                await self._event(obj, "Normal", "Stopping", f"Stopping job {job_id} as asked")
                info = await api.info(job_id)
            await self._keep_log(obj, api, job_id)
        except NotFound:
            return await self._fail(
                obj,
                job,
                status,
                rj.FailedReason.SUBMISSION_FAILED,
                f"job {job_id} is unknown to its cluster",
                now,
            )
        except PlatformUnavailable as e:
            status["message"] = e.message
            return 1.0
        return await self._observe_job(obj, job, status, info.status, info.message, now)

    async def _observe_job(
        self,
        obj: StoredObject,
        job: rj.RayJob,
        status: dict[str, Any],
        job_status: str,
        message: str,
        now: float,
    ) -> float | None:
        status["jobStatus"] = job_status
        message = explained(message, _runtime_env(job))
        if message:
            status["message"] = message
        else:
            status.pop("message", None)
        if job_status == rj.JobStatus.FAILED.value:
            return await self._fail(obj, job, status, rj.FailedReason.APP_FAILED, message, now)
        if not rj.JobStatus(job_status).is_terminal():
            return POLL
        status.update(jobDeploymentStatus=DS.COMPLETE.value, endTime=rfc3339(self._clock.wall()))
        if job_status == rj.JobStatus.SUCCEEDED.value:
            status["succeeded"] = int(status.get("succeeded", 0)) + 1
        await self._event(
            obj, "Normal", "Completed", f"Job {status.get('jobId')} {job_status.lower()}"
        )
        return 0.0

    async def _fail(
        self,
        obj: StoredObject,
        job: rj.RayJob,
        status: dict[str, Any],
        reason: rj.FailedReason,
        message: str,
        now: float,
    ) -> float | None:
        """Count a failure; retry on a new cluster while backoffLimit allows, else fail for good."""
        failed = int(status.get("failed", 0)) + 1
        status.update(failed=failed, reason=reason.value, message=message)
        retryable = reason in (rj.FailedReason.APP_FAILED, rj.FailedReason.SUBMISSION_FAILED)
        if retryable and failed <= (job.spec.backoff_limit or 0):
            status["jobDeploymentStatus"] = DS.RETRYING.value
            await self._event(
                obj,
                "Warning",
                "Retrying",
                f"Attempt {failed} failed ({reason.value}): {message}; retrying on a new cluster",
            )
            return 0.0
        if status.get("jobStatus") in ("", rj.JobStatus.PENDING.value, rj.JobStatus.RUNNING.value):
            status["jobStatus"] = rj.JobStatus.FAILED.value
        status.update(jobDeploymentStatus=DS.FAILED.value, endTime=rfc3339(self._clock.wall()))
        await self._event(obj, "Warning", "Failed", f"{reason.value}: {message}")
        return 0.0

    async def _retrying(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float:
        await self._delete_cluster(obj, status)
        status["jobDeploymentStatus"] = DS.NEW.value
        status.pop("dashboardURL", None)
        status.pop("rayClusterStatus", None)
        return 0.0

    async def _finished(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        """Carry out the job's deletion settings as their TTLs fall due."""
        plan = deletion_plan(job.spec, rj.RayJobStatus.model_validate(status), now=now)
        waits = [seconds for _, seconds in plan if seconds > 0]
        for policy, seconds in plan:
            if seconds > 0:
                continue
            if policy == rj.DeletionPolicyType.DELETE_SELF:
                await self._event(
                    obj,
                    "Normal",
                    "DeletedSelf",
                    "Deleting the RayJob as its deletion strategy says",
                )
                await self._store.delete(obj.key, uid=obj.uid)
                return None
            if policy == rj.DeletionPolicyType.DELETE_CLUSTER:
                await self._delete_cluster(obj, status)
            elif policy == rj.DeletionPolicyType.DELETE_WORKERS:
                await self._delete_workers(obj, status)
        return min(waits) if waits else None

    async def _delete_workers(self, obj: StoredObject, status: dict[str, Any]) -> None:
        """Suspend every worker group of the job's own cluster, as KubeRay's DeleteWorkers does."""
        cluster = await self._cluster(obj, status)
        if cluster is None or owner_uid(cluster) != obj.uid:
            return
        body = copy.deepcopy(cluster.body)
        groups = body.get("spec", {}).get("workerGroupSpecs") or []
        if all(group.get("suspend") for group in groups):
            return
        for group in groups:
            group["suspend"] = True
        await self._store.replace(cluster.key, body, expected_version=cluster.resource_version)
        await self._event(obj, "Normal", "DeletedWorkers", f"Deleted the workers of {cluster.name}")

    async def _suspend(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        if status.get("jobId") and status.get("dashboardURL"):
            with contextlib.suppress(RaydeckError):  # the cluster goes anyway
                await (await self._jobs_api(obj, status)).stop(status["jobId"])
        await self._delete_cluster(obj, status)
        for field in ("jobStatus", "dashboardURL", "rayClusterStatus", "startTime", "endTime"):
            status.pop(field, None)
        status["jobDeploymentStatus"] = DS.SUSPENDED.value
        await self._event(obj, "Normal", "Suspended", "RayJob suspended; its cluster was deleted")
        return None

    async def _suspended(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> float | None:
        if job.spec.suspend:
            return None
        status["jobDeploymentStatus"] = DS.NEW.value  # resuming starts over, as in KubeRay
        return 0.0

    # -- helpers --------------------------------------------------------------------------

    def _deadline(
        self, job: rj.RayJob, status: dict[str, Any], now: float
    ) -> rj.FailedReason | None:
        return deadline_reason(job.spec, rj.RayJobStatus.model_validate(status), now=now)

    async def _cluster(self, obj: StoredObject, status: dict[str, Any]) -> StoredObject | None:
        try:
            return await self._store.get(
                ObjectKey(rc.KIND, obj.namespace, status["rayClusterName"])
            )
        except NotFound:
            return None

    async def _create_cluster(
        self, obj: StoredObject, job: rj.RayJob, status: dict[str, Any]
    ) -> StoredObject:
        spec = job.to_wire()["spec"]["rayClusterSpec"]
        body = cluster_body(obj, name=status["rayClusterName"], spec=spec)
        try:
            cluster = await self._store.create(
                rc.KIND, obj.namespace, body, is_template=False, creator=obj.creator
            )
        except AlreadyExists:
            return await self._store.get(
                ObjectKey(rc.KIND, obj.namespace, status["rayClusterName"])
            )
        await self._event(obj, "Normal", "CreatedRayCluster", f"Created RayCluster {cluster.name}")
        return cluster

    async def _delete_cluster(self, obj: StoredObject, status: dict[str, Any]) -> None:
        """Delete the job's own cluster (never one chosen by clusterSelector)."""
        name = status.get("rayClusterName")
        if not name:
            return
        try:
            cluster = await self._store.get(ObjectKey(rc.KIND, obj.namespace, name))
        except NotFound:
            return
        if owner_uid(cluster) != obj.uid:
            return
        await self._store.delete(cluster.key)
        await self._event(obj, "Normal", "DeletedRayCluster", f"Deleted RayCluster {name}")

    async def _delete_owned_clusters(self, key: ObjectKey, *, keep_uid: str | None) -> None:
        for cluster in await owned_clusters(self._store, key):
            if owner_uid(cluster) != keep_uid:
                await self._store.delete(cluster.key)

    async def _keep_log(self, obj: StoredObject, api: RayJobsApi, job_id: str) -> None:
        try:
            text = await api.logs(job_id)
        except RaydeckError:
            return
        await self._store.save_job_log(obj.uid, job_id=job_id, text=text)

    async def _event(self, obj: StoredObject, type_: str, reason: str, message: str) -> None:
        await self._store.record_event(obj, type_=type_, reason=reason, message=message)

    async def _write(self, obj: StoredObject, status: dict[str, Any]) -> None:
        try:
            await self._store.write_status(obj.key, status, uid=obj.uid)
        except NotFound:
            return


def _dashboard_url(cluster: StoredObject) -> str:
    port = ((cluster.status or {}).get("endpoints") or {}).get("dashboard")
    return f"http://127.0.0.1:{port}"


def _runtime_env(job: rj.RayJob) -> Any:
    try:
        return yaml.safe_load(job.spec.runtime_env_yaml or "") or {}
    except yaml.YAMLError:
        return {}  # validated when written; an unreadable one has nothing to name
