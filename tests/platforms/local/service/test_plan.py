"""Reconcile decisions for local RayServices: KubeRay v1.7's transitions on a fake clock.

Each test walks a ``World`` (the service's clusters, Serve's answers, the
reconciler's memory) through passes of ``plan_service``; no process runs. The
real-Ray tests in ``test_rayservice_lifecycle.py`` prove the wiring.
"""

from __future__ import annotations

import json

from raydeck.platforms.local.service import actions as act
from raydeck.platforms.local.service.plan import (
    RESYNC,
    SETTLING,
    cluster_config_hash,
    plan_leftovers,
)
from raydeck.resources.rayservice import ApplicationStatus, RayService
from tests.platforms.local.service.world import ENDPOINT_PORT, World, apps, with_workers
from tests.support.samples import SERVE_CONFIG, rayservice

HI = SERVE_CONFIG.replace("greeting: hello", "greeting: hi")


def serving() -> World:
    """A RayService whose first cluster serves: the state most transitions start from."""
    world = World(rayClusterDeletionDelaySeconds=30)
    world.step()
    world.settle("svc-1")
    assert world.active() == "svc-1"
    world.events.clear()
    return world


# -- first cluster, first deploy -------------------------------------------------------------


def test_first_pass_opens_the_endpoint_and_creates_the_first_cluster() -> None:
    world = World()
    plan = world.step()
    assert plan.actions[0] == act.OpenEndpoint(None)
    assert plan.of(act.CreateCluster) == [
        act.CreateCluster(
            "svc-1",
            cluster_config_hash(world.service().spec.ray_cluster_config),
            "the first cluster",
        )
    ]
    assert plan.of(act.RouteEndpoint) == [act.RouteEndpoint(None)]
    assert world.pending() == "svc-1" and world.active() is None
    assert world.status["endpoints"] == {"serve": str(ENDPOINT_PORT)}
    assert world.condition("Ready").reason == "Initializing"
    upgrade = world.condition("UpgradeInProgress")
    assert (upgrade.status, upgrade.reason) == ("False", "Initializing")
    assert plan.requeue_after == SETTLING


def test_ready_cluster_gets_the_config_deployed_once() -> None:
    world = World()
    world.step()
    world.ready("svc-1")
    deploys = world.step().of(act.Deploy)
    assert [(d.cluster, d.again, d.serve_port) for d in deploys] == [("svc-1", False, 40011)]
    assert world.step().of(act.Deploy) == []  # Serve reports it DEPLOYING: nothing to send again
    assert world.condition("Ready").reason == "Initializing"


def test_first_cluster_serving_every_application_becomes_active_and_ready() -> None:
    world = World()
    world.step()
    plan = world.settle("svc-1")
    assert world.active() == "svc-1" and world.pending() is None
    assert world.routed == world.clusters["svc-1"].serve_port == 40011
    assert "Ready" in world.reasons()
    ready = world.condition("Ready")
    assert (ready.status, ready.reason) == ("True", "NonZeroServeEndpoints")
    assert world.condition("UpgradeInProgress").reason == "NoPendingCluster"
    assert world.status["numServeEndpoints"] == 1
    assert world.status["serviceStatus"] == "Running"
    greeter = world.status["activeServiceStatus"]["applicationStatuses"]["greeter"]
    assert greeter == {
        "status": "RUNNING",
        "serveDeploymentStatuses": {"Greeter": {"status": "HEALTHY"}},
    }
    assert world.status["observedGeneration"] == 1
    assert plan.requeue_after == RESYNC


def test_no_promotion_until_every_deployment_is_healthy_and_the_proxy_answers() -> None:
    world = World()
    world.step()
    world.ready("svc-1")
    world.step()
    world.serve("svc-1", apps(deployment="UPDATING"))
    world.step()
    world.serve("svc-1", apps(), proxy_up=False)
    world.step()
    assert world.active() is None and world.routed is None
    world.serve("svc-1", {"greeter": apps()["greeter"]})  # echo is missing
    assert world.step().requeue_after == SETTLING
    assert world.active() is None


def test_a_settled_pass_changes_nothing() -> None:
    world = serving()
    before = json.dumps(world.status, sort_keys=True)
    plan = world.step(advance=60)
    assert [type(a) for a in plan.actions] == [act.RouteEndpoint]
    assert json.dumps(world.status, sort_keys=True) == before  # transition times kept


# -- serve config changes ---------------------------------------------------------------------


def test_serve_config_change_is_deployed_in_place() -> None:
    world = serving()
    world.change(serveConfigV2=HI)
    plan = world.step()
    assert plan.of(act.CreateCluster) == []
    assert [(d.cluster, d.again) for d in plan.of(act.Deploy)] == [("svc-1", True)]
    assert world.active() == "svc-1" and world.pending() is None
    assert world.condition("UpgradeInProgress").status == "False"
    assert world.status["observedGeneration"] == 2


def test_a_new_head_gets_the_config_again() -> None:
    world = serving()
    world.ready("svc-1", incarnation="2")  # the head restarted: Serve runs nothing
    assert [d.cluster for d in world.step().of(act.Deploy)] == ["svc-1"]


def test_serve_losing_its_applications_gets_the_config_again() -> None:
    world = serving()
    world.serve("svc-1", {})
    assert [d.again for d in world.step().of(act.Deploy)] == [False]


def test_serve_unreachable_deploys_nothing_new_and_looks_again_soon() -> None:
    world = serving()
    world.serve("svc-1", None)
    plan = world.step()
    assert plan.of(act.Deploy) == [] and plan.requeue_after == SETTLING
    assert world.status["numServeEndpoints"] == 0


# -- NewCluster upgrade ----------------------------------------------------------------------


def test_cluster_spec_change_brings_up_a_pending_cluster_while_the_active_serves() -> None:
    world = serving()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"))
    plan = world.step()
    assert [c.why for c in plan.of(act.CreateCluster)] == ["a changed rayClusterConfig"]
    assert (world.active(), world.pending()) == ("svc-1", "svc-2")
    assert world.routed == world.clusters["svc-1"].serve_port
    upgrade = world.condition("UpgradeInProgress")
    assert (upgrade.status, upgrade.reason) == ("True", "BothActivePendingClustersExist")
    assert world.condition("Ready").status == "True"


def test_config_changes_during_an_upgrade_go_to_the_pending_cluster_only() -> None:
    world = serving()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"), serveConfigV2=HI)
    world.step()
    world.ready("svc-2")
    assert [d.cluster for d in world.step().of(act.Deploy)] == ["svc-2"]


def test_pending_cluster_takes_the_traffic_and_the_old_one_goes_after_the_delay() -> None:
    world = serving()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"))
    world.step()
    plan = world.settle("svc-2")
    assert plan.of(act.MarkForDeletion) == [act.MarkForDeletion("svc-1", world.now + 30)]
    assert "Promoted" in world.reasons()
    assert (world.active(), world.pending()) == ("svc-2", None)
    assert world.routed == world.clusters["svc-2"].serve_port
    assert world.condition("UpgradeInProgress").reason == "NoPendingCluster"
    assert world.step(advance=10).of(act.DeleteCluster) == []
    assert world.step(advance=18).requeue_after == SETTLING  # due within a resync
    deleted = world.step(advance=2).of(act.DeleteCluster)
    assert [d.name for d in deleted] == ["svc-1"]
    assert "DeletedRayCluster" in world.reasons()


def test_upgrade_strategy_none_keeps_the_cluster_and_says_so() -> None:
    world = serving()
    world.change(
        upgradeStrategy={"type": "None"},
        rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"),
        serveConfigV2=HI,
    )
    plan = world.step()
    assert plan.of(act.CreateCluster) == []
    assert [d.cluster for d in plan.of(act.Deploy)] == ["svc-1"]  # the config still applies
    upgrade = world.condition("UpgradeInProgress")
    assert (upgrade.status, upgrade.reason) == ("False", "NoPendingCluster")
    assert "None keeps the cluster" in upgrade.message


def test_replica_change_resizes_the_active_cluster_in_place() -> None:
    world = World(rayClusterConfig=with_workers(1))
    world.step()
    world.settle("svc-1")
    world.change(rayClusterConfig=with_workers(3))
    plan = world.step()
    assert plan.of(act.CreateCluster) == []
    assert [(r.name, [g.replicas for g in r.groups]) for r in plan.of(act.ResizeCluster)] == [
        ("svc-1", [3])
    ]
    assert world.step().of(act.ResizeCluster) == []  # resized: nothing more to do
    assert world.condition("UpgradeInProgress").status == "False"


def test_cluster_config_hash_ignores_scaling_fields_only() -> None:
    spec = RayService.model_validate(rayservice(rayClusterConfig=with_workers(1))).spec
    more = RayService.model_validate(rayservice(rayClusterConfig=with_workers(5))).spec
    assert cluster_config_hash(spec.ray_cluster_config) == cluster_config_hash(
        more.ray_cluster_config
    )
    other = with_workers(1) | {"rayVersion": "2.61.0"}
    changed = RayService.model_validate(rayservice(rayClusterConfig=other)).spec
    assert cluster_config_hash(changed.ray_cluster_config) != cluster_config_hash(
        spec.ray_cluster_config
    )
    groups = more.ray_cluster_config.worker_group_specs or []
    assert act.GroupScale.of(groups[0]).replicas == 5


def test_cluster_config_hash_matches_what_existing_clusters_carry() -> None:
    """Clusters made by earlier raydeck versions carry these hashes: a different one here would
    upgrade every running RayService on the first pass after an update."""
    with_group = RayService.model_validate(rayservice(rayClusterConfig=with_workers(1)))
    assert cluster_config_hash(with_group.spec.ray_cluster_config) == "c50bb78934518701"
    plain = RayService.model_validate(rayservice())
    assert cluster_config_hash(plain.spec.ray_cluster_config) == "faa53085b3b7e24f"


# -- failures ---------------------------------------------------------------------------------


def test_failing_application_is_told_once_per_distinct_failure() -> None:
    world = serving()
    broken = apps() | {"echo": apps(ApplicationStatus.UNHEALTHY)["echo"]}
    world.serve("svc-1", broken)
    world.step()
    world.step()
    assert world.reasons() == ["ServeApplicationFailed"]
    assert world.events[0].type == "Warning" and "echo is UNHEALTHY" in world.events[0].message
    assert world.condition("Ready").status == "True"  # the proxy still answers
    world.serve("svc-1", apps())
    world.step()
    world.serve("svc-1", broken)
    world.step()
    assert world.reasons() == ["ServeApplicationFailed"] * 2  # failed again: told again


def test_first_cluster_failing_keeps_the_service_initializing_and_says_why() -> None:
    world = World()
    world.step()
    world.ready("svc-1")
    world.step()
    world.serve("svc-1", apps(ApplicationStatus.DEPLOY_FAILED))
    world.step()
    ready = world.condition("Ready")
    assert (ready.status, ready.reason) == ("False", "Initializing")
    assert "greeter is DEPLOY_FAILED" in ready.message
    assert world.active() is None and world.pending() == "svc-1"


def test_rejected_config_is_not_sent_again_until_it_changes() -> None:
    world = World()
    world.step()
    world.ready("svc-1")
    world.rejects = "Serve rejected the config: bad deployment option"
    world.step()
    plan = world.step()
    assert plan.of(act.Deploy) == []
    pending = world.status["pendingServiceStatus"]["applicationStatuses"]
    assert pending["greeter"] == {
        "status": "DEPLOY_FAILED",
        "message": "Serve rejected the config: bad deployment option",
    }
    assert "DEPLOY_FAILED" in world.condition("Ready").message
    world.change(serveConfigV2=HI)
    assert [d.cluster for d in world.step().of(act.Deploy)] == ["svc-1"]


def test_failing_pending_cluster_keeps_the_traffic_on_the_active_one() -> None:
    world = serving()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"))
    world.step()
    world.ready("svc-2")
    world.step()
    world.serve("svc-2", apps(ApplicationStatus.DEPLOY_FAILED))
    for _ in range(3):
        world.step(advance=60)
    assert (world.active(), world.pending()) == ("svc-1", "svc-2")
    assert world.routed == world.clusters["svc-1"].serve_port
    upgrade = world.condition("UpgradeInProgress")
    assert upgrade.status == "True"
    assert "DEPLOY_FAILED" in upgrade.message and "svc-1" in upgrade.message
    assert world.reasons() == ["ServeApplicationFailed"]


def test_rollback_to_the_active_spec_deletes_the_pending_cluster() -> None:
    world = serving()
    original = world.cluster_spec()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"))
    world.step()
    world.change(rayClusterConfig=original)
    plan = world.step()
    assert [d.name for d in plan.of(act.DeleteCluster)] == ["svc-2"]
    assert plan.of(act.CreateCluster) == []
    assert "went back to the active cluster" in world.events[-1].message
    assert (world.active(), world.pending()) == ("svc-1", None)
    assert world.condition("UpgradeInProgress").reason == "NoPendingCluster"


def test_a_newer_spec_replaces_the_pending_cluster() -> None:
    world = serving()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"))
    world.step()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.62.0"))
    plan = world.step()
    assert [d.name for d in plan.of(act.DeleteCluster)] == ["svc-2"]
    assert [c.name for c in plan.of(act.CreateCluster)] == ["svc-3"]
    assert world.reasons()[0] == "PendingClusterReplaced"
    assert (world.active(), world.pending()) == ("svc-1", "svc-3")


def test_a_queued_pending_cluster_says_so() -> None:
    world = serving()
    world.change(rayClusterConfig=world.cluster_spec(rayVersion="2.61.0"))
    world.step()
    world.queue("svc-2", 1, "the quota allows 1 cluster")
    world.step()
    assert world.status["queue"] == {
        "rayClusterName": "svc-2",
        "position": 1,
        "reason": "the quota allows 1 cluster",
    }
    assert "admission queue at position 1" in world.condition("UpgradeInProgress").message
    world.ready("svc-2")
    world.step()
    assert "queue" not in world.status


def test_proxy_going_down_drops_ready_to_zero_serve_endpoints() -> None:
    world = serving()
    world.serve("svc-1", apps(), proxy_up=False)
    world.step()
    ready = world.condition("Ready")
    assert (ready.status, ready.reason) == ("False", "ZeroServeEndpoints")
    assert world.status["numServeEndpoints"] == 0 and "serviceStatus" not in world.status


def test_lost_active_cluster_is_replaced_and_the_service_says_it_has_none() -> None:
    world = serving()
    world.lose("svc-1")
    plan = world.step()
    assert [c.why for c in plan.of(act.CreateCluster)] == ["the first cluster"]
    assert world.condition("Ready").reason == "ZeroServeEndpoints"
    upgrade = world.condition("UpgradeInProgress")
    assert (upgrade.status, upgrade.reason) == ("Unknown", "NoActiveCluster")
    world.settle("svc-2")
    assert world.condition("Ready").status == "True"


# -- suspend and resume ----------------------------------------------------------------------


def test_suspend_commits_first_then_deletes_then_is_suspended() -> None:
    world = serving()
    world.change(suspend=True)
    plan = world.step()
    assert plan.of(act.DeleteCluster) == [] and plan.of(act.RouteEndpoint) == [
        act.RouteEndpoint(None)
    ]
    suspending = world.condition("Suspending")
    assert (suspending.status, suspending.reason) == ("True", "SuspendRequested")
    assert world.condition("Ready").reason == "SuspendInProgress"
    assert world.condition("RollbackInProgress").reason == "SuspendInProgress"
    assert "activeServiceStatus" not in world.status and world.status["numServeEndpoints"] == 0
    assert [d.name for d in world.step().of(act.DeleteCluster)] == ["svc-1"]
    assert world.condition("Suspending").reason == "SuspendInProgress"
    plan = world.step()
    assert plan.requeue_after is None
    for type_ in ("Suspended", "Suspending", "Ready", "UpgradeInProgress", "RollbackInProgress"):
        assert world.condition(type_).reason == "SuspendComplete"
    assert world.condition("Suspended").status == "True"
    assert world.step(advance=600).actions == [act.RouteEndpoint(None)]  # stays put


def test_suspend_finishes_even_when_it_is_taken_back_midway() -> None:
    world = serving()
    world.change(suspend=True)
    world.step()
    world.change(suspend=False)
    assert [d.name for d in world.step().of(act.DeleteCluster)] == ["svc-1"]
    assert world.step().requeue_after == SETTLING  # suspended, and asked to resume
    assert world.condition("Suspended").status == "True"
    world.step()
    assert world.condition("Suspended").reason == "RayServiceResumed"


def test_resume_starts_over_on_a_new_cluster_with_the_same_endpoint() -> None:
    world = serving()
    world.change(suspend=True)
    for _ in range(3):
        world.step()
    world.change(suspend=False)
    plan = world.step(advance=5)
    suspended = world.condition("Suspended")
    assert (suspended.status, suspended.reason) == ("False", "RayServiceResumed")
    ready = world.condition("Ready")
    assert (ready.reason, ready.last_transition_time) == ("Initializing", "2023-11-14T22:13:25Z")
    assert world.condition("UpgradeInProgress").reason == "Initializing"
    assert world.condition("Suspending").reason == "SuspendComplete"
    assert [c.name for c in plan.of(act.CreateCluster)] == ["svc-2"]
    world.settle("svc-2")
    assert world.condition("Ready").status == "True"
    assert world.status["endpoints"] == {"serve": str(ENDPOINT_PORT)}


def test_created_suspended_the_service_never_starts_a_cluster() -> None:
    world = World(suspend=True)
    plans = [world.step() for _ in range(3)]
    assert all(p.of(act.CreateCluster) == [] for p in plans)
    assert world.condition("Suspended").status == "True"


# -- endpoint, deletion, odd input -----------------------------------------------------------


def test_endpoint_reopens_on_the_port_the_status_records() -> None:
    world = serving()
    world.endpoint = None  # raydeck restarted
    plan = world.step()
    assert plan.actions[0] == act.OpenEndpoint(ENDPOINT_PORT)


def test_a_deleted_service_leaves_nothing() -> None:
    clusters = [("svc-1", "c1", "svc-uid"), ("svc-2", "c2", "svc-uid"), ("odd", "c3", None)]
    actions = plan_leftovers(clusters, ["svc-uid"], keep_uid=None)
    assert actions == [
        act.CloseEndpoint("svc-uid"),
        act.DeleteCluster("svc-1", "c1"),
        act.DeleteCluster("svc-2", "c2"),
        act.DeleteCluster("odd", "c3"),
    ]


def test_an_older_incarnation_of_the_name_leaves_nothing_and_the_current_keeps_all() -> None:
    clusters = [("svc-1", "c1", "old-uid"), ("svc-2", "c2", "new-uid")]
    actions = plan_leftovers(clusters, ["old-uid", "new-uid"], keep_uid="new-uid")
    assert actions == [act.CloseEndpoint("old-uid"), act.DeleteCluster("svc-1", "c1")]
