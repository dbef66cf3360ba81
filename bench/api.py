"""API latency with many stored RayClusters, against the same query straight on SQLite.

Run: ``.venv/bin/python -m bench.api --objects 10000``. It creates the objects
(suspended, so nothing runs) through a real ``raydeck up`` over HTTP, then
measures: create latency; a page of 50 with fuzzy search + status filter + sort
(goal p99 <= 50 ms); GET of one object (goal p99 <= 10 ms); the server's RSS per
object (goal <= 0.05 MB). The list query also runs straight against the same
SQLite file in this process (no HTTP, no JSON), side by side, as the floor.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time

import httpx

from bench.support import RaydeckServer, median, percentile, rss_mb

BASE = "/api/v1/namespaces/default/rayclusters"
WORDS = ["alpha", "bravo", "delta", "gamma", "omega", "sigma", "tango", "zulu"]


def cluster(index: int) -> dict[str, object]:
    name = f"{WORDS[index % len(WORDS)]}-{WORDS[(index // 8) % len(WORDS)]}-{index}"
    cpu = str(1 + index % 4)
    container = {"name": "ray", "resources": {"limits": {"cpu": cpu, "memory": "2Gi"}}}
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, "labels": {"team": WORDS[index % 3]}},
        "spec": {
            "suspend": True,
            "rayVersion": ["2.59.0", "2.60.0"][index % 2],
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [container]}},
            },
            "workerGroupSpecs": [
                {
                    "groupName": "w",
                    "replicas": 2,
                    "minReplicas": 0,
                    "maxReplicas": 4,
                    "rayStartParams": {},
                    "template": {"spec": {"containers": [container]}},
                }
            ],
        },
    }


def create_all(url: str, headers: dict[str, str], count: int) -> list[float]:
    """One client creating one object after another: the latency a user sees per create."""
    latencies = []
    with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
        for index in range(count):
            start = time.perf_counter()
            client.post(BASE, json=cluster(index)).raise_for_status()
            latencies.append(time.perf_counter() - start)
    return latencies


def timed(client: httpx.Client, path: str, params: dict[str, object] | None = None) -> float:
    start = time.perf_counter()
    client.get(path, params=params).raise_for_status()
    return time.perf_counter() - start


LIST_SQL = """SELECT * FROM objects WHERE kind = 'RayCluster' AND namespace = 'default'
AND name LIKE ? ESCAPE '\\' AND state IN ('suspended') ORDER BY cpu_millis DESC, name, namespace
LIMIT 50"""
COUNT_SQL = """SELECT count(*) FROM objects WHERE kind = 'RayCluster' AND namespace = 'default'
AND name LIKE ? ESCAPE '\\' AND state IN ('suspended')"""


def direct_list(db: sqlite3.Connection, search: str) -> float:
    pattern = "%" + "%".join(search) + "%"
    start = time.perf_counter()
    db.execute(COUNT_SQL, (pattern,)).fetchone()
    db.execute(LIST_SQL, (pattern,)).fetchall()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    server = RaydeckServer()
    try:
        rss_empty = rss_mb(server.process.pid)
        creates = create_all(server.url, server.headers, args.objects)
        time.sleep(5)  # let the controller settle every new object before measuring reads
        rss_full = rss_mb(server.process.pid)
        rng = random.Random(7)
        searches = [rng.choice(WORDS)[:3] for _ in range(args.requests)]
        db = sqlite3.connect(server.data_dir / "raydeck.db")
        lists, direct, gets = [], [], []
        with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
            for search in searches:
                params = {"search": search, "status": "suspended", "sort": "-cpu", "limit": 50}
                lists.append(timed(client, BASE, params))
                direct.append(direct_list(db, search))
                name = cluster(rng.randrange(args.objects))["metadata"]["name"]  # type: ignore[index]
                gets.append(timed(client, f"{BASE}/{name}"))
        rss_after = rss_mb(server.process.pid)
    finally:
        server.close()
    ms = 1000
    print(f"objects: {args.objects}, requests per measure: {args.requests}")
    print(
        f"create:  p50 {median(creates) * ms:.1f} ms  p99 {percentile(creates, 99) * ms:.1f} ms "
        "(goal p99 <= 25 ms)"
    )
    print(
        f"list 50 (search+status+sort): p50 {median(lists) * ms:.1f} ms  "
        f"p99 {percentile(lists, 99) * ms:.1f} ms (goal p99 <= 50 ms)"
    )
    print(
        f"  same query straight on SQLite: p50 {median(direct) * ms:.1f} ms  "
        f"p99 {percentile(direct, 99) * ms:.1f} ms; raydeck/direct p50 ratio "
        f"{median(lists) / median(direct):.1f}"
    )
    print(
        f"get one: p50 {median(gets) * ms:.1f} ms  p99 {percentile(gets, 99) * ms:.1f} ms "
        "(goal p99 <= 10 ms)"
    )
    per_object = max(rss_full, rss_after) / args.objects
    print(
        f"server RSS: {rss_empty:.0f} MB empty, {max(rss_full, rss_after):.0f} MB with "
        f"{args.objects} objects = {per_object:.4f} MB per object all told, "
        f"{(max(rss_full, rss_after) - rss_empty) / args.objects:.4f} MB added per object "
        "(goal <= 0.05 MB)"
    )


if __name__ == "__main__":
    main()
