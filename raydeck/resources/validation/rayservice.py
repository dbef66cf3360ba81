"""RayService validation, mirroring KubeRay 1.7's rules, every error named by its field path.

``parse_rayservice`` is what managers call (as ``RAYSERVICE.parse``). The embedded
``rayClusterConfig`` follows RayCluster's rules (``raycluster.py``); ``serveConfigV2`` is
checked by ``resources/serve_config.py``, with lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from raydeck.errors import FieldError
from raydeck.resources import rayservice as rs
from raydeck.resources.serve_config import parse_serve_config
from raydeck.resources.validation.common import parse_object
from raydeck.resources.validation.raycluster import check_cluster_spec

CLUSTER_PATH = "spec.rayClusterConfig"


def parse_rayservice(data: Mapping[str, Any]) -> rs.RayService:
    """Validate a RayService document and return its model; raise ``InvalidInput`` otherwise."""
    return parse_object(
        rs.RayService,
        data,
        kind=rs.KIND,
        max_name_length=rs.MAX_NAME_LENGTH,
        check_spec=check_service_spec,
    )


def check_service_spec(spec: rs.RayServiceSpec) -> list[FieldError]:
    errors = check_cluster_spec(spec.ray_cluster_config, CLUSTER_PATH)
    head_service = spec.ray_cluster_config.head_group_spec.head_service or {}
    if (head_service.get("metadata") or {}).get("name"):
        errors.append(
            FieldError(
                f"{CLUSTER_PATH}.headGroupSpec.headService.metadata.name",
                "must not be set: the RayService names its clusters' services",
            )
        )
    delay = spec.ray_cluster_deletion_delay_seconds
    if delay is not None and delay < 0:
        errors.append(FieldError("spec.rayClusterDeletionDelaySeconds", "must not be negative"))
    for field, value in (
        ("serviceUnhealthySecondThreshold", spec.service_unhealthy_second_threshold),
        ("deploymentUnhealthySecondThreshold", spec.deployment_unhealthy_second_threshold),
    ):
        if value is not None and value <= 0:
            errors.append(FieldError(f"spec.{field}", "must be a positive number of seconds"))
    if spec.upgrade_type() == rs.UpgradeType.NEW_CLUSTER_INCREMENTAL and not (
        spec.ray_cluster_config.enable_in_tree_autoscaling
    ):
        errors.append(
            FieldError(
                "spec.upgradeStrategy.type",
                "NewClusterWithIncrementalUpgrade needs rayClusterConfig.enableInTreeAutoscaling",
            )
        )
    _config, serve_errors = parse_serve_config(spec.serve_config_v2)
    return errors + serve_errors
