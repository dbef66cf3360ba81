"""Launcher that runs Ray's own ``ray`` CLI but keeps loopback node addresses.

The local platform starts Ray nodes as ``python -m raydeck.platforms.local.raynode
start ...`` (see :func:`launcher_argv`). Ray rewrites 127.0.0.1 to the machine's
outward IP; this module undoes that for loopback addresses, and makes SIGTERM stop the
node even while Ray's main thread waits in native code (:class:`SigtermRelay`).
Otherwise the CLI, its arguments and its behaviour are Ray's.
"""

from __future__ import annotations

import ipaddress
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

SigtermHandler = Callable[[int, FrameType | None], Any]
#: How long the main thread has to take up a SIGTERM itself before the relay runs Ray's
#: handler in its place (the main thread runs it within one bytecode when it is not blocked).
HANDOFF_SECONDS = 1.0


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


class SigtermRelay:
    """Runs Ray's SIGTERM handler even while the main thread is blocked in a native call.

    Python runs a signal handler only in the main thread, between bytecodes. ``ray start``
    spends seconds to minutes inside single native calls: while a node starts it waits in
    ``GlobalState.get_node`` for its raylet to register (30 s if the raylet was stopped
    first), and with its GCS gone it retries the connection. A SIGTERM then waits as long,
    so a node told to stop seemed to hang. The C-level handler still writes the signal to the
    wakeup fd at once; a thread reading it runs Ray's handler (stop the node's processes,
    exit 1) if the main thread has not begun to within :data:`HANDOFF_SECONDS`.
    """

    def __init__(self, *, handoff: float = HANDOFF_SECONDS) -> None:
        self._handoff = handoff
        self._ray_handler: SigtermHandler | None = None
        self._taken = threading.Lock()
        self._began = threading.Event()

    def wrap(self, ray_handler: SigtermHandler) -> SigtermHandler:
        """The handler to install in Ray's place; Ray's own runs once, in whichever thread."""
        self._ray_handler = ray_handler

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            self._run(signum, frame)

        return on_sigterm

    def _run(self, signum: int, frame: FrameType | None) -> None:
        if self._ray_handler is None or not self._taken.acquire(blocking=False):
            return  # a second SIGTERM, or the other thread already stops the node
        self._began.set()
        self._ray_handler(signum, frame)

    def watch(self, wakeup: socket.socket) -> None:
        """Thread body: wait for SIGTERM on the wakeup socket, then stand in if need be."""
        while signal.SIGTERM not in (received := wakeup.recv(64)):
            if not received:
                return  # the wakeup socket closed: the process is going away anyway
        if self._began.wait(self._handoff):
            return
        code = 1
        try:
            self._run(signal.SIGTERM, None)
        except SystemExit as e:  # Ray's handler ends with sys.exit(1); here that ends a thread
            code = e.code if isinstance(e.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)

    def install(self, utils: Any) -> None:
        """Route Ray's ``set_sigterm_handler`` through :meth:`wrap` and start the watcher."""
        original = utils.set_sigterm_handler
        utils.set_sigterm_handler = lambda handler: original(self.wrap(handler))
        wakeup, signalled = socket.socketpair()
        signalled.setblocking(False)
        signal.set_wakeup_fd(signalled.fileno(), warn_on_full_buffer=False)
        self._sockets = (wakeup, signalled)  # kept open for the life of the process
        threading.Thread(target=self.watch, args=(wakeup,), daemon=True).start()


def main() -> None:
    """Run the ``ray`` CLI with the loopback-preserving resolver; never returns."""
    # Imported here so that importing launcher_argv does not pay for importing Ray.
    from ray._private import services, utils
    from ray.scripts import scripts

    cli: Any = scripts  # Ray's CLI module is untyped
    # Nodes run with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 so that every Ray process under them
    # (dashboard agent, drivers, job supervisors) resolves "this node" to 127.0.0.1; this
    # process alone turns multi-node back on, or `ray start --address` would refuse to run.
    constants: Any = cli.ray_constants
    constants.ENABLE_RAY_CLUSTER = True
    _install(services)
    _install(cli.services)  # the same module object today; then this is a no-op
    SigtermRelay().install(utils)
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
