"""The overview math: counts, allocated and used resources across clusters, now and as series.

``MonitoringManager`` gathers the inputs (targets from the platform, node
series from a source, counts from the store) and builds an ``Overview``.
Pure functions plus a small bounded history of allocations; no I/O.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from raydeck.monitoring import figures as fg
from raydeck.monitoring.sources import NodeSeries, TimeRange
from raydeck.monitoring.targets import ClusterTarget
from raydeck.resources.summary import Totals

RANGES: dict[str, float] = {"10m": 600.0, "30m": 1800.0, "1h": 3600.0}
#: Points per chart: 60 buckets whatever the range (10 s, 30 s or 60 s apart).
BUCKETS = 60
#: A node's newest point counts as "now" when it is at most this old.
FRESH_SECONDS = 60.0
LOGICAL_NAMES = {
    "cpu": "CPU",
    "gpu": "GPU",
    "memoryBytes": "memory",
    "objectStoreBytes": "object_store_memory",
}


def time_range(name: str, *, now: float | None = None) -> TimeRange:
    span = RANGES[name]
    end = time.time() if now is None else now
    return TimeRange(start=end - span, end=end, step=span / BUCKETS)


def allocated_physical(targets: Iterable[ClusterTarget]) -> Totals:
    """The sum of the requests of every running pod."""
    total = Totals()
    for cluster in targets:
        for node in cluster.nodes:
            if node.running:
                total += node.requests
    return total


def physical_wire(totals: Totals) -> dict[str, Any]:
    return {"cpu": totals.cpu_millis / 1000, "memoryBytes": totals.memory_bytes, "gpu": totals.gpu}


class AllocationHistory:
    """Allocated physical resources over time, sampled by the sampler (bounded, in memory)."""

    def __init__(self, *, retention: float, interval: float) -> None:
        self._points: deque[tuple[float, Totals]] = deque(maxlen=int(retention / interval) + 2)

    def record(self, at: float, totals: Totals) -> None:
        self._points.append((at, totals))

    def series(self, window: TimeRange) -> list[dict[str, Any]]:
        points = [(t, v) for t, v in self._points if window.start <= t <= window.end]
        return [{"t": t, **physical_wire(v)} for t, v in _bucketed({"all": points}, window, _last)]


def latest(series: Mapping[str, NodeSeries], *, now: float) -> dict[str, fg.Figures]:
    """Each node's newest figures if fresh enough."""
    found = {}
    for key, points in series.items():
        if points and now - points[-1][0] <= FRESH_SECONDS:
            found[key] = points[-1][1]
    return found


def used_physical(nodes: Iterable[fg.Figures]) -> dict[str, Any]:
    nodes = list(nodes)
    gpu = [n[fg.GPU_UTILIZATION] for n in nodes if fg.GPU_UTILIZATION in n]
    return {
        "cpu": round(sum(n.get(fg.CPU_BUSY, 0.0) for n in nodes), 3),
        "memoryBytes": int(sum(n.get(fg.MEMORY_USED, 0.0) for n in nodes)),
        "gpuUtilizationPercent": round(sum(gpu) / len(gpu), 1) if gpu else None,
    }


def logical_figures(nodes: Iterable[fg.Figures], prefix: str) -> dict[str, Any]:
    sums: dict[str, float] = {}
    for node in nodes:
        for resource, value in fg.logical(node, prefix).items():
            sums[resource] = sums.get(resource, 0.0) + value
    result: dict[str, Any] = {
        key: _number(sums.get(ray_name, 0.0)) for key, ray_name in LOGICAL_NAMES.items()
    }
    known = set(LOGICAL_NAMES.values())
    result["custom"] = {k: _number(v) for k, v in sorted(sums.items()) if k not in known}
    return result


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


@dataclass
class Counts:
    ray_clusters: int = 0
    ray_jobs: int = 0
    ray_services: int = 0
    active_clusters: int = 0

    def to_wire(self) -> dict[str, int]:
        return {
            "rayClusters": self.ray_clusters,
            "rayJobs": self.ray_jobs,
            "rayServices": self.ray_services,
            "activeClusters": self.active_clusters,
        }


def cluster_counts(targets: Sequence[ClusterTarget], counts: Counts) -> Counts:
    """Counts with the cluster figures filled in from what runs."""
    running = [t for t in targets if t.running and not t.suspended]
    counts.active_clusters = len(running)
    counts.ray_clusters = sum(1 for t in running if not t.owner_kind)
    return counts


@dataclass
class Overview:
    range: str
    source: str
    counts: Counts
    allocated_physical: Totals
    nodes_now: dict[str, fg.Figures]
    series: list[dict[str, Any]] = field(default_factory=list)
    grafana_url: str | None = None

    def to_wire(self) -> dict[str, Any]:
        nodes = list(self.nodes_now.values())
        return {
            "range": self.range,
            "source": self.source,
            "counts": self.counts.to_wire(),
            "allocated": {
                "physical": physical_wire(self.allocated_physical),
                "logical": logical_figures(nodes, fg.LOGICAL_TOTAL),
            },
            "used": {
                "physical": used_physical(nodes),
                "logical": logical_figures(nodes, fg.LOGICAL_USED),
            },
            "series": self.series,
            "grafanaUrl": self.grafana_url,
        }


def usage_series(series: Mapping[str, NodeSeries], window: TimeRange) -> list[dict[str, Any]]:
    """Used and logical figures summed across nodes, one point per bucket of the window."""
    points = []
    for t, nodes in _per_bucket(series, window):
        points.append(
            {
                "t": t,
                "used": {
                    "physical": used_physical(nodes),
                    "logical": logical_figures(nodes, fg.LOGICAL_USED),
                },
                "allocatedLogical": logical_figures(nodes, fg.LOGICAL_TOTAL),
            }
        )
    return points


def merge_series(
    usage: list[dict[str, Any]], allocation: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One list of points by time: usage figures with the allocated physical figures beside them."""
    by_time: dict[float, dict[str, Any]] = {p["t"]: dict(p) for p in usage}
    for point in allocation:
        entry = by_time.setdefault(point["t"], {"t": point["t"]})
        entry["allocatedPhysical"] = {k: v for k, v in point.items() if k != "t"}
    return [by_time[t] for t in sorted(by_time)]


def _per_bucket(
    series: Mapping[str, NodeSeries], window: TimeRange
) -> list[tuple[float, list[fg.Figures]]]:
    buckets: dict[float, list[fg.Figures]] = {}
    for t, value in _bucketed(series, window, _last_per_node):
        buckets.setdefault(t, []).extend(value)
    return sorted(buckets.items())


def _bucket_ends(window: TimeRange) -> list[float]:
    return [window.end - window.step * i for i in range(BUCKETS - 1, -1, -1)]


def _last(points: list[tuple[float, Any]]) -> Any:
    return points[-1][1]


def _last_per_node(points: list[tuple[float, Any]]) -> list[Any]:
    return [points[-1][1]]


def _bucketed(
    series: Mapping[str, list[tuple[float, Any]]], window: TimeRange, pick: Any
) -> list[tuple[float, Any]]:
    """For each series and bucket, ``pick`` over the newest point in it; one pass over the points.

    Bucket ``i`` holds the points in ``(start + i·step, start + (i+1)·step]`` and is stamped with
    its end. Points arrive oldest first, so the last one seen in a bucket is its newest.
    """
    ends = _bucket_ends(window)
    found: list[tuple[float, Any]] = []
    for points in series.values():
        newest: dict[int, tuple[float, Any]] = {}
        for t, value in points:
            if window.start < t <= window.end:
                index = min(BUCKETS - 1, max(0, math.ceil((t - window.start) / window.step) - 1))
                newest[index] = (t, value)
        found.extend((round(ends[i], 3), pick([newest[i]])) for i in sorted(newest))
    found.sort(key=lambda point: point[0])
    return found


def node_points(points: NodeSeries, window: TimeRange) -> list[dict[str, Any]]:
    """One node's figures per bucket of the window, for the per-cluster charts."""
    return [
        {
            "t": t,
            "cpuBusyCores": round(f.get(fg.CPU_BUSY, 0.0), 3),
            "memoryUsedBytes": int(f.get(fg.MEMORY_USED, 0.0)),
            "gpuUtilizationPercent": f.get(fg.GPU_UTILIZATION),
            "objectStoreUsedBytes": int(f.get(fg.OBJECT_STORE_USED, 0.0)),
            "tasksRunning": int(f.get(fg.TASKS_RUNNING, 0.0)),
            "actorsAlive": int(f.get(fg.ACTORS_ALIVE, 0.0)),
            "logical": {
                "total": {k: _number(v) for k, v in fg.logical(f, fg.LOGICAL_TOTAL).items()},
                "used": {k: _number(v) for k, v in fg.logical(f, fg.LOGICAL_USED).items()},
            },
        }
        for t, f in _bucketed({"node": points}, window, _last)
    ]
