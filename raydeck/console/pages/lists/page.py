"""The list pages: server-side search, sort, filters and paging, live status, batch delete.

One ``ListView`` per kind. Every change of search, filter, sort or page asks
the manager for exactly one page; a timer asks again every few seconds so
status chips follow what runs without a reload. The table's rows and cells are
in ``rows.py``, deleting in ``deleting.py``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from nicegui import events, ui

from raydeck.console.pages.create.dialog import open_create_dialog
from raydeck.console.pages.lists import rows as table_rows
from raydeck.console.pages.lists.deleting import confirm_delete, delete_rows
from raydeck.console.pages.lists.rows import Row, row_of
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import notify_error
from raydeck.errors import RaydeckError
from raydeck.managers.objects import ObjectManager
from raydeck.resources import raycluster, rayjob, rayservice
from raydeck.resources.actions import Action
from raydeck.resources.kinds import Kind
from raydeck.resources.rayjob import JobStatus
from raydeck.resources.summary import State
from raydeck.store.records import ListPage, ListQuery

PAGE_SIZE = 20
REFRESH_SECONDS = 3.0
STATUS_CHOICES: dict[str, list[str]] = {
    raycluster.KIND: [State.READY, State.SUSPENDED, State.PENDING],
    rayjob.KIND: [
        *(State.RUNNING, State.COMPLETE, State.FAILED, State.SUSPENDED, State.INITIALIZING),
        JobStatus.SUCCEEDED.lower(),  # the Ray job's own status
    ],
    rayservice.KIND: [
        *(State.READY, State.UPGRADING, State.INITIALIZING, State.UNAVAILABLE, State.SUSPENDED),
    ],
}


@dataclass(frozen=True)
class Filters:
    search: str = ""
    status: tuple[str, ...] = ()
    type: Literal["template", "instance"] | None = None
    namespace: str | None = None
    ray_version: str = ""
    creator: str = ""

    def narrow(self) -> bool:
        """Whether anything but the type narrows the list (an empty list then is no news)."""
        return bool(
            self.search or self.status or self.namespace or self.ray_version or self.creator
        )


async def list_page(session: ConsoleSession, kind: Kind, *, templates_only: bool = False) -> None:
    view = ListView(session, kind, templates_only=templates_only)
    await view.build()


class ListView:
    def __init__(self, session: ConsoleSession, kind: Kind, *, templates_only: bool) -> None:
        self._session = session
        self._kind = kind
        self._templates_only = templates_only
        self._filters = Filters(type="template" if templates_only else None)
        self._sort = "name"
        self._descending = False
        self._page = 1
        #: Every row shown so far, by key: what the browser's events and selection refer to.
        self._known: dict[str, Row] = {}
        self._table: ui.table | None = None
        self._empty: ui.column | None = None
        self._close_hint: ui.label | None = None

    @property
    def _manager(self) -> ObjectManager:
        return self._session.manager(self._kind)

    async def build(self) -> None:
        kind = self._kind
        with ui.row().classes("w-full items-center justify-between"):
            if not self._templates_only:
                ui.label(f"{kind.name}s").classes("text-2xl font-medium")
            with ui.row().classes("items-center gap-2"):
                self._delete_button = ui.button(
                    "Delete selected", icon="delete", on_click=self._confirm_delete_selected
                ).props("outline color=negative")
                self._delete_button.disable()
                ui.button(f"Create {kind.name}", icon="add", on_click=self._create)
        await self._filter_inputs()
        self._close_hint = ui.label().classes("text-grey-7").mark("close-matches")
        self._close_hint.visible = False
        self._table = self._new_table()
        self._empty = self._empty_note()
        await self.refresh()
        ui.timer(REFRESH_SECONDS, self.refresh)

    def _new_table(self) -> ui.table:
        table = ui.table(
            columns=[c.to_quasar() for c in table_rows.COLUMNS],
            rows=[],
            row_key="key",
            selection="multiple",
            pagination={
                "rowsPerPage": PAGE_SIZE,
                "page": 1,
                "sortBy": "name",
                "descending": False,
                "rowsNumber": 0,
            },
            on_select=self._selected,
        ).classes("w-full")
        table.props("flat bordered :rows-per-page-options='[10,20,50,100]'")
        table.add_slot("body-cell-name", table_rows.NAME_CELL)
        table.add_slot("body-cell-status", table_rows.STATUS_CELL)
        table.add_slot("body-cell-actions", table_rows.ACTIONS_CELL)
        table.on("request", self._on_request)
        table.on("open", lambda e: ui.navigate.to(e.args["href"]))
        table.on("start", lambda e: self._act(e.args, Action.START))
        table.on("stop", lambda e: self._act(e.args, Action.STOP))
        table.on("delete", lambda e: self._confirm_delete(self._rows_of([e.args])))
        table.on("instantiate", lambda e: self._instantiate(e.args))
        return table.mark(f"{self._kind.plural}-table")

    def _empty_note(self) -> ui.column:
        kind = self._kind
        with ui.column().classes("w-full items-center py-8") as empty:
            ui.icon("inbox").classes("text-5xl text-grey-5")
            what = "templates" if self._templates_only else f"{kind.name}s"
            ui.label(f"No {what} yet.").classes("text-lg")
            ui.label(
                f"Create one with “Create {kind.name}” (form, YAML or a file), or from a "
                f"terminal: raydeck apply -f my-{kind.name.lower()}.yaml"
            ).classes("text-grey-7")
        empty.visible = False
        return empty

    async def _filter_inputs(self) -> None:
        actor = await self._session.actor()
        namespaces = [n.name for n in await self._session.context.namespaces.list(actor)]
        with ui.row().classes("w-full items-end gap-4"):
            ui.input("Search by name", on_change=self._searched).props(
                "clearable debounce=120 dense outlined"
            ).classes("w-64").mark("search")
            ui.select(
                STATUS_CHOICES.get(self._kind.name, []),
                label="Status",
                multiple=True,
                on_change=lambda e: self._filtered(status=tuple(e.value or ())),
            ).props("dense outlined clearable use-chips").classes("w-56").mark("status-filter")
            if not self._templates_only:
                ui.select(
                    {"all": "All", "instance": "Instances", "template": "Templates"},
                    value="all",
                    label="Type",
                    on_change=lambda e: self._filtered(type=None if e.value == "all" else e.value),
                ).props("dense outlined").classes("w-36").mark("type-filter")
            ui.select(
                {"": "All namespaces", **{n: n for n in namespaces}},
                value="",
                label="Namespace",
                on_change=lambda e: self._filtered(namespace=e.value or None),
            ).props("dense outlined").classes("w-48").mark("namespace-filter")
            ui.input(
                "Ray version", on_change=lambda e: self._filtered(ray_version=e.value or "")
            ).props("clearable debounce=400 dense outlined").classes("w-36")
            ui.input(
                "Creator", on_change=lambda e: self._filtered(creator=(e.value or "").strip())
            ).props("clearable debounce=400 dense outlined").classes("w-36").mark("creator-filter")

    # -- loading --------------------------------------------------------------------------

    def _query(self, rows_per_page: int) -> ListQuery:
        filters = self._filters
        return ListQuery(
            kind=self._kind.name,
            namespace=filters.namespace,
            search=filters.search,
            sort=("-" if self._descending else "") + table_rows.SORT_KEYS.get(self._sort, "name"),
            status=filters.status,
            ray_version=(filters.ray_version,) if filters.ray_version else (),
            creator=(filters.creator,) if filters.creator else (),
            type=filters.type,
            limit=rows_per_page,
            offset=(self._page - 1) * rows_per_page,
        )

    async def refresh(self) -> None:
        table = self._table
        if table is None:
            return
        rows_per_page = table.pagination["rowsPerPage"] if table.pagination else PAGE_SIZE
        try:
            page = await self._manager.list_objects(
                await self._session.actor(), self._query(rows_per_page)
            )
        except RaydeckError as e:
            notify_error(e)
            return
        shown = [row_of(self._kind, obj) for obj in page.items]
        self._known.update((row.key, row) for row in shown)
        table.rows = [dataclasses.asdict(row) for row in shown]
        table.pagination = {**table.pagination, "rowsNumber": page.total, "page": self._page}
        table.update()
        self._show_close_hint(page)
        if self._empty is not None:
            self._empty.visible = page.total == 0 and not self._filters.narrow()
            table.visible = not self._empty.visible

    def _show_close_hint(self, page: ListPage) -> None:
        # Close matches stand in only for a search no name contains: say so, or a typo's
        # results would look like what was asked for.
        if self._close_hint is None:
            return
        self._close_hint.visible = page.close_matches
        if page.close_matches:
            self._close_hint.text = (
                f"No name contains “{self._filters.search.strip()}”; showing names with its "
                "letters in that order."
            )

    async def _on_request(self, e: events.GenericEventArguments) -> None:
        pagination = e.args["pagination"]
        self._sort = pagination.get("sortBy") or "name"
        self._descending = bool(pagination.get("descending"))
        self._page = int(pagination.get("page") or 1)
        if self._table is not None:
            self._table.pagination = {**self._table.pagination, **pagination}
        await self.refresh()

    async def _searched(self, e: events.ValueChangeEventArguments[Any]) -> None:
        await self._filtered(search=e.value or "")

    async def _filtered(self, **changes: Any) -> None:
        self._filters = dataclasses.replace(self._filters, **changes)
        self._page = 1
        await self.refresh()

    def _selected(self, e: events.TableSelectionEventArguments) -> None:
        self._delete_button.set_enabled(bool(e.selection))

    # -- actions --------------------------------------------------------------------------

    def _rows_of(self, shown: list[Any]) -> list[Row]:
        """The rows the browser names (its copies of them, by key), as last read here."""
        return [self._known[r["key"]] for r in shown if r.get("key") in self._known]

    async def _act(self, shown: Any, action: Action) -> None:
        for row in self._rows_of([shown]):
            manager = self._manager
            act = manager.start if action is Action.START else manager.stop
            try:
                await act(await self._session.actor(), row.namespace, row.name)
            except RaydeckError as e:
                notify_error(e)
                return
            ui.notify(f"{self._kind.name} {row.name}: {action} requested", type="positive")
        await self.refresh()

    async def _instantiate(self, shown: Any) -> None:
        for template in self._rows_of([shown]):
            name = f"{template.name}-{datetime.now(UTC).strftime('%H%M%S')}"
            try:
                await self._manager.instantiate(
                    await self._session.actor(),
                    template.namespace,
                    template.name,
                    name=name,
                    suspend=False,
                )
            except RaydeckError as e:
                notify_error(e)
                return
            ui.notify(
                f"Created {self._kind.name} {name} from template {template.name}", type="positive"
            )
        await self.refresh()

    def _confirm_delete_selected(self) -> None:
        if self._table is not None and self._table.selected:
            self._confirm_delete(self._rows_of(self._table.selected))

    def _confirm_delete(self, rows: list[Row]) -> None:
        confirm_delete(self._kind, rows, delete=self._delete)

    async def _delete(self, rows: list[Row]) -> None:
        if not await delete_rows(self._session, self._kind, rows):
            return
        if self._table is not None:
            self._table.selected = []
            self._delete_button.disable()
        await self.refresh()

    async def _create(self) -> None:
        await open_create_dialog(self._session, self._kind, on_created=self.refresh)
