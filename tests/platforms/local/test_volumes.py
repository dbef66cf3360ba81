"""Tests for pod volumes on the local platform: files written by materialize, real bubblewrap.

The sandbox tests run small Python programs through the real /usr/bin/bwrap and fail (never
skip) when it is missing. Every process is started in its own session and its group is
killed in teardown, also when a test fails.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from raydeck.platforms.local.sources import PodSources
from raydeck.platforms.local.volumes import (
    Bind,
    VolumeError,
    bwrap_available,
    materialize,
    sandboxed,
)
from tests.support.waiting import eventually_sync

PREFIX = "spec.rayClusterSpec.headGroupSpec.template.spec"
MOUNTS = f"{PREFIX}.containers[0].volumeMounts"
SAMPLE_DIR = Path("/home/ray/samples")
SAMPLE_CODE = "import ray\nray.init()\nprint('sample')\n"
# The ConfigMap volume of KubeRay's ray-job.sample.yaml.
CODE_VOLUME: dict[str, Any] = {
    "name": "code-sample",
    "configMap": {
        "name": "ray-job-code-sample",
        "items": [{"key": "sample_code.py", "path": "sample_code.py"}],
        "defaultMode": 420,
    },
}
CONFIGMAPS = {"ray-job-code-sample": {"sample_code.py": SAMPLE_CODE, "other.txt": "x"}}
DEADLINE = 30.0

Spawn = Callable[[Sequence[str], Path], "subprocess.Popen[str]"]


def _materialize(
    tmp_path: Path,
    volumes: Sequence[Mapping[str, Any]],
    mounts: Sequence[Mapping[str, Any]],
    configmaps: Mapping[str, Mapping[str, str]] = CONFIGMAPS,
) -> list[Bind]:
    return materialize(
        volumes=volumes,
        mounts=mounts,
        pod_dir=tmp_path / "pod",
        sources=PodSources(configmaps=configmaps),
        path_prefix=PREFIX,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# ---------------------------------------------------------------------------------------------
# materialize


def test_configmap_items_are_written_at_their_paths_with_the_default_mode(tmp_path: Path) -> None:
    binds = _materialize(tmp_path, [CODE_VOLUME], [{"name": "code-sample", "mountPath": "/s"}])

    volume = tmp_path / "pod" / "volumes" / "code-sample"
    assert binds == [Bind(source=volume, target="/s", read_only=True)]
    assert sorted(p.name for p in volume.iterdir()) == ["sample_code.py"]
    assert (volume / "sample_code.py").read_text() == SAMPLE_CODE
    assert _mode(volume / "sample_code.py") == 0o644


def test_configmap_without_items_writes_every_key_and_items_may_set_their_own_mode(
    tmp_path: Path,
) -> None:
    volumes = [
        {"name": "all", "configMap": {"name": "ray-job-code-sample", "defaultMode": 0o600}},
        {
            "name": "some",
            "configMap": {
                "name": "ray-job-code-sample",
                "items": [{"key": "sample_code.py", "path": "bin/run.py", "mode": 0o755}],
            },
        },
    ]
    mounts = [{"name": "all", "mountPath": "/all"}, {"name": "some", "mountPath": "/some"}]

    _materialize(tmp_path, volumes, mounts)

    volumes_dir = tmp_path / "pod" / "volumes"
    assert sorted(p.name for p in (volumes_dir / "all").iterdir()) == [
        "other.txt",
        "sample_code.py",
    ]
    assert _mode(volumes_dir / "all" / "other.txt") == 0o600
    assert (volumes_dir / "some" / "bin" / "run.py").read_text() == SAMPLE_CODE
    assert _mode(volumes_dir / "some" / "bin" / "run.py") == 0o755


def test_secret_volumes_are_written_as_configmap_volumes_are_bytes_and_read_only(
    tmp_path: Path,
) -> None:
    secrets = {"db": {"password": b"s3cr3t", "cert.der": b"\x00\xff", "user": b"ray"}}
    volumes = [
        {"name": "all", "secret": {"secretName": "db", "defaultMode": 0o400}},
        {
            "name": "some",
            "secret": {"secretName": "db", "items": [{"key": "password", "path": "pw/file"}]},
        },
    ]
    mounts = [
        {"name": "all", "mountPath": "/etc/creds", "readOnly": False},
        {"name": "some", "mountPath": "/etc/pw"},
    ]
    binds = materialize(
        volumes=volumes,
        mounts=mounts,
        pod_dir=tmp_path / "pod",
        sources=PodSources(secrets=secrets),
        path_prefix=PREFIX,
    )
    volumes_dir = tmp_path / "pod" / "volumes"
    assert all(b.read_only for b in binds), "secret volumes are read-only whatever readOnly says"
    assert sorted(p.name for p in (volumes_dir / "all").iterdir()) == [
        "cert.der",
        "password",
        "user",
    ]
    assert (volumes_dir / "all" / "cert.der").read_bytes() == b"\x00\xff"
    assert _mode(volumes_dir / "all" / "password") == 0o400
    assert (volumes_dir / "some" / "pw" / "file").read_bytes() == b"s3cr3t"
    assert _mode(volumes_dir / "some" / "pw" / "file") == 0o644


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ([{"key": "password", "path": "../../escape"}], "items[0].path"),
        ([{"key": "password", "path": "/etc/passwd"}], "items[0].path"),
        ([{"key": "password", "path": "a/../../b"}], "items[0].path"),
        ([{"key": "nope", "path": "x"}], "items[0].key"),
    ],
)
def test_secret_items_cannot_leave_their_volume_or_name_what_is_absent(
    tmp_path: Path, items: list[dict[str, Any]], field: str
) -> None:
    volumes = [{"name": "v", "secret": {"secretName": "db", "items": items}}]
    with pytest.raises(VolumeError) as caught:
        materialize(
            volumes=volumes,
            mounts=[MOUNT_V],
            pod_dir=tmp_path / "pod",
            sources=PodSources(secrets={"db": {"password": b"s3cr3t"}}),
            path_prefix=PREFIX,
        )
    assert caught.value.path == f"{PREFIX}.volumes[0].secret.{field}"
    assert "s3cr3t" not in str(caught.value)
    assert not any(tmp_path.rglob("escape")) and not (tmp_path / "b").exists()


def test_a_secret_volume_never_follows_a_link_left_in_its_place(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    volume = tmp_path / "pod" / "volumes" / "v"
    volume.parent.mkdir(parents=True)
    volume.symlink_to(outside)
    with pytest.raises(OSError, match="symbolic link"):
        materialize(
            volumes=[{"name": "v", "secret": {"secretName": "db"}}],
            mounts=[MOUNT_V],
            pod_dir=tmp_path / "pod",
            sources=PodSources(secrets={"db": {"password": b"s3cr3t"}}),
            path_prefix=PREFIX,
        )
    assert list(outside.iterdir()) == [], "nothing was written through the link"


def test_rematerializing_a_configmap_volume_drops_keys_the_configmap_no_longer_has(
    tmp_path: Path,
) -> None:
    volumes = [{"name": "all", "configMap": {"name": "cm"}}]
    mounts = [{"name": "all", "mountPath": "/all"}]
    _materialize(tmp_path, volumes, mounts, {"cm": {"old": "1", "kept": "1"}})

    _materialize(tmp_path, volumes, mounts, {"cm": {"kept": "2"}})

    volume = tmp_path / "pod" / "volumes" / "all"
    assert [p.name for p in volume.iterdir()] == ["kept"]
    assert (volume / "kept").read_text() == "2"


def test_an_optional_configmap_that_does_not_exist_gives_an_empty_volume(tmp_path: Path) -> None:
    volumes = [
        {
            "name": "opt",
            "configMap": {"name": "absent", "optional": True, "items": [{"key": "k", "path": "k"}]},
        }
    ]

    binds = _materialize(tmp_path, volumes, [{"name": "opt", "mountPath": "/opt/x"}])

    assert list(binds[0].source.iterdir()) == []


def test_empty_dir_is_an_empty_writable_directory_kept_across_materializations(
    tmp_path: Path,
) -> None:
    volumes = [{"name": "scratch", "emptyDir": {}}]
    mounts = [{"name": "scratch", "mountPath": "/scratch/"}]

    first = _materialize(tmp_path, volumes, mounts)
    (first[0].source / "state").write_text("kept")
    again = _materialize(tmp_path, volumes, mounts)

    assert first == [
        Bind(source=tmp_path / "pod/volumes/scratch", target="/scratch", read_only=False)
    ]
    assert again == first
    assert (again[0].source / "state").read_text() == "kept"


def test_sub_paths_mount_one_file_or_directory_of_the_volume_in_mount_order(
    tmp_path: Path,
) -> None:
    volumes = [CODE_VOLUME, {"name": "scratch", "emptyDir": None}]
    mounts: list[dict[str, Any]] = [
        {"name": "scratch", "mountPath": "/data/logs", "subPath": "logs/ray"},
        {"name": "code-sample", "mountPath": "/app/main.py", "subPath": "sample_code.py"},
        {"name": "scratch", "mountPath": "/data/all", "readOnly": True},
    ]

    binds = _materialize(tmp_path, volumes, mounts)

    volumes_dir = tmp_path / "pod" / "volumes"
    assert binds == [
        Bind(source=volumes_dir / "scratch/logs/ray", target="/data/logs", read_only=False),
        Bind(
            source=volumes_dir / "code-sample/sample_code.py", target="/app/main.py", read_only=True
        ),
        Bind(source=volumes_dir / "scratch", target="/data/all", read_only=True),
    ]
    assert (volumes_dir / "scratch" / "logs" / "ray").is_dir()


def test_volumes_no_mount_uses_are_not_checked_because_they_belong_to_sidecars(
    tmp_path: Path,
) -> None:
    volumes = [{"name": "varlog", "hostPath": {"path": "/var/log"}}, CODE_VOLUME]

    binds = _materialize(tmp_path, volumes, [{"name": "code-sample", "mountPath": "/code"}])

    assert [b.target for b in binds] == ["/code"]
    assert not (tmp_path / "pod" / "volumes" / "varlog").exists()


def _cm(**spec: Any) -> dict[str, Any]:
    return {"name": "v", "configMap": {"name": "ray-job-code-sample", **spec}}


MOUNT_V = {"name": "v", "mountPath": "/v"}
ERROR_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], str]] = [
    (
        "hostPath",
        [{"name": "v", "hostPath": {"path": "/var/log"}}],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].hostPath: hostPath volumes are not supported; "
        "the local platform supports configMap, secret and emptyDir volumes",
    ),
    (
        "persistentVolumeClaim",
        [CODE_VOLUME, {"name": "v", "persistentVolumeClaim": {"claimName": "c"}}],
        [MOUNT_V],
        f"{PREFIX}.volumes[1].persistentVolumeClaim: persistentVolumeClaim volumes are not",
    ),
    (
        "missing-secret",
        [{"name": "v", "secret": {"secretName": "s"}}],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].secret.secretName: secret 's' not found",
    ),
    (
        "no-source",
        [{"name": "v"}],
        [MOUNT_V],
        f"{PREFIX}.volumes[0]: declares no volume source",
    ),
    (
        "missing-volume",
        [CODE_VOLUME],
        [{"name": "code-sample", "mountPath": "/a"}, {"name": "nope", "mountPath": "/b"}],
        f"{MOUNTS}[1].name: volume 'nope' not found in {PREFIX}.volumes",
    ),
    (
        "missing-configmap",
        [{"name": "v", "configMap": {"name": "x"}}],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].configMap.name: configmap 'x' not found",
    ),
    (
        "configmap-without-name",
        [{"name": "v", "configMap": {}}],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].configMap.name: required",
    ),
    (
        "missing-key",
        [_cm(items=[{"key": "sample_code.py", "path": "a"}, {"key": "k", "path": "b"}])],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].configMap.items[1].key: key 'k' not found in configmap "
        "'ray-job-code-sample'",
    ),
    (
        "item-path-escapes",
        [_cm(items=[{"key": "sample_code.py", "path": "../../evil"}])],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].configMap.items[0].path: must not contain '..'",
    ),
    (
        "absolute-item-path",
        [_cm(items=[{"key": "sample_code.py", "path": "/etc/evil"}])],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].configMap.items[0].path: must be a relative path",
    ),
    (
        "bad-default-mode",
        [_cm(defaultMode=0o1777)],
        [MOUNT_V],
        f"{PREFIX}.volumes[0].configMap.defaultMode: must be a file mode",
    ),
    (
        "relative-mount-path",
        [CODE_VOLUME],
        [{"name": "code-sample", "mountPath": "home/ray/samples"}],
        f"{MOUNTS}[0].mountPath: must be an absolute path, got 'home/ray/samples'",
    ),
    (
        "mount-path-escapes",
        [CODE_VOLUME],
        [{"name": "code-sample", "mountPath": "/a/../../b"}],
        f"{MOUNTS}[0].mountPath: must not contain '..'",
    ),
    (
        "root-mount-path",
        [CODE_VOLUME],
        [{"name": "code-sample", "mountPath": "/"}],
        f"{MOUNTS}[0].mountPath: must not be /",
    ),
    (
        "duplicate-mount-path",
        [CODE_VOLUME, {"name": "v", "emptyDir": {}}],
        [{"name": "code-sample", "mountPath": "/a"}, {"name": "v", "mountPath": "/a/"}],
        f"{MOUNTS}[1].mountPath: '/a' is mounted more than once",
    ),
    (
        "sub-path-escapes",
        [{"name": "v", "emptyDir": {}}],
        [{**MOUNT_V, "subPath": "../x"}],
        f"{MOUNTS}[0].subPath: must not contain '..'",
    ),
    (
        "sub-path-not-in-configmap",
        [_cm()],
        [{**MOUNT_V, "subPath": "missing.py"}],
        f"{MOUNTS}[0].subPath: 'missing.py' is not in the configMap volume",
    ),
    (
        "sub-path-expr",
        [{"name": "v", "emptyDir": {}}],
        [{**MOUNT_V, "subPathExpr": "$(POD_NAME)"}],
        f"{MOUNTS}[0].subPathExpr: not supported by the local platform",
    ),
    (
        "bad-volume-name",
        [{"name": "../up", "emptyDir": {}}],
        [],
        f"{PREFIX}.volumes[0].name: '../up' is not a valid volume name",
    ),
    (
        "duplicate-volume-name",
        [CODE_VOLUME, CODE_VOLUME],
        [],
        f"{PREFIX}.volumes[1].name: duplicate volume name 'code-sample'",
    ),
]


@pytest.mark.parametrize(
    ("volumes", "mounts", "message"),
    [pytest.param(v, m, msg, id=case) for case, v, m, msg in ERROR_CASES],
)
def test_volumes_the_local_platform_cannot_provide_raise_an_error_naming_the_field(
    tmp_path: Path, volumes: list[dict[str, Any]], mounts: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(VolumeError) as caught:
        _materialize(tmp_path, volumes, mounts)

    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)


# ---------------------------------------------------------------------------------------------
# sandboxed: the command line


def test_without_binds_the_command_is_left_unchanged(tmp_path: Path) -> None:
    assert sandboxed(["ray", "start"], binds=[], cwd=tmp_path) == ["ray", "start"]


def test_the_sandbox_shares_network_pids_and_session_and_does_not_die_with_its_parent(
    tmp_path: Path,
) -> None:
    binds = [Bind(source=tmp_path, target="/home/ray/samples", read_only=True)]

    args = sandboxed(["ray", "start", "--block"], binds=binds, cwd=tmp_path, bwrap="/x/bwrap")

    assert args[:4] == ["/x/bwrap", "--dev-bind", "/", "/"]
    assert args[-6:] == ["--chdir", str(tmp_path), "--", "ray", "start", "--block"]
    forbidden = {"--new-session", "--die-with-parent", "--as-pid-1", "--unshare-all"}
    assert not [a for a in args if a in forbidden or a.startswith("--unshare")]
    assert ["--ro-bind", str(tmp_path), "/home/ray/samples"] == args[
        args.index("--ro-bind") : args.index("--ro-bind") + 3
    ]


def test_a_target_that_exists_on_the_host_is_bound_over_without_a_tmpfs(tmp_path: Path) -> None:
    (tmp_path / "existing").mkdir()
    binds = [Bind(source=tmp_path, target=str(tmp_path / "existing"), read_only=False)]

    args = sandboxed(["true"], binds=binds, cwd=tmp_path)

    assert "--tmpfs" not in args
    assert "--dir" not in args


# ---------------------------------------------------------------------------------------------
# sandboxed: real bubblewrap


@pytest.fixture
def bwrap() -> str:
    if not bwrap_available():
        pytest.fail(
            "bubblewrap (/usr/bin/bwrap) is missing or cannot create a sandbox here: "
            "run `apt-get update && apt-get install -y bubblewrap` as root"
        )
    return "/usr/bin/bwrap"


@pytest.fixture
def spawn() -> Iterator[Spawn]:
    """Starts processes in their own session; teardown kills each process group."""
    started: list[subprocess.Popen[str]] = []

    def start(argv: Sequence[str], cwd: Path) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            # The group outlives bwrap if only bwrap died, so signal it regardless.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)


@pytest.fixture
def no_sample_dir_on_host() -> Iterator[None]:
    assert not SAMPLE_DIR.exists(), f"{SAMPLE_DIR} must not exist on the host for this test"
    yield
    assert not SAMPLE_DIR.exists(), f"the sandbox created {SAMPLE_DIR} on the host"


def _run(spawn: Spawn, argv: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = spawn(argv, cwd)
    out, err = proc.communicate(timeout=DEADLINE)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _wait_for_file(path: Path, proc: subprocess.Popen[str]) -> str:
    def written() -> bool:
        if path.exists():
            return True
        assert proc.poll() is None, f"exited with {proc.returncode}: {proc.communicate()}"
        return False

    eventually_sync(written, timeout=DEADLINE, interval=0.05, what=f"{path} to appear")
    return path.read_text()


def _pod_binds(tmp_path: Path) -> list[Bind]:
    volumes = [CODE_VOLUME, {"name": "scratch", "emptyDir": {}}]
    mounts: list[dict[str, Any]] = [
        {"name": "code-sample", "mountPath": str(SAMPLE_DIR), "readOnly": True},
        {"name": "scratch", "mountPath": "/home/ray/scratch"},
    ]
    return _materialize(tmp_path, volumes, mounts)


PROBE = r"""
import errno, json, os, sys
out = {"code": open("/home/ray/samples/sample_code.py").read()}
with open("/home/ray/scratch/written.txt", "w") as f:
    f.write("from the sandbox")
try:
    open("/home/ray/samples/intruder.py", "w").close()
    out["code_write"] = "allowed"
except OSError as e:
    out["code_write"] = e.errno
with open(os.path.join(sys.argv[1], "host.txt"), "w") as f:
    f.write("host ok")
with open("/dev/null", "w") as f:
    f.write("devices work")
out["cwd"] = os.getcwd()
out["proc"] = os.path.exists(f"/proc/{os.getpid()}/stat")
print(json.dumps(out))
"""


def test_the_sandboxed_program_sees_the_volumes_at_their_mount_paths_and_the_host_elsewhere(
    tmp_path: Path, bwrap: str, spawn: Spawn, no_sample_dir_on_host: None
) -> None:
    host_dir, work = tmp_path / "host", tmp_path / "work"
    host_dir.mkdir()
    work.mkdir()
    argv = sandboxed(
        [sys.executable, "-c", PROBE, str(host_dir)], binds=_pod_binds(tmp_path), cwd=work
    )

    done = _run(spawn, argv, cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"code": SAMPLE_CODE, "code_write": errno.EROFS, "cwd": str(work), "proc": True}
    written = tmp_path / "pod" / "volumes" / "scratch" / "written.txt"
    assert written.read_text() == "from the sandbox"
    assert (host_dir / "host.txt").read_text() == "host ok"
    assert not (tmp_path / "pod" / "volumes" / "code-sample" / "intruder.py").exists()


SHADOW_PROBE = r"""
import json, os, sys
parent, root_dir = sys.argv[1], sys.argv[2]
out = {"code": open(os.path.join(parent, "new/deep/code/sample_code.py")).read()}
out["kept"] = open(os.path.join(parent, "sibling/keep.txt")).read()
out["via_link"] = open(os.path.join(parent, "link/keep.txt")).read()
out["behind_link"] = os.listdir(os.path.join(parent, "sibling/inner"))
with open(os.path.join(parent, "writable/new.txt"), "w") as f:
    f.write("through the shadow")
with open(os.path.join(root_dir, "scratch/f"), "w") as f:
    f.write("root level")
out["existing"] = sorted(os.listdir(os.path.join(parent, "existing")))
print(json.dumps(out))
"""


def test_missing_parents_are_created_in_a_tmpfs_that_keeps_the_host_entries_around_them(
    tmp_path: Path, bwrap: str, spawn: Spawn
) -> None:
    parent = tmp_path / "parent"
    (parent / "sibling").mkdir(parents=True)
    (parent / "sibling" / "keep.txt").write_text("host file")
    (parent / "link").symlink_to("sibling")
    (parent / "existing").mkdir()
    (parent / "writable").mkdir()
    (parent / "existing" / "host-only.txt").write_text("hidden inside")
    root_dir = Path(f"/raydeck-test-{uuid.uuid4().hex[:8]}")  # its nearest parent is /
    volumes = [CODE_VOLUME, {"name": "scratch", "emptyDir": {}}]
    mounts = [
        {"name": "code-sample", "mountPath": str(parent / "new/deep/code")},
        {"name": "scratch", "mountPath": str(root_dir / "scratch")},
        {"name": "scratch", "mountPath": str(parent / "existing")},
        # Followed inside the sandbox, as runtimes do, so "inner" is not made in the host's sibling.
        {"name": "code-sample", "mountPath": str(parent / "link/inner")},
    ]
    binds = _materialize(tmp_path, volumes, mounts)
    argv = sandboxed(
        [sys.executable, "-c", SHADOW_PROBE, str(parent), str(root_dir)], binds=binds, cwd=tmp_path
    )

    try:
        done = _run(spawn, argv, cwd=tmp_path)
    finally:
        assert not root_dir.exists(), f"the sandbox created {root_dir} on the host"

    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "code": SAMPLE_CODE,
        "kept": "host file",
        "via_link": "host file",
        "behind_link": ["sample_code.py"],
        "existing": ["f"],
    }
    assert (parent / "writable" / "new.txt").read_text() == "through the shadow"
    assert sorted(p.name for p in parent.iterdir()) == ["existing", "link", "sibling", "writable"]
    assert [p.name for p in (parent / "sibling").iterdir()] == ["keep.txt"]
    assert [p.name for p in (parent / "existing").iterdir()] == ["host-only.txt"]


def test_the_exit_code_of_the_sandboxed_program_is_passed_on(
    tmp_path: Path, bwrap: str, spawn: Spawn
) -> None:
    argv = sandboxed(
        [sys.executable, "-c", "raise SystemExit(3)"], binds=_pod_binds(tmp_path), cwd=tmp_path
    )

    assert _run(spawn, argv, cwd=tmp_path).returncode == 3


SERVER = r"""
import os, socket, sys
server = socket.create_server(("127.0.0.1", 0))
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.getsockname()[1]))
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
conn, _ = server.accept()
conn.sendall(b"hello from the sandbox")
conn.close()
"""


def test_a_listener_inside_the_sandbox_is_reachable_on_127_0_0_1_from_the_host(
    tmp_path: Path, bwrap: str, spawn: Spawn
) -> None:
    port_file = tmp_path / "port"
    argv = sandboxed(
        [sys.executable, "-c", SERVER, str(port_file)], binds=_pod_binds(tmp_path), cwd=tmp_path
    )
    proc = spawn(argv, tmp_path)

    port = int(_wait_for_file(port_file, proc))
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as conn:
        received = b"".join(iter(lambda: conn.recv(1024), b""))

    assert received == b"hello from the sandbox"
    assert proc.wait(timeout=DEADLINE) == 0


SLEEPER = r"""
import os, sys, time
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {os.getpgid(0)}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
"""


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name; None once the pid is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return text[text.rindex(")") + 2 :].split()


def _ended(pid: int) -> bool:
    fields = _stat(pid)
    return fields is None or fields[0] in ("Z", "X")


def test_the_sandboxed_program_is_in_the_spawned_group_and_dies_when_that_group_is_killed(
    tmp_path: Path, bwrap: str, spawn: Spawn
) -> None:
    pid_file = tmp_path / "pids"
    argv = sandboxed(
        [sys.executable, "-c", SLEEPER, str(pid_file)], binds=_pod_binds(tmp_path), cwd=tmp_path
    )
    proc = spawn(argv, tmp_path)
    child, child_group = map(int, _wait_for_file(pid_file, proc).split())

    fields = _stat(child)
    assert fields is not None, f"sandboxed pid {child} is not visible in the host's /proc"
    assert int(fields[2]) == child_group == proc.pid  # field 5 of stat: the process group
    os.killpg(proc.pid, signal.SIGTERM)

    assert proc.wait(timeout=DEADLINE) == -signal.SIGTERM
    eventually_sync(
        lambda: _ended(child), timeout=DEADLINE, interval=0.05, what=f"sandboxed pid {child} to end"
    )


# ---------------------------------------------------------------------------------------------
# user errors name the field, never errno text


def test_conflicting_configmap_item_paths_are_refused_naming_both_items(tmp_path: Path) -> None:
    volume = {
        "name": "code-sample",
        "configMap": {
            "name": "ray-job-code-sample",
            "items": [
                {"key": "sample_code.py", "path": "lib"},
                {"key": "other.txt", "path": "lib/other.txt"},
            ],
        },
    }
    mounts = [{"name": "code-sample", "mountPath": "/home/ray/samples"}]

    with pytest.raises(VolumeError) as caught:
        _materialize(tmp_path, [volume], mounts)

    where = f"{PREFIX}.volumes[0].configMap.items"
    assert caught.value.path == f"{where}[1].path"
    assert f"{where}[0].path 'lib'" in caught.value.detail and "Errno" not in str(caught.value)


def test_a_nul_byte_in_an_item_path_is_refused_naming_the_field(tmp_path: Path) -> None:
    volume = {
        "name": "code-sample",
        "configMap": {
            "name": "ray-job-code-sample",
            "items": [{"key": "sample_code.py", "path": "code\x00.py"}],
        },
    }
    mounts = [{"name": "code-sample", "mountPath": "/home/ray/samples"}]

    with pytest.raises(VolumeError) as caught:
        _materialize(tmp_path, [volume], mounts)

    assert caught.value.path == f"{PREFIX}.volumes[0].configMap.items[0].path"
    assert "NUL" in caught.value.detail
