"""The frame every page shares: its navigation, and where an empty list says how to begin."""

from __future__ import annotations

from tests.console.conftest import Console


async def test_frame_and_empty_lists_say_how_to_begin(console: Console) -> None:
    user = console.user
    await user.open("/")
    await user.should_see("Overview")
    for label in ("RayClusters", "RayJobs", "RayServices", "Templates"):
        await user.should_see(label)
    await user.open("/rayclusters")
    await user.should_see("No RayClusters yet.")
    await user.should_see("Create RayCluster")
