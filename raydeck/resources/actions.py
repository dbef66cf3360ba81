"""What may be done to an object in which state: start, stop, delete and edit, decided here once.

``allowed(kind, state)`` is a pure function of the kind and the object's typed state. The
managers refuse what it refuses (409, with its reason); the console disables every button
it refuses or finds nothing to do for, with the reason as the tooltip. Who may act is not
decided here: that is ``managers.access``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from raydeck.resources import raycluster, rayjob
from raydeck.resources.kinds import Kind
from raydeck.resources.raycluster import ClusterState
from raydeck.resources.rayjob import JobDeploymentStatus

Phase = ClusterState | JobDeploymentStatus
_P = TypeVar("_P", ClusterState, JobDeploymentStatus)


class Action(StrEnum):
    START = "start"
    STOP = "stop"
    DELETE = "delete"
    EDIT = "edit"


@dataclass(frozen=True)
class ObjectState:
    """What the rules look at: template or instance, ``spec.suspend`` and the kind's phase."""

    template: bool
    suspended: bool
    #: ``status.state`` of a RayCluster, ``status.jobDeploymentStatus`` of a RayJob; ``None``
    #: before any status is written, and for kinds whose rules need no phase.
    phase: Phase | None = None

    @classmethod
    def read(
        cls,
        kind: str,
        *,
        template: bool,
        spec: Mapping[str, Any],
        status: Mapping[str, Any] | None,
    ) -> ObjectState:
        """The state of an object as the store keeps it (its spec and status as written)."""
        return cls(
            template=template, suspended=bool(spec.get("suspend")), phase=_phase(kind, status)
        )

    def shows_stopped(self) -> bool:
        """Whether the status says the object has stopped (the last process has ended)."""
        return self.phase in (ClusterState.SUSPENDED, JobDeploymentStatus.SUSPENDED)


def _phase(kind: str, status: Mapping[str, Any] | None) -> Phase | None:
    if status is None:
        return None
    if kind == raycluster.KIND:
        # An unknown state is no "suspended": it stays pending, which refuses what waits for it.
        return _member(ClusterState, status.get("state"), ClusterState.PENDING)
    if kind == rayjob.KIND:
        value = status.get("jobDeploymentStatus")
        return _member(JobDeploymentStatus, value, JobDeploymentStatus.NEW)
    return None


def _member(enum: type[_P], value: Any, default: _P) -> _P:
    try:
        return enum(value or "")
    except ValueError:
        return default


@dataclass(frozen=True)
class Verdict:
    """One action in one state. ``reason`` follows the object's name: "RayCluster a/b is ..."."""

    #: False: refused; the managers answer 409 with the reason.
    allowed: bool = True
    #: False: the object is already so; the action is allowed but changes nothing.
    needed: bool = True
    reason: str = ""

    @property
    def available(self) -> bool:
        """Whether a button for it is enabled: allowed, and it would change something."""
        return self.allowed and self.needed


ALLOWED = Verdict()


def _refused(reason: str) -> Verdict:
    return Verdict(allowed=False, reason=reason)


def _already(reason: str) -> Verdict:
    return Verdict(needed=False, reason=reason)


@dataclass(frozen=True)
class Actions:
    """Every action's verdict for one object."""

    verdicts: Mapping[Action, Verdict]

    def __getitem__(self, action: Action) -> Verdict:
        return self.verdicts[action]

    def refusal(self, action: Action) -> str | None:
        """Why ``action`` is refused; ``None`` when it is allowed."""
        verdict = self.verdicts[action]
        return None if verdict.allowed else verdict.reason


TEMPLATE_NEVER_RUNS = "is a template and never runs; create an instance from it to run one"
DATA_NEVER_RUNS = "is data and never runs"


def _start(kind: Kind, state: ObjectState) -> Verdict:
    if not kind.runnable:
        return _refused(DATA_NEVER_RUNS)
    if state.template:
        return _refused(TEMPLATE_NEVER_RUNS)
    if state.suspended:
        return ALLOWED
    if kind.stop_is_suspend:
        return _already("is running")
    return _refused(f"is not suspended; a {kind.name} runs once, create a new one to run it again")


def _stop(kind: Kind, state: ObjectState) -> Verdict:
    if not kind.runnable:
        return _refused(DATA_NEVER_RUNS)
    if state.template:
        return _refused(TEMPLATE_NEVER_RUNS)
    if kind.stop_is_suspend:
        return _already("is stopped") if state.suspended else ALLOWED
    # Stop ends the Ray job; the object stays, as a record of the run.
    if isinstance(state.phase, JobDeploymentStatus) and state.phase.is_terminal():
        return _refused("has already finished")
    return _already("is suspended; nothing of it runs") if state.suspended else ALLOWED


def _delete(kind: Kind, state: ObjectState) -> Verdict:
    # A RayJob or RayService takes its clusters with it, as on Kubernetes; a RayCluster's
    # processes must be gone first, so that deleting never kills a running cluster.
    if state.template or not kind.stop_before_delete:
        return ALLOWED
    if not state.suspended:
        return _refused("is running; stop it first, then delete it")
    if state.phase is not None and not state.shows_stopped():
        return _refused("is still stopping; delete it once it shows suspended")
    return ALLOWED


def _edit(kind: Kind, state: ObjectState) -> Verdict:
    # A spec may change in every state, as KubeRay allows; the reconciler carries it out.
    return ALLOWED


_RULES: Mapping[Action, Callable[[Kind, ObjectState], Verdict]] = {
    Action.START: _start,
    Action.STOP: _stop,
    Action.DELETE: _delete,
    Action.EDIT: _edit,
}


def allowed(kind: Kind, state: ObjectState) -> Actions:
    """What may be done now to an object of ``kind`` in ``state``, and why not."""
    return Actions({action: rule(kind, state) for action, rule in _RULES.items()})
