"""Masking secrets in a spec for readers who may not see them (viewers).

Redis passwords (``rayStartParams.redis-password``, ``gcsFaultToleranceOptions.redisPassword``),
container ``env`` values and runtime-env ``env_vars`` (inside ``runtimeEnvYAML`` and
``serveConfigV2``) whose names say they are secret are replaced by a mask, and so is every
value of a Secret's ``data``. References (``valueFrom.secretKeyRef``) stay: they name a
secret, they do not hold it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import yaml

MASK = "******"
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY", re.I)
_SECRET_KEYS = ("redis-password", "redisPassword")
#: String fields that hold YAML with Ray runtime environments inside.
_EMBEDDED_YAML = ("runtimeEnvYAML", "serveConfigV2")


def masked(body: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``body`` (an object's JSON) with every secret value replaced by ``MASK``."""
    if body.get("kind") == "Secret":
        return masked_data(body)
    result = copy.deepcopy(body)
    _mask(result)
    return result


def masked_data(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of a Secret with each value of ``data`` (and ``stringData``) replaced by
    ``MASK``: its keys show, its values do not."""
    result = copy.deepcopy(body)
    for field in ("data", "stringData"):
        if isinstance(result.get(field), dict):
            result[field] = dict.fromkeys(result[field], MASK)
    return result


def _mask(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _mask(item)
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if key in _SECRET_KEYS:
            node[key] = _masked_value(value)
        elif key in _EMBEDDED_YAML and isinstance(value, str):
            node[key] = _masked_yaml(value)
        elif key == "env_vars" and isinstance(value, dict):
            for name in value:
                if _SECRET_NAME.search(str(name)):
                    value[name] = MASK
        elif key == "env" and isinstance(value, list):
            for entry in value:
                if _is_secret_env(entry):
                    entry["value"] = MASK
        else:
            _mask(value)


def _masked_value(value: Any) -> Any:
    if isinstance(value, dict):  # redisPassword: {value: ..., valueFrom: ...}
        return {k: (MASK if k == "value" else v) for k, v in value.items()}
    return MASK


def _is_secret_env(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and "value" in entry
        and bool(_SECRET_NAME.search(str(entry.get("name", ""))))
    )


def _masked_yaml(text: str) -> str:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return text  # not ours to judge here; validation reports it
    before = copy.deepcopy(document)
    _mask(document)
    if document == before:
        return text  # nothing secret: keep the user's formatting
    return yaml.safe_dump(document, sort_keys=False)
