"""The create dialog: by form it starts an instance; by YAML its problems show at their line."""

from __future__ import annotations

from raydeck.resources.kinds import RAYCLUSTER, RAYJOB
from raydeck.store.records import ListQuery, StoredObject
from tests.console.conftest import Console
from tests.support.waiting import eventually


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
