"""Secret validation, as the Kubernetes API server does it: names, keys, base64 data, the
keys each built-in type needs, and size. No message here ever holds a value: a Secret's data
is named by its key, never shown.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from raydeck.errors import FieldError, InvalidInput
from raydeck.resources.configmap import MAX_BYTES
from raydeck.resources.secret import (
    DEFAULT_TYPE,
    KIND,
    REQUIRED_KEYS,
    Secret,
    decoded,
    stored_form,
    unwrapped,
)
from raydeck.resources.validation.common import parse_model
from raydeck.resources.validation.configmap import (
    check_core_metadata,
    check_core_type,
    check_data_keys,
)


def parse_secret(data: Mapping[str, Any]) -> Secret:
    """Validate a Secret document; raise ``InvalidInput`` naming each bad field, never a value."""
    check_core_type(data, KIND)
    secret = parse_model(Secret, data, what=KIND)
    errors = check_core_metadata(secret.metadata)
    errors += check_data_keys(secret.data or {}, "data")
    errors += check_data_keys(secret.string_data or {}, "stringData")
    errors += _check_base64(secret.data or {})
    if not errors:
        values = decoded(stored_form(dict(data)))
        errors += _check_type(secret.type or DEFAULT_TYPE, values)
        if sum(len(k) + len(v) for k, v in values.items()) > MAX_BYTES:
            errors.append(FieldError("data", "must total at most 1 MiB"))
    if errors:
        raise InvalidInput("Secret is invalid", errors)
    return secret


def _check_base64(data: Mapping[str, str]) -> list[FieldError]:
    errors = []
    for key, value in data.items():
        try:
            base64.b64decode(unwrapped(value), validate=True)
        except (binascii.Error, ValueError):
            errors.append(
                FieldError(
                    f"data.{key}",
                    "must be base64-encoded (as `base64 -w0` writes it); put plain text in "
                    "stringData instead",
                )
            )
    return errors


def _check_type(type_: str, data: Mapping[str, bytes]) -> list[FieldError]:
    if not type_ or len(type_) > 253:
        return [FieldError("type", "must be a non-empty string of at most 253 characters")]
    missing = [k for k in REQUIRED_KEYS.get(type_, ()) if k not in data]
    if missing:
        return [FieldError("data", f"type {type_} needs the keys {', '.join(missing)}")]
    return []
