"""The Details tab: the object's facts, its conditions, and the pods and endpoints it runs.

Redrawn on each refresh of the page. Endpoints point the Ray Dashboard at raydeck's
own proxy (which adds the cluster's Ray token); a template shows no pods.
"""

from __future__ import annotations

from dataclasses import dataclass

from nicegui import ui

from raydeck.console.pages.detail.subject import Subject
from raydeck.console.widgets import facts_table
from raydeck.errors import RaydeckError
from raydeck.managers.monitoring import dashboard_path
from raydeck.platforms.base import PodView


@dataclass(frozen=True)
class ConditionRow:
    type: str
    status: str
    reason: str
    message: str
    since: str


@dataclass(frozen=True)
class PodRow:
    name: str
    group: str
    phase: str
    ready: str
    restarts: int
    started: str

    @classmethod
    def of(cls, pod: PodView) -> PodRow:
        return cls(
            name=pod.name,
            group=pod.group,
            phase=pod.phase,
            ready="yes" if pod.ready else "no",
            restarts=pod.restarts,
            started=pod.start_time or "-",
        )


class DetailsTab:
    def __init__(self, subject: Subject) -> None:
        self._subject = subject

    @ui.refreshable_method
    async def show(self) -> None:
        obj = self._subject.obj
        facts = {
            "Namespace": obj.namespace,
            "Type": obj.type,
            "Ray version": self._subject.summary().ray_version or "-",
            "Creator": obj.creator or "-",
            "Created": obj.created_at,
            "Generation": str(obj.generation),
        }
        with ui.grid(columns=2).classes("gap-x-8 gap-y-1"):
            for label, value in facts.items():
                ui.label(label).classes("text-grey-7")
                ui.label(value)
        self._conditions()
        if not obj.is_template:
            await self._pods_and_endpoints()

    def _conditions(self) -> None:
        status = self._subject.obj.status or {}
        if status.get("message"):
            ui.label(str(status["message"])).classes("text-warning")
        conditions = status.get("conditions") or []
        if not conditions:
            return
        ui.label("Conditions").classes("text-md font-medium mt-2")
        rows = [
            ConditionRow(
                type=c.get("type"),
                status=c.get("status"),
                reason=c.get("reason", ""),
                message=c.get("message", ""),
                since=c.get("lastTransitionTime", ""),
            )
            for c in conditions
        ]
        facts_table(rows=rows, row_key="type")

    async def _pods_and_endpoints(self) -> None:
        subject = self._subject
        try:
            pods = await subject.manager.pods(*await subject.as_actor())
            endpoints = await subject.manager.endpoints(*await subject.as_actor())
        except RaydeckError:
            return
        cluster = subject.cluster_name()
        if cluster and "dashboard" in endpoints:
            # The dashboard itself wants the cluster's Ray token; raydeck's proxy adds it.
            endpoints["dashboard"] = dashboard_path(subject.namespace, cluster)
        if endpoints:
            ui.label("Endpoints").classes("text-md font-medium mt-2")
            for label, url in endpoints.items():
                with ui.row().classes("items-center gap-2"):
                    ui.label(label).classes("text-grey-7 w-24")
                    ui.link(url, url, new_tab=True)
        ui.label("Pods").classes("text-md font-medium mt-2")
        if not pods:
            ui.label("No pods run now.").classes("text-grey-7")
            return
        facts_table(rows=[PodRow.of(p) for p in pods], row_key="name")
