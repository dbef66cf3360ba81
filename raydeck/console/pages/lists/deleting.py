"""Deleting from a list page: one row or every selected row, after asking.

The dialog names what will be deleted and, apart, what cannot be deleted now and
why (``resources.actions``, as the rows show it); only the former are sent. The
manager decides each one again, and whatever it still refuses is reported by name.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence

from nicegui import ui

from raydeck.console.pages.lists.rows import Row
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import notify_error
from raydeck.errors import RaydeckError
from raydeck.resources.kinds import Kind


def confirm_delete(
    kind: Kind, rows: Sequence[Row], *, delete: Callable[[list[Row]], Awaitable[None]]
) -> None:
    wanted = [r for r in rows if r.can_delete]
    kept = [r for r in rows if not r.can_delete]
    with ui.dialog() as dialog, ui.card().classes("min-w-96"):
        if wanted:
            ui.label(f"Delete {len(wanted)} {kind.name}(s)?").classes("text-lg font-medium")
            ui.label(", ".join(r.key for r in wanted)).classes("text-grey-8 break-all")
            ui.label("This cannot be undone.").classes("text-grey-7")
        else:
            ui.label("None of these can be deleted now.").classes("text-lg font-medium")
        for row in kept:
            ui.label(f"{row.key} stays: {row.delete_tip}").classes("text-grey-8 text-sm")

        async def confirmed() -> None:
            dialog.close()
            await delete(wanted)

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            button = ui.button("Delete", color="negative", on_click=confirmed)
            button.mark("confirm-delete").set_enabled(bool(wanted))
    dialog.open()


async def delete_rows(session: ConsoleSession, kind: Kind, rows: Sequence[Row]) -> bool:
    """Delete ``rows``, a namespace at a time, and say how many went and which did not;
    ``False`` when the manager refused the whole request."""
    by_namespace: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        by_namespace[row.namespace].append(row.name)
    failed = []
    try:
        actor = await session.actor()
        for namespace, names in by_namespace.items():
            for outcome in await session.manager(kind).delete_many(actor, namespace, names):
                if not outcome.deleted:
                    failed.append(f"{outcome.name}: {outcome.message}")
    except RaydeckError as e:
        notify_error(e)
        return False
    deleted = len(rows) - len(failed)
    if deleted:
        ui.notify(f"Deleted {deleted} {kind.name}(s)", type="positive")
    for message in failed:
        ui.notify(message, type="negative", multi_line=True, timeout=8000)
    return True
