"""raydeck's Helm chart, linted and rendered by the real helm (no cluster needed).

What is asserted is what an admin relies on: the pod cannot gain privilege or write its image,
the RBAC is exactly what raydeck's kubernetes platform calls, and every value reaches raydeck.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.support import CHART, FULL_VALUES, container, env, helm, one, render, rules

#: What raydeck's kubernetes platform calls (raydeck/platforms/kubernetes/), by default.
EXPECTED_RULES = {
    ("ray.io", "rayclusters"): {"get", "list", "watch", "create", "update", "delete"},
    ("ray.io", "rayjobs"): {"get", "list", "watch", "create", "update", "delete"},
    ("ray.io", "rayservices"): {"get", "list", "watch", "create", "update", "delete"},
    ("", "configmaps"): {"get", "list", "watch", "create", "update", "delete"},
    ("", "secrets"): {"get", "list", "watch", "create", "update", "delete"},
    ("", "namespaces"): {"list", "watch", "create", "delete"},
    ("", "pods"): {"list"},
    ("", "pods/log"): {"get"},
    ("", "services"): {"get"},
    ("", "services/proxy"): {"get", "create", "update", "patch", "delete"},
    ("events.k8s.io", "events"): {"list", "watch"},
    ("kueue.x-k8s.io", "workloads"): {"list", "watch"},
}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path


def test_helm_lint_passes_for_the_default_and_the_full_values(home: Path) -> None:
    for extra in ([], ["--values", str(FULL_VALUES)]):
        done = helm(["lint", "--strict", str(CHART), *extra], home=home)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "0 chart(s) failed" in done.stdout


def test_the_default_install_is_a_deployment_its_account_rbac_and_a_service(home: Path) -> None:
    objects = render(home)
    assert sorted(o["kind"] for o in objects) == [
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Service",
        "ServiceAccount",
    ]
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 1
    # SQLite belongs to one pod: never two at once during a rollout.
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert one(objects, "Service")["spec"]["type"] == "ClusterIP"
    assert container(objects)["image"] == "localhost/raydeck:0.1.0"


def test_the_pod_runs_as_non_root_on_a_read_only_root_with_no_capabilities(home: Path) -> None:
    objects = render(home)
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = container(objects)["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["privileged"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    # What must be writable is an emptyDir: the data directory and /tmp, nothing else.
    mounts = {m["mountPath"]: m["name"] for m in container(objects)["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert set(mounts) == {"/var/lib/raydeck", "/tmp"}
    assert all("emptyDir" in volumes[name] for name in mounts.values())
    assert env(objects)["RAYDECK_DATA_DIR"] == "/var/lib/raydeck"


def test_rbac_grants_exactly_what_raydeck_calls_and_no_secrets(home: Path) -> None:
    objects = render(home)
    role = one(objects, "ClusterRole")
    assert rules(role) == EXPECTED_RULES
    binding = one(objects, "ClusterRoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "raydeck", "namespace": "raydeck"}
    ]
    assert all("*" not in r["verbs"] and "*" not in r["resources"] for r in role["rules"])


def test_cluster_wide_rbac_names_carry_the_namespace_so_two_releases_do_not_clash(
    home: Path,
) -> None:
    first = one(render(home, namespace="team-a"), "ClusterRole")["metadata"]["name"]
    second = one(render(home, namespace="team-b"), "ClusterRole")["metadata"]["name"]
    assert first != second


def test_the_full_values_reach_raydeck_as_its_settings(home: Path) -> None:
    objects = render(home, "--values", str(FULL_VALUES))
    settings = env(objects)
    assert settings["RAYDECK_PLATFORM"] == "kubernetes"
    assert settings["RAYDECK_MONITORING__PROMETHEUS_URL"] == (
        "http://prometheus-server.monitoring.svc:9090"
    )
    # Grafana's domain and node port make the URL "View in Grafana" opens.
    assert settings["RAYDECK_MONITORING__GRAFANA_URL"] == "http://grafana.example.com:30300"
    assert settings["RAYDECK_ADMIN_PASSWORD"] == {
        "secretKeyRef": {"name": "admin-secret", "key": "pw"}
    }
    assert settings["RAYDECK_DATABASE_URL"] == {
        "secretKeyRef": {"name": "raydeck-db", "key": "dsn"}
    }
    assert settings["RAYDECK_AUTH__SECURE_COOKIES"] == "false"
    assert settings["RAYDECK_KUBERNETES__PAGE_SIZE"] == "500"
    raydeck = container(objects)
    assert raydeck["image"] == "registry.example.com/raydeck:9.9.9"
    assert raydeck["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    deployment = one(objects, "Deployment")
    assert deployment["spec"]["replicas"] == 2
    assert "strategy" not in deployment["spec"]  # a shared database: rolling updates
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == "raydeck-operator"


def test_the_full_values_expose_a_node_port_and_an_ingress(home: Path) -> None:
    objects = render(home, "--values", str(FULL_VALUES))
    service = one(objects, "Service")["spec"]
    assert service["type"] == "NodePort"
    assert service["ports"][0]["nodePort"] == 30480
    assert service["ports"][0]["port"] == 8480
    ingress = one(objects, "Ingress")["spec"]
    assert ingress["ingressClassName"] == "nginx"
    assert ingress["rules"][0]["host"] == "raydeck.example.com"
    backend = ingress["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "raydeck", "port": {"name": "http"}}


def test_optional_rbac_adds_kueue_queues_and_a_lease_role_in_its_namespace(home: Path) -> None:
    objects = render(home, "--values", str(FULL_VALUES))
    granted = rules(one(objects, "ClusterRole"))
    assert granted[("kueue.x-k8s.io", "clusterqueues")] == {"get", "list", "watch"}
    assert granted[("kueue.x-k8s.io", "localqueues")] == {"get", "list", "watch"}
    lease_role = one(objects, "Role")
    assert lease_role["metadata"].get("namespace") in (None, "raydeck")
    assert rules(lease_role) == {("coordination.k8s.io", "leases"): {"get", "create", "update"}}
    assert one(objects, "RoleBinding")["roleRef"]["name"] == lease_role["metadata"]["name"]


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (["--set", "replicaCount=2"], "replicaCount"),
        (["--set", "service.nodePort=30480"], "service.nodePort"),
        (["--set", "service.type=NodePort", "--set", "service.nodePort=8080"], "service.nodePort"),
        (["--set", "platform=openshift"], "platform"),
    ],
)
def test_values_that_cannot_work_stop_the_install_naming_the_value(
    home: Path, values: list[str], field: str
) -> None:
    done = helm(["template", "raydeck", str(CHART), *values], home=home)
    assert done.returncode != 0
    assert f"{field}:" in done.stderr
    assert "goroutine" not in done.stderr
