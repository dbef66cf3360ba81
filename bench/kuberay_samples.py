"""KubeRay v1.7.0's own samples, applied unchanged to a real local raydeck, one at a time.

Reads ``ray-operator/config/samples/*.yaml`` from KubeRay's source (the test bed's cache, else
the archive in the project's shared/testbed folder; never copied into the repository), applies
each sample's documents through the REST API, waits for its goal state (RayCluster ``ready``,
RayJob ``SUCCEEDED`` or, in InteractiveMode, ``Waiting``, RayService ``Ready``), and writes the
outcome table into docs/local-platform.md between its markers after every sample.

    .venv/bin/python -m bench.kuberay_samples [--timeout 600] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.support import RaydeckServer
from raydeck.resources.codec import load_documents

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "local-platform.md"
BEGIN, END = "<!-- kuberay-samples:begin -->", "<!-- kuberay-samples:end -->"
PLURALS = {
    "RayCluster": "rayclusters",
    "RayJob": "rayjobs",
    "RayService": "rayservices",
    "ConfigMap": "configmaps",
}


@dataclass
class Outcome:
    sample: str
    kinds: str
    outcome: str
    detail: str


def samples() -> dict[str, str]:
    """Sample file name -> text, from the bed cache or KubeRay's source archive."""
    cache = Path(os.environ.get("RAYDECK_TESTBED_CACHE", Path.home() / ".cache/raydeck-testbed"))
    for folder in sorted((cache / "src").glob("kuberay-*/ray-operator/config/samples")):
        return {p.name: p.read_text() for p in sorted(folder.glob("*.yaml"))}
    shared = Path(os.environ.get("RAYDECK_SHARED", REPO.parent / "shared"))
    archive = shared / "testbed" / "kuberay-ray-operator-v1.7.0.tar.gz"
    if not archive.is_file():
        raise SystemExit(f"no KubeRay source: neither the bed cache {cache} nor {archive}")
    found = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            parent, _, name = member.name.rpartition("/")
            if parent.endswith("ray-operator/config/samples") and name.endswith(".yaml"):
                extracted = tar.extractfile(member)
                assert extracted is not None
                found[name] = extracted.read().decode()
    return dict(sorted(found.items()))


def goal(kind: str, body: dict[str, Any]) -> str | None:
    """'' while waiting, a failure text, or None once the goal state is reached."""
    status = body.get("status") or {}
    if kind == "RayCluster":
        return None if status.get("state") == "ready" else ""
    if kind == "RayJob":
        interactive = (body.get("spec") or {}).get("submissionMode") == "InteractiveMode"
        if interactive and status.get("jobDeploymentStatus") == "Waiting":
            return None
        if status.get("jobStatus") == "SUCCEEDED":
            return None
        if status.get("jobDeploymentStatus") in ("Failed", "ValidationFailed"):
            return f"{status.get('reason', 'Failed')}: {status.get('message', '')}"[:300]
        return ""
    ready = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    return None if ready.get("Ready") == "True" else ""


def last_warning(client: httpx.Client, path: str) -> str:
    """The newest Warning event of the object or of the RayCluster it runs on, in short."""
    body = client.get(path).json()
    status = body.get("status") or {}
    cluster = (
        status.get("rayClusterName")
        or (status.get("activeServiceStatus") or {}).get("rayClusterName")
        or (status.get("pendingServiceStatus") or {}).get("rayClusterName")
    )
    paths = [path]
    if cluster:
        paths.append(f"/api/v1/namespaces/default/rayclusters/{cluster}")
    events = [e for p in paths for e in client.get(f"{p}/events").json().get("items") or []]
    warnings = sorted(
        (e for e in events if e.get("type") == "Warning"), key=lambda e: e.get("lastTimestamp", "")
    )
    if not warnings:
        return str(status.get("message") or "no warning event")[:300]
    return " ".join(warnings[-1]["message"].split())[:400]


def run_one(server: RaydeckServer, name: str, text: str, timeout: float) -> Outcome:
    documents = load_documents(text)
    kinds = ", ".join(sorted({str(d.get("kind")) for d in documents}))
    other = sorted({str(d.get("kind")) for d in documents} - set(PLURALS))
    if other:
        return Outcome(
            name,
            kinds,
            "refused",
            f"kind {', '.join(other)} is not run by the local platform; apply it to Kubernetes",
        )
    created: list[tuple[str, str]] = []
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        try:
            return _apply_and_wait(client, name, kinds, documents, created, timeout)
        finally:
            _clean(client, created)


def _apply_and_wait(
    client: httpx.Client,
    name: str,
    kinds: str,
    documents: list[dict[str, Any]],
    created: list[tuple[str, str]],
    timeout: float,
) -> Outcome:
    started = time.monotonic()
    ordered = sorted(documents, key=lambda d: d.get("kind") != "ConfigMap")
    for document in ordered:
        plural = PLURALS[str(document["kind"])]
        response = client.post(f"/api/v1/namespaces/default/{plural}", json=document)
        if response.status_code != 201:
            causes = response.json().get("details", {}).get("causes") or []
            why = "; ".join(f"{c['field']}: {c['message']}" for c in causes[:2])
            return Outcome(
                name, kinds, f"refused ({response.status_code})", why[:300] or response.text[:300]
            )
        created.append((plural, document["metadata"]["name"]))
    targets = [(p, n) for p, n in created if p != "configmaps"]
    kinds_of = {PLURALS[str(d["kind"])]: str(d["kind"]) for d in documents}
    while time.monotonic() - started < timeout:
        pending = []
        for plural, obj in targets:
            path = f"/api/v1/namespaces/default/{plural}/{obj}"
            state = goal(kinds_of[plural], client.get(path).json())
            if state:
                return Outcome(name, kinds, "failed", state)
            if state == "":
                pending.append(path)
        if not pending:
            return Outcome(name, kinds, "reached", f"{time.monotonic() - started:.0f} s")
        time.sleep(2)
    return Outcome(
        name, kinds, "timed out", f"after {timeout:.0f} s; {last_warning(client, pending[0])}"
    )


def _clean(client: httpx.Client, created: list[tuple[str, str]]) -> None:
    for plural, obj in reversed(created):
        path = f"/api/v1/namespaces/default/{plural}/{obj}"
        if plural == "rayclusters":
            client.post(f"{path}/stop")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and client.delete(path).status_code == 409:
                time.sleep(1)
        else:
            client.delete(path)


def write_table(outcomes: list[Outcome], note: str) -> None:
    rows = ["| sample | kinds | outcome | time or reason |", "| --- | --- | --- | --- |"]
    for o in outcomes:
        detail = o.detail.replace("|", "\\|").replace("\n", " ")
        rows.append(f"| `{o.sample}` | {o.kinds} | {o.outcome} | {detail} |")
    text = DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{note}\n\n" + "\n".join(rows) + f"\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    found = samples()
    chosen = {k: found[k] for k in args.only if k in found} if args.only else found
    note = (
        f"Produced by `bench/kuberay_samples.py` ({time.strftime('%Y-%m-%d')}, "
        f"{len(chosen)} of {len(found)} top-level samples, one at a time, timeout "
        f"{args.timeout:.0f} s each) with `RAYDECK_LOCAL__CAPACITY_CPU=64`, until the default "
        "capacity admits them on 2 cores."
    )
    outcomes: list[Outcome] = []
    server = RaydeckServer()
    try:
        for name, text in chosen.items():
            outcome = run_one(server, name, text, args.timeout)
            outcomes.append(outcome)
            print(f"{name}: {outcome.outcome} {outcome.detail}", flush=True)
            write_table(outcomes, note)
    finally:
        server.close()


if __name__ == "__main__":
    main()
