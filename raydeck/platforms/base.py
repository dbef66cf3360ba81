"""The Platform protocol: what managers need from wherever Ray actually runs.

The store is the read model on every platform (lists, search and sort run in
SQLite); a platform owns the writes that make things run, and reports pods
and logs. ``platforms/local`` runs Ray processes here; ``platforms/kubernetes``
will write to an API server and mirror what it sees into the store.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx

from raydeck.errors import FieldError
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.targets import ClusterTarget
from raydeck.platforms.admission import AdmissionQueue
from raydeck.store.records import NamespaceRecord, ObjectKey, StoredObject


@dataclass
class PodView:
    """A pod (or, locally, a Ray node process) as the API shows it."""

    name: str
    group: str
    node_type: str
    phase: str
    ready: bool
    restarts: int
    ip: str = ""
    ports: dict[str, int] = field(default_factory=dict)
    start_time: str | None = None
    pid: int | None = None
    message: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "group": self.group,
            "nodeType": self.node_type,
            "phase": self.phase,
            "ready": self.ready,
            "restarts": self.restarts,
            "ip": self.ip,
            "ports": self.ports,
            "startTime": self.start_time,
            "pid": self.pid,
            "message": self.message,
        }


@dataclass(frozen=True)
class DashboardUpstream:
    """Where raydeck's dashboard proxy sends the requests for one running cluster's Ray Dashboard."""

    #: The dashboard's root, without a trailing slash.
    base_url: str
    #: Headers the dashboard wants from raydeck (e.g. the cluster's Ray token).
    headers: dict[str, str]
    #: How the requests get there, in words, for messages about failures.
    via: str
    #: The HTTP client carrying the platform's own credentials; None: raydeck's plain one.
    client: httpx.AsyncClient | None = None


class Platform(Protocol):
    name: str
    #: raydeck's own admission queue where it decides which clusters start (the local
    #: platform); None where something outside raydeck does (Kueue on Kubernetes).
    admission: AdmissionQueue | None

    async def start(self) -> None:
        """Begin reconciling; re-adopt what an earlier run left running."""

    async def shutdown(self, *, stop_clusters: bool) -> None:
        """Stop reconciling; with ``stop_clusters`` also stop every process, keeping desired state."""

    async def create(
        self, kind: str, namespace: str, body: dict[str, Any], *, creator: str
    ) -> StoredObject:
        """Create and deploy an instance."""

    async def replace(
        self, key: ObjectKey, body: dict[str, Any], *, expected_version: int | None
    ) -> StoredObject:
        """Replace an instance's spec and metadata; a stale ``expected_version`` is a Conflict."""

    async def delete(self, key: ObjectKey) -> StoredObject:
        """Delete an instance and everything it runs."""

    async def pods(self, obj: StoredObject) -> list[PodView]:
        """The pods (local: node processes) of an instance."""

    def refusals(self, kind: str, body: dict[str, Any]) -> list[FieldError]:
        """Each field of an instance this platform can never run (local: cloud accelerators,
        and network runtime envs when set offline), for a 422 before anything is stored."""
        ...

    def cautions(self, kind: str, body: dict[str, Any]) -> list[str]:
        """What of an instance this platform accepts but will not run (local: init containers
        and sidecars), for warnings on the write."""
        ...

    async def secret_data(self, obj: StoredObject) -> StoredObject:
        """A Secret with its data, where the store keeps only its keys (kubernetes: read
        from the API server when asked); the stored Secret itself where the store is its home."""

    async def endpoints(self, obj: StoredObject) -> dict[str, str]:
        """URLs of an instance: ``serve`` (a RayService's stable endpoint, a cluster's Serve
        port) and ``dashboard`` (the Ray Dashboard of the cluster it runs on), where they exist."""

    async def create_namespace(self, name: str) -> NamespaceRecord:
        """Create a namespace where the platform keeps them (AlreadyExists if it is there)."""

    async def delete_namespace(self, name: str) -> None:
        """Delete a namespace that holds nothing raydeck knows of (InvalidState otherwise)."""

    async def admission_queue(self, namespace: str) -> list[dict[str, Any]] | None:
        """What waits for admission in the namespace as a queue outside raydeck sees it (Kueue
        on Kubernetes), as ``GET …/queue`` lists it; None where raydeck's own queue decides."""

    async def dashboard_upstream(self, target: ClusterTarget) -> DashboardUpstream:
        """How raydeck reaches the Ray Dashboard of a running cluster, on the user's behalf."""

    def logs(
        self, obj: StoredObject, *, pod: str | None, tail: int | None, follow: bool
    ) -> AsyncIterator[str]:
        """Log lines of one pod (the head when ``pod`` is None); follows appended lines if asked."""
        ...

    async def monitoring_targets(self) -> list[ClusterTarget]:
        """RayCluster instances that have nodes, with metrics and dashboard endpoints, for monitoring."""
        ...

    def instrument(self, metrics: RaydeckMetrics) -> None:
        """Report reconcile timing, queue depth and node restarts into raydeck's own metrics."""
