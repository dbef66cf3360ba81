"""What runs on the kubernetes platform, read from the API server when asked: pods and their
logs, the head Service's URLs and dashboard, and the clusters monitoring looks at.

``KubernetesPlatform`` delegates its reads of running things here; KubeRay labels the pods
(``ray.io/cluster``) and names the head Service. Nothing here writes.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from raydeck.errors import NotFound
from raydeck.monitoring.targets import ClusterTarget
from raydeck.platforms.base import DashboardUpstream, PodView
from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.platforms.kubernetes.convert import (
    CLUSTER_LABEL,
    JOB_NAME_LABEL,
    POD,
    RAYCLUSTER,
    RAYJOB,
    RAYSERVICE,
    KubePod,
    cluster_names,
    parse_pod,
    to_cluster_target,
)
from raydeck.store.records import ObjectKey, StoredObject
from raydeck.store.store import Store


class Running:
    def __init__(self, client: KubeClient, store: Store) -> None:
        self._client = client
        self._store = store

    async def pods(self, obj: StoredObject) -> list[PodView]:
        views = [p.view for p in await self._pods_of(obj)]
        return sorted(views, key=lambda v: (v.node_type != "head", v.name))

    async def _pods_of(self, obj: StoredObject) -> list[KubePod]:
        pods: list[KubePod] = []
        for cluster in cluster_names(obj):
            pods += await self._pods(obj.namespace, f"{CLUSTER_LABEL}={cluster}")
        return pods

    async def _pods(self, namespace: str | None, selector: str) -> list[KubePod]:
        """The pods ``selector`` picks, in ``namespace`` (None: all), oldest first."""
        page = await self._client.request(
            "GET", POD, namespace=namespace, url=POD.plural, params={"labelSelector": selector}
        )
        return [parse_pod(raw) for raw in page.get("items") or []]

    async def monitoring_targets(self) -> list[ClusterTarget]:
        """Every RayCluster instance with pods, its pods' requests and metrics endpoints, from
        one list of the pods KubeRay labels across all namespaces."""
        by_cluster: dict[tuple[str, str], list[KubePod]] = {}
        for pod in await self._pods(None, CLUSTER_LABEL):
            by_cluster.setdefault((pod.namespace, pod.cluster), []).append(pod)
        targets = []
        for (namespace, name), pods in sorted(by_cluster.items()):
            with contextlib.suppress(NotFound):
                obj = await self._store.get(ObjectKey(RAYCLUSTER.kind, namespace, name))
                if not obj.is_template:
                    targets.append(to_cluster_target(obj, pods))
        return targets

    async def endpoints(self, obj: StoredObject) -> dict[str, str]:
        """URLs through the API server's service proxy (they need the user's Kubernetes access)."""
        services = f"{self._client.server}/api/v1/namespaces/{obj.namespace}/services"
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
            base_url=self._client.server.rstrip("/") + path,
            headers={},
            via=f"through the Kubernetes API server's proxy of service {target.namespace}/{service}",
            client=await self._client.forwarding_client(),
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
            service = await self._client.request(
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
        async for line in self._client.lines(
            POD, namespace=obj.namespace, url=POD.url(name, "log"), params=params
        ):
            yield line + "\n"

    async def _log_pod(self, obj: StoredObject, pod: str | None) -> str:
        """The pod to read: the one named (if it is ``obj``'s), a RayJob's submitter, or the head."""
        if pod is None and obj.kind == RAYJOB.kind:
            submitters = await self._pods(obj.namespace, f"{JOB_NAME_LABEL}={obj.name}")
            if submitters:
                return submitters[-1].view.name
        for found in await self._pods_of(obj):
            view = found.view
            if pod == view.name or (pod is None and view.node_type == "head"):
                return view.name
        what = f"{obj.kind} {obj.namespace}/{obj.name}"
        if pod is None:
            raise NotFound(f"{what} has no running head pod")
        raise NotFound(f"pod {pod!r} of {what} not found")
