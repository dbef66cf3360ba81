"""The overview: what all Ray clusters the user may see hold and use, now and over time.

Counters by kind and state come from the store; allocated and used resources
(physical: CPU cores, memory, GPU; logical: Ray's CPU, GPU, memory and object
store) come from the monitoring manager, the same figures as
``GET /api/v1/overview``. The page asks again every few seconds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from nicegui import events, ui

from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import human_bytes, notify_error, status_color
from raydeck.errors import RaydeckError
from raydeck.managers.access import Principal
from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE
from raydeck.store.records import ListQuery

REFRESH_SECONDS = 5.0
RANGES = {"10m": "10 min", "30m": "30 min", "1h": "1 h"}
GIB = 1024**3


@dataclass(frozen=True)
class Line:
    """One series of a chart: where its value is in each point of the overview's series."""

    name: str
    path: tuple[str, ...]
    gib: bool = False


@dataclass(frozen=True)
class Chart:
    title: str
    unit: str
    lines: tuple[Line, ...]


CHARTS = (
    Chart(
        "CPU (cores)",
        "cores",
        (
            Line("allocated", ("allocatedPhysical", "cpu")),
            Line("used", ("used", "physical", "cpu")),
            Line("Ray logical used", ("used", "logical", "cpu")),
        ),
    ),
    Chart(
        "Memory (GiB)",
        "GiB",
        (
            Line("allocated", ("allocatedPhysical", "memoryBytes"), gib=True),
            Line("used", ("used", "physical", "memoryBytes"), gib=True),
            Line("object store used", ("used", "logical", "objectStoreBytes"), gib=True),
        ),
    ),
    Chart(
        "GPU",
        "GPUs / %",
        (
            Line("allocated", ("allocatedPhysical", "gpu")),
            Line("Ray logical used", ("used", "logical", "gpu")),
            Line("utilization %", ("used", "physical", "gpuUtilizationPercent")),
        ),
    ),
)


def figure(answer: object, path: tuple[str, ...]) -> float | None:
    """The number at ``path`` in the monitoring manager's answer (the API's JSON), if any."""
    value = answer
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _value(point: object, line: Line) -> float | None:
    value = figure(point, line.path)
    if value is None or not line.gib:
        return value
    return round(value / GIB, 3)


def total_lines(answer: object) -> list[tuple[str, str]]:
    """The totals cards: (what, how much is in use of how much)."""

    def pair(side: str, key: str) -> tuple[float, float]:
        used = figure(answer, ("used", side, key)) or 0
        return used, figure(answer, ("allocated", side, key)) or 0

    cpu_used, cpu = pair("physical", "cpu")
    memory_used, memory = pair("physical", "memoryBytes")
    logical_used, logical = pair("logical", "cpu")
    store_used, store = pair("logical", "objectStoreBytes")
    gpu = figure(answer, ("allocated", "physical", "gpu")) or 0
    return [
        ("CPU", f"{cpu_used:g} of {cpu:g} cores"),
        ("Memory", f"{human_bytes(memory_used)} of {human_bytes(memory)}"),
        ("GPU", f"{gpu} allocated"),
        ("Ray logical CPU", f"{logical_used:g} of {logical:g} in use"),
        ("Object store", f"{human_bytes(store_used)} of {human_bytes(store)}"),
    ]


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
            for chart in CHARTS:
                with ui.card().classes("flex-1 min-w-80"):
                    drawn = ui.echart(_chart_options(chart))
                    drawn.classes("w-full h-64").mark("chart")
                    self._charts.append(drawn)
        self._source = ui.label("").classes("text-grey-6 text-xs")
        await self.refresh()
        ui.timer(REFRESH_SECONDS, self.refresh)

    async def _range_changed(self, e: events.ValueChangeEventArguments[Any]) -> None:
        self._range = e.value
        await self.refresh()

    async def refresh(self) -> None:
        try:
            actor = await self._session.actor()
            counts = await self._counts(actor)
            overview = await self._session.context.monitoring.overview(
                self._range, visible=actor.visible_filter()
            )
            answer = overview.to_wire()
        except RaydeckError as e:
            notify_error(e)
            return
        self._draw_counters(counts, active=int(figure(answer, ("counts", "activeClusters")) or 0))
        self._draw_totals(total_lines(answer))
        self._draw_charts(answer.get("series") or [])
        grafana = answer.get("grafanaUrl")
        self._grafana.visible = bool(grafana)
        if grafana:
            self._grafana.props(f'href="{grafana}"')
        self._source.set_text(f"Figures from {answer.get('source', '?')}; range {self._range}.")

    def _draw_charts(self, points: list[object]) -> None:
        times = [
            datetime.fromtimestamp(figure(p, ("t",)) or 0).strftime("%H:%M:%S") for p in points
        ]
        for drawn, chart in zip(self._charts, CHARTS, strict=True):
            drawn.options["xAxis"]["data"] = times
            for index, line in enumerate(chart.lines):
                drawn.options["series"][index]["data"] = [_value(p, line) for p in points]
            drawn.update()

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

    def _draw_counters(self, counts: dict[str, Counter[str]], *, active: int) -> None:
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

    def _draw_totals(self, lines: list[tuple[str, str]]) -> None:
        self._totals_row.clear()
        with self._totals_row:
            for label, text in lines:
                with ui.card().classes("min-w-48").mark("total"):
                    ui.label(label).classes("text-grey-7 text-sm")
                    ui.label(text).classes("text-lg")


# ECharts' option object, handed to the browser as JSON: the chart library's own shape.
def _chart_options(chart: Chart) -> dict[str, Any]:
    names = [line.name for line in chart.lines]
    return {
        "title": {"text": chart.title, "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"data": names, "bottom": 0},
        "grid": {"left": 48, "right": 16, "top": 40, "bottom": 64},
        "xAxis": {"type": "category", "data": []},
        "yAxis": {"type": "value", "name": chart.unit, "min": 0},
        "series": [
            # Symbols: a series with one point so far is a dot, not nothing.
            {"name": name, "type": "line", "symbolSize": 4, "data": [], "connectNulls": True}
            for name in names
        ],
        "animation": False,
    }
