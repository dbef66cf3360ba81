"""The one table of what may be done to an object in which state, checked cell by cell."""

from __future__ import annotations

import pytest

from raydeck.resources.actions import (
    Action,
    ObjectState,
    Verdict,
    allowed,
)
from raydeck.resources.kinds import CONFIGMAP, RAYCLUSTER, RAYJOB, RAYSERVICE, Kind
from raydeck.resources.raycluster import ClusterState
from raydeck.resources.rayjob import JobDeploymentStatus

OK = "ok"  # allowed and it changes something
ALREADY = "already"  # allowed, changes nothing: the console disables it, the API answers 200
REFUSED = "refused"  # the API answers 409 with the reason


def outcome(verdict: Verdict) -> str:
    if not verdict.allowed:
        return REFUSED
    return OK if verdict.needed else ALREADY


RUNNING_CLUSTER = ObjectState(template=False, suspended=False, phase=ClusterState.READY)
STOPPING_CLUSTER = ObjectState(template=False, suspended=True, phase=ClusterState.PENDING)
STOPPED_CLUSTER = ObjectState(template=False, suspended=True, phase=ClusterState.SUSPENDED)
UNOBSERVED_STOPPED = ObjectState(template=False, suspended=True, phase=None)
TEMPLATE = ObjectState(template=True, suspended=False)
RUNNING_JOB = ObjectState(template=False, suspended=False, phase=JobDeploymentStatus.RUNNING)
SUSPENDED_JOB = ObjectState(template=False, suspended=True, phase=JobDeploymentStatus.SUSPENDED)
COMPLETE_JOB = ObjectState(template=False, suspended=False, phase=JobDeploymentStatus.COMPLETE)
FAILED_JOB = ObjectState(template=False, suspended=False, phase=JobDeploymentStatus.FAILED)
RUNNING_SERVICE = ObjectState(template=False, suspended=False)
STOPPED_SERVICE = ObjectState(template=False, suspended=True)


@pytest.mark.parametrize(
    ("kind", "state", "start", "stop", "delete"),
    [
        (RAYCLUSTER, RUNNING_CLUSTER, ALREADY, OK, REFUSED),
        (RAYCLUSTER, STOPPING_CLUSTER, OK, ALREADY, REFUSED),
        (RAYCLUSTER, STOPPED_CLUSTER, OK, ALREADY, OK),
        (RAYCLUSTER, UNOBSERVED_STOPPED, OK, ALREADY, OK),
        (RAYCLUSTER, TEMPLATE, REFUSED, REFUSED, OK),
        (RAYJOB, RUNNING_JOB, REFUSED, OK, OK),
        (RAYJOB, SUSPENDED_JOB, OK, ALREADY, OK),
        (RAYJOB, COMPLETE_JOB, REFUSED, REFUSED, OK),
        (RAYJOB, FAILED_JOB, REFUSED, REFUSED, OK),
        (RAYJOB, TEMPLATE, REFUSED, REFUSED, OK),
        (RAYSERVICE, RUNNING_SERVICE, ALREADY, OK, OK),
        (RAYSERVICE, STOPPED_SERVICE, OK, ALREADY, OK),
        (RAYSERVICE, TEMPLATE, REFUSED, REFUSED, OK),
        (CONFIGMAP, ObjectState(template=False, suspended=False), REFUSED, REFUSED, OK),
    ],
)
def test_each_kind_and_state_allows_what_the_table_says(
    kind: Kind, state: ObjectState, start: str, stop: str, delete: str
) -> None:
    actions = allowed(kind, state)
    assert (
        outcome(actions[Action.START]),
        outcome(actions[Action.STOP]),
        outcome(actions[Action.DELETE]),
    ) == (start, stop, delete)
    assert outcome(actions[Action.EDIT]) == OK  # a spec may change in every state


def test_a_running_cluster_must_be_stopped_before_it_is_deleted_and_says_so() -> None:
    assert allowed(RAYCLUSTER, RUNNING_CLUSTER).refusal(Action.DELETE) == (
        "is running; stop it first, then delete it"
    )
    assert allowed(RAYCLUSTER, STOPPING_CLUSTER).refusal(Action.DELETE) == (
        "is still stopping; delete it once it shows suspended"
    )
    assert allowed(RAYCLUSTER, STOPPED_CLUSTER).refusal(Action.DELETE) is None


def test_every_verdict_that_disables_a_button_gives_its_reason() -> None:
    states = (
        *(RUNNING_CLUSTER, STOPPING_CLUSTER, STOPPED_CLUSTER, UNOBSERVED_STOPPED, TEMPLATE),
        *(RUNNING_JOB, SUSPENDED_JOB, COMPLETE_JOB, FAILED_JOB, RUNNING_SERVICE, STOPPED_SERVICE),
    )
    for kind in (RAYCLUSTER, RAYJOB, RAYSERVICE, CONFIGMAP):
        for state in states:
            for action in Action:
                verdict = allowed(kind, state)[action]
                assert verdict.available or verdict.reason, (kind.name, state, action)


def test_a_rayjob_runs_once_and_a_finished_one_cannot_be_stopped() -> None:
    assert "runs once" in (allowed(RAYJOB, RUNNING_JOB).refusal(Action.START) or "")
    assert allowed(RAYJOB, COMPLETE_JOB).refusal(Action.STOP) == "has already finished"
    assert allowed(RAYJOB, TEMPLATE).refusal(Action.START) == (
        "is a template and never runs; create an instance from it to run one"
    )


@pytest.mark.parametrize(
    ("kind", "status", "phase"),
    [
        ("RayCluster", None, None),
        ("RayCluster", {}, ClusterState.PENDING),
        ("RayCluster", {"state": "ready"}, ClusterState.READY),
        ("RayCluster", {"state": "suspended"}, ClusterState.SUSPENDED),
        ("RayCluster", {"state": "something-new"}, ClusterState.PENDING),
        ("RayJob", {"jobDeploymentStatus": "Complete"}, JobDeploymentStatus.COMPLETE),
        ("RayJob", {"jobDeploymentStatus": "Unheard"}, JobDeploymentStatus.NEW),
        ("RayJob", {}, JobDeploymentStatus.NEW),
        ("RayService", {"conditions": []}, None),
    ],
)
def test_the_state_is_read_from_the_status_as_written(
    kind: str, status: dict[str, str] | None, phase: ClusterState | JobDeploymentStatus | None
) -> None:
    state = ObjectState.read(kind, template=False, spec={"suspend": True}, status=status)
    assert state == ObjectState(template=False, suspended=True, phase=phase)


def test_an_unknown_cluster_state_never_lets_a_stopped_cluster_be_deleted_early() -> None:
    state = ObjectState.read(
        "RayCluster", template=False, spec={"suspend": True}, status={"state": "halfway"}
    )
    assert allowed(RAYCLUSTER, state).refusal(Action.DELETE) is not None
