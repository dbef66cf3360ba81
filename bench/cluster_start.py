"""Cluster start: raydeck create -> ready (1 head + 2 workers) against three ``ray start`` by hand.

Run: ``.venv/bin/python -m bench.cluster_start --rounds 5``. Rounds alternate
between the two ways on the same machine and print each time, the medians and
their ratio (goal: raydeck / direct <= 1.0).

The direct way is what a user types: ``ray start --head`` then ``ray start
--address`` twice, each waiting for its node, with the same loopback address,
ports, temp dirs and one CPU per node as raydeck uses (through raydeck's
launcher, which only keeps Ray from rewriting 127.0.0.1), stopped by process group.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench.support import RaydeckServer, median
from raydeck.platforms.local.ports import PortAllocator
from raydeck.platforms.local.processes import TAG_ENV, ProcessSupervisor
from raydeck.platforms.local.raynode import launcher_argv

CLUSTER = {
    "apiVersion": "ray.io/v1",
    "kind": "RayCluster",
    "metadata": {"name": "bench"},
    "spec": {
        "headGroupSpec": {
            "rayStartParams": {},
            "template": {
                "spec": {
                    "containers": [
                        {"name": "ray-head", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
                    ]
                }
            },
        },
        "workerGroupSpecs": [
            {
                "groupName": "workers",
                "replicas": 2,
                "minReplicas": 0,
                "maxReplicas": 2,
                "rayStartParams": {},
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "ray-worker",
                                "resources": {"limits": {"cpu": "1", "memory": "1Gi"}},
                            }
                        ]
                    }
                },
            }
        ],
    },
}
BASE = "/api/v1/namespaces/default/rayclusters"


def raydeck_round(server: RaydeckServer, index: int) -> float:
    name = f"bench-{index}"
    body = {**CLUSTER, "metadata": {"name": name}}
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        start = time.monotonic()
        client.post(BASE, json=body).raise_for_status()
        while True:
            status = client.get(f"{BASE}/{name}").json().get("status") or {}
            if status.get("state") == "ready" and status.get("readyWorkerReplicas") == 2:
                elapsed = time.monotonic() - start
                break
            time.sleep(0.05)
        client.post(f"{BASE}/{name}/stop").raise_for_status()
        while client.delete(f"{BASE}/{name}").status_code != 200:
            time.sleep(0.2)
    return elapsed


#: Outside raydeck's range (20000-29999) and the kernel's ephemeral ports (32768 and up).
DIRECT_PORTS = PortAllocator(start=15000, end=19999)


def node_ports(count: int) -> list[int]:
    return DIRECT_PORTS.allocate(count, taken=())


def direct_round() -> float:
    """Three ``ray start`` commands in sequence; returns once the last one has returned."""
    root = Path(tempfile.mkdtemp(prefix="rdd", dir="/tmp"))
    tag = f"rdbench-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "RAY_USAGE_STATS_ENABLED": "0",
        TAG_ENV: tag,
        "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
    }
    gcs, dashboard, client = node_ports(3)
    used = [gcs, dashboard, client]
    groups: list[int] = []
    try:
        start = time.monotonic()
        for index in range(3):
            head = index == 0
            (root / str(index)).mkdir()
            ports = node_ports(6)
            used += ports
            low = 30000 + index * 100
            argv = [
                *launcher_argv(),
                "start",
                "--node-ip-address=127.0.0.1",
                "--num-cpus=1",
                f"--memory={2**30}",
                f"--temp-dir={root / str(index)}",
                "--disable-usage-stats",
                f"--metrics-export-port={ports[0]}",
                f"--node-manager-port={ports[1]}",
                f"--object-manager-port={ports[2]}",
                f"--dashboard-agent-listen-port={ports[3]}",
                f"--dashboard-agent-grpc-port={ports[4]}",
                f"--runtime-env-agent-port={ports[5]}",
                f"--min-worker-port={low}",
                f"--max-worker-port={low + 63}",
            ]
            argv += (
                [
                    "--head",
                    f"--port={gcs}",
                    "--dashboard-host=127.0.0.1",
                    f"--dashboard-port={dashboard}",
                    f"--ray-client-server-port={client}",
                ]
                if head
                else [f"--address=127.0.0.1:{gcs}"]
            )
            log_path = root / f"start-{index}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            groups.append(process.pid)
            if process.wait(300) != 0:
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
                raise RuntimeError(f"ray start failed: {' '.join(argv)}\n{tail}")
        return time.monotonic() - start
    finally:
        for group in groups:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        asyncio.run(ProcessSupervisor().terminate_tagged(tag, grace=0))
        DIRECT_PORTS.release(used)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    server = RaydeckServer()
    ours: list[float] = []
    direct: list[float] = []
    try:
        for index in range(rounds):
            ours.append(raydeck_round(server, index))
            direct.append(direct_round())
            print(
                f"round {index + 1}: raydeck {ours[-1]:.2f} s   direct ray start x3 {direct[-1]:.2f} s",
                flush=True,
            )
    finally:
        server.close()
    ratio = median(ours) / median(direct)
    print(
        f"median create->ready, 1 head + 2 workers: raydeck {median(ours):.2f} s, "
        f"direct {median(direct):.2f} s, ratio {ratio:.2f} (goal <= 1.0)"
    )


if __name__ == "__main__":
    main()
