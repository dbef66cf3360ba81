"""Unit tier: per-node figures from Ray's exposition text, bucketing, and health levels."""

from __future__ import annotations

from raydeck.monitoring import figures as fg
from raydeck.monitoring import health as hl
from raydeck.monitoring import overview as ov
from raydeck.monitoring.sources import TimeRange
from raydeck.monitoring.targets import ClusterTarget, NodeTarget
from raydeck.resources.summary import Totals

# Lines as Ray 2.60's metrics endpoint serves them (labels shortened).
EXPOSITION = """\
# TYPE ray_component_cpu_percentage gauge
ray_component_cpu_percentage{Component="raylet",ip="127.0.0.1",pid="1"} 20.0
ray_component_cpu_percentage{Component="ray::burn",ip="127.0.0.1",pid=""} 95.0
ray_component_cpu_percentage{Component="ray::DashboardAgent",ip="127.0.0.1",pid=""} 5.0
ray_component_cpu_percentage{Component="agent",ip="127.0.0.1",pid="2"} 5.0
# TYPE ray_component_rss_bytes gauge
ray_component_rss_bytes{Component="raylet",ip="127.0.0.1",pid="1"} 1000.0
ray_component_rss_bytes{Component="agent",ip="127.0.0.1",pid="2"} 500.0
ray_component_rss_bytes{Component="ray::DashboardAgent",ip="127.0.0.1",pid=""} 500.0
# TYPE ray_resources gauge
ray_resources{Component="raylet",Name="CPU",State="AVAILABLE"} 1.0
ray_resources{Component="raylet",Name="CPU",State="USED"} 1.0
ray_resources{Component="raylet",Name="memory",State="AVAILABLE"} 1.073741824e+09
# TYPE ray_operation_count counter
ray_operation_count_total{Component="gcs_server",Name="gcs_server_main_io_context"} 169.0
ray_operation_count_total{Component="raylet",Name="raylet_main_io_context"} 256.0
# TYPE ray_operation_active_count gauge
ray_operation_active_count{Component="gcs_server",Name="gcs_server_main_io_context"} 3.0
# TYPE ray_operation_queue_time_ms histogram
ray_operation_queue_time_ms_sum{Component="gcs_server",Name="x"} 400.0
ray_operation_queue_time_ms_count{Component="gcs_server",Name="x"} 200.0
"""


def test_node_figures_count_each_ray_process_once_and_total_logical_resources() -> None:
    figures = fg.node_figures(fg.parse_exposition(EXPOSITION))
    assert figures[fg.CPU_BUSY] == 1.2  # raylet + task + dashboard agent, "agent" not twice
    assert figures[fg.MEMORY_USED] == 1500.0
    assert fg.logical(figures, fg.LOGICAL_TOTAL) == {"CPU": 2.0, "memory": 1073741824.0}
    assert fg.logical(figures, fg.LOGICAL_USED) == {"CPU": 1.0}
    assert figures[fg.GCS_OPERATIONS] == 169.0 and figures[fg.GCS_ACTIVE] == 3.0


def test_gcs_pressure_uses_the_recent_window_when_it_has_one() -> None:
    now = fg.node_figures(fg.parse_exposition(EXPOSITION))
    assert hl.gcs_pressure(now, None).values["meanQueueingMs"] == 2.0
    earlier = {fg.GCS_QUEUE_MS_SUM: 100.0, fg.GCS_QUEUE_COUNT: 199.0}
    busy = hl.gcs_pressure(now, earlier)
    assert busy.values["meanQueueingMs"] == 300.0 and busy.level is hl.Level.WARNING
    assert hl.gcs_pressure(None, None).level is hl.Level.CRITICAL


def test_latency_levels_follow_their_thresholds() -> None:
    assert hl.api_latency("x", "Jobs API", 20.0, fix="jobs").level is hl.Level.OK
    assert hl.api_latency("x", "Jobs API", 1500.0, fix="jobs").level is hl.Level.WARNING
    assert hl.api_latency("x", "Jobs API", 6000.0, fix="jobs").level is hl.Level.CRITICAL
    assert hl.api_latency("x", "Jobs API", None, fix="jobs").level is hl.Level.CRITICAL


def test_node_health_is_critical_for_a_node_ray_does_not_list_alive() -> None:
    node = NodeTarget("w", "g", "worker", True, Totals(), node_manager_port=7, started_ms=100)
    cluster = ClusterTarget("default", "c", "uid", (node,))
    alive = {
        "data": {
            "summary": [{"raylet": {"state": "ALIVE", "nodeManagerPort": 7, "startTimeMs": 150}}]
        }
    }
    stale = {
        "data": {
            "summary": [{"raylet": {"state": "ALIVE", "nodeManagerPort": 7, "startTimeMs": 50}}]
        }
    }
    assert hl.node_health(cluster, alive).level is hl.Level.OK
    assert hl.node_health(cluster, stale).level is hl.Level.CRITICAL  # an earlier incarnation
    assert hl.node_health(cluster, None).values["gcsReachable"] is False


def test_series_are_bucketed_and_summed_across_nodes() -> None:
    window = TimeRange(start=0.0, end=600.0, step=10.0)
    one = [(float(t), {fg.CPU_BUSY: 1.0, fg.MEMORY_USED: 10.0}) for t in range(1, 601)]
    two = [(float(t), {fg.CPU_BUSY: 0.5, fg.MEMORY_USED: 5.0}) for t in range(301, 601)]
    points = ov.usage_series({"a": one, "b": two}, window)
    assert len(points) == ov.BUCKETS
    assert points[0].used is not None and points[0].used.physical.cpu == 1.0
    assert points[-1].to_wire()["used"]["physical"] == {
        "cpu": 1.5,
        "memoryBytes": 15,
        "gpuUtilizationPercent": None,
    }
