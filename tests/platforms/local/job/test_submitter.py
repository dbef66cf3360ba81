"""What the local platform submits for a RayJob: its spec, or the command line of its submitter
pod as KubeRay's default and light-weight submitters would send it."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.platforms.local.job.submitter import SubmitterError, submission
from raydeck.resources import rayjob as rj
from tests.support.samples import rayjob


def job(*, entrypoint: str = "", command: list[str] | None = None, **spec: Any) -> rj.RayJob:
    body = rayjob("j", entrypoint=entrypoint, **spec)
    if command is not None:
        container = {"name": "submitter", "image": "i", "command": command[:1], "args": command[1:]}
        body["spec"]["submitterPodTemplate"] = {"spec": {"containers": [container]}}
    return rj.RayJob.model_validate(body)


def test_without_a_submitter_command_the_spec_is_submitted() -> None:
    sent = submission(job(entrypoint="python run.py", runtimeEnvYAML="env_vars: {A: b}\n"), "id-1")
    assert sent.entrypoint == "python run.py" and sent.submission_id == "id-1"
    assert sent.runtime_env == {"env_vars": {"A": "b"}}


def test_the_light_weight_submitter_s_flags_and_entrypoint_are_submitted() -> None:
    runtime_env = '{"pip":["requests==2.26.0"],"env_vars":{"counter_name":"test_counter"}}'
    command = ["/submitter", "--runtime-env-json", runtime_env, "--entrypoint-num-cpus=1"]
    sent = submission(job(command=[*command, "--", "python", "/home/ray/x.py"]), "id-2")
    assert sent.entrypoint == "python /home/ray/x.py"
    assert sent.runtime_env["env_vars"] == {"counter_name": "test_counter"}
    assert sent.num_cpus == 1.0 and sent.submission_id == "id-2"


def test_a_ray_job_submit_shell_line_is_read_as_the_shell_would_split_it() -> None:
    line = (
        "ray job submit --address=http://$RAY_DASHBOARD_ADDRESS "
        "--submission-id=$RAY_JOB_SUBMISSION_ID -- python -c 'print(1 + 1)'"
    )
    sent = submission(job(command=["sh", "-c", line]), "id-3")
    # Ray's CLI re-quotes the words after '--' (list2cmdline), so the shell line survives.
    assert sent.entrypoint == 'python -c "print(1 + 1)"'
    assert sent.submission_id == "id-3"


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        (["/bin/my-own-tool", "--go"], "neither 'ray job submit'"),
        (["/submitter", "--runtime-env-json", "{not json", "--", "ls"], "invalid JSON"),
        (["/submitter", "--frobnicate", "1", "--", "ls"], "'--frobnicate' is not understood"),
        (["/submitter"], "no entrypoint"),
    ],
)
def test_a_submitter_the_local_platform_cannot_read_is_refused_saying_why(
    command: list[str], reason: str
) -> None:
    with pytest.raises(SubmitterError, match=reason):
        submission(job(command=command), "id")


def test_no_entrypoint_and_no_submitter_command_is_refused_saying_so() -> None:
    with pytest.raises(SubmitterError, match=r"spec\.entrypoint is empty"):
        submission(job(), "id")


def test_http_mode_submits_the_spec_whatever_a_submitter_template_says() -> None:
    command = ["/bin/my-own-tool", "--go"]
    sent = submission(
        job(entrypoint="python run.py", command=command, submissionMode="HTTPMode"), "id"
    )
    assert sent.entrypoint == "python run.py"
