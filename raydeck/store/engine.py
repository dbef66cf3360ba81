"""Opening raydeck's SQLite database: private files, WAL, foreign keys, migrations to head.

``Store.open`` calls ``open_engine`` once on the store's thread. Nothing here
reads or writes objects; the other ``store`` modules do, over one connection.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

_MIGRATIONS = Path(__file__).parent / "migrations"


def open_engine(path: Path) -> Engine:
    """An engine on the database at ``path``, its files private and its schema migrated."""
    _private_files(path)
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _configure_sqlite)
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return engine


def _private_files(path: Path) -> None:
    """Only raydeck's user may read its data: the directory 0700, the database 0600.

    SQLite creates the -wal and -shm files with the database file's mode, so creating that
    one 0600 before SQLite opens it covers them; files of an earlier version are narrowed.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A shared directory such as /tmp (sticky) is never narrowed; the files in it still are.
    if not path.parent.stat().st_mode & stat.S_ISVTX:
        path.parent.chmod(0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    for name in (path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"):
        with contextlib.suppress(FileNotFoundError):
            (path.parent / name).chmod(0o600)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
