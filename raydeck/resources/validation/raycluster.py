"""RayCluster validation, mirroring KubeRay's webhook, CRD schema and operator checks.

``parse_raycluster`` turns a JSON-like dict into a model or raises ``InvalidInput``
listing every bad field by JSON path; managers call it (as ``RAYCLUSTER.parse``) before
anything is stored. ``check_cluster_spec`` is also what RayJobs' ``rayClusterSpec`` and
RayServices' ``rayClusterConfig`` are held to.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raydeck.errors import FieldError
from raydeck.resources import raycluster as rc
from raydeck.resources.meta import Container, PodTemplateSpec
from raydeck.resources.quantity import parse_quantity
from raydeck.resources.validation.common import (
    DNS1123_LABEL,
    check_labels,
    check_no_nul,
    parse_object,
)

_RESOURCE_PARAMS = ("num-cpus", "num-gpus", "memory", "resources")
_UPGRADE_TYPES = ("Recreate", "None")


def parse_raycluster(data: Mapping[str, Any]) -> rc.RayCluster:
    """Validate a RayCluster document and return its model; raise ``InvalidInput`` otherwise."""
    return parse_object(
        rc.RayCluster,
        data,
        kind=rc.KIND,
        max_name_length=rc.MAX_NAME_LENGTH,
        check_spec=lambda spec: check_cluster_spec(
            spec, "spec", annotations=(data.get("metadata") or {}).get("annotations")
        ),
    )


def check_cluster_spec(
    spec: rc.RayClusterSpec, path: str, *, annotations: Mapping[str, Any] | None = None
) -> list[FieldError]:
    """KubeRay's RayCluster spec rules; ``path`` prefixes every field (RayJobs embed a spec);
    ``annotations`` are the RayCluster's own (``ray.io/ft-enabled`` turns GCS FT on)."""
    head = spec.head_group_spec
    errors = _check_group(head, f"{path}.headGroupSpec", "Head")
    autoscaling = bool(spec.enable_in_tree_autoscaling)
    seen: set[str] = set()
    for index, group in enumerate(spec.worker_group_specs or []):
        group_path = f"{path}.workerGroupSpecs[{index}]"
        if group.group_name in seen:
            errors.append(
                FieldError(f"{group_path}.groupName", f"Duplicate value {group.group_name!r}")
            )
        seen.add(group.group_name)
        if not DNS1123_LABEL.match(group.group_name) or len(group.group_name) > 63:
            errors.append(
                FieldError(
                    f"{group_path}.groupName", "must be a DNS-1123 label (lowercase, digits, '-')"
                )
            )
        errors += _check_group(group, group_path, group.group_name)
        errors += _check_replicas(group, group_path, autoscaling=autoscaling)
    upgrade = (spec.model_extra or {}).get("upgradeStrategy")
    if isinstance(upgrade, dict) and upgrade.get("type") not in (None, *_UPGRADE_TYPES):
        errors.append(
            FieldError(
                f"{path}.upgradeStrategy.type",
                f"Unsupported value {upgrade.get('type')!r}: supported values are Recreate, None",
            )
        )
    errors += _check_redis(spec, path, annotations or {})
    return errors


def _check_group(
    group: rc.HeadGroupSpec | rc.WorkerGroupSpec, path: str, name: str
) -> list[FieldError]:
    errors = _check_template(group.template, f"{path}.template")
    params = group.ray_start_params or {}
    if group.resources and any(params.get(p) for p in _RESOURCE_PARAMS):
        errors.append(
            FieldError(
                f"{path}.resources",
                f"resource fields must not be set in both rayStartParams and resources for the "
                f"{name} group; use only one",
            )
        )
    if "labels" in params:
        errors.append(
            FieldError(
                f"{path}.rayStartParams.labels",
                "is not supported; use the group's top-level labels field instead",
            )
        )
    errors += check_labels(group.labels, f"{path}.labels")
    errors += _check_quantities(group.resources, f"{path}.resources")
    return errors


def _check_template(template: PodTemplateSpec, path: str) -> list[FieldError]:
    containers = template.spec.containers
    if not containers:
        return [FieldError(f"{path}.spec.containers", "must have at least one container")]
    errors = check_no_nul(template.to_wire(), path)
    for index, container in enumerate(containers):
        errors += _check_container(container, f"{path}.spec.containers[{index}]")
    return errors


def _check_container(container: Container, path: str) -> list[FieldError]:
    resources = container.resources
    if resources is None:
        return []
    errors = _check_quantities(resources.limits, f"{path}.resources.limits")
    errors += _check_quantities(resources.requests, f"{path}.resources.requests")
    return errors


def _check_quantities(
    values: Mapping[str, str | int | float] | None, path: str
) -> list[FieldError]:
    errors = []
    for key, value in (values or {}).items():
        try:
            if parse_quantity(value) < 0:
                errors.append(FieldError(f"{path}.{key}", "must not be negative"))
        except ValueError as e:
            errors.append(FieldError(f"{path}.{key}", str(e)))
    return errors


def _check_replicas(group: rc.WorkerGroupSpec, path: str, *, autoscaling: bool) -> list[FieldError]:
    low, high, wanted = group.min_replicas, group.max_replicas, group.replicas
    errors = []
    if not autoscaling and (low is None or high is None):
        errors.append(
            FieldError(
                path,
                f"worker group {group.group_name} must set both minReplicas and maxReplicas "
                "when autoscaling is disabled",
            )
        )
    checks: list[tuple[bool, str, str]] = [
        (low is not None and low < 0, "minReplicas", "must not be negative"),
        (high is not None and high < 0, "maxReplicas", "must not be negative"),
        (wanted is not None and wanted < 0, "replicas", "must not be negative"),
        (
            low is not None and high is not None and low > high,
            "minReplicas",
            f"minReplicas {low} is greater than maxReplicas {high}",
        ),
        (
            wanted is not None and low is not None and wanted < low,
            "replicas",
            f"replicas {wanted} is less than minReplicas {low}",
        ),
        (
            wanted is not None and high is not None and wanted > high,
            "replicas",
            f"replicas {wanted} is greater than maxReplicas {high}",
        ),
        (
            group.num_of_hosts is not None and group.num_of_hosts < 1,
            "numOfHosts",
            "must be at least 1",
        ),
        (
            bool(group.suspend),
            "suspend",
            "worker groups can only be suspended by a RayJob's deletion strategy",
        ),
    ]
    errors += [FieldError(f"{path}.{field}", message) for bad, field, message in checks if bad]
    return errors


def _check_redis(
    spec: rc.RayClusterSpec, path: str, annotations: Mapping[str, Any]
) -> list[FieldError]:
    head = spec.head_group_spec
    containers = head.template.spec.containers
    env_names = {e.name for e in (containers[0].env or [])} if containers else set()
    # As KubeRay's IsGCSFaultToleranceEnabled: the options, or the older annotation.
    ft_enabled = (spec.model_extra or {}).get("gcsFaultToleranceOptions") is not None or (
        str(annotations.get("ray.io/ft-enabled", "")).lower() == "true"
    )
    errors = []
    if "RAY_REDIS_ADDRESS" in env_names and not ft_enabled:
        errors.append(
            FieldError(
                f"{path}.headGroupSpec.template.spec.containers[0].env",
                "RAY_REDIS_ADDRESS implicitly enables GCS fault tolerance; set "
                "gcsFaultToleranceOptions instead",
            )
        )
    if (head.ray_start_params or {}).get("redis-username") or "REDIS_USERNAME" in env_names:
        errors.append(
            FieldError(
                f"{path}.headGroupSpec.rayStartParams",
                "a redis username cannot be set here; use gcsFaultToleranceOptions.redisUsername",
            )
        )
    return errors
