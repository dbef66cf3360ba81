"""raydeck's own Prometheus metrics: one registry, owned by ``RaydeckMetrics``.

``create_app`` builds one instance and hands it to the API middleware, the
platform (reconcile timing, restarts) and the sampler (resources by state);
``GET /metrics`` renders it. Nothing registers into prometheus-client's
global registry, so several apps in one process (tests) never collide.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

CONTENT_TYPE = CONTENT_TYPE_LATEST
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class RaydeckMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.api_request_seconds = Histogram(
            "raydeck_api_request_duration_seconds",
            "Time raydeck took to answer an API request",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.reconcile_seconds = Histogram(
            "raydeck_reconcile_duration_seconds",
            "Time one reconcile of one object took",
            ["controller", "outcome"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "raydeck_reconcile_queue_depth",
            "Objects waiting for a reconcile",
            ["controller"],
            registry=self.registry,
        )
        self.resources = Gauge(
            "raydeck_resources",
            "Stored resources by kind, type (instance or template) and state",
            ["kind", "type", "state"],
            registry=self.registry,
        )
        self.restarts = Counter(
            "raydeck_processes_restarted_total",
            "Ray node processes raydeck restarted after they died",
            ["namespace", "cluster"],
            registry=self.registry,
        )
        self.sample_seconds = Histogram(
            "raydeck_metrics_sample_duration_seconds",
            "Time one sampling round of all clusters' Ray metrics took",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe_request(self, *, method: str, route: str, status: int, seconds: float) -> None:
        self.api_request_seconds.labels(method, route, str(status)).observe(seconds)

    def observe_reconcile(self, *, controller: str, ok: bool, seconds: float) -> None:
        self.reconcile_seconds.labels(controller, "ok" if ok else "error").observe(seconds)

    def set_queue_depth(self, controller: str, depth: int) -> None:
        self.queue_depth.labels(controller).set(depth)

    def count_restart(self, *, namespace: str, cluster: str) -> None:
        self.restarts.labels(namespace, cluster).inc()

    def set_resources(self, counts: Mapping[tuple[str, str, str], int]) -> None:
        """Replace the resource gauges with ``(kind, type, state) → count``."""
        self.resources.clear()
        for (kind, type_, state), count in counts.items():
            self.resources.labels(kind, type_, state).set(count)

    def render(self) -> bytes:
        return generate_latest(self.registry)
