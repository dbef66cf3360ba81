"""The local platform's RayService reconciler: clusters, Serve deployments, a stable endpoint.

A RayService owns up to two RayClusters, named in its status: the *active*
one serves traffic through the RayService's endpoint; a *pending* one exists
while a new ``rayClusterConfig`` is being brought up. Each pass:

1. settles which clusters should exist: a first cluster, a pending cluster for a
   changed spec (``upgradeStrategy.type: NewCluster``), none while suspended;
   a pending cluster for a spec that has since changed again is replaced;
2. deploys ``serveConfigV2`` to each ready cluster through Serve's REST API,
   again whenever the config changes (in place) or the head restarted;
3. promotes the pending cluster once every application is RUNNING and its
   Serve proxy answers: the endpoint switches in one assignment and the old
   cluster is deleted ``rayClusterDeletionDelaySeconds`` later;
4. writes the status KubeRay would: conditions, application and deployment
   statuses per cluster, ``numServeEndpoints``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from raydeck.controller.clock import Clock, rfc3339
from raydeck.controller.loop import Result
from raydeck.errors import AlreadyExists, Conflict, NotFound, PlatformUnavailable
from raydeck.platforms.local.endpoint import ServeEndpoint
from raydeck.platforms.local.owned import (
    cluster_body,
    cluster_name,
    owned_clusters,
    owner_uid,
    queued_problem,
)
from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.prologue import current
from raydeck.platforms.local.ray_auth import RayAuth
from raydeck.platforms.local.serve_api import AppState, DeployRejected, ServeApi, proxy_healthy
from raydeck.resources import raycluster as rc
from raydeck.resources import rayservice as rs
from raydeck.resources.meta import Condition, set_condition
from raydeck.resources.serve_config import ServeConfig, parse_serve_config
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)
HASH_ANNOTATION = "raydeck.io/cluster-config-hash"
DELETE_AFTER_ANNOTATION = "raydeck.io/delete-after"
#: How often a settled RayService is looked at again (application statuses, proxy health).
RESYNC = 3.0
#: How often while something is moving: a cluster starting, Serve deploying, an upgrade.
SETTLING = 0.5
#: Fields that scale a worker group: changing them alone resizes the active cluster in place.
_SCALING_FIELDS = ("replicas", "minReplicas", "maxReplicas", "scaleStrategy")
T = rs.ConditionType
R = rs.Reason


def cluster_config_hash(spec: Mapping[str, Any]) -> str:
    """Equal for two ``rayClusterConfig``s that need no new cluster between them."""
    stripped = copy.deepcopy(dict(spec))
    for group in stripped.get("workerGroupSpecs") or []:
        for name in _SCALING_FIELDS:
            group.pop(name, None)
    canonical = json.dumps(stripped, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass
class ServeView:
    """What Serve runs on one cluster, as this pass saw it."""

    apps: dict[str, AppState] = field(default_factory=dict)
    proxy_up: bool = False
    problem: str = ""

    def serving(self, config: ServeConfig) -> bool:
        """Every application RUNNING, every deployment HEALTHY, and the proxy answering."""
        if not self.proxy_up:
            return False
        for app in config.apps:
            state = self.apps.get(app.name)
            if state is None or state.status != rs.ApplicationStatus.RUNNING:
                return False
            if any(s != rs.DeploymentStatus.HEALTHY for s, _ in state.deployments.values()):
                return False
        return True

    def failure(self) -> str:
        failed = [
            f"{name} is {state.status}: {state.message}".rstrip(": ")
            for name, state in sorted(self.apps.items())
            if rs.ApplicationStatus.of(state.status).is_failed()
        ]
        return "; ".join(failed) or self.problem

    def to_wire(self, cluster_name: str) -> dict[str, Any]:
        statuses: dict[str, Any] = {}
        for name, app in sorted(self.apps.items()):
            entry: dict[str, Any] = {"status": app.status}
            if app.message:
                entry["message"] = app.message
            if app.deployments:
                entry["serveDeploymentStatuses"] = {
                    d: ({"status": s, "message": m} if m else {"status": s})
                    for d, (s, m) in sorted(app.deployments.items())
                }
            statuses[name] = entry
        wire: dict[str, Any] = {"rayClusterName": cluster_name}
        if statuses:
            wire["applicationStatuses"] = statuses
        return wire


@dataclass
class Pass:
    """One reconcile pass over a RayService: its object, spec, and the status being written."""

    obj: StoredObject
    service: rs.RayService
    config: ServeConfig
    status: dict[str, Any]
    now: float
    settling: bool = False
    #: The admission queue's word on a cluster of the service that waits in it, if one does.
    queue: dict[str, Any] | None = None

    @property
    def stamp(self) -> str:
        return rfc3339(datetime.fromtimestamp(self.now, UTC))

    @property
    def spec(self) -> rs.RayServiceSpec:
        return self.service.spec


class ServiceReconciler:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        http: httpx.AsyncClient,
        ports: PortAllocator,
        ray_auth: RayAuth,
    ) -> None:
        self._store = store
        self._clock = clock
        self._http = http
        self._ports = ports
        self._ray_auth = ray_auth
        self._endpoints: dict[str, tuple[ObjectKey, ServeEndpoint]] = {}
        #: What was last deployed per cluster uid: (head incarnation, config fingerprint).
        self._deployed: dict[str, tuple[str, str]] = {}
        self._rejected: dict[str, tuple[str, str, str]] = {}
        self._reported: dict[str, str] = {}

    # -- endpoints ------------------------------------------------------------------------

    def endpoint_port(self, uid: str) -> int | None:
        found = self._endpoints.get(uid)
        return found[1].port if found else None

    async def close_endpoints(self) -> None:
        for _key, endpoint in self._endpoints.values():
            await endpoint.close()
        self._endpoints.clear()

    async def _endpoint(self, run: Pass) -> ServeEndpoint:
        found = self._endpoints.get(run.obj.uid)
        if found is not None:
            return found[1]
        recorded = int((run.status.get("endpoints") or {}).get("serve") or 0)
        owner = f"{run.obj.namespace}/{run.obj.name}"
        endpoint = None
        if recorded:
            self._ports.claim([recorded])
            endpoint = await self._open(recorded, owner)
            if endpoint is None:
                await self._event(
                    run.obj,
                    "Warning",
                    "EndpointMoved",
                    f"port {recorded} is taken by another program",
                )
        while endpoint is None:
            (port,) = self._ports.allocate(1, taken=())
            endpoint = await self._open(port, owner)
        self._endpoints[run.obj.uid] = (run.obj.key, endpoint)
        run.status["endpoints"] = {"serve": str(endpoint.port)}
        return endpoint

    async def _open(self, port: int, owner: str) -> ServeEndpoint | None:
        endpoint = ServeEndpoint(port=port, owner=owner)
        try:
            await endpoint.open()
        except OSError:
            return None
        return endpoint

    async def _remove_leftovers(self, key: ObjectKey, keep_uid: str | None) -> None:
        """The endpoints of a deleted RayService or of an older one of the same name, and, once
        the RayService is gone, its clusters."""
        await self._close_endpoints_of(key, keep_uid=keep_uid)
        if keep_uid is None:
            for cluster in await owned_clusters(self._store, key):
                await self._delete(cluster)

    async def _close_endpoints_of(self, key: ObjectKey, *, keep_uid: str | None) -> None:
        for uid, (owner, endpoint) in list(self._endpoints.items()):
            if owner == key and uid != keep_uid:
                await endpoint.close()
                self._ports.release([endpoint.port])
                del self._endpoints[uid]

    # -- the pass -------------------------------------------------------------------------

    async def reconcile(self, key: ObjectKey) -> Result:
        found = await current(self._store, key, rs.RayService, self._remove_leftovers)
        if found is None:
            return Result()
        obj, service = found.obj, found.model
        config, _errors = parse_serve_config(service.spec.serve_config_v2)
        if config is None:  # validated before it was stored; only an edit behind raydeck's back
            return Result()
        run = Pass(obj, service, config, copy.deepcopy(obj.status or {}), self._now())
        endpoint = await self._endpoint(run)
        clusters = [c for c in await owned_clusters(self._store, key) if owner_uid(c) == obj.uid]
        if service.spec.suspend:
            await self._suspend(run, clusters, endpoint)
        else:
            await self._serve(run, clusters, endpoint)
        run.status["observedGeneration"] = obj.generation
        await self._write(obj, run.status)
        if service.spec.suspend and not clusters:
            return Result()
        return Result(requeue_after=SETTLING if run.settling else RESYNC)

    async def _serve(
        self, run: Pass, clusters: list[StoredObject], endpoint: ServeEndpoint
    ) -> None:
        self._resumed(run)
        by_name = {c.name: c for c in clusters}
        active = by_name.get(_cluster_of(run.status, "activeServiceStatus"))
        pending = by_name.get(_cluster_of(run.status, "pendingServiceStatus"))
        pending = await self._settle_pending(run, active, pending)
        if active is not None:
            active = await self._resize(run, active)
        # While a new cluster comes up, config changes go to it alone: the active cluster keeps
        # serving what it serves until traffic moves.
        active_view = await self._observe(run, active, deploy=pending is None) if active else None
        pending_view = await self._observe(run, pending, deploy=True) if pending else None
        if pending is not None and pending_view is not None and pending_view.serving(run.config):
            await self._promote(run, active, pending)
            active, active_view, pending, pending_view = pending, pending_view, None, None
        endpoint.route_to(_serve_port(active) or None if active else None)
        await self._retire_others(run, clusters, keep={c.name for c in (active, pending) if c})
        self._write_service_status(run, active, active_view, pending, pending_view)

    # -- clusters -------------------------------------------------------------------------

    async def _settle_pending(
        self, run: Pass, active: StoredObject | None, pending: StoredObject | None
    ) -> StoredObject | None:
        goal = cluster_config_hash(run.service.to_wire()["spec"]["rayClusterConfig"])
        if pending is not None and _hash_of(pending) != goal:
            why = (
                "the spec went back to the active cluster's"
                if active is not None and _hash_of(active) == goal
                else "a newer rayClusterConfig supersedes it"
            )
            await self._event(
                run.obj, "Normal", "PendingClusterReplaced", f"Deleting {pending.name}: {why}"
            )
            await self._delete(pending)
            pending = None
        if active is None and pending is None:
            return await self._create_cluster(run, goal, "the first cluster")
        if active is not None and pending is None and _hash_of(active) != goal:
            if run.spec.upgrade_type() == rs.UpgradeType.NONE:
                return None
            return await self._create_cluster(run, goal, "a changed rayClusterConfig")
        return pending

    async def _create_cluster(self, run: Pass, goal: str, why: str) -> StoredObject:
        name = cluster_name(run.obj.name)
        spec = run.service.to_wire()["spec"]["rayClusterConfig"]
        body = cluster_body(run.obj, name=name, spec=spec, annotations={HASH_ANNOTATION: goal})
        try:
            cluster = await self._store.create(
                rc.KIND, run.obj.namespace, body, is_template=False, creator=run.obj.creator
            )
        except AlreadyExists:
            cluster = await self._store.get(ObjectKey(rc.KIND, run.obj.namespace, name))
        run.status["pendingServiceStatus"] = {"rayClusterName": cluster.name}
        run.settling = True
        await self._event(
            run.obj, "Normal", "CreatedRayCluster", f"Created RayCluster {cluster.name} for {why}"
        )
        return cluster

    async def _resize(self, run: Pass, active: StoredObject) -> StoredObject:
        """Apply worker replica changes to the active cluster without replacing it."""
        wanted = run.service.to_wire()["spec"]["rayClusterConfig"].get("workerGroupSpecs") or []
        body = copy.deepcopy(active.body)
        groups = body.get("spec", {}).get("workerGroupSpecs") or []
        if _hash_of(active) != cluster_config_hash(
            run.service.to_wire()["spec"]["rayClusterConfig"]
        ) or len(groups) != len(wanted):
            return active
        changed = False
        for group, goal in zip(groups, wanted, strict=True):
            for name in _SCALING_FIELDS:
                if group.get(name) != goal.get(name):
                    changed = True
                    if name in goal:
                        group[name] = copy.deepcopy(goal[name])
                    else:
                        group.pop(name, None)
        if not changed:
            return active
        try:
            resized = await self._store.replace(
                active.key, body, expected_version=active.resource_version
            )
        except Conflict:
            run.settling = True
            return active
        await self._event(run.obj, "Normal", "Scaled", f"Resized worker groups of {active.name}")
        return resized

    async def _promote(self, run: Pass, active: StoredObject | None, pending: StoredObject) -> None:
        if active is not None:
            await self._mark_for_deletion(run, active)
            await self._event(
                run.obj,
                "Normal",
                "Promoted",
                f"Traffic switched from {active.name} to {pending.name}; {active.name} is "
                f"deleted in {run.spec.deletion_delay()} s",
            )
        else:
            await self._event(run.obj, "Normal", "Ready", f"{pending.name} serves traffic")
        run.status["activeServiceStatus"] = {"rayClusterName": pending.name}
        run.status.pop("pendingServiceStatus", None)

    async def _retire_others(
        self, run: Pass, clusters: list[StoredObject], *, keep: set[str]
    ) -> None:
        """Delete clusters that are neither active nor pending once their delay has passed."""
        for cluster in clusters:
            if cluster.name in keep:
                continue
            due = _delete_after(cluster)
            if due is None:
                await self._mark_for_deletion(run, cluster)
                continue
            if due <= run.now:
                await self._event(
                    run.obj, "Normal", "DeletedRayCluster", f"Deleted old RayCluster {cluster.name}"
                )
                await self._delete(cluster)
            else:
                run.settling = run.settling or due - run.now < RESYNC

    async def _mark_for_deletion(self, run: Pass, cluster: StoredObject) -> None:
        body = copy.deepcopy(cluster.body)
        annotations = body.setdefault("metadata", {}).setdefault("annotations", {})
        annotations[DELETE_AFTER_ANNOTATION] = str(run.now + run.spec.deletion_delay())
        try:
            await self._store.replace(cluster.key, body, expected_version=None)
        except NotFound:
            return

    async def _delete(self, cluster: StoredObject) -> None:
        self._deployed.pop(cluster.uid, None)
        self._rejected.pop(cluster.uid, None)
        self._reported.pop(cluster.uid, None)
        try:
            await self._store.delete(cluster.key, uid=cluster.uid)
        except NotFound:
            return

    # -- Serve ----------------------------------------------------------------------------

    async def _observe(self, run: Pass, cluster: StoredObject, *, deploy: bool) -> ServeView:
        """Deploy the config to ``cluster`` if it lacks it (and ``deploy``), then read what Serve
        runs there."""
        status = cluster.status or {}
        ports = status.get("endpoints") or {}
        if status.get("state") != rc.ClusterState.READY or "dashboard" not in ports:
            run.settling = True
            queue = status.get("queue")
            if isinstance(queue, dict):
                run.queue = {"rayClusterName": cluster.name, **queue}
                return ServeView(problem=queued_problem(cluster.name, queue))
            return ServeView(problem=f"RayCluster {cluster.name} is not ready yet")
        api = ServeApi(
            self._http,
            dashboard_port=int(ports["dashboard"]),
            headers=await self._ray_auth.headers(cluster.uid),
        )
        wanted = (await self._incarnation(cluster), run.config.fingerprint())
        rejected = self._rejected.get(cluster.uid)
        if deploy and rejected is not None and rejected[:2] == wanted:
            return _rejected_view(run.config, rejected[2])
        try:
            if deploy and self._deployed.get(cluster.uid) != wanted:
                await self._deploy(run, cluster, api, wanted)
            apps = await api.applications()
        except DeployRejected as e:
            self._rejected[cluster.uid] = (*wanted, e.message)
            await self._event(run.obj, "Warning", "DeployFailed", f"{cluster.name}: {e.message}")
            return _rejected_view(run.config, e.message)
        except PlatformUnavailable as e:
            run.settling = True
            return ServeView(problem=e.message)
        if run.config.apps and not apps:
            self._deployed.pop(cluster.uid, None)  # Serve lost its state: deploy again
        view = ServeView(
            apps=apps, proxy_up=await proxy_healthy(self._http, serve_port=_serve_port(cluster))
        )
        if not view.serving(run.config):
            run.settling = True
        await self._report_failure(run, cluster, view.failure())
        return view

    async def _report_failure(self, run: Pass, cluster: StoredObject, failure: str) -> None:
        """One warning event per distinct failure of a cluster's applications."""
        if failure and self._reported.get(cluster.uid) != failure:
            await self._event(
                run.obj, "Warning", "ServeApplicationFailed", f"{cluster.name}: {failure}"
            )
        self._reported[cluster.uid] = failure

    async def _deploy(
        self, run: Pass, cluster: StoredObject, api: ServeApi, wanted: tuple[str, str]
    ) -> None:
        again = cluster.uid in self._deployed
        await api.deploy(run.config.for_local_cluster(port=_serve_port(cluster)))
        self._deployed[cluster.uid] = wanted
        self._rejected.pop(cluster.uid, None)
        run.settling = True
        what = "Updated" if again else "Deployed"
        names = ", ".join(app.name for app in run.config.apps)
        await self._event(
            run.obj,
            "Normal",
            f"Serve{what}",
            f"{what} Serve applications {names} on {cluster.name}",
        )

    async def _incarnation(self, cluster: StoredObject) -> str:
        """Changes when the head process is replaced, which loses Serve's state."""
        for pod in await self._store.list_pods(cluster.uid):
            if pod.node_type == "head":
                return str(pod.data.get("spawnedAtMs") or pod.name)
        return ""

    # -- suspend --------------------------------------------------------------------------

    async def _suspend(
        self, run: Pass, clusters: list[StoredObject], endpoint: ServeEndpoint
    ) -> None:
        endpoint.route_to(None)
        conditions = _conditions(run.status)
        if clusters:
            for cluster in clusters:
                await self._delete(cluster)
            conditions = _put(conditions, T.SUSPENDING, True, R.SUSPEND_IN_PROGRESS, run)
            await self._event(run.obj, "Normal", "Suspending", "Deleting the RayService's clusters")
            run.settling = True
        else:
            conditions = _put(conditions, T.SUSPENDING, False, R.SUSPEND_COMPLETE, run)
            conditions = _put(conditions, T.SUSPENDED, True, R.SUSPEND_COMPLETE, run)
        conditions = _put(
            conditions, T.READY, False, R.SUSPEND_REQUESTED, run, "the RayService is suspended"
        )
        conditions = _put(conditions, T.UPGRADE_IN_PROGRESS, False, R.NO_ACTIVE_CLUSTER, run)
        for name in ("activeServiceStatus", "pendingServiceStatus", "serviceStatus", "queue"):
            run.status.pop(name, None)
        run.status["numServeEndpoints"] = 0
        run.status["conditions"] = [c.to_wire() for c in conditions]

    def _resumed(self, run: Pass) -> None:
        conditions = _conditions(run.status)
        suspended = next((c for c in conditions if c.type == T.SUSPENDED), None)
        if suspended is not None and suspended.status == "True":
            conditions = _put(conditions, T.SUSPENDED, False, R.RESUMED, run)
            conditions = _put(conditions, T.SUSPENDING, False, R.RESUMED, run)
            run.status["conditions"] = [c.to_wire() for c in conditions]

    # -- status ---------------------------------------------------------------------------

    def _write_service_status(
        self,
        run: Pass,
        active: StoredObject | None,
        active_view: ServeView | None,
        pending: StoredObject | None,
        pending_view: ServeView | None,
    ) -> None:
        status = run.status
        if run.queue is not None:
            status["queue"] = run.queue  # raydeck's own, as a RayCluster's: lists say queued
        else:
            status.pop("queue", None)
        endpoints = 1 if active_view is not None and active_view.proxy_up else 0
        status["numServeEndpoints"] = endpoints
        if active is not None and active_view is not None:
            status["activeServiceStatus"] = active_view.to_wire(active.name)
        else:
            status.pop("activeServiceStatus", None)
        if pending is not None:
            view = pending_view or ServeView()
            status["pendingServiceStatus"] = view.to_wire(pending.name)
        else:
            status.pop("pendingServiceStatus", None)
        if endpoints:
            status["serviceStatus"] = "Running"
        else:
            status.pop("serviceStatus", None)
        conditions = _conditions(status)
        conditions = self._ready(conditions, run, active, endpoints, pending_view)
        conditions = self._upgrade(conditions, run, active, pending, pending_view)
        status["conditions"] = [c.to_wire() for c in conditions]

    def _ready(
        self,
        conditions: list[Condition],
        run: Pass,
        active: StoredObject | None,
        endpoints: int,
        pending_view: ServeView | None,
    ) -> list[Condition]:
        if active is None:
            waiting = pending_view.failure() if pending_view else ""
            message = waiting or "waiting for the first cluster to serve every application"
            return _put(conditions, T.READY, False, R.INITIALIZING, run, message)
        if endpoints:
            message = f"RayCluster {active.name} serves traffic"
            return _put(conditions, T.READY, True, R.NON_ZERO_SERVE_ENDPOINTS, run, message)
        message = f"the Serve proxy of RayCluster {active.name} does not answer"
        return _put(conditions, T.READY, False, R.ZERO_SERVE_ENDPOINTS, run, message)

    def _upgrade(
        self,
        conditions: list[Condition],
        run: Pass,
        active: StoredObject | None,
        pending: StoredObject | None,
        pending_view: ServeView | None,
    ) -> list[Condition]:
        if active is None:
            return _put(conditions, T.UPGRADE_IN_PROGRESS, False, R.NO_ACTIVE_CLUSTER, run)
        if pending is None:
            message = ""
            goal = cluster_config_hash(run.service.to_wire()["spec"]["rayClusterConfig"])
            if _hash_of(active) != goal:
                message = (
                    "rayClusterConfig changed, but upgradeStrategy.type None keeps the cluster"
                )
            return _put(
                conditions, T.UPGRADE_IN_PROGRESS, False, R.NO_PENDING_CLUSTER, run, message
            )
        failure = pending_view.failure() if pending_view else ""
        message = f"bringing up {pending.name}; traffic stays on {active.name}"
        if failure:
            message += f" because {failure}"
        return _put(
            conditions,
            T.UPGRADE_IN_PROGRESS,
            True,
            R.BOTH_ACTIVE_PENDING_CLUSTERS_EXIST,
            run,
            message,
        )

    # -- helpers --------------------------------------------------------------------------

    def _now(self) -> float:
        return self._clock.wall().timestamp()

    async def _event(self, obj: StoredObject, type_: str, reason: str, message: str) -> None:
        await self._store.record_event(obj, type_=type_, reason=reason, message=message)

    async def _write(self, obj: StoredObject, status: dict[str, Any]) -> None:
        if status == obj.status:
            return
        status["lastUpdateTime"] = rfc3339(self._clock.wall())
        try:
            await self._store.write_status(obj.key, status, uid=obj.uid)
        except NotFound:
            return


def _rejected_view(config: ServeConfig, message: str) -> ServeView:
    failed = rs.ApplicationStatus.DEPLOY_FAILED.value
    return ServeView(apps={app.name: AppState(failed, message) for app in config.apps})


def _cluster_of(status: Mapping[str, Any], field_name: str) -> str:
    return str((status.get(field_name) or {}).get("rayClusterName") or "")


def _hash_of(cluster: StoredObject) -> str:
    annotations = (cluster.body.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(HASH_ANNOTATION) or "")


def _delete_after(cluster: StoredObject) -> float | None:
    annotations = (cluster.body.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(DELETE_AFTER_ANNOTATION)
    return float(value) if value else None


def _serve_port(cluster: StoredObject) -> int:
    return int(((cluster.status or {}).get("endpoints") or {}).get("serve") or 0)


def _conditions(status: Mapping[str, Any]) -> list[Condition]:
    return [Condition.model_validate(c) for c in status.get("conditions") or []]


def _put(
    conditions: list[Condition],
    type_: rs.ConditionType,
    true: bool,
    reason: rs.Reason,
    run: Pass,
    message: str = "",
) -> list[Condition]:
    condition = Condition(
        type=type_.value,
        status="True" if true else "False",
        reason=reason.value,
        message=message,
        observed_generation=run.obj.generation,
    )
    return set_condition(conditions, condition, now=run.stamp)
