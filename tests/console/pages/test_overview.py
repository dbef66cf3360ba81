"""The overview page: three charts, and the time range switch."""

from __future__ import annotations

from nicegui import ui

from tests.console.conftest import Console


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
