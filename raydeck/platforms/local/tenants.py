"""One unprivileged OS user per namespace, for node processes, when raydeck runs as root.

The reconciler asks :meth:`TenantUsers.account` for the user a namespace's nodes run as;
the platform calls :meth:`TenantUsers.remove_all` when it stops every cluster. Users are
created with the standard tools (``groupadd``/``useradd --system``), take uids from the
``local.tenant_uid_start``/``tenant_uid_count`` range and carry this raydeck's instance id in
their comment, so raydeck only ever removes its own. Not root: no users, ``account`` is None.
"""

from __future__ import annotations

import grp
import hashlib
import logging
import os
import pwd
import subprocess
import threading
from dataclasses import dataclass

from raydeck.errors import PlatformUnavailable

log = logging.getLogger(__name__)
_PREFIX = "raydeck-ns-"
_TOOL_TIMEOUT = 30.0


@dataclass(frozen=True)
class Tenant:
    name: str
    uid: int
    gid: int


def user_name(instance_id: str, namespace: str) -> str:
    """A name fit for useradd (at most 32 characters) that no other raydeck or namespace has."""
    digest = hashlib.sha256(f"{instance_id}/{namespace}".encode()).hexdigest()[:12]
    return _PREFIX + digest


def comment(instance_id: str, namespace: str) -> str:
    return f"raydeck {instance_id} namespace {namespace}"


def free_id(start: int, count: int, *, taken: set[int]) -> int | None:
    """The lowest id of the range that no user and no group has."""
    return next((i for i in range(start, start + count) if i not in taken), None)


class TenantUsers:
    def __init__(self, *, instance_id: str, uid_start: int, uid_count: int, enabled: bool) -> None:
        self._instance = instance_id
        self._start, self._count = uid_start, uid_count
        self.enabled = enabled and os.geteuid() == 0
        self._lock = threading.Lock()

    def account(self, namespace: str) -> Tenant | None:
        """The namespace's user, created on first use; blocking (run it in a thread)."""
        if not self.enabled:
            return None
        name = user_name(self._instance, namespace)
        with self._lock:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                entry = self._create(name, namespace)
        return Tenant(name, entry.pw_uid, entry.pw_gid)

    def _create(self, name: str, namespace: str) -> pwd.struct_passwd:
        taken = {e.pw_uid for e in pwd.getpwall()} | {g.gr_gid for g in grp.getgrall()}
        uid = free_id(self._start, self._count, taken=taken)
        if uid is None:
            raise PlatformUnavailable(
                f"no free uid left in local.tenant_uid_start={self._start} .. "
                f"+{self._count} for namespace {namespace!r}'s OS user"
            )
        _run(["groupadd", "--system", "--gid", str(uid), name])
        _run(
            [
                "useradd", "--system", "--no-log-init", "--no-create-home",
                "--uid", str(uid), "--gid", str(uid),
                "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                "--comment", comment(self._instance, namespace), name,
            ]
        )  # fmt: skip
        log.info("created OS user %s (uid %d) for namespace %s", name, uid, namespace)
        return pwd.getpwnam(name)

    def remove_all(self) -> None:
        """Remove every user this raydeck created (no node of theirs runs any more)."""
        if not self.enabled:
            return
        mine = comment(self._instance, "")
        for entry in pwd.getpwall():
            if entry.pw_name.startswith(_PREFIX) and entry.pw_gecos.startswith(mine):
                _run(["userdel", entry.pw_name], check=False)
                if _group_exists(entry.pw_name):
                    _run(["groupdel", entry.pw_name], check=False)


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def _run(argv: list[str], *, check: bool = True) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_TOOL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise PlatformUnavailable(f"cannot run {argv[0]} to manage tenant users: {e}") from e
    if done.returncode != 0:
        message = f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}"
        if check:
            raise PlatformUnavailable(message)
        log.warning("%s", message)
