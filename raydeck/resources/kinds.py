"""The kinds raydeck manages, by kind name and by URL plural.

API routes, the CLI and managers look kinds up here instead of naming each
one; adding RayJob or RayService means adding an entry, not a code path.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from raydeck.errors import NotFound
from raydeck.resources import raycluster
from raydeck.resources.meta import KubeModel
from raydeck.resources.validation import parse_raycluster


@dataclass(frozen=True)
class Kind:
    name: str
    plural: str
    short_names: tuple[str, ...]
    parse: Callable[[Mapping[str, Any]], KubeModel]


RAYCLUSTER = Kind(
    name=raycluster.KIND,
    plural=raycluster.PLURAL,
    short_names=("raycluster", "rc", "rayclusters"),
    parse=parse_raycluster,
)

KINDS: tuple[Kind, ...] = (RAYCLUSTER,)


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
