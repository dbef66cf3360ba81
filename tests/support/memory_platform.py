"""An in-memory platform for tier-2 tests (API, CLI): instances "run" instantly, no processes.

It writes the status the local platform would reach (ready, or suspended) the
moment an object changes, so API and CLI behaviour can be tested in
milliseconds. Real behaviour is tested against real Ray in tests/platforms/local.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from raydeck.errors import FieldError, InvalidState
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.targets import ClusterTarget, NodeTarget
from raydeck.platforms.admission import AdmissionQueue, Capacity, capacity_from
from raydeck.platforms.base import DashboardUpstream, PodView
from raydeck.resources.summary import pod_requests
from raydeck.settings import LocalPlatformSettings
from raydeck.store.records import NamespaceRecord, ObjectKey, StoredObject
from raydeck.store.store import Store


class MemoryPlatform:
    name = "memory"

    def __init__(self, store: Store, *, capacity: Capacity | None = None) -> None:
        """With a ``capacity``, clusters that do not fit wait as the local platform's do."""
        self._store = store
        self._queues = capacity is not None
        self.admission: AdmissionQueue | None = AdmissionQueue(
            store, capacity or capacity_from(LocalPlatformSettings())
        )

    async def start(self) -> None:
        return None

    async def shutdown(self, *, stop_clusters: bool) -> None:
        return None

    async def create(
        self, kind: str, namespace: str, body: dict[str, Any], *, creator: str
    ) -> StoredObject:
        obj = await self._store.create(kind, namespace, body, is_template=False, creator=creator)
        return await self._settle(obj)

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        return await self._settle(
            await self._store.replace(key, body, expected_version=expected_version)
        )

    async def delete(self, key: ObjectKey) -> StoredObject:
        return await self._store.delete(key)

    async def _settle(self, obj: StoredObject) -> StoredObject:
        if obj.kind in ("ConfigMap", "Secret"):
            return obj  # data only: nothing runs, no status
        if obj.kind == "RayJob":
            return await self._settle_job(obj)
        if obj.kind == "RayService":
            return await self._settle_service(obj)
        suspended = bool(obj.spec.get("suspend"))
        if not suspended and self._queues and self.admission is not None:
            decision = await self.admission.decision(obj.key)
            if not decision.admitted:
                queue = {"position": decision.position, "reason": decision.reason}
                return await self._store.write_status(
                    obj.key, {"queue": queue, "reason": decision.reason}, uid=obj.uid
                )
        workers = sum(
            int(g.get("replicas", g.get("minReplicas", 0)) or 0)
            for g in obj.spec.get("workerGroupSpecs") or []
        )
        status = {
            "state": "suspended" if suspended else "ready",
            "readyWorkerReplicas": 0 if suspended else workers,
            "desiredWorkerReplicas": workers,
            "observedGeneration": obj.generation,
        }
        await self._store.record_event(
            obj, type_="Normal", reason="StateChanged", message=f"Cluster is {status['state']}"
        )
        return await self._store.write_status(obj.key, status, uid=obj.uid)

    async def _settle_job(self, obj: StoredObject) -> StoredObject:
        """A job that finished at once: Complete/SUCCEEDED, or Suspended when asked."""
        if obj.spec.get("suspend"):
            status: dict[str, Any] = {"jobDeploymentStatus": "Suspended"}
        else:
            status = {
                "jobDeploymentStatus": "Complete",
                "jobStatus": "SUCCEEDED",
                "rayClusterName": f"{obj.name}-mem00",
                "startTime": obj.created_at,
                "endTime": obj.created_at,
                "succeeded": 1,
                "failed": 0,
            }
        return await self._store.write_status(obj.key, status, uid=obj.uid)

    async def _settle_service(self, obj: StoredObject) -> StoredObject:
        """A service ready at once on a cluster named after it, or suspended when asked."""
        if obj.spec.get("suspend"):
            condition = {"type": "Suspended", "status": "True", "reason": "SuspendComplete"}
            status: dict[str, Any] = {"conditions": [condition], "numServeEndpoints": 0}
        else:
            ready = {"type": "Ready", "status": "True", "reason": "NonZeroServeEndpoints"}
            status = {
                "conditions": [ready],
                "numServeEndpoints": 1,
                "activeServiceStatus": {"rayClusterName": f"{obj.name}-mem00"},
                "endpoints": {"serve": "18000"},
            }
        return await self._store.write_status(obj.key, status, uid=obj.uid)

    def refusals(self, kind: str, body: dict[str, Any]) -> list[FieldError]:
        return []

    def cautions(self, kind: str, body: dict[str, Any]) -> list[str]:
        return []

    async def secret_data(self, obj: StoredObject) -> StoredObject:
        return obj

    async def create_namespace(self, name: str) -> NamespaceRecord:
        """Namespaces are raydeck's own here: a row in the store."""
        return await self._store.create_namespace(name)

    async def delete_namespace(self, name: str) -> None:
        await self._store.delete_namespace(name)

    async def admission_queue(self, namespace: str) -> list[dict[str, Any]] | None:
        """None: raydeck's own admission queue decides here."""
        return None

    async def dashboard_upstream(self, target: ClusterTarget) -> DashboardUpstream:
        if target.dashboard_url is None:
            raise InvalidState(f"RayCluster {target.namespace}/{target.name} has no dashboard yet")
        return DashboardUpstream(target.dashboard_url, dict(target.dashboard_headers), via="here")

    async def endpoints(self, obj: StoredObject) -> dict[str, str]:
        urls = {"dashboard": "http://127.0.0.1:18265"}
        if obj.kind == "RayService":
            urls["serve"] = "http://127.0.0.1:18000"
        return urls

    async def pods(self, obj: StoredObject) -> list[PodView]:
        if obj.spec.get("suspend"):
            return []
        return [
            PodView(
                name=f"{obj.name}-head-mem00",
                group="headgroup",
                node_type="head",
                phase="Running",
                ready=True,
                restarts=0,
                ip="127.0.0.1",
            )
        ]

    async def logs(
        self, obj: StoredObject, *, pod: str | None, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        lines = [f"line {i} of {obj.name}\n" for i in range(1, 6)]
        for line in lines[-tail:] if tail else lines:
            yield line

    async def monitoring_targets(self) -> list[ClusterTarget]:
        """Running clusters with their head "pod" (no metrics endpoint: nothing runs)."""
        targets = []
        for obj in await self._store.instances("RayCluster"):
            running = not obj.spec.get("suspend")
            head_template = (obj.spec.get("headGroupSpec") or {}).get("template") or {}
            head = NodeTarget(
                pod=f"{obj.name}-head-mem00",
                group="headgroup",
                node_type="head",
                running=running,
                requests=pod_requests(head_template),
            )
            targets.append(
                ClusterTarget(
                    namespace=obj.namespace,
                    name=obj.name,
                    uid=obj.uid,
                    nodes=(head,) if running else (),
                    suspended=not running,
                )
            )
        return targets

    def instrument(self, metrics: RaydeckMetrics) -> None:
        return None
