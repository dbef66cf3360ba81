"""The console says at once why a new cluster waits: in the create dialog and on its page."""

from __future__ import annotations

import pytest
import yaml

from raydeck.platforms.admission import Capacity
from raydeck.resources.kinds import RAYCLUSTER
from tests.console.conftest import Console
from tests.support.samples import raycluster


@pytest.fixture
def console_capacity() -> Capacity:
    """A machine of 4 CPUs: two clusters of 3 do not fit side by side."""
    return Capacity(cpu_millis=4000, memory_bytes=None, gpu=None, nodes=None)


async def test_the_create_dialog_shows_why_a_cluster_waits_and_its_page_says_queued(
    console: Console,
) -> None:
    await console.manager(RAYCLUSTER).create(console.admin, "default", raycluster("first"))
    user = console.user
    await user.open("/rayclusters")
    user.find("Create RayCluster").click()
    await user.should_see("Worker groups")
    user.find("YAML").click()
    user.find(marker="yaml-editor").clear().type(yaml.safe_dump(raycluster("second")))
    user.find("Create and start").click()
    await user.should_see(
        "RayCluster default/second waits in the admission queue at position 1: it needs 3 CPU "
        "and this machine (setting RAYDECK_LOCAL__CAPACITY_CPU) has 1 of 4 free "
        "(it asks 3 CPU, 3Gi memory, 0 GPU on 3 nodes)"
    )
    user.find(marker="create-open").click()
    await user.should_see(
        "Queued for admission at position 1: it needs 3 CPU and this "
        "machine (setting RAYDECK_LOCAL__CAPACITY_CPU) has 1 of 4 free"
    )
