"""Console pages as a user meets them (NiceGUI's simulated user, in-memory platform)."""

from __future__ import annotations

from nicegui import ui

from raydeck.resources.kinds import RAYCLUSTER, RAYJOB, RAYSERVICE
from raydeck.store.records import ListQuery, StoredObject
from tests.console.conftest import Console
from tests.support.samples import raycluster, rayjob, rayservice
from tests.support.waiting import eventually


async def test_frame_and_empty_lists_say_how_to_begin(console: Console) -> None:
    user = console.user
    await user.open("/")
    await user.should_see("Overview")
    for label in ("RayClusters", "RayJobs", "RayServices", "Templates"):
        await user.should_see(label)
    await user.open("/rayclusters")
    await user.should_see("No RayClusters yet.")
    await user.should_see("Create RayCluster")


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


async def test_create_through_the_form_starts_an_instance(console: Console) -> None:
    user = console.user
    await user.open("/rayclusters")
    user.find("Create RayCluster").click()
    await user.should_see("Worker groups")
    name = user.find(marker="form-name")
    name.clear().type("from-form")
    user.find("Create and start").click()

    async def created() -> StoredObject | None:
        page = await console.context.manager(RAYCLUSTER).list_objects(
            console.admin, ListQuery(kind="RayCluster", search="from-form")
        )
        return page.items[0] if page.items else None

    obj = await eventually(created, timeout=5, what="the cluster to be created")
    assert not obj.is_template
    assert obj.spec["workerGroupSpecs"][0]["groupName"] == "workers"


async def test_yaml_errors_are_shown_at_their_line_and_nothing_is_stored(
    console: Console,
) -> None:
    user = console.user
    await user.open("/rayjobs")
    user.find("Create RayJob").click()
    await user.should_see("Entrypoint")
    user.find("YAML").click()
    editor = user.find(marker="yaml-editor")
    text = next(iter(editor.elements)).value.replace(
        "metadata:\n", "metadata:\n  labels: {a: b}\n", 1
    )
    text = text.replace("ttlSecondsAfterFinished: 0", "ttlSecondsAfterFinished: -5")
    editor.clear().type(text)
    await user.should_see("spec.ttlSecondsAfterFinished: must not be negative")
    user.find("Create and start").click()
    await user.should_see("spec.ttlSecondsAfterFinished: must not be negative")
    page = await console.context.manager(RAYJOB).list_objects(
        console.admin, ListQuery(kind="RayJob")
    )
    assert page.total == 0


async def test_detail_page_tabs_and_disabled_delete_of_a_running_cluster(
    console: Console,
) -> None:
    await console.context.manager(RAYCLUSTER).create(console.admin, "default", raycluster("shown"))
    user = console.user
    await user.open("/rayclusters/default/shown")
    await user.should_see("shown")
    await user.should_see("Pods")
    user.find("Events").click()
    await user.should_see(marker="events")
    events = next(iter(user.find(marker="events").elements))
    assert isinstance(events, ui.table)
    assert [r["reason"] for r in events.rows] == ["StateChanged"]
    user.find("YAML").click()
    await user.should_see("kind: RayCluster")


async def test_templates_page_lists_saved_templates(console: Console) -> None:
    manager = console.context.manager(RAYSERVICE)
    await manager.create(console.admin, "default", rayservice("web"), as_template=True)
    await console.context.manager(RAYJOB).create(console.admin, "default", rayjob("done"))
    user = console.user
    await user.open("/templates")
    await user.should_see(marker="rayservices-table")
    table = next(iter(user.find(marker="rayservices-table").elements))
    assert isinstance(table, ui.table)

    async def rows() -> list[tuple[str, str]]:
        return [(r["name"], r["type"]) for r in table.rows]

    assert await eventually(rows, timeout=5, what="template rows") == [("web", "template")]
    await user.should_see("No templates yet.")  # the RayJob instance is not a template


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
