"""Launcher that runs Ray's own ``ray`` CLI but keeps loopback node addresses.

The local platform starts Ray nodes as ``python -m raydeck.platforms.local.raynode
start ...`` (see :func:`launcher_argv`). Ray rewrites 127.0.0.1 to the machine's
outward IP; this module only undoes that for loopback addresses and otherwise
leaves the CLI, its arguments and its behaviour untouched.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from typing import Any


def launcher_argv(python: str = sys.executable) -> list[str]:
    """The command prefix that runs this launcher; append ``ray`` CLI arguments to it."""
    return [python, "-m", "raydeck.platforms.local.raynode"]


def keep_loopback(original: Callable[[str], str]) -> Callable[[str], str]:
    """Wrap Ray's host resolver so a literal loopback IP comes back unchanged."""

    def resolve(host: str) -> str:
        try:
            if ipaddress.ip_address(host).is_loopback:
                return host
        except ValueError:
            pass  # a host name, not a literal address: Ray decides
        return original(host)

    resolve.raydeck_keeps_loopback = True  # type: ignore[attr-defined]
    return resolve


def _install(services: Any) -> None:
    original = services.resolve_ip_for_localhost
    if getattr(original, "raydeck_keeps_loopback", False):
        return
    # ray.scripts.scripts reaches the resolver through this same module object,
    # so patching the attribute covers the CLI and the bootstrap-address parsing.
    services.resolve_ip_for_localhost = keep_loopback(original)


def main() -> None:
    """Run the ``ray`` CLI with the loopback-preserving resolver; never returns."""
    # Imported here so that importing launcher_argv does not pay for importing Ray.
    from ray._private import services
    from ray.scripts import scripts

    cli: Any = scripts  # Ray's CLI module is untyped
    # Nodes run with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 so that every Ray process under them
    # (dashboard agent, drivers, job supervisors) resolves "this node" to 127.0.0.1; this
    # process alone turns multi-node back on, or `ray start --address` would refuse to run.
    constants: Any = cli.ray_constants
    constants.ENABLE_RAY_CLUSTER = True
    _install(services)
    _install(cli.services)  # the same module object today; then this is a no-op
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
