"""Kubernetes resource quantities (``500m``, ``2Gi``, ``1e3``) as exact numbers.

Used by validation, the local platform (``ray start`` flags) and the store's
sort columns. Pure functions; nothing here knows about Ray or HTTP.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation

_SUFFIXES: dict[str, Decimal] = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
}
#: Kubernetes keeps a quantity's value in an int64; raydeck's columns (millicores, bytes) too.
_LARGEST = Decimal(2**63 - 1)
_PATTERN = re.compile(
    r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$"
)


def parse_quantity(value: str | int | float | Decimal) -> Decimal:
    """Parse a quantity; raise ``ValueError`` with a readable message if it is not one, or if it
    is larger than 2^63-1 (in millis: CPU is counted in millicores)."""
    parsed = _parse(value)
    if abs(parsed) * 1000 > _LARGEST:
        raise ValueError(f"{value!r} is too large a quantity")
    return parsed


def _parse(value: str | int | float | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a quantity")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value!r} is not a quantity")
        return Decimal(str(value))
    match = _PATTERN.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a quantity (expected e.g. 500m, 2, 4Gi)")
    number, suffix = match.groups()
    if "e" in number.lower() and suffix:
        raise ValueError(f"{value!r} is not a quantity (exponent and suffix together)")
    try:
        return Decimal(number) * _SUFFIXES[suffix]
    except InvalidOperation as e:
        raise ValueError(f"{value!r} is not a quantity") from e


def to_millis(value: str | int | float | Decimal) -> int:
    """CPU as millicores, rounded up as Kubernetes does."""
    return math.ceil(parse_quantity(value) * 1000)


def to_int_ceil(value: str | int | float | Decimal) -> int:
    """The whole-number value rounded up, as Kubernetes' ``Quantity.Value()`` gives it."""
    return math.ceil(parse_quantity(value))


def format_cpu(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_bytes(count: int) -> str:
    """Bytes in the largest binary unit that divides them exactly (``3Gi``), as KubeRay's status shows."""
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = int(_SUFFIXES[suffix])
        if count and count % unit == 0:
            return f"{count // unit}{suffix}"
    return str(count)
