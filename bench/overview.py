"""Overview latency with live clusters and many stored resources, against scraping Ray directly.

Run: ``.venv/bin/python -m bench.overview --clusters 5 --objects 1000 --requests 200``.
A real ``raydeck up`` runs ``--clusters`` head-only RayClusters and stores
suspended ones up to ``--objects`` in all. Measured side by side, alternating:
``GET /api/v1/overview?range=1h`` (goal p99 <= 200 ms) and the direct way to the
same "used now" figures: fetch and parse every live node's Ray metrics endpoint.
Then the sampler's cost: raydeck's CPU seconds per second per live cluster while
idle (sampling every 5 s, plus the controllers' resync), and its rounds' wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import httpx

from bench.support import RaydeckServer, median, percentile
from raydeck.monitoring.figures import node_figures, parse_exposition

BASE = "/api/v1/namespaces/default/rayclusters"


def body(name: str, *, suspend: bool) -> dict[str, object]:
    container = {
        "name": "ray-head",
        "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1"}},
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name},
        "spec": {
            "suspend": suspend,
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [container]}},
            },
            "workerGroupSpecs": [],
        },
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 10 ms


def wait_live(client: httpx.Client, clusters: int) -> list[int]:
    """Metrics ports of every live node once all clusters are ready and sampled."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        overview = client.get("/api/v1/overview").json()
        if (
            overview["counts"]["activeClusters"] == clusters
            and overview["allocated"]["logical"]["cpu"] == clusters
        ):
            ports = []
            for i in range(clusters):
                for pod in client.get(f"{BASE}/live-{i}/pods").json()["items"]:
                    ports.append(pod["ports"]["metrics"])
            return ports
        time.sleep(2)
    raise RuntimeError("clusters did not come up")


async def direct_once(http: httpx.AsyncClient, ports: list[int]) -> float:
    """Scrape every node and sum used CPU, as a user without raydeck would."""
    responses = await asyncio.gather(*(http.get(f"http://127.0.0.1:{p}/metrics") for p in ports))
    return sum(node_figures(parse_exposition(r.text)).get("cpuBusyCores", 0.0) for r in responses)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=5)
    parser.add_argument("--objects", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    server = RaydeckServer()
    try:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            for i in range(args.clusters):
                client.post(BASE, json=body(f"live-{i}", suspend=False)).raise_for_status()
            for i in range(args.objects - args.clusters):
                client.post(BASE, json=body(f"stored-{i}", suspend=True)).raise_for_status()
            ports = wait_live(client, args.clusters)
            raydeck, direct = measure(client, ports, args.requests)
            idle = sampler_cost(client, server.process.pid, args.clusters)
        report(args, raydeck, direct, idle)
    finally:
        server.close()


def measure(
    client: httpx.Client, ports: list[int], requests: int
) -> tuple[list[float], list[float]]:
    raydeck: list[float] = []
    direct: list[float] = []

    async def run_direct() -> float:
        async with httpx.AsyncClient(timeout=30) as http:
            start = time.perf_counter()
            await direct_once(http, ports)
            return time.perf_counter() - start

    for _ in range(requests):
        start = time.perf_counter()
        client.get("/api/v1/overview", params={"range": "1h"}).raise_for_status()
        raydeck.append(time.perf_counter() - start)
        direct.append(asyncio.run(run_direct()))
    return raydeck, direct


def sampler_cost(client: httpx.Client, pid: int, clusters: int) -> dict[str, float]:
    before, started = cpu_seconds(pid), time.monotonic()
    time.sleep(60)
    used = cpu_seconds(pid) - before
    elapsed = time.monotonic() - started
    text = client.get("/metrics").text
    total = count = 0.0
    for line in text.splitlines():
        if line.startswith("raydeck_metrics_sample_duration_seconds_sum"):
            total = float(line.split()[-1])
        if line.startswith("raydeck_metrics_sample_duration_seconds_count"):
            count = float(line.split()[-1])
    return {
        "cpu_per_cluster_percent": 100 * used / elapsed / clusters,
        "round_ms": 1000 * total / count if count else 0.0,
    }


def report(
    args: argparse.Namespace, raydeck: list[float], direct: list[float], idle: dict[str, float]
) -> None:
    def line(label: str, values: list[float]) -> str:
        p50, p99 = median(values) * 1000, percentile(values, 99) * 1000
        return f"  {label:<40} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms"

    print(f"overview: {args.clusters} live clusters, {args.objects} stored RayClusters")
    print(line("raydeck GET /api/v1/overview?range=1h", raydeck) + "  (goal p99 <= 200 ms)")
    print(line("direct: scrape + parse every node", direct))
    print(f"  ratio raydeck / direct (p50): {median(raydeck) / median(direct):.2f}")
    cpu, round_ms = idle["cpu_per_cluster_percent"], idle["round_ms"]
    print(f"sampler: {cpu:.2f} % of a core per live cluster while idle; round {round_ms:.1f} ms")


if __name__ == "__main__":
    main()
