"""What validating any kind shares: pydantic errors as JSON paths, type meta, names, labels.

The per-kind modules (``raycluster``, ``rayjob``, ``rayservice``, ``configmap``) build on
these; managers use ``check_name`` and ``check_namespace_name`` for names outside objects
(namespaces, users) and the API's error handler ``json_path``. No kind's own rules live here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from raydeck.errors import FieldError, InvalidInput
from raydeck.resources.meta import API_VERSION

_DNS1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

M = TypeVar("M", bound=BaseModel)
K = TypeVar("K", bound=BaseModel)


def json_path(location: Iterable[str | int]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def parse_model(model: type[M], data: Mapping[str, Any], *, what: str) -> M:
    """Build a model, turning pydantic's errors into field errors with JSON paths."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        errors = [FieldError(json_path(err["loc"]), pydantic_message(err)) for err in e.errors()]
        raise InvalidInput(f"{what} is invalid", errors) from None


def pydantic_message(err: ErrorDetails) -> str:
    """One pydantic error as a field error's message, in the words Kubernetes uses for them."""
    if err["type"] == "missing":
        return "Required value"
    if err["type"] == "literal_error":
        return f"Unsupported value {err.get('input')!r}: {err['msg'].lower()}"
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "value_error":  # a validator's own words, without pydantic's prefix
        return str(err.get("ctx", {}).get("error") or err["msg"])
    return str(err["msg"])


def check_type_meta(data: Mapping[str, Any], kind: str) -> list[FieldError]:
    errors = []
    if data.get("apiVersion") != API_VERSION:
        errors.append(
            FieldError("apiVersion", f"must be {API_VERSION!r}, got {data.get('apiVersion')!r}")
        )
    if data.get("kind") != kind:
        errors.append(FieldError("kind", f"must be {kind!r}, got {data.get('kind')!r}"))
    return errors


def check_name(name: str, *, max_length: int, path: str = "metadata.name") -> list[FieldError]:
    if not name:
        return [FieldError(path, "Required value")]
    errors = []
    if len(name) > max_length:
        errors.append(FieldError(path, f"must be no more than {max_length} characters"))
    if not _DNS1035.match(name):
        errors.append(
            FieldError(
                path,
                "must be a DNS-1035 label: lowercase letters, digits and '-', "
                "starting with a letter and ending with a letter or digit",
            )
        )
    return errors


def check_namespace_name(name: str, path: str = "name") -> list[FieldError]:
    if not name or len(name) > 63 or not DNS1123_LABEL.match(name):
        return [
            FieldError(
                path,
                "must be a DNS-1123 label of at most 63 characters: lowercase letters, "
                "digits and '-', starting and ending with a letter or digit",
            )
        ]
    return []


def check_labels(labels: Mapping[str, str] | None, path: str) -> list[FieldError]:
    errors = []
    for key, value in (labels or {}).items():
        prefix, _, name = key.rpartition("/")
        if (
            (prefix and not DNS1123_SUBDOMAIN.match(prefix))
            or len(name) > 63
            or not (_LABEL_NAME.match(name))
        ):
            errors.append(FieldError(f"{path}[{key}]", "is not a valid label key"))
        if value and (len(value) > 63 or not _LABEL_NAME.match(value)):
            errors.append(FieldError(f"{path}[{key}]", f"{value!r} is not a valid label value"))
    return errors


def parse_object(
    model: type[K],
    data: Mapping[str, Any],
    *,
    kind: str,
    max_name_length: int,
    check_spec: Callable[[Any], list[FieldError]],
) -> K:
    """The steps every ray.io/v1 kind shares: type meta, the model, name, labels, then the kind's
    own spec rules; every error found is reported at once, by JSON path."""
    errors = check_type_meta(data, kind)
    if errors:
        raise InvalidInput(f"{kind} is invalid", errors)
    obj = parse_model(model, data, what=kind)
    metadata = obj.metadata  # type: ignore[attr-defined]
    errors = check_name(metadata.name, max_length=max_name_length)
    errors += check_labels(metadata.labels, "metadata.labels")
    errors += check_spec(obj.spec)  # type: ignore[attr-defined]
    if errors:
        raise InvalidInput(f"{kind} is invalid", errors)
    return obj


def check_no_nul(value: Any, path: str) -> list[FieldError]:
    """Every string of a pod template becomes a file name, an argument or an environment
    variable of a process, none of which can hold a NUL byte: refuse it here, by field."""
    if isinstance(value, str):
        return [FieldError(path, "must not contain a NUL byte")] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            if "\x00" in str(key):
                found.append(FieldError(path, f"field name {key!r} must not contain a NUL byte"))
            found += check_no_nul(item, f"{path}.{key}")
        return found
    if isinstance(value, list):
        return [e for i, item in enumerate(value) for e in check_no_nul(item, f"{path}[{i}]")]
    return []
