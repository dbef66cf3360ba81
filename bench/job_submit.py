"""RayJobs: submit -> RUNNING on an existing cluster, against ``ray job submit --no-wait``.

Run: ``.venv/bin/python -m bench.job_submit --rounds 5``. One ``raydeck up`` and
one RayCluster (1 CPU head). Rounds alternate: raydeck (POST a RayJob with a
clusterSelector, poll its status until jobStatus is RUNNING) and direct (run
``ray job submit --no-wait`` against the same cluster's dashboard, poll Ray's
Jobs API until RUNNING). Goal: median ratio <= 1.1. Then one RayJob with its
own cluster: create -> RUNNING and create -> Complete for a trivial job,
against how long that cluster takes to become ready (goal: within 2 s of it).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.support import RaydeckServer, median

CLUSTERS = "/api/v1/namespaces/default/rayclusters"
JOBS = "/api/v1/namespaces/default/rayjobs"
HEAD = {"name": "ray-head", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}
CLUSTER_SPEC: dict[str, Any] = {
    "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [HEAD]}}},
}


def wait(predicate: Any, *, timeout: float = 300, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step timed out")
        time.sleep(step)


def job_body(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": {"name": name}, "spec": spec}


def raydeck_round(client: httpx.Client, index: int) -> float:
    name = f"bench-{index}"
    body = job_body(name, entrypoint="sleep 5", clusterSelector={"ray.io/cluster": "bench"})
    start = time.monotonic()
    client.post(JOBS, json=body).raise_for_status()
    wait(
        lambda: (
            (client.get(f"{JOBS}/{name}").json().get("status") or {}).get("jobStatus") == "RUNNING"
        )
    )
    return time.monotonic() - start


def direct_round(dashboard: str, token: str, index: int) -> float:
    """``ray job submit`` as a user holding the cluster's Ray token would run it."""
    ray = Path(sys.executable).parent / "ray"
    submission = f"direct-{index}"
    start = time.monotonic()
    subprocess.run(
        [
            str(ray),
            "job",
            "submit",
            "--no-wait",
            "--address",
            dashboard,
            "--submission-id",
            submission,
            "--",
            "sleep",
            "5",
        ],
        check=True,
        capture_output=True,
        env={
            **os.environ,
            "RAY_USAGE_STATS_ENABLED": "0",
            "RAY_AUTH_MODE": "token",
            "RAY_AUTH_TOKEN": token,
        },
    )
    with httpx.Client(base_url=dashboard, headers={"Authorization": f"Bearer {token}"}) as ray_api:
        wait(lambda: ray_api.get(f"/api/jobs/{submission}").json().get("status") == "RUNNING")
    return time.monotonic() - start


def ray_token(pid: int) -> str:
    """The cluster's Ray token, from its node's environment (raydeck does not serve it)."""
    for entry in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0"):
        if entry.startswith(b"RAY_AUTH_TOKEN="):
            return entry.split(b"=", 1)[1].decode()
    raise RuntimeError(f"process {pid} has no RAY_AUTH_TOKEN")


def own_cluster(client: httpx.Client) -> tuple[float, float, float]:
    """create -> cluster ready, create -> RUNNING, create -> Complete for a trivial job."""
    body = job_body("own", entrypoint="python -c 'print(1)'", rayClusterSpec=CLUSTER_SPEC)
    start = time.monotonic()
    client.post(JOBS, json=body).raise_for_status()
    marks: dict[str, float] = {}

    def progressed() -> bool:
        status = client.get(f"{JOBS}/own").json().get("status") or {}
        cluster = (status.get("rayClusterStatus") or {}).get("state")
        now = time.monotonic() - start
        if cluster == "ready" or status.get("jobDeploymentStatus") in ("Running", "Complete"):
            marks.setdefault("ready", now)
        if status.get("jobStatus") in ("RUNNING", "SUCCEEDED"):
            marks.setdefault("running", now)
        return status.get("jobDeploymentStatus") == "Complete" and marks.setdefault("done", now) > 0

    wait(progressed)
    return marks["ready"], marks["running"], marks["done"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    server = RaydeckServer()
    try:
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
            cluster = {
                "apiVersion": "ray.io/v1",
                "kind": "RayCluster",
                "metadata": {"name": "bench"},
                "spec": CLUSTER_SPEC,
            }
            client.post(CLUSTERS, json=cluster).raise_for_status()
            wait(
                lambda: (
                    (client.get(f"{CLUSTERS}/bench").json().get("status") or {}).get("state")
                    == "ready"
                )
            )
            port = client.get(f"{CLUSTERS}/bench").json()["status"]["endpoints"]["dashboard"]
            token = ray_token(client.get(f"{CLUSTERS}/bench/pods").json()["items"][0]["pid"])
            ours, direct = [], []
            for index in range(rounds):
                ours.append(raydeck_round(client, index))
                direct.append(direct_round(f"http://127.0.0.1:{port}", token, index))
                print(
                    f"round {index + 1}: raydeck {ours[-1]:.2f} s   ray job submit {direct[-1]:.2f} s",
                    flush=True,
                )
            print(
                f"median submit -> RUNNING: raydeck {median(ours):.2f} s, direct {median(direct):.2f} s, "
                f"ratio {median(ours) / median(direct):.2f} (goal <= 1.1)"
            )
            ready, running, done = own_cluster(client)
            print(
                f"RayJob with its own cluster: cluster ready {ready:.2f} s, RUNNING {running:.2f} s "
                f"(+{running - ready:.2f}), Complete {done:.2f} s (+{done - ready:.2f}) (goal <= ready + 2 s)"
            )
    finally:
        server.close()


if __name__ == "__main__":
    main()
