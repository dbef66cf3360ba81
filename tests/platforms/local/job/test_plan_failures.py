"""How a local RayJob fails, retries and runs out of time, per KubeRay's rules, on a fake clock."""

from __future__ import annotations

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import (
    DeleteCluster,
    KeepLog,
    StopRayJob,
    Submit,
)
from raydeck.platforms.local.job.observed import RayJobSeen
from raydeck.platforms.local.job.plan import plan_job
from tests.platforms.local.job.support import (
    CLUSTER,
    DS,
    JS,
    T0,
    Reason,
    after,
    at,
    cluster,
    events,
    job,
    ray,
    running,
    seen,
)

# -- failures and retries --------------------------------------------------------------------


def test_a_failed_ray_job_fails_the_rayjob_with_rays_message() -> None:
    plan = plan_job(job(running()), seen(cluster=cluster(), ray_job=ray(JS.FAILED, "exit 3")))
    status = plan.status
    assert status.job_deployment_status == DS.FAILED and status.reason == Reason.APP_FAILED
    assert status.message == "exit 3" and status.failed == 1 and status.job_status == JS.FAILED
    assert events(plan) == ["Failed"]


def test_backoff_limit_retries_on_a_new_cluster_until_it_is_spent() -> None:
    current = job(running(), backoffLimit=2)
    created: list[str] = []
    for attempt in range(1, 4):
        failing = plan_job(
            current, seen(cluster=cluster(name=f"c{attempt}"), ray_job=ray(JS.FAILED))
        )
        current = after(current, failing)
        assert failing.status.failed == attempt
        if attempt == 3:
            assert failing.status.job_deployment_status == DS.FAILED
            break
        assert failing.status.job_deployment_status == DS.RETRYING
        assert events(failing) == ["Retrying"]
        retry = plan_job(current, seen(cluster=cluster(name=f"c{attempt}")))
        assert retry.of(DeleteCluster) == [DeleteCluster(f"c{attempt}", f"c{attempt}-uid")]
        current = after(current, retry)
        assert retry.status.job_deployment_status == DS.NEW
        current = after(current, plan_job(current, seen()))
        assert (
            current.status is not None and current.status.job_deployment_status == DS.INITIALIZING
        )
        created.append(current.status.ray_cluster_name or "")
        current = after(
            current,
            plan_job(
                current, seen(cluster=cluster(name=created[-1]), ray_job=RayJobSeen(known=False))
            ),
        )
    assert current.status is not None and current.status.reason == Reason.APP_FAILED
    assert len(set(created)) == 2


def test_a_submitter_that_cannot_be_read_fails_the_submission_saying_why() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        },
        entrypoint="",
    )
    plan = plan_job(starting, seen(cluster=cluster(), ray_job=RayJobSeen(known=False)))
    assert plan.status.reason == Reason.SUBMISSION_FAILED and not plan.of(Submit)
    assert "spec.entrypoint is empty" in (plan.status.message or "")


def test_a_submission_ray_refuses_fails_the_submission_with_rays_words() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        },
        backoffLimit=1,
    )
    plan = plan_job(
        starting,
        seen(
            cluster=cluster(),
            ray_job=RayJobSeen(known=False),
            submit_error="runtime env is invalid",
        ),
    )
    assert plan.status.reason == Reason.SUBMISSION_FAILED and not plan.of(Submit)
    assert plan.status.job_deployment_status == DS.RETRYING
    assert plan.status.message == "runtime env is invalid"


def test_a_job_its_cluster_forgot_fails_the_submission() -> None:
    plan = plan_job(job(running()), seen(cluster=cluster(), ray_job=RayJobSeen(known=False)))
    assert plan.status.reason == Reason.SUBMISSION_FAILED


def test_an_unreachable_cluster_is_reported_and_fails_the_job_after_the_status_check_timeout() -> (
    None
):
    current = job(running(), backoffLimit=2)
    first = plan_job(current, seen(now=10, cluster=cluster(), jobs_api_error="connection refused"))
    assert first.status.message == "connection refused" and first.requeue_after == 1.0
    assert first.status.job_deployment_status == DS.RUNNING
    assert first.status.job_status_check_failure_start_time == rfc3339(at(10))
    current = after(current, first)
    # The clock keeps its first failure; an answer in between would have cleared it.
    later = plan_job(current, seen(now=200, cluster=cluster(), jobs_api_error="timed out"))
    assert later.status.job_status_check_failure_start_time == rfc3339(at(10))
    late = plan_job(current, seen(now=310, cluster=cluster(), jobs_api_error="timed out"))
    assert late.status.reason == Reason.STATUS_CHECK_TIMEOUT_EXCEEDED
    # Not retried, as in KubeRay: the job is Failed for good.
    assert late.status.job_deployment_status == DS.FAILED


def test_an_answer_clears_the_status_check_clock() -> None:
    broken = job(running(jobStatusCheckFailureStartTime=rfc3339(T0)))
    plan = plan_job(broken, seen(now=100, cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert plan.status.job_status_check_failure_start_time is None


def test_a_cluster_deleted_under_a_running_job_is_a_failing_status_check() -> None:
    gone = plan_job(job(running()), seen(now=5))
    assert gone.status.message == f"RayCluster {CLUSTER} does not exist"
    assert gone.status.job_status_check_failure_start_time == rfc3339(at(5))


# -- deadlines -------------------------------------------------------------------------------


def test_the_active_deadline_stops_the_job_and_fails_it_for_good() -> None:
    late = job(running(), activeDeadlineSeconds=10, backoffLimit=3)
    assert (
        plan_job(late, seen(now=9, cluster=cluster(), ray_job=ray(JS.RUNNING))).status.reason
        is None
    )
    plan = plan_job(late, seen(now=10, cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert plan.status.reason == Reason.DEADLINE_EXCEEDED
    assert plan.status.job_deployment_status == DS.FAILED
    assert plan.of(StopRayJob) == [StopRayJob("j-1")] and plan.of(KeepLog) == [KeepLog("j-1")]


def test_the_pre_running_deadline_fails_a_job_whose_cluster_never_gets_ready() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        },
        preRunningDeadlineSeconds=60,
    )
    failing = cluster(
        "",
        conditions=[{"type": "ReplicaFailure", "status": "True", "reason": "FailedCreateHeadPod"}],
    )
    plan = plan_job(starting, seen(now=59, cluster=failing))
    assert plan.status.job_deployment_status == DS.INITIALIZING
    plan = plan_job(starting, seen(now=60, cluster=failing))
    assert plan.status.reason == Reason.PRE_RUNNING_DEADLINE_EXCEEDED
    assert plan.status.job_deployment_status == DS.FAILED


def test_a_pre_running_deadline_is_retried_and_each_attempt_gets_its_own_clock() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "jobStatus": "",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
            "failed": 0,
        },
        preRunningDeadlineSeconds=60,
        backoffLimit=1,
    )
    late = plan_job(starting, seen(now=60, cluster=cluster("")))
    assert late.status.job_deployment_status == DS.RETRYING and late.status.failed == 1
    # The Ray job never ran: jobStatus stays what Ray said, nothing ("").
    assert late.status.job_status == JS.NEW
    retried = after(starting, late)
    retried = after(retried, plan_job(retried, seen(now=61, cluster=cluster(""))))
    again = plan_job(retried, seen(now=100))
    assert again.status.start_time == rfc3339(at(100))
    fresh = after(retried, again)
    assert plan_job(fresh, seen(now=159)).status.job_deployment_status == DS.INITIALIZING


def test_deadlines_are_asked_only_where_kuberay_asks_them() -> None:
    # Running: the pre-running deadline no longer applies, even to a job Ray has pending.
    pending = job(running(jobStatus="PENDING"), preRunningDeadlineSeconds=5)
    plan = plan_job(pending, seen(now=60, cluster=cluster(), ray_job=ray(JS.PENDING)))
    assert plan.status.job_deployment_status == DS.RUNNING
    # Waiting for an InteractiveMode user: only the pre-running deadline applies.
    waiting = {
        "jobDeploymentStatus": "Waiting",
        "rayClusterName": CLUSTER,
        "startTime": rfc3339(T0),
        "jobStatus": "",
    }
    active = job(waiting, submissionMode="InteractiveMode", activeDeadlineSeconds=5)
    assert (
        plan_job(active, seen(now=60, cluster=cluster())).status.job_deployment_status == DS.WAITING
    )
    pre = job(waiting, submissionMode="InteractiveMode", preRunningDeadlineSeconds=5)
    assert plan_job(pre, seen(now=60, cluster=cluster())).status.reason == (
        Reason.PRE_RUNNING_DEADLINE_EXCEEDED
    )


def test_a_job_past_its_active_deadline_keeps_the_job_status_ray_last_gave() -> None:
    late = job(running(), activeDeadlineSeconds=10)
    plan = plan_job(late, seen(now=10, cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert plan.status.job_status == JS.RUNNING and plan.status.reason == Reason.DEADLINE_EXCEEDED
    assert "activeDeadlineSeconds (10)" in (plan.status.message or "")
