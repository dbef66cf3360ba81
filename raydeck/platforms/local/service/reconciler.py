"""The local platform's RayService reconciler: observe, plan, act, write the status once.

The controller calls ``reconcile(key)`` per RayService. ``plan.py`` decides;
this module observes (the RayService's clusters and their head pods in the
store, Serve's REST API on each ready cluster, its endpoints), carries out the
plan's actions in order, and remembers what Serve itself does not: which config
each cluster's head runs, and which one Serve refused.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from raydeck.controller.clock import Clock, rfc3339
from raydeck.controller.loop import Result
from raydeck.errors import AlreadyExists, Conflict, NotFound, PlatformUnavailable
from raydeck.platforms.local.owned import cluster_body, cluster_name, owned_clusters, owner_uid
from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.prologue import current
from raydeck.platforms.local.ray_auth import RayAuth
from raydeck.platforms.local.service import actions as act
from raydeck.platforms.local.service.endpoint import ServeEndpoint
from raydeck.platforms.local.service.observed import (
    ClusterView,
    Observation,
    Queued,
    ServeMemory,
    ServeState,
)
from raydeck.platforms.local.service.plan import SETTLING, opened, plan_leftovers, plan_service
from raydeck.platforms.local.service.serve_api import DeployRejected, ServeApi, proxy_healthy
from raydeck.platforms.local.service.status import LocalServiceStatus
from raydeck.resources import raycluster as rc
from raydeck.resources import rayservice as rs
from raydeck.resources.serve_config import parse_serve_config
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)
HASH_ANNOTATION = "raydeck.io/cluster-config-hash"
DELETE_AFTER_ANNOTATION = "raydeck.io/delete-after"


@dataclass
class _Run:
    """One pass over a RayService while its plan is carried out."""

    obj: StoredObject
    service: rs.RayService
    clusters: Mapping[str, StoredObject]
    status: LocalServiceStatus
    #: An action could not finish (a conflict, Serve unreachable): look again soon.
    settle: bool = False


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
        #: Per cluster uid: what Serve runs there as far as raydeck sent it.
        self._memory: dict[str, ServeMemory] = {}

    def endpoint_port(self, uid: str) -> int | None:
        found = self._endpoints.get(uid)
        return found[1].port if found else None

    async def close_endpoints(self) -> None:
        for _key, endpoint in self._endpoints.values():
            await endpoint.close()
        self._endpoints.clear()

    async def reconcile(self, key: ObjectKey) -> Result:
        found = await current(self._store, key, rs.RayService, self._remove_leftovers)
        if found is None:
            return Result()
        obj, service = found.obj, found.model
        clusters = {
            c.name: c for c in await owned_clusters(self._store, key) if owner_uid(c) == obj.uid
        }
        config, _errors = parse_serve_config(service.spec.serve_config_v2)
        if config is None:  # validated before it was stored; only an edit behind raydeck's back
            return Result()
        plan = plan_service(service, config, await self._observe(obj, service, clusters))
        self._memory.update(plan.memory)
        run = _Run(obj, service, clusters, plan.status)
        for action in plan.actions:
            await self._act(run, action)
        await self._write(obj, run.status)
        requeue = plan.requeue_after
        if run.settle and requeue is not None:
            requeue = min(requeue, SETTLING)
        return Result(requeue_after=requeue)

    async def _remove_leftovers(self, key: ObjectKey, keep_uid: str | None) -> None:
        """What RayServices of this name left: a deleted one's endpoint and clusters, or an
        older incarnation's when ``keep_uid`` is the current one."""
        clusters = [(c.name, c.uid, owner_uid(c)) for c in await owned_clusters(self._store, key)]
        endpoints = [uid for uid, (owner, _) in self._endpoints.items() if owner == key]
        for action in plan_leftovers(clusters, endpoints, keep_uid=keep_uid):
            if isinstance(action, act.CloseEndpoint):
                await self._close_endpoint(action.uid)
            elif isinstance(action, act.DeleteCluster):
                await self._delete_cluster(key.namespace, action)

    # -- observe --------------------------------------------------------------------------

    async def _observe(
        self, obj: StoredObject, service: rs.RayService, clusters: Mapping[str, StoredObject]
    ) -> Observation:
        status = service.status
        named = (
            {
                s.ray_cluster_name
                for s in (status.active_service_status, status.pending_service_status)
                if s is not None
            }
            if status
            else set()
        )
        views = [await self._view(c, ask_serve=c.name in named) for c in clusters.values()]
        return Observation(
            clusters=tuple(views),
            endpoint_port=self.endpoint_port(obj.uid),
            fresh_name=cluster_name(obj.name),
            now=self._clock.wall().timestamp(),
        )

    async def _view(self, cluster: StoredObject, *, ask_serve: bool) -> ClusterView:
        status = rc.RayClusterStatus.model_validate(cluster.status or {})
        ports = status.endpoints or {}
        annotations = (cluster.body.get("metadata") or {}).get("annotations") or {}
        due = annotations.get(DELETE_AFTER_ANNOTATION)
        view = ClusterView(
            name=cluster.name,
            uid=cluster.uid,
            config_hash=str(annotations.get(HASH_ANNOTATION) or ""),
            ready=status.state == rc.ClusterState.READY and "dashboard" in ports,
            dashboard_port=int(ports.get("dashboard") or 0),
            serve_port=int(ports.get("serve") or 0),
            queued=_queued(cluster.status or {}),
            delete_after=float(due) if due else None,
            workers=tuple(rc.RayClusterSpec.model_validate(cluster.spec).worker_group_specs or []),
            memory=self._memory.get(cluster.uid, ServeMemory()),
        )
        if not (view.ready and ask_serve):
            return view
        return replace(
            view, incarnation=await self._incarnation(cluster), serve=await self._serve(view)
        )

    async def _serve(self, view: ClusterView) -> ServeState:
        api = ServeApi(
            self._http,
            dashboard_port=view.dashboard_port,
            headers=await self._ray_auth.headers(view.uid),
        )
        try:
            apps = await api.applications()
        except PlatformUnavailable as e:
            return ServeState(apps=None, problem=e.message)
        return ServeState(
            apps, proxy_up=await proxy_healthy(self._http, serve_port=view.serve_port)
        )

    async def _incarnation(self, cluster: StoredObject) -> str:
        """Changes when the head process is replaced, which loses Serve's state."""
        for pod in await self._store.list_pods(cluster.uid):
            if pod.node_type == "head":
                return str(pod.data.get("spawnedAtMs") or pod.name)
        return ""

    # -- act ------------------------------------------------------------------------------

    async def _act(self, run: _Run, action: act.Action) -> None:
        match action:
            case act.OpenEndpoint():
                await self._open_endpoint(run, action.recorded_port)
            case act.RouteEndpoint():
                self._endpoints[run.obj.uid][1].route_to(action.serve_port)
            case act.CloseEndpoint():
                await self._close_endpoint(action.uid)
            case act.CreateCluster():
                await self._create(run, action)
            case act.DeleteCluster():
                await self._delete_cluster(run.obj.namespace, action)
            case act.MarkForDeletion():
                await self._mark_for_deletion(run, action)
            case act.ResizeCluster():
                await self._resize(run, action)
            case act.Deploy():
                await self._deploy(run, action)
            case act.RecordEvent():
                await self._event(run.obj, action.type, action.reason, action.message)

    async def _open_endpoint(self, run: _Run, recorded: int | None) -> None:
        owner = f"{run.obj.namespace}/{run.obj.name}"
        endpoint = None
        if recorded:
            self._ports.claim([recorded])
            endpoint = await _open(recorded, owner)
            if endpoint is None:
                message = f"port {recorded} is taken by another program"
                await self._event(run.obj, "Warning", "EndpointMoved", message)
        while endpoint is None:
            (port,) = self._ports.allocate(1, taken=())
            endpoint = await _open(port, owner)
        self._endpoints[run.obj.uid] = (run.obj.key, endpoint)
        run.status = opened(run.status, endpoint.port)

    async def _close_endpoint(self, uid: str) -> None:
        _owner, endpoint = self._endpoints.pop(uid)
        await endpoint.close()
        self._ports.release([endpoint.port])

    async def _create(self, run: _Run, action: act.CreateCluster) -> None:
        namespace = run.obj.namespace
        spec = run.service.spec.ray_cluster_config.to_wire()
        annotations = {HASH_ANNOTATION: action.config_hash}
        body = cluster_body(run.obj, name=action.name, spec=spec, annotations=annotations)
        try:
            cluster = await self._store.create(
                rc.KIND, namespace, body, is_template=False, creator=run.obj.creator
            )
        except AlreadyExists:
            cluster = await self._store.get(ObjectKey(rc.KIND, namespace, action.name))
        message = f"Created RayCluster {cluster.name} for {action.why}"
        await self._event(run.obj, "Normal", "CreatedRayCluster", message)

    async def _delete_cluster(self, namespace: str, action: act.DeleteCluster) -> None:
        self._memory.pop(action.uid, None)
        try:
            await self._store.delete(ObjectKey(rc.KIND, namespace, action.name), uid=action.uid)
        except NotFound:
            return

    async def _mark_for_deletion(self, run: _Run, action: act.MarkForDeletion) -> None:
        cluster = run.clusters[action.name]
        body = copy.deepcopy(cluster.body)
        annotations = body.setdefault("metadata", {}).setdefault("annotations", {})
        annotations[DELETE_AFTER_ANNOTATION] = str(action.due)
        try:
            await self._store.replace(cluster.key, body, expected_version=None)
        except NotFound:
            return

    async def _resize(self, run: _Run, action: act.ResizeCluster) -> None:
        cluster = run.clusters[action.name]
        body = copy.deepcopy(cluster.body)
        groups = body.get("spec", {}).get("workerGroupSpecs") or []
        for group, scale in zip(groups, action.groups, strict=True):
            _scale(group, scale)
        try:
            await self._store.replace(cluster.key, body, expected_version=cluster.resource_version)
        except Conflict:
            run.settle = True
            return
        message = f"Resized worker groups of {cluster.name}"
        await self._event(run.obj, "Normal", "Scaled", message)

    async def _deploy(self, run: _Run, action: act.Deploy) -> None:
        api = ServeApi(
            self._http,
            dashboard_port=action.dashboard_port,
            headers=await self._ray_auth.headers(action.uid),
        )
        memory = self._memory.get(action.uid, ServeMemory())
        try:
            await api.deploy(action.config.for_local_cluster(port=action.serve_port))
        except DeployRejected as e:
            self._memory[action.uid] = replace(
                memory, rejected=action.deployment, rejection=e.message
            )
            message = f"{action.cluster}: {e.message}"
            await self._event(run.obj, "Warning", "DeployFailed", message)
            return
        except PlatformUnavailable as e:
            log.info("%s: deploying to %s failed: %s", run.obj.key, action.cluster, e.message)
            run.settle = True
            return
        self._memory[action.uid] = replace(
            memory, deployed=action.deployment, rejected=None, rejection=""
        )
        what = "Updated" if action.again else "Deployed"
        names = ", ".join(app.name for app in action.config.apps)
        message = f"{what} Serve applications {names} on {action.cluster}"
        await self._event(run.obj, "Normal", f"Serve{what}", message)

    # -- status ---------------------------------------------------------------------------

    async def _event(self, obj: StoredObject, type_: str, reason: str, message: str) -> None:
        await self._store.record_event(obj, type_=type_, reason=reason, message=message)

    async def _write(self, obj: StoredObject, status: LocalServiceStatus) -> None:
        wire = status.wire()
        if wire == obj.status:
            return
        wire["lastUpdateTime"] = rfc3339(self._clock.wall())
        try:
            await self._store.write_status(obj.key, wire, uid=obj.uid)
        except NotFound:
            return


async def _open(port: int, owner: str) -> ServeEndpoint | None:
    endpoint = ServeEndpoint(port=port, owner=owner)
    try:
        await endpoint.open()
    except OSError:
        return None
    return endpoint


def _queued(status: Mapping[str, Any]) -> Queued | None:
    """The admission queue's word in a cluster's status (raydeck's own ``status.queue``)."""
    queue = status.get("queue")
    if not isinstance(queue, Mapping):
        return None
    return Queued(position=int(queue.get("position") or 0), reason=str(queue.get("reason") or ""))


def _scale(group: dict[str, Any], scale: act.GroupScale) -> None:
    """Write ``scale`` into a worker group of a stored cluster body (its JSON, a true edge)."""
    wanted = {
        "replicas": scale.replicas,
        "minReplicas": scale.min_replicas,
        "maxReplicas": scale.max_replicas,
        "scaleStrategy": scale.scale_strategy.to_wire() if scale.scale_strategy else None,
    }
    for name, value in wanted.items():
        if value is None:
            group.pop(name, None)
        else:
            group[name] = value
