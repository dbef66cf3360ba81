"""RayService: requests through raydeck's stable endpoint against the same requests sent straight
to Serve's port, and an upgrade under load.

Run: ``.venv/bin/python -m bench.serve_endpoint --requests 2000 --seconds 10``. One ``raydeck up``
and one RayService (one-node cluster, one Serve application). Then, side by side in one run:

1. latency: sequential requests on one keep-alive connection, alternating endpoint and direct;
   p50 and p99 of each and the added latency (goal: <= 1 ms at p50);
2. throughput: 8 client threads for ``--seconds`` against each, requests/s and their ratio;
3. upgrade: 8 client threads the whole time while ``rayClusterConfig`` changes; requests,
   failures, and the time from the spec change to the first answer from the new cluster.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from bench.support import RaydeckServer, median, percentile

SERVICES = "/api/v1/namespaces/default/rayservices"
APPS = str(Path(__file__).parent / "apps")
SERVE_CONFIG = """\
applications:
  - name: version
    route_prefix: /
    import_path: serve_bench:app
    deployments:
      - name: Version
        ray_actor_options: {num_cpus: 0.1}
"""
CLIENTS = 8


def cluster_config(version: str) -> dict[str, Any]:
    head = {
        "name": "ray-head",
        "resources": {"limits": {"cpu": "1", "memory": "2Gi"}},
        "env": [{"name": "PYTHONPATH", "value": APPS}, {"name": "APP_VERSION", "value": version}],
    }
    return {
        "headGroupSpec": {
            "rayStartParams": {"num-cpus": "2"},
            "template": {"spec": {"containers": [head]}},
        }
    }


def wait(predicate: Any, *, timeout: float = 300, step: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        time.sleep(step)


def ready(client: httpx.Client) -> bool:
    status = client.get(f"{SERVICES}/bench").json().get("status") or {}
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions") or []
    )


def latencies(url: str, count: int) -> list[float]:
    with httpx.Client(timeout=10) as client:
        client.get(url).raise_for_status()
        taken = []
        for _ in range(count):
            start = time.perf_counter()
            client.get(url).raise_for_status()
            taken.append((time.perf_counter() - start) * 1000)
    return taken


class Load:
    """``CLIENTS`` threads sending requests, each on its own keep-alive connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.outcomes: Counter[str] = Counter()
        self.first_seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run) for _ in range(CLIENTS)]

    def _run(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                try:
                    response = client.get(self.url)
                    outcome = f"{response.status_code} {response.text}"
                except httpx.HTTPError as e:
                    outcome = f"error {type(e).__name__}"
                with self._lock:
                    self.outcomes[outcome] += 1
                    self.first_seen.setdefault(outcome, time.monotonic())

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def total(self) -> int:
        return sum(self.outcomes.values())


def throughput(url: str, seconds: float) -> float:
    load = Load(url).start()
    time.sleep(seconds)
    load.stop()
    return load.total() / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    server = RaydeckServer()
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
            body = {
                "apiVersion": "ray.io/v1",
                "kind": "RayService",
                "metadata": {"name": "bench"},
                "spec": {
                    "serveConfigV2": SERVE_CONFIG,
                    "rayClusterConfig": cluster_config("v1"),
                    "rayClusterDeletionDelaySeconds": 5,
                },
            }
            client.post(SERVICES, json=body).raise_for_status()
            wait(lambda: ready(client))
            endpoint = client.get(f"{SERVICES}/bench/endpoints").json()["serve"] + "/"
            status = client.get(f"{SERVICES}/bench").json()["status"]
            cluster = status["activeServiceStatus"]["rayClusterName"]
            ports = client.get(f"/api/v1/namespaces/default/rayclusters/{cluster}").json()
            direct = f"http://127.0.0.1:{ports['status']['endpoints']['serve']}/"
            compare_latency(endpoint, direct, args.requests)
            compare_throughput(endpoint, direct, args.seconds)
            upgrade(client, endpoint)
    finally:
        server.close()


def compare_latency(endpoint: str, direct: str, count: int) -> None:
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(4):  # alternate in blocks so drift on a noisy machine hits both alike
        ours += latencies(endpoint, count // 4)
        theirs += latencies(direct, count // 4)
    p50 = (median(ours), median(theirs))
    p99 = (percentile(ours, 99), percentile(theirs, 99))
    print(
        f"latency over {len(ours)} requests each: endpoint p50 {p50[0]:.2f} ms p99 {p99[0]:.2f} ms; "
        f"direct p50 {p50[1]:.2f} ms p99 {p99[1]:.2f} ms; added p50 {p50[0] - p50[1]:.2f} ms, "
        f"p99 {p99[0] - p99[1]:.2f} ms (goal p50 <= 1 ms)",
        flush=True,
    )


def compare_throughput(endpoint: str, direct: str, seconds: float) -> None:
    rates = {"endpoint": [], "direct": []}  # type: dict[str, list[float]]
    for _ in range(2):
        rates["direct"].append(throughput(direct, seconds / 2))
        rates["endpoint"].append(throughput(endpoint, seconds / 2))
    ours, theirs = median(rates["endpoint"]), median(rates["direct"])
    print(
        f"throughput with {CLIENTS} clients: endpoint {ours:.0f} req/s, direct {theirs:.0f} req/s, "
        f"ratio {ours / theirs:.2f}",
        flush=True,
    )


def upgrade(client: httpx.Client, endpoint: str) -> None:
    load = Load(endpoint).start()
    time.sleep(2)
    changed = time.monotonic()
    client.patch(
        f"{SERVICES}/bench",
        json={"spec": {"rayClusterConfig": cluster_config("v2")}},
        headers={"Content-Type": "application/merge-patch+json"},
    ).raise_for_status()
    wait(lambda: "200 v2" in load.outcomes, step=0.05)
    time.sleep(3)
    load.stop()
    failures = {k: v for k, v in load.outcomes.items() if not k.startswith("200 ")}
    print(
        f"upgrade under load ({CLIENTS} clients): {load.total()} requests, "
        f"{sum(failures.values())} failed {failures or ''}; spec change -> first answer from "
        f"the new cluster {load.first_seen['200 v2'] - changed:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()
