"""The ``raydeck`` command: ``up`` and ``serve`` run the server; the rest are kubectl-style verbs.

``apply``, ``get``, ``describe``, ``delete``, ``start``, ``stop`` and ``logs`` are
thin wrappers over ``Client`` (the REST API); only ``up`` and ``serve`` import
the server itself.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shlex
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
import yaml

from raydeck.cli.client import DEFAULT_URL, ApiError, Client
from raydeck.cli.config import forget_token, save_token, token_for
from raydeck.cli.output import describe, render
from raydeck.errors import RaydeckError
from raydeck.resources.codec import load_documents
from raydeck.resources.kinds import KINDS, by_name
from raydeck.settings import Settings

T = TypeVar("T")
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="raydeck: RayClusters, RayJobs and RayServices on this machine or on Kubernetes.",
)

Server = Annotated[str, typer.Option("--server", "-s", envvar="RAYDECK_URL", help="raydeck's URL")]
Namespace = Annotated[str, typer.Option("--namespace", "-n", help="Namespace")]
Output = Annotated[str, typer.Option("--output", "-o", help="table, yaml or json")]
#: Every kind the verbs take, with its shortest name, for their --help.
KIND_HELP = ", ".join(f"{k.plural} ({min(k.short_names, key=len)})" for k in KINDS)
KindArgument = Annotated[str, typer.Argument(help=KIND_HELP, show_default=False)]


def _run(work: Callable[[Client], Awaitable[T]], server: str) -> T:
    async def main() -> T:
        async with Client(server, token=token_for(server), on_warning=_print_warning) as client:
            return await work(client)

    try:
        return asyncio.run(main())
    except ApiError as e:
        typer.echo(f"Error from server ({e.reason}): {e.message}", err=True)
        for cause in e.causes:
            typer.echo(f"  {cause.get('field') or '-'}: {cause.get('message')}", err=True)
        raise typer.Exit(1) from None
    except RaydeckError as e:
        typer.echo(f"Error: {e.message}", err=True)
        raise typer.Exit(1) from None


def _print_warning(text: str) -> None:
    """As kubectl prints the API server's warnings: on stderr, after "Warning: "."""
    typer.echo(f"Warning: {text}", err=True)


def _plural(kind: str) -> str:
    try:
        return by_name(kind).plural
    except RaydeckError as e:
        typer.echo(f"Error: {e.message}", err=True)
        raise typer.Exit(1) from None


def _serve(
    host: str | None,
    port: int | None,
    data_dir: Path | None,
    target: PlatformChoice,
    *,
    keep_running: bool,
    monitoring: MonitoringFlags,
    log_level: str = "info",
    forwarded_allow_ips: str | None = None,
) -> None:
    from pydantic import ValidationError

    from raydeck.settings import get_settings

    overrides: dict[str, Any] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir.expanduser()
    if target.platform is not None:
        overrides["platform"] = target.platform
    try:
        settings = get_settings(**overrides)
    except ValidationError as e:
        for error in e.errors():
            typer.echo(f"Error: {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(1) from None
    settings.server.host = host or settings.server.host
    settings.server.port = port or settings.server.port
    if forwarded_allow_ips is not None:
        settings.server.forwarded_allow_ips = forwarded_allow_ips
    if target.kubeconfig is not None:
        settings.kubernetes.kubeconfig = target.kubeconfig.expanduser()
    if target.context is not None:
        settings.kubernetes.context = target.context
    if settings.platform == "kubernetes":
        keep_running = True  # clusters belong to the Kubernetes cluster, not to this process
        _check_kubernetes(settings)
    if monitoring.prometheus_url:
        settings.monitoring.prometheus_url = monitoring.prometheus_url
    if monitoring.grafana_url:
        settings.monitoring.grafana_url = monitoring.grafana_url
    with _prometheus(settings, monitoring):
        _run_server(settings, keep_running=keep_running, log_level=log_level)


def _run_server(settings: Settings, *, keep_running: bool, log_level: str = "info") -> None:
    import uvicorn

    from raydeck.app import create_app

    url = f"http://{settings.server.host}:{settings.server.port}"
    local_url = f"http://127.0.0.1:{settings.server.port}"

    def store_admin_token(token: str) -> None:
        path = save_token(local_url, username="admin", token=token)
        typer.echo(f"The CLI is logged in to {local_url} as admin (token in {path})")

    try:
        server_app = create_app(
            settings,
            stop_clusters_on_exit=not keep_running,
            admin_token_sink=None if keep_running else store_admin_token,
            first_start_hint=_next_step(local_url, logged_in=not keep_running),
        )
    except RaydeckError as e:
        typer.echo(f"Error: {e.message}", err=True)
        raise typer.Exit(1) from None
    where = f"console: {url}/, " if settings.console else ""
    typer.echo(
        f"raydeck is starting at {url}  ({where}API docs: {url}/docs, data: {settings.data_dir})"
    )
    typer.echo(
        "Press Ctrl-C to stop"
        + (
            "; clusters keep running"
            if keep_running
            else "; running clusters stop and come back on the next start"
        )
    )
    trusted = settings.server.forwarded_allow_ips.strip()
    uvicorn.run(
        server_app,
        host=settings.server.host,
        port=settings.server.port,
        log_level=log_level,
        # One line per request (every console asset among them) only for who asked for it.
        access_log=log_level == "debug",
        # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise: raydeck believes
        # it only from the proxies named by --forwarded-allow-ips (docs/security.md).
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
    )


def _next_step(url: str, *, logged_in: bool) -> str:
    """The exact command a newcomer can paste next, from where raydeck was started."""
    raydeck = _raydeck_command()
    server = "" if url == DEFAULT_URL else f" --server {url}"
    example = Path("docs/examples/raycluster.yaml")
    target = str(example) if example.is_file() else "my-raycluster.yaml"
    apply = f"{raydeck} apply -f {target}{server}"
    if logged_in:
        return f"Next, in another terminal: {apply}"
    return f"Next, in another terminal: {raydeck} login{server}, then {apply}"


def _raydeck_command() -> str:
    """How the user called this raydeck (``.venv/bin/raydeck``), relative to here if under it."""
    called = Path(sys.argv[0])
    if called.name != "raydeck":
        return "raydeck"  # run as a module or from a test: the installed entry point's name
    try:
        return str(called.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(called)


def _check_kubernetes(settings: Settings) -> None:
    """Fail fast, with a sentence and no traceback, when the API server cannot be used."""
    from raydeck.platforms.kubernetes.platform import check_connection

    try:
        server = asyncio.run(check_connection(settings))
    except RaydeckError as e:
        typer.echo(f"Error: {e.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Kubernetes API server: {server}")


@dataclass(frozen=True)
class MonitoringFlags:
    prometheus_url: str | None = None
    grafana_url: str | None = None
    with_prometheus: bool = False
    prometheus_port: int = 9090


@contextmanager
def _prometheus(settings: Settings, flags: MonitoringFlags) -> Iterator[None]:
    """With ``--with-prometheus``: Debian's prometheus scraping every local Ray node, stopped after."""
    if not flags.with_prometheus:
        yield
        return
    from raydeck.monitoring import prometheus_server as ps

    binary = ps.prometheus_binary()
    if binary is None:
        typer.echo(
            "Error: --with-prometheus needs the prometheus binary: apt-get install prometheus",
            err=True,
        )
        raise typer.Exit(1)
    home = settings.data_dir / "prometheus"
    targets = home / ps.TARGETS_FILE
    ps.write_file_sd(targets, [])
    raydeck_address = f"{settings.server.host}:{settings.server.port}"
    ps.write_config(
        home / "prometheus.yml", ps.config(targets_file=targets, raydeck_address=raydeck_address)
    )
    listen = f"127.0.0.1:{flags.prometheus_port}"
    argv = ps.command(
        binary=binary, config_file=home / "prometheus.yml", data_dir=home / "data", listen=listen
    )
    log = (home / "prometheus.log").open("ab")
    process = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
    settings.monitoring.prometheus_url = f"http://{listen}"
    settings.monitoring.file_sd_path = targets
    typer.echo(f"Prometheus is starting at http://{listen} (log: {home / 'prometheus.log'})")
    try:
        yield
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


HostOption = Annotated[
    str | None, typer.Option(envvar="RAYDECK_HOST", help="Address to listen on (127.0.0.1)")
]
PortOption = Annotated[
    int | None, typer.Option(envvar="RAYDECK_PORT", help="Port to listen on (8480)")
]
DataDirOption = Annotated[
    Path | None,
    typer.Option(envvar="RAYDECK_DATA_DIR", help="Where state and node files live (~/.raydeck)"),
]


PlatformOption = Annotated[
    str | None,
    typer.Option("--platform", envvar="RAYDECK_PLATFORM", help="local (default) or kubernetes"),
]
KubeconfigOption = Annotated[
    Path | None,
    typer.Option(
        "--kubeconfig",
        help="kubernetes: kubeconfig file (default $KUBECONFIG, ~/.kube/config or in-cluster)",
    ),
]
ContextOption = Annotated[
    str | None, typer.Option("--context", help="kubernetes: kubeconfig context to use")
]


@dataclass(frozen=True)
class PlatformChoice:
    platform: str | None = None
    kubeconfig: Path | None = None
    context: str | None = None


PrometheusUrlOption = Annotated[
    str | None,
    typer.Option(
        "--prometheus-url",
        envvar="RAYDECK_MONITORING__PROMETHEUS_URL",
        help="Ask this Prometheus for cluster metrics instead of sampling Ray's endpoints",
    ),
]
GrafanaUrlOption = Annotated[
    str | None,
    typer.Option(
        "--grafana-url",
        envvar="RAYDECK_MONITORING__GRAFANA_URL",
        help="Grafana to link to from the overview (View in Grafana)",
    ),
]
WithPrometheusOption = Annotated[
    bool,
    typer.Option(
        "--with-prometheus",
        help="Start Debian's prometheus scraping every local Ray node, and use it",
    ),
]


class LogLevel(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


LogLevelOption = Annotated[
    LogLevel,
    typer.Option(
        "--log-level",
        envvar="RAYDECK_LOG_LEVEL",
        case_sensitive=False,
        help="debug adds one line per HTTP request",
    ),
]
ForwardedAllowIpsOption = Annotated[
    str | None,
    typer.Option(
        "--forwarded-allow-ips",
        envvar="RAYDECK_SERVER__FORWARDED_ALLOW_IPS",
        help="Proxies (comma-separated IPs or networks) whose X-Forwarded-For is believed; "
        "none by default",
    ),
]
PrometheusPortOption = Annotated[
    int, typer.Option("--prometheus-port", help="Port of the Prometheus --with-prometheus starts")
]


@app.command()
def up(
    host: HostOption = None,
    port: PortOption = None,
    data_dir: DataDirOption = None,
    platform: PlatformOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    prometheus_url: PrometheusUrlOption = None,
    grafana_url: GrafanaUrlOption = None,
    with_prometheus: WithPrometheusOption = False,
    prometheus_port: PrometheusPortOption = 9090,
    log_level: LogLevelOption = LogLevel.info,
    forwarded_allow_ips: ForwardedAllowIpsOption = None,
) -> None:
    """Run raydeck; on the local platform its clusters stop on exit and return on the next start."""
    target = PlatformChoice(platform, kubeconfig, context)
    flags = MonitoringFlags(prometheus_url, grafana_url, with_prometheus, prometheus_port)
    _serve(
        host,
        port,
        data_dir,
        target,
        keep_running=False,
        monitoring=flags,
        log_level=log_level.value,
        forwarded_allow_ips=forwarded_allow_ips,
    )


@app.command()
def serve(
    host: HostOption = None,
    port: PortOption = None,
    data_dir: DataDirOption = None,
    platform: PlatformOption = None,
    kubeconfig: KubeconfigOption = None,
    context: ContextOption = None,
    prometheus_url: PrometheusUrlOption = None,
    grafana_url: GrafanaUrlOption = None,
    log_level: LogLevelOption = LogLevel.info,
    forwarded_allow_ips: ForwardedAllowIpsOption = None,
) -> None:
    """Run raydeck as a long-lived server; clusters keep running when it exits."""
    target = PlatformChoice(platform, kubeconfig, context)
    flags = MonitoringFlags(prometheus_url, grafana_url)
    _serve(
        host,
        port,
        data_dir,
        target,
        keep_running=True,
        monitoring=flags,
        log_level=log_level.value,
        forwarded_allow_ips=forwarded_allow_ips,
    )


@app.command()
def login(
    username: Annotated[str, typer.Option("--username", "-u", help="User name")] = "admin",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
    server: Server = DEFAULT_URL,
) -> None:
    """Log in and keep the token in the CLI config; later commands send it."""
    password = _password(password_stdin, confirm=False)
    result = _run(lambda c: c.login(username, password), server)
    path = save_token(server, username=username, token=result["token"])
    typer.echo(f"Logged in to {server} as {username} (token {result['id']} saved in {path})")


def _password(from_stdin: bool, *, confirm: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return password


@app.command()
def logout(server: Server = DEFAULT_URL) -> None:
    """Revoke this CLI's token on the server and forget it."""
    _run(lambda c: c.logout(), server)
    forget_token(server)
    typer.echo(f"Logged out of {server}")


@app.command()
def whoami(server: Server = DEFAULT_URL) -> None:
    """Show the logged-in user, their role and namespaces."""
    me = _run(lambda c: c.whoami(), server)
    namespaces = ", ".join(me["namespaces"]) or ("all" if me["role"] == "platform-admin" else "-")
    typer.echo(f"{me['username']} ({me['role']}); namespaces: {namespaces}")


@app.command()
def passwd(server: Server = DEFAULT_URL) -> None:
    """Change your own password (your other tokens and sessions stop working)."""
    current = typer.prompt("Current password", hide_input=True)
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)

    async def work(client: Client) -> str:
        me = await client.whoami()
        await client.update_user(me["username"], {"password": password, "currentPassword": current})
        return str(me["username"])

    typer.echo(f"Password of {_run(work, server)} changed")


token_app = typer.Typer(no_args_is_help=True, help="Create, list and revoke your API tokens.")
app.add_typer(token_app, name="token")


@token_app.command("list")
def token_list(server: Server = DEFAULT_URL) -> None:
    """Your tokens and console sessions."""
    rows = [
        f"{t['id']:<14}{t['kind']:<9}{t['createdAt']:<22}{t['lastUsedAt'] or '-':<22}"
        f"{t['description']}"
        for t in _run(lambda c: c.tokens(), server)
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
    issued = _run(lambda c: c.create_token(description), server)
    typer.echo(issued["token"])
    typer.echo(
        f"token/{issued['id']} created; it expires {issued.get('expiresAt') or 'never'}. "
        "Revoke it with `raydeck token revoke`.",
        err=True,
    )


@token_app.command("revoke")
def token_revoke(token_id: str, server: Server = DEFAULT_URL) -> None:
    """Revoke a token by its id (see `raydeck token list`)."""
    _run(lambda c: c.revoke_token(token_id), server)
    typer.echo(f"token/{token_id} revoked")


user_app = typer.Typer(no_args_is_help=True, help="Manage users (platform-admin).")
app.add_typer(user_app, name="user")


@user_app.command("create")
def user_create(
    username: str,
    role: Annotated[str, typer.Option(help="platform-admin, cluster-admin or viewer")] = "viewer",
    namespace: Annotated[
        list[str] | None, typer.Option("--namespace", "-n", help="Namespace granted (repeat)")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin")
    ] = False,
    server: Server = DEFAULT_URL,
) -> None:
    """Create a user with a role and the namespaces they may use."""
    password = _password(password_stdin, confirm=True)
    body = {"username": username, "password": password, "role": role, "namespaces": namespace or []}
    _run(lambda c: c.create_user(body), server)
    typer.echo(f"user/{username} created")


@app.command()
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
        typer.echo(f"Error: {filename}: {e.message}", err=True)
        raise typer.Exit(1) from None

    async def work(client: Client) -> bool:
        failed = False
        for document in documents:
            plural = _plural_of(str(document.get("kind") or ""))
            try:
                typer.echo(await _apply_one(client, document, plural, namespace))
            except ApiError as e:
                failed = True
                meta = document.get("metadata") or {}
                name = meta.get("name") or meta.get("generateName") or "(no name)"
                typer.echo(
                    f"Error from server ({e.reason}): {plural}/{name}: {e.message}", err=True
                )
        return failed

    if _run(work, server):
        raise typer.Exit(1)


async def _apply_one(client: Client, document: dict[str, Any], plural: str, namespace: str) -> str:
    """Create the document, or replace it where it exists; what kubectl prints for it."""
    meta = document.get("metadata") or {}
    ns = meta.get("namespace") or namespace
    name = meta.get("name")
    if not name and meta.get("generateName"):
        created = await client.create(plural, ns, document)  # a new name each time, as create
        return f"{plural}/{created['metadata']['name']} created"
    try:
        await client.create(plural, ns, document)
        return f"{plural}/{name} created"
    except ApiError as e:
        if e.reason != "AlreadyExists":
            raise
    await client.replace(plural, ns, str(name), document)
    return f"{plural}/{name} configured"


def _plural_of(kind: str) -> str:
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
        typer.echo(f"Error: cannot read {path}: {e.strerror}", err=True)
        raise typer.Exit(1) from None


@app.command()
def get(
    kind: Annotated[str, typer.Argument(help=f"{KIND_HELP}, or namespaces (ns)")],
    name: Annotated[str | None, typer.Argument()] = None,
    namespace: Namespace = "default",
    all_namespaces: Annotated[bool, typer.Option("--all-namespaces", "-A")] = False,
    output: Output = "table",
    search: Annotated[
        str,
        typer.Option(
            help="Names containing this text (any case); if none does, names with its "
            "characters in that order"
        ),
    ] = "",
    sort: Annotated[
        str,
        typer.Option(
            help="name, created, status, rayVersion, creator, cpu, memory, gpu; '-' descends"
        ),
    ] = "name",
    status: Annotated[str, typer.Option(help="Only these states, comma-separated")] = "",
    type_: Annotated[str | None, typer.Option("--type", help="template or instance")] = None,
    selector: Annotated[str, typer.Option("--selector", "-l", help="Label selector")] = "",
    limit: Annotated[int, typer.Option(help="At most this many")] = 0,
    server: Server = DEFAULT_URL,
) -> None:
    """List objects of a kind, or show one."""
    if kind.lower() in ("namespace", "namespaces", "ns"):
        items = _run(lambda c: c.namespaces(), server)
        typer.echo("\n".join(["NAME", *(i["metadata"]["name"] for i in items)]))
        return
    plural = _plural(kind)

    async def work(client: Client) -> list[dict[str, Any]]:
        if name:
            return [await client.get(plural, namespace, name)]
        body = await client.list_objects(
            plural,
            None if all_namespaces else namespace,
            search=search,
            sort=sort,
            status=status,
            type=type_,
            selector=selector,
            limit=limit,
        )
        items: list[dict[str, Any]] = body["items"]
        if body.get("closeMatches"):
            typer.echo(
                f"No name contains {search.strip()!r}; showing names with its characters "
                "in that order.",
                err=True,
            )
        return items

    objects = _run(work, server)
    if not objects and output == "table":
        where = "any namespace" if all_namespaces else f"namespace {namespace}"
        typer.echo(f"No {plural} found in {where}.")
        return
    typer.echo(render(objects, output, all_namespaces=all_namespaces, single=bool(name)))


@app.command("describe")
def describe_command(
    kind: KindArgument, name: str, namespace: Namespace = "default", server: Server = DEFAULT_URL
) -> None:
    """Show an object with its conditions, pods and events."""
    plural = _plural(kind)

    async def work(client: Client) -> str:
        obj = await client.get(plural, namespace, name)
        pods = (await client.sub(plural, namespace, name, "pods"))["items"]
        events = (await client.sub(plural, namespace, name, "events"))["items"]
        return describe(obj, pods, events)

    typer.echo(_run(work, server))


@app.command()
def delete(
    kind: KindArgument,
    names: Annotated[list[str], typer.Argument()],
    namespace: Namespace = "default",
    server: Server = DEFAULT_URL,
) -> None:
    """Delete one or more objects; a running cluster must be stopped first."""
    if kind.lower() in ("namespace", "namespaces", "ns"):
        for ns in names:
            _run(_namespace_deleter(ns), server)
            typer.echo(f"namespace/{ns} deleted")
        return
    plural = _plural(kind)
    results = _run(lambda c: c.delete_many(plural, namespace, names), server)
    failed = False
    for result in results:
        if result["deleted"]:
            typer.echo(f"{plural}/{result['name']} deleted")
        else:
            failed = True
            typer.echo(
                f"{plural}/{result['name']} not deleted ({result['reason']}): {result['message']}",
                err=True,
            )
    if failed:
        raise typer.Exit(1)


def _namespace_deleter(name: str) -> Callable[[Client], Awaitable[None]]:
    async def work(client: Client) -> None:
        await client.delete_namespace(name)

    return work


@app.command()
def create(kind: str, name: str, server: Server = DEFAULT_URL) -> None:
    """Create a namespace: ``raydeck create namespace NAME``."""
    if kind.lower() not in ("namespace", "ns"):
        typer.echo("Error: only namespaces are created this way; use `raydeck apply -f`", err=True)
        raise typer.Exit(1)
    _run(lambda c: c.create_namespace(name), server)
    typer.echo(f"namespace/{name} created")


def _suspend_command(verb: str) -> Callable[..., None]:
    def command(
        kind: KindArgument,
        name: str,
        namespace: Namespace = "default",
        server: Server = DEFAULT_URL,
    ) -> None:
        plural = _plural(kind)
        _run(lambda c: c.action(plural, namespace, name, verb), server)
        typer.echo(f"{plural}/{name} {'starting' if verb == 'start' else 'stopping'}")

    command.__doc__ = (
        "Start a stopped object (spec.suspend: false)."
        if verb == "start"
        else "Stop an object (spec.suspend: true); its spec is kept."
    )
    return command


app.command("start")(_suspend_command("start"))
app.command("stop")(_suspend_command("stop"))


@app.command()
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
    plural = _plural(kind)

    async def work(client: Client) -> None:
        async for chunk in client.logs(plural, namespace, name, pod=pod, tail=tail, follow=follow):
            sys.stdout.write(chunk)
            sys.stdout.flush()

    try:
        _run(work, server)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


job_app = typer.Typer(no_args_is_help=True, help="Run commands on an existing RayCluster.")
app.add_typer(job_app, name="job")


@job_app.command("submit", context_settings={"allow_extra_args": True})
def job_submit(
    command: Annotated[list[str], typer.Argument(help="The entrypoint, after --")],
    cluster: Annotated[str, typer.Option("--cluster", "-c", help="RayCluster to run on")],
    namespace: Namespace = "default",
    name: Annotated[str | None, typer.Option(help="RayJob name (default: derived)")] = None,
    working_dir: Annotated[
        Path | None, typer.Option(help="Local directory shipped to the job as its working_dir")
    ] = None,
    env: Annotated[
        list[str] | None, typer.Option("--env", "-e", help="KEY=VALUE for the job")
    ] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Return once submitted")] = False,
    server: Server = DEFAULT_URL,
) -> None:
    """Submit CMD as a RayJob on an existing RayCluster and print its log, like `ray job submit`."""
    body = _selector_job(
        command, cluster=cluster, name=name, working_dir=working_dir, env=env or []
    )
    job_name = body["metadata"]["name"]

    async def work(client: Client) -> str:
        await client.create("rayjobs", namespace, body)
        typer.echo(f"rayjobs/{job_name} created on raycluster {cluster}", err=True)
        if no_wait:
            return "Submitted"
        async for chunk in client.logs(
            "rayjobs", namespace, job_name, pod=None, tail=None, follow=True
        ):
            sys.stdout.write(chunk)
            sys.stdout.flush()
        status = (await client.get("rayjobs", namespace, job_name)).get("status") or {}
        return f"{status.get('jobDeploymentStatus', '?')}/{status.get('jobStatus', '?')}"

    outcome = _run(work, server)
    typer.echo(f"rayjobs/{job_name}: {outcome}", err=True)
    if outcome.startswith("Failed"):
        raise typer.Exit(1)


def _selector_job(
    command: list[str], *, cluster: str, name: str | None, working_dir: Path | None, env: list[str]
) -> dict[str, Any]:
    if not command:
        typer.echo(
            "Error: give the command after --, e.g. raydeck job submit -c c1 -- python x.py",
            err=True,
        )
        raise typer.Exit(2)
    runtime_env: dict[str, Any] = {}
    if working_dir is not None:
        runtime_env["working_dir"] = str(working_dir.expanduser().resolve())
    pairs = [item.split("=", 1) for item in env]
    if any(len(pair) != 2 for pair in pairs):
        typer.echo("Error: --env takes KEY=VALUE", err=True)
        raise typer.Exit(2)
    if pairs:
        runtime_env["env_vars"] = dict(pairs)
    job_name = name or f"{cluster[:32]}-job-{secrets.token_hex(3)}"
    spec: dict[str, Any] = {
        "entrypoint": shlex.join(command),
        "clusterSelector": {"ray.io/cluster": cluster},
    }
    if runtime_env:
        spec["runtimeEnvYAML"] = yaml.safe_dump(runtime_env, sort_keys=False)
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": job_name},
        "spec": spec,
    }


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    app()
