"""Where per-node figures come from: the ``MetricSource`` protocol and the embedded sampler source.

The monitoring manager asks a source for node series over a time range; the
embedded source answers from what it sampled itself (Ray's endpoints, about an
hour, bounded), ``prometheus.PrometheusSource`` by asking a Prometheus server.
Neither knows about clusters' owners, the store or the API.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import httpx

from raydeck.monitoring.figures import Figures, node_figures, parse_exposition
from raydeck.monitoring.targets import NodeTarget

log = logging.getLogger(__name__)

#: (epoch seconds, figures) points of one node, oldest first.
NodeSeries = list[tuple[float, Figures]]


@dataclass(frozen=True)
class TimeRange:
    start: float
    end: float
    step: float


class MetricSource(Protocol):
    name: str

    async def node_series(
        self, nodes: Sequence[NodeTarget], window: TimeRange
    ) -> dict[str, NodeSeries]:
        """Figures of each node (keyed by ``NodeTarget.key``) within ``window``."""
        ...

    async def sample(self, nodes: Sequence[NodeTarget]) -> None:
        """Called on every sampler tick; a source that samples by itself does its work here."""
        ...

    async def close(self) -> None: ...


async def scrape(http: httpx.AsyncClient, node: NodeTarget) -> Figures | None:
    """One node's figures now, straight from its metrics endpoint; None if it does not answer."""
    if node.instance is None:
        return None
    try:
        response = await http.get(f"http://{node.instance}/metrics")
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    try:
        # Parsing is CPU work: off the event loop, so API requests keep flowing meanwhile.
        return await asyncio.to_thread(_figures, response.text)
    except ValueError as e:
        log.warning("unreadable metrics from %s: %s", node.instance, e)
        return None


class EmbeddedSource:
    """Samples each node's Ray metrics endpoint and keeps ``retention`` seconds per node in memory."""

    name = "embedded"

    def __init__(self, *, retention: float, interval: float, timeout: float = 3.0) -> None:
        self._retention = retention
        self._maxlen = max(2, int(retention / interval) + 2)
        self._series: dict[str, deque[tuple[float, Figures]]] = {}
        self._http = httpx.AsyncClient(timeout=timeout)

    async def sample(self, nodes: Sequence[NodeTarget]) -> None:
        running = [n for n in nodes if n.running and n.instance]
        results = await asyncio.gather(*(scrape(self._http, n) for n in running))
        now = time.time()
        for node, figures in zip(running, results, strict=True):
            if figures is not None:
                self._series.setdefault(node.key, deque(maxlen=self._maxlen)).append((now, figures))
        self._forget_older_than(now - self._retention)

    def _forget_older_than(self, cutoff: float) -> None:
        for key in [
            k for k, points in self._series.items() if not points or points[-1][0] < cutoff
        ]:
            del self._series[key]

    async def node_series(
        self, nodes: Sequence[NodeTarget], window: TimeRange
    ) -> dict[str, NodeSeries]:
        found: dict[str, NodeSeries] = {}
        for node in nodes:
            points = self._series.get(node.key)
            if points:
                found[node.key] = [(t, f) for t, f in points if window.start <= t <= window.end]
        return found

    @property
    def points_kept(self) -> int:
        return sum(len(points) for points in self._series.values())

    async def close(self) -> None:
        await self._http.aclose()


def _figures(text: str) -> Figures:
    return node_figures(parse_exposition(text))
