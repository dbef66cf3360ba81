"""Removing the OS users a test's raydeck made for its namespaces (when it ran as root).

``raydeck up`` removes them when it stops its clusters; a raydeck that was killed, or that ran
as ``raydeck serve``, leaves them, and the test's teardown removes them here.
"""

from __future__ import annotations

import pwd
import subprocess
from pathlib import Path


def remove_tenant_users(data_dir: Path) -> None:
    """Every user whose comment names the raydeck instance of ``data_dir``."""
    instance_file = data_dir / "instance-id"
    if not instance_file.exists():
        return
    mine = f"raydeck {instance_file.read_text().strip()} "
    for user in pwd.getpwall():
        if user.pw_gecos.startswith(mine):
            subprocess.run(["userdel", user.pw_name], check=False, capture_output=True)
            subprocess.run(["groupdel", user.pw_name], check=False, capture_output=True)
