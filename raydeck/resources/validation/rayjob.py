"""RayJob validation, mirroring KubeRay 1.7's rules, every error named by its field path.

``parse_rayjob`` is what managers call (as ``RAYJOB.parse``) before anything is stored.
The rules for the embedded ``rayClusterSpec`` are RayCluster's own (``raycluster.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import yaml

from raydeck.errors import FieldError
from raydeck.resources import rayjob as rj
from raydeck.resources.validation.common import parse_object
from raydeck.resources.validation.raycluster import check_cluster_spec

_DELETION_ORDER = (
    rj.DeletionPolicyType.DELETE_WORKERS,
    rj.DeletionPolicyType.DELETE_CLUSTER,
    rj.DeletionPolicyType.DELETE_SELF,
)
_CLUSTER_POLICIES = (rj.DeletionPolicyType.DELETE_CLUSTER, rj.DeletionPolicyType.DELETE_WORKERS)


def parse_rayjob(data: Mapping[str, Any]) -> rj.RayJob:
    """Validate a RayJob document and return its model; raise ``InvalidInput`` otherwise."""
    return parse_object(
        rj.RayJob,
        data,
        kind=rj.KIND,
        max_name_length=rj.MAX_NAME_LENGTH,
        check_spec=check_job_spec,
    )


def check_job_spec(spec: rj.RayJobSpec) -> list[FieldError]:
    errors = _check_cluster_choice(spec)
    errors += _check_modes(spec)
    errors += _check_lifetimes(spec)
    errors += _check_runtime_env(spec.runtime_env_yaml)
    if spec.deletion_strategy is not None:
        errors += _check_deletion(spec, spec.deletion_strategy)
    if spec.ray_cluster_spec is not None:
        errors += check_cluster_spec(spec.ray_cluster_spec, "spec.rayClusterSpec")
    return errors


def _check_cluster_choice(spec: rj.RayJobSpec) -> list[FieldError]:
    selector = spec.cluster_selector or {}
    if spec.ray_cluster_spec is None and not selector:
        return [FieldError("spec", "one of rayClusterSpec or clusterSelector must be set")]
    if spec.ray_cluster_spec is not None and selector:
        return [
            FieldError(
                "spec.clusterSelector", "set either rayClusterSpec or clusterSelector, not both"
            )
        ]
    if not selector:
        return []
    errors = []
    if not selector.get(rj.CLUSTER_SELECTOR_KEY):
        errors.append(
            FieldError(
                f"spec.clusterSelector[{rj.CLUSTER_SELECTOR_KEY}]",
                "must name the RayCluster to run on",
            )
        )
    if spec.suspend:
        errors.append(
            FieldError("spec.suspend", "a RayJob with a clusterSelector cannot be suspended")
        )
    if (spec.backoff_limit or 0) > 0:
        errors.append(FieldError("spec.backoffLimit", "is incompatible with clusterSelector"))
    if spec.submission_mode == rj.SubmissionMode.SIDECAR:
        errors.append(
            FieldError("spec.submissionMode", "SidecarMode does not support clusterSelector")
        )
    return errors


def _check_modes(spec: rj.RayJobSpec) -> list[FieldError]:
    errors = []
    mode = spec.submission_mode
    # KubeRay requires no entrypoint: a submitterPodTemplate's own command may submit the job.
    if mode == rj.SubmissionMode.INTERACTIVE and (spec.backoff_limit or 0) > 0:
        errors.append(FieldError("spec.backoffLimit", "is incompatible with InteractiveMode"))
    if mode == rj.SubmissionMode.SIDECAR:
        if spec.submitter_pod_template is not None:
            errors.append(
                FieldError("spec.submitterPodTemplate", "is not supported in SidecarMode")
            )
        if spec.submitter_config is not None:
            errors.append(FieldError("spec.submitterConfig", "is not supported in SidecarMode"))
        head = spec.ray_cluster_spec.head_group_spec if spec.ray_cluster_spec else None
        if head is not None and head.template.spec.restart_policy not in (None, "", "Never"):
            errors.append(
                FieldError(
                    "spec.rayClusterSpec.headGroupSpec.template.spec.restartPolicy",
                    "must be Never or unset in SidecarMode",
                )
            )
    return errors


def _check_lifetimes(spec: rj.RayJobSpec) -> list[FieldError]:
    checks: list[tuple[bool, str, str]] = [
        (
            spec.suspend and not spec.shutdown_after_job_finishes,
            "spec.suspend",
            "a RayJob can only be suspended with shutdownAfterJobFinishes: true",
        ),
        (
            spec.ttl_seconds_after_finished < 0,
            "spec.ttlSecondsAfterFinished",
            "must not be negative",
        ),
        (
            spec.ttl_seconds_after_finished > 0 and not spec.shutdown_after_job_finishes,
            "spec.ttlSecondsAfterFinished",
            "needs shutdownAfterJobFinishes: true",
        ),
        (
            spec.active_deadline_seconds is not None and spec.active_deadline_seconds <= 0,
            "spec.activeDeadlineSeconds",
            "must be a positive number of seconds",
        ),
        (
            spec.pre_running_deadline_seconds is not None
            and spec.pre_running_deadline_seconds <= 0,
            "spec.preRunningDeadlineSeconds",
            "must be a positive number of seconds",
        ),
        (
            spec.backoff_limit is not None and spec.backoff_limit < 0,
            "spec.backoffLimit",
            "must not be negative",
        ),
    ]
    return [FieldError(path, message) for bad, path, message in checks if bad]


def _check_runtime_env(text: str) -> list[FieldError]:
    if not text.strip():
        return []
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        return [FieldError("spec.runtimeEnvYAML", f"{where}{getattr(e, 'problem', e)}")]
    if not isinstance(value, dict):
        return [
            FieldError(
                "spec.runtimeEnvYAML", "must be a YAML mapping (pip, env_vars, working_dir, ...)"
            )
        ]
    return []


def _check_deletion(spec: rj.RayJobSpec, strategy: rj.DeletionStrategy) -> list[FieldError]:
    path = "spec.deletionStrategy"
    legacy = strategy.on_success is not None or strategy.on_failure is not None
    rules = strategy.deletion_rules or []
    if rules and spec.shutdown_after_job_finishes:
        return [
            FieldError(
                f"{path}.deletionRules", "cannot be used together with shutdownAfterJobFinishes"
            )
        ]
    if rules and legacy:
        return [FieldError(path, "use either onSuccess/onFailure or deletionRules, not both")]
    if legacy:
        return _check_legacy_deletion(spec, strategy, path)
    if rules:
        return _check_deletion_rules(spec, rules, f"{path}.deletionRules")
    return [FieldError(path, "needs both onSuccess and onFailure, or deletionRules")]


def _check_legacy_deletion(
    spec: rj.RayJobSpec, strategy: rj.DeletionStrategy, path: str
) -> list[FieldError]:
    errors = []
    for name, policy in (("onSuccess", strategy.on_success), ("onFailure", strategy.on_failure)):
        if policy is None or policy.policy is None:
            errors.append(FieldError(f"{path}.{name}.policy", "Required value"))
            continue
        if spec.cluster_selector and policy.policy in _CLUSTER_POLICIES:
            errors.append(
                FieldError(
                    f"{path}.{name}.policy",
                    f"{policy.policy.value} is not supported with clusterSelector",
                )
            )
        if _autoscaling(spec) and policy.policy == rj.DeletionPolicyType.DELETE_WORKERS:
            errors.append(
                FieldError(
                    f"{path}.{name}.policy", "DeleteWorkers is not supported with autoscaling"
                )
            )
        if spec.shutdown_after_job_finishes and policy.policy == rj.DeletionPolicyType.DELETE_NONE:
            errors.append(
                FieldError(
                    f"{path}.{name}.policy", "DeleteNone contradicts shutdownAfterJobFinishes: true"
                )
            )
    return errors


def _check_deletion_rules(
    spec: rj.RayJobSpec, rules: list[rj.DeletionRule], path: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    ttls: dict[str, dict[rj.DeletionPolicyType, int]] = {}
    for index, rule in enumerate(rules):
        here, condition = f"{path}[{index}]", rule.condition
        if (condition.job_status is None) == (condition.job_deployment_status is None):
            errors.append(
                FieldError(
                    f"{here}.condition", "set exactly one of jobStatus and jobDeploymentStatus"
                )
            )
            continue
        if condition.ttl_seconds < 0:
            errors.append(FieldError(f"{here}.condition.ttlSeconds", "must not be negative"))
            continue
        if spec.cluster_selector and rule.policy in _CLUSTER_POLICIES:
            errors.append(
                FieldError(
                    f"{here}.policy", f"{rule.policy.value} is not supported with clusterSelector"
                )
            )
            continue
        if _autoscaling(spec) and rule.policy == rj.DeletionPolicyType.DELETE_WORKERS:
            errors.append(
                FieldError(f"{here}.policy", "DeleteWorkers is not supported with autoscaling")
            )
            continue
        key = _condition_key(condition)
        if rule.policy in ttls.setdefault(key, {}):
            errors.append(FieldError(here, f"duplicate rule for {rule.policy.value} and {key}"))
            continue
        ttls[key][rule.policy] = condition.ttl_seconds
    return errors + _check_ttl_order(ttls, path)


def _condition_key(condition: rj.DeletionCondition) -> str:
    if condition.job_status is not None:
        return f"jobStatus {condition.job_status.value}"
    return f"jobDeploymentStatus {condition.job_deployment_status or ''}"


def _check_ttl_order(
    ttls: dict[str, dict[rj.DeletionPolicyType, int]], path: str
) -> list[FieldError]:
    """Workers go no later than the cluster, and the cluster no later than the RayJob itself."""
    errors = []
    for key, by_policy in ttls.items():
        ordered = [(p, by_policy[p]) for p in _DELETION_ORDER if p in by_policy]
        for (before, early), (after, late) in itertools.pairwise(ordered):
            if late < early:
                errors.append(
                    FieldError(
                        path,
                        f"for {key}: {after.value} TTL ({late}) must be >= "
                        f"{before.value} TTL ({early})",
                    )
                )
    return errors


def _autoscaling(spec: rj.RayJobSpec) -> bool:
    return bool(spec.ray_cluster_spec and spec.ray_cluster_spec.enable_in_tree_autoscaling)
