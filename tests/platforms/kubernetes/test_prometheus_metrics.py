"""Figures of Kubernetes clusters through ``--prometheus-url``: series selected by KubeRay's labels.

kwok's pods run no containers, so no Ray process runs in the test bed. The Ray node
here is a real ``ray start --head`` on this machine, started by pid and process
group and stopped the same way. A real Prometheus (Debian's) scrapes its metrics
port with the labels a Prometheus on Kubernetes gives a Ray pod's series: ``ray_io_cluster``
(KubeRay's PodMonitor relabeling of the pod's ``ray.io/cluster`` label) and ``namespace``
and ``pod`` (added by the Prometheus operator), naming the RayCluster KubeRay runs on
the test bed. raydeck, on the kubernetes platform, must attribute that node's figures to
that cluster: its overview and per-cluster metrics show what Ray reports.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.monitoring import prometheus_server as ps
from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.processes import ProcessSupervisor
from raydeck.platforms.local.raynode import launcher_argv
from tests.support.kube_app import kube_raydeck
from tests.support.samples import raycluster
from tests.support.waiting import eventually

pytestmark = pytest.mark.kubernetes
NAME = "metered"
#: Ports a Ray head needs, all explicit on 127.0.0.1 so it never meets another test's Ray.
PORT_FLAGS = (
    "--port",
    "--node-manager-port",
    "--object-manager-port",
    "--dashboard-agent-listen-port",
    "--dashboard-agent-grpc-port",
    "--runtime-env-agent-port",
    "--metrics-export-port",
    "--ray-client-server-port",
)


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A short directory (Ray's socket paths must stay under 107 bytes)."""
    path = Path(tempfile.mkdtemp(prefix="rdkm", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
async def ray_head(scratch: Path) -> AsyncIterator[int]:
    """A real one-CPU Ray head on loopback; its metrics port. Stopped by its process group and
    tag (Ray's workers leave the group), also when the test fails."""
    supervisor = ProcessSupervisor()
    tag = f"rdtest-{os.getpid()}-{uuid.uuid4().hex[:8]}-head"
    ports = PortAllocator(start=33000 + (os.getpid() % 50) * 200, end=60000)
    chosen = dict(zip(PORT_FLAGS, ports.allocate(len(PORT_FLAGS), taken=()), strict=True))
    low, high = ports.allocate_block(12, taken=chosen.values())
    argv = [
        *launcher_argv(),
        "start",
        "--block",
        "--head",
        "--node-ip-address=127.0.0.1",
        f"--temp-dir={scratch / 'ray'}",
        "--num-cpus=1",
        "--object-store-memory=100000000",
        "--include-dashboard=false",
        f"--min-worker-port={low}",
        f"--max-worker-port={high}",
        *(f"{flag}={port}" for flag, port in chosen.items()),
    ]
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED="0", RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S="0")
    log = scratch / "head.log"
    handle = supervisor.spawn(argv, env=env, cwd=scratch, log_path=log, tag=tag)
    try:
        port = chosen["--metrics-export-port"]

        async def exporting() -> bool:
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    text = (await client.get(f"http://127.0.0.1:{port}/metrics")).text
            except httpx.HTTPError:
                return False
            return "ray_resources{" in text and "ray_component_rss_bytes" in text

        try:
            await eventually(exporting, timeout=120, interval=1, what="Ray's metrics export")
        except AssertionError as e:
            tail = log.read_text()[-3000:]
            raise AssertionError(f"the Ray head exports no metrics; its log:\n{tail}") from e
        yield port
    finally:
        # The group and the tag: Ray's agents stay in the group, its workers keep the tag.
        await supervisor.terminate(handle, grace=15.0)
        assert supervisor.tagged_pids(tag) == []


@contextmanager
def prometheus(home: Path, groups: list[dict[str, Any]]) -> Iterator[str]:
    """Debian's prometheus scraping ``groups`` (static_configs) every second; its URL. Stopped by
    its process group on the way out."""
    binary = ps.prometheus_binary()
    assert binary, (
        "prometheus is not installed (scripts/test installs it: apt-get install prometheus)"
    )
    config = {
        "global": {"scrape_interval": "1s"},
        "scrape_configs": [{"job_name": "ray-head", "static_configs": groups}],
    }
    port = PortAllocator(start=40000 + (os.getpid() % 50) * 100, end=60000).allocate(1, taken=())[0]
    with ps.run_prometheus(config, binary=binary, home=home, listen=f"127.0.0.1:{port}") as url:
        yield url


async def running_head(kube: KubeClient, namespace: str) -> dict[str, Any]:
    """The RayCluster's head pod once kwok runs it."""

    async def probe() -> dict[str, Any] | None:
        pods = await kube.request(
            "GET",
            "v1",
            namespace=namespace,
            url="pods",
            params={"labelSelector": f"ray.io/cluster={NAME},ray.io/node-type=head"},
        )
        items = [p for p in pods.get("items") or [] if p["status"].get("phase") == "Running"]
        return items[0] if items and items[0]["status"].get("podIP") else None

    return await eventually(probe, timeout=120, interval=0.5, what="the head pod to run")


async def test_overview_and_cluster_metrics_come_from_series_labelled_with_the_cluster(
    kubeconfig: Path, kube: KubeClient, namespace: str, ray_head: int, scratch: Path
) -> None:
    body = raycluster(NAME, workers=0, cpu="2", memory="3Gi")
    body["metadata"]["namespace"] = namespace
    await kube.request("POST", "ray.io/v1", namespace=namespace, url="rayclusters", body=body)
    head = await running_head(kube, namespace)
    pod = head["metadata"]["name"]
    target = [f"127.0.0.1:{ray_head}"]
    groups = [
        {"targets": target, "labels": {"ray_io_cluster": NAME, "namespace": namespace, "pod": pod}},
        # The same node under a cluster of the same name in another namespace: not this one's.
        {
            "targets": target,
            "labels": {"ray_io_cluster": NAME, "namespace": "elsewhere", "pod": pod},
        },
    ]
    with prometheus(scratch / "prometheus", groups) as url:
        async with kube_raydeck(kubeconfig, monitoring={"prometheus_url": url}) as api:

            async def figures() -> dict[str, Any] | None:
                response = await api.get("/api/v1/overview", params={"range": "10m"})
                assert response.status_code == 200, response.text
                found: dict[str, Any] = response.json()
                return found if found["used"]["physical"]["memoryBytes"] > 0 else None

            overview = await eventually(figures, timeout=90, interval=1, what="used figures")

            async def series() -> list[dict[str, Any]] | None:
                response = await api.get(
                    f"/api/v1/namespaces/{namespace}/rayclusters/{NAME}/metrics",
                    params={"range": "10m"},
                )
                assert response.status_code == 200, response.text
                found: list[dict[str, Any]] = response.json()["nodes"]
                return found if all(n["series"] for n in found) else None

            # A range query has points every step (10 s for 10 min): the first comes a step in.
            nodes = await eventually(series, timeout=60, interval=1, what="the head's series")
            selector = f'Name="CPU",namespace="{namespace}",ray_io_cluster="{NAME}"'
            async with httpx.AsyncClient(timeout=10) as client:
                truth = await client.get(
                    f"{url}/api/v1/query", params={"query": f"sum(ray_resources{{{selector}}})"}
                )
    assert overview["source"] == "prometheus"
    assert overview["counts"]["activeClusters"] >= 1
    # Ray's own figures, counted once: its one logical CPU, its processes' memory.
    assert float(truth.json()["data"]["result"][0]["value"][1]) == 1
    assert overview["allocated"]["logical"]["cpu"] == 1
    assert overview["used"]["physical"]["memoryBytes"] > 50 * 2**20
    # The head pod's request, from the API server.
    assert overview["allocated"]["physical"]["cpu"] >= 2
    assert [(n["pod"], n["nodeType"]) for n in nodes] == [(pod, "head")]
    last = nodes[0]["series"][-1]
    assert last["logical"]["total"]["CPU"] == 1 and last["memoryUsedBytes"] > 0
