"""RayClusters on Kubernetes: created through raydeck's API against the same by ``kubectl apply``.

Run (test bed up first): ``scripts/testbed up`` then
``.venv/bin/python -m bench.k8s_apply --clusters 100 --rounds 3``.

Each round creates N RayClusters of 1 head + 3 workers in a fresh namespace,
once through a real ``raydeck serve --platform kubernetes`` (one POST each,
10 at a time) and once with one ``kubectl apply -f`` of the same N documents,
alternating; each is timed until all N show ``status.state: ready`` (raydeck's
list for raydeck, the API server for kubectl), polled every 0.5 s either way.
It prints each time, the medians and their ratio (goal raydeck / kubectl <= 1.05),
and raydeck's RSS with one run's N clusters watched. After each run its namespace is deleted
and gone before the next starts (not timed): the nodes fit one run's pods, not two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench.support import free_port, median, rss_mb

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(os.environ.get("RAYDECK_TESTBED_CACHE", Path.home() / ".cache/raydeck-testbed"))
KUBECTL = CACHE / "bin" / "kubectl"


def cluster(name: str) -> dict[str, Any]:
    def container(role: str) -> dict[str, Any]:
        small = {"cpu": "100m", "memory": "256Mi"}
        return {
            "name": f"ray-{role}",
            "image": "rayproject/ray:2.60.0",
            "resources": {"requests": small, "limits": small},
        }

    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name},
        "spec": {
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [container("head")]}},
            },
            "workerGroupSpecs": [
                {
                    "groupName": "workers",
                    "replicas": 3,
                    "minReplicas": 0,
                    "maxReplicas": 3,
                    "rayStartParams": {},
                    "template": {"spec": {"containers": [container("worker")]}},
                }
            ],
        },
    }


def kubectl(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(kubeconfig), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def testbed_kubeconfig() -> Path:
    status = subprocess.run(
        [str(ROOT / "scripts" / "testbed"), "status"], capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        sys.exit(f"the test bed is not up ({status.stdout.strip()}); run scripts/testbed up")
    line = next(x for x in status.stdout.splitlines() if x.startswith("KUBECONFIG="))
    return Path(line.removeprefix("KUBECONFIG="))


class Server:
    """``raydeck serve --platform kubernetes`` on a fresh data directory."""

    def __init__(self, kubeconfig: Path) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="rdb", dir="/tmp"))
        self.url = f"http://127.0.0.1:{free_port()}"
        port = self.url.rsplit(":", 1)[1]
        argv = [str(Path(sys.executable).parent / "raydeck"), "serve", "--platform", "kubernetes"]
        argv += ["--kubeconfig", str(kubeconfig), "--port", port, "--data-dir", str(self.data_dir)]
        with (self.data_dir / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.close()
        raise RuntimeError(f"raydeck did not start; see {self.data_dir / 'server.log'}")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


async def through_raydeck(server: Server, kubeconfig: Path, namespace: str, count: int) -> float:
    kubectl(kubeconfig, "create", "namespace", namespace)
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        while (await client.get(f"/api/v1/namespaces/{namespace}")).status_code != 200:
            await asyncio.sleep(0.1)
        gate = asyncio.Semaphore(10)

        async def create(i: int) -> None:
            async with gate:
                response = await client.post(
                    f"/api/v1/namespaces/{namespace}/rayclusters", json=cluster(f"c{i}")
                )
                response.raise_for_status()

        start = time.monotonic()
        await asyncio.gather(*(create(i) for i in range(count)))
        while True:
            page = await client.get(
                f"/api/v1/namespaces/{namespace}/rayclusters",
                params={"status": "ready", "limit": 1},
            )
            if page.json()["total"] == count:
                return time.monotonic() - start
            await asyncio.sleep(0.5)


async def through_kubectl(kubeconfig: Path, namespace: str, count: int) -> float:
    kubectl(kubeconfig, "create", "namespace", namespace)
    documents = yaml.safe_dump_all(cluster(f"c{i}") for i in range(count))
    start = time.monotonic()
    kubectl(kubeconfig, "apply", "-n", namespace, "-f", "-", stdin=documents)
    while True:
        listed = json.loads(
            kubectl(kubeconfig, "get", "rayclusters", "-n", namespace, "-o", "json")
        )
        ready = [c for c in listed["items"] if (c.get("status") or {}).get("state") == "ready"]
        if len(ready) == count:
            return time.monotonic() - start
        await asyncio.sleep(0.5)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clusters", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    kubeconfig = testbed_kubeconfig()
    server = Server(kubeconfig)
    run = uuid.uuid4().hex[:6]
    namespaces: list[str] = []
    times: dict[str, list[float]] = {"raydeck": [], "kubectl": []}
    rss: list[float] = []
    try:
        for r in range(args.rounds):
            for way in ("raydeck", "kubectl") if r % 2 == 0 else ("kubectl", "raydeck"):
                namespace = f"bench-{run}-{way}-{r}"
                namespaces.append(namespace)
                if way == "raydeck":
                    took = await through_raydeck(server, kubeconfig, namespace, args.clusters)
                    rss.append(rss_mb(server.process.pid))
                else:
                    took = await through_kubectl(kubeconfig, namespace, args.clusters)
                times[way].append(took)
                print(f"round {r + 1} {way}: {args.clusters} ready in {took:.1f} s", flush=True)
                # Each run starts on an empty test bed: the nodes fit one run's pods, not two.
                kubectl(kubeconfig, "delete", "namespace", namespace, "--timeout=600s")
        rd, kc = median(times["raydeck"]), median(times["kubectl"])
        print(f"median raydeck {rd:.1f} s, kubectl apply {kc:.1f} s, ratio {rd / kc:.2f}")
        print(f"raydeck RSS with {args.clusters} RayClusters watched: up to {max(rss):.0f} MB")
    finally:
        server.close()
        for namespace in namespaces:
            kubectl(
                kubeconfig, "delete", "namespace", namespace, "--ignore-not-found", "--wait=false"
            )


if __name__ == "__main__":
    asyncio.run(main())
