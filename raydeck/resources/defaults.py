"""KubeRay's CRD defaults, applied to a body as the Kubernetes API server applies them.

The table ``crd_defaults.json`` is generated from KubeRay's CRDs by
``scripts/crd_defaults.py`` (never edited by hand). The managers apply it before
validation and storage, on both platforms, so what raydeck accepts and returns is
what ``kubectl apply`` plus the operator would. It judges nothing itself.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def _table() -> dict[str, Any]:  # the CRDs' defaults, as the JSON file holds them
    text = resources.files("raydeck.resources").joinpath("crd_defaults.json").read_text()
    table: dict[str, Any] = json.loads(text)  # as above
    return table


def apply_crd_defaults(kind: str, body: Any) -> None:
    """Fill in, in place, every default the CRD of ``kind`` declares; other kinds are left alone."""
    node = _table().get(kind)
    if node:
        _default(body, node)


def _default(value: Any, node: dict[str, Any]) -> None:  # node: part of the object's JSON
    # The API server's structural defaulting: a default fills a field that is absent (or null)
    # wherever its parent object exists, then the walk goes on into every child, defaulted ones
    # included, and through every item of an array. Values of the wrong type are left for
    # validation to report.
    if isinstance(value, dict):
        for name, default in node.get("defaults", {}).items():
            if value.get(name) is None:
                value[name] = copy.deepcopy(default)
        properties = node.get("properties", {})
        extra = node.get("additionalProperties")
        for name, child in value.items():
            sub = properties.get(name, extra)
            if sub is not None:
                _default(child, sub)
    elif isinstance(value, list) and "items" in node:
        for item in value:
            _default(item, node["items"])
