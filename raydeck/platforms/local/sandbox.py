"""What a node's sandbox walls off: raydeck's data directory, private homes, its installation.

The reconciler calls :func:`isolation` for every node and hands the result to
``volumes.sandboxed``, which turns it (with the pod's volumes) into bubblewrap's argv.
Pure apart from the ``traversable`` probe it is given: it starts nothing and creates
no user (``tenants.py`` does that).
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath


@dataclass(frozen=True)
class Shown:
    """A host directory the sandbox shows at its own path, inside or over a hidden one."""

    path: Path
    writable: bool


@dataclass(frozen=True)
class Isolation:
    """Besides its volumes, what a node's sandbox hides, shows again, and who runs in it."""

    #: Covered by an empty tmpfs: raydeck's data directory, homes nobody else may read.
    hidden: tuple[Path, ...]
    #: Shown again at their own path (the node's directory writable, the rest read-only).
    shown: tuple[Shown, ...]
    #: uid and gid the node's command runs as (dropped to inside the sandbox); None: raydeck's.
    run_as: tuple[int, int] | None = None
    #: A private pid namespace: the node sees and can signal only its own processes.
    private_pids: bool = True


def world_traversable(path: Path) -> bool:
    """Whether any user may pass through ``path`` (it exists and has the others-x bit)."""
    try:
        return bool(path.stat().st_mode & stat.S_IXOTH)
    except OSError:
        return True  # nothing there to hide


def isolation(
    *,
    data_dir: Path,
    node_dir: Path,
    bin_dir: Path,
    installation: Sequence[Path],
    private_homes: Sequence[Path] = (),
    run_as: tuple[int, int] | None = None,
    traversable: Callable[[Path], bool] = world_traversable,
) -> Isolation:
    """The data directory shows only ``node_dir`` (writable) and ``bin_dir`` (raydeck's ``ray``
    shim, read-only); ``installation`` (the venv, Python, raydeck's package) is read-only.

    A directory on the way to the installation or the data directory that others may not
    pass through (``/root`` holding a pyenv Python) is hidden as well and what the node needs
    shown inside it, so that a node running as another user can still start Python and
    reach its own directory, and sees nothing else there.
    """
    hidden = {data_dir, *private_homes}
    for path in [*installation, data_dir]:
        hidden.update(_closed_ancestors(path, traversable))
    shown = [Shown(node_dir, writable=True), Shown(bin_dir, writable=False)]
    shown += [Shown(path, writable=False) for path in installation]
    return Isolation(
        hidden=tuple(sorted(_outermost(hidden))),
        shown=tuple(_unique(shown)),
        run_as=run_as,
    )


def _closed_ancestors(path: Path, traversable: Callable[[Path], bool]) -> list[Path]:
    return [parent for parent in reversed(path.parents) if not traversable(parent)][:1]


def _outermost(paths: Iterable[Path]) -> list[Path]:
    """Drop paths inside another one: covering the outer one hides them already."""
    ordered = sorted(set(paths), key=lambda p: len(p.parts))
    kept: list[Path] = []
    for path in ordered:
        if not any(path.is_relative_to(outer) for outer in kept):
            kept.append(path)
    return kept


def _unique(shown: Sequence[Shown]) -> list[Shown]:
    seen: set[Path] = set()
    result = []
    for entry in shown:
        if entry.path not in seen:
            seen.add(entry.path)
            result.append(entry)
    return result


def bwrap_args(isolation: Isolation) -> list[tuple[PurePosixPath, int, list[str]]]:
    """(path, rank, bwrap options) for the isolation, to be ordered with the volume mounts:
    a tmpfs over each hidden directory, the directories leading to each shown path inside
    it (0711: passable, not listable), then the shown path bound at itself."""
    ops: list[tuple[PurePosixPath, int, list[str]]] = []
    for hidden in isolation.hidden:
        ops.append((PurePosixPath(hidden), 2, ["--perms", "0711", "--tmpfs", str(hidden)]))
    made: set[PurePosixPath] = set()
    for entry in isolation.shown:
        target = PurePosixPath(entry.path)
        cover = next((h for h in isolation.hidden if entry.path.is_relative_to(h)), None)
        inside = [] if cover is None else _between(PurePosixPath(cover), target)
        for parent in inside:
            if parent not in made:
                made.add(parent)
                ops.append((parent, 1, ["--perms", "0711", "--dir", str(parent)]))
        flag = "--bind" if entry.writable else "--ro-bind"
        ops.append((target, 1, [flag, str(entry.path), str(entry.path)]))
    return ops


def _between(outer: PurePosixPath, target: PurePosixPath) -> list[PurePosixPath]:
    """The directories strictly between ``outer`` and ``target``, outermost first."""
    return [p for p in reversed(target.parents) if p.is_relative_to(outer) and p != outer]


def run_as_prefix(
    run_as: tuple[int, int] | None, *, setpriv: str = "/usr/bin/setpriv"
) -> list[str]:
    """The command that drops to the tenant's user inside the sandbox (bwrap runs as root)."""
    if run_as is None:
        return []
    uid, gid = run_as
    return [
        setpriv,
        f"--reuid={uid}",
        f"--regid={gid}",
        "--clear-groups",
        # No setuid program may give the tenant back what it just lost.
        "--no-new-privs",
        "--",
    ]


def installation_dirs() -> list[Path]:
    """The Python environment nodes run in and the raydeck package its launcher imports."""
    import sys

    import raydeck

    package = Path(raydeck.__file__).resolve().parent
    found = [Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(), package]
    return _outermost_kept_order(found)


def _outermost_kept_order(paths: Sequence[Path]) -> list[Path]:
    kept = set(_outermost(paths))
    return [p for i, p in enumerate(paths) if p in kept and p not in paths[:i]]
