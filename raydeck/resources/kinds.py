"""The kinds raydeck manages, by kind name and by URL plural.

API routes, the CLI and managers look kinds up here instead of naming each
one; adding RayJob or RayService means adding an entry, not a code path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from raydeck.errors import NotFound
from raydeck.resources import configmap, raycluster, rayjob, rayservice
from raydeck.resources.defaults import apply_crd_defaults
from raydeck.resources.meta import KubeModel
from raydeck.resources.validation.configmap import parse_configmap
from raydeck.resources.validation.raycluster import parse_raycluster
from raydeck.resources.validation.rayjob import parse_rayjob
from raydeck.resources.validation.rayservice import parse_rayservice

#: The typed model of any kind raydeck manages, as ``StoredObject.model`` hands it out.
ResourceModel = raycluster.RayCluster | rayjob.RayJob | rayservice.RayService | configmap.ConfigMap


@dataclass(frozen=True)
class Kind:
    name: str
    plural: str
    #: The kind's pydantic model: what a stored object of this kind reads as (``parse`` checks
    #: raydeck's rules on top before anything is stored).
    model: type[ResourceModel]
    short_names: tuple[str, ...]
    parse: Callable[[Mapping[str, Any]], KubeModel]
    #: A running instance must be stopped before it is deleted (RayClusters); deleting a RayJob
    #: or RayService takes its clusters with it, as on Kubernetes.
    stop_before_delete: bool = False
    #: Whether instances run (RayClusters, RayJobs, RayServices) or are data only (ConfigMaps).
    runnable: bool = True
    #: What stop and start mean: suspending and resuming the whole object (RayClusters), or
    #: stopping the running Ray job and resuming only a suspended object (RayJobs).
    stop_is_suspend: bool = True

    def with_defaults(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``body`` (the object's JSON) with the defaults of this kind's CRD filled in,
        as the API server fills them in before anything validates or stores the object."""
        defaulted = copy.deepcopy(dict(body))
        apply_crd_defaults(self.name, defaulted)
        return defaulted


RAYCLUSTER = Kind(
    name=raycluster.KIND,
    plural=raycluster.PLURAL,
    model=raycluster.RayCluster,
    short_names=("raycluster", "rc", "rayclusters"),
    parse=parse_raycluster,
    stop_before_delete=True,
)

RAYJOB = Kind(
    name=rayjob.KIND,
    plural=rayjob.PLURAL,
    model=rayjob.RayJob,
    short_names=("rayjob", "rj", "rayjobs", "job", "jobs"),
    parse=parse_rayjob,
    stop_is_suspend=False,
)

RAYSERVICE = Kind(
    name=rayservice.KIND,
    plural=rayservice.PLURAL,
    model=rayservice.RayService,
    short_names=("rayservice", "rsvc", "rayservices"),
    parse=parse_rayservice,
)

CONFIGMAP = Kind(
    name=configmap.KIND,
    plural=configmap.PLURAL,
    model=configmap.ConfigMap,
    short_names=("configmap", "cm"),
    parse=parse_configmap,
    runnable=False,
)

KINDS: tuple[Kind, ...] = (RAYCLUSTER, RAYJOB, RAYSERVICE, CONFIGMAP)


def by_plural(plural: str) -> Kind:
    for kind in KINDS:
        if kind.plural == plural:
            return kind
    raise NotFound(f"unknown resource type {plural!r}")


def by_name(name: str) -> Kind:
    """A kind by its name, plural or short name, as the CLI accepts them (case-insensitive)."""
    wanted = name.lower()
    for kind in KINDS:
        if wanted in (kind.name.lower(), kind.plural, *kind.short_names):
            return kind
    known = ", ".join(k.plural for k in KINDS)
    raise NotFound(f"unknown resource type {name!r} (known: {known})")


def model_of(kind: str) -> type[ResourceModel]:
    """The model of the kind named exactly ``kind`` (``RayCluster``), as the store names kinds."""
    for known in KINDS:
        if known.name == kind:
            return known.model
    raise NotFound(f"unknown kind {kind!r}")
