"""The platform admin's pages: users, namespaces, quotas, and the overview's charts."""

from __future__ import annotations

from nicegui import ui

from tests.console.conftest import Console


async def test_admin_adds_a_user_through_the_dialog(console: Console) -> None:
    user = console.user
    await user.open("/users")
    await user.should_see(marker="users-table")
    user.find(marker="add-user").click()
    await user.should_see(marker="user-username")
    user.find(marker="user-username").type("carla")
    user.find(marker="user-password").type("short")
    user.find(marker="user-save").click()
    await user.should_see("password: must have at least")  # the manager's words, under the form
    user.find(marker="user-password").clear().type("a-long-enough-password")
    user.find(marker="user-save").click()
    await user.should_see("User carla saved")
    created = await console.context.auth.get_user(console.admin, "carla")
    assert created.role == "viewer"


async def test_admin_creates_a_namespace_and_a_bad_name_names_the_field(console: Console) -> None:
    user = console.user
    await user.open("/namespaces")
    await user.should_see(marker="namespaces-table")
    user.find(marker="namespace-name").type("Bad_Name")
    user.find(marker="namespace-create").click()
    await user.should_see("metadata.name")
    user.find(marker="namespace-name").clear().type("team-c")
    user.find(marker="namespace-create").click()
    await user.should_see("Namespace team-c created")
    names = [n.name for n in await console.context.namespaces.list(console.admin)]
    assert "team-c" in names


async def test_quota_form_saves_and_refuses_nonsense_by_field(console: Console) -> None:
    user = console.user
    await user.open("/quotas")
    await user.should_see(marker="quota-cpu")
    user.find(marker="quota-cpu").type("lots")
    user.find(marker="quota-save").click()
    await user.should_see("cpu")
    assert (await console.context.quotas.get(console.admin, "default")).hard.cpu is None
    user.find(marker="quota-cpu").clear().type("4")
    user.find(marker="quota-clusters").clear().type("2")
    user.find(marker="quota-save").click()
    await user.should_see("Quota of default saved")
    hard = (await console.context.quotas.get(console.admin, "default")).hard
    assert (hard.cpu, hard.clusters) == ("4", 2)
    await user.should_see("Nothing waits in this namespace.")


async def test_overview_draws_three_charts_and_switches_range(console: Console) -> None:
    user = console.user
    await user.open("/")
    await user.should_see(marker="count-rayclusters")
    charts = [e for e in user.find(marker="chart").elements if isinstance(e, ui.echart)]
    titles = sorted(c.options["title"]["text"] for c in charts)
    assert titles == ["CPU (cores)", "GPU", "Memory (GiB)"]
    assert all(len(c.options["series"]) == 3 for c in charts)
    toggle = next(iter(user.find(marker="time-range").elements))
    assert isinstance(toggle, ui.toggle)
    toggle.set_value("1h")
    await user.should_see("range 1h")
