"""The ray.io/v1 RayService kind: a RayCluster plus Ray Serve applications behind a stable endpoint.

``serveConfigV2`` is a YAML string in Serve's own config format (see
``serve_config.py``); ``rayClusterConfig`` is a RayCluster spec. Validation is
in ``validation/rayservice.py``; running it is the platform's business.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from raydeck.resources.meta import Condition, KubeModel, ObjectMeta
from raydeck.resources.raycluster import RayClusterSpec, RayClusterStatus

KIND = "RayService"
PLURAL = "rayservices"
MAX_NAME_LENGTH = 47
DEFAULT_DELETION_DELAY_SECONDS = 60


class UpgradeType(StrEnum):
    NEW_CLUSTER = "NewCluster"
    NEW_CLUSTER_INCREMENTAL = "NewClusterWithIncrementalUpgrade"
    NONE = "None"


class ApplicationStatus(StrEnum):
    """A Serve application's status, as Serve reports it."""

    NOT_STARTED = "NOT_STARTED"
    DEPLOYING = "DEPLOYING"
    RUNNING = "RUNNING"
    DEPLOY_FAILED = "DEPLOY_FAILED"
    DELETING = "DELETING"
    UNHEALTHY = "UNHEALTHY"

    @classmethod
    def of(cls, value: str) -> ApplicationStatus:
        try:
            return cls(value)
        except ValueError:
            return cls.NOT_STARTED

    def is_failed(self) -> bool:
        return self in (ApplicationStatus.DEPLOY_FAILED, ApplicationStatus.UNHEALTHY)


class DeploymentStatus(StrEnum):
    UPDATING = "UPDATING"
    HEALTHY = "HEALTHY"
    UNHEALTHY = "UNHEALTHY"


class ConditionType(StrEnum):
    READY = "Ready"
    UPGRADE_IN_PROGRESS = "UpgradeInProgress"
    ROLLBACK_IN_PROGRESS = "RollbackInProgress"
    SUSPENDING = "Suspending"
    SUSPENDED = "Suspended"


class Reason(StrEnum):
    INITIALIZING = "Initializing"
    INITIALIZING_TIMEOUT = "InitializingTimeout"
    ZERO_SERVE_ENDPOINTS = "ZeroServeEndpoints"
    NON_ZERO_SERVE_ENDPOINTS = "NonZeroServeEndpoints"
    BOTH_ACTIVE_PENDING_CLUSTERS_EXIST = "BothActivePendingClustersExist"
    NO_PENDING_CLUSTER = "NoPendingCluster"
    NO_ACTIVE_CLUSTER = "NoActiveCluster"
    VALIDATION_FAILED = "ValidationFailed"
    DESIRED_CLUSTER_SPEC_CHANGED = "DesiredClusterSpecChanged"
    SUSPEND_REQUESTED = "SuspendRequested"
    SUSPEND_IN_PROGRESS = "SuspendInProgress"
    SUSPEND_COMPLETE = "SuspendComplete"
    RESUMED = "RayServiceResumed"


class UpgradeStrategy(KubeModel):
    type: UpgradeType | None = None
    cluster_upgrade_options: dict[str, Any] | None = None  # Kubernetes JSON kept as written


class RayServiceSpec(KubeModel):
    ray_cluster_config: RayClusterSpec
    serve_config_v2: str = Field(default="", alias="serveConfigV2")
    ray_cluster_deletion_delay_seconds: int | None = None
    service_unhealthy_second_threshold: int | None = None
    deployment_unhealthy_second_threshold: int | None = None
    serve_service: dict[str, Any] | None = None  # Kubernetes JSON kept as written
    upgrade_strategy: UpgradeStrategy | None = None
    managed_by: str | None = None
    exclude_head_pod_from_serve_svc: bool = False
    suspend: bool = False

    def upgrade_type(self) -> UpgradeType:
        chosen = self.upgrade_strategy.type if self.upgrade_strategy else None
        return chosen or UpgradeType.NEW_CLUSTER

    def deletion_delay(self) -> int:
        delay = self.ray_cluster_deletion_delay_seconds
        return DEFAULT_DELETION_DELAY_SECONDS if delay is None else delay


class ServeDeploymentStatus(KubeModel):
    status: str | None = None
    message: str | None = None


class AppStatus(KubeModel):
    status: str | None = None
    message: str | None = None
    serve_deployment_statuses: dict[str, ServeDeploymentStatus] | None = None


class ServiceStatus(KubeModel):
    """``activeServiceStatus`` / ``pendingServiceStatus``: one cluster and what Serve runs on it."""

    application_statuses: dict[str, AppStatus] | None = None
    ray_cluster_name: str | None = None
    ray_cluster_status: RayClusterStatus | None = None
    target_capacity: int | None = None
    traffic_routed_percent: int | None = None


class RayServiceStatuses(KubeModel):
    conditions: list[Condition] | None = None
    last_update_time: str | None = None
    service_status: str | None = None
    active_service_status: ServiceStatus | None = None
    pending_service_status: ServiceStatus | None = None
    num_serve_endpoints: int | None = None
    observed_generation: int | None = None


class RayService(KubeModel):
    api_version: Literal["ray.io/v1"] = "ray.io/v1"
    kind: Literal["RayService"] = "RayService"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: RayServiceSpec
    status: RayServiceStatuses | None = None
