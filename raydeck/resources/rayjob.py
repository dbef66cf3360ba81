"""The ray.io/v1 RayJob kind: spec, status and the status values KubeRay defines, with their behaviour.

A RayJob runs an entrypoint on a RayCluster it creates (``rayClusterSpec``) or
on an existing one (``clusterSelector``). Validation is in
``validation/rayjob.py``; running it is the platform's business.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import Field

from raydeck.resources.meta import KubeModel, ObjectMeta
from raydeck.resources.raycluster import RayClusterSpec, RayClusterStatus

KIND = "RayJob"
PLURAL = "rayjobs"
MAX_NAME_LENGTH = 47
CLUSTER_SELECTOR_KEY = "ray.io/cluster"


class JobStatus(StrEnum):
    """``status.jobStatus``: the Ray job's own state, as the Jobs API reports it."""

    NEW = ""
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    STOPPED = "STOPPED"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"

    def is_terminal(self) -> bool:
        return self in (JobStatus.STOPPED, JobStatus.SUCCEEDED, JobStatus.FAILED)


class JobDeploymentStatus(StrEnum):
    """``status.jobDeploymentStatus``: where the RayJob is in its own lifecycle."""

    NEW = ""
    INITIALIZING = "Initializing"
    RUNNING = "Running"
    COMPLETE = "Complete"
    FAILED = "Failed"
    VALIDATION_FAILED = "ValidationFailed"
    SUSPENDING = "Suspending"
    SUSPENDED = "Suspended"
    RETRYING = "Retrying"
    WAITING = "Waiting"

    def is_terminal(self) -> bool:
        return self in (JobDeploymentStatus.COMPLETE, JobDeploymentStatus.FAILED)


class FailedReason(StrEnum):
    SUBMISSION_FAILED = "SubmissionFailed"
    DEADLINE_EXCEEDED = "DeadlineExceeded"
    PRE_RUNNING_DEADLINE_EXCEEDED = "PreRunningDeadlineExceeded"
    APP_FAILED = "AppFailed"
    TRANSITION_GRACE_PERIOD_EXCEEDED = "JobDeploymentStatusTransitionGracePeriodExceeded"
    STATUS_CHECK_TIMEOUT_EXCEEDED = "JobStatusCheckTimeoutExceeded"
    VALIDATION_FAILED = "ValidationFailed"


class SubmissionMode(StrEnum):
    K8S_JOB = "K8sJobMode"
    HTTP = "HTTPMode"
    INTERACTIVE = "InteractiveMode"
    SIDECAR = "SidecarMode"


class DeletionPolicyType(StrEnum):
    DELETE_CLUSTER = "DeleteCluster"
    DELETE_WORKERS = "DeleteWorkers"
    DELETE_SELF = "DeleteSelf"
    DELETE_NONE = "DeleteNone"


class DeletionPolicy(KubeModel):
    policy: DeletionPolicyType | None = None


class DeletionCondition(KubeModel):
    job_status: JobStatus | None = None
    job_deployment_status: JobDeploymentStatus | None = None
    ttl_seconds: int = Field(default=0, alias="ttlSeconds")


class DeletionRule(KubeModel):
    policy: DeletionPolicyType
    condition: DeletionCondition


class DeletionStrategy(KubeModel):
    on_success: DeletionPolicy | None = None
    on_failure: DeletionPolicy | None = None
    deletion_rules: list[DeletionRule] | None = None


class SubmitterConfig(KubeModel):
    backoff_limit: int | None = None


class RayJobSpec(KubeModel):
    entrypoint: str = ""
    runtime_env_yaml: str = Field(default="", alias="runtimeEnvYAML")
    job_id: str = ""
    metadata: dict[str, str] | None = None
    ray_cluster_spec: RayClusterSpec | None = None
    cluster_selector: dict[str, str] | None = None
    submission_mode: SubmissionMode = SubmissionMode.K8S_JOB
    entrypoint_num_cpus: float = 0
    entrypoint_num_gpus: float = 0
    entrypoint_resources: str = ""
    shutdown_after_job_finishes: bool = False
    ttl_seconds_after_finished: int = Field(default=0, alias="ttlSecondsAfterFinished")
    active_deadline_seconds: int | None = None
    pre_running_deadline_seconds: int | None = None
    backoff_limit: int | None = None
    suspend: bool = False
    deletion_strategy: DeletionStrategy | None = None
    submitter_pod_template: dict[str, Any] | None = None  # Kubernetes JSON kept as written
    submitter_config: SubmitterConfig | None = None
    managed_by: str | None = None


class RayJobStatusInfo(KubeModel):
    start_time: str | None = None
    end_time: str | None = None


class RayJobStatus(KubeModel):
    job_id: str | None = None
    ray_cluster_name: str | None = None
    dashboard_url: str | None = Field(default=None, alias="dashboardURL")
    job_status: JobStatus | None = None
    job_deployment_status: JobDeploymentStatus | None = None
    reason: FailedReason | None = None
    message: str | None = None
    start_time: str | None = None
    end_time: str | None = None
    succeeded: int | None = None
    failed: int | None = None
    ray_cluster_status: RayClusterStatus | None = None
    ray_job_info: RayJobStatusInfo | None = Field(default=None, alias="rayJobInfo")
    #: Since when the Ray Jobs API has failed to answer; cleared by an answer.
    job_status_check_failure_start_time: str | None = None
    observed_generation: int | None = None


class RayJob(KubeModel):
    api_version: Literal["ray.io/v1"] = "ray.io/v1"
    kind: Literal["RayJob"] = "RayJob"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: RayJobSpec
    status: RayJobStatus | None = None

    @property
    def uses_existing_cluster(self) -> bool:
        return bool(self.spec.cluster_selector)
