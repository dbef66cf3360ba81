"""What a node reads from its namespace: ConfigMaps and Secrets, for its environment and volumes.

The local reconciler gathers ``PodSources`` of the cluster's own namespace (never another's)
each time it starts a node, and resolves the Ray container's ``envFrom`` and ``env``
(``valueFrom``: configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef) here as the
kubelet does; ``volumes.materialize`` reads the same sources for configMap and secret
volumes. Pure: it starts nothing and writes nothing. An error names the field and the
object it needs, never a value.
"""

from __future__ import annotations

import math
import os
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from raydeck.resources.quantity import parse_quantity

Source = Literal["configMap", "secret"]
#: What the kubelet calls each source in its messages, and the field that names it.
_NOUN = {"configMap": "configmap", "secret": "secret"}
#: The characters an environment variable name may hold: Kubernetes allows any printable
#: character but '='; a shell reads only C identifiers, which is what envFrom is for.
_ENV_NAME = re.compile(r"^[^=\x00]+$")


class SpecError(ValueError):
    """A field of a pod template the local platform cannot provide, named by its JSON path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.detail = message


@dataclass(frozen=True)
class PodSources:
    """The ConfigMaps (text) and Secrets (decoded bytes) of one namespace, by name."""

    configmaps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    secrets: Mapping[str, Mapping[str, bytes]] = field(default_factory=dict)

    def data(self, source: Source, name: str) -> Mapping[str, bytes] | None:
        """The data of the named ConfigMap or Secret as bytes, or None where it is absent."""
        if source == "secret":
            return self.secrets.get(name)
        found = self.configmaps.get(name)
        return None if found is None else {k: v.encode() for k, v in found.items()}

    def require(
        self, source: Source, name: Any, *, where: str, optional: bool
    ) -> Mapping[str, bytes] | None:
        """The named object's data; None if it is optional and absent; else a SpecError."""
        if not isinstance(name, str) or not name:
            raise SpecError(f"{where}.name", "required")
        found = self.data(source, name)
        if found is None and not optional:
            raise SpecError(
                f"{where}.name",
                f"{_NOUN[source]} '{name}' not found in the cluster's namespace; the node "
                f"starts once it exists",
            )
        return found


@dataclass(frozen=True)
class PodFacts:
    """What ``fieldRef`` and ``resourceFieldRef`` read of the node's pod on this platform."""

    name: str
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    service_account: str = "default"
    resources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def field_value(self, path: str) -> str | None:
        """The value of a downward-API field path, or None if the local platform has no such."""
        if (found := re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)) is not None:
            return (self.labels if found[1] == "labels" else self.annotations).get(found[2], "")
        address = "127.0.0.1"  # every node of the local platform listens on loopback
        return {
            "metadata.name": self.name,
            "metadata.namespace": self.namespace,
            "spec.nodeName": socket.gethostname(),
            "spec.serviceAccountName": self.service_account,
            "status.podIP": address,
            "status.podIPs": address,
            "status.hostIP": address,
            "status.hostIPs": address,
        }.get(path)


def container_env(
    container: Mapping[str, Any],
    *,
    where: str,
    sources: PodSources,
    pod: PodFacts,
    reserved: str = "",
) -> dict[str, str]:
    """The container's own environment as the kubelet builds it: ``envFrom`` in order, then
    ``env`` in order, a later name replacing an earlier one. ``env`` entries whose name starts
    with ``reserved`` (variables the platform sets itself) are left out unresolved, so a
    reference of theirs never holds a node back."""
    env: dict[str, str] = {}
    for i, entry in enumerate(_listed(container.get("envFrom"), f"{where}.envFrom")):
        env.update(_env_from(entry, where=f"{where}.envFrom[{i}]", sources=sources))
    for i, var in enumerate(_listed(container.get("env"), f"{where}.env")):
        at = f"{where}.env[{i}]"
        name = var.get("name") if isinstance(var, Mapping) else None
        if not isinstance(name, str) or not name:
            raise SpecError(f"{at}.name", "required")
        if reserved and name.startswith(reserved):
            continue
        value = _env_value(var, where=at, sources=sources, pod=pod)
        if value is not None:
            env[name] = value
    return env


def _listed(value: Any, where: str) -> Sequence[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpecError(where, "must be a list")
    return value


def _env_from(entry: Any, *, where: str, sources: PodSources) -> dict[str, str]:
    if not isinstance(entry, Mapping):
        raise SpecError(where, "must be an object")
    refs = [k for k in ("configMapRef", "secretRef") if entry.get(k) is not None]
    if len(refs) != 1:
        raise SpecError(where, "must name exactly one of configMapRef and secretRef")
    ref = entry[refs[0]]
    source: Source = "configMap" if refs[0] == "configMapRef" else "secret"
    at = f"{where}.{refs[0]}"
    if not isinstance(ref, Mapping):
        raise SpecError(at, "must be an object")
    data = sources.require(source, ref.get("name"), where=at, optional=ref.get("optional") is True)
    prefix = entry.get("prefix") or ""
    if not isinstance(prefix, str):
        raise SpecError(f"{where}.prefix", "must be a string")
    # Keys that cannot be variable names are skipped, as the kubelet skips them.
    return {
        prefix + key: _text(value)
        for key, value in (data or {}).items()
        if _ENV_NAME.match(prefix + key)
    }


def _env_value(
    var: Mapping[str, Any], *, where: str, sources: PodSources, pod: PodFacts
) -> str | None:
    source = var.get("valueFrom")
    if source is None:
        value = var.get("value")
        return "" if value is None else str(value)
    if not isinstance(source, Mapping):
        raise SpecError(f"{where}.valueFrom", "must be an object")
    kinds = [k for k in source if source.get(k) is not None]
    if len(kinds) != 1:
        raise SpecError(
            f"{where}.valueFrom",
            "must name exactly one of configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef",
        )
    kind, ref = kinds[0], source[kinds[0]]
    at = f"{where}.valueFrom.{kind}"
    if not isinstance(ref, Mapping):
        raise SpecError(at, "must be an object")
    if kind in ("configMapKeyRef", "secretKeyRef"):
        return _key_ref(ref, "configMap" if kind == "configMapKeyRef" else "secret", at, sources)
    if kind == "fieldRef":
        return _field_ref(ref, at, pod)
    if kind == "resourceFieldRef":
        return _resource_ref(ref, at, pod)
    raise SpecError(at, f"{kind} is not supported by the local platform")


def _key_ref(ref: Mapping[str, Any], source: Source, where: str, sources: PodSources) -> str | None:
    optional = ref.get("optional") is True
    data = sources.require(source, ref.get("name"), where=where, optional=optional)
    key = ref.get("key")
    if not isinstance(key, str) or not key:
        raise SpecError(f"{where}.key", "required")
    if data is None or key not in data:
        if optional:
            return None  # an optional reference that finds nothing sets nothing
        raise SpecError(f"{where}.key", f"key '{key}' not found in {_NOUN[source]} '{ref['name']}'")
    return _text(data[key])


def _field_ref(ref: Mapping[str, Any], where: str, pod: PodFacts) -> str:
    path = ref.get("fieldPath")
    if not isinstance(path, str) or not path:
        raise SpecError(f"{where}.fieldPath", "required")
    value = pod.field_value(path)
    if value is None:
        raise SpecError(f"{where}.fieldPath", f"{path!r} is not a field the local platform has")
    return value


def _resource_ref(ref: Mapping[str, Any], where: str, pod: PodFacts) -> str:
    """``limits.cpu`` and the like, in units of ``divisor``, rounded up as the kubelet does;
    an unset limit is the machine's own capacity."""
    resource = ref.get("resource")
    kind, _, name = str(resource or "").partition(".")
    if kind not in ("limits", "requests") or name not in ("cpu", "memory", "ephemeral-storage"):
        raise SpecError(
            f"{where}.resource", f"{resource!r} is not a resource the local platform has"
        )
    limits, requests = pod.resources.get("limits") or {}, pod.resources.get("requests") or {}
    given = (limits if kind == "limits" else requests).get(name)
    if given is None and kind == "requests":
        given = limits.get(name, 0)
    try:
        amount = parse_quantity(given) if given is not None else _machine(name)
        divisor = parse_quantity(ref.get("divisor") or 1)
    except ValueError as e:
        raise SpecError(f"{where}.divisor", str(e)) from None
    if divisor <= 0:
        raise SpecError(f"{where}.divisor", "must be positive")
    return str(math.ceil(amount / divisor))


def _machine(name: str) -> int:
    if name == "cpu":
        return os.cpu_count() or 1
    if name == "memory":
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    stats = os.statvfs("/")
    return stats.f_frsize * stats.f_blocks


def _text(value: bytes) -> str:
    # Any bytes reach the process as they are; surrogateescape round-trips what is not UTF-8.
    return value.decode("utf-8", "surrogateescape")
