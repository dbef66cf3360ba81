"""The overview: what all Ray clusters the user may see hold and use, now and over time.

Counters by kind and state come from the store; allocated and used resources
(physical: CPU cores, memory, GPU; logical: Ray's CPU, GPU, memory and object
store) come from the monitoring manager, the same figures as
``GET /api/v1/overview``. The page asks again every few seconds.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from nicegui import ui

from raydeck.console.context import ConsoleSession
from raydeck.console.widgets import human_bytes, notify_error, status_color
from raydeck.errors import RaydeckError
from raydeck.managers.access import Principal
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE
from raydeck.store.records import ListQuery

REFRESH_SECONDS = 5.0
RANGES = {"10m": "10 min", "30m": "30 min", "1h": "1 h"}
GIB = 1024**3

#: (chart title, unit, [(series name, function of a point -> value)])
CHARTS: list[tuple[str, str, list[tuple[str, Any]]]] = [
    (
        "CPU (cores)",
        "cores",
        [
            ("allocated", lambda p: (p.get("allocatedPhysical") or {}).get("cpu")),
            ("used", lambda p: (p.get("used") or {}).get("physical", {}).get("cpu")),
            ("Ray logical used", lambda p: (p.get("used") or {}).get("logical", {}).get("cpu")),
        ],
    ),
    (
        "Memory (GiB)",
        "GiB",
        [
            ("allocated", lambda p: _gib((p.get("allocatedPhysical") or {}).get("memoryBytes"))),
            (
                "used",
                lambda p: _gib((p.get("used") or {}).get("physical", {}).get("memoryBytes")),
            ),
            (
                "object store used",
                lambda p: _gib((p.get("used") or {}).get("logical", {}).get("objectStoreBytes")),
            ),
        ],
    ),
    (
        "GPU",
        "GPUs / %",
        [
            ("allocated", lambda p: (p.get("allocatedPhysical") or {}).get("gpu")),
            ("Ray logical used", lambda p: (p.get("used") or {}).get("logical", {}).get("gpu")),
            (
                "utilization %",
                lambda p: (p.get("used") or {}).get("physical", {}).get("gpuUtilizationPercent"),
            ),
        ],
    ),
]


def _gib(value: float | None) -> float | None:
    return None if value is None else round(value / GIB, 3)


async def overview_page(session: ConsoleSession) -> None:
    view = OverviewView(session)
    await view.build()


class OverviewView:
    def __init__(self, session: ConsoleSession) -> None:
        self._session = session
        self._range = "10m"
        self._charts: list[ui.echart] = []

    async def build(self) -> None:
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Overview").classes("text-2xl font-medium")
            with ui.row().classes("items-center gap-2"):
                ui.toggle(RANGES, value=self._range, on_change=self._range_changed).mark(
                    "time-range"
                )
                self._grafana = ui.link("View in Grafana", "#", new_tab=True).mark("grafana")
                self._grafana.visible = False
        self._counters_row = ui.row().classes("w-full gap-4")
        self._totals_row = ui.row().classes("w-full gap-4")
        with ui.row().classes("w-full gap-4"):
            for title, unit, lines in CHARTS:
                with ui.card().classes("flex-1 min-w-80"):
                    chart = ui.echart(_chart_options(title, unit, [n for n, _ in lines]))
                    chart.classes("w-full h-64").mark("chart")
                    self._charts.append(chart)
        self._source = ui.label("").classes("text-grey-6 text-xs")
        await self.refresh()
        ui.timer(REFRESH_SECONDS, self.refresh)

    async def _range_changed(self, e: Any) -> None:
        self._range = e.value
        await self.refresh()

    async def refresh(self) -> None:
        try:
            actor = await self._session.actor()
            counts = await self._counts(actor)
            overview = await self._session.context.monitoring.overview(
                self._range, visible=actor.visible_filter()
            )
            figures = overview.to_wire()
        except RaydeckError as e:
            notify_error(e)
            return
        self._draw_counters(counts, figures)
        self._draw_totals(figures)
        series = figures.get("series") or []
        times = [datetime.fromtimestamp(p["t"]).strftime("%H:%M:%S") for p in series]
        for chart, (_title, _unit, lines) in zip(self._charts, CHARTS, strict=True):
            chart.options["xAxis"]["data"] = times
            for index, (_name, pick) in enumerate(lines):
                chart.options["series"][index]["data"] = [pick(p) for p in series]
            chart.update()
        grafana = figures.get("grafanaUrl")
        self._grafana.visible = bool(grafana)
        if grafana:
            self._grafana.props(f'href="{grafana}"')
        self._source.set_text(f"Figures from {figures.get('source', '?')}; range {self._range}.")

    async def _counts(self, actor: Principal) -> dict[str, Counter[str]]:
        """Instances per kind and state: one counting query per kind, however many exist."""
        return {
            kind.plural: Counter(
                await self._session.manager(kind).count_states(
                    actor, ListQuery(kind=kind.name, type="instance")
                )
            )
            for kind in (RAYCLUSTER, RAYJOB, RAYSERVICE)
        }

    def _draw_counters(self, counts: dict[str, Counter[str]], figures: dict[str, Any]) -> None:
        active = (figures.get("counts") or {}).get("activeClusters", 0)
        self._counters_row.clear()
        with self._counters_row:
            for kind in (RAYCLUSTER, RAYJOB, RAYSERVICE):
                states = counts[kind.plural]
                with ui.card().classes("min-w-56").mark(f"count-{kind.plural}"):
                    ui.link(f"{kind.name}s", f"/{kind.plural}").classes("text-lg no-underline")
                    ui.label(str(sum(states.values()))).classes("text-4xl font-medium")
                    with ui.row().classes("gap-1"):
                        for state, count in sorted(states.items()):
                            ui.badge(f"{state} {count}").props(f"color={status_color(state)}")
            with ui.card().classes("min-w-56").mark("count-active"):
                ui.label("Ray clusters running").classes("text-lg")
                ui.label(str(active)).classes("text-4xl font-medium")
                ui.label("including those of RayJobs and RayServices").classes(
                    "text-grey-7 text-xs"
                )

    def _draw_totals(self, figures: dict[str, Any]) -> None:
        allocated = (figures.get("allocated") or {}).get("physical") or {}
        used = (figures.get("used") or {}).get("physical") or {}
        logical_total = (figures.get("allocated") or {}).get("logical") or {}
        logical_used = (figures.get("used") or {}).get("logical") or {}
        rows = [
            ("CPU", f"{used.get('cpu', 0):g} of {allocated.get('cpu', 0):g} cores"),
            (
                "Memory",
                f"{human_bytes(used.get('memoryBytes') or 0)} of "
                f"{human_bytes(allocated.get('memoryBytes') or 0)}",
            ),
            ("GPU", f"{allocated.get('gpu', 0)} allocated"),
            (
                "Ray logical CPU",
                f"{logical_used.get('cpu', 0):g} of {logical_total.get('cpu', 0):g} in use",
            ),
            (
                "Object store",
                f"{human_bytes(logical_used.get('objectStoreBytes') or 0)} of "
                f"{human_bytes(logical_total.get('objectStoreBytes') or 0)}",
            ),
        ]
        self._totals_row.clear()
        with self._totals_row:
            for label, text in rows:
                with ui.card().classes("min-w-48").mark("total"):
                    ui.label(label).classes("text-grey-7 text-sm")
                    ui.label(text).classes("text-lg")


def _chart_options(title: str, unit: str, names: list[str]) -> dict[str, Any]:
    return {
        "title": {"text": title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": names, "bottom": 0},
        "grid": {"left": 48, "right": 16, "top": 40, "bottom": 64},
        "xAxis": {"type": "category", "data": []},
        "yAxis": {"type": "value", "name": unit, "min": 0},
        "series": [
            # Symbols: a series with one point so far is a dot, not nothing.
            {"name": name, "type": "line", "symbolSize": 4, "data": [], "connectNulls": True}
            for name in names
        ],
        "animation": False,
    }
