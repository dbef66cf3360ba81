"""The store as a mirror of the API server: what the reflectors list and watch, written down.

``KubernetesPlatform`` makes one ``Mirror`` and hands its sinks to the reflectors
(namespaces, the four object types, events, Kueue's Workloads); its own writes go through
``mirror`` and ``forget`` too, so a client reads its write at once. It also remembers the
last change of each object a user could see, so a write is not refused as stale when only
the status moved since. It talks to the store, never to the API server.
"""

from __future__ import annotations

import contextlib
from typing import Any

from raydeck.errors import NotFound
from raydeck.platforms.kubernetes.convert import (
    CONFIGMAP,
    OBJECT_TYPES,
    RAYCLUSTER,
    RAYJOB,
    RAYSERVICE,
    SECRET,
    ApiType,
    api_type,
    to_event,
    to_namespace,
    to_stored,
    without_values,
)
from raydeck.platforms.kubernetes.kueue import Admissions, KueueAdmission, with_admission
from raydeck.platforms.kubernetes.reflector import FunctionSink
from raydeck.store.records import EventRecord, NamespaceRecord, ObjectKey, StoredObject
from raydeck.store.store import Store

#: ConfigMaps every namespace gets from Kubernetes itself; not the user's, so not listed.
SYSTEM_CONFIGMAPS = frozenset({"kube-root-ca.crt"})
#: Secrets of these types belong to Kubernetes or Helm (raydeck's own release among them), not
#: to a user's Ray work: not mirrored, not listed.
SYSTEM_SECRET_TYPES = frozenset(
    {"kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token", "helm.sh/release.v1"}
)
#: Event kinds raydeck shows events for.
EVENT_KINDS = frozenset(t.kind for t in OBJECT_TYPES)


def user_view(body: dict[str, Any]) -> dict[str, Any]:
    """What a user edits of a stored body (the object's JSON): everything but metadata, plus
    labels and annotations."""
    meta = body.get("metadata") or {}
    view = {k: v for k, v in body.items() if k not in ("metadata", "status")}
    view["labels"] = meta.get("labels") or {}
    view["annotations"] = meta.get("annotations") or {}
    return view


class Mirror:
    def __init__(self, store: Store) -> None:
        self._store = store
        self.admissions = Admissions()
        self.namespaces: dict[str, NamespaceRecord] = {}
        self._events: dict[str, dict[str, EventRecord]] = {}
        #: Per object uid: the resourceVersion of its last change a user could see (spec, labels,
        #: annotations, data), and that view (the user's JSON). A write based on a version at
        #: least that new is not stale, whatever status updates came since.
        self._user_changes: dict[str, tuple[int, dict[str, Any]]] = {}

    # -- objects --------------------------------------------------------------------------

    def objects(self, api: ApiType) -> FunctionSink:
        async def listed(items: list[dict[str, Any]]) -> None:  # the API server's list
            seen = set()
            for raw in items:
                if _wanted(api, raw):
                    seen.add(str(raw["metadata"]["uid"]))
                    await self.mirror(api, raw)
            for obj in await self._store.instances(api.kind):
                if obj.uid not in seen:
                    await self.forget(obj.key, obj.uid)

        async def changed(event_type: str, raw: dict[str, Any]) -> None:  # a watch event's object
            if not _wanted(api, raw):
                return
            if event_type == "DELETED":
                meta = raw["metadata"]
                key = ObjectKey(api.kind, meta["namespace"], meta["name"])
                await self.forget(key, meta["uid"])
            else:
                await self.mirror(api, raw)

        return FunctionSink(listed, changed)

    async def mirror(self, api: ApiType, raw: dict[str, Any]) -> StoredObject:
        """Keep the API server's object (its JSON) in the store, with its Kueue admission."""
        obj = to_stored(api, raw)
        obj = with_admission(obj, self.admissions.get(obj.uid))
        if api is SECRET:
            obj = without_values(obj)
        view = user_view(obj.body)
        previous = self._user_changes.get(obj.uid)
        # A Secret's view shows no values, so every version of it counts as the user's change.
        changed = previous is not None and (previous[1] != view or api is SECRET)
        if previous is None or (changed and obj.resource_version > previous[0]):
            self._user_changes[obj.uid] = (obj.resource_version, view)
        stored = await self._store.mirror(obj)
        return stored or obj

    async def forget(self, key: ObjectKey, uid: str) -> None:
        self._user_changes.pop(uid, None)
        self._events.pop(uid, None)
        with contextlib.suppress(NotFound):
            await self._store.delete(key, uid=uid)

    def only_status_changed(self, uid: str, expected: int | None, live: dict[str, Any]) -> bool:
        """Whether a writer who had seen version ``expected`` had seen the latest user-visible
        content of ``live`` (the API server's object): only status moved since."""
        change = self._user_changes.get(uid)
        if change is None or str(live["metadata"].get("uid")) != uid:
            return False
        version, view = change
        fresh_enough = expected is None or expected >= version
        return fresh_enough and user_view(to_stored(api_type(live["kind"]), live).body) == view

    # -- Kueue ----------------------------------------------------------------------------

    def workloads(self) -> FunctionSink:
        async def listed(items: list[dict[str, Any]]) -> None:  # Workloads, as listed
            for uid in self.admissions.replace_all(items):
                await self._show_admission(uid)

        async def changed(event_type: str, raw: dict[str, Any]) -> None:  # one Workload
            uid = self.admissions.apply(raw, deleted=event_type == "DELETED")
            if uid is not None:
                await self._show_admission(uid)

        return FunctionSink(listed, changed)

    async def _show_admission(self, uid: str) -> None:
        """Mirror the object with ``uid`` again with its admission as it is now."""
        admission = self.admissions.get(uid)
        for obj in await self._instances_with_uid(uid, admission):
            await self._store.mirror(with_admission(obj, admission), refresh=True)

    async def _instances_with_uid(
        self, uid: str, admission: KueueAdmission | None
    ) -> list[StoredObject]:
        if admission is not None:
            with contextlib.suppress(NotFound):
                key = ObjectKey(admission.owner_kind, admission.namespace, admission.owner_name)
                obj = await self._store.get(key)
                return [obj] if obj.uid == uid else []
            return []
        return [
            o
            for t in (RAYJOB, RAYCLUSTER, RAYSERVICE)
            for o in await self._store.instances(t.kind)
            if o.uid == uid
        ]

    # -- namespaces -----------------------------------------------------------------------

    def namespace_sink(self) -> FunctionSink:
        return FunctionSink(self._namespaces_listed, self.namespace_changed)

    async def _namespaces_listed(self, items: list[dict[str, Any]]) -> None:  # Namespaces JSON
        self.namespaces = {r.name: r for r in map(to_namespace, items)}
        await self.show_namespaces()

    async def namespace_changed(self, event_type: str, raw: dict[str, Any]) -> None:
        """One Namespace (its JSON) added, changed or deleted."""
        record = to_namespace(raw)
        if event_type == "DELETED":
            self.namespaces.pop(record.name, None)
        else:
            self.namespaces[record.name] = record
        await self.show_namespaces()

    async def show_namespaces(self) -> None:
        await self._store.mirror_namespaces(list(self.namespaces.values()))

    # -- events ---------------------------------------------------------------------------

    def event_sink(self) -> FunctionSink:
        return FunctionSink(self._events_listed, self._event_changed)

    async def _events_listed(self, items: list[dict[str, Any]]) -> None:  # Events JSON
        self._events.clear()
        for raw in items:
            self._index_event(raw, deleted=False)
        for uid, events in self._events.items():
            await self._store.replace_events(uid, list(events.values()))

    async def _event_changed(self, event_type: str, raw: dict[str, Any]) -> None:  # one Event
        uid = self._index_event(raw, deleted=event_type == "DELETED")
        if uid is not None:
            await self._store.replace_events(uid, list(self._events.get(uid, {}).values()))

    def _index_event(self, raw: dict[str, Any], *, deleted: bool) -> str | None:
        """File an Event (its JSON) under the object it regards; that object's uid."""
        found = to_event(raw)
        if found is None or found[1].kind not in EVENT_KINDS:
            return None
        uid, record = found
        events = self._events.setdefault(uid, {})
        event_uid = str(raw["metadata"]["uid"])
        if deleted:
            events.pop(event_uid, None)
        else:
            events[event_uid] = record
        return uid


def _wanted(api: ApiType, raw: dict[str, Any]) -> bool:  # raw: the object's JSON
    if api is SECRET:
        return raw.get("type") not in SYSTEM_SECRET_TYPES
    return not (api is CONFIGMAP and raw["metadata"]["name"] in SYSTEM_CONFIGMAPS)
