"""Health of one Ray cluster: GCS event-loop pressure, node health and API latencies, each levelled.

``MonitoringManager.health`` calls ``check_cluster`` with the cluster's target
and an HTTP client; every signal is measured now by raydeck (no sidecar), gets
a level against documented thresholds and a sentence a user can act on. What Ray's
dashboard answers is read as it comes (JSON in); a signal goes out as ``bodies.SignalBody``.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from raydeck.monitoring import figures as fg
from raydeck.monitoring.bodies import SignalBody, SignalValue, ThresholdsBody
from raydeck.monitoring.sources import scrape
from raydeck.monitoring.targets import ClusterTarget, NodeTarget


class Level(enum.IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Thresholds:
    warning: float
    critical: float

    def level(self, value: float) -> Level:
        if value >= self.critical:
            return Level.CRITICAL
        return Level.WARNING if value >= self.warning else Level.OK

    def body(self) -> ThresholdsBody:
        return ThresholdsBody(warning=self.warning, critical=self.critical)


GCS_QUEUEING_MS = Thresholds(warning=100.0, critical=1000.0)
GCS_ACTIVE = Thresholds(warning=100.0, critical=1000.0)
API_LATENCY_MS = Thresholds(warning=1000.0, critical=5000.0)
#: One raylet not alive is already critical: tasks on it fail or wait.
DEAD_NODES = Thresholds(warning=1, critical=1)


@dataclass
class Signal:
    name: str
    level: Level
    message: str
    values: Mapping[str, SignalValue]
    thresholds: Mapping[str, Thresholds]

    def to_wire(self) -> dict[str, Any]:
        """JSON out: the monitoring manager lists the signals in the health body it answers."""
        return SignalBody(
            name=self.name,
            level=self.level.label,
            message=self.message,
            values=dict(self.values),
            thresholds={k: t.body() for k, t in self.thresholds.items()},
        ).to_wire()


async def check_cluster(
    http: httpx.AsyncClient,
    cluster: ClusterTarget,
    *,
    earlier_head: fg.Figures | None = None,
) -> list[Signal]:
    """All signals of a cluster; ``earlier_head`` (head figures a while ago) windows the GCS means."""
    head = cluster.head
    head_figures, nodes, jobs, dashboard = await asyncio.gather(
        scrape(http, head) if head else _none(),
        _get_json(http, cluster, "/nodes?view=summary"),
        _timed(http, cluster, "/api/jobs/"),
        _timed(http, cluster, "/api/version"),
    )
    return [
        gcs_pressure(head_figures, earlier_head),
        node_health(cluster, nodes),
        api_latency("jobsApiLatency", "Jobs API", jobs, fix="job submission and status"),
        api_latency("dashboardApiLatency", "dashboard API", dashboard, fix="the dashboard"),
    ]


async def _none() -> None:
    return None


async def _get_json(http: httpx.AsyncClient, cluster: ClusterTarget, path: str) -> Any:
    if cluster.dashboard_url is None:
        return None
    try:
        response = await http.get(
            cluster.dashboard_url + path, headers=dict(cluster.dashboard_headers)
        )
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError):
        return None


async def _timed(http: httpx.AsyncClient, cluster: ClusterTarget, path: str) -> float | None:
    """Milliseconds one GET of ``path`` on the head's dashboard took; None if it failed."""
    if cluster.dashboard_url is None:
        return None
    started = time.perf_counter()
    try:
        response = await http.get(
            cluster.dashboard_url + path, headers=dict(cluster.dashboard_headers)
        )
        response.raise_for_status()
    except httpx.HTTPError:
        return None
    return round((time.perf_counter() - started) * 1000, 1)


def gcs_pressure(now: fg.Figures | None, earlier: fg.Figures | None) -> Signal:
    thresholds = {"meanQueueingMs": GCS_QUEUEING_MS, "active": GCS_ACTIVE}
    if now is None or fg.GCS_OPERATIONS not in now:
        return Signal(
            "gcsEventLoop",
            Level.CRITICAL,
            "The GCS's event statistics cannot be read from the head's metrics endpoint: check that "
            "the head node runs (pods, logs) and restart it if it does not.",
            {},
            thresholds,
        )
    total, active = now[fg.GCS_OPERATIONS], now.get(fg.GCS_ACTIVE, 0.0)
    mean = _mean_queueing(now, earlier)
    level = max(GCS_QUEUEING_MS.level(mean), GCS_ACTIVE.level(active))
    message = {
        Level.OK: "The GCS event loop keeps up.",
        Level.WARNING: "GCS handlers wait in its event loop: many nodes, actors or API callers "
        "load it; spread the load or give the head node more CPU.",
        Level.CRITICAL: "The GCS event loop is overloaded; cluster operations stall. Reduce the "
        "callers hitting the GCS (polling clients, many small tasks) or give the head more CPU.",
    }[level]
    values = {"total": int(total), "active": int(active), "meanQueueingMs": round(mean, 3)}
    return Signal("gcsEventLoop", level, message, values, thresholds)


def _mean_queueing(now: Mapping[str, float], earlier: Mapping[str, float] | None) -> float:
    """Mean queueing time per operation, over the window since ``earlier`` when it helps."""
    total_ms, count = now.get(fg.GCS_QUEUE_MS_SUM, 0.0), now.get(fg.GCS_QUEUE_COUNT, 0.0)
    if earlier is not None:
        d_ms = total_ms - earlier.get(fg.GCS_QUEUE_MS_SUM, 0.0)
        d_count = count - earlier.get(fg.GCS_QUEUE_COUNT, 0.0)
        if d_count > 0 and d_ms >= 0:
            return d_ms / d_count
    return total_ms / count if count else 0.0


def node_health(cluster: ClusterTarget, summary: Any) -> Signal:
    """``summary`` is what Ray's ``/nodes?view=summary`` answered (None: nothing did)."""
    thresholds = {"deadNodes": DEAD_NODES}
    expected = list(cluster.nodes)
    if not isinstance(summary, dict):
        return Signal(
            "nodes",
            Level.CRITICAL,
            "The GCS does not answer through the head's dashboard: the head node may be down or "
            "overloaded; look at the head's log and events.",
            {"expected": len(expected), "alive": 0, "gcsReachable": False},
            thresholds,
        )
    alive = _alive_raylets(summary)
    dead = [n.pod for n in expected if not (n.running and _is_alive(n, alive))]
    values: dict[str, SignalValue] = {
        "expected": len(expected),
        "alive": len(expected) - len(dead),
        "gcsReachable": True,
        "notAlive": dead,
    }
    if dead:
        message = (
            f"Raylet of {', '.join(dead)} is not alive: tasks on it fail or wait. raydeck restarts "
            "failed nodes with back-off; if it stays, read the node's log (…/logs?pod=NAME)."
        )
        return Signal("nodes", Level.CRITICAL, message, values, thresholds)
    return Signal(
        "nodes", Level.OK, "Every raylet is alive and the GCS answers.", values, thresholds
    )


def _alive_raylets(summary: Mapping[str, Any]) -> dict[int, list[int]]:
    """Node-manager port → start times (ms) of ALIVE raylets in Ray's node list (its JSON)."""
    alive: dict[int, list[int]] = {}
    for node in (summary.get("data") or {}).get("summary") or []:
        raylet = node.get("raylet") or {}
        if raylet.get("state") == "ALIVE" and "nodeManagerPort" in raylet:
            port = int(raylet["nodeManagerPort"])
            alive.setdefault(port, []).append(int(raylet.get("startTimeMs") or 0))
    return alive


def _is_alive(node: NodeTarget, alive: Mapping[int, list[int]]) -> bool:
    if node.node_manager_port is None:
        return False
    return any(started >= node.started_ms for started in alive.get(node.node_manager_port, []))


def api_latency(name: str, label: str, millis: float | None, *, fix: str) -> Signal:
    thresholds = {"latencyMs": API_LATENCY_MS}
    if millis is None:
        message = (
            f"The {label} does not answer: {fix} will fail. Check the head node's dashboard "
            "process in the head's log; a head restart brings it back."
        )
        return Signal(name, Level.CRITICAL, message, {"latencyMs": None}, thresholds)
    level = API_LATENCY_MS.level(millis)
    message = {
        Level.OK: f"The {label} answers in {millis:.0f} ms.",
        Level.WARNING: f"The {label} is slow ({millis:.0f} ms): {fix} feel sluggish; the head "
        "node may need more CPU.",
        Level.CRITICAL: f"The {label} takes {millis:.0f} ms: {fix} time out. Give the head node "
        "more CPU or reduce the callers polling it.",
    }[level]
    return Signal(name, level, message, {"latencyMs": millis}, thresholds)


def overall(signals: list[Signal]) -> Level:
    return max((s.level for s in signals), default=Level.OK)
