"""Masking secrets in a spec for readers who may not see them (viewers).

Redis passwords (``rayStartParams.redis-password``, ``gcsFaultToleranceOptions.redisPassword``)
and container ``env`` values whose names say they are secret are replaced by a mask.
References (``valueFrom.secretKeyRef``) stay: they name a secret, they do not hold it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

MASK = "******"
_SECRET_NAME = re.compile(r"PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY", re.I)
_SECRET_KEYS = ("redis-password", "redisPassword")


def masked(body: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``body`` with every secret value replaced by ``MASK``."""
    result = copy.deepcopy(body)
    _mask(result)
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
