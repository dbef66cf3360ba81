"""The detail page of one RayCluster, RayJob or RayService: a header and six tabs.

The header holds the name, a status chip, the actions (``actions.py``) and a line
saying what is under way (``progress.py``). The tabs each have their module:
Details, YAML, Logs, Events, Health and Monitoring. A timer re-reads the object
every few seconds and refreshes the header, Details and Events; Health and
Monitoring ask the cluster itself, so only while their tab is open.
"""

from __future__ import annotations

from nicegui import ui

from raydeck.console.pages.detail import health_tab, monitoring_tab
from raydeck.console.pages.detail.actions import ActionBar
from raydeck.console.pages.detail.details_tab import DetailsTab
from raydeck.console.pages.detail.events_tab import EventsTab
from raydeck.console.pages.detail.logs_tab import logs_tab
from raydeck.console.pages.detail.progress import progress_text
from raydeck.console.pages.detail.subject import Subject
from raydeck.console.pages.detail.yaml_tab import yaml_tab
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import status_color
from raydeck.errors import NotFound
from raydeck.resources.kinds import Kind

REFRESH_SECONDS = 3.0
DETAILS, YAML, LOGS, EVENTS = "Details", "YAML", "Logs", "Events"
TABS = (DETAILS, YAML, LOGS, EVENTS, health_tab.TAB, monitoring_tab.TAB)


async def detail_page(session: ConsoleSession, kind: Kind, namespace: str, name: str) -> None:
    try:
        obj = await session.manager(kind).get(await session.actor(), namespace, name)
    except NotFound:
        ui.label(f"{kind.name} {namespace}/{name} does not exist (any more).").classes("text-lg")
        ui.link(f"Back to {kind.name}s", f"/{kind.plural}")
        return
    await DetailPage(Subject(session, kind, obj)).build()


class DetailPage:
    def __init__(self, subject: Subject) -> None:
        self._subject = subject
        self._actions = ActionBar(subject, on_change=self.refresh)
        self._details = DetailsTab(subject)
        self._events = EventsTab(subject)

    async def build(self) -> None:
        self._header()
        with ui.tabs() as tabs:
            for name in TABS:
                ui.tab(name)
        self._health = health_tab.HealthTab(self._subject, is_open=tabs)
        tabs.on_value_change(self._tab_opened)
        with ui.tab_panels(tabs, value=DETAILS).classes("w-full"):
            with ui.tab_panel(DETAILS):
                await self._details.show()
            with ui.tab_panel(YAML):
                await yaml_tab(self._subject, on_applied=self.refresh)
            with ui.tab_panel(LOGS):
                await logs_tab(self._subject)
            with ui.tab_panel(EVENTS):
                await self._events.show()
            with ui.tab_panel(health_tab.TAB):
                await self._health.show()
            with ui.tab_panel(monitoring_tab.TAB):
                self._monitoring = monitoring_tab.MonitoringTab(self._subject, is_open=tabs)
        await self.refresh()
        ui.timer(REFRESH_SECONDS, self.refresh)

    def _header(self) -> None:
        kind, obj = self._subject.kind, self._subject.obj
        with ui.row().classes("w-full items-center justify-between"):
            with ui.row().classes("items-center gap-3"):
                ui.link(f"{kind.name}s", f"/{kind.plural}").classes("text-grey-7")
                ui.label("/").classes("text-grey-5")
                ui.label(obj.name).classes("text-2xl font-medium").mark("detail-name")
                self._chip = ui.badge("").mark("status-chip")
            with ui.row().classes("items-center gap-2"):
                self._actions.build()
        self._actions.build_why()
        with ui.row().classes("w-full items-center gap-3") as self._progress_row:
            ui.linear_progress(show_value=False).props("indeterminate").classes("w-64")
            self._progress = ui.label("").classes("text-grey-8 text-sm").mark("progress")
        self._progress_row.visible = False

    async def refresh(self) -> None:
        subject = self._subject
        try:
            subject.obj = await subject.manager.get(*await subject.as_actor())
        except NotFound:
            self._chip.set_text("deleted")
            return
        state = subject.state_word()
        self._chip.set_text(state)
        self._chip.props(f"color={status_color(state)}")
        busy = progress_text(subject.obj, state)
        self._progress_row.visible = busy is not None
        self._progress.set_text(busy or "")
        self._actions.update()
        self._details.show.refresh()
        self._events.show.refresh()

    async def _tab_opened(self) -> None:
        if self._health.is_shown():
            self._health.show.refresh()
        elif self._monitoring.is_shown():
            await self._monitoring.draw()
