"""The core/v1 Secret kind: named, base64-encoded data for pods' environment and volumes.

Users send Secrets in the same files as their RayClusters (KubeRay's samples do); the local
platform hands them to nodes as ConfigMaps are handed. Validation (the Kubernetes API server's
rules) is in ``validation/secret.py``; ``stored_form`` merges ``stringData`` into ``data`` as it does. No message
here ever holds a value: a Secret's data is named by its key, never shown.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field

from raydeck.resources.meta import KubeModel, ObjectMeta

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


def stored_form(body: dict[str, Any]) -> dict[str, Any]:
    """``body`` as the API server keeps it: ``data`` re-encoded in one line, ``stringData``
    encoded into it (winning over the same key there), ``stringData`` gone, ``type`` Opaque
    unless given. Call it on a body
    ``validation.secret.parse_secret`` accepted."""
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
    return {k: base64.b64decode(unwrapped(v)) for k, v in (body.get("data") or {}).items()}


def unwrapped(value: str) -> str:
    # The API server's base64 decoder skips line breaks: `base64` wraps its output at 76
    # columns, and YAML block scalars (`ca.crt: |`) keep the breaks and a final newline.
    return value.replace("\r", "").replace("\n", "")
