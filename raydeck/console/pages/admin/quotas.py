"""The quotas page (platform admins): a namespace's limits, what is in use, and its admission queue.

The quota manager parses and checks the limits; a field it refuses is named under
the form. Below it, what waits to start in the namespace, in the order it will be
tried (raydeck's queue, or Kueue's on Kubernetes).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from nicegui import ui

from raydeck.console.pages.admin.common import attempt, namespace_names, problems_area
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import notify_error
from raydeck.errors import RaydeckError

#: (field of the quota, label)
FIELDS = (
    ("cpu", "CPU"),
    ("memory", "Memory"),
    ("gpu", "GPU"),
    ("clusters", "Running clusters"),
    ("nodes", "Nodes"),
    ("nodesPerCluster", "Nodes per cluster"),
)
#: Fields that count; any other is a quantity ("4", "500m", "16Gi").
COUNTS = ("gpu", "clusters", "nodes", "nodesPerCluster")


@dataclass(frozen=True)
class QueueRow:
    position: int
    kind: str
    name: str
    priority: int
    reason: str
    since: str


async def quotas_page(session: ConsoleSession) -> None:
    ui.label("Quotas").classes("text-2xl font-medium")
    ui.label(
        "A RayCluster, RayJob or RayService whose start would pass its namespace's quota waits "
        "in the admission queue (by the raydeck.io/priority label, then by age) and starts when "
        "capacity frees. Leave a field empty for no limit."
    ).classes("text-grey-7")
    names = await namespace_names(session)
    chosen = ui.select(names, value=names[0] if names else None, label="Namespace")
    chosen.props("outlined dense").classes("w-64").mark("quota-namespace")
    page = QuotaView(session, ui.column().classes("w-full gap-3"))

    async def show() -> None:
        await page.show(chosen.value)

    chosen.on_value_change(show)
    await show()


def wanted_limits(texts: dict[str, str]) -> dict[str, str | int | None]:
    """The quota as typed: empty is no limit, a count in digits a number, else the text."""
    wanted: dict[str, str | int | None] = {}
    for field, text in texts.items():
        text = text.strip()
        if not text:
            wanted[field] = None
        elif field in COUNTS and text.isdigit():
            wanted[field] = int(text)
        else:
            wanted[field] = text
    return wanted


class QuotaView:
    """One namespace's quota form and queue, redrawn when the namespace changes or is saved."""

    def __init__(self, session: ConsoleSession, body: ui.column) -> None:
        self._session = session
        self._body = body

    async def show(self, namespace: str | None) -> None:
        self._body.clear()
        if not namespace:
            return
        quotas = self._session.context.quotas
        try:
            actor = await self._session.actor()
            quota = await quotas.get(actor, namespace)
            queue = await quotas.queue(actor, namespace)
        except RaydeckError as e:
            notify_error(e)
            return
        hard, used = quota.hard.to_wire(), quota.used.to_wire()
        limits = {f: "" if hard.get(f) is None else str(hard[f]) for f, _ in FIELDS}
        in_use = {f: str(used.get(f, "-")) for f, _ in FIELDS}
        rows = [
            QueueRow(q.position, q.kind, q.name, q.priority, q.reason, q.created_at) for q in queue
        ]
        with self._body:
            self._form(namespace, limits, in_use)
            self._queue(rows)

    def _form(self, namespace: str, limits: dict[str, str], in_use: dict[str, str]) -> None:
        inputs: dict[str, ui.input] = {}
        with ui.row().classes("items-start gap-4"):
            for field, label in FIELDS:
                inputs[field] = (
                    ui.input(label, value=limits[field])
                    .props(f'outlined dense hint="in use: {in_use[field]}"')
                    .classes("w-40")
                    .mark(f"quota-{field}")
                )
        problems = problems_area()

        async def save() -> None:
            wanted = wanted_limits({f: box.value or "" for f, box in inputs.items()})

            async def action() -> None:
                await self._session.context.quotas.put(
                    await self._session.actor(), namespace, wanted
                )

            if await attempt(problems, action):
                ui.notify(f"Quota of {namespace} saved", type="positive")
                await self.show(namespace)

        ui.button("Save quota", icon="save", on_click=save).mark("quota-save")

    def _queue(self, rows: list[QueueRow]) -> None:
        ui.label("Admission queue").classes("text-lg font-medium mt-4")
        if not rows:
            ui.label("Nothing waits in this namespace.").classes("text-grey-7")
            return
        ui.table(rows=[dataclasses.asdict(r) for r in rows], row_key="name").props(
            "flat bordered dense"
        ).classes("w-full").mark("queue-table")
