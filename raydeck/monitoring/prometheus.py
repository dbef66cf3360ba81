"""The Prometheus metric source: the same per-node figures, asked of a Prometheus server in PromQL.

Used when raydeck runs with ``--prometheus-url``. Each figure of ``figures.py``
has one PromQL expression here, so the overview math is the same for both
sources. Nodes known by their cluster (Kubernetes) are selected by the
``namespace`` and ``ray_io_cluster`` labels KubeRay's PodMonitor relabeling
and the Prometheus operator write, and told apart by ``pod`` (else
``instance``); nodes known only by their endpoint (local) by ``instance``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx

from raydeck.errors import PlatformUnavailable
from raydeck.monitoring import figures as fg
from raydeck.monitoring.sources import NodeSeries, TimeRange
from raydeck.monitoring.targets import NodeTarget

#: Every query keeps the labels that tell a node apart, whichever way it is known.
_BY = "instance, namespace, ray_io_cluster, pod"
_RUNNING = 'State=~"RUNNING.*"'
_ALIVE = 'Source="executor",State=~"ALIVE.*"'
_GCS = 'Component="gcs_server"'
_NOT_AGENT = 'Component!="agent"'


def queries(selector: str) -> dict[str, str]:
    """Figure name → PromQL over the series ``selector`` (comma-joined matchers) picks; a name
    ending in ``:`` is split per Ray resource by the ``Name`` label."""

    def sel(metric: str, *matchers: str) -> str:
        return metric + "{" + ",".join(m for m in (*matchers, selector) if m) + "}"

    def total(metric: str, *matchers: str, by: str = _BY) -> str:
        return f"sum by ({by}) ({sel(metric, *matchers)})"

    return {
        fg.CPU_BUSY: total("ray_component_cpu_percentage", _NOT_AGENT) + " / 100",
        fg.MEMORY_USED: total("ray_component_rss_bytes", _NOT_AGENT),
        fg.GPU_UTILIZATION: f"avg by ({_BY}) ({sel('ray_node_gpus_utilization')})",
        fg.GPUS: f"count by ({_BY}) ({sel('ray_node_gpus_utilization')})",
        fg.OBJECT_STORE_USED: total("ray_object_store_used_memory"),
        fg.TASKS_RUNNING: f"clamp_min({total('ray_tasks', _RUNNING)}, 0)",
        fg.ACTORS_ALIVE: f"clamp_min({total('ray_actors', _ALIVE)}, 0)",
        fg.LOGICAL_TOTAL: total("ray_resources", by=f"{_BY}, Name"),
        fg.LOGICAL_USED: total("ray_resources", 'State="USED"', by=f"{_BY}, Name"),
        fg.GCS_OPERATIONS: total("ray_operation_count_total", _GCS),
        fg.GCS_ACTIVE: total("ray_operation_active_count", _GCS),
        fg.GCS_QUEUE_MS_SUM: total("ray_operation_queue_time_ms_sum", _GCS),
        fg.GCS_QUEUE_COUNT: total("ray_operation_queue_time_ms_count", _GCS),
    }


#: The queries over every series, as the Grafana dashboards and docs show them.
QUERIES = queries("")
_ALWAYS = (fg.CPU_BUSY, fg.MEMORY_USED, fg.OBJECT_STORE_USED)
#: Finds the node a series belongs to (None: none asked for).
Owner = Callable[[Mapping[str, str]], NodeTarget | None]


def regex_of(values: Iterable[str]) -> str:
    """The body of a PromQL string literal holding an RE2 regex that matches exactly one of
    ``values``: metacharacters get a backslash, and the literal escapes backslashes and quotes."""
    return "|".join(_literal(re.escape(v)) for v in sorted(values))


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def by_cluster(nodes: Sequence[NodeTarget]) -> tuple[str, Owner]:
    """The selector and owner lookup of nodes known by their cluster's labels: ``namespace`` and
    ``ray_io_cluster`` select, ``pod`` (if Prometheus has it) or else ``instance`` tells apart."""
    by_pod = {(n.namespace, n.cluster, n.pod): n for n in nodes}
    by_endpoint = {(n.namespace, n.cluster, n.instance): n for n in nodes if n.instance}
    selector = (
        f'namespace=~"{regex_of({n.namespace for n in nodes})}",'
        f'ray_io_cluster=~"{regex_of({n.cluster for n in nodes})}"'
    )

    def owner(labels: Mapping[str, str]) -> NodeTarget | None:
        cluster = (labels.get("namespace", ""), labels.get("ray_io_cluster", ""))
        if "pod" in labels:
            return by_pod.get((*cluster, labels["pod"]))
        return by_endpoint.get((*cluster, labels.get("instance", "")))

    return selector, owner


def by_instance(nodes: Sequence[NodeTarget]) -> tuple[str, Owner]:
    """The selector and owner lookup of nodes known only by their metrics endpoint."""
    known = {n.instance: n for n in nodes if n.instance is not None}
    selector = f'instance=~"{regex_of(known)}"'
    return selector, lambda labels: known.get(labels.get("instance", ""))


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
        labelled = [n for n in nodes if n.cluster]
        unlabelled = [n for n in nodes if not n.cluster and n.instance]
        points: dict[str, dict[float, fg.Figures]] = {}
        for group, lookup in ((labelled, by_cluster), (unlabelled, by_instance)):
            if group:
                await self._collect(*lookup(group), window, points)
        return {
            key: [(t, _with_defaults(f)) for t, f in sorted(by_time.items())]
            for key, by_time in points.items()
        }

    async def _collect(
        self,
        selector: str,
        owner: Owner,
        window: TimeRange,
        points: dict[str, dict[float, fg.Figures]],
    ) -> None:
        """Add the figures of the series ``selector`` picks to ``points``, by their node's key."""
        wanted = queries(selector)
        results = await asyncio.gather(*(self._range(q, window) for q in wanted.values()))
        for figure, result in zip(wanted, results, strict=True):
            for series in result:
                labels = series.get("metric") or {}
                node = owner(labels)
                if node is None:
                    continue
                key = figure + labels["Name"] if figure.endswith(":") else figure
                for t, value in series.get("values") or []:
                    at = points.setdefault(node.key, {}).setdefault(float(t), {})
                    # A node scraped through two endpoints (several series) adds up.
                    at[key] = at.get(key, 0.0) + float(value)

    async def _range(self, query: str, window: TimeRange) -> list[dict[str, Any]]:
        """The series of one range query, as Prometheus' JSON gives them (``metric`` labels,
        ``values`` pairs): read where they are used, in ``_collect``."""
        form = {
            "query": query,
            "start": f"{window.start:.3f}",
            "end": f"{window.end:.3f}",
            "step": f"{max(window.step, 1.0):.3f}",
        }
        try:
            # POST: the selector names every cluster or endpoint asked about and may be long.
            response = await self._http.post(f"{self._url}/api/v1/query_range", data=form)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as e:
            raise PlatformUnavailable(f"Prometheus at {self._url} cannot be queried: {e}") from e
        if body.get("status") != "success":
            raise PlatformUnavailable(f"Prometheus refused {query!r}: {body.get('error')}")
        result: list[dict[str, Any]] = body["data"]["result"]  # Prometheus' JSON, as it came
        return result

    async def close(self) -> None:
        await self._http.aclose()


def _with_defaults(figures: fg.Figures) -> fg.Figures:
    for key in _ALWAYS:
        figures.setdefault(key, 0.0)
    return figures
