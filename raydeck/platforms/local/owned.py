"""RayClusters that a RayJob or RayService creates for itself and deletes with itself.

They are ordinary RayCluster objects, run by the RayCluster reconciler, marked
with their owner the way KubeRay marks them (``ray.io/originated-from-*``
labels, an owner reference) plus raydeck's owner-uid label, which tells a
cluster created for a deleted and re-created owner from the current one's.
"""

from __future__ import annotations

import copy
import secrets
from collections.abc import Mapping
from typing import Any

from raydeck.resources import raycluster as rc
from raydeck.resources.meta import CREATOR_ANNOTATION
from raydeck.store.records import ListQuery, ObjectKey, StoredObject
from raydeck.store.store import Store

OWNER_LABEL = "raydeck.io/owner-uid"


def cluster_name(owner_name: str) -> str:
    """A fresh name for an owned cluster: the owner's name and five random characters."""
    return f"{owner_name}-{secrets.token_hex(3)[:5]}"


def owner_uid(cluster: StoredObject) -> str | None:
    labels = (cluster.body.get("metadata") or {}).get("labels") or {}
    owner = labels.get(OWNER_LABEL)
    return str(owner) if owner else None


def cluster_body(
    owner: StoredObject,
    *,
    name: str,
    spec: Mapping[str, Any],
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The RayCluster document ``owner`` creates to run ``spec``."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": rc.KIND,
        "metadata": {
            "name": name,
            "labels": {
                "ray.io/originated-from-crd": owner.kind,
                "ray.io/originated-from-cr-name": owner.name,
                OWNER_LABEL: owner.uid,
            },
            "annotations": {CREATOR_ANNOTATION: owner.creator, **(annotations or {})},
            "ownerReferences": [
                {
                    "apiVersion": "ray.io/v1",
                    "kind": owner.kind,
                    "name": owner.name,
                    "uid": owner.uid,
                    "controller": True,
                }
            ],
        },
        "spec": copy.deepcopy(dict(spec)),
    }


async def owned_clusters(store: Store, owner: ObjectKey) -> list[StoredObject]:
    """Every RayCluster created for an object of this kind and name, whatever its uid."""
    query = ListQuery(
        kind=rc.KIND,
        namespace=owner.namespace,
        selector=f"ray.io/originated-from-cr-name={owner.name},"
        f"ray.io/originated-from-crd={owner.kind}",
    )
    return list((await store.list_objects(query)).items)


def queued_problem(cluster: str, queue: Mapping[str, Any]) -> str:
    """What an owner says while its cluster waits in the admission queue (``status.queue``)."""
    return (
        f"RayCluster {cluster} waits in the admission queue at position "
        f"{queue.get('position')}: {queue.get('reason')}"
    )
