"""The ``raydeck`` CLI against a real HTTP server (in-memory platform): what a terminal user sees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from raydeck.cli.main import app as cli
from raydeck.platforms.admission import Capacity
from raydeck.settings import Settings
from tests.support.auth import ADMIN_PASSWORD, login_sync
from tests.support.http_server import serving
from tests.support.samples import raycluster, rayjob, rayservice


@pytest.fixture
def server(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server whose admin token the CLI sends (RAYDECK_TOKEN); the CLI config is the test's own."""
    monkeypatch.setenv("RAYDECK_CONFIG", str(tmp_path / "cli-config.json"))
    with serving(settings) as url:
        monkeypatch.setenv("RAYDECK_TOKEN", login_sync(url))
        yield url


def run(server: str, *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, [*args, "--server", server], input=input)
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, *docs: dict[str, object]) -> Path:
    path = tmp_path / "clusters.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    return path


def test_apply_creates_each_document_then_configures_on_reapply(
    server: str, tmp_path: Path
) -> None:
    path = write(tmp_path, raycluster("one"), raycluster("two"))
    code, out, _ = run(server, "apply", "-f", str(path))
    assert code == 0 and out.splitlines() == ["rayclusters/one created", "rayclusters/two created"]
    code, out, _ = run(server, "apply", "-f", str(path))
    assert code == 0 and "rayclusters/one configured" in out


def test_apply_reports_field_errors_and_stores_nothing(server: str, tmp_path: Path) -> None:
    code, _, err = run(server, "apply", "-f", str(write(tmp_path, raycluster("Bad_Name"))))
    assert code == 1
    assert "Error from server (Invalid)" in err and "metadata.name" in err
    assert "No rayclusters found" in run(server, "get", "rayclusters")[1]


def test_apply_from_stdin_and_invalid_yaml(server: str) -> None:
    code, out, _ = run(server, "apply", "-f", "-", input=yaml.safe_dump(raycluster("piped")))
    assert code == 0 and "piped created" in out
    code, _, err = run(server, "apply", "-f", "-", input="kind: [\n")
    assert code == 1 and "line" in err


def test_get_help_lists_every_kind_with_its_short_name() -> None:
    result = CliRunner().invoke(cli, ["get", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    line = " ".join(result.stdout.split())
    expected = (
        "rayclusters (rc), rayjobs (rj), rayservices (rsvc), configmaps (cm), secrets (secret), "
        "or namespaces (ns)"
    )
    assert expected in line


def test_get_search_lists_names_containing_it_and_says_when_it_shows_close_matches(
    server: str, tmp_path: Path
) -> None:
    names = ("perf-01", "perf-011", "perf-10", "prod-0-1")
    run(server, "apply", "-f", str(write(tmp_path, *(raycluster(n) for n in names))))
    code, out, err = run(server, "get", "rc", "--search", "perf-01")
    assert code == 0 and err == ""
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["perf-01", "perf-011"]
    code, out, err = run(server, "get", "rc", "--search", "pd01")
    assert [line.split()[0] for line in out.splitlines()[1:]] == ["prod-0-1"]
    assert "No name contains 'pd01'; showing names with its characters in that order." in err


def test_get_shows_a_table_yaml_and_json(server: str, tmp_path: Path) -> None:
    run(server, "apply", "-f", str(write(tmp_path, raycluster("shown", cpu="2"))))
    code, out, _ = run(server, "get", "rc")
    assert code == 0
    header, row = out.splitlines()
    assert header.split()[:4] == ["NAME", "TYPE", "STATUS", "WORKERS"]
    assert row.split()[:4] == ["shown", "instance", "ready", "2/2"]
    assert (
        yaml.safe_load(run(server, "get", "raycluster", "shown", "-o", "yaml")[1])["metadata"][
            "name"
        ]
        == "shown"
    )
    listed = json.loads(run(server, "get", "rayclusters", "-o", "json")[1])
    assert [i["metadata"]["name"] for i in listed["items"]] == ["shown"]
    assert "NAMESPACE" in run(server, "get", "rayclusters", "-A")[1].splitlines()[0]


def test_stop_start_delete_and_running_delete_refused(server: str, tmp_path: Path) -> None:
    run(server, "apply", "-f", str(write(tmp_path, raycluster("cycle"))))
    code, _, err = run(server, "delete", "raycluster", "cycle")
    assert code == 1 and "stop it first" in err
    assert run(server, "stop", "raycluster", "cycle")[1].strip() == "rayclusters/cycle stopping"
    assert "suspended" in run(server, "get", "rc", "cycle")[1]
    assert run(server, "start", "rc", "cycle")[0] == 0
    run(server, "stop", "rc", "cycle")
    code, out, _ = run(server, "delete", "rc", "cycle")
    assert code == 0 and out.strip() == "rayclusters/cycle deleted"


def test_describe_and_logs(server: str, tmp_path: Path) -> None:
    run(server, "apply", "-f", str(write(tmp_path, raycluster("told"))))
    out = run(server, "describe", "raycluster", "told")[1]
    assert "Name:          told" in out and "StateChanged" in out and "told-head" in out
    assert run(server, "logs", "rc", "told", "--tail", "1")[1] == "line 5 of told\n"


def test_namespaces_and_unknown_kinds(server: str) -> None:
    assert run(server, "create", "namespace", "team-x")[0] == 0
    assert "team-x" in run(server, "get", "namespaces")[1]
    code, _, err = run(server, "get", "widgets")
    assert code == 1 and "unknown resource type 'widgets'" in err
    code, _, err = run(server, "get", "rc", "-n", "nowhere")
    assert code == 1 and "NotFound" in err


def test_unreachable_server_says_how_to_start_it() -> None:
    code, _, err = run("http://127.0.0.1:9", "get", "rc")
    assert code == 1 and "raydeck up" in err


def test_up_reads_port_host_and_data_dir_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import raydeck.cli.commands.server as main

    seen: dict[str, object] = {}

    def fake_serve(
        host: str | None,
        port: int | None,
        data_dir: Path | None,
        target: main.PlatformChoice,
        *,
        keep_running: bool,
        monitoring: object,
        log_level: str,
        forwarded_allow_ips: str | None,
    ) -> None:
        seen.update(host=host, port=port, data_dir=data_dir, keep_running=keep_running)
        seen.update(platform=target.platform, log_level=log_level, forwarded=forwarded_allow_ips)

    monkeypatch.setattr(main, "_serve", fake_serve)
    env = {
        "RAYDECK_PORT": "9123",
        "RAYDECK_HOST": "127.0.0.2",
        "RAYDECK_DATA_DIR": str(tmp_path),
        "RAYDECK_SERVER__FORWARDED_ALLOW_IPS": "127.0.0.9",
    }
    assert CliRunner().invoke(cli, ["up"], env=env).exit_code == 0
    assert seen == {
        "host": "127.0.0.2",
        "port": 9123,
        "data_dir": tmp_path,
        "keep_running": False,
        "platform": None,
        "log_level": "info",
        "forwarded": "127.0.0.9",
    }


def test_up_on_kubernetes_with_a_missing_kubeconfig_says_so_and_starts_nothing(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nope.yaml"
    args = ["up", "--platform", "kubernetes", "--kubeconfig", str(missing)]
    result = CliRunner().invoke(cli, [*args, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{missing} is not a file" in result.stderr
    assert "Traceback" not in result.output


def test_up_with_an_unknown_platform_names_the_choices(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["up", "--platform", "moon", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "platform" in result.stderr and "'local' or 'kubernetes'" in result.stderr


def test_get_rayjobs_shows_both_statuses_cluster_and_duration(server: str, tmp_path: Path) -> None:
    assert run(server, "apply", "-f", str(write(tmp_path, rayjob("counted"))))[0] == 0
    header, row = run(server, "get", "rayjobs")[1].splitlines()
    assert header.split()[:5] == ["NAME", "TYPE", "JOB", "STATUS", "DEPLOYMENT"]
    cells = row.split()
    assert cells[:5] == ["counted", "instance", "SUCCEEDED", "Complete", "counted-mem00"]
    assert cells[7] == "0s"


def test_apply_takes_a_configmap_and_a_rayjob_from_one_file(server: str, tmp_path: Path) -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "code"},
        "data": {"main.py": "print(1)"},
    }
    code, out, _ = run(server, "apply", "-f", str(write(tmp_path, configmap, rayjob("with-code"))))
    assert code == 0 and out.splitlines() == [
        "configmaps/code created",
        "rayjobs/with-code created",
    ]
    header, row = run(server, "get", "configmaps")[1].splitlines()
    assert header.split() == ["NAME", "DATA", "AGE"] and row.split()[:2] == ["code", "1"]


def test_rayservices_apply_get_describe_and_stop(server: str, tmp_path: Path) -> None:
    assert run(server, "apply", "-f", str(write(tmp_path, rayservice("web"))))[1] == (
        "rayservices/web created\n"
    )
    header, row = run(server, "get", "rayservices")[1].splitlines()
    assert header.split()[:4] == ["NAME", "TYPE", "STATUS", "APPS"]
    assert row.split()[:5] == ["web", "instance", "ready", "0/0", "web-mem00"]
    code, out, _ = run(server, "describe", "rsvc", "web")
    assert code == 0 and "State:         ready" in out and "NonZeroServeEndpoints" in out
    assert run(server, "stop", "rayservice", "web")[0] == 0
    assert run(server, "get", "rayservices", "web")[1].splitlines()[1].split()[2] == "suspended"


def test_login_stores_a_token_that_later_commands_send_and_logout_revokes_it(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("RAYDECK_TOKEN")
    code, _, err = run(server, "whoami")
    assert code == 1 and "Unauthorized" in err and "raydeck login" in err
    code, _, err = run(server, "login", "--password-stdin", input="not-the-password\n")
    assert code == 1 and "the user name or password is wrong" in err
    code, out, _ = run(
        server, "login", "-u", "admin", "--password-stdin", input=ADMIN_PASSWORD + "\n"
    )
    assert code == 0 and f"Logged in to {server} as admin" in out
    config = tmp_path / "cli-config.json"
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    token = json.loads(config.read_text())["servers"][server]["token"]
    assert token.startswith("rdk_")
    code, out, _ = run(server, "whoami")
    assert code == 0 and out.strip() == "admin (platform-admin); namespaces: all"
    code, out, _ = run(server, "token", "list")
    assert code == 0 and "login" in out and token not in out
    code, extra, err = run(server, "token", "create", "-d", "interactive")
    assert code == 0 and extra.strip().startswith("rdk_") and "shown only" not in extra
    assert "created" in err
    monkeypatch.setenv("RAYDECK_TOKEN", extra.strip())
    assert run(server, "whoami")[1].strip().startswith("admin")
    monkeypatch.delenv("RAYDECK_TOKEN")
    assert "interactive" in run(server, "token", "list")[1]
    code, out, _ = run(server, "logout")
    assert code == 0
    assert server not in json.loads(config.read_text())["servers"]
    code, _, err = run(server, "get", "rayclusters")
    assert code == 1 and "Unauthorized" in err


def test_user_create_gives_a_viewer_who_cannot_change_anything(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(
        server,
        "user",
        "create",
        "val",
        "--role",
        "viewer",
        "-n",
        "default",
        "--password-stdin",
        input="val-password\n",
    )
    assert code == 0 and "user/val created" in out
    monkeypatch.delenv("RAYDECK_TOKEN")
    assert run(server, "login", "-u", "val", "--password-stdin", input="val-password\n")[0] == 0
    code, _, err = run(server, "apply", "-f", str(write(tmp_path, raycluster("nope"))))
    assert code == 1 and "Error from server (Forbidden)" in err and "viewer" in err


def test_apply_prints_the_servers_warning_and_get_shows_the_cluster_queued_with_why(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RAYDECK_CONFIG", str(tmp_path / "cli-config.json"))
    machine = Capacity(cpu_millis=4000, memory_bytes=None, gpu=None, nodes=None)
    with serving(settings, capacity=machine) as url:
        monkeypatch.setenv("RAYDECK_TOKEN", login_sync(url))
        assert run(url, "apply", "-f", str(write(tmp_path, raycluster("first"))))[0] == 0
        code, out, err = run(url, "apply", "-f", str(write(tmp_path, raycluster("second"))))
        assert code == 0 and out == "rayclusters/second created\n"
        assert err == (
            "Warning: RayCluster default/second waits in the admission queue at position 1: it "
            "needs 3 CPU and this machine (setting RAYDECK_LOCAL__CAPACITY_CPU) has 1 of 4 free "
            "(it asks 3 CPU, 3Gi memory, 0 GPU on 3 nodes)\n"
        )
        listed = run(url, "get", "rayclusters")[1].splitlines()
        assert listed[0].split()[-1] == "REASON"
        second = next(line for line in listed if line.startswith("second"))
        assert second.split()[2] == "Queued"
        assert second.endswith(
            "position 1: it needs 3 CPU and this machine (setting "
            "RAYDECK_LOCAL__CAPACITY_CPU) has 1 of 4 free"
        )
        first = next(line for line in listed if line.startswith("first"))
        assert first.split()[2] == "ready"


def test_apply_reports_each_document_goes_on_after_a_refusal_and_exits_1(
    server: str, tmp_path: Path
) -> None:
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "redis-password-secret"},
        "stringData": {"password": "5241590000000000"},
    }
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "redis"}}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "redis"}}
    path = write(tmp_path, secret, deployment, service, raycluster("after"))
    code, out, err = run(server, "apply", "-f", str(path))
    assert code == 1
    assert out.splitlines() == [
        "secrets/redis-password-secret created",
        "rayclusters/after created",
    ]
    assert "deployments/redis" in err and "Deployment (apps/v1) is not" in err
    assert "services/redis" in err and "kubectl" in err
    code, out, _ = run(server, "get", "secrets")
    assert code == 0 and out.split() == ["NAME", "TYPE", "DATA", "AGE", *out.split()[4:]]
    assert "redis-password-secret   Opaque   1" in out and "5241590000000000" not in out
    code, out, _ = run(server, "get", "secret", "redis-password-secret", "-o", "yaml")
    assert code == 0 and "password: NTI0MTU5MDAwMDAwMDAwMA==" in out
