"""Tests for the process supervisor, using small Python processes as stand-ins for Ray."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from raydeck.platforms.local.processes import TAG_ENV, ProcessHandle, ProcessSupervisor
from tests.support.waiting import eventually

SLEEPER = "import time; time.sleep(120)"

# Spawns a grandchild that leaves the process group (as Ray workers do) and
# reports its pid through a file, written atomically so a poll never reads half.
LEAVES_GROUP = """
import subprocess, sys, time
code = '''
import os, sys, time
os.setsid()
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
'''
subprocess.Popen([sys.executable, "-c", code, sys.argv[1]])
time.sleep(120)
"""

# As Ray's agents do: a grandchild leaves the group, then retitles itself with Ray's own
# setproctitle, and its parent exits, so only the environment still says whose it is.
RETITLED_ORPHAN = """
import subprocess, sys
code = '''
import os, sys, time
os.setsid()
from ray._raylet import setproctitle
setproctitle("ray::StandInAgent")
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
'''
subprocess.Popen([sys.executable, "-c", code, sys.argv[1]])
"""

# As a raylet told to stop may do: on SIGTERM it starts a process that leaves the group (an
# agent), which records how it ended; the parent itself stays until SIGKILL.
FORKS_ON_SIGTERM = """
import signal, subprocess, sys, time
code = r'''
import os, signal, sys, time
os.setsid()
def ended(signum, frame):
    open(sys.argv[1] + ".ended", "w").write("SIGTERM")
    sys.exit(0)
signal.signal(signal.SIGTERM, ended)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
'''
def late_fork(signum, frame):
    # The late process leaves the group (setsid above): only the supervisor's sweep reaches it.
    # Its exit status tells SIGTERM (handled: 0, or before its handler was set: -15) from SIGKILL.
    late = subprocess.Popen([sys.executable, "-c", code, sys.argv[1]])
    status = late.wait()
    open(sys.argv[1] + ".status", "w").write(str(status))
    sys.exit(0)
signal.signal(signal.SIGTERM, late_fork)
print("ready", flush=True)
time.sleep(120)
"""
IGNORES_SIGTERM = """
import signal, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("ready", flush=True)
time.sleep(120)
"""


# The main thread exits first, as threaded processes briefly do while exiting.
MAIN_THREAD_EXITS_FIRST = """
import ctypes, threading, time
threading.Thread(target=time.sleep, args=(120,)).start()
ctypes.CDLL(None).pthread_exit(None)
"""


def _spawn(
    supervisor: ProcessSupervisor,
    code: str,
    *,
    tag: str,
    tmp_path: Path,
    args: tuple[str, ...] = (),
) -> ProcessHandle:
    return supervisor.spawn(
        [sys.executable, "-c", code, *args],
        env=dict(os.environ),
        cwd=tmp_path,
        log_path=tmp_path / "logs" / f"{tag}.log",
        tag=tag,
    )


def _state(pid: int) -> str | None:
    """The state letter of ``pid``'s main thread, None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def _running(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    return _state(pid) not in (None, "Z")


def _is_unreaped_child(pid: int) -> bool:
    """True if ``pid`` is still a child of this process that nobody has waited for."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return False
    return True


async def _until(condition: Callable[[], bool], *, what: str, within: float = 10.0) -> None:
    async def probe() -> bool:
        return condition()

    await eventually(probe, timeout=within, interval=0.02, what=what)


async def test_terminate_kills_the_group_and_a_grandchild_that_left_it(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    pid_file = tmp_path / "grandchild.pid"
    node = _spawn(
        supervisor, LEAVES_GROUP, tag=f"{tag_prefix}node", tmp_path=tmp_path, args=(str(pid_file),)
    )
    # The bystander's tag starts with the node's tag: only an exact match may be killed.
    bystander = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}node-bystander", tmp_path=tmp_path)
    await _until(pid_file.exists, what="the grandchild to report its pid")
    grandchild = int(pid_file.read_text())
    assert os.getpgid(grandchild) != node.pgid

    await supervisor.terminate(node, grace=5.0)

    assert not _running(node.pid)
    assert not _running(grandchild)
    assert supervisor.is_alive(bystander)
    assert supervisor.tagged_pids(f"{tag_prefix}node") == [bystander.pid]


async def test_a_retitled_orphan_keeps_its_tag_and_is_stopped_with_its_node(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    pid_file = tmp_path / "agent.pid"
    tag = f"{tag_prefix}retitled"
    node = _spawn(supervisor, RETITLED_ORPHAN, tag=tag, tmp_path=tmp_path, args=(str(pid_file),))
    await _until(pid_file.exists, what="the stand-in agent to report its pid", within=30)
    agent = int(pid_file.read_text())
    try:
        await _until(lambda: not supervisor.is_alive(node), what="the node's own process to end")
        assert Path(f"/proc/{agent}/cmdline").read_bytes().startswith(b"ray::StandInAgent")
        assert supervisor.tags(tag_prefix) == {agent: tag}

        await supervisor.terminate(node, grace=1.0)

        assert not _running(agent)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(agent, signal.SIGKILL)  # a failed check must not leave the stand-in behind


async def test_a_process_that_appears_after_sigterm_gets_sigterm_too_not_only_sigkill(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    tag = f"{tag_prefix}late"
    pid_file = tmp_path / "late.pid"
    node = _spawn(supervisor, FORKS_ON_SIGTERM, tag=tag, tmp_path=tmp_path, args=(str(pid_file),))
    log_path = tmp_path / "logs" / f"{tag}.log"
    await _until(lambda: "ready" in log_path.read_text(), what="the SIGTERM handler", within=30)
    try:
        await supervisor.terminate(node, grace=15.0)
        # The late process was not there when SIGTERM went out, yet it heard SIGTERM, not SIGKILL.
        assert (tmp_path / "late.pid.status").read_text() in {"0", str(-signal.SIGTERM)}
        assert supervisor.tagged_pids(tag) == []
    finally:
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid_file.read_text()), signal.SIGKILL)


async def test_terminate_sigkills_a_process_that_ignores_sigterm_after_the_grace(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    tag = f"{tag_prefix}stubborn"
    handle = _spawn(supervisor, IGNORES_SIGTERM, tag=tag, tmp_path=tmp_path)
    log_path = tmp_path / "logs" / f"{tag}.log"
    await _until(lambda: "ready" in log_path.read_text(), what="the SIGTERM handler")

    started = time.monotonic()
    await supervisor.terminate(handle, grace=0.5)

    assert time.monotonic() - started >= 0.5
    assert not supervisor.is_alive(handle)
    assert supervisor.exit_code(handle) == -signal.SIGKILL


async def test_is_alive_turns_false_on_exit_and_the_child_is_reaped(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    handle = _spawn(supervisor, "raise SystemExit(3)", tag=f"{tag_prefix}short", tmp_path=tmp_path)

    await _until(lambda: not supervisor.is_alive(handle), what="the process to exit")
    # An exiting process leaves /proc (cmdline empty) a moment before the kernel lets it be
    # reaped, so the exit code can trail is_alive by that moment.
    await _until(lambda: supervisor.exit_code(handle) is not None, what="the exit code")

    assert supervisor.exit_code(handle) == 3
    assert not _is_unreaped_child(handle.pid)


async def test_exit_code_is_none_while_the_process_runs(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    handle = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}runs", tmp_path=tmp_path)

    assert supervisor.is_alive(handle)
    assert supervisor.exit_code(handle) is None


async def test_a_process_whose_main_thread_exited_is_alive_until_its_last_thread_ends(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    tag = f"{tag_prefix}threads"
    handle = _spawn(supervisor, MAIN_THREAD_EXITS_FIRST, tag=tag, tmp_path=tmp_path)
    await _until(lambda: _state(handle.pid) == "Z", what="the main thread to exit")

    assert supervisor.is_alive(handle)
    assert supervisor.adopt(handle)
    assert supervisor.tagged_pids(tag) == [handle.pid]

    await supervisor.terminate(handle, grace=5.0)

    assert supervisor.exit_code(handle) == -signal.SIGTERM
    assert not _is_unreaped_child(handle.pid)


async def test_spawn_records_identity_and_passes_the_tag_in_the_environment(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    tag = f"{tag_prefix}env"
    code = f"import os; print(os.environ[{TAG_ENV!r}], os.getpgid(0) == os.getpid())"
    handle = _spawn(supervisor, code, tag=tag, tmp_path=tmp_path)
    await _until(lambda: supervisor.exit_code(handle) is not None, what="the process to exit")

    assert (tmp_path / "logs" / f"{tag}.log").read_text() == f"{tag} True\n"
    assert handle.pgid == handle.pid
    assert handle.cmdline == (sys.executable, "-c", code)
    assert handle.tag == tag


async def test_adopt_accepts_the_recorded_process_and_rejects_a_different_one(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    handle = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}adopted", tmp_path=tmp_path)
    restarted = ProcessSupervisor()
    recorded = ProcessHandle.from_record(json.loads(json.dumps(handle.to_record())))

    assert restarted.adopt(recorded)
    assert not restarted.adopt(replace(recorded, start_ticks=recorded.start_ticks + 1))
    assert not restarted.adopt(replace(recorded, cmdline=(*recorded.cmdline, "--other")))
    assert not restarted.adopt(replace(recorded, tag=f"{tag_prefix}someone-else"))
    assert restarted.exit_code(recorded) is None  # adopted processes are not its children


async def test_an_adopting_supervisor_can_terminate_the_adopted_process(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    handle = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}adopted", tmp_path=tmp_path)
    restarted = ProcessSupervisor()
    assert restarted.adopt(handle)

    await restarted.terminate(handle, grace=5.0)

    assert not restarted.is_alive(handle)
    assert not supervisor.is_alive(handle)  # reaps the zombie the original parent holds
    assert not restarted.adopt(handle)


async def test_terminate_is_idempotent_for_a_process_that_is_already_gone(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    handle = _spawn(supervisor, "pass", tag=f"{tag_prefix}gone", tmp_path=tmp_path)
    await _until(lambda: not supervisor.is_alive(handle), what="the process to exit")

    await supervisor.terminate(handle, grace=1.0)
    await supervisor.terminate(handle, grace=1.0)

    assert supervisor.exit_code(handle) == 0


async def test_terminate_leaves_a_foreign_group_alone_when_the_tag_does_not_match(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    other = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}other", tmp_path=tmp_path)
    # A stale record whose pgid now belongs to someone else's group (pgid reuse).
    stale = ProcessHandle(
        pid=other.pid, pgid=other.pgid, start_ticks=0, cmdline=("gone",), tag=f"{tag_prefix}old"
    )

    await supervisor.terminate(stale, grace=0.2)

    assert supervisor.is_alive(other)


async def test_terminate_tagged_kills_every_process_under_the_prefix_only(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    first = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}leftover-a", tmp_path=tmp_path)
    second = _spawn(supervisor, IGNORES_SIGTERM, tag=f"{tag_prefix}leftover-b", tmp_path=tmp_path)
    keeper = _spawn(supervisor, SLEEPER, tag=f"{tag_prefix}keeper", tmp_path=tmp_path)

    killed = await supervisor.terminate_tagged(f"{tag_prefix}leftover-", grace=0.5)

    assert killed == sorted([first.pid, second.pid])
    assert supervisor.tagged_pids(f"{tag_prefix}leftover-") == []
    assert supervisor.tagged_pids(tag_prefix) == [keeper.pid]


async def test_terminate_tagged_refuses_an_empty_prefix(supervisor: ProcessSupervisor) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        await supervisor.terminate_tagged("", grace=0.1)


def test_a_handle_survives_a_round_trip_through_its_json_record() -> None:
    handle = ProcessHandle(
        pid=1234, pgid=1234, start_ticks=987654, cmdline=("ray", "start", "--head"), tag="t-1"
    )

    assert ProcessHandle.from_record(json.loads(json.dumps(handle.to_record()))) == handle


@pytest.mark.parametrize(
    "broken",
    [
        {"pgid": 1, "start_ticks": 1, "cmdline": [], "tag": "t"},
        {"pid": True, "pgid": 1, "start_ticks": 1, "cmdline": [], "tag": "t"},
        {"pid": 1, "pgid": 1, "start_ticks": 1, "cmdline": "ray start", "tag": "t"},
        {"pid": 1, "pgid": 1, "start_ticks": 1, "cmdline": [], "tag": None},
    ],
)
def test_from_record_rejects_a_malformed_record(broken: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="process record"):
        ProcessHandle.from_record(broken)


async def test_a_shell_that_execs_its_last_command_is_still_the_same_live_process(
    supervisor: ProcessSupervisor, tag_prefix: str, tmp_path: Path
) -> None:
    # KubeRay's pattern `bash -c "…; $KUBERAY_GEN_RAY_START_CMD"`: bash execs, the cmdline changes.
    marker = tmp_path / "exec-done"
    handle = supervisor.spawn(
        ["bash", "-c", f"touch {marker}; exec {sys.executable} -c 'import time; time.sleep(120)'"],
        env={"PATH": os.environ["PATH"]},
        cwd=tmp_path,
        log_path=tmp_path / "exec.log",
        tag=f"{tag_prefix}execs",
    )

    async def replaced() -> bool:
        cmdline = Path(f"/proc/{handle.pid}/cmdline").read_bytes()
        return marker.exists() and cmdline.startswith(sys.executable.encode())

    await eventually(replaced, timeout=30, interval=0.05, what="bash to exec python")
    assert supervisor.is_alive(handle)
    assert supervisor.exit_code(handle) is None
