"""KubeRay v1.7.0's own samples, applied unchanged to a real local raydeck, one at a time.

Reads every ``*.yaml`` under ``ray-operator/config/samples/`` from KubeRay's source (the test
bed's cache, else the archive in the project's shared/testbed folder; never copied into the
repository), applies each sample with ``raydeck apply -f`` as a user would, waits for its goal
state (RayCluster ``ready``, RayJob ``SUCCEEDED`` or, in InteractiveMode, ``Waiting``,
RayService ``Ready``), and writes the outcome table into docs/local-platform.md between its
markers after every sample. ``--only`` re-runs some samples and replaces just their rows.

    .venv/bin/python -m bench.kuberay_samples [--timeout 600] [--only NAME ...]

Ctrl-C (or SIGTERM) stops the sample being run and the raydeck it started, with every Ray
process of it, and leaves the table as of the last finished sample.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

from bench.support import RaydeckServer
from raydeck.resources.codec import load_documents
from raydeck.resources.kinds import by_name

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "local-platform.md"
BEGIN, END = "<!-- kuberay-samples:begin -->", "<!-- kuberay-samples:end -->"
SAMPLES = "ray-operator/config/samples"
HEADER = ["| sample | kinds | outcome | time or reason |", "| --- | --- | --- | --- |"]
#: What `raydeck apply` prints for a document it wrote: "rayclusters/name created".
_WRITTEN = re.compile(r"^(?P<plural>[a-z]+)/(?P<name>\S+) (created|configured)$")


@dataclass
class Outcome:
    sample: str
    kinds: str
    outcome: str
    detail: str

    def row(self) -> str:
        detail = without_local_paths(self.detail).replace("|", "\\|").replace("\n", " ")
        return f"| `{self.sample}` | {self.kinds} | {self.outcome} | {detail} |"


def without_local_paths(text: str) -> str:
    """``text`` with this machine's paths (the environment's, the home folder, the checkout)
    cut to what follows them: a table in the repository names no path of one machine."""
    for prefix in sorted({sys.prefix, str(REPO), str(Path.home())}, key=len, reverse=True):
        site = Path(prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}")
        text = text.replace(f"{site}/site-packages/", "…/site-packages/").replace(
            f"{prefix}/", "…/"
        )
    return text


def samples() -> dict[str, str]:
    """Sample path (relative to the samples folder) -> text, from the bed cache or the archive."""
    cache = Path(os.environ.get("RAYDECK_TESTBED_CACHE", Path.home() / ".cache/raydeck-testbed"))
    for folder in sorted((cache / "src").glob(f"kuberay-*/{SAMPLES}")):
        return {str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*.yaml"))}
    shared = Path(os.environ.get("RAYDECK_SHARED", REPO.parent / "shared"))
    archive = shared / "testbed" / "kuberay-ray-operator-v1.7.0.tar.gz"
    if not archive.is_file():
        raise SystemExit(f"no KubeRay source: neither the bed cache {cache} nor {archive}")
    found = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            _, marker, relative = member.name.partition(f"/{SAMPLES}/")
            if marker and relative.endswith(".yaml") and member.isfile():
                extracted = tar.extractfile(member)
                assert extracted is not None
                found[relative] = extracted.read().decode()
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
            return f"{status.get('reason', 'Failed')}: {status.get('message', '')}"[:400]
        return ""
    ready = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    return None if ready.get("Ready") == "True" else ""


#: Warnings that say a node cannot run as it is: three of them and the sample has failed.
_NODE_FAILURES = ("FailedCreateNode", "NodeFailed")
#: Seconds a failure raydeck reports (a node that cannot start, an application that failed to
#: deploy) must persist before the sample counts as failed rather than still settling.
_PERSISTS = 30.0


def failure(client: httpx.Client, path: str) -> str:
    """What raydeck reports as failing for the object or the cluster it runs on: a failed
    application of a RayService, or a node that keeps failing; '' if nothing."""
    body = client.get(path).json()
    status = body.get("status") or {}
    for side in ("activeServiceStatus", "pendingServiceStatus"):
        for app, state in ((status.get(side) or {}).get("applicationStatuses") or {}).items():
            if state.get("status") in ("DEPLOY_FAILED", "UNHEALTHY"):
                return f"{app} is {state['status']}: {state.get('message', '')}"[:400]
    events = [e for p in _paths_of(path, status) for e in _events(client, p)]
    failing = [e for e in events if e.get("reason") in _NODE_FAILURES]
    if sum(int(e.get("count") or 1) for e in failing) >= 3:
        latest = max(failing, key=lambda e: e.get("lastTimestamp", ""))
        return shortened(str(latest["message"]))
    return ""


def _events(client: httpx.Client, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.get(f"{path}/events").json().get("items") or []
    return [e for e in items if e.get("type") == "Warning"]


def _paths_of(path: str, status: dict[str, Any]) -> list[str]:
    """The object's path and that of the RayCluster it runs on, if any."""
    namespace = path.split("/")[4]
    cluster = (
        status.get("rayClusterName")
        or (status.get("activeServiceStatus") or {}).get("rayClusterName")
        or (status.get("pendingServiceStatus") or {}).get("rayClusterName")
    )
    return [path, *([f"/api/v1/namespaces/{namespace}/rayclusters/{cluster}"] if cluster else [])]


def last_warning(client: httpx.Client, path: str) -> str:
    """The newest Warning event of the object or of the RayCluster it runs on, in short."""
    status = client.get(path).json().get("status") or {}
    events = [e for p in _paths_of(path, status) for e in _events(client, p)]
    warnings = sorted(events, key=lambda e: e.get("lastTimestamp", ""))
    state = ", ".join(
        f"{k} {status[k]}" for k in ("jobDeploymentStatus", "jobStatus", "state") if status.get(k)
    )
    said = [state, str(status.get("message") or ""), *[str(w["message"]) for w in warnings[-1:]]]
    return shortened("; ".join(s for s in said if s) or "no status and no warning event")


def shortened(text: str, size: int = 500) -> str:
    """``text`` on one line, at most ``size`` characters: its start and its end, where a node's
    last output says what went wrong."""
    line = " ".join(text.split())
    return line if len(line) <= size else f"{line[: size // 3]} … {line[-(size * 2 // 3) :]}"


def run_one(server: RaydeckServer, name: str, text: str, timeout: float) -> Outcome:
    try:
        documents = load_documents(text)
    except Exception as e:  # a sample that is not YAML raydeck reads is itself the outcome
        return Outcome(name, "?", "unreadable", str(e)[:300])
    kinds = ", ".join(sorted({str(d.get("kind")) for d in documents}))
    created: list[tuple[str, str, str]] = []
    with httpx.Client(base_url=server.url, headers=server.headers, timeout=30) as client:
        outcome = _apply_and_wait(server, client, name, kinds, text, created, timeout)
        # Not in a finally: on Ctrl-C, closing the server stops everything without waiting here.
        _clean(client, created)
    return outcome


def _apply(server: RaydeckServer, text: str) -> tuple[int, list[str], list[str]]:
    """``raydeck apply -f`` of the sample as a user runs it: exit code, stdout and stderr lines."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", dir=server.data_dir) as file:
        file.write(text)
        file.flush()
        done = subprocess.run(
            [str(Path(sys.executable).parent / "raydeck"), "apply", "-f", file.name],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "RAYDECK_URL": server.url, "RAYDECK_TOKEN": server.token},
            check=False,
        )
    return done.returncode, done.stdout.splitlines(), done.stderr.splitlines()


def _apply_and_wait(
    server: RaydeckServer,
    client: httpx.Client,
    name: str,
    kinds: str,
    text: str,
    created: list[tuple[str, str, str]],
    timeout: float,
) -> Outcome:
    started = time.monotonic()
    code, out, err = _apply(server, text)
    for line in out:
        if match := _WRITTEN.match(line.strip()):
            created.append((match["plural"], match["name"], "default"))
    if code != 0:
        errors = [line.strip() for line in err if not line.startswith("Warning:")]
        return Outcome(name, kinds, "refused", " ".join(errors)[:600] or f"exit code {code}")
    targets = [(p, n) for p, n, _ in created if by_name(p).runnable]
    failing: dict[str, tuple[float, str]] = {}
    while time.monotonic() - started < timeout:
        pending = []
        for plural, obj in targets:
            path = f"/api/v1/namespaces/default/{plural}/{obj}"
            state = goal(by_name(plural).name, client.get(path).json())
            if state:
                return Outcome(name, kinds, "failed", state)
            if state == "":
                pending.append(path)
        if not pending:
            return Outcome(name, kinds, "reached", f"{time.monotonic() - started:.0f} s")
        for path in pending:
            why = failure(client, path)
            since = failing.get(path, (time.monotonic(), why))[0] if why else None
            if since is None:
                failing.pop(path, None)
            elif time.monotonic() - since >= _PERSISTS:
                return Outcome(name, kinds, "failed", why)
            else:
                failing[path] = (since, why)
        time.sleep(2)
    return Outcome(
        name, kinds, "timed out", f"after {timeout:.0f} s; {last_warning(client, pending[0])}"
    )


def _clean(client: httpx.Client, created: list[tuple[str, str, str]]) -> None:
    for plural, obj, namespace in reversed(created):
        path = f"/api/v1/namespaces/{namespace}/{plural}/{obj}"
        if by_name(plural).stop_before_delete:
            client.post(f"{path}/stop")
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and client.delete(path).status_code == 409:
                time.sleep(1)
        else:
            client.delete(path)


def write_table(outcomes: dict[str, Outcome], note: str) -> None:
    """The table between the markers: ``outcomes`` replace the rows of their samples, the
    other rows stay; rows in sample order."""
    text = DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    old, _, tail = rest.partition(END)
    rows = {m[1]: m[0] for m in re.finditer(r"^\| `([^`]+)` \|.*$", old, re.M)}
    rows.update({o.sample: o.row() for o in outcomes.values()})
    body = "\n".join([*HEADER, *(rows[k] for k in sorted(rows))])
    DOC.write_text(f"{head}{BEGIN}\n{note}\n\n{body}\n\n{counts(rows)}\n{END}{tail}")


def counts(rows: dict[str, str]) -> str:
    tally: dict[str, int] = {}
    for row in rows.values():
        outcome = row.split(" | ")[2].split(" (")[0]
        tally[outcome] = tally.get(outcome, 0) + 1
    return f"{len(rows)} samples: " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items()))


def _note(chosen: int, found: int, timeout: float, only: bool) -> str:
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    text = DOC.read_text().partition(BEGIN)[2].partition(END)[0].strip()
    earlier = text.split("\n\n")[0] if text.startswith("Produced") else ""
    run = (
        f"{chosen} of {found} samples, one at a time, `raydeck apply -f` with no RAYDECK_* "
        f"setting, timeout {timeout:.0f} s each, raydeck at {commit or 'an unknown commit'}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    if only and earlier:
        return f"{earlier.rstrip('.')}; re-run: {run}."
    return f"Produced by `bench/kuberay_samples.py`: {run}."


@contextmanager
def _interruptible() -> Iterator[None]:
    """Ctrl-C or SIGTERM ends the work inside as KeyboardInterrupt; a second one during the
    cleanup that follows is ignored, so the cleanup always finishes."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping the sample and raydeck's clusters ...", file=sys.stderr, flush=True)
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--only", nargs="*", default=[])
    args = parser.parse_args()
    found = samples()
    unknown = [k for k in args.only if k not in found]
    if unknown:
        raise SystemExit(f"no such sample: {', '.join(unknown)}")
    chosen = {k: found[k] for k in args.only} if args.only else found
    note = _note(len(chosen), len(found), args.timeout, bool(args.only))
    outcomes: dict[str, Outcome] = {}
    server: RaydeckServer | None = None
    try:
        with _interruptible():
            server = RaydeckServer()
            for name, text in chosen.items():
                outcome = run_one(server, name, text, args.timeout)
                outcomes[name] = outcome
                print(f"{name}: {outcome.outcome} {outcome.detail}", flush=True)
                write_table(outcomes, note)
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    finally:
        if server is not None:
            server.close()


if __name__ == "__main__":
    main()
