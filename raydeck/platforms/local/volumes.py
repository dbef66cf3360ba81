"""Pod volumes on the local platform: files under the pod's directory, bind-mounted by bubblewrap.

The local platform calls :func:`materialize` to write a pod's configMap, secret and emptyDir
volumes under ``pod_dir`` and :func:`sandboxed` to wrap the node's argv so they appear at their
mountPath. Nothing here changes the host filesystem outside ``pod_dir``, and the sandbox
deliberately isolates nothing else: network, pids, sessions and the rest of ``/`` stay shared.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from raydeck.platforms.local.sandbox import Isolation, bwrap_args, run_as_prefix
from raydeck.platforms.local.sources import PodSources, Source, SpecError

DEFAULT_MODE = 0o644
SUPPORTED_TYPES = ("configMap", "secret", "emptyDir")
#: The volume types whose files come from a namespace object, and the field naming it.
_PROJECTED: dict[str, tuple[Source, str]] = {
    "configMap": ("configMap", "name"),
    "secret": ("secret", "secretName"),
}
# KubeRay treats the first container as the Ray container; the mounts given are its own.
_MOUNTS_FIELD = "containers[0].volumeMounts"
_VOLUME_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")
_PROBE_TIMEOUT = 10.0


@dataclass(frozen=True)
class Bind:
    """One host file or directory (under the pod's directory) shown at ``target`` in the sandbox."""

    source: Path
    target: str  # absolute mountPath inside the sandbox
    read_only: bool


class VolumeError(SpecError):
    """A volume or volumeMount the local platform cannot provide, named by its field path."""


# ---------------------------------------------------------------------------------------------
# materialize: pod-spec volumes -> files under pod_dir


def materialize(
    *,
    volumes: Sequence[Mapping[str, Any]],
    mounts: Sequence[Mapping[str, Any]],
    pod_dir: Path,
    sources: PodSources,
    path_prefix: str,
) -> list[Bind]:
    """Write the volumes ``mounts`` use under ``pod_dir/volumes/`` and return one Bind per mount.

    Volumes no mount uses are not checked: they belong to sidecars the local platform does
    not run. configMap and secret volumes are rewritten on every call; emptyDir contents are
    kept, as across container restarts in one pod (a new pod gets a new ``pod_dir``).
    """
    declared = _index_volumes(volumes, path_prefix)
    written: dict[str, tuple[str, Path]] = {}
    targets: set[str] = set()
    binds: list[Bind] = []
    for j, mount in enumerate(mounts):
        where = f"{path_prefix}.{_MOUNTS_FIELD}[{j}]"
        name = _mount_volume(mount, where, declared, path_prefix)
        target = _mount_path(mount, where, targets)
        if name not in written:
            index, volume = declared[name]
            written[name] = _write_volume(
                volume,
                directory=pod_dir / "volumes" / name,
                where=f"{path_prefix}.volumes[{index}]",
                sources=sources,
            )
        kind, directory = written[name]
        source = _sub_path(mount, where=where, directory=directory, kind=kind)
        # Kubernetes always mounts configMap and secret volumes read-only, whatever readOnly says.
        read_only = mount.get("readOnly") is True or kind in _PROJECTED
        binds.append(Bind(source=source, target=target, read_only=read_only))
    return binds


def _index_volumes(
    volumes: Sequence[Mapping[str, Any]], path_prefix: str
) -> dict[str, tuple[int, Mapping[str, Any]]]:
    declared: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for i, volume in enumerate(volumes):
        where = f"{path_prefix}.volumes[{i}].name"
        name = volume.get("name")
        # The name becomes a directory name, so it must be a DNS label as Kubernetes requires.
        if not isinstance(name, str) or not _VOLUME_NAME.fullmatch(name) or len(name) > 63:
            raise VolumeError(where, f"{name!r} is not a valid volume name (a DNS label)")
        if name in declared:
            raise VolumeError(where, f"duplicate volume name '{name}'")
        declared[name] = (i, volume)
    return declared


def _mount_volume(
    mount: Mapping[str, Any],
    where: str,
    declared: Mapping[str, tuple[int, Mapping[str, Any]]],
    path_prefix: str,
) -> str:
    name = mount.get("name")
    if not isinstance(name, str) or not name:
        raise VolumeError(f"{where}.name", "required")
    if name not in declared:
        raise VolumeError(f"{where}.name", f"volume '{name}' not found in {path_prefix}.volumes")
    if mount.get("subPathExpr"):
        raise VolumeError(
            f"{where}.subPathExpr", "not supported by the local platform; use subPath"
        )
    return name


def _mount_path(mount: Mapping[str, Any], where: str, seen: set[str]) -> str:
    value = mount.get("mountPath")
    if not isinstance(value, str) or not value.startswith("/"):
        raise VolumeError(f"{where}.mountPath", f"must be an absolute path, got {value!r}")
    if "\x00" in value:
        raise VolumeError(f"{where}.mountPath", "must not contain a NUL byte")
    parts = [p for p in value.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise VolumeError(f"{where}.mountPath", f"must not contain '..', got {value!r}")
    if not parts:
        raise VolumeError(f"{where}.mountPath", "must not be /")
    target = "/" + "/".join(parts)
    if target in seen:
        raise VolumeError(f"{where}.mountPath", f"'{target}' is mounted more than once")
    seen.add(target)
    return target


def _volume_type(volume: Mapping[str, Any], where: str) -> str:
    sources = [key for key in volume if key != "name"]
    supported = "the local platform supports configMap, secret and emptyDir volumes"
    if not sources:
        raise VolumeError(where, f"declares no volume source; {supported}")
    if len(sources) > 1:
        raise VolumeError(where, f"declares more than one volume source: {', '.join(sources)}")
    kind = sources[0]
    if kind not in SUPPORTED_TYPES:
        raise VolumeError(f"{where}.{kind}", f"{kind} volumes are not supported; {supported}")
    return kind


def _write_volume(
    volume: Mapping[str, Any],
    *,
    directory: Path,
    where: str,
    sources: PodSources,
) -> tuple[str, Path]:
    kind = _volume_type(volume, where)
    spec = volume[kind]
    if spec is not None and not isinstance(spec, Mapping):
        raise VolumeError(f"{where}.{kind}", "must be an object")
    if kind == "emptyDir":
        directory.mkdir(parents=True, exist_ok=True)
    else:
        files = _projected_files(spec or {}, kind=kind, where=f"{where}.{kind}", sources=sources)
        _write_files(directory, files)
    return kind, directory


def _projected_files(
    spec: Mapping[str, Any], *, kind: str, where: str, sources: PodSources
) -> list[tuple[PurePosixPath, bytes, int]]:
    """(relative path, content, mode) of each file a configMap or secret volume holds."""
    source, name_field = _PROJECTED[kind]
    optional = spec.get("optional") is True
    try:
        data = sources.require(source, spec.get(name_field), where=where, optional=optional)
    except SpecError as e:
        raise VolumeError(f"{where}.{name_field}", e.detail) from None
    name = str(spec[name_field])
    default_mode = _mode(spec.get("defaultMode"), f"{where}.defaultMode", DEFAULT_MODE)
    items = spec.get("items")
    if items is None:
        for key in data or {}:
            # Keys become file names; Kubernetes validates them the same way.
            if not _DATA_KEY.fullmatch(key) or key == "." or key.startswith(".."):
                raise VolumeError(
                    f"{where}.{name_field}", f"{source.lower()} '{name}' has an invalid key {key!r}"
                )
        return [(PurePosixPath(k), value, default_mode) for k, value in (data or {}).items()]
    if not isinstance(items, list):
        raise VolumeError(f"{where}.items", "must be a list")
    return _listed_items(
        items,
        where=where,
        name=f"{source.lower()} '{name}'",
        data=data or {},
        optional=optional,
        mode=default_mode,
    )


def _listed_items(
    items: Sequence[Any],
    *,
    where: str,
    name: str,
    data: Mapping[str, bytes],
    optional: bool,
    mode: int,
) -> list[tuple[PurePosixPath, bytes, int]]:
    files: list[tuple[PurePosixPath, bytes, int]] = []
    placed: dict[PurePosixPath, str] = {}
    for k, item in enumerate(items):
        at = f"{where}.items[{k}]"
        key = item.get("key") if isinstance(item, Mapping) else None
        if not isinstance(key, str) or key not in data:
            if optional and isinstance(key, str):
                continue  # an optional source may lack keys: Kubernetes skips them
            raise VolumeError(f"{at}.key", f"key {key!r} not found in {name}")
        path = _relative(item.get("path"), f"{at}.path")
        _refuse_conflict(path, f"{at}.path", placed)
        files.append((path, data[key], _mode(item.get("mode"), f"{at}.mode", mode)))
    return files


def _refuse_conflict(path: PurePosixPath, where: str, placed: dict[PurePosixPath, str]) -> None:
    """Two items at one path, or one item's file where another needs a directory."""
    for other, other_where in placed.items():
        if other == path:
            raise VolumeError(where, f"'{path}' is also the path of {other_where}")
        if path.is_relative_to(other) or other.is_relative_to(path):
            inner, outer = (path, other) if path.is_relative_to(other) else (other, path)
            raise VolumeError(
                where,
                f"'{path}' conflicts with {other_where} '{other}': '{outer}' would have to be "
                f"both a file and the directory holding '{inner}'",
            )
    placed[path] = where


def _mode(value: Any, where: str, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0o777:
        raise VolumeError(where, f"must be a file mode from 0 to 0777 (decimal 511), got {value!r}")
    return value


def _relative(value: Any, where: str) -> PurePosixPath:
    """A path that stays inside the volume: relative, without '..'."""
    if not isinstance(value, str) or not value or value.startswith("/"):
        raise VolumeError(where, f"must be a relative path, got {value!r}")
    if "\x00" in value:
        raise VolumeError(where, "must not contain a NUL byte")
    path = PurePosixPath(value)
    if ".." in path.parts:
        raise VolumeError(where, f"must not contain '..', got {value!r}")
    return path


def _write_files(directory: Path, files: Sequence[tuple[PurePosixPath, bytes, int]]) -> None:
    # Start from an empty directory so keys removed from the configMap or secret disappear.
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    for relative, content, mode in files:
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        path.chmod(mode)


def _sub_path(mount: Mapping[str, Any], *, where: str, directory: Path, kind: str) -> Path:
    value = mount.get("subPath")
    if value is None or value == "":
        return directory
    source = directory / _relative(value, f"{where}.subPath")
    # A symlink written into an emptyDir by an earlier run must not lead out of the volume.
    if source.exists() and not source.resolve().is_relative_to(directory.resolve()):
        raise VolumeError(f"{where}.subPath", f"{value!r} leads outside its volume")
    if source.exists():
        return source
    if kind in _PROJECTED:
        raise VolumeError(f"{where}.subPath", f"{value!r} is not in the {kind} volume")
    source.mkdir(parents=True)  # as the kubelet does for a missing subPath
    return source


# ---------------------------------------------------------------------------------------------
# sandboxed: argv -> bwrap argv that shows the binds at their targets

_ROOT = PurePosixPath("/")
_Kind = Literal["dir", "file", "link"]
# Stacking order among operations on one path depth: bwrap applies them in argv order.
_REBIND, _BIND, _SHADOW = 0, 1, 2
_MAX_LINKS = 40


@dataclass(frozen=True)
class _Layer:
    """What the sandbox shows at ``target`` and below it, up to deeper layers."""

    target: PurePosixPath
    source: Path | None  # the host path shown there; None for a private tmpfs
    flag: str  # the bwrap option that re-exposes one of its entries
    writable: bool  # may bwrap create mount points here without touching the host?
    rank: int


class _Plan:
    """The bwrap mount operations for a list of binds, and a model of the tree they build.

    Missing mount points must be created, but the host root is bound writable: a mkdir
    there would land on the host. So the deepest existing ancestor of a missing target is
    first covered with a tmpfs ("shadowed") that re-exposes each of its host entries.
    """

    def __init__(self) -> None:
        self.layers = [_Layer(_ROOT, Path("/"), "--dev-bind-try", writable=False, rank=_REBIND)]
        self.made: set[PurePosixPath] = set()  # directories bwrap creates in private space
        self.links: dict[PurePosixPath, str] = {}  # symlinks re-created in a shadow tmpfs
        self.ops: list[tuple[int, int, int, list[str]]] = []

    def args(self) -> list[str]:
        return [arg for *_, args in sorted(self.ops, key=lambda op: op[:3]) for arg in args]

    def add(self, bind: Bind) -> None:
        target = self._resolve(PurePosixPath(bind.target))
        # A target of the wrong kind (a file where a directory is bound) is left to bwrap,
        # which then fails at start, as a container runtime would.
        if self._kind(target) is None:
            self._prepare(target)
        flag = "--ro-bind" if bind.read_only else "--bind"
        self._emit(target, _BIND, [flag, str(bind.source), str(target)])
        # A writable bind shows raydeck's own pod_dir: mount points may be created in it.
        self.layers.append(
            _Layer(
                target,
                bind.source,
                "--ro-bind-try" if bind.read_only else "--bind-try",
                writable=not bind.read_only,
                rank=_BIND,
            )
        )

    def isolate(self, isolation: Isolation) -> None:
        """Hide and show what the isolation says, and model it, so that volume mounts inside
        a hidden directory land in its tmpfs and never re-expose the host's entries there."""
        for path, rank, args in bwrap_args(isolation):
            self._emit(path, rank, args)
        for hidden in isolation.hidden:
            self.layers.append(_Layer(PurePosixPath(hidden), None, "", writable=True, rank=_SHADOW))
        for shown in isolation.shown:
            flag = "--bind-try" if shown.writable else "--ro-bind-try"
            target = PurePosixPath(shown.path)
            self.layers.append(_Layer(target, shown.path, flag, shown.writable, rank=_BIND))
            self.made.update(p for p in target.parents if self._layer(p).source is None)

    def _emit(self, path: PurePosixPath, rank: int, args: list[str]) -> None:
        self.ops.append((len(path.parts), rank, len(self.ops), args))

    def _layer(self, path: PurePosixPath) -> _Layer:
        # The top layer: deepest, then latest in bwrap's order (rank, then planning order).
        covering = [
            (len(layer.target.parts), layer.rank, i, layer)
            for i, layer in enumerate(self.layers)
            if path.is_relative_to(layer.target)
        ]
        return max(covering, key=lambda c: c[:3])[3]

    def _host(self, path: PurePosixPath) -> tuple[_Layer, Path | None]:
        layer = self._layer(path)
        if layer.source is None:
            return layer, None
        return layer, layer.source.joinpath(*path.parts[len(layer.target.parts) :])

    def _kind(self, path: PurePosixPath) -> _Kind | None:
        """What ``path`` is inside the sandbox, as far as the plan so far goes."""
        if path in self.made:
            return "dir"
        if path in self.links:
            return "link"
        layer, host = self._host(path)
        if host is None:
            return "dir" if path == layer.target else None
        if path != layer.target and host.is_symlink():
            return "link"
        return "dir" if host.is_dir() else "file" if host.exists() else None

    def _readlink(self, path: PurePosixPath) -> str | None:
        if self._kind(path) != "link":
            return None
        if path in self.links:
            return self.links[path]
        _, host = self._host(path)
        assert host is not None
        return os.readlink(host)

    def _resolve(self, path: PurePosixPath) -> PurePosixPath:
        """``path`` with symlinks followed inside the sandbox, as runtimes resolve mountPaths.

        Without this, bwrap would follow e.g. /bin -> usr/bin when creating a mount point
        and create it on the host.
        """
        todo, done, hops = list(path.parts[1:]), _ROOT, 0
        while todo:
            part = todo.pop(0)
            if part in (".", ".."):
                done = done.parent if part == ".." else done
                continue
            link = self._readlink(done / part)
            if link is None:
                done = done / part
                continue
            hops += 1
            if hops > _MAX_LINKS:
                raise ValueError(f"too many levels of symbolic links in {path}")
            todo = [*PurePosixPath(link).parts, *todo]
            if link.startswith("/"):
                todo, done = todo[1:], _ROOT
        return done

    def _prepare(self, target: PurePosixPath) -> None:
        """Make the missing parents of ``target`` creatable, then create them."""
        missing: list[PurePosixPath] = []
        parent = target.parent
        while self._kind(parent) is None:
            missing.append(parent)
            parent = parent.parent
        if self._kind(parent) != "dir":
            return  # a file is in the way: bwrap reports that when the node starts
        if parent not in self.made and not self._layer(parent).writable:
            self._shadow(parent)
        for directory in reversed(missing):
            self._emit(directory, _BIND, ["--dir", str(directory)])
            self.made.add(directory)

    def _shadow(self, directory: PurePosixPath) -> None:
        """Cover ``directory`` with a tmpfs holding the same entries, so mkdir in it is private."""
        layer, host = self._host(directory)
        assert host is not None  # a tmpfs is writable, so it is never shadowed
        mode = stat.S_IMODE(host.stat().st_mode)
        args = ["--perms", f"{mode:04o}", "--tmpfs", str(directory)]
        with os.scandir(host) as scan:
            entries = sorted(scan, key=lambda entry: entry.name)
        for entry in entries:
            inside = directory / entry.name
            if entry.is_symlink():
                self.links[inside] = os.readlink(entry.path)
                args += ["--symlink", self.links[inside], str(inside)]
                continue
            # The -try forms: an entry deleted before the node starts is no error.
            args += [layer.flag, entry.path, str(inside)]
            self.layers.append(
                _Layer(inside, Path(entry.path), layer.flag, writable=False, rank=_REBIND)
            )
        self._emit(directory, _SHADOW, args)
        self.layers.append(_Layer(directory, None, "", writable=True, rank=_SHADOW))


def sandboxed(
    argv: Sequence[str],
    *,
    binds: Sequence[Bind],
    cwd: Path,
    bwrap: str = "/usr/bin/bwrap",
    isolation: Isolation | None = None,
) -> list[str]:
    """``argv`` run by bubblewrap with each bind at its target; ``argv`` itself if there is
    nothing to sandbox (no binds, no isolation).

    The host root stays visible (with /dev), and network, ipc and session are shared:
    raydeck supervises the process group as without the sandbox. Neither --new-session (the
    program would leave the group) nor --die-with-parent (nodes must outlive a raydeck
    restart) is used. Missing targets are created in a tmpfs, never on the host; a new entry
    made directly in a shadowed directory stays private. ``isolation`` adds what
    ``sandbox.isolation`` decided: hidden directories, read-only installation, a private pid
    namespace with its own /proc, and the tenant's user.
    """
    if not binds and isolation is None:
        return list(argv)
    plan = _Plan()
    if isolation is not None:
        plan.isolate(isolation)
    # Parents before children, as container runtimes sort mounts: no bind hides another.
    for bind in sorted(binds, key=lambda b: len(PurePosixPath(b.target).parts)):
        plan.add(bind)
    prefix = ["--dev-bind", "/", "/"]
    run_as: list[str] = []
    if isolation is not None and isolation.private_pids:
        prefix += ["--unshare-pid", "--proc", "/proc"]
    if isolation is not None:
        run_as = run_as_prefix(isolation.run_as)
    return [bwrap, *prefix, *plan.args(), "--chdir", str(cwd), "--", *run_as, *argv]


def bwrap_available(bwrap: str = "/usr/bin/bwrap") -> bool:
    """Whether ``bwrap`` exists and may build a sandbox here (it needs mount namespaces)."""
    if not os.access(bwrap, os.X_OK):
        return False
    probe = [bwrap, "--dev-bind", "/", "/", "--", bwrap, "--version"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=_PROBE_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0
