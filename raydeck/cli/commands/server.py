"""``raydeck up`` and ``raydeck serve``: settings from flags and environment, then the server.

The only commands that import the server (``raydeck.app``, uvicorn), and only when they run.
``up`` also logs this machine's CLI in and, with ``--with-prometheus``, runs Debian's
Prometheus beside it (``monitoring/prometheus_server.run_prometheus``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from raydeck.cli.client import DEFAULT_URL
from raydeck.cli.commands.common import fail
from raydeck.cli.config import save_token
from raydeck.errors import RaydeckError
from raydeck.settings import Settings


@dataclass(frozen=True)
class PlatformChoice:
    platform: str | None = None
    kubeconfig: Path | None = None
    context: str | None = None


@dataclass(frozen=True)
class MonitoringFlags:
    prometheus_url: str | None = None
    grafana_url: str | None = None
    with_prometheus: bool = False
    prometheus_port: int = 9090


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
    settings = _settings(data_dir, target)
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


def _settings(data_dir: Path | None, target: PlatformChoice) -> Settings:
    """The settings from the environment, with the flags that must be known to build them."""
    from pydantic import ValidationError

    from raydeck.settings import get_settings

    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir.expanduser()
    if target.platform is not None:
        overrides["platform"] = target.platform
    try:
        return get_settings(**overrides)
    except ValidationError as e:
        for error in e.errors():
            typer.echo(f"Error: {'.'.join(map(str, error['loc']))}: {error['msg']}", err=True)
        raise typer.Exit(1) from None


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
        fail(e.message)
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
        fail(e.message)
    typer.echo(f"Kubernetes API server: {server}")


@contextmanager
def _prometheus(settings: Settings, flags: MonitoringFlags) -> Iterator[None]:
    """With ``--with-prometheus``: Debian's prometheus scraping every local Ray node, stopped after.

    It is not waited for: raydeck serves without it, and the overview asks it when it is up.
    """
    if not flags.with_prometheus:
        yield
        return
    from raydeck.monitoring import prometheus_server as ps

    binary = ps.prometheus_binary()
    if binary is None:
        fail("--with-prometheus needs the prometheus binary: apt-get install prometheus")
    home = settings.data_dir / "prometheus"
    targets = home / ps.TARGETS_FILE
    ps.write_file_sd(targets, [])
    raydeck_address = f"{settings.server.host}:{settings.server.port}"
    config = ps.config(targets_file=targets, raydeck_address=raydeck_address)
    listen = f"127.0.0.1:{flags.prometheus_port}"
    with ps.run_prometheus(
        config, binary=binary, home=home, listen=listen, ready_within=None
    ) as url:
        settings.monitoring.prometheus_url = url
        settings.monitoring.file_sd_path = targets
        typer.echo(f"Prometheus is starting at {url} (log: {home / ps.LOG_FILE})")
        yield
