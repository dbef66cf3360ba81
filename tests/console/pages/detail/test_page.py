"""The detail page: its tabs, and the actions it allows in which state."""

from __future__ import annotations

from nicegui import ui

from raydeck.resources.kinds import RAYCLUSTER, RAYJOB
from tests.console.conftest import Console
from tests.support.samples import raycluster, rayjob
from tests.support.waiting import eventually


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


def the_button(console: Console, label: str) -> ui.button:
    found = [b for b in console.user.find(kind=ui.button).elements if b.text == label]
    assert len(found) == 1, [b.text for b in console.user.find(kind=ui.button).elements]
    return found[0]


def tooltip_of(button: ui.button) -> str:
    (tip,) = [c for c in button.default_slot.children if isinstance(c, ui.tooltip)]
    return tip.text


async def test_a_running_cluster_cannot_be_deleted_or_started_and_the_buttons_say_why(
    console: Console,
) -> None:
    await console.manager(RAYCLUSTER).create(console.admin, "default", raycluster("busy"))
    user = console.user
    await user.open("/rayclusters/default/busy")
    refusal = "This RayCluster is running; stop it first, then delete it."
    await user.should_see(refusal)  # written under the buttons, too
    delete, start, stop = (the_button(console, b) for b in ("Delete", "Start", "Stop"))
    assert (delete.enabled, tooltip_of(delete)) == (False, refusal)
    assert (start.enabled, tooltip_of(start)) == (False, "This RayCluster is running.")
    assert (stop.enabled, tooltip_of(stop)) == (True, "Stop the RayCluster")
    user.find(kind=ui.button, content="Stop").click()

    async def deletable() -> bool:
        return delete.enabled and start.enabled and not stop.enabled

    await eventually(deletable, timeout=10, what="delete and start to be enabled once stopped")
    assert tooltip_of(delete) == "Delete the RayCluster"
    assert tooltip_of(stop) == "This RayCluster is stopped."
    await user.should_not_see(refusal)


async def test_a_finished_rayjob_can_be_neither_started_nor_stopped_and_says_why(
    console: Console,
) -> None:
    await console.manager(RAYJOB).create(console.admin, "default", rayjob("done"))
    user = console.user
    await user.open("/rayjobs/default/done")
    await user.should_see("complete")
    start, stop, delete = (the_button(console, b) for b in ("Start", "Stop", "Delete"))

    async def settled() -> bool:
        return not stop.enabled

    await eventually(settled, timeout=10, what="the finished job's stop to be disabled")
    assert not start.enabled and "runs once" in tooltip_of(start)
    assert tooltip_of(stop) == "This RayJob has already finished."
    assert delete.enabled  # a RayJob takes its cluster with it
