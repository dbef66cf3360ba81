"""Monitoring use cases: the overview, per-cluster metrics and health, and the dashboard's address.

Composes the platform (what runs: ``monitoring_targets``), the store (counts of
jobs and services, resources by state) and a metric source. ``create_app``
builds one, starts its sampler in the lifespan and hands it to the API. Answers
are typed (``ov.Overview``, ``ClusterMetrics``, ``ClusterHealth``); the API and
console take their ``to_wire()``.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from raydeck.errors import FieldError, InvalidInput, InvalidState
from raydeck.monitoring import health as hl
from raydeck.monitoring import overview as ov
from raydeck.monitoring.own_metrics import RaydeckMetrics
from raydeck.monitoring.prometheus_server import write_file_sd
from raydeck.monitoring.sampler import Sampler
from raydeck.monitoring.sources import MetricSource, TimeRange
from raydeck.monitoring.targets import ClusterTarget, NodeTarget
from raydeck.platforms.base import DashboardUpstream, Platform
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.resources.kinds import KINDS
from raydeck.resources.summary import summarize
from raydeck.settings import MonitoringSettings
from raydeck.store.records import ListQuery, ObjectKey, StoredObject
from raydeck.store.store import Store

RAYSERVICE = "RayService"
#: How far back health looks for head figures to window the GCS queueing mean.
HEALTH_WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class ClusterMetrics:
    """One cluster's figures per node over a range, for its monitoring tab."""

    target: ClusterTarget
    range: str
    source: str
    #: Each node with its figures per bucket of the range: ``ov.node_points``, JSON already.
    nodes: list[tuple[NodeTarget, list[dict[str, Any]]]]

    def to_wire(self) -> dict[str, Any]:  # JSON out: GET …/metrics
        return {
            "namespace": self.target.namespace,
            "name": self.target.name,
            "range": self.range,
            "source": self.source,
            "links": _links(self.target),
            "nodes": [
                {
                    "pod": node.pod,
                    "group": node.group,
                    "nodeType": node.node_type,
                    "running": node.running,
                    "series": points,
                }
                for node, points in self.nodes
            ],
        }


@dataclass(frozen=True)
class ClusterHealth:
    """One running cluster's health signals, checked at ``checked_at`` (epoch seconds)."""

    target: ClusterTarget
    signals: list[hl.Signal]
    checked_at: float

    @property
    def level(self) -> hl.Level:
        return hl.overall(self.signals)

    def to_wire(self) -> dict[str, Any]:  # JSON out: GET …/health
        return {
            "namespace": self.target.namespace,
            "name": self.target.name,
            "level": self.level.label,
            "signals": [s.to_wire() for s in self.signals],
            "links": _links(self.target),
            "checkedAt": self.checked_at,
        }


def dashboard_path(namespace: str, name: str) -> str:
    """Where raydeck proxies a cluster's Ray Dashboard."""
    return f"/rayclusters/{namespace}/{name}/dashboard/"


class MonitoringManager:
    def __init__(
        self,
        *,
        store: Store,
        platform: Platform,
        source: MetricSource,
        settings: MonitoringSettings,
        metrics: RaydeckMetrics,
    ) -> None:
        self._store = store
        self._platform = platform
        self.source = source
        self._settings = settings
        self.metrics = metrics
        self._allocations = ov.AllocationHistory(
            retention=settings.retention_seconds, interval=settings.sample_interval
        )
        self._sampler = Sampler(self.sample_once, interval=settings.sample_interval)
        self._http = httpx.AsyncClient(timeout=settings.probe_timeout)

    async def start(self) -> None:
        self._sampler.start()

    async def stop(self) -> None:
        await self._sampler.stop()
        await self.source.close()
        await self._http.aclose()

    async def sample_once(self) -> None:
        """One sampling round: allocations now, and the source's own sampling of every node."""
        started = time.perf_counter()
        targets = await self._platform.monitoring_targets()
        self._allocations.record(time.time(), ov.allocated_physical(targets))
        if self._settings.file_sd_path is not None:
            await asyncio.to_thread(write_file_sd, self._settings.file_sd_path, targets)
        await self.source.sample([n for t in targets for n in t.nodes])
        self.metrics.sample_seconds.observe(time.perf_counter() - started)

    # -- overview ---------------------------------------------------------------------------

    async def overview(
        self,
        range_name: str,
        *,
        namespace: str | None = None,
        visible: tuple[str, ...] | None = None,
    ) -> ov.Overview:
        """Across every namespace, or ``namespace``; ``visible`` (when not None) limits it to the
        namespaces a caller was granted."""
        window = _window(range_name)

        def shown(ns: str) -> bool:
            return (namespace is None or ns == namespace) and (visible is None or ns in visible)

        targets = [t for t in await self._platform.monitoring_targets() if shown(t.namespace)]
        nodes = [n for t in targets if t.running for n in t.nodes if n.running]
        series = await self.source.node_series(nodes, window)
        counts = ov.cluster_counts(targets, await self._counts(targets, shown))
        return ov.Overview(
            range=range_name,
            source=self.source.name,
            counts=counts,
            allocated_physical=ov.allocated_physical(targets),
            nodes_now=ov.latest(series, now=window.end),
            series=ov.merge_series(
                ov.usage_series(series, window),
                self._allocations.series(window) if namespace is None and visible is None else [],
            ),
            grafana_url=self._grafana_url(range_name),
        )

    async def _counts(
        self, targets: list[ClusterTarget], shown: Callable[[str], bool]
    ) -> ov.Counts:
        jobs = [j for j in await self._store.instances(rj.KIND) if shown(j.namespace)]
        active_jobs = sum(1 for j in jobs if _job_active(j))
        services = {
            (t.namespace, t.owner_name)
            for t in targets
            if t.owner_kind == RAYSERVICE and t.running and not t.suspended
        }
        return ov.Counts(ray_jobs=active_jobs, ray_services=len(services))

    def _grafana_url(self, range_name: str) -> str | None:
        base = self._settings.grafana_url
        if not base:
            return None
        return (
            f"{base.rstrip('/')}/d/raydeck-overview/raydeck-overview?from=now-{range_name}&to=now"
        )

    # -- one cluster ------------------------------------------------------------------------

    async def cluster(self, namespace: str, name: str) -> ClusterTarget:
        """The cluster's target; one without nodes (stopped) when the platform runs none of it."""
        for target in await self._platform.monitoring_targets():
            if (target.namespace, target.name) == (namespace, name):
                return target
        obj = await self._store.get(ObjectKey(rc.KIND, namespace, name))
        if obj.is_template:
            raise InvalidState(f"RayCluster {namespace}/{name} is a template; templates do not run")
        return ClusterTarget(namespace, name, obj.uid, (), suspended=bool(obj.spec.get("suspend")))

    async def running_cluster(self, namespace: str, name: str) -> ClusterTarget:
        target = await self.cluster(namespace, name)
        if not target.running:
            raise InvalidState(f"RayCluster {namespace}/{name} is not running; start it first")
        return target

    async def cluster_metrics(self, namespace: str, name: str, range_name: str) -> ClusterMetrics:
        window = _window(range_name)
        target = await self.cluster(namespace, name)
        series = await self.source.node_series(list(target.nodes), window)
        nodes = [(node, ov.node_points(series.get(node.key, []), window)) for node in target.nodes]
        return ClusterMetrics(target, range_name, self.source.name, nodes)

    async def health(self, namespace: str, name: str) -> ClusterHealth:
        target = await self.running_cluster(namespace, name)
        signals = await hl.check_cluster(
            self._http, target, earlier_head=await self._earlier_head(target)
        )
        return ClusterHealth(target, signals, time.time())

    async def _earlier_head(self, target: ClusterTarget) -> dict[str, float] | None:
        head = target.head
        if head is None or head.instance is None:
            return None
        now = time.time()
        window = TimeRange(now - HEALTH_WINDOW_SECONDS, now, HEALTH_WINDOW_SECONDS)
        points = (await self.source.node_series([head], window)).get(head.key) or []
        return points[0][1] if points else None

    async def dashboard(self, namespace: str, name: str) -> DashboardUpstream:
        """How to reach a running cluster's Ray Dashboard (the platform knows the way)."""
        target = await self.running_cluster(namespace, name)
        return await self._platform.dashboard_upstream(target)

    async def dashboard_of(self, target: ClusterTarget) -> DashboardUpstream:
        """The same for a target already looked up (whose uid a dashboard capability names)."""
        if not target.running:
            raise InvalidState(
                f"RayCluster {target.namespace}/{target.name} is not running; start it first"
            )
        return await self._platform.dashboard_upstream(target)

    # -- raydeck's own metrics --------------------------------------------------------------

    async def refresh_resource_gauges(self) -> None:
        counts: Counter[tuple[str, str, str]] = Counter()
        for kind in KINDS:
            page = await self._store.list_objects(ListQuery(kind=kind.name))
            for obj in page.items:
                state = summarize(kind.name, obj.body, obj.status).state if kind.runnable else ""
                counts[(kind.name, obj.type, "template" if obj.is_template else state)] += 1
        self.metrics.set_resources(counts)


def _job_active(job: StoredObject) -> bool:
    """Whether a RayJob is under way: neither finished nor suspended (nor unreadable)."""
    try:
        status = job.as_(rj.RayJob).status
    except InvalidState:
        return False  # one odd status must not take the overview down
    deployment = (status.job_deployment_status if status else None) or rj.JobDeploymentStatus.NEW
    return not deployment.is_terminal() and deployment is not rj.JobDeploymentStatus.SUSPENDED


def _links(target: ClusterTarget) -> dict[str, str]:
    base = f"/api/v1/namespaces/{target.namespace}/rayclusters/{target.name}"
    return {
        "dashboard": dashboard_path(target.namespace, target.name),
        "metrics": f"{base}/metrics",
        "health": f"{base}/health",
    }


def _window(range_name: str) -> TimeRange:
    if range_name not in ov.RANGES:
        raise InvalidInput(
            "the range is invalid",
            [FieldError("range", f"must be one of {', '.join(ov.RANGES)}; got {range_name!r}")],
        )
    return ov.time_range(range_name)
