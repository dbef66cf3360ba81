"""Running the test bed's helm on raydeck's chart, and reading what it renders.

helm comes from the test bed's cache (``scripts/testbed build`` makes it from
helm.sh/helm/v4); its own caches and config go to a temporary home, so the
tests leave nothing in the user's.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "raydeck"
FULL_VALUES = Path(__file__).with_name("full-values.yaml")
TESTBED_CACHE = Path(
    os.environ.get("RAYDECK_TESTBED_CACHE", str(Path.home() / ".cache" / "raydeck-testbed"))
)
HELM = TESTBED_CACHE / "bin" / "helm"
KUBECTL = TESTBED_CACHE / "bin" / "kubectl"
IMAGE_CACHE = Path(
    os.environ.get("RAYDECK_IMAGE_CACHE", str(Path.home() / ".cache" / "raydeck-image"))
)


def helm(
    args: Sequence[str], *, home: Path, kubeconfig: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run helm; fail saying how to get it when the test bed's cache has none."""
    assert HELM.is_file(), f"no helm at {HELM}: scripts/testbed build makes it"
    env = {
        **os.environ,
        "HELM_CACHE_HOME": str(home / "cache"),
        "HELM_CONFIG_HOME": str(home / "config"),
        "HELM_DATA_HOME": str(home / "data"),
    }
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    return subprocess.run(
        [str(HELM), *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def render(home: Path, *extra: str, namespace: str = "raydeck") -> list[dict[str, Any]]:
    """The objects ``helm template`` renders (raydeck's release, in ``namespace``)."""
    done = helm(["template", "raydeck", str(CHART), "--namespace", namespace, *extra], home=home)
    assert done.returncode == 0, done.stderr
    # The rendered objects are Kubernetes JSON: dicts at this edge.
    return [d for d in yaml.safe_load_all(done.stdout) if d]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind]
    assert len(found) == 1, f"{len(found)} objects of kind {kind}"
    return found[0]


def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec = one(objects, "Deployment")["spec"]["template"]["spec"]
    (raydeck,) = spec["containers"]
    result: dict[str, Any] = raydeck
    return result


def env(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The container's environment: name to value, or to its valueFrom."""
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container(objects)["env"]}


def rules(role: dict[str, Any]) -> dict[tuple[str, str], set[str]]:
    """A role's rules as (apiGroup, resource) to verbs."""
    table: dict[tuple[str, str], set[str]] = {}
    for rule in role["rules"]:
        for group in rule["apiGroups"]:
            for resource in rule["resources"]:
                table.setdefault((group, resource), set()).update(rule["verbs"])
    return table


def kubectl(kubeconfig: Path, *args: str) -> Any:
    """Run the test bed's kubectl; its output parsed when JSON was asked for."""
    done = subprocess.run(
        [str(KUBECTL), "--kubeconfig", str(kubeconfig), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout) if "json" in args else done.stdout
