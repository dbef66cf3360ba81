"""raydeck's image, run as a container against the test bed: it serves and manages RayClusters.

``scripts/image build`` makes the image (cached layers: quick when only raydeck changed); the
container runs it the way the chart does (non-root, read-only root, writable tmpfs only for the
data directory and /tmp, no capabilities) on the host's loopback network, with a kubeconfig
holding only a token of the chart's ServiceAccount mounted read-only, so the chart's RBAC is
proven enough for what it does. A RayCluster created through the container's API appears on the
API server, KubeRay's status comes back through it, and stop and delete reach the API server.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.platforms.kubernetes.convert import RAYCLUSTER
from tests.deploy.support import CHART, IMAGE_CACHE, ROOT, helm, kubectl
from tests.support.auth import ADMIN_PASSWORD, login
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
IMAGE_SCRIPT = ROOT / "scripts" / "image"
NAME = "in-image"


def image_ref() -> str:
    version = next(
        line.split('"')[1]
        for line in (ROOT / "pyproject.toml").read_text().splitlines()
        if line.startswith("version = ")
    )
    return os.environ.get("RAYDECK_IMAGE", f"localhost/raydeck:{version}")


@pytest.fixture(scope="module")
def image() -> str:
    """The image, built (or found cached) by scripts/image."""
    done = subprocess.run(
        [str(IMAGE_SCRIPT), "build"], capture_output=True, text=True, timeout=3600, check=False
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return image_ref()


@pytest.fixture(scope="module")
def account_kubeconfig(
    kubeconfig: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    """A kubeconfig holding only a token of the chart's ServiceAccount (TokenRequest), from a
    release in a namespace of its own: the container can do what the chart grants, no more."""
    home = tmp_path_factory.mktemp("image")
    ns = f"rd-sa-{uuid.uuid4().hex[:6]}"
    kubectl(kubeconfig, "create", "namespace", ns)
    try:
        kubectl(kubeconfig, "-n", ns, "create", "secret", "generic", "raydeck-admin",
                "--from-literal=password=unused-here")  # fmt: skip
        installed = helm(["install", "raydeck", str(CHART), "-n", ns], home=home,
                         kubeconfig=kubeconfig)  # fmt: skip
        assert installed.returncode == 0, installed.stderr
        token = kubectl(kubeconfig, "-n", ns, "create", "token", "raydeck", "--duration", "1h")
        admin = kubectl(kubeconfig, "config", "view", "--flatten", "--minify", "-o", "json")
        path = home / "kubeconfig"
        path.write_text(yaml.safe_dump(account_config(admin["clusters"][0], token.strip())))
        path.chmod(0o644)  # the container's user (uid 10001) reads it
        yield path
        helm(["uninstall", "raydeck", "-n", ns], home=home, kubeconfig=kubeconfig)
    finally:
        kubectl(kubeconfig, "delete", "namespace", ns, "--wait=false")


def account_config(cluster: dict[str, Any], token: str) -> dict[str, Any]:
    """A kubeconfig (Kubernetes' own format: a dict at this edge) of one cluster and a token."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [cluster],
        "users": [{"name": "raydeck", "user": {"token": token}}],
        "contexts": [
            {"name": "raydeck", "context": {"cluster": cluster["name"], "user": "raydeck"}}
        ],
        "current-context": "raydeck",
    }


def podman(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """podman with the settings scripts/image wrote for this machine (runc, resource limits)."""
    env = {**os.environ, "CONTAINERS_CONF": str(IMAGE_CACHE / "containers.conf")}
    return subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def container_url(image: str, account_kubeconfig: Path) -> Iterator[str]:
    port, name = free_port(), f"raydeck-test-{uuid.uuid4().hex[:8]}"
    argv = [
        "run", "--detach", "--name", name, "--pull=never",
        "--network", "host",  # the host's loopback: the bed's API server, nothing else
        "--read-only", "--tmpfs", "/var/lib/raydeck:rw,mode=0700,U",
        "--tmpfs", "/tmp:rw,mode=1777", "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "-e", "RAYDECK_HOST=127.0.0.1", "-e", f"RAYDECK_PORT={port}",
        "-e", f"RAYDECK_ADMIN_PASSWORD={ADMIN_PASSWORD}",
        "-v", f"{account_kubeconfig}:/etc/raydeck/kubeconfig:ro",
        image, "serve", "--kubeconfig", "/etc/raydeck/kubeconfig",
    ]  # fmt: skip
    started = podman(*argv)
    assert started.returncode == 0, started.stderr
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        logs = podman("logs", name)
        podman("rm", "--force", "--time", "10", name)
        # Shown with a failing test's output: what raydeck said inside the container.
        print(logs.stdout[-3000:], logs.stderr[-3000:])


@pytest.fixture(scope="module")
async def api(container_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=container_url, timeout=30) as client:

        async def healthy() -> bool:
            try:
                return (await client.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(healthy, timeout=300, interval=1, what="the container's /healthz")
        await login(client)
        yield client


@pytest.fixture(scope="module")
async def namespace(kube: KubeClient) -> AsyncIterator[str]:
    name = f"rd-img-{uuid.uuid4().hex[:6]}"
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
    await kube.request("POST", "v1", url="namespaces", body=body)
    try:
        yield name
    finally:
        await kube.request("DELETE", "v1", url=f"namespaces/{name}")


async def test_the_image_answers_healthz_as_raydeck_on_kubernetes(api: httpx.AsyncClient) -> None:
    health = (await api.get("/healthz")).json()
    assert health["status"] == "ok", health
    assert health["platform"] == "kubernetes"


async def test_a_raycluster_created_through_the_container_runs_on_the_bed_and_is_deleted(
    api: httpx.AsyncClient, kube: KubeClient, namespace: str
) -> None:
    base = f"/api/v1/namespaces/{namespace}/rayclusters"
    await eventually(
        lambda: _known(api, f"/api/v1/namespaces/{namespace}"), timeout=60, what="the namespace"
    )
    created = await api.post(base, json=raycluster(NAME, workers=1))
    assert created.status_code == 201, created.text
    live = await kube.request("GET", RAYCLUSTER, namespace=namespace, url=RAYCLUSTER.url(NAME))
    assert live["metadata"]["annotations"]["raydeck.io/creator"] == "admin"

    async def state() -> str | None:
        status: dict[str, Any] = (await api.get(f"{base}/{NAME}")).json().get("status") or {}
        return status.get("state")

    # KubeRay's status, as the container's watch mirrors it.
    await eventually(lambda: _is(state, "ready"), timeout=180, interval=1, what="ready")
    assert (await api.post(f"{base}/{NAME}/stop")).status_code == 200
    live = await kube.request("GET", RAYCLUSTER, namespace=namespace, url=RAYCLUSTER.url(NAME))
    assert live["spec"]["suspend"] is True
    await eventually(lambda: _is(state, "suspended"), timeout=180, interval=1, what="suspended")
    deleted = await api.delete(f"{base}/{NAME}")
    assert deleted.status_code == 200, deleted.text
    await eventually(lambda: _gone(kube, namespace), timeout=60, what="deleted on the bed")


async def _known(api: httpx.AsyncClient, path: str) -> bool:
    return (await api.get(path)).status_code == 200


async def _is(probe: Any, wanted: str) -> bool:
    return bool(await probe() == wanted)


async def _gone(kube: KubeClient, namespace: str) -> bool:
    items = await kube.request("GET", RAYCLUSTER, namespace=namespace, url=RAYCLUSTER.plural)
    return not [i for i in items.get("items") or [] if i["metadata"]["name"] == NAME]
