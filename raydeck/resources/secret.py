"""The core/v1 Secret kind: named, base64-encoded data for pods' environment and volumes.

Users send Secrets in the same files as their RayClusters (KubeRay's samples do); the local
platform hands them to nodes as ConfigMaps are handed. Validation follows the Kubernetes
API server's rules; ``stored_form`` merges ``stringData`` into ``data`` as it does. No message
here ever holds a value: a Secret's data is named by its key, never shown.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from raydeck.errors import FieldError, InvalidInput
from raydeck.resources.configmap import MAX_BYTES, check_data_keys, check_object_name
from raydeck.resources.meta import KubeModel, ObjectMeta
from raydeck.resources.validation import check_labels, parse_model

KIND = "Secret"
PLURAL = "secrets"
DEFAULT_TYPE = "Opaque"
#: The keys the API server requires of each built-in Secret type.
REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/ssh-auth": ("ssh-privatekey",),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
}


class Secret(KubeModel):
    api_version: Literal["v1"] = "v1"
    kind: Literal["Secret"] = "Secret"
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    data: dict[str, str] | None = None
    string_data: dict[str, str] | None = None
    type: str | None = None
    immutable: bool | None = None


def parse_secret(data: Mapping[str, Any]) -> Secret:
    """Validate a Secret document; raise ``InvalidInput`` naming each bad field, never a value."""
    errors = []
    if data.get("apiVersion") != "v1":
        errors.append(FieldError("apiVersion", f"must be 'v1', got {data.get('apiVersion')!r}"))
    if data.get("kind") != KIND:
        errors.append(FieldError("kind", f"must be 'Secret', got {data.get('kind')!r}"))
    if errors:
        raise InvalidInput("Secret is invalid", errors)
    secret = parse_model(Secret, data, what="Secret")
    errors += check_object_name(secret.metadata.name)
    errors += check_labels(secret.metadata.labels, "metadata.labels")
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
            base64.b64decode(_unwrapped(value), validate=True)
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


def stored_form(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as the API server keeps it: ``data`` re-encoded in one line, ``stringData``
    encoded into it (winning over the same key there), ``stringData`` gone, ``type`` Opaque
    unless given. Call it on a body
    ``parse_secret`` accepted."""
    strings = body.pop("stringData", None) or {}
    if body.get("data"):  # as the API server keeps it: bytes, shown again in one line
        body["data"] = {k: base64.b64encode(v).decode() for k, v in decoded(body).items()}
    if strings:
        encoded = {k: base64.b64encode(v.encode()).decode() for k, v in strings.items()}
        body["data"] = {**(body.get("data") or {}), **encoded}
    body["type"] = body.get("type") or DEFAULT_TYPE
    return body


def decoded(body: Mapping[str, Any]) -> dict[str, bytes]:
    """The decoded values of a stored Secret's ``data``, by key."""
    return {k: base64.b64decode(_unwrapped(v)) for k, v in (body.get("data") or {}).items()}


def _unwrapped(value: str) -> str:
    # The API server's base64 decoder skips line breaks: `base64` wraps its output at 76
    # columns, and YAML block scalars (`ca.crt: |`) keep the breaks and a final newline.
    return value.replace("\r", "").replace("\n", "")
