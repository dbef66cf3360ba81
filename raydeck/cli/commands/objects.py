"""The kubectl-style verbs on objects: ``apply``, ``get``, ``describe``, ``delete``, ``create``,
``start``, ``stop`` and ``logs``.

Each reads its arguments, calls ``Client`` through ``run`` and prints with ``cli/output.py``.
Rules (what may be deleted, who may write) are the server's; nothing is decided here.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from raydeck.cli.client import DEFAULT_URL, ApiError, Client
from raydeck.cli.commands.common import (
    KIND_HELP,
    KindArgument,
    Namespace,
    Output,
    Server,
    fail,
    plural,
    run,
)
from raydeck.cli.output import describe, render
from raydeck.cli.views import Shown
from raydeck.errors import RaydeckError
from raydeck.resources.codec import load_documents
from raydeck.resources.kinds import by_name

NAMESPACE_NAMES = ("namespace", "namespaces", "ns")


def apply(
    filename: Annotated[Path, typer.Option("--filename", "-f", help="YAML file, '-' for stdin")],
    namespace: Namespace = "default",
    server: Server = DEFAULT_URL,
) -> None:
    """Create or update every object in a (multi-document) YAML file.

    As kubectl does, every document is tried and each outcome printed; the exit code is 1 if
    any document was refused."""
    text = sys.stdin.read() if str(filename) == "-" else _read(filename)
    try:
        documents = load_documents(text)
    except RaydeckError as e:
        fail(f"{filename}: {e.message}")

    async def work(client: Client) -> bool:
        failed = False
        for document in documents:
            kind = plural_of(str(document.get("kind") or ""))
            try:
                typer.echo(await _apply(client, document, kind, namespace))
            except ApiError as e:
                failed = True
                meta = document.get("metadata") or {}
                name = meta.get("name") or meta.get("generateName") or "(no name)"
                typer.echo(f"Error from server ({e.reason}): {kind}/{name}: {e.message}", err=True)
        return failed

    if run(work, server):
        raise typer.Exit(1)


async def _apply(client: Client, document: dict[str, Any], kind: str, namespace: str) -> str:
    """Create ``document``, or replace it if it exists; what kubectl prints for it. It is the
    user's YAML, read as it was written (a true edge): the server validates it and names what
    is wrong."""
    meta = document.get("metadata") or {}
    ns, name = meta.get("namespace") or namespace, meta.get("name")
    if not name and meta.get("generateName"):
        created = await client.create(kind, ns, document)  # a new name each time, as create
        return f"{kind}/{created} created"
    try:
        await client.create(kind, ns, document)
        return f"{kind}/{name} created"
    except ApiError as e:
        if e.reason != "AlreadyExists":
            raise
    await client.replace(kind, ns, str(name), document)
    return f"{kind}/{name} configured"


def plural_of(kind: str) -> str:
    """The URL plural of a kind: raydeck's own, else the Kubernetes-style one, so that the server
    can say why it does not take that kind."""
    try:
        return by_name(kind).plural
    except RaydeckError:
        lowered = kind.lower()
        if not lowered:
            return "objects"
        if lowered.endswith(("s", "x", "ch", "sh")):
            return f"{lowered}es"
        if lowered.endswith("y") and lowered[-2:-1] not in ("a", "e", "i", "o", "u"):
            return f"{lowered[:-1]}ies"
        return f"{lowered}s"


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")


Search = Annotated[
    str,
    typer.Option(
        help="Names containing this text (any case); if none does, names with its "
        "characters in that order"
    ),
]
Sort = Annotated[
    str,
    typer.Option(help="name, created, status, rayVersion, creator, cpu, memory, gpu; '-' descends"),
]


def get(
    kind: Annotated[str, typer.Argument(help=f"{KIND_HELP}, or namespaces (ns)")],
    name: Annotated[str | None, typer.Argument()] = None,
    namespace: Namespace = "default",
    all_namespaces: Annotated[bool, typer.Option("--all-namespaces", "-A")] = False,
    output: Output = "table",
    search: Search = "",
    sort: Sort = "name",
    status: Annotated[str, typer.Option(help="Only these states, comma-separated")] = "",
    type_: Annotated[str | None, typer.Option("--type", help="template or instance")] = None,
    selector: Annotated[str, typer.Option("--selector", "-l", help="Label selector")] = "",
    limit: Annotated[int, typer.Option(help="At most this many")] = 0,
    server: Server = DEFAULT_URL,
) -> None:
    """List objects of a kind, or show one."""
    if kind.lower() in NAMESPACE_NAMES:
        typer.echo("\n".join(["NAME", *run(lambda c: c.namespaces(), server)]))
        return
    kinds = plural(kind)

    async def work(client: Client) -> str | None:
        if name:
            objects = [await client.get(kinds, namespace, name)]
        else:
            page = await client.list_objects(
                kinds,
                None if all_namespaces else namespace,
                search=search,
                sort=sort,
                status=status,
                type=type_,
                selector=selector,
                limit=limit,
            )
            if page.close_matches:
                typer.echo(
                    f"No name contains {search.strip()!r}; showing names with its characters "
                    "in that order.",
                    err=True,
                )
            objects = page.items
        if not objects and output == "table":
            return None
        return render(objects, output, all_namespaces=all_namespaces, single=bool(name))

    shown = run(work, server)
    where = "any namespace" if all_namespaces else f"namespace {namespace}"
    typer.echo(f"No {kinds} found in {where}." if shown is None else shown)


def describe_command(
    kind: KindArgument, name: str, namespace: Namespace = "default", server: Server = DEFAULT_URL
) -> None:
    """Show an object with its conditions, pods and events."""
    kinds = plural(kind)

    async def work(client: Client) -> str:
        shown = Shown.of(await client.get(kinds, namespace, name))
        pods = await client.pods(kinds, namespace, name)
        events = await client.events(kinds, namespace, name)
        return describe(shown, pods, events)

    typer.echo(run(work, server))


def delete(
    kind: KindArgument,
    names: Annotated[list[str], typer.Argument()],
    namespace: Namespace = "default",
    server: Server = DEFAULT_URL,
) -> None:
    """Delete one or more objects; a running cluster must be stopped first."""
    if kind.lower() in NAMESPACE_NAMES:

        async def each(client: Client) -> None:
            for ns in names:
                await client.delete_namespace(ns)
                typer.echo(f"namespace/{ns} deleted")

        run(each, server)
        return
    kinds = plural(kind)
    failed = False
    for outcome in run(lambda c: c.delete_many(kinds, namespace, names), server):
        if outcome.deleted:
            typer.echo(f"{kinds}/{outcome.name} deleted")
        else:
            failed = True
            typer.echo(
                f"{kinds}/{outcome.name} not deleted ({outcome.reason}): {outcome.message}",
                err=True,
            )
    if failed:
        raise typer.Exit(1)


def create(kind: str, name: str, server: Server = DEFAULT_URL) -> None:
    """Create a namespace: ``raydeck create namespace NAME``."""
    if kind.lower() not in ("namespace", "ns"):
        fail("only namespaces are created this way; use `raydeck apply -f`")
    run(lambda c: c.create_namespace(name), server)
    typer.echo(f"namespace/{name} created")


def suspend_command(verb: str) -> Callable[..., None]:
    """``start`` or ``stop``: the same command but for its verb and help."""

    def command(
        kind: KindArgument,
        name: str,
        namespace: Namespace = "default",
        server: Server = DEFAULT_URL,
    ) -> None:
        kinds = plural(kind)
        run(lambda c: c.action(kinds, namespace, name, verb), server)
        typer.echo(f"{kinds}/{name} {'starting' if verb == 'start' else 'stopping'}")

    command.__doc__ = (
        "Start a stopped object (spec.suspend: false)."
        if verb == "start"
        else "Stop an object (spec.suspend: true); its spec is kept."
    )
    return command


def logs(
    kind: KindArgument,
    name: str,
    namespace: Namespace = "default",
    pod: Annotated[str | None, typer.Option(help="Pod (default: the head)")] = None,
    tail: Annotated[int | None, typer.Option(help="Only the last N lines")] = None,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Stream new lines")] = False,
    server: Server = DEFAULT_URL,
) -> None:
    """Print a pod's log (the head node's by default)."""
    kinds = plural(kind)

    async def work(client: Client) -> None:
        chunks = client.logs(kinds, namespace, name, pod=pod, tail=tail, follow=follow)
        await write_out(chunks)

    try:
        run(work, server)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


async def write_out(chunks: AsyncIterator[str]) -> None:
    """Each chunk to stdout as it comes, as ``tail -f`` shows a log."""
    async for chunk in chunks:
        sys.stdout.write(chunk)
        sys.stdout.flush()
