"""The local platform: RayClusters as real Ray processes on this machine, state in SQLite.

``create_app`` builds it; managers call it through the ``Platform`` protocol.
It owns the controller that runs ``ClusterReconciler``, re-adopts the processes
an earlier raydeck left running and removes any it no longer knows. It never
stops Ray by name (no ``ray stop``): only process groups and tags it started.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from raydeck.controller.clock import Clock, SystemClock
from raydeck.controller.loop import Controller
from raydeck.errors import FieldError, InvalidInput, InvalidState, NotFound
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.targets import ClusterTarget, NodeTarget
from raydeck.platforms.admission import AdmissionQueue, capacity_from
from raydeck.platforms.base import DashboardUpstream, PodView
from raydeck.platforms.local.job.reconciler import JobReconciler
from raydeck.platforms.local.logs import (
    follow_directory,
    follow_file,
    tail_directory,
    tail_lines,
)
from raydeck.platforms.local.nodes import cluster_need
from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.processes import ProcessSupervisor
from raydeck.platforms.local.ray_auth import RayAuth
from raydeck.platforms.local.reconciler import ClusterReconciler, handle_of
from raydeck.platforms.local.refusals import not_run, refusals
from raydeck.platforms.local.service.reconciler import ServiceReconciler
from raydeck.platforms.local.tenants import TenantUsers
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.resources import rayservice as rs
from raydeck.resources.summary import Totals, pod_requests
from raydeck.settings import Settings
from raydeck.store.records import NamespaceRecord, ObjectKey, PodRecord, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)
#: Ray's unix socket paths live under a node's directory and must fit in 107 bytes.
MAX_DATA_DIR_LENGTH = 40


class LocalPlatform:
    name = "local"

    def __init__(self, store: Store, settings: Settings, *, clock: Clock | None = None) -> None:
        data_dir = _usable_data_dir(settings)
        self._store = store
        self._settings = settings
        self._data_dir = data_dir
        self._clock = clock or SystemClock()
        self._supervisor = ProcessSupervisor()
        self._http = httpx.AsyncClient(timeout=2.0)
        local = settings.local
        self._tag_prefix = f"raydeck:{self._instance_id()}:"
        self._ports = PortAllocator(start=local.port_range_start, end=local.port_range_end)
        self.admission: AdmissionQueue | None = AdmissionQueue(
            store,
            capacity_from(local),
            need_of=functools.partial(cluster_need, detected_cpus=os.cpu_count() or 1),
        )
        queue = self.admission
        self.ray_auth = RayAuth(store, enabled=local.ray_auth == "token")
        self.tenants = TenantUsers(
            instance_id=self._instance_id(),
            uid_start=local.tenant_uid_start,
            uid_count=local.tenant_uid_count,
            enabled=local.tenant_users,
        )
        self._reconciler = ClusterReconciler(
            store=store,
            supervisor=self._supervisor,
            ports=self._ports,
            settings=local,
            data_dir=data_dir,
            tag_prefix=self._tag_prefix,
            clock=self._clock,
            http=self._http,
            admission=queue,
            ray_auth=self.ray_auth,
            tenants=self.tenants,
        )
        self._services = ServiceReconciler(
            store=store,
            clock=self._clock,
            http=self._http,
            ports=self._ports,
            ray_auth=self.ray_auth,
        )
        self._controllers = self._controllers_of(
            JobReconciler(store=store, clock=self._clock, ray_auth=self.ray_auth)
        )
        self._watch_task: asyncio.Task[None] | None = None

    def _controllers_of(self, jobs: JobReconciler) -> dict[str, Controller[ObjectKey]]:
        """One controller a kind, each retrying a failed pass with the settings' back-off."""
        local = self._settings.local
        backoff = {
            "backoff_initial": local.restart_backoff_initial,
            "backoff_max": local.restart_backoff_max,
        }
        clock = self._clock
        return {
            rc.KIND: Controller(self._reconciler, name="rayclusters", clock=clock, **backoff),
            rj.KIND: Controller(jobs, name="rayjobs", clock=clock, **backoff),
            rs.KIND: Controller(self._services, name="rayservices", clock=clock, **backoff),
        }

    def _instance_id(self) -> str:
        """A stable id of this data directory, so tags never match another raydeck's processes."""
        path = self._data_dir / "instance-id"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(uuid.uuid4().hex[:12])
        return path.read_text().strip()

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self._adopt_or_clean()
        for service in await self._store.instances(rs.KIND):
            port = ((service.status or {}).get("endpoints") or {}).get("serve")
            if port:
                self._ports.claim([int(port)])  # the RayService's endpoint reopens there
        queue = self._store.subscribe()
        for kind, controller in self._controllers.items():
            controller.start()
            for obj in await self._store.instances(kind):
                controller.enqueue(obj.key)
        self._watch_task = asyncio.create_task(self._watch(queue), name="local-platform-watch")

    async def _watch(self, queue: asyncio.Queue[ObjectKey]) -> None:
        while True:
            key = await queue.get()
            if key.kind in self._controllers:
                self._controllers[key.kind].enqueue(key)

    async def _adopt_or_clean(self) -> None:
        """Keep recorded processes that still run; stop every tagged process nobody records."""
        pods = await self._store.list_pods()
        await self.ray_auth.retire_legacy_key(self._data_dir, pods)
        known: set[str] = set()
        for pod in pods:
            handle = handle_of(pod)
            if handle is not None and self._supervisor.adopt(handle):
                known.add(self._reconciler.tag(pod.owner_uid, pod.name))
                log.info("re-adopted node %s (pid %d)", pod.name, handle.pid)
        for pid, tag in self._supervisor.tags(self._tag_prefix).items():
            if tag not in known:
                log.warning("stopping orphaned Ray process %d (%s)", pid, tag)
                await self._supervisor.terminate_tagged(tag, grace=0)

    async def shutdown(self, *, stop_clusters: bool) -> None:
        if self._watch_task is not None:
            self._watch_task.cancel()
            await asyncio.gather(self._watch_task, return_exceptions=True)
        for controller in self._controllers.values():
            await controller.stop()
        await self._services.close_endpoints()
        if stop_clusters:
            await self._reconciler.stop_all(await self._store.list_pods())
            # No node runs any more: the namespaces' OS users go too (made again when needed).
            await asyncio.to_thread(self.tenants.remove_all)
        await self._http.aclose()

    # -- writes ---------------------------------------------------------------------------

    async def create(
        self, kind: str, namespace: str, body: dict[str, Any], *, creator: str
    ) -> StoredObject:
        return await self._store.create(kind, namespace, body, is_template=False, creator=creator)

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        return await self._store.replace(key, body, expected_version=expected_version)

    async def delete(self, key: ObjectKey) -> StoredObject:
        return await self._store.delete(key)

    def refusals(self, kind: str, body: dict[str, Any]) -> list[FieldError]:
        return refusals(kind, body, offline=self._settings.local.offline)

    def cautions(self, kind: str, body: dict[str, Any]) -> list[str]:
        return not_run(kind, body)

    async def secret_data(self, obj: StoredObject) -> StoredObject:
        return obj  # the store is where a Secret lives here

    # -- pods and logs ----------------------------------------------------------------------

    async def pods(self, obj: StoredObject) -> list[PodView]:
        owner = await self._runs_on(obj)
        if owner is None:
            return []
        return [self._view(p) for p in await self._store.list_pods(owner.uid)]

    async def _runs_on(self, obj: StoredObject) -> StoredObject | None:
        """The RayCluster whose nodes serve ``obj``: itself, a RayJob's cluster, or a
        RayService's active cluster (its pending one while there is no active one)."""
        if obj.kind == rc.KIND:
            return obj
        status = obj.status or {}
        name = status.get("rayClusterName")
        if obj.kind == rs.KIND:
            name = (status.get("activeServiceStatus") or {}).get("rayClusterName") or (
                status.get("pendingServiceStatus") or {}
            ).get("rayClusterName")
        if not name:
            return None
        try:
            return await self._store.get(ObjectKey(rc.KIND, obj.namespace, name))
        except NotFound:
            return None

    def _view(self, pod: PodRecord) -> PodView:
        data = pod.data
        handle = handle_of(pod)
        alive = handle is not None and self._supervisor.is_alive(handle)
        phase = str(data.get("phase", "Pending")) if alive else "Failed"
        return PodView(
            name=pod.name,
            group=pod.group_name,
            node_type=pod.node_type,
            phase=phase,
            ready=alive and phase == "Running",
            restarts=int(data.get("restarts", 0)),
            ip="127.0.0.1",
            ports={k: int(v) for k, v in (data.get("ports") or {}).items()},
            start_time=data.get("startTime"),
            pid=handle.pid if handle else None,
            message="" if alive else f"exited with code {data.get('exitCode')}",
        )

    async def logs(
        self, obj: StoredObject, *, pod: str | None, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        if obj.kind == rj.KIND and pod is None:
            async for line in self._job_log(obj, tail=tail, follow=follow):
                yield line
            return
        cluster = await self._runs_on(obj)
        if cluster is None:
            raise NotFound(f"{obj.kind} {obj.namespace}/{obj.name} has no running cluster")
        record = await self._find_pod(cluster, pod)
        if obj.kind == rs.KIND and pod is None:
            async for line in self._serve_logs(record, tail=tail, follow=follow):
                yield line
            return
        path = Path(record.data.get("logPath") or Path(record.data["dir"]) / "node.log")
        within = Path(record.data["dir"])
        for line in await asyncio.to_thread(
            functools.partial(tail_lines, within=within), path, tail
        ):
            yield line
        if follow:
            still_there = functools.partial(self._pod_exists, record.name)
            async for line in follow_file(path, still_there=still_there, within=within):
                yield line

    async def _serve_logs(
        self, head: PodRecord, *, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        """Serve's controller, proxy and replica logs on a RayService's head node."""
        within = Path(head.data["dir"])
        directory = within / "session_latest" / "logs" / "serve"
        read = functools.partial(tail_directory, within=within)
        for line in await asyncio.to_thread(read, directory, tail):
            yield line
        if follow:
            still_there = functools.partial(self._pod_exists, head.name)
            async for line in follow_directory(directory, still_there=still_there, within=within):
                yield line

    async def endpoints(self, obj: StoredObject) -> dict[str, str]:
        urls: dict[str, str] = {}
        if obj.kind == rs.KIND:
            port = self._services.endpoint_port(obj.uid) or (
                (obj.status or {}).get("endpoints") or {}
            ).get("serve")
            if port:
                urls["serve"] = f"http://127.0.0.1:{port}"
        cluster = await self._runs_on(obj)
        ports = ((cluster.status or {}).get("endpoints") or {}) if cluster else {}
        if obj.kind == rc.KIND and "serve" in ports:
            urls["serve"] = f"http://127.0.0.1:{ports['serve']}"
        if "dashboard" in ports:
            urls["dashboard"] = f"http://127.0.0.1:{ports['dashboard']}"
        return urls

    async def create_namespace(self, name: str) -> NamespaceRecord:
        """Namespaces are raydeck's own here: a row in the store."""
        return await self._store.create_namespace(name)

    async def delete_namespace(self, name: str) -> None:
        await self._store.delete_namespace(name)

    async def admission_queue(self, namespace: str) -> list[dict[str, Any]] | None:
        """None: raydeck's own admission queue decides here."""
        return None

    async def dashboard_upstream(self, target: ClusterTarget) -> DashboardUpstream:
        """The head's dashboard port on loopback, with the cluster's Ray token."""
        if target.dashboard_url is None:
            raise InvalidState(f"RayCluster {target.namespace}/{target.name} has no dashboard yet")
        return DashboardUpstream(
            target.dashboard_url, dict(target.dashboard_headers), via="on this machine"
        )

    async def _job_log(
        self, obj: StoredObject, *, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        """The driver log raydeck keeps for a RayJob; following, new lines until the job ends."""
        text = await self._store.job_log(obj.uid)
        if text is None and not follow:
            raise NotFound(f"RayJob {obj.namespace}/{obj.name} has no log yet")
        lines = (text or "").splitlines(keepends=True)
        for line in lines[-tail:] if tail else ([] if tail == 0 else lines):
            yield line
        seen = len(text or "")
        while follow:
            await asyncio.sleep(0.5)
            try:
                current = await self._store.get(ObjectKey(obj.kind, obj.namespace, obj.name))
            except NotFound:
                return
            text = await self._store.job_log(obj.uid) or ""
            if len(text) > seen:
                yield text[seen:]
                seen = len(text)
            if (current.status or {}).get("jobDeploymentStatus") in ("Complete", "Failed"):
                return

    async def _find_pod(self, obj: StoredObject, name: str | None) -> PodRecord:
        pods = await self._store.list_pods(obj.uid)
        for pod in pods:
            if (name is None and pod.node_type == "head") or pod.name == name:
                return pod
        if name is None:
            raise NotFound(f"{obj.kind} {obj.namespace}/{obj.name} has no running head node")
        raise NotFound(f"pod {name!r} of {obj.kind} {obj.namespace}/{obj.name} not found")

    # -- monitoring ---------------------------------------------------------------------------

    def instrument(self, metrics: RaydeckMetrics) -> None:
        self._reconciler.metrics = metrics
        for controller in self._controllers.values():
            controller.metrics = metrics

    async def monitoring_targets(self) -> list[ClusterTarget]:
        """Clusters that have nodes; reads one object per such cluster, never every stored one."""
        pods_by_owner: dict[str, list[PodRecord]] = {}
        for pod in await self._store.list_pods():
            pods_by_owner.setdefault(pod.owner_uid, []).append(pod)
        targets = []
        for pods in pods_by_owner.values():
            key = ObjectKey(rc.KIND, pods[0].namespace, pods[0].cluster)
            try:
                obj = await self._store.get(key)
            except NotFound:
                continue  # deleted; the reconciler is removing its nodes
            if obj.uid == pods[0].owner_uid:
                targets.append(await self._target(obj, pods))
        return targets

    async def _target(self, obj: StoredObject, pods: list[PodRecord]) -> ClusterTarget:
        labels = (obj.body.get("metadata") or {}).get("labels") or {}
        head = next((p for p in pods if p.node_type == "head"), None)
        dashboard = (head.data.get("ports") or {}).get("dashboard") if head else None
        return ClusterTarget(
            namespace=obj.namespace,
            name=obj.name,
            uid=obj.uid,
            nodes=tuple(self._node_target(obj, p) for p in pods),
            owner_kind=str(labels.get("ray.io/originated-from-crd") or ""),
            owner_name=str(labels.get("ray.io/originated-from-cr-name") or ""),
            suspended=bool(obj.spec.get("suspend")),
            dashboard_port=int(dashboard) if dashboard else None,
            dashboard_headers=tuple((await self.ray_auth.headers(obj.uid)).items()),
        )

    def _node_target(self, obj: StoredObject, pod: PodRecord) -> NodeTarget:
        view = self._view(pod)
        ports = pod.data.get("ports") or {}
        return NodeTarget(
            pod=pod.name,
            group=pod.group_name,
            node_type=pod.node_type,
            running=view.phase == "Running",
            requests=_group_requests(obj.spec, pod.group_name),
            metrics_port=int(ports["metrics"]) if "metrics" in ports else None,
            node_manager_port=int(ports["node_manager"]) if "node_manager" in ports else None,
            started_ms=int(pod.data.get("spawnedAtMs") or 0),
        )

    async def _pod_exists(self, name: str) -> bool:
        return any(p.name == name for p in await self._store.list_pods())


def _group_requests(spec: dict[str, Any], group_name: str) -> Totals:
    """What one pod of the group requests (requests, else limits, as Kubernetes defaults them)."""
    if group_name == "headgroup":
        return pod_requests((spec.get("headGroupSpec") or {}).get("template") or {})
    for group in spec.get("workerGroupSpecs") or []:
        if group.get("groupName") == group_name:
            return pod_requests(group.get("template") or {})
    return Totals()


def _usable_data_dir(settings: Settings) -> Path:
    """The data directory, resolved; InvalidInput where Ray's socket paths would not fit in it."""
    data_dir = settings.data_dir.resolve()
    if len(str(data_dir)) > MAX_DATA_DIR_LENGTH:
        raise InvalidInput(
            "the data directory cannot be used",
            [
                FieldError(
                    "dataDir",
                    f"{data_dir} is {len(str(data_dir))} characters long; Ray's socket "
                    f"paths need it to be at most {MAX_DATA_DIR_LENGTH} (e.g. ~/.raydeck)",
                )
            ],
        )
    return data_dir
