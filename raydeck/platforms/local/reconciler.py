"""The local platform's RayCluster reconciler: observe node processes, plan, act, write status.

The controller calls ``reconcile(key)`` per object. Decisions come from
``plan.py``; this module only observes (``/proc`` and Ray's own node list) and
carries out starts, restarts and stops through the process supervisor.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

from raydeck.controller.clock import Clock, rfc3339
from raydeck.controller.loop import Result
from raydeck.errors import NotFound, PlatformUnavailable
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.platforms.admission import AdmissionQueue, Decision
from raydeck.platforms.local import logs, nodes, sandbox, volumes
from raydeck.platforms.local.plan import (
    Backoff,
    NodeFailed,
    Observed,
    RestartNode,
    StartNode,
    StatusInputs,
    StopNode,
    cluster_status,
    plan_nodes,
)
from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.processes import ProcessHandle, ProcessSupervisor
from raydeck.platforms.local.prologue import current
from raydeck.platforms.local.ray_auth import RayAuth
from raydeck.platforms.local.raynode import launcher_argv
from raydeck.platforms.local.sources import PodFacts, PodSources, container_env
from raydeck.platforms.local.tenants import Tenant, TenantUsers
from raydeck.resources import raycluster as rc
from raydeck.resources.meta import find_condition
from raydeck.resources.secret import decoded
from raydeck.settings import LocalPlatformSettings
from raydeck.store.records import ListQuery, ObjectKey, PodRecord, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)
STARTING_RECHECK = 0.3


@dataclass(frozen=True)
class NodeDirs:
    """Where a node keeps its files: a short path, because Ray's socket paths must stay short."""

    root: Path

    @property
    def log_path(self) -> Path:
        return self.root / "node.log"


class ClusterReconciler:
    def __init__(
        self,
        *,
        store: Store,
        supervisor: ProcessSupervisor,
        ports: PortAllocator,
        settings: LocalPlatformSettings,
        data_dir: Path,
        tag_prefix: str,
        clock: Clock,
        http: httpx.AsyncClient,
        admission: AdmissionQueue,
        ray_auth: RayAuth,
        tenants: TenantUsers,
    ) -> None:
        self._store = store
        self._tenants = tenants
        #: Why the last pass could not create a node, per cluster uid, for its status.
        self._create_failures: dict[str, tuple[str, str]] = {}
        self._data_dir = data_dir
        self._ray_auth = ray_auth
        self._admission = admission
        self._supervisor = supervisor
        self._ports = ports
        self._settings = settings
        self._nodes_dir = data_dir / "n"
        self._bin_dir = data_dir / "bin"
        self._tag_prefix = tag_prefix
        self._clock = clock
        self._http = http
        #: Set by the platform when raydeck's own metrics are collected.
        self.metrics: RaydeckMetrics | None = None
        self._ray_version = version("ray")
        self._backoff = Backoff(
            settings.restart_backoff_initial,
            settings.restart_backoff_max,
            settings.node_start_timeout,
        )

    def tag(self, owner_uid: str, pod_name: str) -> str:
        return f"{self._tag_prefix}{owner_uid}/{pod_name}"

    async def reconcile(self, key: ObjectKey) -> Result:
        found = await current(self._store, key, rc.RayCluster, self._remove_leftovers)
        if found is None:
            return Result()
        obj, cluster = found.obj, found.model
        if not cluster.is_suspended() and not await self._store.list_pods(obj.uid):
            decision = await self._admission.decision(obj.key)
            if not decision.admitted:
                await self._write_status(obj, cluster, [], stopping=False, queued=decision)
                return Result(requeue_after=self._settings.queue_recheck_seconds)
        observed = await self._observe(obj)
        plan = plan_nodes(
            cluster, observed, now=self._clock.wall().timestamp(), backoff=self._backoff
        )
        if cluster.is_suspended() and plan.of(StopNode):
            # Say "suspending" before the processes are gone: stopping takes seconds.
            await self._write_status(obj, cluster, observed, stopping=True)
            obj = await self._store.get(key)
        await self._execute(obj, cluster, plan.actions)
        failed = obj.uid in self._create_failures
        observed = await self._observe(obj)
        await self._mark_registered(observed)
        await self._write_status(obj, cluster, observed, stopping=False)
        if failed:
            # A spec that cannot run is looked at again slowly (a ConfigMap may appear).
            return Result(requeue_after=self._settings.resync_seconds)
        return Result(requeue_after=self._next_look(cluster, observed))

    def _next_look(self, cluster: rc.RayCluster, observed: list[Observed]) -> float | None:
        if cluster.is_suspended() and not observed:
            return None
        settling = any(not (o.alive and o.registered) for o in observed)
        return STARTING_RECHECK if settling or not observed else self._settings.resync_seconds

    # -- observing ----------------------------------------------------------------------

    async def _observe(self, obj: StoredObject) -> list[Observed]:
        pods = await self._store.list_pods(obj.uid)
        head = next((p for p in pods if p.node_type == "head"), None)
        ray_nodes = await self._ray_nodes(head) if head else {}
        observed = []
        for pod in pods:
            alive = self._process_alive(pod)
            state = _incarnation_state(pod, ray_nodes)
            if alive and state == "DEAD" and pod.data.get("registeredOnce"):
                alive = False  # Ray declared the node dead: as a failed liveness probe would.
            observed.append(Observed(pod, alive=alive, registered=alive and state == "ALIVE"))
        return observed

    def _process_alive(self, pod: PodRecord) -> bool:
        handle = handle_of(pod)
        return handle is not None and self._supervisor.is_alive(handle)

    async def _ray_nodes(self, head: PodRecord) -> dict[int, list[tuple[str, int]]]:
        """Node-manager port → (state, start ms) of each raylet the head's dashboard lists."""
        port = head.data.get("ports", {}).get("dashboard")
        try:
            response = await self._http.get(
                f"http://127.0.0.1:{port}/nodes?view=summary",
                headers=await self._ray_auth.headers(head.owner_uid),
            )
            summary = response.json()["data"]["summary"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return {}
        found: dict[int, list[tuple[str, int]]] = {}
        for node in summary:
            raylet = node.get("raylet") or {}
            if "nodeManagerPort" in raylet:
                entry = (str(raylet.get("state", "")), int(raylet.get("startTimeMs") or 0))
                found.setdefault(int(raylet["nodeManagerPort"]), []).append(entry)
        return found

    # -- acting -------------------------------------------------------------------------

    async def _execute(self, obj: StoredObject, cluster: rc.RayCluster, actions: list[Any]) -> None:
        by_name = {p.name: p for p in await self._store.list_pods(obj.uid)}
        stops = [a for a in actions if isinstance(a, StopNode)]
        await asyncio.gather(
            *(
                self._stop(obj, cluster, by_name[a.name], a.reason)
                for a in stops
                if a.name in by_name
            )
        )
        for action in actions:
            if isinstance(action, NodeFailed) and action.name in by_name:
                await self._mark_failed(obj, by_name[action.name], action)
        starts = [a for a in actions if isinstance(a, StartNode | RestartNode)]
        head_pod = next((p for p in by_name.values() if p.node_type == "head"), None)
        await asyncio.gather(*(self._start(obj, cluster, a, by_name, head_pod) for a in starts))

    async def _start(
        self,
        obj: StoredObject,
        cluster: rc.RayCluster,
        action: StartNode | RestartNode,
        by_name: dict[str, PodRecord],
        head: PodRecord | None,
    ) -> None:
        try:
            if isinstance(action, RestartNode):
                await self._restart(obj, cluster, by_name[action.name], head)
            else:
                await self._create(obj, cluster, action, head)
        except (PlatformUnavailable, OSError, ValueError) as e:
            # A spec the platform cannot run (VolumeError names the field) or a machine that
            # lacks something: an event and a condition for the user, one line in the log.
            node_type = (
                by_name[action.name].node_type
                if isinstance(action, RestartNode)
                else (action.node_type)
            )
            self._create_failures[obj.uid] = (node_type, str(e))
            log.info("cannot create a node of %s: %s", obj.key, e)
            await self._store.record_event(
                obj, type_="Warning", reason="FailedCreateNode", message=str(e)
            )

    async def _create(
        self, obj: StoredObject, cluster: rc.RayCluster, action: StartNode, head: PodRecord | None
    ) -> None:
        suffix = secrets.token_hex(3)[:5]
        name = (
            f"{obj.name}-head-{suffix}"
            if action.node_type == "head"
            else f"{obj.name}-{action.group}-worker-{suffix}"
        )
        pod = PodRecord(
            name,
            obj.uid,
            obj.namespace,
            obj.name,
            action.group,
            action.node_type,
            {
                "phase": "Pending",
                "restarts": 0,
                "createdAt": rfc3339(self._clock.wall()),
                "dir": str(self._nodes_dir / secrets.token_hex(4)),
            },
        )
        await self._spawn(obj, cluster, pod, head)
        await self._store.record_event(
            obj,
            type_="Normal",
            reason="CreatedNode",
            message=f"Created {action.node_type} node {name}",
        )

    async def _restart(
        self, obj: StoredObject, cluster: rc.RayCluster, pod: PodRecord, head: PodRecord | None
    ) -> None:
        await self._kill_remnants(pod, grace=0)
        await self._spawn(obj, cluster, pod, head)
        if self.metrics is not None:
            self.metrics.count_restart(namespace=obj.namespace, cluster=obj.name)
        await self._store.record_event(
            obj,
            type_="Normal",
            reason="RestartedNode",
            message=f"Restarted node {pod.name} (restart {pod.data['restarts']})",
        )

    async def _spawn(
        self, obj: StoredObject, cluster: rc.RayCluster, pod: PodRecord, head: PodRecord | None
    ) -> None:
        group = dict(cluster.groups())[pod.group_name]
        ports = await self._ports_for(pod)
        pod.data["gpus"] = await self._gpus_for(pod, group)
        head_ports = ports if pod.node_type == "head" else (head.data["ports"] if head else {})
        node_dir = NodeDirs(Path(pod.data["dir"]))
        try:
            spec, argv = await self._prepare(obj, cluster, pod, ports, head_ports, node_dir)
            handle = self._supervisor.spawn(
                argv,
                env=spec.env,
                cwd=spec.cwd,
                log_path=node_dir.log_path,
                tag=self.tag(obj.uid, pod.name),
            )
        except BaseException:
            # Nothing runs there: a node that could not start leaves no directory behind.
            await asyncio.to_thread(shutil.rmtree, node_dir.root, True)
            raise
        pod.data.update(
            phase="Pending",
            ports=ports,
            process=handle.to_record(),
            startTime=rfc3339(self._clock.wall()),
            spawnedAtMs=int(self._clock.wall().timestamp() * 1000),
            nextRestartAt=None,
            registeredOnce=False,
            logPath=str(node_dir.log_path),
            ignoredParams=list(spec.ignored_params),
        )
        await self._store.save_pod(pod)
        if spec.ignored_params:
            await self._store.record_event(
                obj,
                type_="Warning",
                reason="IgnoredRayStartParams",
                message=f"{pod.name}: rayStartParams {', '.join(spec.ignored_params)} are set by "
                "raydeck on the local platform (loopback addresses and allocated ports)",
            )

    async def _prepare(
        self,
        obj: StoredObject,
        cluster: rc.RayCluster,
        pod: PodRecord,
        ports: dict[str, int],
        head_ports: dict[str, int],
        node_dir: NodeDirs,
    ) -> tuple[nodes.LaunchSpec, list[str]]:
        """A fresh node directory (the tenant's), the launch spec and the sandboxed argv."""
        group = dict(cluster.groups())[pod.group_name]
        tenant = await asyncio.to_thread(self._tenants.account, obj.namespace)
        self._ensure_ray_shim()
        await asyncio.to_thread(_fresh_node_dir, node_dir)
        found = await self._sources(obj.namespace)
        user_env = _container_env(cluster, pod, found)
        spec = await self._launch_spec(
            obj, group, pod, ports, head_ports.get("gcs", 0), node_dir, user_env
        )
        argv = await self._sandboxed(obj, cluster, pod, spec, node_dir, tenant, found)
        if tenant is not None:
            await asyncio.to_thread(_hand_over, node_dir.root, tenant)
        return spec, argv

    async def _sandboxed(
        self,
        obj: StoredObject,
        cluster: rc.RayCluster,
        pod: PodRecord,
        spec: nodes.LaunchSpec,
        node_dir: NodeDirs,
        tenant: Tenant | None,
        found: PodSources,
    ) -> list[str]:
        """The node's argv inside bubblewrap: its volumes at their mountPaths, raydeck's data
        directory showing only the node's own directory, and the namespace's user."""
        group = dict(cluster.groups())[pod.group_name]
        container = rc.ray_container(group.template)
        mounts = [m.to_wire() for m in container.volume_mounts or []]
        binds = []
        if mounts:
            binds = volumes.materialize(
                volumes=group.template.spec.volumes or [],
                mounts=mounts,
                pod_dir=node_dir.root,
                sources=found,
                path_prefix=f"{_group_path(cluster, pod.group_name)}.template.spec",
            )
        if not _bwrap_ready():
            raise PlatformUnavailable(
                "the local platform runs every node in bubblewrap: apt-get install bubblewrap "
                "(and allow user namespaces when raydeck does not run as root)"
            )
        walls = sandbox.isolation(
            data_dir=self._data_dir,
            node_dir=node_dir.root,
            bin_dir=self._bin_dir,
            installation=_installation(),
            private_homes=_private_homes(),
            run_as=(tenant.uid, tenant.gid) if tenant else None,
        )
        return volumes.sandboxed(spec.argv, binds=binds, cwd=spec.cwd, isolation=walls)

    async def _sources(self, namespace: str) -> PodSources:
        """The ConfigMaps and Secrets of the cluster's own namespace: nothing else is reachable."""
        configmaps = await self._store.list_objects(
            ListQuery(kind="ConfigMap", namespace=namespace)
        )
        secrets = await self._store.list_objects(ListQuery(kind="Secret", namespace=namespace))
        return PodSources(
            configmaps={o.name: dict(o.body.get("data") or {}) for o in configmaps.items},
            secrets={o.name: decoded(o.body) for o in secrets.items if not o.is_template},
        )

    async def _launch_spec(
        self,
        obj: StoredObject,
        group: rc.HeadGroupSpec | rc.WorkerGroupSpec,
        pod: PodRecord,
        ports: dict[str, int],
        gcs_port: int,
        node_dir: NodeDirs,
        user_env: dict[str, str],
    ) -> nodes.LaunchSpec:
        params, ignored = nodes.start_params(group, node_type=pod.node_type)
        params.update(
            nodes.pinned_params(
                node_type=pod.node_type, ports=ports, head_gcs_port=gcs_port, temp_dir=node_dir.root
            )
        )
        container = rc.ray_container(group.template)
        gpu_ids = [int(i) for i in pod.data.get("gpus") or []]
        env = nodes.environment(
            user_env,
            cluster=obj.name,
            namespace=obj.namespace,
            head_gcs_port=gcs_port,
            gpu_ids=gpu_ids,
            bin_dir=self._bin_dir,
            node_dir=node_dir.root,
            auth_env=await self._ray_auth.node_env(obj.uid),
        )
        # As KubeRay does, the generated line is at hand for a command that runs it itself.
        env[nodes.GEN_RAY_START_CMD_ENV] = nodes.ray_start_line(
            node_type=pod.node_type, params=params
        )
        argv = nodes.command(
            container,
            launcher=launcher_argv(),
            node_type=pod.node_type,
            params=params,
            overwrite=nodes.overwrites_command(
                obj.body.get("metadata", {}).get("annotations"), group.template.metadata
            ),
        )
        cwd = Path(container.working_dir) if container.working_dir else node_dir.root
        if not cwd.is_dir():
            cwd = node_dir.root
        return nodes.LaunchSpec(argv=argv, env=env, cwd=cwd, params=params, ignored_params=ignored)

    async def _ports_for(self, pod: PodRecord) -> dict[str, int]:
        """Keep a restarted node's ports when they are still free, else allocate new ones."""
        existing: dict[str, int] = dict(pod.data.get("ports") or {})
        if existing:
            return existing
        taken = {p for other in await self._store.list_pods() for p in _all_ports(other)}
        names = nodes.HEAD_PORTS if pod.node_type == "head" else nodes.WORKER_PORTS
        singles = self._ports.allocate(len(names), taken=taken)
        low, high = self._ports.allocate_block(nodes.WORKER_PORT_BLOCK, taken=taken | set(singles))
        return {**dict(zip(names, singles, strict=True)), "worker_min": low, "worker_max": high}

    async def _gpus_for(
        self, pod: PodRecord, group: rc.HeadGroupSpec | rc.WorkerGroupSpec
    ) -> list[int]:
        """Keep a restarted node's GPUs; give a new one indices no other node holds."""
        if pod.data.get("gpus") is not None:
            return [int(i) for i in pod.data["gpus"]]
        params, _ = nodes.start_params(group, node_type=pod.node_type)
        taken = {
            int(i) for other in await self._store.list_pods() for i in other.data.get("gpus") or []
        }
        return nodes.assign_gpus(nodes.gpu_count(params), taken=taken)

    def _ensure_ray_shim(self) -> None:
        """A ``ray`` on the nodes' PATH that keeps loopback addresses, for user commands that call it."""
        shim = self._bin_dir / "ray"
        if shim.exists():
            return
        self._bin_dir.mkdir(parents=True, exist_ok=True)
        launcher = " ".join(launcher_argv())
        shim.write_text(f'#!/bin/sh\nexec {launcher} "$@"\n')
        shim.chmod(0o755)

    async def _mark_failed(self, obj: StoredObject, pod: PodRecord, action: NodeFailed) -> None:
        restarts = int(pod.data.get("restarts", 0)) + 1
        handle = handle_of(pod)
        code = self._supervisor.exit_code(handle) if handle else None
        pod.data.update(
            phase="Failed",
            restarts=restarts,
            exitCode=code,
            nextRestartAt=self._clock.wall().timestamp() + action.delay,
        )
        await self._store.save_pod(pod)
        output = await asyncio.to_thread(_last_output, pod)
        await self._store.record_event(
            obj,
            type_="Warning",
            reason="NodeFailed",
            message=f"Node {pod.name} {action.why} (exit code {code}); "
            f"restarting in {action.delay:.1f}s"
            + (f"; its last output:\n{output}" if output else ""),
        )

    async def _mark_registered(self, observed: list[Observed]) -> None:
        for node in observed:
            if node.registered and node.pod.data.get("phase") != "Running":
                node.pod.data.update(phase="Running", registeredOnce=True)
                await self._store.save_pod(node.pod)

    async def _stop(
        self, obj: StoredObject, cluster: rc.RayCluster, pod: PodRecord, reason: str
    ) -> None:
        group = dict(cluster.groups()).get(pod.group_name)
        grace = self._settings.termination_grace_seconds
        if group is not None and group.template.spec.termination_grace_period_seconds is not None:
            grace = float(group.template.spec.termination_grace_period_seconds)
        await self._kill_remnants(pod, grace=grace)
        await self.forget_node(pod)
        await self._store.record_event(
            obj, type_="Normal", reason="DeletedNode", message=f"Deleted node {pod.name}: {reason}"
        )

    async def _kill_remnants(self, pod: PodRecord, *, grace: float) -> None:
        """End the node's process group, then anything else still carrying its tag."""
        handle = handle_of(pod)
        if handle is not None:
            await self._supervisor.terminate(handle, grace=grace)
        await self._supervisor.terminate_tagged(self.tag(pod.owner_uid, pod.name), grace=0)

    async def forget_node(self, pod: PodRecord) -> None:
        self._ports.release(_all_ports(pod))
        await self._store.delete_pod(pod.name)
        if pod.data.get("dir"):
            await asyncio.to_thread(shutil.rmtree, pod.data["dir"], True)

    async def stop_all(self, pods: list[PodRecord]) -> None:
        """Stop every given node now (raydeck shutting down); records go, specs stay."""

        async def stop(pod: PodRecord) -> None:
            await self._kill_remnants(pod, grace=self._settings.termination_grace_seconds)
            await self.forget_node(pod)

        await asyncio.gather(*(stop(p) for p in pods))

    async def _remove_leftovers(self, key: ObjectKey, keep_uid: str | None) -> None:
        """Nodes of a deleted object, or of an older object that had the same name."""
        leftovers = [
            p
            for p in await self._store.list_pods()
            if (p.namespace, p.cluster) == (key.namespace, key.name) and p.owner_uid != keep_uid
        ]
        await self.stop_all(leftovers)

    # -- status -------------------------------------------------------------------------

    async def _write_status(
        self,
        obj: StoredObject,
        cluster: rc.RayCluster,
        observed: list[Observed],
        *,
        stopping: bool,
        queued: Decision | None = None,
    ) -> None:
        head = next((o for o in observed if o.pod.node_type == "head"), None)
        inputs = StatusInputs(
            cluster=cluster,
            observed=observed,
            generation=obj.generation,
            now=rfc3339(self._clock.wall()),
            endpoints=_endpoints(head.pod) if head else {},
            installed_ray_version=self._ray_version,
            stopping=stopping,
            create_failure=self._create_failures.pop(obj.uid, None),
        )
        status = cluster_status(obj.status, inputs)
        if queued is not None:
            status["reason"] = (
                f"waiting in the admission queue of namespace {obj.namespace!r} at position "
                f"{queued.position}: {queued.reason}"
            )
            # raydeck's own, as status.kueue is on Kubernetes: lists say "queued" and why.
            status["queue"] = {"position": queued.position, "reason": queued.reason}
        if status == obj.status:
            return
        try:
            await self._store.write_status(obj.key, status, uid=obj.uid)
        except NotFound:
            return
        await self._transition_events(obj, obj.status or {}, status)
        if queued is not None and (obj.status or {}).get("reason") != status["reason"]:
            await self._store.record_event(
                obj, type_="Normal", reason="Queued", message=status["reason"]
            )

    async def _transition_events(
        self, obj: StoredObject, old: dict[str, Any], new: dict[str, Any]
    ) -> None:
        if new.get("state") != old.get("state") and new.get("state"):
            await self._store.record_event(
                obj, type_="Normal", reason="StateChanged", message=f"Cluster is {new['state']}"
            )
        before = rc.RayClusterStatus.model_validate(old).conditions
        after = rc.RayClusterStatus.model_validate(new).conditions
        mismatch = find_condition(after, rc.ConditionType.RAY_VERSION_MISMATCH)
        was = find_condition(before, rc.ConditionType.RAY_VERSION_MISMATCH)
        if mismatch and mismatch.status == "True" and (was is None or was.status != "True"):
            await self._store.record_event(
                obj, type_="Warning", reason="RayVersionMismatch", message=mismatch.message
            )


def _group_path(cluster: rc.RayCluster, group_name: str) -> str:
    if group_name == "headgroup":
        return "spec.headGroupSpec"
    names = [g.group_name for g in cluster.spec.worker_group_specs or []]
    return f"spec.workerGroupSpecs[{names.index(group_name)}]"


def _container_env(cluster: rc.RayCluster, pod: PodRecord, found: PodSources) -> dict[str, str]:
    """The Ray container's own env and envFrom, resolved against the namespace's objects."""
    template = dict(cluster.groups())[pod.group_name].template
    container = rc.ray_container(template)
    meta = template.metadata or {}
    labels = {
        **(meta.get("labels") or {}),
        # The labels KubeRay puts on every Ray pod, which fieldRefs may read.
        "ray.io/cluster": cluster.metadata.name,
        "ray.io/node-type": pod.node_type,
        "ray.io/group": pod.group_name,
        "ray.io/is-ray-node": "yes",
    }
    facts = PodFacts(
        name=pod.name,
        namespace=pod.namespace,
        labels=labels,
        annotations=meta.get("annotations") or {},
        service_account=str(
            (template.spec.model_extra or {}).get("serviceAccountName") or "default"
        ),
        resources=container.resources.to_wire() if container.resources else {},
    )
    where = f"{_group_path(cluster, pod.group_name)}.template.spec.containers[0]"
    return container_env(
        container.to_wire(),
        where=where,
        sources=found,
        pod=facts,
        reserved=nodes.RAY_AUTH_PREFIX,  # Ray's token auth is raydeck's own on this platform
    )


@functools.cache
def _bwrap_ready() -> bool:
    return volumes.bwrap_available()


def _private_homes() -> list[Path]:
    """raydeck's own home, hidden from nodes: where its user keeps credentials. Never ``/``
    (some service users have it as home) and never a path that does not exist (bwrap would
    create the mount point on the host)."""
    try:
        home = Path.home().resolve()
    except (KeyError, RuntimeError):
        return []
    return [home] if home != Path("/") and home.is_dir() else []


@functools.cache
def _installation() -> tuple[Path, ...]:
    return tuple(sandbox.installation_dirs())


def _fresh_node_dir(node_dir: NodeDirs) -> None:
    """An empty node directory only its owner may enter, with the node's HOME/TMPDIR and log."""
    shutil.rmtree(node_dir.root, ignore_errors=True)
    node_dir.root.mkdir(parents=True, mode=0o700)
    node_dir.root.chmod(0o700)  # mkdir's mode is filtered by the umask
    (node_dir.root / "tmp").mkdir(mode=0o700)
    node_dir.log_path.touch(mode=0o600)


def _hand_over(root: Path, tenant: Tenant) -> None:
    """Give the node's directory to the namespace's user: everything in it theirs, the
    directory itself raydeck's with the tenant's group (0770), so that Ray, which makes its
    temp dir world-writable whenever it owns it, cannot open it to other users. Nothing of
    the tenant runs for this node yet, and the tree is new, so no link can mislead this."""
    for parent, dirs, files in os.walk(root):
        for entry in [*dirs, *files]:
            os.chown(Path(parent) / entry, tenant.uid, tenant.gid, follow_symlinks=False)
    os.chown(root, os.geteuid(), tenant.gid, follow_symlinks=False)
    root.chmod(0o770)


def handle_of(pod: PodRecord) -> ProcessHandle | None:
    """The recorded process of a node, if it has one."""
    record = pod.data.get("process")
    return ProcessHandle.from_record(record) if isinstance(record, dict) else None


def _incarnation_state(pod: PodRecord, ray_nodes: dict[int, list[tuple[str, int]]]) -> str:
    """What Ray says of this node's current process; a restarted node reuses its port, so Ray
    also lists the earlier incarnation, which started before this process was spawned."""
    port = (pod.data.get("ports") or {}).get("node_manager")
    spawned = int(pod.data.get("spawnedAtMs") or 0)
    entries = ray_nodes.get(int(port), []) if port is not None else []
    states = [state for state, started in entries if started >= spawned]
    return "ALIVE" if "ALIVE" in states else (states[0] if states else "")


def _all_ports(pod: PodRecord) -> set[int]:
    ports = dict(pod.data.get("ports") or {})
    found = {int(v) for k, v in ports.items() if k not in ("worker_min", "worker_max")}
    if "worker_min" in ports:
        found |= set(range(int(ports["worker_min"]), int(ports["worker_max"]) + 1))
    return found


def _endpoints(head: PodRecord) -> dict[str, str]:
    ports = head.data.get("ports") or {}
    names = {
        "client": "client",
        "dashboard": "dashboard",
        "gcs": "gcs-server",
        "metrics": "metrics",
        "serve": "serve",
    }
    return {label: str(ports[key]) for key, label in names.items() if key in ports}


def _last_output(pod: PodRecord, *, lines: int = 8, width: int = 300) -> str:
    """The last lines the node wrote, so its failure event says why (Ray's own error, a shell's
    syntax error, a missing file) and not only that it exited."""
    path = pod.data.get("logPath")
    if not path:
        return ""
    kept = [
        line.rstrip()[:width] for line in logs.tail_lines(Path(path), lines * 4) if line.strip()
    ]
    return "\n".join(kept[-lines:])
