"""Who the CLI is: ``login``, ``logout``, ``whoami``, ``passwd``, ``token …`` and ``user create``.

Each is a thin call of ``Client``; the token ``login`` gets is kept in the CLI config
(``cli/config.py``). The server decides who may do what; nothing is checked here.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from raydeck.cli.client import DEFAULT_URL, Client
from raydeck.cli.commands.common import Server, run
from raydeck.cli.config import forget_token, save_token
from raydeck.cli.replies import NewUser, PasswordChange

token_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke your API tokens.")
user_app = typer.Typer(no_args_is_help=True, help="Manage users (platform-admin).")
PasswordStdin = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from stdin")
]


def login(
    username: Annotated[str, typer.Option("--username", "-u", help="User name")] = "admin",
    password_stdin: PasswordStdin = False,
    server: Server = DEFAULT_URL,
) -> None:
    """Log in and keep the token in the CLI config; later commands send it."""
    password = _password(password_stdin, confirm=False)
    issued = run(lambda c: c.login(username, password), server)
    path = save_token(server, username=username, token=issued.token)
    typer.echo(f"Logged in to {server} as {username} (token {issued.id} saved in {path})")


def _password(from_stdin: bool, *, confirm: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return password


def logout(server: Server = DEFAULT_URL) -> None:
    """Revoke this CLI's token on the server and forget it."""
    run(lambda c: c.logout(), server)
    forget_token(server)
    typer.echo(f"Logged out of {server}")


def whoami(server: Server = DEFAULT_URL) -> None:
    """Show the logged-in user, their role and namespaces."""
    me = run(lambda c: c.whoami(), server)
    namespaces = ", ".join(me.namespaces) or ("all" if me.role == "platform-admin" else "-")
    typer.echo(f"{me.username} ({me.role}); namespaces: {namespaces}")


def passwd(server: Server = DEFAULT_URL) -> None:
    """Change your own password (your other tokens and sessions stop working)."""
    current = typer.prompt("Current password", hide_input=True)
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    change = PasswordChange(password=password, current_password=current)

    async def work(client: Client) -> str:
        me = await client.whoami()
        await client.change_password(me.username, change)
        return me.username

    typer.echo(f"Password of {run(work, server)} changed")


@token_app.command("list")
def token_list(server: Server = DEFAULT_URL) -> None:
    """Your tokens and console sessions."""
    rows = [
        f"{t.id:<14}{t.kind:<9}{t.created_at:<22}{t.last_used_at or '-':<22}{t.description}"
        for t in run(lambda c: c.tokens(), server)
    ]
    header = f"{'ID':<14}{'KIND':<9}{'CREATED':<22}{'LAST USED':<22}DESCRIPTION"
    typer.echo("\n".join([header, *rows]))


@token_app.command("create")
def token_create(
    description: Annotated[
        str, typer.Option("--description", "-d", help="What the token is for")
    ] = "api",
    server: Server = DEFAULT_URL,
) -> None:
    """Create another API token for yourself and print it (it is shown only this once)."""
    issued = run(lambda c: c.create_token(description), server)
    typer.echo(issued.token)
    typer.echo(
        f"token/{issued.id} created; it expires {issued.expires_at or 'never'}. "
        "Revoke it with `raydeck token revoke`.",
        err=True,
    )


@token_app.command("revoke")
def token_revoke(token_id: str, server: Server = DEFAULT_URL) -> None:
    """Revoke a token by its id (see `raydeck token list`)."""
    run(lambda c: c.revoke_token(token_id), server)
    typer.echo(f"token/{token_id} revoked")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="platform-admin, cluster-admin or viewer")] = "viewer",
    namespace: Annotated[
        list[str] | None, typer.Option("--namespace", "-n", help="Namespace granted (repeat)")
    ] = None,
    password_stdin: PasswordStdin = False,
    server: Server = DEFAULT_URL,
) -> None:
    """Create a user with a role and the namespaces they may use."""
    password = _password(password_stdin, confirm=True)
    user = NewUser(username=username, password=password, role=role, namespaces=namespace or [])
    run(lambda c: c.create_user(user), server)
    typer.echo(f"user/{username} created")
