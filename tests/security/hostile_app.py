"""raydeck with the console, over the in-memory platform, whose every Ray Dashboard is a given URL:
run as its own process (``python -m tests.security.hostile_app DATA_DIR PORT UPSTREAM``) because
NiceGUI mounts its console once per process and the test process has mounted one already."""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn

from raydeck.app import create_app
from raydeck.platforms.base import ClusterTarget, DashboardUpstream
from raydeck.settings import get_settings
from tests.support.auth import ADMIN_PASSWORD
from tests.support.memory_platform import MemoryPlatform


def main() -> None:
    data_dir, port, upstream = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

    class Platform(MemoryPlatform):
        async def dashboard_upstream(self, target: ClusterTarget) -> DashboardUpstream:
            return DashboardUpstream(upstream, {}, via="here")

    settings = get_settings(data_dir=data_dir, admin_password=ADMIN_PASSWORD)
    app = create_app(settings, platform_factory=lambda store, _s: Platform(store))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
