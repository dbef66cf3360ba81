"""The list pages: rows, search and its close matches, and the filters (NiceGUI's simulated user)."""

from __future__ import annotations

from nicegui import ui

from raydeck.resources.kinds import RAYCLUSTER
from raydeck.store.records import ListQuery
from tests.console.conftest import Console
from tests.support.samples import raycluster
from tests.support.waiting import eventually


async def test_list_shows_rows_and_search_narrows_them_to_names_containing_it(
    console: Console,
) -> None:
    manager = console.context.manager(RAYCLUSTER)
    for name in ("alpha", "gamma", "magma"):
        await manager.create(console.admin, "default", raycluster(name))
    user = console.user
    await user.open("/rayclusters")
    await user.should_see(marker="rayclusters-table")
    table = user.find(marker="rayclusters-table").elements.pop()
    assert isinstance(table, ui.table)

    async def names() -> list[str]:
        return sorted(r["name"] for r in table.rows)

    assert await eventually(names, timeout=5, what="rows") == ["alpha", "gamma", "magma"]
    assert {r["status"] for r in table.rows} == {"ready"}
    # "gamma" holds g, m, a in order too, but only "magma" contains "gma".
    user.find(marker="search").type("GMA")

    async def shows(wanted: list[str]) -> bool:
        return await names() == wanted

    await eventually(lambda: shows(["magma"]), timeout=5, what="the search to narrow the rows")
    await user.should_not_see(marker="close-matches")


async def test_a_search_no_name_contains_shows_close_matches_and_says_so(
    console: Console,
) -> None:
    manager = console.context.manager(RAYCLUSTER)
    for name in ("gamma", "magma"):
        await manager.create(console.admin, "default", raycluster(name))
    user = console.user
    await user.open("/rayclusters")
    await user.should_see(marker="rayclusters-table")
    table = user.find(marker="rayclusters-table").elements.pop()
    assert isinstance(table, ui.table)
    user.find(marker="search").type("gaa")

    async def close_rows() -> list[str]:
        return [r["name"] for r in table.rows]

    async def only_gamma() -> bool:
        return await close_rows() == ["gamma"]

    await eventually(only_gamma, timeout=5, what="the close match to be listed")
    await user.should_see("No name contains “gaa”; showing names with its letters in that order.")


async def test_the_creator_filter_keeps_one_users_rows(console: Console) -> None:
    auth = console.context.auth
    await auth.create_user(
        console.admin,
        {
            "username": "cam",
            "password": "password-of-cam",
            "role": "cluster-admin",
            "namespaces": ["default"],
        },
    )
    cam = await auth.authenticate(
        (await auth.login("cam", "password-of-cam", client="test")).secret
    )
    manager = console.context.manager(RAYCLUSTER)
    await manager.create(console.admin, "default", raycluster("by-admin"))
    await manager.create(cam, "default", raycluster("by-cam"))
    user = console.user
    await user.open("/rayclusters")
    await user.should_see(marker="rayclusters-table")
    table = next(iter(user.find(marker="rayclusters-table").elements))
    assert isinstance(table, ui.table)

    async def names() -> list[str]:
        return sorted(r["name"] for r in table.rows)

    assert await eventually(names, timeout=5, what="rows") == ["by-admin", "by-cam"]
    user.find(marker="creator-filter").type("cam")

    async def only_cam() -> bool:
        return await names() == ["by-cam"]

    await eventually(only_cam, timeout=5, what="the creator filter")
    assert table.rows[0]["creator"] == "cam"


async def test_row_actions_follow_the_state_and_batch_delete_keeps_a_running_cluster(
    console: Console,
) -> None:
    manager = console.manager(RAYCLUSTER)
    await manager.create(console.admin, "default", raycluster("running"))
    await manager.create(console.admin, "default", raycluster("saved"), as_template=True)
    user = console.user
    await user.open("/rayclusters")
    await user.should_see(marker="rayclusters-table")
    table = next(iter(user.find(marker="rayclusters-table").elements))
    assert isinstance(table, ui.table)

    async def rows() -> dict[str, dict[str, object]]:
        return {r["name"]: r for r in table.rows}

    shown = await eventually(rows, timeout=5, what="rows")
    refusal = "This RayCluster is running; stop it first, then delete it."
    running = shown["running"]
    assert (running["can_delete"], running["delete_tip"]) == (False, refusal)
    assert (running["can_start"], running["can_stop"]) == (False, True)
    assert (shown["saved"]["can_delete"], shown["saved"]["delete_tip"]) == (True, "Delete")
    keys = [r["key"] for r in table.rows]
    user.find(marker="rayclusters-table").trigger(
        "selection", {"added": True, "rows": list(table.rows), "keys": keys}
    )
    user.find("Delete selected").click()
    await user.should_see("Delete 1 RayCluster(s)?")
    await user.should_see(f"default/running stays: {refusal}")
    user.find(marker="confirm-delete").click()
    await user.should_see("Deleted 1 RayCluster(s)")

    async def names() -> list[str]:
        page = await manager.list_objects(console.admin, ListQuery(kind="RayCluster"))
        return [o.name for o in page.items]

    assert await eventually(names, timeout=5, what="the template to be gone") == ["running"]
