"""The users page (platform admins): who may log in, with which role, in which namespaces.

Adding, changing (role, namespaces, password) and deleting a user go through the
auth manager, which checks the password rules and that admins keep their own role;
its refusals are shown under the dialog's form.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import ui

from raydeck.console.pages.admin.common import attempt, namespace_names, problems_area
from raydeck.console.session import ConsoleSession
from raydeck.console.widgets import notify_error
from raydeck.errors import RaydeckError
from raydeck.managers.access import ROLES
from raydeck.store.accounts import UserRecord

ROLE_HELP = {
    "platform-admin": "everything, in every namespace, including users and quotas",
    "cluster-admin": "create, change, start, stop and delete in the namespaces granted",
    "viewer": "read only, in the namespaces granted",
}
_ROW_ACTIONS = """
<q-td :props="props">{{ props.value }}
  <q-btn flat dense round size="sm" icon="edit" title="Change"
         @click="$parent.$emit('edit', props.row)" />
  <q-btn flat dense round size="sm" icon="delete" title="Delete"
         @click="$parent.$emit('delete', props.row)" />
</q-td>
"""


@dataclass(frozen=True)
class UserRow:
    username: str
    role: str
    namespaces: str
    created: str

    @classmethod
    def of(cls, user: UserRecord) -> UserRow:
        return cls(user.username, user.role, ", ".join(user.namespaces) or "-", user.created_at)


async def users_page(session: ConsoleSession) -> None:
    page = UsersPage(session)
    with ui.row().classes("w-full items-center justify-between"):
        ui.label("Users").classes("text-2xl font-medium")
        ui.button("Add user", icon="person_add", on_click=lambda: page.edit(None)).mark("add-user")
    await page.table()


class UsersPage:
    def __init__(self, session: ConsoleSession) -> None:
        self._session = session
        self._users: dict[str, UserRecord] = {}

    @ui.refreshable_method
    async def table(self) -> None:
        try:
            users = await self._session.context.auth.list_users(await self._session.actor())
        except RaydeckError as e:
            notify_error(e)
            return
        self._users = {u.username: u for u in users}
        rows = [dataclasses.asdict(UserRow.of(u)) for u in users]
        grid = ui.table(rows=rows, row_key="username").props("flat bordered").classes("w-full")
        grid.add_slot("body-cell-created", _ROW_ACTIONS)
        grid.on("edit", lambda e: self._edit_named(e.args["username"]))
        grid.on("delete", lambda e: self._confirm_delete(e.args["username"]))
        grid.mark("users-table")

    async def edit(self, user: UserRecord | None) -> None:
        """Create a user (``user`` None) or change one's role, namespaces or password."""
        dialog = UserDialog(self._session, user, on_saved=self.table.refresh)
        await dialog.open()

    async def _edit_named(self, username: str) -> None:
        if username in self._users:  # else deleted meanwhile: nothing to change
            await self.edit(self._users[username])

    def _confirm_delete(self, username: str) -> None:
        with ui.dialog() as dialog, ui.card():
            ui.label(f"Delete user {username}? Their tokens stop working at once.")
            problems = problems_area()

            async def delete() -> None:
                async def action() -> None:
                    await self._session.context.auth.delete_user(
                        await self._session.actor(), username
                    )

                if await attempt(problems, action):
                    dialog.close()
                    ui.notify(f"User {username} deleted", type="positive")
                    await self.table.refresh()

            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=dialog.close).props("flat")
                ui.button("Delete", color="negative", on_click=delete).mark("confirm-delete")
        dialog.open()


class UserDialog:
    """The form of one user: a new one (``user`` None), or an existing one to change."""

    def __init__(
        self,
        session: ConsoleSession,
        user: UserRecord | None,
        *,
        on_saved: Callable[[], Awaitable[object]],
    ) -> None:
        self._session = session
        self._user = user
        self._on_saved = on_saved

    async def open(self) -> None:
        namespaces = await namespace_names(self._session)
        user = self._user
        with ui.dialog() as self._dialog, ui.card().classes("w-[32rem] gap-3"):
            title = "Add user" if user is None else f"Change user {user.username}"
            ui.label(title).classes("text-lg font-medium")
            self._username = ui.input("User name", value=user.username if user else "")
            self._username.props("outlined").classes("w-full").mark("user-username")
            self._username.set_enabled(user is None)
            self._password = (
                ui.input(
                    "Password" if user is None else "New password (leave empty to keep)",
                    password=True,
                    password_toggle_button=True,
                )
                .props("outlined")
                .classes("w-full")
                .mark("user-password")
            )
            self._fields(namespaces)
            self._problems = problems_area()
            with ui.row().classes("w-full justify-end"):
                ui.button("Cancel", on_click=self._dialog.close).props("flat")
                ui.button("Save", on_click=self._save).mark("user-save")
        self._dialog.open()

    def _fields(self, namespaces: list[str]) -> None:
        user = self._user
        self._role = (
            ui.select(
                {r: f"{r}: {ROLE_HELP[r]}" for r in ROLES},
                value=user.role if user else "viewer",
                label="Role",
            )
            .props("outlined")
            .classes("w-full")
            .mark("user-role")
        )
        self._granted = (
            ui.select(
                namespaces,
                value=list(user.namespaces) if user else [],
                multiple=True,
                label="Namespaces granted",
            )
            .props("outlined use-chips")
            .classes("w-full")
            .mark("user-namespaces")
        )

    async def _save(self) -> None:
        auth = self._session.context.auth
        username = self._username.value
        body: dict[str, str | list[str]] = {
            "role": self._role.value,
            "namespaces": list(self._granted.value or []),
        }
        if self._user is None or self._password.value:
            body["password"] = self._password.value

        async def action() -> UserRecord:
            actor = await self._session.actor()
            if self._user is None:
                return await auth.create_user(actor, {**body, "username": username})
            return await auth.update_user(actor, username, body)

        if await attempt(self._problems, action):
            self._dialog.close()
            ui.notify(f"User {username} saved", type="positive")
            await self._on_saved()
