"""Use cases on RayClusters (and later RayJobs and RayServices), shared by the API, console and CLI.

A manager validates input, keeps raydeck's own metadata (creator, template
origin), enforces the rules users see (a running cluster cannot be deleted),
and routes instances to the platform and templates to the store. It holds no
HTTP or UI code.
"""

from __future__ import annotations

import copy
import dataclasses
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from raydeck.errors import (
    FieldError,
    InvalidInput,
    InvalidState,
    RaydeckError,
    StaleResourceVersion,
)
from raydeck.managers.access import Principal
from raydeck.managers.audit import AuditLog
from raydeck.managers.warnings import warn
from raydeck.platforms.admission import AdmissionQueue, Demand, describe_need, priority_of
from raydeck.platforms.base import Platform, PodView
from raydeck.resources import wellformed
from raydeck.resources.codec import dump_yaml
from raydeck.resources.kinds import Kind
from raydeck.resources.masking import masked, masked_data
from raydeck.resources.meta import (
    CREATOR_ANNOTATION,
    STOP_ANNOTATION,
    TEMPLATE_ORIGIN_ANNOTATION,
    now_rfc3339,
)
from raydeck.resources.validation import check_name, check_namespace_name
from raydeck.store.records import EventRecord, ListPage, ListQuery, ObjectKey, StoredObject
from raydeck.store.store import Store

#: Where each kind keeps the spec of the cluster it runs, below ``spec``.
_CLUSTER_SPEC: dict[str, tuple[str, ...]] = {
    "RayCluster": (),
    "RayJob": ("rayClusterSpec",),
    "RayService": ("rayClusterConfig",),
}

# How often a read-modify-write the server does on the caller's behalf (a patch
# without resourceVersion, start, stop) is retried when a controller's status
# write lands between the read and the write.
_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class DeleteOutcome:
    name: str
    deleted: bool
    reason: str = ""
    message: str = ""

    def to_wire(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "deleted": self.deleted,
            "reason": self.reason,
            "message": self.message,
        }


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
        body: dict[str, Any],
        *,
        as_template: bool = False,
    ) -> StoredObject:
        """Create; the creator annotation is always the acting user, whatever the body says. A
        body with ``metadata.generateName`` and no name gets a new name, as on Kubernetes."""
        actor.require_write(namespace)
        body = self._validated(namespace, _generated_name(body))
        await self._store.get_namespace(namespace)
        creator = actor.username
        _annotate(body, {CREATOR_ANNOTATION: creator})
        if not as_template:
            self._refuse_what_cannot_run(namespace, body)
            await self._admit(namespace, body, current=None)
        if as_template:
            created = await self._store.create(
                self.kind.name, namespace, body, is_template=True, creator=creator
            )
        else:
            created = await self._platform.create(self.kind.name, namespace, body, creator=creator)
        await self._record(actor, "create", created, type=created.type)
        return created

    async def replace(
        self, actor: Principal, namespace: str, name: str, body: dict[str, Any]
    ) -> StoredObject:
        actor.require_write(namespace)
        current = await self._get(namespace, name)
        body = self._validated(namespace, body)
        if body["metadata"].get("name") != name:
            raise InvalidInput(
                f"{self.kind.name} is invalid",
                [
                    FieldError(
                        "metadata.name", f"must be {name!r} as in the URL; names cannot be changed"
                    )
                ],
            )
        expected = _expected_version(body)
        creator = current.creator
        if creator:
            _annotate(body, {CREATOR_ANNOTATION: creator})
        written = await self._write(current, body, expected)
        await self._record(actor, "update", written)
        return written

    async def patch(
        self, actor: Principal, namespace: str, name: str, patch: dict[str, Any]
    ) -> StoredObject:
        """A JSON merge patch (RFC 7386) on the current object."""
        actor.require_write(namespace)
        if "resourceVersion" in (patch.get("metadata") or {}):
            current = await self._get(namespace, name)
            return await self.replace(
                actor, namespace, name, merge_patch(_user_body(current), patch)
            )
        for attempt in range(_CONFLICT_RETRIES):
            # Without a resourceVersion the caller asked for "apply this to whatever is
            # there": a status write between our read and our write is retried, not
            # reported, as the Kubernetes API server does for patches.
            current = await self._get(namespace, name)
            merged = merge_patch(_user_body(current), patch)
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
        if current.is_template:
            raise InvalidState(
                f"{self._describe(current)} is a template and never runs; "
                "create an instance from it to start one"
            )
        for attempt in range(_CONFLICT_RETRIES):
            if bool(current.spec.get("suspend")) == suspend:
                return current
            body = _user_body(current)
            body["spec"]["suspend"] = suspend
            try:
                written = await self._write(current, body, current.resource_version)
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
        current = await self._get(namespace, name)
        if not self.kind.stop_is_suspend and not current.spec.get("suspend"):
            raise InvalidState(
                f"{self._describe(current)} is not suspended; a RayJob runs once, "
                "create a new one to run it again"
            )
        return await self.set_suspended(actor, namespace, name, suspend=False)

    async def stop(self, actor: Principal, namespace: str, name: str) -> StoredObject:
        """Stop: a RayCluster is suspended; a RayJob's Ray job is stopped (jobStatus STOPPED)."""
        if self.kind.stop_is_suspend:
            return await self.set_suspended(actor, namespace, name, suspend=True)
        actor.require_write(namespace)
        for attempt in range(_CONFLICT_RETRIES):
            current = await self._get(namespace, name)
            if current.is_template:
                raise InvalidState(f"{self._describe(current)} is a template and never runs")
            if (current.status or {}).get("jobDeploymentStatus") in ("Complete", "Failed"):
                raise InvalidState(f"{self._describe(current)} has already finished")
            body = _user_body(current)
            _annotate(body, {STOP_ANNOTATION: now_rfc3339()})
            try:
                written = await self._write(current, body, current.resource_version)
            except StaleResourceVersion:
                if attempt == _CONFLICT_RETRIES - 1:
                    raise
                continue
            await self._record(actor, "stop", written)
            return written
        raise AssertionError("unreachable")

    async def _write(
        self, current: StoredObject, body: dict[str, Any], expected: int | None
    ) -> StoredObject:
        if current.is_template:
            return await self._store.replace(current.key, body, expected_version=expected)
        if _but_suspend(body.get("spec")) != _but_suspend(current.spec):
            # Stopping or starting what is there is always allowed; a new spec is checked.
            self._refuse_what_cannot_run(current.namespace, body)
        await self._admit(current.namespace, body, current=current)
        return await self._platform.replace(current.key, body, expected_version=expected)

    def _refuse_what_cannot_run(self, namespace: str, body: dict[str, Any]) -> None:
        """422 for an instance the platform can never run (cloud hardware on this machine)."""
        errors = self._platform.refusals(self.kind.name, body)
        if errors:
            what = f"{self.kind.name} {namespace}/{body['metadata'].get('name')}"
            raise InvalidInput(f"{what} cannot run on the {self._platform.name} platform", errors)

    async def _admit(
        self, namespace: str, body: dict[str, Any], *, current: StoredObject | None
    ) -> None:
        """Refuse (422) a cluster that can never start as it is, unless it is written stopped;
        warn of one that will wait in the admission queue. Only where raydeck admits."""
        queue = self._platform.admission
        path = _CLUSTER_SPEC.get(self.kind.name)
        if queue is None or path is None:
            return
        spec = _at(body.get("spec") or {}, path)
        if not isinstance(spec, dict):
            return  # a RayJob on an existing cluster (clusterSelector) starts none
        if current is not None and _keeps_its_cluster(current, path, spec):
            return
        demand = self._demand(namespace, body, spec, queue, current)
        preview = await queue.preview(
            demand, suspended=bool((body.get("spec") or {}).get("suspend"))
        )
        what = f"{self.kind.name} {namespace}/{body['metadata'].get('name')}"
        asks = describe_need(demand)
        if preview.never and not (body.get("spec") or {}).get("suspend"):
            message = f"{what} can never start as it is: it asks {asks}"
            field = ".".join(["spec", *path]) if path else "spec"
            raise InvalidInput(message, [FieldError(field, preview.never)])
        if preview.never:
            warn(f"{what} is stopped and cannot start as it is: it asks {asks}; {preview.never}")
        elif preview.waits:
            warn(f"{what} waits in the admission queue at {preview.waits} (it asks {asks})")

    def _demand(
        self,
        namespace: str,
        body: dict[str, Any],
        spec: dict[str, Any],
        queue: AdmissionQueue,
        current: StoredObject | None,
    ) -> Demand:
        need = queue.need_of(spec)
        name = str(body["metadata"].get("name") or "")
        labels = body["metadata"].get("labels") or {}
        own = self.kind.name == "RayCluster"
        return Demand(
            key=ObjectKey("RayCluster", namespace, name if own else f"{name} (its cluster)"),
            priority=priority_of(labels) if own else 0,
            created_at=current.created_at if own and current else now_rfc3339(),
            cpu_millis=need.cpu_millis,
            memory_bytes=need.memory_bytes,
            gpu=need.gpu,
            nodes=need.nodes,
            service=current.uid if current and self.kind.name == "RayService" else "",
        )

    async def delete(self, actor: Principal, namespace: str, name: str) -> StoredObject:
        actor.require_write(namespace)
        current = await self._get(namespace, name)
        if current.is_template:
            deleted = await self._store.delete(current.key)
        else:
            if self.kind.stop_before_delete:
                self._require_stopped(current)
            deleted = await self._platform.delete(current.key)
        await self._record(actor, "delete", deleted, type=deleted.type)
        return _shown_to(actor, deleted)

    def _require_stopped(self, obj: StoredObject) -> None:
        state = (obj.status or {}).get("state")
        if not obj.spec.get("suspend"):
            raise InvalidState(
                f"{self._describe(obj)} is running; stop it first (POST .../{obj.name}/stop or "
                f"`raydeck stop {self.kind.plural} {obj.name} -n {obj.namespace}`), then delete it"
            )
        if obj.status is not None and state != "suspended":
            raise InvalidState(
                f"{self._describe(obj)} is still stopping; delete it once it shows suspended"
            )

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
                outcomes.append(DeleteOutcome(name, True))
            except RaydeckError as e:
                outcomes.append(DeleteOutcome(name, False, e.reason, e.message))
        return outcomes

    # -- templates ------------------------------------------------------------------------

    async def save_as_template(
        self, actor: Principal, namespace: str, name: str, *, template_name: str
    ) -> StoredObject:
        actor.require_write(namespace)
        source = await self._get(namespace, name)
        body = _user_body(source)
        body["metadata"] = _fresh_metadata(body["metadata"], template_name)
        body["spec"].pop("suspend", None)
        return await self.create(actor, namespace, body, as_template=True)

    async def instantiate(
        self, actor: Principal, namespace: str, template: str, *, name: str, suspend: bool
    ) -> StoredObject:
        actor.require_write(namespace)
        source = await self._get(namespace, template)
        if not source.is_template:
            raise InvalidState(f"{self._describe(source)} is an instance, not a template")
        body = _user_body(source)
        body["metadata"] = _fresh_metadata(body["metadata"], name)
        _annotate(body, {TEMPLATE_ORIGIN_ANNOTATION: template})
        body["spec"]["suspend"] = suspend
        return await self.create(actor, namespace, body)

    # -- helpers --------------------------------------------------------------------------

    def _validated(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        # Before the copy: a body of YAML aliases must not be expanded to find out it is too big.
        wellformed.check(body, what=f"the {self.kind.name}")
        body = self.kind.with_defaults(body)
        body.pop("status", None)
        metadata = body.get("metadata")
        if isinstance(metadata, dict) and metadata.get("namespace") not in (None, namespace):
            raise InvalidInput(
                f"{self.kind.name} is invalid",
                [
                    FieldError(
                        "metadata.namespace",
                        f"{metadata['namespace']!r} does not match the namespace in the URL {namespace!r}",
                    )
                ],
            )
        self.kind.parse(body)
        return self.kind.stored(body) if self.kind.stored else body

    def _describe(self, obj: StoredObject) -> str:
        return f"{self.kind.name} {obj.namespace}/{obj.name}"

    async def _record(
        self, actor: Principal, action: str, obj: StoredObject, **details: Any
    ) -> None:
        await self._audit.record(
            actor.username,
            action,
            kind=self.kind.name,
            namespace=obj.namespace,
            name=obj.name,
            details={"resourceVersion": obj.resource_version, **details},
        )


def _keeps_its_cluster(current: StoredObject, path: tuple[str, ...], spec: Any) -> bool:
    """A running RayJob or RayService whose cluster spec is unchanged starts no new cluster."""
    return bool(path) and _at(current.spec, path) == spec and not current.spec.get("suspend")


def _but_suspend(spec: Any) -> Any:
    return {k: v for k, v in spec.items() if k != "suspend"} if isinstance(spec, dict) else spec


def _at(spec: dict[str, Any], path: tuple[str, ...]) -> Any:
    found: Any = spec
    for step in path:
        found = found.get(step) if isinstance(found, dict) else None
    return found


def _shown_to(actor: Principal, obj: StoredObject) -> StoredObject:
    """The object as ``actor`` may see it: secrets masked for viewers."""
    if actor.may_see_secrets:
        return obj
    return dataclasses.replace(obj, body=masked(obj.body))


def _user_body(obj: StoredObject) -> dict[str, Any]:
    body = copy.deepcopy(obj.body)
    body.setdefault("spec", {})
    body.setdefault("metadata", {})
    return body


def _fresh_metadata(metadata: dict[str, Any], name: str) -> dict[str, Any]:
    errors = check_name(name, max_length=253, path="name")
    if errors:
        raise InvalidInput("the new name is invalid", errors)
    kept = {k: v for k, v in metadata.items() if k in ("labels", "annotations")}
    annotations = {
        k: v
        for k, v in (kept.get("annotations") or {}).items()
        if k not in (CREATOR_ANNOTATION, TEMPLATE_ORIGIN_ANNOTATION)
    }
    return {
        "name": name,
        **({"labels": kept["labels"]} if kept.get("labels") else {}),
        **({"annotations": annotations} if annotations else {}),
    }


#: The characters the API server draws a generated name's suffix from (no vowels, no 0/1/3).
_NAME_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"


def _generated_name(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` with ``generateName`` plus five random characters as its name, where it has a
    generateName and no name; else ``body`` itself."""
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or metadata.get("name"):
        return body
    prefix = metadata.get("generateName")
    if not isinstance(prefix, str) or not prefix:
        return body
    suffix = "".join(secrets.choice(_NAME_SUFFIX) for _ in range(5))
    return {**body, "metadata": {**metadata, "name": prefix + suffix}}


def _annotate(body: dict[str, Any], values: dict[str, str]) -> None:
    metadata = body.setdefault("metadata", {})
    metadata["annotations"] = {**(metadata.get("annotations") or {}), **values}


def _expected_version(body: dict[str, Any]) -> int | None:
    raw = body["metadata"].get("resourceVersion")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise InvalidInput(
            "the object is invalid",
            [
                FieldError(
                    "metadata.resourceVersion",
                    f"{raw!r} is not a resourceVersion this server issued",
                )
            ],
        ) from None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


class NamespaceManager:
    """Namespaces live where the platform keeps them (the store locally, the API server on
    Kubernetes); reads come from the store, which mirrors them."""

    def __init__(self, store: Store, platform: Platform, audit: AuditLog) -> None:
        self._store = store
        self._platform = platform
        self._audit = audit

    async def list(self, actor: Principal) -> list[dict[str, Any]]:
        records = await self._store.list_namespaces()
        return [_namespace_wire(n) for n in records if actor.sees(n.name)]

    async def get(self, actor: Principal, name: str) -> dict[str, Any]:
        actor.require_read(name)
        return _namespace_wire(await self._store.get_namespace(name))

    async def create(self, actor: Principal, name: str) -> dict[str, Any]:
        actor.require_admin("create namespaces")
        errors = check_namespace_name(name, "metadata.name")
        if errors:
            raise InvalidInput("the namespace is invalid", errors)
        created = _namespace_wire(await self._platform.create_namespace(name))
        await self._audit.record(actor.username, "create", kind="Namespace", name=name)
        return created

    async def delete(self, actor: Principal, name: str) -> None:
        actor.require_read(name)
        actor.require_admin("delete namespaces")
        await self._platform.delete_namespace(name)
        await self._audit.record(actor.username, "delete", kind="Namespace", name=name)


def _namespace_wire(record: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": record.name,
            "uid": record.uid,
            "creationTimestamp": record.created_at,
        },
    }
