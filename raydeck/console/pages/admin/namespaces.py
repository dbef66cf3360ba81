"""The namespaces page (platform admins): the namespaces that keep teams apart, made and removed.

The namespace manager checks names and refuses to delete a namespace that still
holds objects; a bad name is shown under the input, by field.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nicegui import ui

from raydeck.console.pages.admin.common import attempt, problems_area
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import notify_error
from raydeck.errors import RaydeckError

_ROW_ACTIONS = """
<q-td :props="props">{{ props.value }}
  <q-btn flat dense round size="sm" icon="delete" title="Delete"
         @click="$parent.$emit('delete', props.row)" />
</q-td>
"""


@dataclass(frozen=True)
class NamespaceRow:
    name: str
    created: str


async def namespaces_page(session: ConsoleSession) -> None:
    ui.label("Namespaces").classes("text-2xl font-medium")
    ui.label(
        "Teams are kept apart by namespace: users see only the namespaces granted to them."
    ).classes("text-grey-7")
    page = NamespacesPage(session)
    page.create_form()
    await page.table()


class NamespacesPage:
    def __init__(self, session: ConsoleSession) -> None:
        self._session = session
        self._manager = session.context.namespaces

    @ui.refreshable_method
    async def table(self) -> None:
        try:
            namespaces = await self._manager.list(await self._session.actor())
        except RaydeckError as e:
            notify_error(e)
            return
        rows = [NamespaceRow(n.name, n.created_at) for n in namespaces]
        grid = ui.table(rows=[dataclasses.asdict(r) for r in rows], row_key="name")
        grid.props("flat bordered").classes("w-full")
        grid.add_slot("body-cell-created", _ROW_ACTIONS)
        grid.on("delete", lambda e: self._delete(e.args["name"]))
        grid.mark("namespaces-table")

    async def _delete(self, name: str) -> None:
        try:
            await self._manager.delete(await self._session.actor(), name)
        except RaydeckError as e:
            notify_error(e)
            return
        ui.notify(f"Namespace {name} deleted", type="positive")
        self.table.refresh()

    def create_form(self) -> None:
        with ui.row().classes("items-start gap-2"):
            name = ui.input("New namespace").props("outlined dense").mark("namespace-name")
            problems = problems_area()

            async def create() -> None:
                async def action() -> None:
                    await self._manager.create(await self._session.actor(), name.value or "")

                if await attempt(problems, action):
                    ui.notify(f"Namespace {name.value} created", type="positive")
                    name.set_value("")
                    self.table.refresh()

            ui.button("Create", icon="add", on_click=create).mark("namespace-create")
