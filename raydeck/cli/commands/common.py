"""What every REST command shares: its ``--server``/``--namespace``/``--output`` options, and
``run``, which talks to the server and turns any failure into a message on stderr and exit 1.

Commands stay thin: they build a request, ``run`` it and print the answer. Nothing here
imports the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, NoReturn, TypeVar

import typer

from raydeck.cli.client import ApiError, Client
from raydeck.cli.config import token_for
from raydeck.errors import RaydeckError
from raydeck.resources.kinds import KINDS, by_name

T = TypeVar("T")

Server = Annotated[str, typer.Option("--server", "-s", envvar="RAYDECK_URL", help="raydeck's URL")]
Namespace = Annotated[str, typer.Option("--namespace", "-n", help="Namespace")]
Output = Annotated[str, typer.Option("--output", "-o", help="table, yaml or json")]
#: Every kind the verbs take, with its shortest name, for their --help.
KIND_HELP = ", ".join(f"{k.plural} ({min(k.short_names, key=len)})" for k in KINDS)
KindArgument = Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)]


def fail(message: str, *, code: int = 1) -> NoReturn:
    """Print ``Error: message`` on stderr and leave with ``code``."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def run(work: Callable[[Client], Awaitable[T]], server: str) -> T:
    """Run ``work`` with a client logged in to ``server`` (its stored token); its result."""

    async def main() -> T:
        async with Client(server, token=token_for(server), on_warning=print_warning) as client:
            return await work(client)

    try:
        return asyncio.run(main())
    except ApiError as e:
        typer.echo(f"Error from server ({e.reason}): {e.message}", err=True)
        for cause in e.causes:
            typer.echo(f"  {cause.path or '-'}: {cause.message}", err=True)
        raise typer.Exit(1) from None
    except RaydeckError as e:
        fail(e.message)


def print_warning(text: str) -> None:
    """As kubectl prints the API server's warnings: on stderr, after "Warning: "."""
    typer.echo(f"Warning: {text}", err=True)


def plural(kind: str) -> str:
    """The plural of a kind's name, short name or plural; an unknown one ends the command."""
    try:
        return by_name(kind).plural
    except RaydeckError as e:
        fail(e.message)
