"""The kubernetes platform: KubeRay's custom resources on an API server, mirrored into the store.

``create_app`` builds it when ``platform`` is ``kubernetes``. Writes go to the
API server (the KubeRay operator does the running); reflectors list and watch
namespaces, RayClusters, RayJobs, RayServices, ConfigMaps, Secrets (their keys, never their
values) and events into the store (and Kueue's Workloads, when served, into each owner's ``status.kueue``),
which stays the read model for lists, search and sort. Pods and logs are
read from the API server when asked. Templates never reach the API server.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from typing import Any

from raydeck.errors import (
    AlreadyExists,
    FieldError,
    NotFound,
    PlatformUnavailable,
    StaleResourceVersion,
)
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.targets import ClusterTarget
from raydeck.platforms.admission import AdmissionQueue
from raydeck.platforms.base import DashboardUpstream, PodView
from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.platforms.kubernetes.convert import (
    CLUSTER_LABEL,
    CONFIGMAP,
    EVENT,
    JOB_NAME_LABEL,
    NAMESPACE,
    NODE_TYPE_LABEL,
    OBJECT_TYPES,
    POD,
    RAYCLUSTER,
    RAYJOB,
    RAYSERVICE,
    SECRET,
    WORKLOADS,
    ApiType,
    KueueAdmission,
    api_type,
    cluster_names,
    to_admission,
    to_cluster_target,
    to_event,
    to_namespace,
    to_pod_view,
    to_request,
    to_stored,
    with_admission,
    without_values,
)
from raydeck.platforms.kubernetes.reflector import FunctionSink, Reflector
from raydeck.resources.quantity import format_bytes, format_cpu
from raydeck.settings import Settings
from raydeck.store.records import EventRecord, NamespaceRecord, ObjectKey, StoredObject
from raydeck.store.store import Store

log = logging.getLogger(__name__)
#: ConfigMaps every namespace gets from Kubernetes itself; not the user's, so not listed.
SYSTEM_CONFIGMAPS = frozenset({"kube-root-ca.crt"})
#: Secrets of these types belong to Kubernetes or Helm (raydeck's own release among them), not
#: to a user's Ray work: not mirrored, not listed.
SYSTEM_SECRET_TYPES = frozenset(
    {"kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token", "helm.sh/release.v1"}
)
#: Event kinds raydeck shows events for.
EVENT_KINDS = frozenset(t.kind for t in OBJECT_TYPES)


def user_view(body: dict[str, Any]) -> dict[str, Any]:
    """What a user edits: everything but metadata, plus labels and annotations."""
    meta = body.get("metadata") or {}
    view = {k: v for k, v in body.items() if k not in ("metadata", "status")}
    view["labels"] = meta.get("labels") or {}
    view["annotations"] = meta.get("annotations") or {}
    return view


class KubernetesPlatform:
    name = "kubernetes"
    #: Kueue or the API server's ResourceQuota decide here, not raydeck.
    admission: AdmissionQueue | None = None

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings.kubernetes
        self._client: KubeClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._namespaces: dict[str, NamespaceRecord] = {}
        self._events: dict[str, dict[str, EventRecord]] = {}
        #: Per object uid: the resourceVersion of its last change a user could see (spec, labels,
        #: annotations, data), and that view. A write based on a version at least that new is
        #: not stale, whatever status updates came since.
        self._user_changes: dict[str, tuple[int, dict[str, Any]]] = {}
        #: Kueue's admission of each object it manages, by the object's uid; and the owner
        #: uid of each Workload, by the Workload's uid.
        self._admissions: dict[str, KueueAdmission] = {}
        self._workload_owners: dict[str, str] = {}
        #: Whether the API server serves Kueue's Workloads (and raydeck mirrors them).
        self._kueue = False

    @property
    def client(self) -> KubeClient:
        if self._client is None:
            raise PlatformUnavailable("the kubernetes platform has not been started")
        return self._client

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._client = await KubeClient.connect(self._settings)
        served = await served_types(self.client)
        await self._reflect(NAMESPACE, FunctionSink(self._namespaces_listed, self._namespace_event))
        for workloads in WORKLOADS:
            if await serves(self.client, workloads):
                # Before the objects, so they are mirrored with their admission from the start.
                self._kueue = True
                sink = FunctionSink(self._workloads_listed, self._workload_event)
                await self._reflect(workloads, sink)
                break
        for api in OBJECT_TYPES:
            if api in served:
                await self._reflect(api, self._object_sink(api))
        await self._reflect(EVENT, FunctionSink(self._events_listed, self._event_event))

    async def _reflect(self, api: ApiType, sink: FunctionSink) -> None:
        """List ``api`` once now (so the store is current when serving starts), then watch."""
        reflector = Reflector(
            self.client,
            api,
            sink,
            page_size=self._settings.page_size,
            watch_timeout=self._settings.watch_timeout_seconds,
        )
        version = await reflector.sync()
        task = asyncio.create_task(reflector.run(version), name=f"reflect-{api.plural}")
        self._tasks.append(task)

    async def shutdown(self, *, stop_clusters: bool) -> None:
        """Stop watching. Clusters belong to the Kubernetes cluster and keep running either way."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._client is not None:
            await self._client.close()

    # -- mirroring ------------------------------------------------------------------------

    def _object_sink(self, api: ApiType) -> FunctionSink:
        async def listed(items: list[dict[str, Any]]) -> None:
            seen = set()
            for raw in items:
                if self._wanted(api, raw):
                    seen.add(str(raw["metadata"]["uid"]))
                    await self._mirror(api, raw)
            for obj in await self._store.instances(api.kind):
                if obj.uid not in seen:
                    await self._forget(obj.key, obj.uid)

        async def changed(event_type: str, raw: dict[str, Any]) -> None:
            if not self._wanted(api, raw):
                return
            if event_type == "DELETED":
                meta = raw["metadata"]
                await self._forget(
                    ObjectKey(api.kind, meta["namespace"], meta["name"]), meta["uid"]
                )
            else:
                await self._mirror(api, raw)

        return FunctionSink(listed, changed)

    @staticmethod
    def _wanted(api: ApiType, raw: dict[str, Any]) -> bool:
        if api is SECRET:
            return raw.get("type") not in SYSTEM_SECRET_TYPES
        return not (api is CONFIGMAP and raw["metadata"]["name"] in SYSTEM_CONFIGMAPS)

    async def _mirror(self, api: ApiType, raw: dict[str, Any]) -> StoredObject:
        obj = to_stored(api, raw)
        obj = with_admission(obj, self._admissions.get(obj.uid))
        if api is SECRET:
            obj = without_values(obj)
        view = user_view(obj.body)
        previous = self._user_changes.get(obj.uid)
        # A Secret's view shows no values, so every version of it counts as the user's change.
        changed = previous is not None and (previous[1] != view or api is SECRET)
        if previous is None or (changed and obj.resource_version > previous[0]):
            self._user_changes[obj.uid] = (obj.resource_version, view)
        stored = await self._store.mirror(obj)
        return stored or obj

    async def _forget(self, key: ObjectKey, uid: str) -> None:
        self._user_changes.pop(uid, None)
        self._events.pop(uid, None)
        with contextlib.suppress(NotFound):
            await self._store.delete(key, uid=uid)

    async def _workloads_listed(self, items: list[dict[str, Any]]) -> None:
        before = set(self._admissions)
        self._admissions.clear()
        self._workload_owners.clear()
        for raw in items:
            self._index_workload(raw, deleted=False)
        for uid in before | set(self._admissions):
            await self._show_admission(uid)

    async def _workload_event(self, event_type: str, raw: dict[str, Any]) -> None:
        uid = self._index_workload(raw, deleted=event_type == "DELETED")
        if uid is not None:
            await self._show_admission(uid)

    def _index_workload(self, raw: dict[str, Any], *, deleted: bool) -> str | None:
        """Record (or forget) a Workload's admission; the uid of the object it is about."""
        workload_uid = str((raw.get("metadata") or {}).get("uid") or "")
        found = to_admission(raw)
        owner = found[0] if found else self._workload_owners.get(workload_uid)
        if owner is None:
            return None
        if deleted or found is None:
            self._workload_owners.pop(workload_uid, None)
            current = self._admissions.get(owner)
            # Kueue may have made the owner a new Workload already; keep that one.
            if current is not None and current.workload == raw["metadata"].get("name"):
                del self._admissions[owner]
        else:
            self._workload_owners[workload_uid] = owner
            self._admissions[owner] = found[1]
        return owner

    async def _show_admission(self, uid: str) -> None:
        """Mirror the object with ``uid`` again with its admission as it is now."""
        admission = self._admissions.get(uid)
        for obj in await self._instances_with_uid(uid, admission):
            await self._store.mirror(with_admission(obj, admission), refresh=True)

    async def _instances_with_uid(
        self, uid: str, admission: KueueAdmission | None
    ) -> list[StoredObject]:
        if admission is not None:
            with contextlib.suppress(NotFound):
                key = ObjectKey(admission.owner_kind, admission.namespace, admission.owner_name)
                obj = await self._store.get(key)
                return [obj] if obj.uid == uid else []
            return []
        return [
            o
            for t in (RAYJOB, RAYCLUSTER, RAYSERVICE)
            for o in await self._store.instances(t.kind)
            if o.uid == uid
        ]

    async def admission_queue(self, namespace: str) -> list[dict[str, Any]] | None:
        """Kueue's Workloads of the namespace that are not finished: waiting ones first, in the
        order Kueue tries them (priority, then age), then admitted ones (position 0). Nothing
        without Kueue: raydeck's own queue does not hold anything back on Kubernetes."""
        if not self._kueue:
            return []
        current = [
            a
            for a in self._admissions.values()
            if a.namespace == namespace and a.state != "finished"
        ]
        waiting = sorted(
            (a for a in current if a.state != "admitted"), key=lambda a: (-a.priority, a.created_at)
        )
        admitted = sorted((a for a in current if a.state == "admitted"), key=lambda a: a.created_at)
        return [
            queue_entry(a, position=i + 1 if a.state != "admitted" else 0)
            for i, a in enumerate([*waiting, *admitted])
        ]

    async def _namespaces_listed(self, items: list[dict[str, Any]]) -> None:
        self._namespaces = {r.name: r for r in map(to_namespace, items)}
        await self._store.mirror_namespaces(list(self._namespaces.values()))

    async def _namespace_event(self, event_type: str, raw: dict[str, Any]) -> None:
        record = to_namespace(raw)
        if event_type == "DELETED":
            self._namespaces.pop(record.name, None)
        else:
            self._namespaces[record.name] = record
        await self._store.mirror_namespaces(list(self._namespaces.values()))

    async def _events_listed(self, items: list[dict[str, Any]]) -> None:
        self._events.clear()
        for raw in items:
            self._index_event(raw, deleted=False)
        for uid, events in self._events.items():
            await self._store.replace_events(uid, list(events.values()))

    async def _event_event(self, event_type: str, raw: dict[str, Any]) -> None:
        uid = self._index_event(raw, deleted=event_type == "DELETED")
        if uid is not None:
            await self._store.replace_events(uid, list(self._events.get(uid, {}).values()))

    def _index_event(self, raw: dict[str, Any], *, deleted: bool) -> str | None:
        found = to_event(raw)
        if found is None or found[1].kind not in EVENT_KINDS:
            return None
        uid, record = found
        events = self._events.setdefault(uid, {})
        event_uid = str(raw["metadata"]["uid"])
        if deleted:
            events.pop(event_uid, None)
        else:
            events[event_uid] = record
        return uid

    # -- writes ---------------------------------------------------------------------------

    async def create(
        self, kind: str, namespace: str, body: dict[str, Any], *, creator: str
    ) -> StoredObject:
        api = api_type(kind)
        name = str((body.get("metadata") or {}).get("name") or "")
        with contextlib.suppress(NotFound):
            existing = await self._store.get(ObjectKey(kind, namespace, name))
            if existing.is_template:
                raise AlreadyExists(f"{kind} {namespace}/{name} already exists as a template")
        request = to_request(api, namespace, body, resource_version=None)
        raw = await self.client.request(
            "POST", api, namespace=namespace, url=api.url(), body=request
        )
        return await self._mirror(api, raw)

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        api = api_type(key.kind)
        current = await self._store.get(key)
        version = expected_version if expected_version is not None else current.resource_version
        try:
            raw = await self._put(api, key, body, version)
        except StaleResourceVersion:
            live = await self.client.request(
                "GET", api, namespace=key.namespace, url=api.url(key.name)
            )
            if not self._only_status_changed(current.uid, expected_version, live):
                raise
            raw = await self._put(api, key, body, int(live["metadata"]["resourceVersion"]))
        return await self._mirror(api, raw)

    async def _put(
        self, api: ApiType, key: ObjectKey, body: dict[str, Any], version: int
    ) -> dict[str, Any]:
        request = to_request(api, key.namespace, body, resource_version=version)
        return await self.client.request(
            "PUT", api, namespace=key.namespace, url=api.url(key.name), body=request
        )

    def _only_status_changed(self, uid: str, expected: int | None, live: dict[str, Any]) -> bool:
        """Whether the writer had seen the latest user-visible content (only status moved since)."""
        change = self._user_changes.get(uid)
        if change is None or str(live["metadata"].get("uid")) != uid:
            return False
        version, view = change
        fresh_enough = expected is None or expected >= version
        return fresh_enough and user_view(to_stored(api_type(live["kind"]), live).body) == view

    async def delete(self, key: ObjectKey) -> StoredObject:
        api = api_type(key.kind)
        current = await self._store.get(key)
        await self.client.request(
            "DELETE",
            api,
            namespace=key.namespace,
            url=api.url(key.name),
            params={"propagationPolicy": "Background"},
        )
        await self._forget(key, current.uid)
        return current

    # -- namespaces -----------------------------------------------------------------------

    async def create_namespace(self, name: str) -> NamespaceRecord:
        """A real Namespace on the API server, in the store at once (the watch confirms it)."""
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        raw = await self.client.request("POST", NAMESPACE, url=NAMESPACE.plural, body=body)
        await self._namespace_event("ADDED", raw)
        return to_namespace(raw)

    async def delete_namespace(self, name: str) -> None:
        """The store refuses first if raydeck holds anything in it (objects, templates); then the
        API server deletes the Namespace and, as Kubernetes does, whatever else is in it."""
        await self._store.delete_namespace(name)
        try:
            await self.client.request("DELETE", NAMESPACE, url=NAMESPACE.url(name))
        except NotFound:
            pass
        except Exception:
            # Still there: show it again.
            await self._store.mirror_namespaces(list(self._namespaces.values()))
            raise
        self._namespaces.pop(name, None)

    def refusals(self, kind: str, body: dict[str, Any]) -> list[FieldError]:
        return []  # the API server, KubeRay and the cluster's nodes decide what runs here

    async def secret_data(self, obj: StoredObject) -> StoredObject:
        """The Secret as the API server has it now, values included; raydeck's store has only
        its keys."""
        raw = await self.client.request(
            "GET", SECRET, namespace=obj.namespace, url=SECRET.url(obj.name)
        )
        return dataclasses.replace(to_stored(SECRET, raw), creator=obj.creator)

    # -- pods and logs --------------------------------------------------------------------

    async def pods(self, obj: StoredObject) -> list[PodView]:
        views = [to_pod_view(p) for p in await self._pods_of(obj)]
        return sorted(views, key=lambda v: (v.node_type != "head", v.name))

    async def _pods_of(self, obj: StoredObject) -> list[dict[str, Any]]:
        pods: list[dict[str, Any]] = []
        for cluster in cluster_names(obj):
            page = await self.client.request(
                "GET",
                POD,
                namespace=obj.namespace,
                url=POD.plural,
                params={"labelSelector": f"{CLUSTER_LABEL}={cluster}"},
            )
            pods.extend(page.get("items") or [])
        return pods

    async def monitoring_targets(self) -> list[ClusterTarget]:
        """Every RayCluster instance with pods, its pods' requests and metrics endpoints, from
        one list of the pods KubeRay labels across all namespaces."""
        page = await self.client.request(
            "GET", POD, url=POD.plural, params={"labelSelector": CLUSTER_LABEL}
        )
        by_cluster: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for pod in page.get("items") or []:
            meta = pod.get("metadata") or {}
            cluster = (meta.get("labels") or {}).get(CLUSTER_LABEL)
            by_cluster.setdefault((str(meta.get("namespace")), str(cluster)), []).append(pod)
        targets = []
        for (namespace, name), pods in sorted(by_cluster.items()):
            with contextlib.suppress(NotFound):
                obj = await self._store.get(ObjectKey(RAYCLUSTER.kind, namespace, name))
                if not obj.is_template:
                    targets.append(to_cluster_target(obj, pods))
        return targets

    def instrument(self, metrics: RaydeckMetrics) -> None:
        """Nothing to report: KubeRay reconciles and restarts here, not raydeck (its own
        metrics are KubeRay's and the API server's)."""

    async def endpoints(self, obj: StoredObject) -> dict[str, str]:
        """URLs through the API server's service proxy (they need the user's Kubernetes access)."""
        services = f"{self.client.server}/api/v1/namespaces/{obj.namespace}/services"
        urls: dict[str, str] = {}
        if obj.kind == RAYSERVICE.kind:
            urls["serve"] = f"{services}/{obj.name}-serve-svc:serve/proxy/"
        names = cluster_names(obj)
        if names:
            head, ports = await self._head_service(obj.namespace, names[0])
            for port in ("dashboard", "serve"):
                if port in ports:
                    urls.setdefault(port, f"{services}/{head}:{port}/proxy/")
        return urls

    async def dashboard_upstream(self, target: ClusterTarget) -> DashboardUpstream:
        """The head Service's ``dashboard`` port through the API server's service proxy, with
        raydeck's own credentials: users need none of their own for Kubernetes."""
        service = await self._head_service_name(target.namespace, target.name)
        path = f"/api/v1/namespaces/{target.namespace}/services/{service}:dashboard/proxy"
        return DashboardUpstream(
            base_url=self.client.server.rstrip("/") + path,
            headers={},
            via=f"through the Kubernetes API server's proxy of service {target.namespace}/{service}",
            client=await self.client.forwarding_client(),
        )

    async def _head_service_name(self, namespace: str, cluster: str) -> str:
        """The name of the head Service KubeRay made (its status says; else KubeRay's default)."""
        with contextlib.suppress(NotFound):
            obj = await self._store.get(ObjectKey(RAYCLUSTER.kind, namespace, cluster))
            name = ((obj.status or {}).get("head") or {}).get("serviceName")
            if name:
                return str(name)
        return f"{cluster}-head-svc"

    async def _head_service(self, namespace: str, cluster: str) -> tuple[str, set[str]]:
        """The head Service KubeRay made for a cluster and its port names (none if not there)."""
        name = await self._head_service_name(namespace, cluster)
        try:
            service = await self.client.request(
                "GET", "v1", namespace=namespace, url=f"services/{name}"
            )
        except NotFound:
            return name, set()
        return name, {str(p.get("name")) for p in (service.get("spec") or {}).get("ports") or []}

    async def logs(
        self, obj: StoredObject, *, pod: str | None, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        name = await self._log_pod(obj, pod)
        params = {"tailLines": tail, "follow": "true" if follow else None}
        async for line in self.client.lines(
            POD, namespace=obj.namespace, url=POD.url(name, "log"), params=params
        ):
            yield line + "\n"

    async def _log_pod(self, obj: StoredObject, pod: str | None) -> str:
        """The pod to read: the one named (if it is ``obj``'s), a RayJob's submitter, or the head."""
        if pod is None and obj.kind == RAYJOB.kind:
            page = await self.client.request(
                "GET",
                POD,
                namespace=obj.namespace,
                url=POD.plural,
                params={"labelSelector": f"{JOB_NAME_LABEL}={obj.name}"},
            )
            submitters = page.get("items") or []
            if submitters:
                return str(submitters[-1]["metadata"]["name"])
        pods = await self._pods_of(obj)
        for raw in pods:
            meta = raw["metadata"]
            if pod == meta["name"] or (
                pod is None and (meta.get("labels") or {}).get(NODE_TYPE_LABEL) == "head"
            ):
                return str(meta["name"])
        what = f"{obj.kind} {obj.namespace}/{obj.name}"
        if pod is None:
            raise NotFound(f"{what} has no running head pod")
        raise NotFound(f"pod {pod!r} of {what} not found")


def queue_entry(admission: KueueAdmission, *, position: int) -> dict[str, Any]:
    """A Workload as ``GET …/queue`` lists it: the local queue's fields plus Kueue's view."""
    return {
        "kind": admission.owner_kind,
        "name": admission.owner_name,
        "namespace": admission.namespace,
        "position": position,
        "priority": admission.priority,
        "createdAt": admission.created_at,
        "reason": admission.reason,
        "requests": {
            "cpu": format_cpu(admission.requests.cpu_millis),
            "memory": format_bytes(admission.requests.memory_bytes),
            "gpu": admission.requests.gpu,
        },
        "kueue": admission.to_status(),
    }


async def serves(client: KubeClient, api: ApiType) -> bool:
    """Whether the API server serves ``api`` (an optional CRD such as Kueue's Workload)."""
    try:
        resources = await client.request("GET", api.api_version)
    except NotFound:
        return False
    return api.plural in {r.get("name") for r in resources.get("resources") or []}


async def served_types(client: KubeClient) -> set[ApiType]:
    """The object types the API server serves; without KubeRay's RayCluster CRD, refuse."""
    try:
        resources = await client.request("GET", "ray.io/v1")
    except NotFound:
        resources = {}
    plurals = {r.get("name") for r in resources.get("resources") or []}
    if "rayclusters" not in plurals:
        raise PlatformUnavailable(
            f"the Kubernetes API server at {client.server} does not serve ray.io/v1 RayClusters: "
            "install KubeRay's CRDs and operator first (see docs/kubernetes.md)"
        )
    return {t for t in OBJECT_TYPES if t.api_version != "ray.io/v1" or t.plural in plurals}


async def check_connection(settings: Settings) -> str:
    """Reach the API server with these settings and find KubeRay's CRDs; its URL, or an error."""
    client = await KubeClient.connect(settings.kubernetes)
    try:
        await served_types(client)
        return client.server
    finally:
        await client.close()
