"""Supervisor for the OS processes behind the local platform's Ray nodes.

The local platform spawns, watches, re-adopts and kills ``ray start --block`` through it,
by process group plus environment tag (Ray workers leave the group). It knows nothing
of Ray and never signals a process that has neither the tag nor the group.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from raydeck.errors import PlatformUnavailable

TAG_ENV = "RAYDECK_PROCESS_TAG"

#: Ray retitles its processes (``ray::DashboardAgent``) with setproctitle, which by default
#: takes over the memory /proc/<pid>/environ shows, wiping a random part of it and, with it,
#: sometimes the tag: such a process would be unfindable once its raylet is gone. With
#: SPT_NOENV set, setproctitle leaves the environment alone (titles fit the argv area).
_KEEP_ENVIRON = {"SPT_NOENV": "1"}
_PROC = Path("/proc")
_TAG_PREFIX = TAG_ENV.encode() + b"="
_POLL_STEP = 0.05
# How long SIGKILLed processes get to disappear; only uninterruptible sleep takes longer.
_KILL_WAIT = 10.0
# After the last process of a target is gone, how long no new one may appear
# before we believe it (a process killed while forking leaves a child that
# shows up late), and the most we wait for such a quiet interval.
_QUIET_INTERVAL = 1.0
_SWEEP_LIMIT = 20.0

log = logging.getLogger(__name__)
#: Named at module level: inside _Target, ``signal`` is its method, not this module.
Signal = signal.Signals


@dataclass(frozen=True)
class ProcessHandle:
    """Identity of one spawned process, stable across raydeck restarts."""

    pid: int
    pgid: int
    start_ticks: int  # field 22 of /proc/<pid>/stat: tells a reused pid apart
    cmdline: tuple[str, ...]
    tag: str  # value of TAG_ENV given to the process

    def to_record(self) -> dict[str, object]:
        """A JSON-able dict for storing the handle in a database."""
        return {
            "pid": self.pid,
            "pgid": self.pgid,
            "start_ticks": self.start_ticks,
            "cmdline": list(self.cmdline),
            "tag": self.tag,
        }

    @classmethod
    def from_record(cls, data: Mapping[str, object]) -> ProcessHandle:
        """The handle stored by :meth:`to_record`; ValueError if ``data`` is malformed."""
        cmdline = data.get("cmdline")
        if not isinstance(cmdline, list | tuple) or not all(isinstance(a, str) for a in cmdline):
            raise ValueError("process record: cmdline must be a list of strings")
        tag = data.get("tag")
        if not isinstance(tag, str):
            raise ValueError("process record: tag must be a string")
        return cls(
            pid=_int_field(data, "pid"),
            pgid=_int_field(data, "pgid"),
            start_ticks=_int_field(data, "start_ticks"),
            cmdline=tuple(cmdline),
            tag=tag,
        )


def _int_field(data: Mapping[str, object], name: str) -> int:
    value = data.get(name)
    # bool is an int subclass; a stored True is corruption, not pid 1.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"process record: {name} must be an integer")
    return value


@dataclass(frozen=True)
class _Stat:
    state: str
    pgid: int
    threads: int
    start_ticks: int

    @property
    def running(self) -> bool:
        # A zombie holds a pid but runs nothing; its parent (maybe not us) reaps it.
        # Yet a leader thread that exited shows "Z" while other threads still run.
        return self.state not in ("Z", "X", "x") or self.threads > 1


def _read_stat(pid: int) -> _Stat | None:
    try:
        raw = (_PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and ')', so split after the last ')'.
    fields = raw[raw.rfind(b")") + 2 :].split()
    if len(fields) < 20:
        return None  # not a stat line we understand; treat the process as gone
    # Indexes are field numbers minus 3: state (3), pgrp (5), num_threads (20), starttime (22).
    return _Stat(
        state=fields[0].decode(),
        pgid=int(fields[2]),
        threads=int(fields[17]),
        start_ticks=int(fields[19]),
    )


def _read_memory_file(pid: int, name: str) -> bytes | None:
    """/proc/<pid>/<name> for a file backed by process memory (cmdline, environ)."""
    base = _PROC / str(pid)
    with contextlib.suppress(OSError):
        data = (base / name).read_bytes()
        if data:
            return data
    # A main thread that exits before the others (for a moment in any threaded
    # exit, for good after pthread_exit) loses its memory map; the others keep it.
    try:
        tids = [tid for tid in os.listdir(base / "task") if tid != str(pid)]
    except OSError:
        return None
    for tid in tids:
        with contextlib.suppress(OSError):
            data = (base / "task" / tid / name).read_bytes()
            if data:
                return data
    return None


def _read_cmdline(pid: int) -> tuple[str, ...] | None:
    raw = _read_memory_file(pid, "cmdline")
    return None if raw is None else tuple(os.fsdecode(arg) for arg in raw.split(b"\0")[:-1])


def _read_tag(pid: int) -> str | None:
    for entry in (_read_memory_file(pid, "environ") or b"").split(b"\0"):
        if entry.startswith(_TAG_PREFIX):
            return os.fsdecode(entry[len(_TAG_PREFIX) :])
    return None


def _pids() -> Iterator[int]:
    try:
        names = os.listdir(_PROC)
    except OSError:
        return
    yield from (int(name) for name in names if name.isdigit())


@dataclass
class _Target:
    """What one termination aims at: processes whose tag matches, plus one process group."""

    tag_matches: Callable[[str], bool]
    pgid: int | None

    def scan(self) -> dict[int, str | None]:
        """Running processes in the target, mapped to their tag (None if untagged)."""
        found: dict[int, str | None] = {}
        group_exists = False
        me = os.getpid()
        for pid in _pids():
            stat = _read_stat(pid)
            if pid == me or stat is None:
                continue
            # Zombies count here: until reaped they keep the group id from reuse.
            group_exists = group_exists or stat.pgid == self.pgid
            tag = _read_tag(pid) if stat.running else None
            if stat.running and (stat.pgid == self.pgid or self._tagged(tag)):
                found[pid] = tag
        if not group_exists:
            self.pgid = None  # the id may be reused from now on: never signal it again
        return found

    def _tagged(self, tag: str | None) -> bool:
        return tag is not None and self.tag_matches(tag)

    def signal(self, found: Mapping[int, str | None], sig: signal.Signals) -> None:
        if self.pgid is not None:
            with contextlib.suppress(OSError):  # the group may already be empty
                os.killpg(self.pgid, sig)
        self._signal_tagged(found, sig)

    def signal_late(self, late: Mapping[int, str | None], sig: Signal) -> None:
        """Signal processes that appeared after :meth:`signal`, the group again only if one
        of them is in it without the tag."""
        if self.pgid is not None and not all(self._tagged(tag) for tag in late.values()):
            with contextlib.suppress(OSError):
                os.killpg(self.pgid, sig)
        self._signal_tagged(late, sig)

    def _signal_tagged(self, found: Mapping[int, str | None], sig: Signal) -> None:
        for pid, tag in found.items():
            if self._tagged(tag):
                _signal_if_tagged(pid, sig, matches=self.tag_matches)


def _signal_if_tagged(pid: int, sig: signal.Signals, *, matches: Callable[[str], bool]) -> None:
    """Signal ``pid`` only if it still carries a matching tag once pinned by a pidfd."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        return  # gone since the scan
    try:
        # The pidfd pins the process, so a tag read now cannot belong to a reused pid.
        tag = _read_tag(pid)
        if tag is not None and matches(tag):
            signal.pidfd_send_signal(fd, sig)
    except OSError:
        pass  # exited between the check and the signal
    finally:
        os.close(fd)


class ProcessSupervisor:
    """Spawns, watches, adopts and kills tagged process groups on this machine."""

    def __init__(self) -> None:
        self._children: dict[tuple[int, int], tuple[ProcessHandle, subprocess.Popen[bytes]]] = {}
        self._exit_codes: dict[tuple[int, int], int] = {}

    def spawn(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
        tag: str,
    ) -> ProcessHandle:
        """Start ``argv`` in a new session with ``env`` plus the tag, output appended to a log."""
        if not argv or not tag:
            raise ValueError("spawn needs a non-empty argv and tag")
        log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Never through a link: the log's directory may belong to the node's tenant.
            flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
            with open(os.open(log_path, flags, 0o600), "ab") as out:
                proc = subprocess.Popen(
                    list(argv),
                    env={**env, TAG_ENV: tag, **_KEEP_ENVIRON},
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        except OSError as e:
            raise PlatformUnavailable(f"cannot start {argv[0]}: {e}") from e
        return self._track(proc, argv=argv, tag=tag)

    def _track(
        self, proc: subprocess.Popen[bytes], *, argv: Sequence[str], tag: str
    ) -> ProcessHandle:
        # Popen returns only after exec, and an unreaped child keeps its /proc
        # entry, so stat is readable; cmdline is empty if it already exited.
        stat = _read_stat(proc.pid)
        start_ticks = stat.start_ticks if stat is not None else 0
        cmdline = _read_cmdline(proc.pid) or tuple(argv)
        handle = ProcessHandle(
            pid=proc.pid, pgid=proc.pid, start_ticks=start_ticks, cmdline=cmdline, tag=tag
        )
        self._children[_key(handle)] = (handle, proc)
        return handle

    def is_alive(self, handle: ProcessHandle) -> bool:
        """True while the handle's process runs and is still the same process."""
        self._reap()
        if _key(handle) in self._exit_codes:
            return False
        if _key(handle) in self._children:
            # Our own unreaped child: its pid cannot be reused, and a shell that execs its last
            # command (`bash -c "…; ray start …"`, KubeRay's own pattern) changes the cmdline
            # of the very same process, so the cmdline is no sign of another one.
            stat = _read_stat(handle.pid)
            return stat is not None and stat.running and stat.start_ticks == handle.start_ticks
        return _is_same_process(handle)

    def exit_code(self, handle: ProcessHandle) -> int | None:
        """Exit status of one of our own children once it ended (negative: signal); else None."""
        self._reap()
        return self._exit_codes.get(_key(handle))

    def adopt(self, handle: ProcessHandle) -> bool:
        """True if the recorded process still runs unchanged (pid, start, cmdline, tag)."""
        return _is_same_process(handle) and _read_tag(handle.pid) == handle.tag

    def tagged_pids(self, tag_prefix: str) -> list[int]:
        """Running processes whose TAG_ENV starts with ``tag_prefix``."""
        return sorted(self.tags(tag_prefix))

    def tags(self, tag_prefix: str) -> dict[int, str]:
        """Running processes whose TAG_ENV starts with ``tag_prefix``, mapped to their tag."""
        target = _Target(tag_matches=lambda tag: tag.startswith(tag_prefix), pgid=None)
        return {pid: tag for pid, tag in target.scan().items() if tag is not None}

    async def terminate(self, handle: ProcessHandle, *, grace: float) -> None:
        """Stop the handle's group and every process tagged exactly ``handle.tag``."""
        self._reap()
        target = _Target(tag_matches=lambda tag: tag == handle.tag, pgid=self._owned_group(handle))
        await self._terminate(target, grace=grace)

    async def terminate_tagged(self, tag_prefix: str, *, grace: float) -> list[int]:
        """Stop every process whose tag starts with ``tag_prefix``; returns the pids signalled."""
        if not tag_prefix:
            # An empty prefix would kill every raydeck on the machine, not just ours.
            raise ValueError("terminate_tagged needs a non-empty tag prefix")
        self._reap()
        target = _Target(tag_matches=lambda tag: tag.startswith(tag_prefix), pgid=None)
        return sorted(await self._terminate(target, grace=grace))

    async def _terminate(self, target: _Target, *, grace: float) -> set[int]:
        signalled: set[int] = set()
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, _KILL_WAIT)):
            found = target.scan()
            if found:
                target.signal(found, sig)
                signalled.update(found)
            if await self._wait_until_gone(target, seconds=wait, sig=sig, signalled=signalled):
                await self._sweep_late_forks(target, signalled)
                return signalled
        log.warning("processes survived SIGKILL for %.0fs: %s", _KILL_WAIT, sorted(target.scan()))
        return signalled

    async def _sweep_late_forks(self, target: _Target, signalled: set[int]) -> None:
        """Look again after a moment: a raylet killed while forking an agent leaves a child that
        appears only after the last scan, and nobody would stop it."""
        deadline = time.monotonic() + _SWEEP_LIMIT
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < _QUIET_INTERVAL:
            await asyncio.sleep(_POLL_STEP)
            late = target.scan()
            if not late:
                continue
            if time.monotonic() >= deadline:
                log.warning("processes kept appearing for %.0fs: %s", _SWEEP_LIMIT, sorted(late))
                return
            target.signal(late, signal.SIGKILL)
            signalled.update(late)
            await self._wait_until_gone(target, seconds=_KILL_WAIT)
            quiet_since = time.monotonic()

    async def _wait_until_gone(
        self,
        target: _Target,
        *,
        seconds: float,
        sig: signal.Signals | None = None,
        signalled: set[int] | None = None,
    ) -> bool:
        """True once the target is gone within ``seconds``; processes that appear meanwhile
        get ``sig`` too (a raylet told to stop may just have forked its agents, which would
        otherwise wait out the whole grace before SIGKILL)."""
        deadline = time.monotonic() + seconds
        while True:
            # Reap after the scan, so that a child the scan saw as a zombie is
            # collected before we call it gone.
            remaining = target.scan()
            self._reap()
            if sig is not None and signalled is not None:
                late = {pid: tag for pid, tag in remaining.items() if pid not in signalled}
                if late:
                    target.signal_late(late, sig)
                    signalled.update(late)
            if not remaining and not self._unreaped_children(target):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(_POLL_STEP)

    def _unreaped_children(self, target: _Target) -> bool:
        # Our exited children count until reaped, so terminate never returns
        # with one of them left behind as a zombie.
        return any(
            handle.pgid == target.pgid or target.tag_matches(handle.tag)
            for handle, _ in self._children.values()
        )

    def _owned_group(self, handle: ProcessHandle) -> int | None:
        """The handle's pgid if that group still holds a process with the handle's tag."""
        # A group id is free for reuse once its last member is gone, so only a
        # tagged member proves that signalling the group reaches our processes.
        if handle.pgid <= 1 or handle.pgid == os.getpgrp():
            return None
        for pid in _pids():
            stat = _read_stat(pid)
            in_group = stat is not None and stat.running and stat.pgid == handle.pgid
            if in_group and _read_tag(pid) == handle.tag:
                return handle.pgid
        return None

    def _reap(self) -> None:
        """Collect exit codes of our children so none lingers as a zombie."""
        for key, (_, proc) in list(self._children.items()):
            code = proc.poll()
            if code is not None:
                self._exit_codes[key] = code
                del self._children[key]


def _key(handle: ProcessHandle) -> tuple[int, int]:
    return handle.pid, handle.start_ticks


def _is_same_process(handle: ProcessHandle) -> bool:
    stat = _read_stat(handle.pid)
    if stat is None or not stat.running or stat.start_ticks != handle.start_ticks:
        return False
    return _read_cmdline(handle.pid) == handle.cmdline
