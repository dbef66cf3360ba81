"""The Prometheus metric source: the same per-node figures, asked of a Prometheus server in PromQL.

Used when raydeck runs with ``--prometheus-url``. Each figure of ``figures.py``
has one PromQL expression here, grouped by ``instance`` (the node's metrics
endpoint, ``host:port``), so the overview math is the same for both sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from raydeck.errors import PlatformUnavailable
from raydeck.monitoring import figures as fg
from raydeck.monitoring.sources import NodeSeries, TimeRange
from raydeck.monitoring.targets import NodeTarget

#: Figure name → PromQL, each grouped by instance; ``{name}`` labels split a figure per resource.
QUERIES: dict[str, str] = {
    fg.CPU_BUSY: 'sum by (instance) (ray_component_cpu_percentage{Component!="agent"}) / 100',
    fg.MEMORY_USED: 'sum by (instance) (ray_component_rss_bytes{Component!="agent"})',
    fg.GPU_UTILIZATION: "avg by (instance) (ray_node_gpus_utilization)",
    fg.GPUS: "count by (instance) (ray_node_gpus_utilization)",
    fg.OBJECT_STORE_USED: "sum by (instance) (ray_object_store_used_memory)",
    fg.TASKS_RUNNING: 'clamp_min(sum by (instance) (ray_tasks{State=~"RUNNING.*"}), 0)',
    fg.ACTORS_ALIVE: (
        'clamp_min(sum by (instance) (ray_actors{Source="executor",State=~"ALIVE.*"}), 0)'
    ),
    fg.LOGICAL_TOTAL: "sum by (instance, Name) (ray_resources)",
    fg.LOGICAL_USED: 'sum by (instance, Name) (ray_resources{State="USED"})',
    fg.GCS_OPERATIONS: 'sum by (instance) (ray_operation_count_total{Component="gcs_server"})',
    fg.GCS_ACTIVE: 'sum by (instance) (ray_operation_active_count{Component="gcs_server"})',
    fg.GCS_QUEUE_MS_SUM: (
        'sum by (instance) (ray_operation_queue_time_ms_sum{Component="gcs_server"})'
    ),
    fg.GCS_QUEUE_COUNT: (
        'sum by (instance) (ray_operation_queue_time_ms_count{Component="gcs_server"})'
    ),
}
_ALWAYS = (fg.CPU_BUSY, fg.MEMORY_USED, fg.OBJECT_STORE_USED)


class PrometheusSource:
    name = "prometheus"

    def __init__(self, url: str, *, timeout: float = 10.0) -> None:
        self._url = url.rstrip("/")
        self._http = httpx.AsyncClient(timeout=timeout)

    async def sample(self, nodes: Sequence[NodeTarget]) -> None:
        return None  # Prometheus scrapes by itself

    async def node_series(
        self, nodes: Sequence[NodeTarget], window: TimeRange
    ) -> dict[str, NodeSeries]:
        wanted = {n.instance for n in nodes if n.instance}
        if not wanted:
            return {}
        results = await asyncio.gather(*(self._range(query, window) for query in QUERIES.values()))
        points: dict[str, dict[float, fg.Figures]] = {}
        for figure, result in zip(QUERIES, results, strict=True):
            for series in result:
                labels = series.get("metric") or {}
                instance = labels.get("instance", "")
                if instance not in wanted:
                    continue
                key = figure + labels["Name"] if figure.endswith(":") else figure
                for t, value in series.get("values") or []:
                    at = points.setdefault(instance, {}).setdefault(float(t), {})
                    at[key] = float(value)
        return {
            instance: [(t, _with_defaults(f)) for t, f in sorted(by_time.items())]
            for instance, by_time in points.items()
        }

    async def _range(self, query: str, window: TimeRange) -> list[dict[str, Any]]:
        params = {
            "query": query,
            "start": f"{window.start:.3f}",
            "end": f"{window.end:.3f}",
            "step": f"{max(window.step, 1.0):.3f}",
        }
        try:
            response = await self._http.get(f"{self._url}/api/v1/query_range", params=params)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise PlatformUnavailable(f"Prometheus at {self._url} cannot be queried: {e}") from e
        if body.get("status") != "success":
            raise PlatformUnavailable(f"Prometheus refused {query!r}: {body.get('error')}")
        result: list[dict[str, Any]] = body["data"]["result"]
        return result

    async def close(self) -> None:
        await self._http.aclose()


def _with_defaults(figures: fg.Figures) -> fg.Figures:
    for key in _ALWAYS:
        figures.setdefault(key, 0.0)
    return figures
