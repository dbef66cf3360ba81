"""The ``raydeck`` command tree: ``up`` and ``serve`` run the server; the rest are kubectl-style
verbs over the REST API (``cli/client.py``).

This module only puts the commands of ``cli/commands/`` together, in the order ``--help``
lists them, and is the console script's entry point (``main``).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import typer

from raydeck.cli.commands import auth, jobs, objects, server

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="raydeck: RayClusters, RayJobs and RayServices on this machine or on Kubernetes.",
)
#: Every top-level command by name; groups (token, user, job) follow them in --help.
COMMANDS: list[tuple[str, Callable[..., None]]] = [
    ("up", server.up),
    ("serve", server.serve),
    ("login", auth.login),
    ("logout", auth.logout),
    ("whoami", auth.whoami),
    ("passwd", auth.passwd),
    ("apply", objects.apply),
    ("get", objects.get),
    ("describe", objects.describe_command),
    ("delete", objects.delete),
    ("create", objects.create),
    ("start", objects.suspend_command("start")),
    ("stop", objects.suspend_command("stop")),
    ("logs", objects.logs),
]
for name, command in COMMANDS:
    app.command(name)(command)
app.add_typer(auth.token_app, name="token")
app.add_typer(auth.user_app, name="user")
app.add_typer(jobs.job_app, name="job")


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    app()
