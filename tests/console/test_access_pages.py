"""Who sees what in the console: the login, roles, sessions that end, and the admin pages."""

from __future__ import annotations

import contextlib

from nicegui import ui

from raydeck.resources.kinds import RAYCLUSTER
from raydeck.store.records import ListQuery
from tests.console.conftest import Console
from tests.support.samples import raycluster
from tests.support.waiting import eventually

VIEWER_PASSWORD = "viewer-password-1"


async def add_viewer(console: Console, namespaces: list[str]) -> None:
    await console.context.auth.create_user(
        console.admin,
        {
            "username": "vera",
            "password": VIEWER_PASSWORD,
            "role": "viewer",
            "namespaces": namespaces,
        },
    )


async def test_without_a_session_every_page_shows_the_login(anonymous_console: Console) -> None:
    user = anonymous_console.user
    for path in ("/", "/rayclusters", "/users", "/login"):
        await user.open(path)
        await user.should_see(marker="login")
        await user.should_not_see("RayServices")
    # A cookie that names no session is no better than none.
    user.http_client.cookies.set("raydeck_session", "not-a-session")
    await user.open("/rayclusters")
    await user.should_see(marker="login")


async def test_an_empty_login_is_refused_before_anything_is_sent(
    anonymous_console: Console,
) -> None:
    user = anonymous_console.user
    await user.open("/login")
    user.find(marker="login-submit").click()
    await user.should_see("Give your user name and password.")


async def test_admin_sees_admin_navigation_and_a_viewer_does_not(console: Console) -> None:
    user = console.user
    await user.open("/")
    for label in ("Users", "Namespaces", "Quotas"):
        await user.should_see(label)
    await add_viewer(console, ["default"])
    console.log_out()
    await console.log_in("vera", VIEWER_PASSWORD)
    await user.open("/")
    await user.should_see(marker="user-name")
    await user.should_see("vera")
    for label in ("Users", "Namespaces", "Quotas"):
        await user.should_not_see(label)


async def test_a_viewer_cannot_create_and_sees_why(console: Console) -> None:
    await add_viewer(console, ["default"])
    console.log_out()
    await console.log_in("vera", VIEWER_PASSWORD)
    user = console.user
    await user.open("/rayclusters")
    user.find("Create RayCluster").click()
    await user.should_see("Worker groups")
    user.find(marker="form-name").clear().type("not-allowed")
    user.find("Create and start").click()
    await user.should_see("is a viewer in namespace 'default' and may only read")
    page = await console.manager(RAYCLUSTER).list_objects(console.admin, ListQuery("RayCluster"))
    assert page.total == 0


async def test_a_viewer_sees_only_granted_namespaces(console: Console) -> None:
    await console.context.namespaces.create(console.admin, "team-b")
    manager = console.manager(RAYCLUSTER)
    await manager.create(console.admin, "default", raycluster("mine"))
    await manager.create(console.admin, "team-b", raycluster("theirs"))
    await add_viewer(console, ["default"])
    console.log_out()
    await console.log_in("vera", VIEWER_PASSWORD)
    user = console.user
    await user.open("/rayclusters")
    await user.should_see(marker="rayclusters-table")
    table = next(iter(user.find(marker="rayclusters-table").elements))
    assert isinstance(table, ui.table)

    async def names() -> list[str]:
        return [r["name"] for r in table.rows]

    assert await eventually(names, timeout=5, what="rows") == ["mine"]
    await user.open("/rayclusters/team-b/theirs")
    await user.should_see("does not exist")


async def test_a_revoked_session_stops_working_at_the_next_action(console: Console) -> None:
    user = console.user
    await user.open("/rayclusters")
    user.find("Create RayCluster").click()
    await user.should_see("Worker groups")
    user.find(marker="form-name").clear().type("after-logout")
    for token in await console.context.auth.list_tokens(console.admin):
        if token.kind == "session":
            await console.context.auth.revoke_token(console.admin, token.id)
    # The click, or the list's own refresh if it comes first: either finds the session gone.
    with contextlib.suppress(AssertionError):  # gone already if the refresh came first
        user.find("Create and start").click()
    await user.should_see(marker="login", retries=100)
    page = await console.manager(RAYCLUSTER).list_objects(console.admin, ListQuery("RayCluster"))
    assert page.total == 0
