"""Shape limits every stored document obeys, whatever its kind: int64 integers, finite numbers,
bounded nesting and a bounded size once YAML aliases are expanded.

``api/body.py`` checks each body it parses and ``managers/objects.py`` checks again before any
write, so a document the store cannot hold or a client cannot read back is refused with the JSON
path of the bad value. Kind-specific rules live in ``validation/``; this module knows no kind.
"""

from __future__ import annotations

import math
from typing import Any

from raydeck.errors import FieldError, InvalidInput

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Deeper than any ray.io/v1 object needs (a RayCluster is about 15 levels deep).
MAX_DEPTH = 64
#: The size a document may reach once expanded: the object routes' body limit.
MAX_EXPANDED_BYTES = 4 * 1024 * 1024
#: Errors reported at once; the first few name the problem well enough.
_MAX_ERRORS = 10


def problems(document: object, *, max_bytes: int = MAX_EXPANDED_BYTES) -> list[FieldError]:
    """Every value of ``document`` that breaks a limit, by JSON path (empty when it is fine).

    The walk is iterative and stops once the expanded size passes ``max_bytes``, so a document
    of aliases expanding to gigabytes costs no more than ``max_bytes`` of work."""
    errors: list[FieldError] = []
    size = 0
    stack: list[tuple[str, object, int]] = [("", document, 0)]
    while stack and len(errors) < _MAX_ERRORS:
        path, value, depth = stack.pop()
        size += _scalar_size(value)
        if size > max_bytes:
            limit = f"{max_bytes // (1024 * 1024)} MiB"
            return [FieldError("body", f"expands to more than {limit} (YAML aliases?)")]
        if depth > MAX_DEPTH:
            errors.append(FieldError(path or "body", f"nested more than {MAX_DEPTH} levels deep"))
            continue
        error = _scalar_problem(value)
        if error:
            errors.append(FieldError(path or "body", error))
        elif isinstance(value, dict):
            stack += [(_key_path(path, k), v, depth + 1) for k, v in reversed(value.items())]
        elif isinstance(value, list):
            stack += [(f"{path}[{i}]", v, depth + 1) for i, v in reversed(list(enumerate(value)))]
    return errors


def check(document: object, *, what: str = "the object") -> None:
    """Raise ``InvalidInput`` (422) naming each bad value, or return."""
    errors = problems(document)
    if errors:
        raise InvalidInput(f"{what} cannot be stored", errors)


def _scalar_problem(value: object) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return "integer out of range: it must fit in 64 bits (-2^63 to 2^63-1)"
    if isinstance(value, float) and not math.isfinite(value):
        return "number out of range: it must be finite"
    return ""


def _scalar_size(value: object) -> int:
    if isinstance(value, str):
        return len(value) + 2
    if isinstance(value, dict):
        return sum(len(str(k)) + 4 for k in value) + 2
    return 8


def _key_path(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)
