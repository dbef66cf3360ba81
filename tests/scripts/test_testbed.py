"""The test bed's sources: KubeRay's operator comes from the module proxy or the checked archive in
the project's shared/testbed folder, into an empty cache, and from nowhere else.

These run ``scripts/testbed source`` for real (the Go module proxy answers the release's
``.info`` and ``.mod``); the full build from an empty cache takes about 22 minutes and is what
``scripts/test`` does on a fresh machine (docs/kubernetes.md gives its measured time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "testbed"
SHARED = REPO.parent / "shared"
ARCHIVE = SHARED / "testbed" / "kuberay-ray-operator-v1.7.0.tar.gz"


def source(cache: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), "source"],
        env={**os.environ, "RAYDECK_TESTBED_CACHE": str(cache), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(autouse=True)
def needs_go_and_archive() -> None:
    # Both are what scripts/test itself needs for the kubernetes tier; their absence fails, never skips.
    assert shutil.which("go"), "the test bed needs Go (go 1.26+) on PATH"
    assert ARCHIVE.is_file(), (
        f"the project's shared folder lacks {ARCHIVE.name} (expected beside the checkout)"
    )


def test_kuberay_source_comes_from_the_checked_archive_into_an_empty_cache(tmp_path: Path) -> None:
    done = source(tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip().splitlines()[-1])
    assert folder.is_relative_to(tmp_path / "cache")
    assert (
        (folder / "go.mod")
        .read_text()
        .startswith("module github.com/ray-project/kuberay/ray-operator")
    )
    assert (folder / "config" / "crd" / "bases" / "ray.io_rayclusters.yaml").is_file()
    if "taking it from" not in done.stderr:
        # A proxy that serves v1.7.0's zip: the module cache holds it, and the archive is not needed.
        assert folder.is_relative_to(tmp_path / "cache" / "gomod")


def test_a_missing_archive_stops_the_build_naming_what_to_set(tmp_path: Path) -> None:
    done = source(tmp_path / "cache", RAYDECK_SHARED=str(tmp_path / "nowhere"))
    assert done.returncode != 0
    assert "RAYDECK_SHARED" in done.stderr
    assert not list((tmp_path / "cache").glob("src/kuberay-*/ray-operator"))


def test_an_altered_archive_is_refused_by_its_checksum(tmp_path: Path) -> None:
    altered = tmp_path / "shared" / "testbed"
    altered.mkdir(parents=True)
    data = bytearray(ARCHIVE.read_bytes())
    data[-1] ^= 0xFF
    (altered / ARCHIVE.name).write_bytes(bytes(data))
    done = source(tmp_path / "cache", RAYDECK_SHARED=str(tmp_path / "shared"))
    assert done.returncode != 0
    assert "sha256" in done.stderr


def test_modules_come_from_the_proxy_only() -> None:
    text = SCRIPT.read_text()
    assert "GOPROXY=" + "direct" not in text  # split: the literal is what is searched for
    probe = subprocess.run(
        [
            "bash",
            "-c",
            f'source <(sed -n "/^export GOMODCACHE/,/^export GOPROXY/p" {SCRIPT}); echo "$GOPROXY"',
        ],
        env={**os.environ, "GOPROXY": "https://proxy.example.invalid,direct"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "https://proxy.example.invalid"
