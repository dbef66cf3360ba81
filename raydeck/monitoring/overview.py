"""The overview math: counts, allocated and used resources across clusters, now and as series.

``MonitoringManager`` gathers the inputs (targets from the platform, node
series from a source, counts from the store) and builds an ``Overview``; the
figures are ``bodies.py``'s models. Pure functions plus a small bounded history
of allocations; no I/O.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from raydeck.monitoring import figures as fg
from raydeck.monitoring.bodies import (
    Allocated,
    LogicalFigures,
    NodeLogical,
    NodePoint,
    OverviewBody,
    PhysicalFigures,
    SeriesPoint,
    Used,
    UsedPhysical,
)
from raydeck.monitoring.bodies import Counts as Counts  # the manager counts into ov.Counts
from raydeck.monitoring.sources import NodeSeries, TimeRange
from raydeck.monitoring.targets import ClusterTarget
from raydeck.resources.summary import Totals

RANGES: dict[str, float] = {"10m": 600.0, "30m": 1800.0, "1h": 3600.0}
#: Points per chart: 60 buckets whatever the range (10 s, 30 s or 60 s apart).
BUCKETS = 60
#: A node's newest point counts as "now" when it is at most this old.
FRESH_SECONDS = 60.0
T = TypeVar("T")
R = TypeVar("R")
#: Ray's logical resources the overview names (wire key → Ray's name); others are ``custom``.
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


def physical(totals: Totals) -> PhysicalFigures:
    return PhysicalFigures(
        cpu=totals.cpu_millis / 1000, memory_bytes=totals.memory_bytes, gpu=totals.gpu
    )


class AllocationHistory:
    """Allocated physical resources over time, sampled by the sampler (bounded, in memory)."""

    def __init__(self, *, retention: float, interval: float) -> None:
        self._points: deque[tuple[float, Totals]] = deque(maxlen=int(retention / interval) + 2)

    def record(self, at: float, totals: Totals) -> None:
        self._points.append((at, totals))

    def series(self, window: TimeRange) -> list[SeriesPoint]:
        """One point per bucket of ``window`` holding only ``allocatedPhysical``."""
        points = [(t, v) for t, v in self._points if window.start <= t <= window.end]
        return [
            SeriesPoint(t=t, allocated_physical=physical(v))
            for t, v in _bucketed({"all": points}, window, _last)
        ]


def latest(series: Mapping[str, NodeSeries], *, now: float) -> dict[str, fg.Figures]:
    """Each node's newest figures if fresh enough."""
    found = {}
    for key, points in series.items():
        if points and now - points[-1][0] <= FRESH_SECONDS:
            found[key] = points[-1][1]
    return found


def used_physical(nodes: Iterable[fg.Figures]) -> UsedPhysical:
    nodes = list(nodes)
    gpu = [n[fg.GPU_UTILIZATION] for n in nodes if fg.GPU_UTILIZATION in n]
    return UsedPhysical(
        cpu=round(sum(n.get(fg.CPU_BUSY, 0.0) for n in nodes), 3),
        memory_bytes=int(sum(n.get(fg.MEMORY_USED, 0.0) for n in nodes)),
        gpu_utilization_percent=round(sum(gpu) / len(gpu), 1) if gpu else None,
    )


def logical_figures(nodes: Iterable[fg.Figures], prefix: str) -> LogicalFigures:
    sums: dict[str, float] = {}
    for node in nodes:
        for resource, value in fg.logical(node, prefix).items():
            sums[resource] = sums.get(resource, 0.0) + value
    known = set(LOGICAL_NAMES.values())
    named = {key: _number(sums.get(ray_name, 0.0)) for key, ray_name in LOGICAL_NAMES.items()}
    custom = {k: _number(v) for k, v in sorted(sums.items()) if k not in known}
    return LogicalFigures.model_validate({**named, "custom": custom})


def used(nodes: list[fg.Figures]) -> Used:
    return Used(physical=used_physical(nodes), logical=logical_figures(nodes, fg.LOGICAL_USED))


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 3)


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
    series: list[SeriesPoint] = field(default_factory=list)
    grafana_url: str | None = None

    def body(self) -> OverviewBody:
        nodes = list(self.nodes_now.values())
        return OverviewBody(
            range=self.range,
            source=self.source,
            counts=self.counts,
            allocated=Allocated(
                physical=physical(self.allocated_physical),
                logical=logical_figures(nodes, fg.LOGICAL_TOTAL),
            ),
            used=used(nodes),
            series=self.series,
            grafana_url=self.grafana_url,
        )

    def to_wire(self) -> dict[str, Any]:
        """JSON out: what ``GET /api/v1/overview`` answers."""
        return self.body().to_wire()


def usage_series(series: Mapping[str, NodeSeries], window: TimeRange) -> list[SeriesPoint]:
    """Used and logical figures summed across nodes, one point per bucket of the window."""
    return [
        SeriesPoint(
            t=t, used=used(nodes), allocated_logical=logical_figures(nodes, fg.LOGICAL_TOTAL)
        )
        for t, nodes in _per_bucket(series, window)
    ]


def merge_series(usage: list[SeriesPoint], allocation: list[SeriesPoint]) -> list[SeriesPoint]:
    """One list of points by time: usage figures with the allocated physical figures beside them."""
    by_time = {p.t: p.model_copy() for p in usage}
    for point in allocation:
        entry = by_time.setdefault(point.t, SeriesPoint(t=point.t))
        entry.allocated_physical = point.allocated_physical
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


def _last(points: list[tuple[float, T]]) -> T:
    return points[-1][1]


def _last_per_node(points: list[tuple[float, T]]) -> list[T]:
    return [points[-1][1]]


def _bucketed(
    series: Mapping[str, list[tuple[float, T]]],
    window: TimeRange,
    pick: Callable[[list[tuple[float, T]]], R],
) -> list[tuple[float, R]]:
    """For each series and bucket, ``pick`` over the newest point in it; one pass over the points.

    Bucket ``i`` holds the points in ``(start + i·step, start + (i+1)·step]`` and is stamped with
    its end. Points arrive oldest first, so the last one seen in a bucket is its newest.
    """
    ends = _bucket_ends(window)
    found: list[tuple[float, R]] = []
    for points in series.values():
        newest: dict[int, tuple[float, T]] = {}
        for t, value in points:
            if window.start < t <= window.end:
                index = min(BUCKETS - 1, max(0, math.ceil((t - window.start) / window.step) - 1))
                newest[index] = (t, value)
        found.extend((round(ends[i], 3), pick([newest[i]])) for i in sorted(newest))
    found.sort(key=lambda point: point[0])
    return found


def node_points(points: NodeSeries, window: TimeRange) -> list[dict[str, Any]]:
    """One node's figures per bucket of the window, for the per-cluster charts. JSON out: the
    monitoring manager puts them straight into the body it answers."""
    return [_node_point(t, f).to_wire() for t, f in _bucketed({"node": points}, window, _last)]


def _node_point(t: float, f: fg.Figures) -> NodePoint:
    return NodePoint(
        t=t,
        cpu_busy_cores=round(f.get(fg.CPU_BUSY, 0.0), 3),
        memory_used_bytes=int(f.get(fg.MEMORY_USED, 0.0)),
        gpu_utilization_percent=f.get(fg.GPU_UTILIZATION),
        object_store_used_bytes=int(f.get(fg.OBJECT_STORE_USED, 0.0)),
        tasks_running=int(f.get(fg.TASKS_RUNNING, 0.0)),
        actors_alive=int(f.get(fg.ACTORS_ALIVE, 0.0)),
        logical=NodeLogical(
            total={k: _number(v) for k, v in fg.logical(f, fg.LOGICAL_TOTAL).items()},
            used={k: _number(v) for k, v in fg.logical(f, fg.LOGICAL_USED).items()},
        ),
    )
