"""The CLI's token file: private to the user, one entry per server, unreadable files read as empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from raydeck.cli.config import forget_token, save_token, token_for


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli" / "config.json"
    monkeypatch.setenv("RAYDECK_CONFIG", str(path))
    monkeypatch.delenv("RAYDECK_TOKEN", raising=False)
    return path


def test_tokens_are_kept_per_server_privately_and_forgetting_one_keeps_the_other(
    config: Path,
) -> None:
    save_token("http://127.0.0.1:8480/", username="admin", token="rdk_a")
    save_token("http://127.0.0.1:9000", username="val", token="rdk_b")
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    assert token_for("http://127.0.0.1:8480") == "rdk_a"
    forget_token("http://127.0.0.1:8480")
    assert token_for("http://127.0.0.1:8480") is None
    assert json.loads(config.read_text())["servers"] == {
        "http://127.0.0.1:9000": {"username": "val", "token": "rdk_b"}
    }
    assert oct(config.stat().st_mode & 0o777) == "0o600"


def test_what_else_the_file_holds_is_kept(config: Path) -> None:
    config.parent.mkdir()
    config.write_text(json.dumps({"servers": {}, "editor": "vi"}))
    save_token("http://127.0.0.1:8480", username="admin", token="rdk_a")
    assert json.loads(config.read_text())["editor"] == "vi"


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"servers": {"x": 3}}'])
def test_a_file_that_cannot_be_read_gives_no_token(config: Path, text: str) -> None:
    config.parent.mkdir()
    config.write_text(text)
    assert token_for("x") is None


def test_the_environment_token_wins(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_token("http://127.0.0.1:8480", username="admin", token="rdk_a")
    monkeypatch.setenv("RAYDECK_TOKEN", "rdk_env")
    assert token_for("http://127.0.0.1:8480") == "rdk_env"
