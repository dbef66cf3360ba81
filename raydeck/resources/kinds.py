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
from raydeck.resources import configmap, raycluster, rayjob, rayservice, secret
from raydeck.resources.defaults import apply_crd_defaults
from raydeck.resources.meta import KubeModel
from raydeck.resources.secret import stored_form
from raydeck.resources.validation.configmap import parse_configmap
from raydeck.resources.validation.raycluster import parse_raycluster
from raydeck.resources.validation.rayjob import parse_rayjob
from raydeck.resources.validation.rayservice import parse_rayservice
from raydeck.resources.validation.secret import parse_secret

#: The typed model of any kind raydeck manages, as ``StoredObject.model`` hands it out.
ResourceModel = (
    raycluster.RayCluster
    | rayjob.RayJob
    | rayservice.RayService
    | configmap.ConfigMap
    | secret.Secret
)


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
    #: Whether instances run (RayClusters, RayJobs, RayServices) or are data only (ConfigMaps,
    #: Secrets).
    runnable: bool = True
    #: What stop and start mean: suspending and resuming the whole object (RayClusters), or
    #: stopping the running Ray job and resuming only a suspended object (RayJobs).
    stop_is_suspend: bool = True
    #: Whether the data is secret (Secrets): only readers allowed to see secrets get it, and
    #: only one object at a time; lists never carry it.
    secret_data: bool = False
    #: The body as stored, from a body ``parse`` accepted (a Secret's stringData into data).
    stored: Callable[[dict[str, Any]], dict[str, Any]] | None = None

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

SECRET = Kind(
    name=secret.KIND,
    plural=secret.PLURAL,
    model=secret.Secret,
    short_names=("secret",),
    parse=parse_secret,
    runnable=False,
    secret_data=True,
    stored=stored_form,
)

KINDS: tuple[Kind, ...] = (RAYCLUSTER, RAYJOB, RAYSERVICE, CONFIGMAP, SECRET)


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


#: What raydeck's local platform offers instead of some Kubernetes kinds, for the refusal.
_INSTEAD = {
    "Service": "each cluster's ports are on loopback, listed in status.endpoints",
    "Ingress": "each cluster's ports are on loopback, listed in status.endpoints",
    "PersistentVolumeClaim": "an emptyDir volume holds a node's files",
    "Job": "a RayJob runs a Ray program",
    "Pod": "a RayCluster's nodes are its pods",
}


def refusal(kind: str, api_version: str, *, platform: str) -> str:
    """Why a document of a kind raydeck does not take is refused, and where it can go."""
    what = (kind or "a document without a kind") + (f" ({api_version})" if api_version else "")
    taken = ", ".join(k.name for k in KINDS)
    if api_version.startswith("ray.io/"):
        return f"{what} is not supported by raydeck yet; it takes {taken}"
    if platform == "local":
        hint = f" ({_INSTEAD[kind]})" if kind in _INSTEAD else ""
        return (
            f"{what} is not run by raydeck's local platform, which runs {taken}{hint}; "
            "apply it to a Kubernetes cluster with kubectl"
        )
    return f"{what} is not managed by raydeck, which takes {taken}; apply it with kubectl"
