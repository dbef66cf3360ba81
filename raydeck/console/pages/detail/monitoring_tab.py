"""The Monitoring tab: per-node charts of the Ray cluster the object runs on, over a time range.

Drawn only while the tab is open, then again every few seconds; the figures come
from the monitoring manager (raydeck's sampling of Ray's metrics, or Prometheus).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import error_lines
from raydeck.errors import RaydeckError

TAB = "Monitoring"
DRAW_SECONDS = 6.0
RANGES = {"10m": "10 min", "30m": "30 min", "1h": "1 h"}
#: (figure of a node's point, chart title, unit)
NODE_CHARTS = (
    ("cpuBusyCores", "CPU busy (cores)", "cores"),
    ("memoryUsedBytes", "Memory used (GiB)", "GiB"),
    ("objectStoreUsedBytes", "Object store used (GiB)", "GiB"),
    ("tasksRunning", "Tasks running", "tasks"),
)


class MonitoringTab:
    def __init__(self, subject: Subject, *, is_open: ui.tabs) -> None:
        self._subject = subject
        self._tabs = is_open
        self._window = ui.toggle(RANGES, value="10m")
        self._charts = {
            key: ui.echart(_node_chart(title, unit)).classes("w-full h-56")
            for key, title, unit in NODE_CHARTS
        }
        self._note = ui.label("").classes("text-grey-7 text-sm")
        self._window.on_value_change(self.draw)
        ui.timer(DRAW_SECONDS, self.draw)

    def is_shown(self) -> bool:
        return bool(self._tabs.value == TAB)

    async def draw(self) -> None:
        if not self.is_shown():
            return
        subject = self._subject
        cluster = subject.cluster_name()
        if cluster is None:
            self._note.set_text(f"{subject.runs_no_cluster()}.")
            return
        try:
            monitoring = await subject.monitoring()
            metrics = await monitoring.cluster_metrics(
                subject.namespace, cluster, self._window.value
            )
            figures = metrics.to_wire()
        except RaydeckError as e:
            self._note.set_text("\n".join(error_lines(e)))
            return
        self._note.set_text(f"Cluster {cluster}, per node; figures from {figures['source']}.")
        for key, chart in self._charts.items():
            _plot(chart, key, figures["nodes"])


def _plot(chart: ui.echart, key: str, nodes: list[Any]) -> None:
    """One line per node of the figure ``key``, over the nodes' (shared) time buckets."""
    series = []
    times: list[str] = []
    for node in nodes:
        points = node["series"]
        times = [datetime.fromtimestamp(p["t"]).strftime("%H:%M:%S") for p in points]
        series.append(
            {
                "name": node["pod"],
                "type": "line",
                "symbolSize": 4,
                "connectNulls": True,
                "data": [_scaled(key, p.get(key)) for p in points],
            }
        )
    chart.options["xAxis"]["data"] = times
    chart.options["series"] = series
    chart.options["legend"]["data"] = [s["name"] for s in series]
    chart.update()


def _scaled(key: str, value: float | None) -> float | None:
    if value is None or not key.endswith("Bytes"):
        return value
    return round(value / 1024**3, 3)


# ECharts' option object, handed to the browser as JSON: the chart library's own shape.
def _node_chart(title: str, unit: str) -> dict[str, Any]:
    return {
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": [], "bottom": 0},
        "grid": {"left": 48, "right": 16, "top": 40, "bottom": 64},
        "xAxis": {"type": "category", "data": []},
        "yAxis": {"type": "value", "name": unit, "min": 0},
        "series": [],
        "animation": False,
    }
