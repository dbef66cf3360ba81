"""A Prometheus server for the local clusters: its scrape config and raydeck's file_sd target file.

``raydeck up --with-prometheus`` writes the config and starts Debian's
``prometheus`` with it; the monitoring manager rewrites the target file (one
entry per running Ray node, as Ray's own ``prom_metrics_service_discovery.json``
lists them, across all clusters) on every sampling round. Ray writes its file
per head in each session directory; Prometheus's file_sd globs only the last
path segment, so raydeck keeps one file for all clusters instead.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from raydeck.monitoring.targets import ClusterTarget

TARGETS_FILE = "ray_targets.json"


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
