"""The walls of a node's sandbox: what ``sandbox.isolation`` decides and the bwrap argv it gives.

The argument tests are pure; the last ones run real bubblewrap (no Ray) to show that the data
directory shows only the node's own directory and the installation cannot be written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from raydeck.platforms.local.sandbox import Shown, isolation, run_as_prefix
from raydeck.platforms.local.volumes import Bind, bwrap_available, sandboxed

DATA = Path("/srv/rd")
NODE = DATA / "n" / "ab12"
BIN = DATA / "bin"
VENV = Path("/opt/app/.venv")
PYTHON = Path("/root/.pyenv/versions/3.11.7")


def walls(**overrides: object) -> object:
    arguments: dict[str, object] = {
        "data_dir": DATA,
        "node_dir": NODE,
        "bin_dir": BIN,
        "installation": [VENV, PYTHON],
        "traversable": lambda path: path != Path("/root"),
    }
    return isolation(**(arguments | overrides))  # type: ignore[arg-type]


def option_triples(argv: list[str], flag: str) -> list[tuple[str, str]]:
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == flag]


def test_the_data_directory_and_closed_homes_are_hidden_and_the_node_sees_only_its_own_dir() -> (
    None
):
    decided = isolation(
        data_dir=DATA,
        node_dir=NODE,
        bin_dir=BIN,
        installation=[VENV, PYTHON],
        traversable=lambda path: path != Path("/root"),
    )
    assert decided.hidden == (Path("/root"), DATA)
    assert Shown(NODE, writable=True) in decided.shown
    assert {s.path for s in decided.shown if not s.writable} == {BIN, VENV, PYTHON}


def test_the_sandbox_argv_hides_shows_read_only_and_gives_the_node_its_own_pids() -> None:
    decided = isolation(
        data_dir=DATA,
        node_dir=NODE,
        bin_dir=BIN,
        installation=[VENV, PYTHON],
        traversable=lambda path: path != Path("/root"),
    )
    argv = sandboxed(["ray", "start"], binds=[], cwd=NODE, bwrap="/x/bwrap", isolation=decided)

    assert argv[:4] == ["/x/bwrap", "--dev-bind", "/", "/"]
    assert argv[4:7] == ["--unshare-pid", "--proc", "/proc"]
    tmpfs = [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]
    assert tmpfs == ["/root", str(DATA)]
    assert option_triples(argv, "--bind") == [(str(NODE), str(NODE))]
    read_only = option_triples(argv, "--ro-bind")
    assert {src for src, _ in read_only} == {str(BIN), str(VENV), str(PYTHON)}
    # The tmpfs comes before what is shown inside it, or it would cover it again.
    assert argv.index(str(DATA)) < argv.index("--bind")
    assert argv[-3:] == ["--", "ray", "start"]


def test_the_node_runs_as_the_tenant_without_any_way_back_to_root() -> None:
    argv = sandboxed(["ray"], binds=[], cwd=NODE, isolation=walls(run_as=(1900000001, 1900000001)))
    prefix = run_as_prefix((1900000001, 1900000001))
    assert argv[-len(prefix) - 1 : -1] == prefix
    assert "--reuid=1900000001" in prefix and "--clear-groups" in prefix
    assert "--no-new-privs" in prefix


def test_a_volume_mounted_inside_a_hidden_directory_never_reexposes_the_host_there() -> None:
    mount = Bind(source=NODE / "volumes" / "cfg", target="/root/config", read_only=True)
    argv = sandboxed(["ray"], binds=[mount], cwd=NODE, isolation=walls())

    assert ("/root/config" in argv) and argv.count("--tmpfs") == 2
    rebinds = [argv[i + 1] for i, a in enumerate(argv) if a.endswith("-try")]
    assert not [path for path in rebinds if path.startswith("/root/")]


# ---------------------------------------------------------------------------------------------
# real bubblewrap

PROBE = r"""
import json, os, sys
data, node, venv_file = sys.argv[1:4]
def tried(action):
    try:
        action()
        return "done"
    except OSError as e:
        return type(e).__name__
out = {
    "data": sorted(os.listdir(data)),
    "nodes": tried(lambda: os.listdir(os.path.join(data, "n"))),
    "db": tried(lambda: open(os.path.join(data, "raydeck.db")).close()),
    "other": tried(lambda: os.listdir(os.path.join(data, "n", "other"))),
    "own": tried(lambda: open(os.path.join(node, "mine.txt"), "w").close()),
    "venv": tried(lambda: os.close(os.open(venv_file, os.O_WRONLY | os.O_APPEND))),
    "pids": len([p for p in os.listdir("/proc") if p.isdigit()]) < 10,
}
print(json.dumps(out))
"""


@pytest.fixture
def bwrap() -> str:
    if not bwrap_available():
        pytest.fail("bubblewrap (/usr/bin/bwrap) is missing or cannot create a sandbox here")
    return "/usr/bin/bwrap"


def test_in_real_bubblewrap_the_node_sees_its_own_directory_and_nothing_else_of_raydecks(
    tmp_path: Path, bwrap: str
) -> None:
    data, venv = tmp_path / "rd", tmp_path / "venv"
    node, other = data / "n" / "mine", data / "n" / "other"
    for directory in (node, other, data / "bin", venv):
        directory.mkdir(parents=True)
    (data / "raydeck.db").write_text("secret")
    (venv / "python.txt").write_text("installed")
    installation = [venv, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    decided = isolation(
        data_dir=data, node_dir=node, bin_dir=data / "bin", installation=installation
    )
    argv = sandboxed(
        [sys.executable, "-c", PROBE, str(data), str(node), str(venv / "python.txt")],
        binds=[],
        cwd=node,
        bwrap=bwrap,
        isolation=decided,
    )
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)

    assert seen["data"] == ["bin", "n"] and seen["db"] == "FileNotFoundError"
    assert seen["other"] == "FileNotFoundError" and seen["own"] == "done"
    assert seen["venv"] == "OSError" and seen["pids"] is True
    assert (node / "mine.txt").exists() and (data / "raydeck.db").read_text() == "secret"


def test_in_real_bubblewrap_the_tenant_user_cannot_leave_its_directory(
    tmp_path: Path, bwrap: str
) -> None:
    if os.geteuid() != 0:
        pytest.fail("needs root, as raydeck has in CI, to run the node as another user")
    data = tmp_path / "rd"
    node = data / "n" / "mine"
    node.mkdir(parents=True)
    (data / "bin").mkdir()
    os.chown(node, 65534, 65534)
    node.chmod(0o700)
    installation = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    decided = isolation(
        data_dir=data,
        node_dir=node,
        bin_dir=data / "bin",
        installation=installation,
        run_as=(65534, 65534),
    )
    script = "import os; open('mine.txt', 'w').close(); print(os.getuid(), os.getgroups())"
    argv = sandboxed(
        [sys.executable, "-c", script], binds=[], cwd=node, bwrap=bwrap, isolation=decided
    )
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["65534", "[]"]
    assert (node / "mine.txt").stat().st_uid == 65534
