"""Tenant code cannot reach raydeck or another namespace (findings 1, 2, 11 and 12), real Ray.

One real ``raydeck up`` runs a head in ``team-b`` (the victim) and a head in ``team-a`` whose
command runs ``probe.py`` before Ray starts, with a spec that also tries to switch Ray's token
authentication off. Every test of the module reads what those two clusters show.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.platforms.local.processes import ProcessSupervisor
from tests.support.samples import raycluster, rayjob
from tests.support.server import Server
from tests.support.tenant_users import remove_tenant_users
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
PROBE = (Path(__file__).parent / "probe.py").read_text()
NAMESPACES = "/api/v1/namespaces"


def clusters(namespace: str) -> str:
    return f"{NAMESPACES}/{namespace}/rayclusters"


@dataclass
class Tenants:
    server: Server
    client: httpx.AsyncClient
    victim_dir: Path
    probe: dict[str, Any]  # what probe.py printed


def head_only(name: str, **container: Any) -> dict[str, Any]:
    body = raycluster(name, workers=0, cpu="1", memory="1Gi")
    body["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0].update(container)
    return body


async def wait_ready(client: httpx.AsyncClient, namespace: str, name: str) -> dict[str, Any]:
    async def ready() -> dict[str, Any] | None:
        found: dict[str, Any] = (await client.get(f"{clusters(namespace)}/{name}")).json()
        return found if (found.get("status") or {}).get("state") == "ready" else None

    try:
        return await eventually(ready, timeout=240, interval=1, what=f"{namespace}/{name} ready")
    except AssertionError as e:
        events = (await client.get(f"{clusters(namespace)}/{name}/events")).json()
        log = (await client.get(f"{clusters(namespace)}/{name}/logs", params={"tail": 30})).text
        raise AssertionError(f"{e}; events {events}; head log:\n{log}") from None


def tenant_pid(server: Server, cluster_uid: str, fallback: int) -> int:
    """A process of the cluster that runs as its tenant's user (the pod's pid is the sandbox's
    outer process, which stays root); the pod's pid where all run as raydeck's user."""
    tagged = ProcessSupervisor().tags(f"{server.tag_prefix}{cluster_uid}/")
    for pid in sorted(tagged):
        with contextlib.suppress(OSError):
            if Path(f"/proc/{pid}").stat().st_uid != os.geteuid():
                return pid
    return fallback


async def probe_output(client: httpx.AsyncClient) -> dict[str, Any]:
    async def printed() -> dict[str, Any] | None:
        log = (await client.get(f"{clusters('team-a')}/probe/logs")).text
        for line in log.splitlines():
            if line.startswith("PROBE "):
                found: dict[str, Any] = json.loads(line.removeprefix("PROBE "))
                return found
        return None

    return await eventually(printed, timeout=120, interval=1, what="the probe's report")


async def start_tenants(server: Server, client: httpx.AsyncClient) -> Tenants:
    for namespace in ("team-a", "team-b"):
        assert (await client.post(NAMESPACES, json={"name": namespace})).status_code == 201
    victim = await client.post(clusters("team-b"), json=head_only("victim"))
    assert victim.is_success, victim.text
    victim_body = await wait_ready(client, "team-b", "victim")
    (victim_pod,) = (await client.get(f"{clusters('team-b')}/victim/pods")).json()["items"]
    (victim_dir,) = (server.data_dir / "n").iterdir()  # the only node so far
    assert server.process is not None
    env = {
        "PROBE": PROBE,
        "PROBE_DATA_DIR": str(server.data_dir),
        "PROBE_VICTIM_PID": str(
            tenant_pid(server, victim_body["metadata"]["uid"], victim_pod["pid"])
        ),
        "PROBE_VICTIM_DIR": str(victim_dir),
        "PROBE_RAYDECK_PID": str(server.process.pid),
        # Finding 11: a spec that switches Ray's token authentication off.
        "RAY_AUTH_MODE": "disabled",
        "RAY_AUTH_TOKEN": "chosen-by-the-tenant",
    }
    spec = head_only(
        "probe",
        command=['python -c "$PROBE"'],
        env=[{"name": k, "value": v} for k, v in env.items()],
    )
    assert (await client.post(clusters("team-a"), json=spec)).is_success
    # The probe reports before Ray starts: the tests that need Ray wait for it themselves.
    return Tenants(server, client, victim_dir, await probe_output(client))


@pytest.fixture(scope="module")
async def tenants() -> AsyncIterator[Tenants]:
    data_dir = Path(tempfile.mkdtemp(prefix="rd", dir="/tmp"))
    server = Server(data_dir)
    server.start("up")
    try:
        await server.ready()
        async with httpx.AsyncClient(
            base_url=server.url, headers=server.headers, timeout=60
        ) as client:
            yield await start_tenants(server, client)
    finally:
        await stop(server)


async def stop(server: Server) -> None:
    """``raydeck up`` stops its clusters and removes its OS users on SIGTERM; what a failed
    test leaves is killed and removed here."""
    with contextlib.suppress(Exception):
        if server.process is not None and server.process.poll() is None:
            await server.stop(signal.SIGTERM)
    server.kill_group()
    if (server.data_dir / "instance-id").exists():
        await ProcessSupervisor().terminate_tagged(server.tag_prefix, grace=0)
        remove_tenant_users(server.data_dir)
    shutil.rmtree(server.data_dir, ignore_errors=True)


ATTEMPTS = [
    "read_database",
    "write_database",
    "read_ray_auth_key",
    "write_ray_shim",
    "write_venv_ray",
    "write_ray_package",
    "write_raydeck_launcher",
    "read_other_namespace_dir",
    "signal_other_namespace",
    "read_other_namespace_environ",
    "read_raydeck_environ",
]


async def test_a_nodes_environment_holds_nothing_of_raydecks_own(tenants: Tenants) -> None:
    assert tenants.probe["raydeck_env"] == []


@pytest.mark.parametrize("what", ATTEMPTS)
async def test_tenant_code_cannot_touch_raydeck_or_another_namespace(
    tenants: Tenants, what: str
) -> None:
    assert tenants.probe[what].startswith("refused"), tenants.probe


async def test_a_spec_cannot_switch_rays_token_authentication_off(tenants: Tenants) -> None:
    assert tenants.probe["auth_mode"] == "token"
    probe = await wait_ready(tenants.client, "team-a", "probe")
    jobs = f"http://127.0.0.1:{probe['status']['endpoints']['dashboard']}/api/jobs/"
    async with httpx.AsyncClient(timeout=10) as ray:
        assert (await ray.get(jobs)).status_code == 401
        chosen = await ray.get(jobs, headers={"Authorization": "Bearer chosen-by-the-tenant"})
        assert chosen.status_code == 403


async def test_each_namespace_runs_as_its_own_unprivileged_user_in_a_private_directory(
    tenants: Tenants,
) -> None:
    if os.geteuid() != 0:
        pytest.fail("this test needs raydeck to run as root, as it does in CI")
    dirs = list((tenants.server.data_dir / "n").iterdir())
    groups = {d.stat().st_gid for d in dirs}
    assert len(dirs) == 2 and len(groups) == 2 and 0 not in groups
    # Raydeck's with the tenant's group only: Ray cannot make it world-writable.
    assert {(d.stat().st_uid, stat.S_IMODE(d.stat().st_mode)) for d in dirs} == {(0, 0o770)}
    assert tenants.probe["uid"] != 0 and tenants.probe["uid"] in groups


async def test_the_data_directory_and_database_are_readable_by_raydeck_alone(
    tenants: Tenants,
) -> None:
    data = tenants.server.data_dir
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    files = [data / name for name in ("raydeck.db", "raydeck.db-wal", "raydeck.db-shm")]
    assert {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}


async def test_no_shared_key_derives_the_clusters_ray_tokens(tenants: Tenants) -> None:
    assert not (tenants.server.data_dir / "ray-auth.key").exists()


async def test_the_dashboard_proxy_never_hands_out_the_clusters_ray_token(
    tenants: Tenants,
) -> None:
    url = "/rayclusters/team-b/victim/dashboard/api/authenticate"
    answer = await tenants.client.post(url)
    assert answer.status_code == 403
    assert "set-cookie" not in answer.headers and "ray-authentication-token" not in answer.text
    spelled = await tenants.client.post("/rayclusters/team-b/victim/dashboard//api/./authenticate")
    assert spelled.status_code == 403 and "set-cookie" not in spelled.headers


async def test_a_rayjob_on_a_tenants_cluster_still_runs_as_the_tenant(tenants: Tenants) -> None:
    entrypoint = (
        "python -c \"import os; print('JOB', os.getuid(), "
        "sorted(k for k in os.environ if k.startswith('RAYDECK_ADMIN')))\""
    )
    job = rayjob("whoami", entrypoint=entrypoint, clusterSelector={"ray.io/cluster": "probe"})
    del job["spec"]["rayClusterSpec"]
    await wait_ready(tenants.client, "team-a", "probe")
    jobs = f"{NAMESPACES}/team-a/rayjobs"
    assert (await tenants.client.post(jobs, json=job)).is_success

    async def finished() -> str | None:
        status = (await tenants.client.get(f"{jobs}/whoami")).json().get("status") or {}
        return (
            status.get("jobStatus") if status.get("jobStatus") in ("SUCCEEDED", "FAILED") else None
        )

    assert await eventually(finished, timeout=180, interval=1, what="whoami done") == "SUCCEEDED"
    log = (await tenants.client.get(f"{jobs}/whoami/logs")).text
    assert f"JOB {tenants.probe['uid']} []" in log
