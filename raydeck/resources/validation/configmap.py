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
from raydeck.resources.validation.common import (
    DNS1123_SUBDOMAIN,
    check_labels,
    json_path,
    parse_model,
)

_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def parse_configmap(data: Mapping[str, Any]) -> ConfigMap:
    errors = []
    if data.get("apiVersion") != "v1":
        errors.append(FieldError("apiVersion", f"must be 'v1', got {data.get('apiVersion')!r}"))
    if data.get("kind") != KIND:
        errors.append(FieldError("kind", f"must be 'ConfigMap', got {data.get('kind')!r}"))
    if errors:
        raise InvalidInput("ConfigMap is invalid", errors)
    config = parse_model(ConfigMap, data, what="ConfigMap")
    name = config.metadata.name
    if not name or len(name) > 253 or not DNS1123_SUBDOMAIN.match(name):
        errors.append(
            FieldError(
                "metadata.name",
                "must be a DNS-1123 subdomain of at most 253 "
                "characters (lowercase letters, digits, '-', '.')",
            )
        )
    errors += check_labels(config.metadata.labels, "metadata.labels")
    for key in config.data or {}:
        if not _KEY.match(key) or key in (".", "..") or len(key) > 253:
            errors.append(
                FieldError(
                    json_path(["data", key]), "must consist of letters, digits, '-', '_' or '.'"
                )
            )
    if sum(len(k) + len(v.encode()) for k, v in (config.data or {}).items()) > MAX_BYTES:
        errors.append(FieldError("data", "must total at most 1 MiB"))
    if errors:
        raise InvalidInput("ConfigMap is invalid", errors)
    return config
