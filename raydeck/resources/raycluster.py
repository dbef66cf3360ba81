"""The ray.io/v1 RayCluster kind: spec, status, states and conditions as KubeRay defines them.

Fields raydeck acts on are typed; every other field a user writes is kept
as it is. Used by every layer above; validation is in ``validation/raycluster.py``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from raydeck.resources.meta import (
    Condition,
    Container,
    KubeModel,
    ObjectMeta,
    PodTemplateSpec,
)

KIND = "RayCluster"
PLURAL = "rayclusters"
MAX_NAME_LENGTH = 53


class ClusterState(StrEnum):
    """``status.state``; KubeRay writes ``""`` until the cluster is ready for the first time."""

    PENDING = ""
    READY = "ready"
    SUSPENDED = "suspended"
    FAILED = "failed"  # deprecated in KubeRay, still readable

    @property
    def label(self) -> str:
        """What a list shows for the state; the empty state reads as ``pending``."""
        return self.value or "pending"


class ConditionType(StrEnum):
    PROVISIONED = "RayClusterProvisioned"
    HEAD_POD_READY = "HeadPodReady"
    REPLICA_FAILURE = "ReplicaFailure"
    SUSPENDING = "RayClusterSuspending"
    SUSPENDED = "RayClusterSuspended"
    #: raydeck's own: the installed Ray differs from ``spec.rayVersion``.
    RAY_VERSION_MISMATCH = "RayVersionMismatch"


class ConditionReason(StrEnum):
    ALL_PODS_READY_FIRST_TIME = "AllPodRunningAndReadyFirstTime"
    PODS_PROVISIONING = "RayClusterPodsProvisioning"
    HEAD_POD_NOT_FOUND = "HeadPodNotFound"
    HEAD_POD_READY = "HeadPodRunningAndReady"
    HEAD_POD_NOT_READY = "HeadPodNotReady"
    SUSPENDED = "RayClusterSuspended"
    VERSION_MISMATCH = "RayVersionMismatch"
    VERSION_MATCH = "RayVersionMatch"
    NODE_FAILED = "NodeProcessFailed"
    #: KubeRay's reasons when a pod cannot even be created (here: a spec the platform refuses).
    FAILED_CREATE_HEAD = "FailedCreateHeadPod"
    FAILED_CREATE_WORKER = "FailedCreateWorkerPod"


class ScaleStrategy(KubeModel):
    workers_to_delete: list[str] | None = None


class HeadGroupSpec(KubeModel):
    template: PodTemplateSpec
    ray_start_params: dict[str, str] | None = None
    resources: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    service_type: str | None = None
    head_service: dict[str, Any] | None = None  # Kubernetes JSON kept as written


class WorkerGroupSpec(KubeModel):
    group_name: str
    template: PodTemplateSpec
    replicas: int | None = None
    min_replicas: int | None = None
    max_replicas: int | None = None
    ray_start_params: dict[str, str] | None = None
    resources: dict[str, str] | None = None
    labels: dict[str, str] | None = None
    scale_strategy: ScaleStrategy | None = None
    num_of_hosts: int | None = None
    suspend: bool | None = None
    idle_timeout_seconds: int | None = None

    def desired_replicas(self) -> int:
        """Replicas clamped into [minReplicas, maxReplicas], as the operator does; ``numOfHosts`` multiplies."""
        if self.suspend:
            return 0  # only a RayJob's DeleteWorkers suspends a group
        low = self.min_replicas or 0
        high = self.max_replicas if self.max_replicas is not None else 2**31 - 1
        wanted = self.replicas if self.replicas is not None else low
        return max(low, min(wanted, high)) * (self.num_of_hosts or 1)


class RayClusterSpec(KubeModel):
    head_group_spec: HeadGroupSpec
    worker_group_specs: list[WorkerGroupSpec] | None = None
    ray_version: str | None = None
    suspend: bool | None = None
    enable_in_tree_autoscaling: bool | None = None
    autoscaler_options: dict[str, Any] | None = None  # Kubernetes JSON kept as written


class HeadInfo(KubeModel):
    pod_ip: str | None = Field(default=None, alias="podIP")
    service_ip: str | None = Field(default=None, alias="serviceIP")
    pod_name: str | None = None
    service_name: str | None = None


class RayClusterStatus(KubeModel):
    state: ClusterState | None = None
    reason: str | None = None
    desired_cpu: str | None = Field(default=None, alias="desiredCPU")
    desired_memory: str | None = None
    desired_gpu: str | None = Field(default=None, alias="desiredGPU")
    desired_tpu: str | None = Field(default=None, alias="desiredTPU")
    last_update_time: str | None = None
    state_transition_times: dict[str, str] | None = None
    endpoints: dict[str, str] | None = None
    head: HeadInfo | None = None
    conditions: list[Condition] | None = None
    ready_worker_replicas: int | None = None
    available_worker_replicas: int | None = None
    desired_worker_replicas: int | None = None
    min_worker_replicas: int | None = None
    max_worker_replicas: int | None = None
    observed_generation: int | None = None


class RayCluster(KubeModel):
    api_version: Literal["ray.io/v1"] = "ray.io/v1"
    kind: Literal["RayCluster"] = "RayCluster"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: RayClusterSpec
    status: RayClusterStatus | None = None

    def is_suspended(self) -> bool:
        return bool(self.spec.suspend)

    def groups(self) -> list[tuple[str, HeadGroupSpec | WorkerGroupSpec]]:
        """The head group (named ``headgroup``) followed by the worker groups."""
        items: list[tuple[str, HeadGroupSpec | WorkerGroupSpec]] = [
            ("headgroup", self.spec.head_group_spec)
        ]
        items += [(g.group_name, g) for g in self.spec.worker_group_specs or []]
        return items


def ray_container(template: PodTemplateSpec) -> Container:
    """The Ray container: the first one in the pod, as in KubeRay."""
    return template.spec.containers[0]
