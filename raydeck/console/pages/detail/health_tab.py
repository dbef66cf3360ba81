"""The Health tab: the signals of the Ray cluster the object runs on (GCS, nodes, API latency).

It asks the cluster itself, so only while the tab is open and when asked again;
an object that runs no cluster says so. The monitoring manager does the checking.
"""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import error_lines, facts_table
from raydeck.errors import RaydeckError
from raydeck.monitoring.health import Level

TAB = "Health"
_LEVEL_COLORS = {
    Level.OK.label: "positive",
    Level.WARNING.label: "warning",
    Level.CRITICAL.label: "negative",
}


@dataclass(frozen=True)
class SignalRow:
    signal: str
    level: str
    message: str


class HealthTab:
    def __init__(self, subject: Subject, *, is_open: ui.tabs) -> None:
        self._subject = subject
        self._tabs = is_open

    def is_shown(self) -> bool:
        return bool(self._tabs.value == TAB)

    @ui.refreshable_method
    async def show(self) -> None:
        if not self.is_shown():
            return
        subject = self._subject
        cluster = subject.cluster_name()
        if cluster is None:
            ui.label(f"{subject.runs_no_cluster()}.").classes("text-grey-7")
            return
        try:
            health = await (await subject.monitoring()).health(subject.namespace, cluster)
            report = health.to_wire()
        except RaydeckError as e:
            ui.label("\n".join(error_lines(e))).classes("text-grey-7")
            return
        with ui.row().classes("items-center gap-2"):
            ui.label(f"Cluster {cluster}:").classes("text-md")
            ui.badge(report["level"]).props(f"color={_LEVEL_COLORS.get(report['level'], 'grey')}")
            ui.button(icon="refresh", on_click=self.show.refresh).props("flat round dense")
        rows = [SignalRow(s["name"], s["level"], s["message"]) for s in report["signals"]]
        facts_table(rows=rows, row_key="signal").mark("health")
