"""How one Ray node of a group is launched on this machine: flags, command, environment.

The local reconciler calls ``launch_spec`` for every node it starts. It derives
``ray start`` flags from the group exactly as KubeRay does (container limits to
--num-cpus/--memory/--num-gpus, the group's resources and labels, the user's
rayStartParams), then pins every address and port to raydeck's loopback
allocation. Pure: it starts nothing.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from raydeck.platforms.admission import Need
from raydeck.resources import raycluster as rc
from raydeck.resources.meta import Container
from raydeck.resources.quantity import parse_quantity, to_int_ceil, to_millis
from raydeck.resources.summary import GPU_KEYS, pod_requests

LOOPBACK = "127.0.0.1"
HEAD_PORTS = (
    "gcs",
    "dashboard",
    "client",
    "metrics",
    "serve",
    "node_manager",
    "object_manager",
    "agent_listen",
    "agent_grpc",
    "runtime_env",
)
WORKER_PORTS = (
    "metrics",
    "node_manager",
    "object_manager",
    "agent_listen",
    "agent_grpc",
    "runtime_env",
)
WORKER_PORT_BLOCK = 64
#: Flags that always come from raydeck's allocation on this platform, whatever the spec says.
_PINNED = {
    "node-ip-address",
    "port",
    "dashboard-host",
    "dashboard-port",
    "ray-client-server-port",
    "metrics-export-port",
    "node-manager-port",
    "object-manager-port",
    "dashboard-agent-listen-port",
    "dashboard-agent-grpc-port",
    "runtime-env-agent-port",
    "min-worker-port",
    "max-worker-port",
    "worker-port-list",
    "temp-dir",
    "address",
    "block",
}
#: The annotation on which KubeRay runs the Ray container's command exactly as written.
OVERWRITE_CMD_ANNOTATION = "ray.io/overwrite-container-cmd"
#: The environment variable in which KubeRay hands its generated ``ray start`` line to the node.
GEN_RAY_START_CMD_ENV = "KUBERAY_GEN_RAY_START_CMD"
#: KubeRay raises the open-files limit before ``ray start`` in the line it generates.
_ULIMIT = "ulimit -n ${RAY_START_ULIMIT_OPEN_FILES:-65536}"
#: Characters of shell syntax beyond quoting: a line with them runs through bash, as in a pod.
_SHELL_SPECIALS = frozenset("$`;|&<>()\n*?[")
#: ``ray start`` flags that take an explicit true/false value instead of being switches.
_VALUED_BOOLEANS = ("log-color", "include-dashboard", "include-log-monitor")
#: The only variables a node takes from raydeck's own environment. The test suite marks every
#: process it starts with RAYDECK_TEST_SESSION and checks at the end of the run that none is
#: left; Ray's processes carry it only because it is passed through here, explicitly.
PASSED_THROUGH = ("RAYDECK_TEST_SESSION",)
#: Directories a node's PATH ends with, after raydeck's ``ray`` shim and the venv's bin.
SYSTEM_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
#: Ray's authentication settings come from raydeck alone: a spec never switches them off.
RAY_AUTH_PREFIX = "RAY_AUTH"


@dataclass(frozen=True)
class LaunchSpec:
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    params: dict[str, str] = field(default_factory=dict)
    ignored_params: tuple[str, ...] = ()


def start_params(
    group: rc.HeadGroupSpec | rc.WorkerGroupSpec, *, node_type: str
) -> tuple[dict[str, str], tuple[str, ...]]:
    """KubeRay's derivation of ``ray start`` params; returns them and the user params raydeck overrides."""
    params = {k: str(v) for k, v in (group.ray_start_params or {}).items()}
    ignored = tuple(sorted(k for k in params if k in _PINNED))
    for key in ignored:
        del params[key]
    _apply_group_resources(params, group.resources or {})
    if group.labels:
        params["labels"] = ",".join(f"{k}={v}" for k, v in sorted(group.labels.items()))
    container = rc.ray_container(group.template)
    resources = container.resources
    limits = dict(resources.limits or {}) if resources else {}
    requests = dict(resources.requests or {}) if resources else {}
    if "num-cpus" not in params:
        cpu = limits.get("cpu") or requests.get("cpu")
        if cpu is not None and parse_quantity(cpu) != 0:
            params["num-cpus"] = str(to_int_ceil(cpu))
    if "memory" not in params and limits.get("memory") is not None:
        params["memory"] = str(to_int_ceil(limits["memory"]))
    if "num-gpus" not in params:
        for key in sorted(limits):
            if key in GPU_KEYS and parse_quantity(limits[key]) != 0:
                params["num-gpus"] = str(to_int_ceil(limits[key]))
                break
    return params, ignored


def cluster_need(spec: Mapping[str, Any], *, detected_cpus: int) -> Need:
    """What admission counts for a cluster spec: its head plus every desired worker, each node
    the larger of what Ray is told (``--num-cpus``, ``--memory``, ``--num-gpus`` from
    ``start_params``, as the node is launched) and what its pod requests; a node told no CPU
    count gets what Ray detects, ``detected_cpus``."""
    try:
        parsed = rc.RayClusterSpec.model_validate(spec)
    except ValidationError:
        return Need(nodes=1)  # only a spec edited behind raydeck's back: validated on write
    head = spec.get("headGroupSpec") or {}
    total = _node_need(parsed.head_group_spec, head, "head", detected_cpus)
    raw_workers = spec.get("workerGroupSpecs") or []
    for group, raw in zip(parsed.worker_group_specs or [], raw_workers, strict=False):
        need = _node_need(group, raw, "worker", detected_cpus)
        total += need.times(group.desired_replicas())
    return total


def _node_need(
    group: rc.HeadGroupSpec | rc.WorkerGroupSpec,
    raw: Mapping[str, Any],
    node_type: str,
    detected_cpus: int,
) -> Need:
    requested = pod_requests(raw.get("template") or {})
    try:
        params, _ = start_params(group, node_type=node_type)
        cpu = to_millis(params["num-cpus"]) if "num-cpus" in params else detected_cpus * 1000
        memory = to_int_ceil(params["memory"]) if "memory" in params else 0
        gpu = to_int_ceil(params["num-gpus"]) if "num-gpus" in params else 0
    except (ValueError, ArithmeticError):
        cpu, memory, gpu = detected_cpus * 1000, 0, 0  # Ray refuses such a node; count it whole
    return Need(
        max(cpu, requested.cpu_millis, 0),
        max(memory, requested.memory_bytes, 0),
        max(gpu, requested.gpu, 0),
        1,
    )


def _apply_group_resources(params: dict[str, str], resources: Mapping[str, str]) -> None:
    custom: dict[str, float] = {}
    for name, quantity in resources.items():
        value = parse_quantity(quantity)
        lowered = name.lower()
        if lowered == "cpu":
            params["num-cpus"] = str(to_int_ceil(value))
        elif lowered == "memory":
            params["memory"] = str(to_int_ceil(value))
        elif lowered in GPU_KEYS or lowered == "gpu":
            params["num-gpus"] = str(to_int_ceil(value))
        else:
            custom[name] = float(value)
    if custom:
        # KubeRay's form: compact JSON in single quotes, which its shell line strips again.
        whole = {k: int(v) if v.is_integer() else v for k, v in custom.items()}
        params["resources"] = "'" + json.dumps(whole, sort_keys=True, separators=(",", ":")) + "'"


def pinned_params(
    *, node_type: str, ports: Mapping[str, int], head_gcs_port: int, temp_dir: Path
) -> dict[str, str]:
    pinned = {
        "node-ip-address": LOOPBACK,
        "metrics-export-port": str(ports["metrics"]),
        "node-manager-port": str(ports["node_manager"]),
        "object-manager-port": str(ports["object_manager"]),
        "dashboard-agent-listen-port": str(ports["agent_listen"]),
        "dashboard-agent-grpc-port": str(ports["agent_grpc"]),
        "runtime-env-agent-port": str(ports["runtime_env"]),
        "min-worker-port": str(ports["worker_min"]),
        "max-worker-port": str(ports["worker_max"]),
        "temp-dir": str(temp_dir),
        "disable-usage-stats": "true",
        "block": "true",
    }
    if node_type == "head":
        pinned.update(
            {
                "port": str(ports["gcs"]),
                "dashboard-host": LOOPBACK,
                "dashboard-port": str(ports["dashboard"]),
                "ray-client-server-port": str(ports["client"]),
            }
        )
    else:
        pinned["address"] = f"{LOOPBACK}:{head_gcs_port}"
    return pinned


def flags(params: Mapping[str, str]) -> list[str]:
    """``ray start`` flags in KubeRay's form: sorted, ``true`` switches bare, ``false`` switches
    dropped, values verbatim (KubeRay writes them into a shell line unquoted)."""
    result = []
    for key in sorted(params):
        value = params[key]
        if value.lower() in ("true", "false") and key not in _VALUED_BOOLEANS:
            if value.lower() == "true":
                result.append(f"--{key}")
        else:
            result.append(f"--{key}={value}")
    return result


def command(
    container: Container,
    *,
    launcher: list[str],
    node_type: str,
    params: Mapping[str, str],
    overwrite: bool = False,
) -> list[str]:
    """The node's argv as KubeRay's pod would run it: the container's own command as written
    when ``ray.io/overwrite-container-cmd`` is set or it starts Ray itself, else raydeck's
    ``ray start`` behind the container's command/args if it has them. A container with no
    command of its own starts Ray, annotation or not."""
    user_argv = [*(container.command or []), *(container.args or [])]
    user = " ".join(user_argv).strip()
    if user and (overwrite or "ray start" in user):
        # A container command is an argv; args alone run in a shell, as before.
        return user_argv if container.command else ["bash", "-c", user]
    line = ray_start_line(node_type=node_type, params=params)
    if user:
        # KubeRay's own order, `&&` then `;`: Ray starts even when the user's command fails.
        return ["bash", "-c", f"{user} && {_ULIMIT}; exec {line}"]
    words = _shell_words(" ".join(flags(params)))
    if words is None:  # quoting or expansions only a shell reads right, or a line it rejects
        return ["bash", "-c", f"{_ULIMIT}; exec {line}"]
    return [*launcher, "start", *(["--head"] if node_type == "head" else []), *words]


def ray_start_line(*, node_type: str, params: Mapping[str, str]) -> str:
    """KubeRay's generated ``ray start`` line (also ``$KUBERAY_GEN_RAY_START_CMD``): each
    rayStartParams value written into it verbatim, for a shell to read."""
    return " ".join(["ray", "start", *(["--head"] if node_type == "head" else []), *flags(params)])


def overwrites_command(cluster_annotations: Mapping[str, str] | None, template_meta: Any) -> bool:
    """Whether KubeRay would run the container's command unchanged: the cluster's or the pod
    template's ``ray.io/overwrite-container-cmd`` annotation is "true" (any case)."""
    on_template = template_meta.get("annotations") if isinstance(template_meta, dict) else None
    return any(
        str((found or {}).get(OVERWRITE_CMD_ANNOTATION, "")).lower() == "true"
        for found in (cluster_annotations, on_template)
    )


def _shell_words(text: str) -> list[str] | None:
    """``text`` split into words as sh would split it, where no shell feature beyond quoting
    and escapes is in it; None where only a shell can say what it means."""
    if any(c in text for c in _SHELL_SPECIALS):
        return None
    try:
        return shlex.split(text)
    except ValueError:
        return None


def environment(
    user_env: Mapping[str, str],
    *,
    cluster: str,
    namespace: str,
    head_gcs_port: int,
    gpu_ids: list[int],
    bin_dir: Path,
    node_dir: Path,
    auth_env: Mapping[str, str],
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A node's whole environment, built from an allowlist: nothing of raydeck's own (its
    settings, admin password, credentials) is inherited. ``user_env`` is the Ray container's
    own (``sources.container_env``); Ray's auth settings go in last, none of the user's."""
    inherited = base if base is not None else os.environ
    env = {name: inherited[name] for name in PASSED_THROUGH if name in inherited}
    env.update(_node_basics(cluster, namespace, head_gcs_port, bin_dir, node_dir))
    if gpu_ids:
        env["CUDA_VISIBLE_DEVICES"] = ",".join(str(i) for i in gpu_ids)
    env.update({k: v for k, v in user_env.items() if not k.startswith(RAY_AUTH_PREFIX)})
    env.update(auth_env)
    return env


def _node_basics(
    cluster: str, namespace: str, head_gcs_port: int, bin_dir: Path, node_dir: Path
) -> dict[str, str]:
    return {
        # raydeck's own `ray` shim first, then the Python environment raydeck runs in, so that
        # `python` and `ray` in entrypoints and commands are the ones with Ray installed.
        "PATH": os.pathsep.join([str(bin_dir), str(Path(sys.executable).parent), *SYSTEM_PATH]),
        # The node's own directory, never raydeck's home: nothing Ray or a user writes there
        # lands outside the node's directory.
        "HOME": str(node_dir),
        "TMPDIR": str(node_dir / "tmp"),
        "LANG": "C.UTF-8",
        "RAY_CLUSTER_NAME": cluster,
        "RAY_CLUSTER_NAMESPACE": namespace,
        "RAY_IP": LOOPBACK,
        "RAY_PORT": str(head_gcs_port),
        "RAY_ADDRESS": f"{LOOPBACK}:{head_gcs_port}",
        "RAY_USAGE_STATS_ENABLED": "0",
        "RAY_USAGE_STATS_KUBERAY_IN_USE": "0",
        # Ray drains a node for up to 30 s on SIGTERM; a stopped pod should stop promptly.
        "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
        # Every Ray process under the node (dashboard agent, drivers) then takes 127.0.0.1 as
        # its own address instead of the outward IP, where nothing of this cluster listens.
        "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    }


def assign_gpus(count: int, *, taken: Collection[int]) -> list[int]:
    """The ``count`` lowest GPU indices no other node holds, so nodes never share a device."""
    chosen: list[int] = []
    index = 0
    while len(chosen) < count:
        if index not in taken:
            chosen.append(index)
        index += 1
    return chosen


def gpu_count(params: Mapping[str, str]) -> int:
    try:
        return int(float(params.get("num-gpus", "0")))
    except ValueError:
        return 0
