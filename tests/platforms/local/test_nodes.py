"""``ray start`` flags derived from a group as KubeRay derives them, pinned to loopback."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from raydeck.platforms.local import nodes
from raydeck.platforms.local.sources import PodFacts, PodSources, container_env
from raydeck.resources.meta import Container
from raydeck.resources.raycluster import RayCluster
from tests.support.samples import raycluster

PORTS = {
    "gcs": 1,
    "dashboard": 2,
    "client": 3,
    "metrics": 4,
    "serve": 5,
    "node_manager": 6,
    "object_manager": 7,
    "agent_listen": 8,
    "agent_grpc": 9,
    "runtime_env": 10,
    "worker_min": 100,
    "worker_max": 163,
}


def head_group(**changes: object) -> RayCluster:
    body = raycluster("c", cpu="1500m", memory="2Gi")
    body["spec"]["headGroupSpec"].update(changes)
    return RayCluster.model_validate(body)


def test_limits_become_cpus_rounded_up_and_memory_in_bytes() -> None:
    params, _ = nodes.start_params(head_group().spec.head_group_spec, node_type="head")
    assert params == {"num-cpus": "2", "memory": str(2 * 2**30)}


def test_gpu_limits_become_num_gpus() -> None:
    c = head_group()
    c.spec.head_group_spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"] = 2  # type: ignore[union-attr,index]
    params, _ = nodes.start_params(c.spec.head_group_spec, node_type="head")
    assert params["num-gpus"] == "2"


def test_ray_start_params_win_over_limits_and_group_resources_win_over_both() -> None:
    params, _ = nodes.start_params(
        head_group(rayStartParams={"num-cpus": "0"}).spec.head_group_spec, node_type="head"
    )
    assert params["num-cpus"] == "0"
    params, _ = nodes.start_params(
        head_group(rayStartParams={}, resources={"CPU": "3", "TPU": "4"}).spec.head_group_spec,
        node_type="head",
    )
    assert params["num-cpus"] == "3" and params["resources"] == "'{\"TPU\":4}'"


def test_addresses_and_ports_from_the_spec_are_replaced_and_reported() -> None:
    group = head_group(
        rayStartParams={
            "dashboard-host": "0.0.0.0",
            "port": "6379",
            "object-store-memory": "100000000",
        }
    ).spec.head_group_spec
    params, ignored = nodes.start_params(group, node_type="head")
    assert ignored == ("dashboard-host", "port") and params["object-store-memory"] == "100000000"
    params.update(
        nodes.pinned_params(node_type="head", ports=PORTS, head_gcs_port=1, temp_dir=Path("/d"))
    )
    flags = nodes.flags(params)
    assert "--dashboard-host=127.0.0.1" in flags and "--port=1" in flags and "--block" in flags
    assert "--node-ip-address=127.0.0.1" in flags and "--temp-dir=/d" in flags


def test_worker_points_at_the_head_and_false_switches_are_dropped() -> None:
    pinned = nodes.pinned_params(
        node_type="worker", ports=PORTS, head_gcs_port=1, temp_dir=Path("/d")
    )
    flags = nodes.flags(pinned | {"include-dashboard": "false", "disable-usage-stats": "false"})
    assert "--address=127.0.0.1:1" in flags and "--include-dashboard=false" in flags
    assert not any(f.startswith("--disable-usage-stats") for f in flags)


def test_container_command_runs_before_ray_unless_it_starts_ray_itself() -> None:
    container = head_group().spec.head_group_spec.template.spec.containers[0]
    container.command = ["echo", "hi"]
    argv = nodes.command(container, launcher=["L"], node_type="head", params={"block": "true"})
    assert argv == [
        "bash",
        "-c",
        "echo hi && ulimit -n ${RAY_START_ULIMIT_OPEN_FILES:-65536}; exec ray start --head --block",
    ]
    container.command, container.args = ["/bin/sh", "-c"], ["ray start --head --block"]
    # A command that starts Ray itself runs as the container's argv, exactly as written.
    assert nodes.command(container, launcher=["L"], node_type="head", params={}) == [
        "/bin/sh",
        "-c",
        "ray start --head --block",
    ]


def argv_for(params: dict[str, str]) -> list[str]:
    container = head_group().spec.head_group_spec.template.spec.containers[0]
    return nodes.command(container, launcher=["L"], node_type="head", params=params)


def test_a_resources_value_quoted_for_kuberays_shell_line_reaches_ray_unquoted() -> None:
    # rayStartParams.resources: '"{\"resource1\": 2, \"resource2\": 3}"' (ray-job.resources.yaml)
    argv = argv_for({"resources": '"{\\"resource1\\": 2, \\"resource2\\": 3}"', "block": "true"})
    assert argv == [
        "L",
        "start",
        "--head",
        "--block",
        '--resources={"resource1": 2, "resource2": 3}',
    ]


def test_single_quoted_and_plain_values_reach_ray_as_the_shell_would_pass_them() -> None:
    argv = argv_for({"resources": "'{\"TPU\":4}'", "num-cpus": "2", "object-store-memory": "1e9"})
    assert argv == [
        "L",
        "start",
        "--head",
        "--num-cpus=2",
        "--object-store-memory=1e9",
        '--resources={"TPU":4}',
    ]


def test_a_value_with_shell_expansions_or_broken_quoting_runs_through_bash_as_in_a_pod() -> None:
    for value in ("$HOME/x", "'unclosed"):
        argv = argv_for({"temp-note": value})
        assert argv[:2] == ["bash", "-c"], value
        assert argv[2].endswith(f"exec ray start --head --temp-note={value}")


def test_overwrite_container_cmd_runs_the_command_as_written_with_the_generated_line_at_hand() -> (
    None
):
    container = head_group().spec.head_group_spec.template.spec.containers[0]
    container.command = ["/bin/bash", "-c", "--"]
    container.args = ["ulimit -n 65536; echo head; $KUBERAY_GEN_RAY_START_CMD"]
    params = {"num-cpus": "1", "block": "true"}
    argv = nodes.command(container, launcher=["L"], node_type="head", params=params, overwrite=True)
    assert argv == [
        "/bin/bash",
        "-c",
        "--",
        "ulimit -n 65536; echo head; $KUBERAY_GEN_RAY_START_CMD",
    ]
    line = nodes.ray_start_line(node_type="head", params=params)
    assert line == "ray start --head --block --num-cpus=1"


def test_the_overwrite_annotation_counts_on_the_cluster_or_the_pod_template_in_any_case() -> None:
    assert nodes.overwrites_command({"ray.io/overwrite-container-cmd": "True"}, None)
    assert nodes.overwrites_command({}, {"annotations": {"ray.io/overwrite-container-cmd": "true"}})
    assert not nodes.overwrites_command({"ray.io/overwrite-container-cmd": "false"}, {})
    assert not nodes.overwrites_command(None, None)


def _container(env: list[dict[str, str]]) -> Container:
    base = head_group().spec.head_group_spec.template.spec.containers[0]
    return type(base).model_validate(base.to_wire() | {"env": env})


def _environment(container: Container, **overrides: Any) -> dict[str, str]:
    arguments: dict[str, Any] = {
        "cluster": "c",
        "namespace": "ns",
        "head_gcs_port": 1,
        "gpu_ids": [0, 1],
        "bin_dir": Path("/b"),
        "node_dir": Path("/d/n/1"),
        "auth_env": {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "t0k"},
        "base": {"PATH": "/root/bin:/usr/bin", "RAY_ADDRESS": "x:1"},
    }
    user_env = container_env(
        container.to_wire(), where="c", sources=PodSources(), pod=PodFacts("p", "ns")
    )
    return nodes.environment(user_env, **(arguments | overrides))


def test_environment_carries_container_env_and_cluster_identity() -> None:
    env = _environment(_container([{"name": "GREETING", "value": "hello"}]))
    assert env["GREETING"] == "hello" and env["RAY_CLUSTER_NAME"] == "c"
    assert env["RAY_ADDRESS"] == "127.0.0.1:1" and env["CUDA_VISIBLE_DEVICES"] == "0,1"
    assert env["PATH"].split(":") == [
        "/b",
        str(Path(sys.executable).parent),
        "/usr/local/bin",
        "/usr/bin",
        "/bin",
    ]
    assert env["HOME"] == "/d/n/1" and env["TMPDIR"] == "/d/n/1/tmp"


def test_environment_inherits_nothing_of_raydecks_own_but_the_test_session_marker() -> None:
    raydecks = {
        "RAYDECK_ADMIN_PASSWORD": "hunter2",
        "RAYDECK_DATA_DIR": "/srv/raydeck",
        "KUBECONFIG": "/root/.kube/config",
        "AWS_SECRET_ACCESS_KEY": "s3cr3t",
        "HOME": "/root",
        "PATH": "/root/bin:/usr/bin",
        "RAYDECK_TEST_SESSION": "abc",
    }
    env = _environment(_container([]), base=raydecks)
    assert env["RAYDECK_TEST_SESSION"] == "abc"
    assert not {k for k in env if k.startswith("RAYDECK_")} - {"RAYDECK_TEST_SESSION"}
    assert "KUBECONFIG" not in env and "AWS_SECRET_ACCESS_KEY" not in env
    assert "hunter2" not in env.values() and "/root" not in env["PATH"]


def test_a_spec_cannot_switch_rays_token_authentication_off() -> None:
    attempts = [
        {"name": "RAY_AUTH_MODE", "value": "disabled"},
        {"name": "RAY_AUTH_TOKEN", "value": "mine"},
        {"name": "RAY_AUTH_TOKEN_PATH", "value": "/tmp/mine"},
    ]
    env = _environment(_container(attempts))
    assert env["RAY_AUTH_MODE"] == "token" and env["RAY_AUTH_TOKEN"] == "t0k"
    assert "RAY_AUTH_TOKEN_PATH" not in env


def test_gpu_indices_are_disjoint_across_nodes() -> None:
    assert nodes.assign_gpus(2, taken=set()) == [0, 1]
    assert nodes.assign_gpus(2, taken={0, 2}) == [1, 3]
    assert nodes.assign_gpus(0, taken={0}) == []


def test_overwrite_on_a_container_without_a_command_still_starts_ray() -> None:
    container = head_group().spec.head_group_spec.template.spec.containers[0]
    argv = nodes.command(container, launcher=["L"], node_type="head", params={}, overwrite=True)
    assert argv == ["L", "start", "--head"]
