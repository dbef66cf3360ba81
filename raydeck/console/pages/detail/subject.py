"""The object a detail page shows, as last read, and what every tab asks of it.

The page re-reads the object on its timer and every tab sees the new one; a tab
calls the kind's manager with ``as_actor()``, so each call is made as the user
still logged in. What may be done to the object comes from ``resources.actions``.
"""

from __future__ import annotations

from raydeck.console.session import ConsoleSession
from raydeck.managers.access import Principal
from raydeck.managers.monitoring import MonitoringManager
from raydeck.managers.objects import ObjectManager
from raydeck.resources import raycluster, rayjob
from raydeck.resources.actions import Actions, ObjectState, allowed
from raydeck.resources.kinds import Kind
from raydeck.resources.summary import State, Summary, summarize
from raydeck.store.records import StoredObject


class Subject:
    def __init__(self, session: ConsoleSession, kind: Kind, obj: StoredObject) -> None:
        self.session = session
        self.kind = kind
        self.obj = obj
        self.manager: ObjectManager = session.manager(kind)

    @property
    def namespace(self) -> str:
        return self.obj.namespace

    @property
    def name(self) -> str:
        return self.obj.name

    async def as_actor(self) -> tuple[Principal, str, str]:
        """The acting user and this object's namespace and name: what every manager call takes."""
        return (await self.session.actor(), self.obj.namespace, self.obj.name)

    async def monitoring(self) -> MonitoringManager:
        """The monitoring manager, once the user may still read this namespace: it checks no
        access itself."""
        (await self.session.actor()).require_read(self.namespace)
        return self.session.context.monitoring

    def summary(self) -> Summary:
        return summarize(self.obj.kind, self.obj.body, self.obj.status)

    def state_word(self) -> str:
        """What the status chip says: ``template``, or the list's state word."""
        return State.TEMPLATE if self.obj.is_template else (self.summary().state or State.PENDING)

    def state(self) -> ObjectState:
        obj = self.obj
        return ObjectState.read(
            obj.kind, template=obj.is_template, spec=obj.spec, status=obj.status
        )

    def actions(self) -> Actions:
        """What may be done to the object now, and why not (``resources.actions``)."""
        return allowed(self.kind, self.state())

    def cluster_name(self) -> str | None:
        """The RayCluster this object runs on: itself, a RayJob's, or a RayService's active one."""
        obj = self.obj
        if obj.is_template:
            return None
        status = obj.status or {}
        if obj.kind == raycluster.KIND:
            return obj.name
        if obj.kind == rayjob.KIND:
            return status.get("rayClusterName") or None
        active = status.get("activeServiceStatus") or {}
        return active.get("rayClusterName") or None

    def runs_no_cluster(self) -> str:
        return f"The {self.kind.name} runs no Ray cluster now"
