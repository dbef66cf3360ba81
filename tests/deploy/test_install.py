"""``helm install`` of raydeck's chart on the test bed: the real API server takes every object.

kwok runs no containers, so "scheduled" is what is proven of the pod: bound to a node and
Running as kwok reports it. The release goes into a fresh namespace and is uninstalled after.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.deploy.support import CHART, FULL_VALUES, KUBECTL, helm, kubectl

pytestmark = pytest.mark.kubernetes


@pytest.fixture
def release_namespace(kubeconfig: Path) -> Iterator[str]:
    """A fresh namespace holding the Secrets the full values name, deleted afterwards."""
    name = f"rd-helm-{uuid.uuid4().hex[:6]}"
    kubectl(kubeconfig, "create", "namespace", name)
    for secret, key, value in [
        ("raydeck-admin", "password", "a-long-admin-password"),
        ("admin-secret", "pw", "a-long-admin-password"),
        ("raydeck-db", "dsn", "postgresql://raydeck@db.example.com/raydeck"),
    ]:
        kubectl(
            kubeconfig,
            "-n",
            name,
            "create",
            "secret",
            "generic",
            secret,
            f"--from-literal={key}={value}",
        )
    try:
        yield name
    finally:
        kubectl(kubeconfig, "delete", "namespace", name, "--wait=false")


def installed_objects(manifest: str) -> list[tuple[str, str]]:
    return [(d["kind"], d["metadata"]["name"]) for d in yaml.safe_load_all(manifest) if d]


@pytest.mark.parametrize("values", [[], ["--values", str(FULL_VALUES)]], ids=["default", "full"])
def test_helm_install_is_accepted_and_the_pod_is_scheduled_then_uninstall_removes_it(
    kubeconfig: Path, release_namespace: str, tmp_path: Path, values: list[str]
) -> None:
    ns = release_namespace
    install = helm(
        ["install", "raydeck", str(CHART), "-n", ns, "--wait", "--timeout", "3m", *values],
        home=tmp_path,
        kubeconfig=kubeconfig,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    manifest = helm(["get", "manifest", "raydeck", "-n", ns], home=tmp_path, kubeconfig=kubeconfig)
    objects = installed_objects(manifest.stdout)
    assert ("Deployment", "raydeck") in objects
    for kind, name in objects:
        cluster_wide = kind in ("ClusterRole", "ClusterRoleBinding")
        found = kubectl(
            kubeconfig, *([] if cluster_wide else ["-n", ns]), "get", kind, name, "-o", "json"
        )
        assert found["metadata"]["name"] == name

    deployment = kubectl(kubeconfig, "-n", ns, "get", "deployment", "raydeck", "-o", "json")
    wanted = deployment["spec"]["replicas"]
    assert deployment["status"].get("readyReplicas") == wanted
    pods = kubectl(
        kubeconfig,
        "-n",
        ns,
        "get",
        "pods",
        "-l",
        "app.kubernetes.io/instance=raydeck",
        "-o",
        "json",
    )["items"]
    assert len(pods) == wanted
    for pod in pods:
        assert pod["spec"]["nodeName"].startswith("kwok-node-")
        assert pod["status"]["phase"] == "Running"

    uninstall = helm(
        ["uninstall", "raydeck", "-n", ns, "--wait"],
        home=tmp_path,
        kubeconfig=kubeconfig,
        timeout=300,
    )
    assert uninstall.returncode == 0, uninstall.stderr
    roles = kubectl(kubeconfig, "get", "clusterroles", "-o", "json")["items"]
    assert not [r for r in roles if r["metadata"]["name"].startswith(f"{ns}-")]


def test_the_service_account_may_do_what_raydeck_does_and_nothing_more(
    kubeconfig: Path, release_namespace: str, tmp_path: Path
) -> None:
    ns = release_namespace
    install = helm(
        ["install", "raydeck", str(CHART), "-n", ns],
        home=tmp_path,
        kubeconfig=kubeconfig,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    account = f"system:serviceaccount:{ns}:raydeck"

    def can(verb: str, resource: str, *where: str) -> bool:
        done = subprocess.run(
            [
                str(KUBECTL),
                "--kubeconfig",
                str(kubeconfig),
                "auth",
                "can-i",
                verb,
                resource,
                "--as",
                account,
                *where,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return done.stdout.strip() == "yes"

    # Granted by the chart's ClusterRole, in any namespace.
    assert can("create", "rayclusters.ray.io", "-n", "default")
    assert can("watch", "rayjobs.ray.io", "--all-namespaces")
    assert can("get", "pods", "--subresource=log", "-n", "default")
    assert can("get", "services", "--subresource=proxy", "-n", "default")
    assert can("list", "workloads.kueue.x-k8s.io", "--all-namespaces")
    # Secrets are raydeck objects (secretKeyRef): the calls it makes, and never a patch.
    assert can("list", "secrets", "--all-namespaces")
    assert can("update", "secrets", "-n", "default")
    assert not can("patch", "secrets", "-n", "default")
    # Never: patching, status, or leases (no leader election by default).
    assert not can("patch", "rayclusters.ray.io", "-n", "default")
    assert not can("update", "rayclusters.ray.io", "--subresource=status", "-n", "default")
    assert not can("delete", "pods", "-n", "default")
    assert not can("create", "leases.coordination.k8s.io", "-n", ns)
    uninstall = helm(
        ["uninstall", "raydeck", "-n", ns, "--wait"],
        home=tmp_path,
        kubeconfig=kubeconfig,
        timeout=300,
    )
    assert uninstall.returncode == 0, uninstall.stderr
