"""``raydeck job submit``: run a command as a RayJob on an existing RayCluster, as ``ray job
submit`` does, and follow its log.

The RayJob is built with the kind's own model (``resources/rayjob.py``) and sent through
``Client``; the server validates and runs it.
"""

from __future__ import annotations

import secrets
import shlex
from pathlib import Path
from typing import Annotated

import typer
import yaml

from raydeck.cli.client import DEFAULT_URL, Client
from raydeck.cli.commands.common import Namespace, Server, fail, run
from raydeck.cli.commands.objects import write_out
from raydeck.cli.views import Shown
from raydeck.resources.meta import ObjectMeta
from raydeck.resources.rayjob import CLUSTER_SELECTOR_KEY, RayJob, RayJobSpec

job_app = typer.Typer(no_args_is_help=True, help="Run commands on an existing RayCluster.")


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
    job = selector_job(command, cluster=cluster, name=name, working_dir=working_dir, env=env or [])
    job_name = job.metadata.name

    async def work(client: Client) -> str:
        await client.create("rayjobs", namespace, job.to_wire())
        typer.echo(f"rayjobs/{job_name} created on raycluster {cluster}", err=True)
        if no_wait:
            return "Submitted"
        await write_out(
            client.logs("rayjobs", namespace, job_name, pod=None, tail=None, follow=True)
        )
        status = Shown.of(await client.get("rayjobs", namespace, job_name)).status
        deployment, outcome = status.job_deployment_status, status.job_status
        return f"{'?' if deployment is None else deployment}/{'?' if outcome is None else outcome}"

    outcome = run(work, server)
    typer.echo(f"rayjobs/{job_name}: {outcome}", err=True)
    if outcome.startswith("Failed"):
        raise typer.Exit(1)


def selector_job(
    command: list[str], *, cluster: str, name: str | None, working_dir: Path | None, env: list[str]
) -> RayJob:
    """The RayJob running ``command`` on the RayCluster ``cluster`` (``spec.clusterSelector``)."""
    if not command:
        fail("give the command after --, e.g. raydeck job submit -c c1 -- python x.py", code=2)
    pairs = [item.split("=", 1) for item in env]
    if any(len(pair) != 2 for pair in pairs):
        fail("--env takes KEY=VALUE", code=2)
    runtime_env: dict[str, str | dict[str, str]] = {}
    if working_dir is not None:
        runtime_env["working_dir"] = str(working_dir.expanduser().resolve())
    if pairs:
        runtime_env["env_vars"] = dict(pairs)
    spec = RayJobSpec(
        entrypoint=shlex.join(command), cluster_selector={CLUSTER_SELECTOR_KEY: cluster}
    )
    if runtime_env:
        spec.runtime_env_yaml = yaml.safe_dump(runtime_env, sort_keys=False)
    return RayJob(
        api_version="ray.io/v1",
        kind="RayJob",
        metadata=ObjectMeta(name=name or f"{cluster[:32]}-job-{secrets.token_hex(3)}"),
        spec=spec,
    )
