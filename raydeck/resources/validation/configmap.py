"""ConfigMap validation, as the Kubernetes API server does it: names, data keys and size.

``parse_configmap`` is what managers call (as ``CONFIGMAP.parse``) before a ConfigMap is
stored; every bad field is named by its JSON path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from raydeck.errors import FieldError, InvalidInput
from raydeck.resources.configmap import KIND, MAX_BYTES, ConfigMap
from raydeck.resources.meta import ObjectMeta
from raydeck.resources.validation.common import (
    DNS1123_SUBDOMAIN,
    check_labels,
    json_path,
    parse_model,
)

_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def parse_configmap(data: Mapping[str, Any]) -> ConfigMap:
    check_core_type(data, KIND)
    config = parse_model(ConfigMap, data, what=KIND)
    errors = check_core_metadata(config.metadata)
    errors += check_data_keys(config.data or {}, "data")
    if sum(len(k) + len(v.encode()) for k, v in (config.data or {}).items()) > MAX_BYTES:
        errors.append(FieldError("data", "must total at most 1 MiB"))
    if errors:
        raise InvalidInput("ConfigMap is invalid", errors)
    return config


def check_core_type(data: Mapping[str, Any], kind: str) -> None:
    """A core/v1 kind's ``apiVersion`` and ``kind``; InvalidInput naming both when wrong."""
    errors = []
    if data.get("apiVersion") != "v1":
        errors.append(FieldError("apiVersion", f"must be 'v1', got {data.get('apiVersion')!r}"))
    if data.get("kind") != kind:
        errors.append(FieldError("kind", f"must be {kind!r}, got {data.get('kind')!r}"))
    if errors:
        raise InvalidInput(f"{kind} is invalid", errors)


def check_core_metadata(metadata: ObjectMeta) -> list[FieldError]:
    """A ConfigMap's or Secret's name and labels, as the API server checks them."""
    return check_object_name(metadata.name) + check_labels(metadata.labels, "metadata.labels")


def check_object_name(name: str) -> list[FieldError]:
    """A ConfigMap's or Secret's name: a DNS-1123 subdomain, as the API server requires."""
    if not name or len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        return [
            FieldError(
                "metadata.name",
                "must be a DNS-1123 subdomain of at most 253 "
                "characters (lowercase letters, digits, '-', '.')",
            )
        ]
    return []


def check_data_keys(data: Mapping[str, Any], field: str) -> list[FieldError]:
    """Keys of ``data`` (or a Secret's ``stringData``): they become file names in volumes."""
    return [
        FieldError(
            json_path([field, key]),
            "must consist of letters, digits, '-', '_' or '.', and not be '.' or start with '..'",
        )
        for key in data
        if not _KEY.match(key) or key == "." or key.startswith("..") or len(key) > 253
    ]
