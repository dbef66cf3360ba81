"""Use cases on RayClusters, RayJobs, RayServices and ConfigMaps, shared by the API, console and CLI.

One ``ObjectManager`` per kind validates input and keeps the typed model it parsed
(a ``Draft``) for its own decisions, keeps raydeck's own metadata (creator,
template origin), enforces the rules users see (a running cluster cannot be
deleted), and routes instances to the platform and templates to the store. Body
edits are in ``bodies.py``, the admission check in ``admitting.py``, namespaces
in ``namespaces.py``. It holds no HTTP or UI code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from raydeck.errors import (
    FieldError,
    InvalidInput,
    InvalidState,
    RaydeckError,
    StaleResourceVersion,
)
from raydeck.managers.access import Principal
from raydeck.managers.admitting import check_admission
from raydeck.managers.audit import AuditLog
from raydeck.managers.bodies import (
    Draft,
    editable,
    expected_version,
    fresh_metadata,
    generated_name,
    is_suspended,
    merge_patch,
    validated,
)
from raydeck.managers.views import View
from raydeck.managers.warnings import warn
from raydeck.platforms.base import Platform, PodView
from raydeck.resources.actions import Action, ObjectState, allowed
from raydeck.resources.codec import dump_yaml
from raydeck.resources.kinds import Kind
from raydeck.resources.masking import masked, masked_data
from raydeck.resources.meta import (
    CREATOR_ANNOTATION,
    STOP_ANNOTATION,
    TEMPLATE_ORIGIN_ANNOTATION,
    now_rfc3339,
)
from raydeck.store.accounts import AuditDetails
from raydeck.store.records import EventRecord, ListPage, ListQuery, ObjectKey, StoredObject
from raydeck.store.store import Store

# How often a read-modify-write the server does on the caller's behalf (a patch
# without resourceVersion, start, stop) is retried when a controller's status
# write lands between the read and the write.
_CONFLICT_RETRIES = 5


class DeleteOutcome(View):
    """What deleting one name of a batch did: deleted, or why not."""

    name: str
    deleted: bool
    reason: str = ""
    message: str = ""


class ObjectManager:
    """Every public method takes the acting ``Principal`` first and checks it before anything."""

    def __init__(self, *, kind: Kind, store: Store, platform: Platform, audit: AuditLog) -> None:
        self.kind = kind
        self._store = store
        self._platform = platform
        self._audit = audit

    def _key(self, namespace: str, name: str) -> ObjectKey:
        return ObjectKey(self.kind.name, namespace, name)

    # -- reading --------------------------------------------------------------------------

    async def get(self, actor: Principal, namespace: str, name: str) -> StoredObject:
        actor.require_read(namespace)
        return _shown_to(actor, await self._get(namespace, name))

    async def _get(self, namespace: str, name: str) -> StoredObject:
        await self._store.get_namespace(namespace)
        found = await self._store.get(self._key(namespace, name))
        if self.kind.secret_data and not found.is_template:
            return await self._platform.secret_data(found)
        return found

    async def list_objects(self, actor: Principal, query: ListQuery) -> ListPage:
        if query.namespace is not None:
            actor.require_read(query.namespace)
            await self._store.get_namespace(query.namespace)
        if query.limit < 0 or query.limit > 1000:
            raise InvalidInput(
                "the list query is invalid", [FieldError("limit", "must be between 1 and 1000")]
            )
        page = await self._store.list_objects(
            dataclasses.replace(query, visible_namespaces=actor.visible_filter())
        )
        if self.kind.secret_data:  # a list never carries secret values, whoever asks
            page.items = [dataclasses.replace(o, body=masked_data(o.body)) for o in page.items]
        page.items = [_shown_to(actor, o) for o in page.items]
        return page

    async def count_states(self, actor: Principal, query: ListQuery) -> dict[str, int]:
        """How many of the objects the caller may see match ``query``, per state."""
        if query.namespace is not None:
            actor.require_read(query.namespace)
        return await self._store.count_states(
            dataclasses.replace(query, visible_namespaces=actor.visible_filter())
        )

    async def export_yaml(self, actor: Principal, namespace: str, name: str) -> str:
        return dump_yaml((await self.get(actor, namespace, name)).to_wire())

    async def events(self, actor: Principal, namespace: str, name: str) -> list[EventRecord]:
        return await self._store.list_events(await self.get(actor, namespace, name))

    async def pods(self, actor: Principal, namespace: str, name: str) -> list[PodView]:
        obj = await self.get(actor, namespace, name)
        return [] if obj.is_template else await self._platform.pods(obj)

    async def endpoints(self, actor: Principal, namespace: str, name: str) -> dict[str, str]:
        obj = await self.get(actor, namespace, name)
        return {} if obj.is_template else await self._platform.endpoints(obj)

    async def logs(
        self,
        actor: Principal,
        namespace: str,
        name: str,
        *,
        pod: str | None,
        tail: int | None,
        follow: bool,
    ) -> AsyncIterator[str]:
        obj = await self.get(actor, namespace, name)
        if obj.is_template:
            raise InvalidState(f"{self._describe(obj)} is a template; templates do not run")
        if tail is not None and tail < 0:
            raise InvalidInput("the log query is invalid", [FieldError("tail", "must be >= 0")])
        return self._platform.logs(obj, pod=pod, tail=tail, follow=follow)

    # -- writing --------------------------------------------------------------------------

    async def create(
        self,
        actor: Principal,
        namespace: str,
        body: dict[str, Any],  # raw YAML in: validated here, stored as written
        *,
        as_template: bool = False,
    ) -> StoredObject:
        """Create; the creator annotation is always the acting user, whatever the body says. A
        body with ``metadata.generateName`` and no name gets a new name, as on Kubernetes."""
        actor.require_write(namespace)
        draft = validated(self.kind, namespace, generated_name(body))
        await self._store.get_namespace(namespace)
        creator = actor.username
        draft = draft.annotated({CREATOR_ANNOTATION: creator})
        if as_template:
            created = await self._store.create(
                self.kind.name, namespace, draft.body, is_template=True, creator=creator
            )
        else:
            self._refuse_what_cannot_run(namespace, draft)
            await check_admission(self._platform.admission, namespace, draft, current=None)
            created = await self._platform.create(
                self.kind.name, namespace, draft.body, creator=creator
            )
        await self._record(actor, "create", created, type=created.type)
        return created

    async def replace(
        self,
        actor: Principal,
        namespace: str,
        name: str,
        body: dict[str, Any],  # raw YAML in: validated here, stored as written
    ) -> StoredObject:
        actor.require_write(namespace)
        current = await self._get(namespace, name)
        self._require(Action.EDIT, current)
        draft = validated(self.kind, namespace, body)
        if draft.model.metadata.name != name:
            raise InvalidInput(
                f"{self.kind.name} is invalid",
                [
                    FieldError(
                        "metadata.name", f"must be {name!r} as in the URL; names cannot be changed"
                    )
                ],
            )
        expected = expected_version(draft.model.metadata.resource_version)
        if current.creator:
            draft = draft.annotated({CREATOR_ANNOTATION: current.creator})
        written = await self._write(current, draft, expected)
        await self._record(actor, "update", written)
        return written

    async def patch(
        self,
        actor: Principal,
        namespace: str,
        name: str,
        patch: dict[str, Any],  # raw JSON merge patch in, applied to the raw body
    ) -> StoredObject:
        """A JSON merge patch (RFC 7386) on the current object."""
        actor.require_write(namespace)
        if "resourceVersion" in (patch.get("metadata") or {}):
            current = await self._get(namespace, name)
            return await self.replace(actor, namespace, name, merge_patch(editable(current), patch))
        for attempt in range(_CONFLICT_RETRIES):
            # Without a resourceVersion the caller asked for "apply this to whatever is
            # there": a status write between our read and our write is retried, not
            # reported, as the Kubernetes API server does for patches.
            current = await self._get(namespace, name)
            merged = merge_patch(editable(current), patch)
            merged["metadata"]["resourceVersion"] = str(current.resource_version)
            try:
                return await self.replace(actor, namespace, name, merged)
            except StaleResourceVersion:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    async def set_suspended(
        self, actor: Principal, namespace: str, name: str, *, suspend: bool
    ) -> StoredObject:
        """Stop (``suspend: true``) or start an instance, as KubeRay's ``spec.suspend`` does."""
        actor.require_write(namespace)
        current = await self._get(namespace, name)
        self._require(Action.STOP if suspend else Action.START, current)
        for attempt in range(_CONFLICT_RETRIES):
            if is_suspended(current.model) == suspend:
                return current
            try:
                written = await self._write(
                    current, Draft.of(current).with_suspend(suspend), current.resource_version
                )
            except StaleResourceVersion:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
                current = await self._get(namespace, name)
                continue
            await self._record(actor, "stop" if suspend else "start", written)
            return written
        raise AssertionError("unreachable")

    async def start(self, actor: Principal, namespace: str, name: str) -> StoredObject:
        """Start: a stopped RayCluster runs again; a suspended RayJob starts over."""
        actor.require_write(namespace)
        self._require(Action.START, await self._get(namespace, name))
        return await self.set_suspended(actor, namespace, name, suspend=False)

    async def stop(self, actor: Principal, namespace: str, name: str) -> StoredObject:
        """Stop: a RayCluster is suspended; a RayJob's Ray job is stopped (jobStatus STOPPED)."""
        if self.kind.stop_is_suspend:
            return await self.set_suspended(actor, namespace, name, suspend=True)
        actor.require_write(namespace)
        for attempt in range(_CONFLICT_RETRIES):
            current = await self._get(namespace, name)
            self._require(Action.STOP, current)
            draft = Draft.of(current).annotated({STOP_ANNOTATION: now_rfc3339()})
            try:
                written = await self._write(current, draft, current.resource_version)
            except StaleResourceVersion:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
                continue
            await self._record(actor, "stop", written)
            return written
        raise AssertionError("unreachable")

    async def _write(
        self, current: StoredObject, draft: Draft, expected: int | None
    ) -> StoredObject:
        if current.is_template:
            return await self._store.replace(current.key, draft.body, expected_version=expected)
        if _but_suspend(draft.body.get("spec")) != _but_suspend(current.spec):
            # Stopping or starting what is there is always allowed; a new spec is checked.
            self._refuse_what_cannot_run(current.namespace, draft)
        await check_admission(self._platform.admission, current.namespace, draft, current=current)
        return await self._platform.replace(current.key, draft.body, expected_version=expected)

    def _refuse_what_cannot_run(self, namespace: str, draft: Draft) -> None:
        """422 for an instance the platform can never run (cloud hardware on this machine); a
        warning for each part of it the platform accepts but leaves out (init containers)."""
        what = f"{self.kind.name} {namespace}/{draft.model.metadata.name}"
        errors = self._platform.refusals(self.kind.name, draft.body)
        if errors:
            raise InvalidInput(f"{what} cannot run on the {self._platform.name} platform", errors)
        for text in self._platform.cautions(self.kind.name, draft.body):
            warn(f"{what}: {text}")

    async def delete(self, actor: Principal, namespace: str, name: str) -> StoredObject:
        actor.require_write(namespace)
        current = await self._get(namespace, name)
        self._require(Action.DELETE, current)
        if current.is_template:
            deleted = await self._store.delete(current.key)
        else:
            deleted = await self._platform.delete(current.key)
        await self._record(actor, "delete", deleted, type=deleted.type)
        return _shown_to(actor, deleted)

    def _require(self, action: Action, obj: StoredObject) -> None:
        """Refuse (409) what ``resources.actions`` does not allow in the object's state."""
        state = ObjectState.read(
            self.kind.name, template=obj.is_template, spec=obj.spec, status=obj.status
        )
        refusal = allowed(self.kind, state).refusal(action)
        if refusal is not None:
            raise InvalidState(f"{self._describe(obj)} {refusal}")

    async def delete_many(
        self, actor: Principal, namespace: str, names: list[str]
    ) -> list[DeleteOutcome]:
        """Delete each name on its own; one failure does not stop the others."""
        actor.require_write(namespace)
        if not names:
            raise InvalidInput("nothing to delete", [FieldError("name", "give at least one name")])
        outcomes = []
        for name in dict.fromkeys(names):
            try:
                await self.delete(actor, namespace, name)
                outcomes.append(DeleteOutcome(name=name, deleted=True))
            except RaydeckError as e:
                outcomes.append(
                    DeleteOutcome(name=name, deleted=False, reason=e.reason, message=e.message)
                )
        return outcomes

    # -- templates ------------------------------------------------------------------------

    async def save_as_template(
        self, actor: Principal, namespace: str, name: str, *, template_name: str
    ) -> StoredObject:
        actor.require_write(namespace)
        source = await self._get(namespace, name)
        body = editable(source)
        body["metadata"] = fresh_metadata(source.model.metadata, template_name).to_wire()
        body["spec"].pop("suspend", None)
        return await self.create(actor, namespace, body, as_template=True)

    async def instantiate(
        self, actor: Principal, namespace: str, template: str, *, name: str, suspend: bool
    ) -> StoredObject:
        actor.require_write(namespace)
        source = await self._get(namespace, template)
        if not source.is_template:
            raise InvalidState(f"{self._describe(source)} is an instance, not a template")
        body = editable(source)
        origin = {TEMPLATE_ORIGIN_ANNOTATION: template}
        body["metadata"] = fresh_metadata(source.model.metadata, name, annotations=origin).to_wire()
        body["spec"]["suspend"] = suspend
        return await self.create(actor, namespace, body)

    # -- helpers --------------------------------------------------------------------------

    def _describe(self, obj: StoredObject) -> str:
        return f"{self.kind.name} {obj.namespace}/{obj.name}"

    async def _record(
        self, actor: Principal, action: str, obj: StoredObject, *, type: str | None = None
    ) -> None:
        details = AuditDetails(resourceVersion=obj.resource_version)
        if type is not None:
            details["type"] = type
        await self._audit.record(
            actor.username,
            action,
            kind=self.kind.name,
            namespace=obj.namespace,
            name=obj.name,
            details=details,
        )


def _shown_to(actor: Principal, obj: StoredObject) -> StoredObject:
    """The object as ``actor`` may see it: secrets masked for viewers."""
    if actor.may_see_secrets:
        return obj
    return dataclasses.replace(obj, body=masked(obj.body))


def _but_suspend(spec: Any) -> Any:  # raw: a spec as stored, compared but for suspend
    return {k: v for k, v in spec.items() if k != "suspend"} if isinstance(spec, dict) else spec
