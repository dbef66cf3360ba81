"""The list pages: server-side search, sort, filters and paging, live status, batch delete.

One ``ListView`` per kind. Every change of search, filter, sort or page asks
the manager for exactly one page; a timer asks again every few seconds so
status chips follow what runs without a reload.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from nicegui import events, ui

from raydeck.console.context import ConsoleSession
from raydeck.console.create import open_create_dialog
from raydeck.console.widgets import notify_error, status_color
from raydeck.errors import RaydeckError
from raydeck.managers.objects import ObjectManager
from raydeck.resources.kinds import Kind
from raydeck.resources.meta import age
from raydeck.resources.quantity import format_bytes, format_cpu
from raydeck.resources.summary import summarize
from raydeck.store.records import ListPage, ListQuery, StoredObject

PAGE_SIZE = 20
REFRESH_SECONDS = 3.0
#: Table column -> the API's sort key.
SORT_KEYS = {
    "name": "name",
    "status": "status",
    "rayVersion": "rayVersion",
    "cpu": "cpu",
    "memory": "memory",
    "gpu": "gpu",
    "creator": "creator",
    "age": "created",
}
STATUS_CHOICES = {
    "RayCluster": ["ready", "suspended", "pending"],
    "RayJob": ["running", "complete", "failed", "suspended", "initializing", "succeeded"],
    "RayService": ["ready", "upgrading", "initializing", "unavailable", "suspended"],
}
COLUMNS: list[dict[str, Any]] = [
    {"name": "name", "label": "Name", "field": "name", "sortable": True, "align": "left"},
    {"name": "namespace", "label": "Namespace", "field": "namespace", "align": "left"},
    {"name": "type", "label": "Type", "field": "type", "align": "left"},
    {"name": "status", "label": "Status", "field": "status", "sortable": True, "align": "left"},
    {"name": "rayVersion", "label": "Ray", "field": "rayVersion", "sortable": True},
    {"name": "cpu", "label": "CPU", "field": "cpu", "sortable": True},
    {"name": "memory", "label": "Memory", "field": "memory", "sortable": True},
    {"name": "gpu", "label": "GPU", "field": "gpu", "sortable": True},
    {"name": "creator", "label": "Creator", "field": "creator", "sortable": True},
    {"name": "age", "label": "Age", "field": "age", "sortable": True},
    {"name": "actions", "label": "", "field": "key", "align": "right"},
]
_NAME_CELL = """
<q-td :props="props">
  <a class="text-primary cursor-pointer" @click="$parent.$emit('open', props.row)">{{ props.value }}</a>
</q-td>
"""
_STATUS_CELL = """
<q-td :props="props">
  <q-badge :color="props.row.color" :label="props.value" />
</q-td>
"""
_ACTIONS_CELL = """
<q-td :props="props" auto-width>
  <q-btn v-if="props.row.type === 'instance'" flat dense round size="sm" icon="play_arrow"
         :disable="!props.row.canStart" title="Start" @click="$parent.$emit('start', props.row)" />
  <q-btn v-if="props.row.type === 'instance'" flat dense round size="sm" icon="stop"
         :disable="!props.row.canStop" title="Stop" @click="$parent.$emit('stop', props.row)" />
  <q-btn v-if="props.row.type === 'template'" flat dense round size="sm" icon="rocket_launch"
         title="Create and start an instance" @click="$parent.$emit('instantiate', props.row)" />
  <q-btn flat dense round size="sm" icon="delete" title="Delete"
         @click="$parent.$emit('delete', props.row)" />
  <q-btn flat dense round size="sm" icon="open_in_new" title="Open"
         @click="$parent.$emit('open', props.row)" />
</q-td>
"""


async def list_page(session: ConsoleSession, kind: Kind, *, templates_only: bool = False) -> None:
    view = ListView(session, kind, templates_only=templates_only)
    await view.build()


class ListView:
    def __init__(self, session: ConsoleSession, kind: Kind, *, templates_only: bool) -> None:
        self._session = session
        self._kind = kind
        self._templates_only = templates_only
        self._search = ""
        self._status: list[str] = []
        self._type: str | None = "template" if templates_only else None
        self._namespace: str | None = None
        self._ray_version = ""
        self._creator = ""
        self._sort = "name"
        self._descending = False
        self._page = 1
        self._total = 0
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
        await self._filters()
        self._close_hint = ui.label().classes("text-grey-7").mark("close-matches")
        self._close_hint.visible = False
        self._table = ui.table(
            columns=COLUMNS,
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
        self._table.props("flat bordered :rows-per-page-options='[10,20,50,100]'")
        self._table.add_slot("body-cell-name", _NAME_CELL)
        self._table.add_slot("body-cell-status", _STATUS_CELL)
        self._table.add_slot("body-cell-actions", _ACTIONS_CELL)
        self._table.on("request", self._on_request)
        self._table.on("open", lambda e: ui.navigate.to(e.args["href"]))
        self._table.on("start", lambda e: self._act(e.args, "start"))
        self._table.on("stop", lambda e: self._act(e.args, "stop"))
        self._table.on("delete", lambda e: self._confirm_delete([e.args]))
        self._table.on("instantiate", lambda e: self._instantiate(e.args))
        self._table.mark(f"{kind.plural}-table")
        with ui.column().classes("w-full items-center py-8") as self._empty:
            ui.icon("inbox").classes("text-5xl text-grey-5")
            what = "templates" if self._templates_only else f"{kind.name}s"
            ui.label(f"No {what} yet.").classes("text-lg")
            ui.label(
                f"Create one with “Create {kind.name}” (form, YAML or a file), or from a "
                f"terminal: raydeck apply -f my-{kind.name.lower()}.yaml"
            ).classes("text-grey-7")
        self._empty.visible = False
        await self.refresh()
        ui.timer(REFRESH_SECONDS, self.refresh)

    async def _filters(self) -> None:
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
                on_change=lambda e: self._filtered(status=list(e.value or [])),
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

    async def refresh(self) -> None:
        table = self._table
        if table is None:
            return
        query = ListQuery(
            kind=self._kind.name,
            namespace=self._namespace,
            search=self._search,
            sort=("-" if self._descending else "") + SORT_KEYS.get(self._sort, "name"),
            status=tuple(self._status),
            ray_version=(self._ray_version,) if self._ray_version else (),
            creator=(self._creator,) if self._creator else (),
            type=self._type,  # type: ignore[arg-type]
            limit=PAGE_SIZE if not table.pagination else table.pagination["rowsPerPage"],
            offset=(self._page - 1) * table.pagination["rowsPerPage"],
        )
        try:
            page = await self._manager.list_objects(await self._session.actor(), query)
        except RaydeckError as e:
            notify_error(e)
            return
        self._total = page.total
        table.rows = [self._row(obj) for obj in page.items]
        table.pagination = {**table.pagination, "rowsNumber": page.total, "page": self._page}
        table.update()
        self._show_close_hint(page)
        if self._empty is not None:
            unfiltered = not (
                self._search
                or self._status
                or self._namespace
                or self._ray_version
                or self._creator
            )
            self._empty.visible = page.total == 0 and unfiltered
            table.visible = not self._empty.visible

    def _show_close_hint(self, page: ListPage) -> None:
        # Close matches stand in only for a search no name contains: say so, or a typo's
        # results would look like what was asked for.
        if self._close_hint is None:
            return
        self._close_hint.visible = page.close_matches
        if page.close_matches:
            self._close_hint.text = (
                f"No name contains “{self._search.strip()}”; showing names with its "
                "letters in that order."
            )

    def _row(self, obj: StoredObject) -> dict[str, Any]:
        summary = summarize(obj.kind, obj.body, obj.status)
        totals = summary.totals
        state = summary.state or "pending"
        suspended = bool(obj.spec.get("suspend"))
        return {
            "key": f"{obj.namespace}/{obj.name}",
            "name": obj.name,
            "namespace": obj.namespace,
            "type": "template" if obj.is_template else "instance",
            "status": "-" if obj.is_template else state,
            "color": status_color(state),
            "rayVersion": summary.ray_version or "-",
            "cpu": format_cpu(totals.cpu_millis) if totals.cpu_millis else "-",
            "memory": format_bytes(totals.memory_bytes) if totals.memory_bytes else "-",
            "gpu": str(totals.gpu) if totals.gpu else "-",
            "creator": obj.creator or "-",
            "age": age(obj.created_at),
            "href": f"/{self._kind.plural}/{obj.namespace}/{obj.name}",
            "canStart": suspended or self._kind.name == "RayJob",
            "canStop": not suspended,
        }

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
        for name, value in changes.items():
            setattr(self, f"_{name}", value)
        self._page = 1
        await self.refresh()

    def _selected(self, e: events.TableSelectionEventArguments) -> None:
        self._delete_button.set_enabled(bool(e.selection))

    # -- actions --------------------------------------------------------------------------

    async def _act(self, row: dict[str, Any], action: str) -> None:
        try:
            actor = await self._session.actor()
            await getattr(self._manager, action)(actor, row["namespace"], row["name"])
        except RaydeckError as e:
            notify_error(e)
            return
        ui.notify(f"{self._kind.name} {row['name']}: {action} requested", type="positive")
        await self.refresh()

    async def _instantiate(self, row: dict[str, Any]) -> None:
        name = f"{row['name']}-{datetime.now(UTC).strftime('%H%M%S')}"
        try:
            await self._manager.instantiate(
                await self._session.actor(), row["namespace"], row["name"], name=name, suspend=False
            )
        except RaydeckError as e:
            notify_error(e)
            return
        ui.notify(f"Created {self._kind.name} {name} from template {row['name']}", type="positive")
        await self.refresh()

    def _confirm_delete_selected(self) -> None:
        if self._table is not None and self._table.selected:
            self._confirm_delete(list(self._table.selected))

    def _confirm_delete(self, rows: list[dict[str, Any]]) -> None:
        names = [r["key"] for r in rows]
        with ui.dialog() as dialog, ui.card().classes("min-w-96"):
            ui.label(f"Delete {len(names)} {self._kind.name}(s)?").classes("text-lg font-medium")
            ui.label(", ".join(names)).classes("text-grey-8 break-all")
            ui.label("This cannot be undone.").classes("text-grey-7")
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button(
                    "Delete", color="negative", on_click=lambda: self._delete(rows, dialog)
                ).mark("confirm-delete")
        dialog.open()

    async def _delete(self, rows: list[dict[str, Any]], dialog: ui.dialog) -> None:
        dialog.close()
        by_namespace: dict[str, list[str]] = defaultdict(list)
        for row in rows:
            by_namespace[row["namespace"]].append(row["name"])
        failed = []
        try:
            actor = await self._session.actor()
            for namespace, names in by_namespace.items():
                for outcome in await self._manager.delete_many(actor, namespace, names):
                    if not outcome.deleted:
                        failed.append(f"{outcome.name}: {outcome.message}")
        except RaydeckError as e:
            notify_error(e)
            return
        deleted = len(rows) - len(failed)
        if deleted:
            ui.notify(f"Deleted {deleted} {self._kind.name}(s)", type="positive")
        for message in failed:
            ui.notify(message, type="negative", multi_line=True, timeout=8000)
        if self._table is not None:
            self._table.selected = []
            self._delete_button.disable()
        await self.refresh()

    async def _create(self) -> None:
        await open_create_dialog(self._session, self._kind, on_created=self.refresh)
