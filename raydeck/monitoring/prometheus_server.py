"""A Prometheus server for the local clusters: its scrape config, raydeck's file_sd target file, and
the running ``prometheus`` process.

``raydeck up --with-prometheus`` (and the monitoring tests) start Debian's
``prometheus`` through ``run_prometheus``; the monitoring manager rewrites the
target file (one entry per running Ray node, as Ray's own
``prom_metrics_service_discovery.json`` lists them, across all clusters) on every
sampling round. Ray writes its file per head in each session directory;
Prometheus's file_sd globs only the last path segment, so raydeck keeps one file
for all clusters instead. Nothing here queries Prometheus: ``prometheus.py`` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from raydeck.errors import RaydeckError
from raydeck.monitoring.targets import ClusterTarget

TARGETS_FILE = "ray_targets.json"
#: Where ``run_prometheus`` keeps the config and the log, under its home directory.
CONFIG_FILE = "prometheus.yml"
LOG_FILE = "prometheus.log"


def file_sd_groups(targets: Sequence[ClusterTarget]) -> list[dict[str, Any]]:
    """file_sd target groups: each running node's metrics endpoint, labelled with its cluster."""
    groups = []
    for cluster in targets:
        for node in cluster.nodes:
            if node.running and node.instance:
                groups.append(
                    {
                        "targets": [node.instance],
                        "labels": {
                            "ray_io_cluster": cluster.name,
                            "namespace": cluster.namespace,
                            "pod": node.pod,
                            "ray_node_type": node.node_type,
                        },
                    }
                )
    return groups


def write_file_sd(path: Path, targets: Sequence[ClusterTarget]) -> None:
    """Replace the target file atomically, so Prometheus never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(file_sd_groups(targets), indent=1))
    os.replace(partial, path)


def config(
    *, targets_file: Path, raydeck_address: str | None, scrape_interval: float = 5.0
) -> dict[str, Any]:
    """Prometheus's configuration: Ray's nodes through the target file, and raydeck's /metrics."""
    interval = f"{scrape_interval:g}s"
    jobs: list[dict[str, Any]] = [
        {
            "job_name": "ray",
            "scrape_interval": interval,
            "file_sd_configs": [{"files": [str(targets_file)], "refresh_interval": interval}],
        }
    ]
    if raydeck_address:
        jobs.append(
            {
                "job_name": "raydeck",
                "scrape_interval": interval,
                "static_configs": [{"targets": [raydeck_address]}],
            }
        )
    return {"global": {"scrape_interval": interval}, "scrape_configs": jobs}


def prometheus_binary() -> str | None:
    return shutil.which("prometheus")


def command(
    *, binary: str, config_file: Path, data_dir: Path, listen: str, retention: str = "2h"
) -> list[str]:
    """The ``prometheus`` argv for a config written by ``write_config``."""
    return [
        binary,
        f"--config.file={config_file}",
        f"--storage.tsdb.path={data_dir}",
        f"--storage.tsdb.retention.time={retention}",
        f"--web.listen-address={listen}",
    ]


def write_config(path: Path, settings: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(settings, sort_keys=False))


@contextmanager
def run_prometheus(
    settings: dict[str, Any],
    *,
    binary: str,
    home: Path,
    listen: str,
    ready_within: float | None = 60.0,
) -> Iterator[str]:
    """Run ``prometheus`` with ``settings`` under ``home`` in a process group of its own; its URL.

    With ``ready_within`` it waits for ``/-/ready`` first and fails (with the log's end) if
    Prometheus exits or is not ready in time; without, it returns at once. On the way out the
    whole group is stopped: SIGTERM, then SIGKILL after 10 s.
    """
    write_config(home / CONFIG_FILE, settings)
    argv = command(
        binary=binary, config_file=home / CONFIG_FILE, data_dir=home / "data", listen=listen
    )
    with (home / LOG_FILE).open("ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
    url = f"http://{listen}"
    try:
        if ready_within is not None:
            _wait_ready(process, url, log=home / LOG_FILE, within=ready_within)
        yield url
    finally:
        _stop_group(process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, *, log: Path, within: float) -> None:
    deadline = time.monotonic() + within
    while not _ready(f"{url}/-/ready"):
        if process.poll() is not None:
            raise RaydeckError(
                f"Prometheus exited with code {process.returncode}; its log ends:\n"
                + log.read_text(errors="replace")[-3000:]
            )
        if time.monotonic() > deadline:
            raise RaydeckError(f"Prometheus was not ready at {url} within {within:g} s")
        time.sleep(0.2)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    # The group, not the pid: whatever Prometheus started goes with it.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
