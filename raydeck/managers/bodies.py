"""The document a user wrote, paired with its typed model, and the edits the server makes to it.

A body stays raw JSON from the request to the store, because what the user wrote
(unknown fields included) is what is kept and returned; ``Draft`` pairs it with the
model parsed from it, which every decision reads. ``ObjectManager`` is the caller;
``validated`` runs the kind's validation (``Kind.parse``); nothing here writes.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from raydeck.errors import FieldError, InvalidInput
from raydeck.resources import wellformed
from raydeck.resources.configmap import ConfigMap
from raydeck.resources.kinds import Kind, ResourceModel
from raydeck.resources.meta import CREATOR_ANNOTATION, TEMPLATE_ORIGIN_ANNOTATION, ObjectMeta
from raydeck.resources.rayjob import RayJob
from raydeck.resources.secret import Secret
from raydeck.resources.validation.common import check_name
from raydeck.store.records import TYPE_ANNOTATION, StoredObject

#: raydeck's own annotations, which a copy (template or instance) never inherits.
_NOT_COPIED = (CREATOR_ANNOTATION, TEMPLATE_ORIGIN_ANNOTATION, TYPE_ANNOTATION)


@dataclass(frozen=True)
class Draft:
    """A body about to be written and its typed model: the body for the store, the model for
    every decision (name, labels, suspend, the cluster it asks for). The edits keep both in step.
    """

    body: dict[str, Any]  # raw YAML in: stored as written
    model: ResourceModel

    @classmethod
    def of(cls, obj: StoredObject) -> Draft:
        """A stored object as a draft to change: a copy of its body, and its model."""
        return cls(editable(obj), obj.model)

    def annotated(self, values: Mapping[str, str]) -> Draft:
        metadata = self.body.get("metadata") or {}
        body = {
            **self.body,
            "metadata": {
                **metadata,
                "annotations": {**(metadata.get("annotations") or {}), **values},
            },
        }
        meta = self.model.metadata
        annotations = {**(meta.annotations or {}), **values}
        model = self.model.model_copy(
            update={"metadata": meta.model_copy(update={"annotations": annotations})}
        )
        return Draft(body, model)

    def with_suspend(self, suspend: bool) -> Draft:
        """Stopped (``spec.suspend: true``) or started, as KubeRay's ``spec.suspend`` means."""
        if isinstance(self.model, (ConfigMap, Secret)):
            raise TypeError(f"a {self.model.kind} has no spec.suspend: it never runs")
        body = {**self.body, "spec": {**(self.body.get("spec") or {}), "suspend": suspend}}
        spec = self.model.spec.model_copy(update={"suspend": suspend})
        return Draft(body, self.model.model_copy(update={"spec": spec}))


def validated(kind: Kind, namespace: str, body: dict[str, Any]) -> Draft:  # raw YAML in
    """The body with the CRD's defaults and without status, and the model ``kind.parse`` made
    of it with raydeck's validation rules; InvalidInput naming each bad field."""
    # Before the copy: a body of YAML aliases must not be expanded to find out it is too big.
    wellformed.check(body, what=f"the {kind.name}")
    defaulted = kind.with_defaults(body)
    defaulted.pop("status", None)
    metadata = defaulted.get("metadata")
    if isinstance(metadata, dict) and metadata.get("namespace") not in (None, namespace):
        raise InvalidInput(
            f"{kind.name} is invalid",
            [
                FieldError(
                    "metadata.namespace",
                    f"{metadata['namespace']!r} does not match the namespace in the URL {namespace!r}",
                )
            ],
        )
    model = kind.parse(defaulted)
    if kind.stored is not None:  # as the API server keeps it (a Secret's stringData in data)
        defaulted = kind.stored(defaulted)
        model = kind.parse(defaulted)
    if not isinstance(model, kind.model):
        raise TypeError(f"{kind.name}'s parse made a {type(model).__name__}")
    return Draft(defaulted, model)


def is_suspended(model: ResourceModel) -> bool:
    """Whether the object is written stopped (``spec.suspend``); ConfigMaps and Secrets never
    run."""
    return not isinstance(model, (ConfigMap, Secret)) and bool(model.spec.suspend)


def has_finished(model: ResourceModel) -> bool:
    """A RayJob whose deployment is terminal (Complete, Failed); nothing else finishes."""
    if not isinstance(model, RayJob) or model.status is None:
        return False
    deployment = model.status.job_deployment_status
    return deployment is not None and deployment.is_terminal()


def editable(obj: StoredObject) -> dict[str, Any]:  # raw: the stored document, to edit
    """A deep copy of the object's body that has a ``metadata`` and a ``spec``."""
    body = copy.deepcopy(obj.body)
    body.setdefault("spec", {})
    body.setdefault("metadata", {})
    return body


def fresh_metadata(
    metadata: ObjectMeta, name: str, *, annotations: Mapping[str, str] | None = None
) -> ObjectMeta:
    """The metadata of a copy named ``name``: the labels and the user's annotations, plus
    ``annotations``; nothing raydeck or the server set."""
    errors = check_name(name, max_length=253, path="name")
    if errors:
        raise InvalidInput("the new name is invalid", errors)
    kept = {k: v for k, v in (metadata.annotations or {}).items() if k not in _NOT_COPIED}
    kept |= annotations or {}
    fields: dict[str, object] = {"name": name}
    if metadata.labels:
        fields["labels"] = metadata.labels
    if kept:
        fields["annotations"] = kept
    return ObjectMeta.model_validate(fields)


def expected_version(raw: str | None) -> int | None:
    """The resourceVersion a write expects (``metadata.resourceVersion``), None for any."""
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


#: The characters the API server draws a generated name's suffix from (no vowels, no 0/1/3).
_NAME_SUFFIX = "bcdfghjklmnpqrstvwxz2456789"


def generated_name(body: dict[str, Any]) -> dict[str, Any]:  # raw YAML in, before validation
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
