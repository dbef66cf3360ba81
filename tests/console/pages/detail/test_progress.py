"""The line under a detail page's header: what is under way, with the status's own figures."""

from __future__ import annotations

from typing import Any

import pytest

from raydeck.console.pages.detail.progress import progress_text
from raydeck.store.records import StoredObject


def stored(kind: str, status: dict[str, Any] | None) -> StoredObject:
    return StoredObject(
        kind=kind,
        namespace="default",
        name="x",
        uid="u",
        resource_version=1,
        generation=1,
        created_at="2025-01-01T00:00:00Z",
        is_template=False,
        creator="admin",
        body={"spec": {}},
        status=status,
    )


@pytest.mark.parametrize(
    ("kind", "state", "status", "text"),
    [
        ("RayCluster", "ready", {"state": "ready"}, None),
        ("RayCluster", "suspended", {"state": "suspended"}, None),
        (
            "RayCluster",
            "pending",
            {"desiredWorkerReplicas": 2, "readyWorkerReplicas": 1, "message": "pulling"},
            "Waiting to start: 1 of 2 workers ready (pulling)",
        ),
        (
            "RayCluster",
            "queued",
            {"queue": {"position": 2, "reason": "it needs 3 CPU"}},
            "Queued for admission at position 2: it needs 3 CPU",
        ),
        (
            "RayJob",
            "queued",
            {"rayClusterStatus": {"queue": {"position": 1, "reason": "full"}}},
            "Queued for admission at position 1: full",
        ),
        (
            "RayJob",
            "running",
            {"jobId": "j1", "rayClusterName": "x-abc"},
            "Job j1 running on x-abc",
        ),
        ("RayJob", "retrying", {"reason": "AppFailed"}, "Retrying after a failure (AppFailed)"),
        ("RayJob", "complete", {"jobDeploymentStatus": "Complete"}, None),
        (
            "RayService",
            "upgrading",
            {},
            "Upgrading: a new cluster is being prepared; traffic stays on the old one",
        ),
        ("RayService", "template", None, None),
    ],
)
def test_progress_says_what_is_under_way_and_nothing_when_nothing_is(
    kind: str, state: str, status: dict[str, Any] | None, text: str | None
) -> None:
    assert progress_text(stored(kind, status), state) == text
