"""What a RayJob submits on the local platform, read from its spec or its submitter pod.

On Kubernetes a submitter pod submits the job: KubeRay's default one runs
``ray job submit … -- <entrypoint>``, its light-weight one runs ``/submitter … -- <entrypoint>``,
and a ``submitterPodTemplate`` may give either command itself. The local platform runs no pods,
so it reads the same command line and makes the same Jobs API submission. Pure: no I/O.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import Any

import yaml

from raydeck.resources import rayjob as rj

#: Flags of ``ray job submit`` and of KubeRay's light-weight submitter that shape the submission.
_VALUE_FLAGS = {
    "--runtime-env-json": "runtime_env",
    "--metadata-json": "metadata",
    "--entrypoint-resources": "resources",
    "--entrypoint-num-cpus": "num_cpus",
    "--entrypoint-num-gpus": "num_gpus",
}
#: Flags whose value the local platform supplies itself (the cluster's address, the job id).
_IGNORED_VALUE_FLAGS = {"--address", "--submission-id", "--job-id", "--log-style", "--log-color"}
_IGNORED_SWITCHES = {"--no-wait", "--verify", "-v", "--verbose"}
_SHELLS = {"sh", "bash", "dash", "zsh"}


class SubmitterError(ValueError):
    """A submitter command the local platform cannot turn into a submission, and why."""


@dataclass(frozen=True)
class Submission:
    """One Jobs API submission: what ``JobSubmissionClient.submit_job`` is given."""

    entrypoint: str
    submission_id: str
    #: Ray's runtime environment as the user wrote it (YAML or JSON): Ray's own open shape.
    runtime_env: dict[str, Any] | None = None
    metadata: dict[str, str] | None = None
    num_cpus: float | None = None
    num_gpus: float | None = None
    resources: dict[str, float] | None = None


def submission(job: rj.RayJob, job_id: str) -> Submission:
    """The Jobs API submission for ``job``, as its submitter would send it.

    Only K8sJobMode runs a submitter pod, so only there may its template's command say what
    is submitted; HTTPMode (and SidecarMode, which allows no template) submit the spec.
    """
    template = job.spec.submitter_pod_template
    k8s_job = job.spec.submission_mode == rj.SubmissionMode.K8S_JOB
    argv = _submitter_argv(template) if k8s_job else None
    if argv is None:
        return _from_spec(job.spec, job_id)
    return _from_command(argv, job_id)


def _from_spec(spec: rj.RayJobSpec, job_id: str) -> Submission:
    if not spec.entrypoint.strip():
        raise SubmitterError("spec.entrypoint is empty and no submitterPodTemplate command submits")
    runtime_env = yaml.safe_load(spec.runtime_env_yaml) if spec.runtime_env_yaml.strip() else None
    resources = (
        yaml.safe_load(spec.entrypoint_resources) if spec.entrypoint_resources.strip() else None
    )
    return Submission(
        entrypoint=spec.entrypoint,
        submission_id=job_id,
        runtime_env=runtime_env,
        metadata=spec.metadata,
        num_cpus=spec.entrypoint_num_cpus or None,
        num_gpus=spec.entrypoint_num_gpus or None,
        resources=resources,
    )


def _submitter_argv(template: dict[str, Any] | None) -> list[str] | None:
    """The first container's command line, or None where it gives none (KubeRay then supplies
    its default from the spec, and so does raydeck).

    ``template`` is the user's raw Kubernetes pod template (an edge: only its command is read).
    """
    containers = ((template or {}).get("spec") or {}).get("containers") or []
    if not containers or not isinstance(containers[0], dict):
        return None
    command = containers[0].get("command") or []
    args = containers[0].get("args") or []
    argv = [str(part) for part in [*command, *args]]
    if not argv:
        return None
    if PurePosixPath(argv[0]).name in _SHELLS and len(argv) >= 3 and argv[1] == "-c":
        # The shell would split the line; shlex splits it the same way for a plain command.
        return shlex.split(argv[2])
    return argv


def _from_command(argv: Sequence[str], job_id: str) -> Submission:
    program = PurePosixPath(argv[0]).name
    join: Callable[[list[str]], str]
    if program == "ray" and list(argv[1:3]) == ["job", "submit"]:
        flags, join = list(argv[3:]), subprocess.list2cmdline
    elif program == "submitter":
        flags, join = list(argv[1:]), " ".join
    else:
        raise SubmitterError(
            f"the submitter command {shlex.join(argv)!r} is neither 'ray job submit' nor "
            "KubeRay's light-weight submitter; the local platform runs no submitter pods "
            "(set spec.entrypoint, or apply it to a Kubernetes cluster)"
        )
    start = Submission(entrypoint=join(_entrypoint(flags)), submission_id=job_id)
    return _parse_flags(flags, start)


def _parse_flags(flags: list[str], parsed: Submission) -> Submission:
    """``parsed`` with the values the flags before ``--`` give."""
    i = 0
    while i < len(flags) and flags[i] != "--":
        flag, _, inline = flags[i].partition("=")
        if flag in _IGNORED_SWITCHES:
            i += 1
            continue
        if flag not in _VALUE_FLAGS and flag not in _IGNORED_VALUE_FLAGS:
            raise SubmitterError(f"the submitter flag {flag!r} is not understood")
        value = inline if inline else (flags[i + 1] if i + 1 < len(flags) else "")
        i += 1 if inline else 2
        if flag in _VALUE_FLAGS:
            parsed = replace(parsed, **{_VALUE_FLAGS[flag]: _value(flag, value)})
    return parsed


def _value(flag: str, value: str) -> Any:
    if flag in ("--entrypoint-num-cpus", "--entrypoint-num-gpus"):
        try:
            return float(value) or None
        except ValueError:
            raise SubmitterError(
                f"the submitter flag {flag} needs a number, got {value!r}"
            ) from None
    try:
        return json.loads(value) if value else None
    except json.JSONDecodeError as e:
        raise SubmitterError(f"the submitter flag {flag} holds invalid JSON: {e}") from None


def _entrypoint(flags: list[str]) -> list[str]:
    """The words after ``--``; Ray's CLI joins them as list2cmdline does, KubeRay's light-weight
    submitter with plain spaces, and each caller joins them its own way."""
    if "--" not in flags or not flags[flags.index("--") + 1 :]:
        raise SubmitterError("the submitter command gives no entrypoint after '--'")
    return flags[flags.index("--") + 1 :]
