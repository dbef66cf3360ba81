"""The samples table names no path of the machine it was made on."""

from __future__ import annotations

import sys
from pathlib import Path

from bench.kuberay_samples import REPO, Outcome, without_local_paths


def test_a_row_names_no_path_of_this_machine_and_keeps_its_columns() -> None:
    site = Path(sys.prefix, "lib", f"python{sys.version_info.major}.{sys.version_info.minor}")
    detail = (
        f'File "{site}/site-packages/ray/scripts/scripts.py", line 1074 | '
        f"{Path.home()}/.cache/raydeck-testbed/src and {REPO}/docs/local-platform.md"
    )
    row = Outcome("ray-cluster.sample.yaml", "RayCluster", "failed", detail).row()
    assert str(Path.home()) + "/" not in row and str(REPO) not in row and sys.prefix not in row
    assert '"…/site-packages/ray/scripts/scripts.py"' in row
    assert "…/.cache/raydeck-testbed/src" in row and "…/docs/local-platform.md" in row
    assert row.count(" | ") == 3 and "line 1074 \\| " in row


def test_text_without_a_local_path_is_kept() -> None:
    assert without_local_paths("kind Deployment is not run") == "kind Deployment is not run"
