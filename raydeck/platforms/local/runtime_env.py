"""What of a Ray runtime env needs the network, and Ray's failure to set one up, said plainly.

The local platform's RayJob and RayService reconcilers call ``explained`` on the message Ray
gives when a runtime env cannot be set up (a long traceback), so the status and event name what
needed the network and the error that stopped it. ``network_needs`` also backs the refusal at
apply time when raydeck is set offline (``local.offline``). Pure: nothing here dials anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

#: URI schemes Ray fetches over the network for working_dir and py_modules.
_REMOTE = re.compile(r"^(https?|gs|s3|azure|abfss?|hdfs)://", re.I)
_FAILED = re.compile(r"runtime.?env", re.I)
#: The line of a traceback that says what went wrong: "SomeError: what".
_ERROR_LINE = re.compile(r"^\s*([A-Za-z_][\w.]*(Error|Exception|Failure)|error):?\s+(.+)$")


def network_needs(runtime_env: Any, field: str) -> list[tuple[str, str]]:
    """(field path, what it fetches) for each part of ``runtime_env`` that needs the network:
    remote working_dir and py_modules, pip, uv and conda packages."""
    if not isinstance(runtime_env, Mapping):
        return []
    needs = []
    working_dir = runtime_env.get("working_dir")
    if isinstance(working_dir, str) and _REMOTE.match(working_dir):
        needs.append((f"{field}.working_dir", working_dir))
    for i, module in enumerate(runtime_env.get("py_modules") or []):
        if isinstance(module, str) and _REMOTE.match(module):
            needs.append((f"{field}.py_modules[{i}]", module))
    for manager in ("pip", "uv", "conda"):
        packages = _packages(runtime_env.get(manager))
        if packages:
            needs.append((f"{field}.{manager}", f"{manager} packages {', '.join(packages)}"))
    return needs


def _packages(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("packages") or value.get("dependencies") or []
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [str(p) for p in value if isinstance(p, str | int | float)]
    return []


def explained(message: str, runtime_env: Any) -> str:
    """``message`` itself unless it is Ray's failure to set up a runtime env; then one line: what
    needed the network and the last error Ray reported."""
    if not message or not _FAILED.search(message) or "\n" not in message:
        return message
    errors = [m[3].strip() for line in message.splitlines() if (m := _ERROR_LINE.match(line))]
    cause = errors[-1] if errors else message.strip().splitlines()[-1].strip()
    needs = [what for _, what in network_needs(runtime_env, "runtime_env")]
    if needs:
        return (
            f"the runtime env could not be set up: it needs the network for {'; '.join(needs)}, "
            f"and fetching failed: {cause[:300]}"
        )
    return f"the runtime env could not be set up: {cause[:300]}"
