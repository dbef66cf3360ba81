"""The local platform's RayJob reconciler: observe, plan, act, write the status once.

The controller calls ``reconcile(key)`` per RayJob. It reads the job's RayCluster and asks the
cluster's Ray Jobs API about the job (observe), lets ``plan.py`` decide, carries out the
actions (create or delete the cluster, submit, stop, keep the log, record events) and writes
the typed status as the store's wire dict. It decides nothing itself. The job's own RayCluster
is an ordinary RayCluster object labelled with its owner, run by the RayCluster reconciler.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from dataclasses import replace
from typing import Any

import yaml

from raydeck.controller.clock import Clock
from raydeck.controller.loop import Result
from raydeck.errors import AlreadyExists, NotFound, PlatformUnavailable, RaydeckError
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
from raydeck.platforms.local.job.plan import plan_job, ray_job_wanted
from raydeck.platforms.local.job.ray_jobs import RayJobsApi
from raydeck.platforms.local.owned import cluster_body, owned_clusters, owner_uid
from raydeck.platforms.local.prologue import current
from raydeck.platforms.local.ray_auth import RayAuth
from raydeck.platforms.local.runtime_env import explained
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)


class JobReconciler:
    def __init__(self, *, store: Store, clock: Clock, ray_auth: RayAuth) -> None:
        self._store = store
        self._clock = clock
        self._ray_auth = ray_auth

    async def reconcile(self, key: ObjectKey) -> Result:
        found = await current(self._store, key, rj.RayJob, self._delete_owned_clusters)
        if found is None:
            return Result()
        obj, job = found.obj, found.model
        seen, api = await self._observe(obj, job)
        plan = plan_job(job, seen)
        refused = await self._act(obj, job, api, plan.actions)
        if refused is not None:  # the submission failed: decide again, knowing why
            plan = plan_job(job, replace(seen, submit_error=refused))
            await self._act(obj, job, api, plan.actions)
        if not plan.of(DeleteSelf):
            await self._write(obj, plan.status)
        return Result(requeue_after=plan.requeue_after)

    # -- observing ------------------------------------------------------------------------

    async def _observe(
        self, obj: StoredObject, job: rj.RayJob
    ) -> tuple[Observed, RayJobsApi | None]:
        """The job's cluster and, where the plan needs it, its Ray job; the cluster's Jobs API."""
        seen = Observed(now=self._clock.wall())
        name = (job.status.ray_cluster_name if job.status else None) or ""
        stored = await self._get_cluster(obj.namespace, name) if name else None
        if stored is None:
            return seen, None
        cluster = _cluster_seen(stored, owner=obj.uid)
        seen = replace(seen, cluster=cluster)
        headers = await self._ray_auth.headers_by_name(obj.namespace, cluster.name)
        api = RayJobsApi(cluster.dashboard_url, headers=headers)
        job_id = ray_job_wanted(job, cluster)
        if job_id is None:
            return seen, api
        try:
            info = await api.info(job_id)
        except NotFound:
            return replace(seen, ray_job=RayJobSeen(known=False)), api
        except PlatformUnavailable as e:
            return replace(seen, jobs_api_error=e.message), api
        # Ray's runtime env failure is a traceback: said in one line, naming what of the job's
        # runtime env needed the network.
        message = explained(info.message, _runtime_env(job))
        ray_job = RayJobSeen(True, rj.JobStatus(info.status), message, info.start_ms, info.end_ms)
        return replace(seen, ray_job=ray_job), api

    async def _get_cluster(self, namespace: str, name: str) -> StoredObject | None:
        try:
            return await self._store.get(ObjectKey(rc.KIND, namespace, name))
        except NotFound:
            return None

    # -- acting ---------------------------------------------------------------------------

    async def _act(
        self, obj: StoredObject, job: rj.RayJob, api: RayJobsApi | None, actions: list[Action]
    ) -> str | None:
        """Carry out ``actions`` in order; stop at a failed submission and say why it failed."""
        for action in actions:
            if isinstance(action, Submit):
                if api is None:
                    return "the job's RayCluster is gone"
                try:
                    await api.submit(action.submission)
                except RaydeckError as e:
                    return e.message
            elif isinstance(action, StopRayJob | KeepLog):
                if api is not None:
                    await self._ray_job_action(obj, api, action)
            else:
                await self._store_action(obj, job, action)
        return None

    async def _ray_job_action(
        self, obj: StoredObject, api: RayJobsApi, action: StopRayJob | KeepLog
    ) -> None:
        """Best effort: a stop or a log copy that fails is tried again on the next pass."""
        try:
            if isinstance(action, StopRayJob):
                await api.stop(action.job_id)
                return
            text = await api.logs(action.job_id)
        except RaydeckError as e:
            log.info("RayJob %s/%s: %s", obj.namespace, obj.name, e.message)
            return
        await self._store.save_job_log(obj.uid, job_id=action.job_id, text=text)

    async def _store_action(self, obj: StoredObject, job: rj.RayJob, action: Action) -> None:
        if isinstance(action, Event):
            await self._store.record_event(
                obj, type_=action.type, reason=action.reason, message=action.message
            )
        elif isinstance(action, CreateCluster):
            await self._create_cluster(obj, job, action.name)
        elif isinstance(action, DeleteCluster):
            with contextlib.suppress(NotFound):
                await self._store.delete(
                    ObjectKey(rc.KIND, obj.namespace, action.name), uid=action.uid
                )
        elif isinstance(action, DeleteWorkers):
            await self._suspend_workers(obj.namespace, action)
        elif isinstance(action, DeleteSelf):
            with contextlib.suppress(NotFound):
                await self._store.delete(obj.key, uid=obj.uid)

    async def _create_cluster(self, obj: StoredObject, job: rj.RayJob, name: str) -> None:
        # The cluster spec goes to the store as the user wrote it (the store's wire shape).
        spec = job.to_wire()["spec"]["rayClusterSpec"]
        body = cluster_body(obj, name=name, spec=spec)
        with contextlib.suppress(AlreadyExists):  # created by a pass whose status was lost
            await self._store.create(
                rc.KIND, obj.namespace, body, is_template=False, creator=obj.creator
            )

    async def _suspend_workers(self, namespace: str, action: DeleteWorkers) -> None:
        cluster = await self._get_cluster(namespace, action.name)
        if cluster is None or cluster.uid != action.uid:
            return
        body = copy.deepcopy(cluster.body)  # the user's RayCluster document, changed in one field
        for group in body.get("spec", {}).get("workerGroupSpecs") or []:
            group["suspend"] = True
        await self._store.replace(cluster.key, body, expected_version=cluster.resource_version)

    async def _delete_owned_clusters(self, key: ObjectKey, keep_uid: str | None) -> None:
        """Clusters created for a deleted RayJob, or for an older one of the same name."""
        for cluster in await owned_clusters(self._store, key):
            if owner_uid(cluster) != keep_uid:
                await self._store.delete(cluster.key)

    async def _write(self, obj: StoredObject, status: rj.RayJobStatus) -> None:
        """The one status write of a pass, as the store's wire dict, when it changed."""
        wire = status_wire(status)
        if wire == obj.status:
            return
        with contextlib.suppress(NotFound):
            await self._store.write_status(obj.key, wire, uid=obj.uid)


def status_wire(status: rj.RayJobStatus) -> dict[str, Any]:
    """The status as the store keeps it (its JSON edge): camelCase, unset fields left out."""
    return status.model_dump(mode="json", by_alias=True, exclude_none=True)


def _cluster_seen(cluster: StoredObject, *, owner: str) -> ClusterSeen:
    model = rc.RayCluster.model_validate(cluster.to_wire())
    groups = model.spec.worker_group_specs or []
    return ClusterSeen(
        name=cluster.name,
        uid=cluster.uid,
        owned=owner_uid(cluster) == owner,
        status=model.status or rc.RayClusterStatus(),
        workers_suspended=all(group.suspend for group in groups),
    )


def _runtime_env(job: rj.RayJob) -> Any:  # raw: the runtime env as the user wrote it
    try:
        return yaml.safe_load(job.spec.runtime_env_yaml or "") or {}
    except yaml.YAMLError:
        return {}  # validated when written; an unreadable one has nothing to name
