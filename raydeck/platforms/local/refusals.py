"""What the local platform can never run, found when an object is written, by JSON path.

The local platform's ``refusals`` (called by the managers before anything is stored) uses
these: cloud accelerators this machine cannot have (TPUs, AWS Neuron) and the node selectors
that ask for them; and, only when raydeck is set offline (``local.offline``), runtime envs that
fetch from the network. ``not_run`` names what is accepted but left out (init containers,
sidecars), which the managers pass on as warnings. Pure: nothing here looks at the machine or
dials anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import yaml

from raydeck.errors import FieldError
from raydeck.platforms.local.runtime_env import network_needs

#: Where each kind keeps the spec of the cluster it runs.
_CLUSTER_SPEC = {"RayCluster": ("spec",), "RayJob": ("spec", "rayClusterSpec")}
_CLUSTER_SPEC["RayService"] = ("spec", "rayClusterConfig")
#: Extended resources only a cloud's machines have.
_CLOUD_RESOURCES = ("google.com/tpu", "aws.amazon.com/neuron", "aws.amazon.com/neuroncore")
#: Node labels that only a cloud's accelerator nodes carry.
_CLOUD_SELECTORS = ("cloud.google.com/gke-tpu-", "cloud.google.com/gke-accelerator-count")


def refusals(kind: str, body: Mapping[str, Any], *, offline: bool) -> list[FieldError]:
    """Every field of ``body`` that the local platform can never give what it asks."""
    path = _CLUSTER_SPEC.get(kind)
    if path is None:
        return []
    errors = []
    spec: Any = body
    for step in path:
        spec = spec.get(step) if isinstance(spec, Mapping) else None
    if isinstance(spec, Mapping):
        errors += cloud_hardware(spec, ".".join(path))
    if offline:
        errors += _offline(kind, body.get("spec") or {})
    return errors


def not_run(kind: str, body: Mapping[str, Any]) -> list[str]:
    """What of ``body``'s pods the local platform leaves out, each said once: it runs each
    pod's Ray container (the first) as a node process, not init containers or sidecars."""
    path = _CLUSTER_SPEC.get(kind)
    spec: Any = body
    for step in path or ():
        spec = spec.get(step) if isinstance(spec, Mapping) else None
    if path is None or not isinstance(spec, Mapping):
        return []
    said = []
    for where, template in _templates(spec, ".".join(path)):
        pod = template.get("spec") if isinstance(template, Mapping) else None
        if not isinstance(pod, Mapping):
            continue
        init = _names(pod.get("initContainers"))
        if init:
            said.append(
                f"{where}.spec.initContainers ({', '.join(init)}) are not run by the local "
                "platform: the Ray container starts without what they would have done"
            )
        sidecars = _names((pod.get("containers") or [])[1:])
        if sidecars:
            said.append(
                f"{where}.spec.containers[1:] ({', '.join(sidecars)}) are not run by the local "
                "platform, which runs only the Ray container (the first)"
            )
    return said


def _names(containers: Any) -> list[str]:
    if not isinstance(containers, list):
        return []
    return [str(c.get("name") or "?") for c in containers if isinstance(c, Mapping)]


def cloud_hardware(cluster_spec: Mapping[str, Any], path: str) -> list[FieldError]:
    """Cloud accelerators in container resources, and node selectors that ask for them."""
    errors = []
    for where, template in _templates(cluster_spec, path):
        pod = template.get("spec") if isinstance(template, Mapping) else None
        if not isinstance(pod, Mapping):
            continue
        for i, container in enumerate(pod.get("containers") or []):
            resources = container.get("resources") if isinstance(container, Mapping) else None
            for bound in ("limits", "requests"):
                for name in (resources or {}).get(bound) or {}:
                    if str(name).startswith(_CLOUD_RESOURCES):
                        errors.append(
                            FieldError(
                                f"{where}.spec.containers[{i}].resources.{bound}.{name}",
                                f"{name} is a cloud accelerator this machine does not have; "
                                "the local platform cannot run such a node, a Kubernetes "
                                "cluster with those nodes can",
                            )
                        )
        for label in pod.get("nodeSelector") or {}:
            if str(label).startswith(_CLOUD_SELECTORS):
                errors.append(
                    FieldError(
                        f"{where}.spec.nodeSelector.{label}",
                        "selects a cloud's accelerator nodes, which the local platform does "
                        "not have; run it on a Kubernetes cluster with such nodes",
                    )
                )
    return errors


def _templates(spec: Mapping[str, Any], path: str) -> Iterator[tuple[str, Any]]:
    head = spec.get("headGroupSpec")
    if isinstance(head, Mapping):
        yield f"{path}.headGroupSpec.template", head.get("template")
    for i, group in enumerate(spec.get("workerGroupSpecs") or []):
        if isinstance(group, Mapping):
            yield f"{path}.workerGroupSpecs[{i}].template", group.get("template")


def _offline(kind: str, spec: Mapping[str, Any]) -> list[FieldError]:
    needs: list[tuple[str, str]] = []
    if kind == "RayJob":
        needs = network_needs(_yaml(spec.get("runtimeEnvYAML")), "spec.runtimeEnvYAML")
    elif kind == "RayService":
        config = _yaml(spec.get("serveConfigV2"))
        apps = config.get("applications") if isinstance(config, Mapping) else None
        for i, app in enumerate(apps if isinstance(apps, list) else []):
            if isinstance(app, Mapping):
                where = f"spec.serveConfigV2.applications[{i}].runtime_env"
                needs += network_needs(app.get("runtime_env"), where)
    return [
        FieldError(
            field,
            f"needs the network ({what}), and this raydeck is set offline "
            "(RAYDECK_LOCAL__OFFLINE=true): put the code in a ConfigMap or the image instead",
        )
        for field, what in needs
    ]


def _yaml(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None  # the kind's validation reports it
