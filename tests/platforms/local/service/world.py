"""A RayService's world as its plan sees it, advanced pass by pass on a fake clock.

``World`` holds what the reconciler would observe (the service's clusters, what
Serve runs on them, the endpoint, the reconciler's memory) and applies each
plan's actions the way the reconciler carries them out, so a test can walk a
RayService through KubeRay's transitions without processes. Serve's answers are
set by the test (``serve``); nothing here decides anything.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

from raydeck.platforms.local.service import actions as act
from raydeck.platforms.local.service.observed import (
    ClusterView,
    Observation,
    Queued,
    ServeMemory,
    ServeState,
)
from raydeck.platforms.local.service.plan import ServicePlan, opened, plan_service
from raydeck.platforms.local.service.serve_api import AppState, DeploymentState
from raydeck.resources import raycluster as rc
from raydeck.resources.meta import Condition, find_condition
from raydeck.resources.rayservice import ApplicationStatus, RayService
from raydeck.resources.serve_config import ServeConfig, parse_serve_config
from tests.support.samples import raycluster, rayservice

START = 1_700_000_000.0
ENDPOINT_PORT = 31000
RUNNING = ApplicationStatus.RUNNING
#: Serve configs by their text: parsing YAML is most of a pass's cost.
_PARSED: dict[str, ServeConfig] = {}


def apps(
    status: ApplicationStatus = RUNNING, *, deployment: str = "HEALTHY"
) -> dict[str, AppState]:
    """Serve's answer for the sample config's two applications, all in one state."""
    return {
        "greeter": AppState(status, deployments={"Greeter": DeploymentState(deployment)}),
        "echo": AppState(status, deployments={"Echo": DeploymentState(deployment)}),
    }


def with_workers(replicas: int = 1) -> dict[str, Any]:
    """A rayClusterConfig with one worker group of ``replicas``."""
    spec: dict[str, Any] = rayservice()["spec"]["rayClusterConfig"]
    spec["workerGroupSpecs"] = raycluster(workers=replicas)["spec"]["workerGroupSpecs"]
    return spec


class World:
    def __init__(self, **spec: Any) -> None:
        self.body = rayservice("svc", **spec)
        self.body["metadata"].update(uid="svc-uid", namespace="default", generation=1)
        self.now = START
        self.clusters: dict[str, ClusterView] = {}
        self.endpoint: int | None = None
        self.routed: int | None = None
        self.memory: dict[str, ServeMemory] = {}
        self.events: list[act.RecordEvent] = []
        self.created = 0
        #: Serve refuses the next deploy with this message (HTTP 400).
        self.rejects: str | None = None

    # -- what the test changes --------------------------------------------------------------

    def change(self, **spec: Any) -> None:
        """A user edit of the spec: the generation moves."""
        self.body["spec"].update(copy.deepcopy(spec))
        self.body["metadata"]["generation"] += 1

    def cluster_spec(self, **changes: Any) -> dict[str, Any]:
        spec: dict[str, Any] = copy.deepcopy(self.body["spec"]["rayClusterConfig"])
        spec.update(changes)
        return spec

    def ready(self, name: str, *, incarnation: str = "1") -> None:
        """The cluster's head is up: its state is ready and Serve answers, running nothing."""
        port = 40000 + 10 * int(name.rsplit("-", 1)[1])
        self.clusters[name] = replace(
            self.clusters[name],
            ready=True,
            dashboard_port=port,
            serve_port=port + 1,
            queued=None,
            incarnation=incarnation,
            serve=ServeState(apps={}, proxy_up=False),
        )

    def serve(self, name: str, found: dict[str, AppState] | None, *, proxy_up: bool = True) -> None:
        """What Serve reports on the cluster from now on (``None``: its API does not answer)."""
        problem = "" if found is not None else "Serve's API cannot be reached"
        state = ServeState(apps=found, proxy_up=proxy_up and found is not None, problem=problem)
        self.clusters[name] = replace(self.clusters[name], serve=state)

    def queue(self, name: str, position: int, reason: str) -> None:
        self.clusters[name] = replace(self.clusters[name], queued=Queued(position, reason))

    def lose(self, name: str) -> None:
        """The cluster vanishes behind raydeck's back."""
        del self.clusters[name]

    # -- a pass -----------------------------------------------------------------------------

    def service(self) -> RayService:
        return RayService.model_validate(self.body)

    def _config(self) -> ServeConfig:
        text = self.body["spec"]["serveConfigV2"]
        if text not in _PARSED:
            config, errors = parse_serve_config(text)
            assert config is not None, errors
            _PARSED[text] = config
        return _PARSED[text]

    def step(self, advance: float = 0.0) -> ServicePlan:
        self.now += advance
        seen = Observation(
            clusters=tuple(
                replace(c, memory=self.memory.get(c.uid, ServeMemory()))
                for c in self.clusters.values()
            ),
            endpoint_port=self.endpoint,
            fresh_name=f"svc-{self.created + 1}",
            now=self.now,
        )
        plan = plan_service(self.service(), self._config(), seen)
        self.memory.update(plan.memory)
        status = plan.status
        for action in plan.actions:
            if isinstance(action, act.OpenEndpoint):
                self.endpoint = action.recorded_port or ENDPOINT_PORT
                status = opened(status, self.endpoint)
            else:
                self._apply(action)
        self.body["status"] = status.wire()
        return plan

    def settle(self, name: str) -> ServicePlan:
        """Passes until ``name`` serves every application: ready, deployed, healthy."""
        self.ready(name)
        self.step()  # deploys
        self.serve(name, apps())
        return self.step()

    def _apply(self, action: object) -> None:
        match action:
            case act.RouteEndpoint():
                self.routed = action.serve_port
            case act.CreateCluster():
                self.created += 1
                spec = rc.RayClusterSpec.model_validate(self.body["spec"]["rayClusterConfig"])
                self.clusters[action.name] = ClusterView(
                    name=action.name,
                    uid=f"{action.name}-uid",
                    config_hash=action.config_hash,
                    workers=tuple(spec.worker_group_specs or []),
                )
            case act.DeleteCluster():
                self.clusters.pop(action.name, None)
                self.memory.pop(action.uid, None)
            case act.MarkForDeletion():
                cluster = self.clusters[action.name]
                self.clusters[action.name] = replace(cluster, delete_after=action.due)
            case act.ResizeCluster():
                self._resize(action)
            case act.Deploy():
                self._deploy(action)
            case act.RecordEvent():
                self.events.append(action)

    def _resize(self, action: act.ResizeCluster) -> None:
        cluster = self.clusters[action.name]
        workers = tuple(
            group.model_copy(
                update={
                    "replicas": scale.replicas,
                    "min_replicas": scale.min_replicas,
                    "max_replicas": scale.max_replicas,
                    "scale_strategy": scale.scale_strategy,
                }
            )
            for group, scale in zip(cluster.workers, action.groups, strict=True)
        )
        self.clusters[action.name] = replace(cluster, workers=workers)

    def _deploy(self, action: act.Deploy) -> None:
        memory = self.memory.get(action.uid, ServeMemory())
        if self.rejects is not None:
            memory = replace(memory, rejected=action.deployment, rejection=self.rejects)
            self.rejects = None
        else:
            memory = replace(memory, deployed=action.deployment, rejected=None, rejection="")
            self.serve(action.cluster, apps(ApplicationStatus.DEPLOYING))
        self.memory[action.uid] = memory

    # -- what the test reads ----------------------------------------------------------------

    @property
    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = self.body["status"]
        return status

    def condition(self, type_: str) -> Condition:
        found = find_condition(
            [Condition.model_validate(c) for c in self.status.get("conditions") or []], type_
        )
        assert found is not None, f"no {type_} condition in {self.status}"
        return found

    def reasons(self) -> list[str]:
        return [e.reason for e in self.events]

    def active(self) -> str | None:
        return (self.status.get("activeServiceStatus") or {}).get("rayClusterName")

    def pending(self) -> str | None:
        return (self.status.get("pendingServiceStatus") or {}).get("rayClusterName")
