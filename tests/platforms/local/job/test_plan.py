"""Reconcile decisions for local RayJobs, tested without processes and on a fake clock.

Each test walks a RayJob through KubeRay's states by feeding the status one pass writes into
the next pass, with the cluster and the Ray job as the reconciler would have seen them.
"""

from __future__ import annotations

from raydeck.controller.clock import rfc3339
from raydeck.platforms.local.job.actions import (
    CreateCluster,
    DeleteCluster,
    DeleteSelf,
    DeleteWorkers,
    Event,
    KeepLog,
    StopRayJob,
    Submit,
)
from raydeck.platforms.local.job.observed import RayJobSeen
from raydeck.platforms.local.job.plan import plan_job, ray_job_wanted
from raydeck.platforms.local.job.reconciler import status_wire
from raydeck.resources import raycluster as rc
from raydeck.resources import rayjob as rj
from raydeck.resources.meta import STOP_ANNOTATION
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
    finished,
    job,
    ray,
    running,
    seen,
    selector_job,
)

# -- New → Initializing → Running → Complete ------------------------------------------------


def test_a_new_job_names_its_ray_job_and_cluster_and_starts_its_clock() -> None:
    plan = plan_job(job(), seen(now=5))
    status = plan.status
    assert status.job_deployment_status == DS.INITIALIZING and status.job_status == JS.NEW
    assert status.job_id and status.job_id.startswith("j-") and len(status.job_id) == 10
    assert status.ray_cluster_name and status.ray_cluster_name.startswith("j-")
    assert status.start_time == rfc3339(at(5))
    assert (status.failed, status.succeeded, status.observed_generation) == (0, 0, 3)
    assert events(plan) == ["Initializing"] and plan.requeue_after == 0


def test_a_given_job_id_is_used_as_the_submission_id() -> None:
    assert plan_job(job(jobId="mine"), seen()).status.job_id == "mine"


def test_initializing_creates_the_own_cluster_then_waits_for_it() -> None:
    new = after(job(), plan_job(job(), seen()))
    plan = plan_job(new, seen(now=1))
    name = new.status.ray_cluster_name if new.status else None
    assert plan.of(CreateCluster) == [CreateCluster(name or "")]
    assert events(plan) == ["CreatedRayCluster"]
    assert plan.status.job_deployment_status == DS.INITIALIZING and plan.requeue_after == 0.5


def test_a_selected_cluster_that_does_not_exist_is_waited_for_not_created() -> None:
    new = after(selector_job(), plan_job(selector_job(), seen()))
    assert new.status is not None and new.status.ray_cluster_name == "shared"
    plan = plan_job(new, seen(now=1))
    assert not plan.of(CreateCluster)
    assert plan.status.message == "waiting for RayCluster shared to exist"


def test_a_cluster_not_ready_yet_is_mirrored_and_a_queued_one_says_where_it_waits() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        }
    )
    queue = {"position": 2, "reason": "namespace quota: cpu"}
    plan = plan_job(starting, seen(cluster=cluster("", queue=queue)))
    assert plan.status.ray_cluster_status is not None
    assert plan.status.ray_cluster_status.state == rc.ClusterState.PENDING
    assert (
        plan.status.message == f"RayCluster {CLUSTER} waits in the admission queue at "
        "position 2: namespace quota: cpu"
    )
    assert not plan.of(Submit) and plan.status.job_deployment_status == DS.INITIALIZING


def test_a_ready_cluster_gets_the_job_submitted_once() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "jobStatus": "",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        },
        entrypoint="python run.py",
    )
    assert ray_job_wanted(starting, cluster()) == "j-1"
    assert ray_job_wanted(starting, cluster("")) is None
    plan = plan_job(starting, seen(cluster=cluster(), ray_job=RayJobSeen(known=False)))
    [submit] = plan.of(Submit)
    assert isinstance(submit, Submit)
    assert (submit.submission.entrypoint, submit.submission.submission_id) == (
        "python run.py",
        "j-1",
    )
    assert plan.status.job_deployment_status == DS.RUNNING and plan.status.job_status == JS.PENDING
    assert plan.status.dashboard_url == "http://127.0.0.1:18265"
    assert events(plan) == ["Submitted"]
    # Submitted before raydeck restarted: Ray knows the job, so it is not submitted again.
    again = plan_job(starting, seen(cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert not again.of(Submit) and again.status.job_deployment_status == DS.RUNNING


def test_an_unreachable_jobs_api_delays_the_submission() -> None:
    starting = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        }
    )
    plan = plan_job(starting, seen(cluster=cluster(), jobs_api_error="connection refused"))
    assert not plan.of(Submit) and plan.status.job_deployment_status == DS.INITIALIZING


def test_running_follows_the_ray_job_and_keeps_its_log() -> None:
    plan = plan_job(
        job(running(jobStatus="PENDING")), seen(cluster=cluster(), ray_job=ray(JS.RUNNING))
    )
    assert plan.status.job_status == JS.RUNNING and plan.of(KeepLog) == [KeepLog("j-1")]
    assert plan.status.job_deployment_status == DS.RUNNING and plan.requeue_after == 0.5


def test_running_mirrors_the_cluster_and_the_times_ray_gives() -> None:
    info = RayJobSeen(True, JS.SUCCEEDED, "", start_ms=1_767_225_610_000, end_ms=1_767_225_620_000)
    now = cluster(readyWorkerReplicas=3)
    plan = plan_job(job(running()), seen(cluster=now, ray_job=info))
    assert plan.status.ray_cluster_status == now.status
    assert plan.status.ray_job_info == rj.RayJobStatusInfo(
        start_time="2026-01-01T00:00:10Z", end_time="2026-01-01T00:00:20Z"
    )


def test_a_pass_that_learns_nothing_new_gives_back_the_status_it_read() -> None:
    # The reconciler writes only when the status changed, so an idle pass must round-trip.
    stored = running(
        rayClusterStatus={"state": "ready", "endpoints": {"dashboard": "18265"}},
        observedGeneration=3,
    )
    plan = plan_job(job(stored), seen(cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert status_wire(plan.status) == stored


def test_a_succeeded_job_is_complete_and_counted() -> None:
    plan = plan_job(job(running()), seen(now=30, cluster=cluster(), ray_job=ray(JS.SUCCEEDED)))
    status = plan.status
    assert status.job_deployment_status == DS.COMPLETE and status.job_status == JS.SUCCEEDED
    assert status.succeeded == 1 and status.failed == 0 and status.end_time == rfc3339(at(30))
    assert events(plan) == ["Completed"]


def test_a_stopped_job_is_complete_but_not_counted_as_a_success() -> None:
    plan = plan_job(job(running()), seen(cluster=cluster(), ray_job=ray(JS.STOPPED)))
    assert plan.status.job_deployment_status == DS.COMPLETE and plan.status.succeeded == 0


def test_a_stop_request_stops_a_running_ray_job_until_ray_says_stopped() -> None:
    asked = job(running())
    asked.metadata.annotations = {STOP_ANNOTATION: rfc3339(T0)}
    plan = plan_job(asked, seen(cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert plan.of(StopRayJob) == [StopRayJob("j-1")] and events(plan) == ["Stopping"]
    done = plan_job(asked, seen(cluster=cluster(), ray_job=ray(JS.STOPPED)))
    assert not done.of(StopRayJob) and done.status.job_deployment_status == DS.COMPLETE


# -- submission modes ------------------------------------------------------------------------


def test_interactive_mode_waits_for_the_users_job_id_then_follows_it() -> None:
    interactive = job(submissionMode="InteractiveMode", entrypoint="")
    new = after(interactive, plan_job(interactive, seen()))
    assert new.status is not None and new.status.job_id is None
    assert ray_job_wanted(new, cluster()) is None
    waiting = after(new, plan_job(new, seen(cluster=cluster())))
    assert waiting.status is not None and waiting.status.job_deployment_status == DS.WAITING
    plan = plan_job(waiting, seen(cluster=cluster()))
    assert not plan.of(Submit) and "spec.jobId" in (plan.status.message or "")
    waiting.spec.job_id = "by-hand"
    plan = plan_job(waiting, seen(cluster=cluster()))
    assert plan.status.job_deployment_status == DS.RUNNING and plan.status.job_id == "by-hand"
    assert not plan.of(Submit)


def test_interactive_mode_never_submits_even_with_a_job_id_given_up_front() -> None:
    interactive = job(submissionMode="InteractiveMode", jobId="by-hand", entrypoint="x")
    new = after(interactive, plan_job(interactive, seen()))
    assert new.status is not None and new.status.job_id is None
    waiting = after(new, plan_job(new, seen(cluster=cluster())))
    assert waiting.status is not None and waiting.status.job_deployment_status == DS.WAITING
    following = after(waiting, plan_job(waiting, seen(cluster=cluster())))
    assert following.status is not None and following.status.job_id == "by-hand"
    # The user has not submitted yet: Ray has no such job, and raydeck waits (no failure).
    plan = plan_job(following, seen(cluster=cluster(), ray_job=RayJobSeen(known=False)))
    assert not plan.of(Submit) and plan.status.job_deployment_status == DS.RUNNING
    assert "submit it under that submission id" in (plan.status.message or "")
    assert plan.status.job_status_check_failure_start_time is None


def test_http_mode_submits_once_running_when_ray_has_no_such_job() -> None:
    http = job(
        {
            "jobDeploymentStatus": "Initializing",
            "jobId": "j-1",
            "jobStatus": "",
            "rayClusterName": CLUSTER,
            "startTime": rfc3339(T0),
        },
        submissionMode="HTTPMode",
    )
    assert ray_job_wanted(http, cluster()) is None
    ready = plan_job(http, seen(cluster=cluster()))
    assert ready.status.job_deployment_status == DS.RUNNING and not ready.of(Submit)
    running_job = after(http, ready)
    assert ray_job_wanted(running_job, cluster()) == "j-1"
    plan = plan_job(running_job, seen(cluster=cluster(), ray_job=RayJobSeen(known=False)))
    assert [type(a) for a in plan.actions] == [Submit, Event] and events(plan) == ["Submitted"]


def test_http_mode_keeps_trying_a_refused_submission_until_the_status_check_timeout() -> None:
    http = job(running(jobStatus=""), submissionMode="HTTPMode", backoffLimit=1)
    refused = seen(
        now=5,
        cluster=cluster(),
        ray_job=RayJobSeen(known=False),
        submit_error="runtime_env is invalid",
    )
    plan = plan_job(http, refused)
    assert plan.status.job_deployment_status == DS.RUNNING and not plan.of(Submit)
    assert plan.status.message == "the submission failed: runtime_env is invalid"
    assert plan.status.job_status_check_failure_start_time == rfc3339(at(5))
    later = plan_job(
        after(http, plan), seen(now=305, cluster=cluster(), ray_job=RayJobSeen(known=False))
    )
    assert later.status.reason == Reason.STATUS_CHECK_TIMEOUT_EXCEEDED
    assert later.status.job_deployment_status == DS.FAILED


# -- suspend and resume ----------------------------------------------------------------------


def test_suspend_stops_the_job_deletes_its_cluster_and_resume_starts_over() -> None:
    suspended = job(running(), suspend=True, shutdownAfterJobFinishes=True)
    first = plan_job(suspended, seen(cluster=cluster(), ray_job=ray(JS.RUNNING)))
    assert first.status.job_deployment_status == DS.SUSPENDING and first.actions == []
    suspending = after(suspended, first)
    # Suspending finishes even if suspend is set back meanwhile, as in KubeRay.
    suspending.spec.suspend = False
    plan = plan_job(suspending, seen(cluster=cluster()))
    assert plan.of(StopRayJob) == [StopRayJob("j-1")]
    assert plan.of(DeleteCluster) == [DeleteCluster(CLUSTER, f"{CLUSTER}-uid")]
    status = plan.status
    assert status.job_deployment_status == DS.SUSPENDED and "Suspended" in events(plan)
    assert status.job_status == JS.NEW and status.ray_cluster_name is None
    assert status.job_id is None and status.dashboard_url is None and status.message is None
    assert plan.requeue_after is None
    still = after(suspending, plan)
    still.spec.suspend = True
    assert plan_job(still, seen()).status.job_deployment_status == DS.SUSPENDED
    still.spec.suspend = False
    resumed = plan_job(still, seen())
    assert resumed.status.job_deployment_status == DS.NEW and resumed.requeue_after == 0
    again = plan_job(after(still, resumed), seen(now=50)).status
    assert again.job_id and again.ray_cluster_name and again.start_time == rfc3339(at(50))


def test_a_job_created_suspended_never_creates_a_cluster() -> None:
    created = job(suspend=True, shutdownAfterJobFinishes=True)
    initializing = after(created, plan_job(created, seen()))
    plan = plan_job(initializing, seen())
    assert plan.status.job_deployment_status == DS.SUSPENDING and not plan.of(CreateCluster)
    done = plan_job(after(initializing, plan), seen())
    assert done.status.job_deployment_status == DS.SUSPENDED and done.actions == [
        Event("Normal", "Suspended", "RayJob suspended; its cluster was deleted")
    ]


def test_only_initializing_and_running_jobs_start_suspending() -> None:
    waiting = {
        "jobDeploymentStatus": "Waiting",
        "rayClusterName": CLUSTER,
        "startTime": rfc3339(T0),
        "jobStatus": "",
    }
    interactive = job(
        waiting, submissionMode="InteractiveMode", suspend=True, shutdownAfterJobFinishes=True
    )
    assert plan_job(interactive, seen(cluster=cluster())).status.job_deployment_status == DS.WAITING
    done = job(finished(), suspend=True, shutdownAfterJobFinishes=True)
    assert plan_job(done, seen()).status.job_deployment_status == DS.COMPLETE


# -- after the job: shutdownAfterJobFinishes, TTLs, deletion rules ---------------------------


def test_shutdown_after_job_finishes_deletes_the_own_cluster_after_the_ttl() -> None:
    done = job(finished(end=0), shutdownAfterJobFinishes=True, ttlSecondsAfterFinished=30)
    early = plan_job(done, seen(now=10, cluster=cluster()))
    assert not early.of(DeleteCluster) and early.requeue_after == 20
    due = plan_job(done, seen(now=30, cluster=cluster()))
    assert due.of(DeleteCluster) == [DeleteCluster(CLUSTER, f"{CLUSTER}-uid")]
    assert events(due) == ["DeletedRayCluster"]
    assert plan_job(done, seen(now=40)).actions == []


def test_a_cluster_the_job_did_not_create_is_never_deleted() -> None:
    done = job(finished(), shutdownAfterJobFinishes=True)
    assert plan_job(done, seen(cluster=cluster(owned=False))).actions == []


def test_deletion_rules_delete_workers_then_the_job_itself() -> None:
    rules = [
        {"policy": "DeleteWorkers", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 0}},
        {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 60}},
    ]
    done = job(finished(), deletionStrategy={"deletionRules": rules})
    first = plan_job(done, seen(now=1, cluster=cluster()))
    assert first.of(DeleteWorkers) == [DeleteWorkers(CLUSTER, f"{CLUSTER}-uid")]
    assert first.requeue_after == 59
    quiet = plan_job(done, seen(now=2, cluster=cluster(workers_suspended=True)))
    assert quiet.actions == []
    last = plan_job(done, seen(now=60, cluster=cluster(workers_suspended=True)))
    assert last.of(DeleteSelf) == [DeleteSelf()] and events(last) == ["DeletedSelf"]


def test_rules_due_together_delete_the_most_first_and_skip_what_is_gone() -> None:
    rules = [
        {"policy": "DeleteWorkers", "condition": {"jobStatus": "FAILED", "ttlSeconds": 0}},
        {"policy": "DeleteCluster", "condition": {"jobStatus": "FAILED", "ttlSeconds": 5}},
    ]
    done = job(finished("FAILED"), deletionStrategy={"deletionRules": rules})
    plan = plan_job(done, seen(now=600, cluster=cluster()))
    assert plan.of(DeleteCluster) and not plan.of(DeleteWorkers) and plan.requeue_after == 0
    assert plan_job(done, seen(now=601)).actions == []


def test_a_job_on_a_selected_cluster_leaves_everything_as_kuberay_does() -> None:
    rule = {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 0}}
    done = selector_job(finished(), deletionStrategy={"deletionRules": [rule]})
    plan = plan_job(done, seen(now=60, cluster=cluster(owned=False, name="shared")))
    assert plan.actions == [] and plan.requeue_after is None


def test_legacy_policies_follow_the_ray_jobs_outcome() -> None:
    strategy = {"onSuccess": {"policy": "DeleteWorkers"}, "onFailure": {"policy": "DeleteCluster"}}
    ok = job(finished(), deletionStrategy=strategy)
    assert plan_job(ok, seen(cluster=cluster())).of(DeleteWorkers)
    bad = job(finished("FAILED"), deletionStrategy=strategy)
    assert plan_job(bad, seen(cluster=cluster())).of(DeleteCluster)
    stopped = job(finished("STOPPED"), deletionStrategy=strategy)
    assert plan_job(stopped, seen(cluster=cluster())).actions == []
