"""The README's first hour, as a newcomer runs it: ``raydeck up`` on a clean data directory with no
``RAYDECK_*`` setting, the printed admin password and next command, the CLI logged in, the example
RayCluster applied, ``ready``, and Ray itself listing the cluster's nodes.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.auth import auth, login_sync
from tests.support.server import Server
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = "docs/examples/raycluster.yaml"
RAYDECK = Path(sys.executable).parent / "raydeck"
#: The example's head and two workers; Ray on a loaded 2-core machine takes minutes for them.
NODES = 3
READY_WITHIN = 240.0
PASSWORD_LINE = re.compile(r"created the user 'admin' with the password: (\S+)")


def newcomer_env(home: Path) -> dict[str, str]:
    """This environment without one raydeck setting, and a home of its own for the CLI config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAYDECK_")}
    # The test session's marker is the harness's, not a raydeck setting: with it, the session-end
    # check still finds any process this test would leave behind.
    env["RAYDECK_TEST_SESSION"] = os.environ["RAYDECK_TEST_SESSION"]
    env.pop("XDG_CONFIG_HOME", None)
    return env | {"HOME": str(home)}


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    """One ``raydeck`` command run from the checkout, as the README runs it; its output."""
    done = subprocess.run(
        [str(RAYDECK), *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"raydeck {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


async def printed(log: Path, pattern: re.Pattern[str]) -> re.Match[str]:
    async def found() -> re.Match[str] | None:
        return pattern.search(log.read_text()) if log.exists() else None

    match = await eventually(found, timeout=120, what=f"raydeck up to print {pattern.pattern!r}")
    assert match is not None
    return match


async def cluster_state(client: httpx.AsyncClient) -> tuple[str, str]:
    """The example cluster's state and its last event, as a user would read them."""
    base = "/api/v1/namespaces/default/rayclusters/raycluster-sample"
    body = (await client.get(base)).json()
    events = (await client.get(f"{base}/events")).json().get("items", [])
    last = events[-1] if events else {}
    state = str((body.get("status") or {}).get("state") or "pending")
    return state, f"{last.get('reason', '-')}: {last.get('message', 'no event yet')}"


async def wait_until_ready(client: httpx.AsyncClient) -> None:
    seen = ("pending", "-: no event yet")

    async def ready() -> bool:
        nonlocal seen
        seen = await cluster_state(client)
        return seen[0] == "ready"

    await eventually(
        ready,
        timeout=READY_WITHIN,
        interval=2,
        what="raycluster-sample to be ready",
        detail=lambda: f"it is still {seen[0]!r}; last event: {seen[1]}",
    )


async def ray_nodes(client: httpx.AsyncClient) -> list[dict[str, Any]]:
    """The raylets the cluster's own Ray Dashboard lists as alive, through raydeck's proxy."""
    path = "/rayclusters/default/raycluster-sample/dashboard/nodes?view=summary"
    try:
        summary = (await client.get(path)).json()["data"]["summary"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return []
    return [n for n in summary if n.get("raylet", {}).get("state") == "ALIVE"]


@pytest.mark.ray
async def test_the_readme_first_hour_gives_a_ready_cluster_that_ray_sees(
    server: Server,
) -> None:
    env = newcomer_env(server.data_dir / "home")
    server.env = env
    server.start("up")
    log = server.data_dir / "server-up.log"

    password = (await printed(log, PASSWORD_LINE)).group(1)
    hint = await printed(log, re.compile(r"Next, in another terminal: (.+)"))
    assert hint.group(1) == f".venv/bin/raydeck apply -f {EXAMPLE} --server {server.url}"
    # `raydeck up` logged this machine's CLI in; the printed password logs it in again.
    assert "No rayclusters found" in cli(env, "get", "rayclusters", "--server", server.url)
    login = cli(env, "login", "--password-stdin", "--server", server.url, stdin=password)
    assert login.startswith(f"Logged in to {server.url} as admin")
    applied = cli(env, "apply", "-f", EXAMPLE, "--server", server.url)
    assert applied.strip() == "rayclusters/raycluster-sample created"

    token = await asyncio.to_thread(login_sync, server.url, "admin", password)
    async with httpx.AsyncClient(base_url=server.url, headers=auth(token), timeout=30) as client:
        await wait_until_ready(client)
        alive = await eventually(
            lambda: _at_least(client, NODES), timeout=120, what="Ray to list the cluster's nodes"
        )
    assert len(alive) == NODES
    listed = json.loads(cli(env, "get", "rayclusters", "-o", "json", "--server", server.url))
    assert [i["status"]["state"] for i in listed["items"]] == ["ready"]
    # Only request lines would mention the API's paths: none at the default log level.
    assert "GET /api/v1" not in log.read_text()
    await server.stop(signal.SIGTERM)


async def _at_least(client: httpx.AsyncClient, count: int) -> list[dict[str, Any]]:
    nodes = await ray_nodes(client)
    return nodes if len(nodes) >= count else []
