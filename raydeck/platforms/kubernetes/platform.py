"""The kubernetes platform: KubeRay's custom resources on an API server, mirrored into the store.

``create_app`` builds it when ``platform`` is ``kubernetes``. Writes go to the
API server (the KubeRay operator does the running); reflectors list and watch
namespaces, RayClusters, RayJobs, RayServices, ConfigMaps, Secrets (their keys, never their
values) and events into the store through ``mirror.py`` (and Kueue's Workloads, when served,
into each owner's ``status.kueue``, ``kueue.py``), which stays the read model for lists, search
and sort. Pods, logs and URLs are read from the API server when asked (``running.py``), and
so are a Secret's values, for a reader who may see them. Templates never reach the API server.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
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
    EVENT,
    NAMESPACE,
    OBJECT_TYPES,
    SECRET,
    ApiType,
    api_type,
    to_namespace,
    to_request,
    to_stored,
)
from raydeck.platforms.kubernetes.discovery import served_types, serves
from raydeck.platforms.kubernetes.kueue import WORKLOADS
from raydeck.platforms.kubernetes.mirror import Mirror
from raydeck.platforms.kubernetes.reflector import FunctionSink, Reflector
from raydeck.platforms.kubernetes.running import Running
from raydeck.settings import Settings
from raydeck.store.records import NamespaceRecord, ObjectKey, StoredObject
from raydeck.store.store import Store


class KubernetesPlatform:
    name = "kubernetes"
    #: Kueue or the API server's ResourceQuota decide here, not raydeck.
    admission: AdmissionQueue | None = None

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store = store
        self._settings = settings.kubernetes
        self._client: KubeClient | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._mirror = Mirror(store)
        #: Whether the API server serves Kueue's Workloads (and raydeck mirrors them).
        self._kueue = False

    @property
    def client(self) -> KubeClient:
        if self._client is None:
            raise PlatformUnavailable("the kubernetes platform has not been started")
        return self._client

    @property
    def _running(self) -> Running:
        return Running(self.client, self._store)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._client = await KubeClient.connect(self._settings)
        served = await served_types(self.client)
        await self._reflect(NAMESPACE, self._mirror.namespace_sink())
        for workloads in WORKLOADS:
            if await serves(self.client, workloads):
                # Before the objects, so they are mirrored with their admission from the start.
                self._kueue = True
                await self._reflect(workloads, self._mirror.workloads())
                break
        for api in OBJECT_TYPES:
            if api in served:
                await self._reflect(api, self._mirror.objects(api))
        await self._reflect(EVENT, self._mirror.event_sink())

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

    def instrument(self, metrics: RaydeckMetrics) -> None:
        """Nothing to report: KubeRay reconciles and restarts here, not raydeck (its own
        metrics are KubeRay's and the API server's)."""

    # -- writes ---------------------------------------------------------------------------

    async def create(
        self, kind: str, namespace: str, body: dict[str, Any], *, creator: str
    ) -> StoredObject:
        """``body`` is the user's object (its JSON), as the Platform protocol hands it on."""
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
        return await self._mirror.mirror(api, raw)

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        """``body``: the user's object (its JSON). A write based on a version older than the
        API server's is retried on the newer one when only the status moved since."""
        api = api_type(key.kind)
        current = await self._store.get(key)
        version = expected_version if expected_version is not None else current.resource_version
        try:
            raw = await self._put(api, key, body, version)
        except StaleResourceVersion:
            live = await self.client.request(
                "GET", api, namespace=key.namespace, url=api.url(key.name)
            )
            if not self._mirror.only_status_changed(current.uid, expected_version, live):
                raise
            raw = await self._put(api, key, body, int(live["metadata"]["resourceVersion"]))
        return await self._mirror.mirror(api, raw)

    async def _put(
        self, api: ApiType, key: ObjectKey, body: dict[str, Any], version: int
    ) -> dict[str, Any]:
        """The PUT of ``body`` (the user's JSON); the API server's object as it answers."""
        request = to_request(api, key.namespace, body, resource_version=version)
        return await self.client.request(
            "PUT", api, namespace=key.namespace, url=api.url(key.name), body=request
        )

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
        await self._mirror.forget(key, current.uid)
        return current

    # -- namespaces -----------------------------------------------------------------------

    async def create_namespace(self, name: str) -> NamespaceRecord:
        """A real Namespace on the API server, in the store at once (the watch confirms it)."""
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        raw = await self.client.request("POST", NAMESPACE, url=NAMESPACE.plural, body=body)
        await self._mirror.namespace_changed("ADDED", raw)
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
            await self._mirror.show_namespaces()
            raise
        self._mirror.namespaces.pop(name, None)

    async def admission_queue(self, namespace: str) -> list[dict[str, Any]] | None:
        """Kueue's Workloads of the namespace that are not finished, as ``GET …/queue`` lists
        them (JSON out, as the Platform protocol gives it). Nothing without Kueue: raydeck's
        own queue does not hold anything back on Kubernetes."""
        return self._mirror.admissions.queue(namespace) if self._kueue else []

    def refusals(self, kind: str, body: dict[str, Any]) -> list[FieldError]:
        return []  # the API server, KubeRay and the cluster's nodes decide what runs here

    def cautions(self, kind: str, body: dict[str, Any]) -> list[str]:
        return []  # the cluster's kubelets run every container of a pod

    async def secret_data(self, obj: StoredObject) -> StoredObject:
        """The Secret as the API server has it now, values included; raydeck's store has only
        its keys."""
        raw = await self.client.request(
            "GET", SECRET, namespace=obj.namespace, url=SECRET.url(obj.name)
        )
        return dataclasses.replace(to_stored(SECRET, raw), creator=obj.creator)

    # -- what runs ------------------------------------------------------------------------

    async def pods(self, obj: StoredObject) -> list[PodView]:
        return await self._running.pods(obj)

    async def monitoring_targets(self) -> list[ClusterTarget]:
        return await self._running.monitoring_targets()

    async def endpoints(self, obj: StoredObject) -> dict[str, str]:
        return await self._running.endpoints(obj)

    async def dashboard_upstream(self, target: ClusterTarget) -> DashboardUpstream:
        return await self._running.dashboard_upstream(target)

    def logs(
        self, obj: StoredObject, *, pod: str | None, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        return self._running.logs(obj, pod=pod, tail=tail, follow=follow)


async def check_connection(settings: Settings) -> str:
    """Reach the API server with these settings and find KubeRay's CRDs; its URL, or an error."""
    client = await KubeClient.connect(settings.kubernetes)
    try:
        await served_types(client)
        return client.server
    finally:
        await client.close()
