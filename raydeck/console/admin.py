"""Pages for platform admins: users, namespaces, and quotas with their admission queues.

The managers decide who may do what; these pages are only shown to platform
admins, and any refusal the managers still make is shown as the error it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import ui

from raydeck.console.context import ConsoleSession
from raydeck.console.widgets import error_lines, notify_error
from raydeck.errors import RaydeckError
from raydeck.managers.access import ROLES

ROLE_HELP = {
    "platform-admin": "everything, in every namespace, including users and quotas",
    "cluster-admin": "create, change, start, stop and delete in the namespaces granted",
    "viewer": "read only, in the namespaces granted",
}


def _problems_area() -> ui.column:
    return ui.column().classes("gap-1")


def _show_problems(area: ui.column, error: RaydeckError) -> None:
    area.clear()
    with area:
        for line in error_lines(error):
            ui.label(line).classes("text-negative text-sm")


async def _attempt(area: ui.column, action: Callable[[], Awaitable[Any]]) -> bool:
    """Run ``action``; show its error under the form instead of a notice when it fails."""
    area.clear()
    try:
        await action()
    except RaydeckError as e:
        _show_problems(area, e)
        return False
    return True


async def _namespace_names(session: ConsoleSession) -> list[str]:
    namespaces = await session.context.namespaces.list(await session.actor())
    return [n.name for n in namespaces]


# -- users ------------------------------------------------------------------------------------


async def users_page(session: ConsoleSession) -> None:
    auth = session.context.auth
    with ui.row().classes("w-full items-center justify-between"):
        ui.label("Users").classes("text-2xl font-medium")
        ui.button(
            "Add user",
            icon="person_add",
            on_click=lambda: _user_dialog(session, None, on_done=table.refresh),
        ).mark("add-user")

    @ui.refreshable
    async def table() -> None:
        try:
            users = await auth.list_users(await session.actor())
        except RaydeckError as e:
            notify_error(e)
            return
        rows = [
            {
                "username": u.username,
                "role": u.role,
                "namespaces": ", ".join(u.namespaces) or "-",
                "created": u.created_at,
            }
            for u in users
        ]
        grid = ui.table(rows=rows, row_key="username").props("flat bordered").classes("w-full")
        grid.add_slot(
            "body-cell-created",
            """
            <q-td :props="props">{{ props.value }}
              <q-btn flat dense round size="sm" icon="edit" title="Change"
                     @click="$parent.$emit('edit', props.row)" />
              <q-btn flat dense round size="sm" icon="delete" title="Delete"
                     @click="$parent.$emit('delete', props.row)" />
            </q-td>
            """,
        )
        grid.on("edit", lambda e: _user_dialog(session, e.args, on_done=table.refresh))
        grid.on("delete", lambda e: _delete_user(session, e.args["username"], table.refresh))
        grid.mark("users-table")

    await table()


async def _user_dialog(
    session: ConsoleSession,
    row: dict[str, Any] | None,
    *,
    on_done: Callable[[], Any],
) -> None:
    """Create a user (``row`` None) or change one's role, namespaces or password."""
    namespaces = await _namespace_names(session)
    creating = row is None
    shown = row or {"username": "", "role": "viewer", "namespaces": "-"}
    with ui.dialog() as dialog, ui.card().classes("w-[32rem] gap-3"):
        title = "Add user" if creating else f"Change user {shown['username']}"
        ui.label(title).classes("text-lg font-medium")
        username = ui.input("User name", value=shown["username"])
        username.props("outlined").classes("w-full").mark("user-username")
        username.set_enabled(creating)
        password = (
            ui.input(
                "Password" if creating else "New password (leave empty to keep)",
                password=True,
                password_toggle_button=True,
            )
            .props("outlined")
            .classes("w-full")
            .mark("user-password")
        )
        role = (
            ui.select(
                {r: f"{r}: {ROLE_HELP[r]}" for r in ROLES},
                value=shown["role"],
                label="Role",
            )
            .props("outlined")
            .classes("w-full")
            .mark("user-role")
        )
        current = [n for n in shown["namespaces"].split(", ") if n != "-"]
        granted = (
            ui.select(namespaces, value=current, multiple=True, label="Namespaces granted")
            .props("outlined use-chips")
            .classes("w-full")
            .mark("user-namespaces")
        )
        problems = _problems_area()

        async def save() -> None:
            auth = session.context.auth
            body: dict[str, Any] = {"role": role.value, "namespaces": list(granted.value or [])}
            if creating:
                body |= {"username": username.value, "password": password.value}

                async def action() -> Any:
                    return await auth.create_user(await session.actor(), body)
            else:
                if password.value:
                    body["password"] = password.value

                async def action() -> Any:
                    return await auth.update_user(await session.actor(), username.value, body)

            if await _attempt(problems, action):
                dialog.close()
                ui.notify(f"User {username.value} saved", type="positive")
                await _maybe_await(on_done())

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Save", on_click=save).mark("user-save")
    dialog.open()


async def _delete_user(session: ConsoleSession, username: str, done: Callable[[], Any]) -> None:
    with ui.dialog() as dialog, ui.card():
        ui.label(f"Delete user {username}? Their tokens stop working at once.")
        problems = _problems_area()

        async def delete() -> None:
            async def action() -> None:
                await session.context.auth.delete_user(await session.actor(), username)

            if await _attempt(problems, action):
                dialog.close()
                ui.notify(f"User {username} deleted", type="positive")
                await _maybe_await(done())

        with ui.row().classes("w-full justify-end"):
            ui.button("Cancel", on_click=dialog.close).props("flat")
            ui.button("Delete", color="negative", on_click=delete).mark("confirm-delete")
    dialog.open()


async def _maybe_await(value: Any) -> None:
    if isinstance(value, Awaitable):
        await value


# -- namespaces -------------------------------------------------------------------------------


async def namespaces_page(session: ConsoleSession) -> None:
    manager = session.context.namespaces
    ui.label("Namespaces").classes("text-2xl font-medium")
    ui.label(
        "Teams are kept apart by namespace: users see only the namespaces granted to them."
    ).classes("text-grey-7")

    @ui.refreshable
    async def table() -> None:
        try:
            namespaces = await manager.list(await session.actor())
        except RaydeckError as e:
            notify_error(e)
            return
        rows = [{"name": n.name, "created": n.created_at} for n in namespaces]
        grid = ui.table(rows=rows, row_key="name").props("flat bordered").classes("w-full")
        grid.add_slot(
            "body-cell-created",
            """
            <q-td :props="props">{{ props.value }}
              <q-btn flat dense round size="sm" icon="delete" title="Delete"
                     @click="$parent.$emit('delete', props.row)" />
            </q-td>
            """,
        )
        grid.on("delete", lambda e: delete(e.args["name"]))
        grid.mark("namespaces-table")

    async def delete(name: str) -> None:
        try:
            await manager.delete(await session.actor(), name)
        except RaydeckError as e:
            notify_error(e)
            return
        ui.notify(f"Namespace {name} deleted", type="positive")
        table.refresh()

    with ui.row().classes("items-start gap-2"):
        name = ui.input("New namespace").props("outlined dense").mark("namespace-name")
        problems = _problems_area()

        async def create() -> None:
            async def action() -> None:
                await manager.create(await session.actor(), name.value or "")

            if await _attempt(problems, action):
                ui.notify(f"Namespace {name.value} created", type="positive")
                name.set_value("")
                table.refresh()

        ui.button("Create", icon="add", on_click=create).mark("namespace-create")
    await table()


# -- quotas -----------------------------------------------------------------------------------


async def quotas_page(session: ConsoleSession) -> None:
    quotas = session.context.quotas
    ui.label("Quotas").classes("text-2xl font-medium")
    ui.label(
        "A RayCluster, RayJob or RayService whose start would pass its namespace's quota waits "
        "in the admission queue (by the raydeck.io/priority label, then by age) and starts when "
        "capacity frees. Leave a field empty for no limit."
    ).classes("text-grey-7")
    names = await _namespace_names(session)
    chosen = ui.select(names, value=names[0] if names else None, label="Namespace")
    chosen.props("outlined dense").classes("w-64").mark("quota-namespace")
    body = ui.column().classes("w-full gap-3")

    async def show() -> None:
        body.clear()
        namespace = chosen.value
        if not namespace:
            return
        try:
            actor = await session.actor()
            quota = await quotas.get(actor, namespace)
            queue = await quotas.queue(actor, namespace)
        except RaydeckError as e:
            notify_error(e)
            return
        hard, used = quota.hard.to_wire(), quota.used.to_wire()
        with body:
            inputs: dict[str, ui.input] = {}
            with ui.row().classes("items-start gap-4"):
                for field, label in (
                    ("cpu", "CPU"),
                    ("memory", "Memory"),
                    ("gpu", "GPU"),
                    ("clusters", "Running clusters"),
                    ("nodes", "Nodes"),
                    ("nodesPerCluster", "Nodes per cluster"),
                ):
                    value = hard.get(field)
                    inputs[field] = (
                        ui.input(label, value="" if value is None else str(value))
                        .props(f'outlined dense hint="in use: {used.get(field, "-")}"')
                        .classes("w-40")
                        .mark(f"quota-{field}")
                    )
            problems = _problems_area()

            async def save() -> None:
                wanted: dict[str, Any] = {}
                for field, box in inputs.items():
                    text = (box.value or "").strip()
                    if not text:
                        wanted[field] = None
                    elif (
                        field in ("gpu", "clusters", "nodes", "nodesPerCluster") and text.isdigit()
                    ):
                        wanted[field] = int(text)
                    else:
                        wanted[field] = text

                async def action() -> None:
                    await quotas.put(await session.actor(), namespace, wanted)

                if await _attempt(problems, action):
                    ui.notify(f"Quota of {namespace} saved", type="positive")
                    await show()

            ui.button("Save quota", icon="save", on_click=save).mark("quota-save")
            ui.label("Admission queue").classes("text-lg font-medium mt-4")
            if not queue:
                ui.label("Nothing waits in this namespace.").classes("text-grey-7")
            else:
                ui.table(
                    rows=[
                        {
                            "position": q.position,
                            "kind": q.kind,
                            "name": q.name,
                            "priority": q.priority,
                            "reason": q.reason,
                            "since": q.created_at,
                        }
                        for q in queue
                    ],
                    row_key="name",
                ).props("flat bordered dense").classes("w-full").mark("queue-table")

    chosen.on_value_change(show)
    await show()
