"""The create dialog's form reads and writes documents without losing what it does not show."""

from __future__ import annotations

import pytest

from raydeck.console.pages.create.form import (
    ServeApp,
    WorkerGroup,
    apply_form,
    new_document,
    read_form,
)
from raydeck.resources.kinds import by_name
from tests.support.samples import raycluster, rayjob, rayservice


@pytest.mark.parametrize("kind", ["RayCluster", "RayJob", "RayService"])
def test_a_new_document_is_valid_as_it_is(kind: str) -> None:
    document = new_document(kind)
    by_name(kind).parse(document)
    assert read_form(document).kind == kind


def test_form_changes_land_in_the_document_and_unknown_fields_stay() -> None:
    document = raycluster("sample", workers=2)
    document["spec"]["headGroupSpec"]["template"]["spec"]["volumes"] = [{"name": "v"}]
    document["spec"]["enableInTreeAutoscaling"] = True
    form = read_form(document)
    assert (form.name, form.head.cpu, form.head.memory) == ("sample", "1", "1Gi")
    assert [(g.name, g.replicas, g.max_replicas) for g in form.workers] == [("workers", 2, 10)]
    form.head.gpu = 1
    form.workers[0].replicas = 3
    form.workers.append(WorkerGroup(name="gpus", replicas=1, max_replicas=2))
    changed = apply_form(document, form)
    head = changed["spec"]["headGroupSpec"]["template"]["spec"]
    assert head["volumes"] == [{"name": "v"}] and changed["spec"]["enableInTreeAutoscaling"]
    assert head["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    groups = changed["spec"]["workerGroupSpecs"]
    assert [(g["groupName"], g["replicas"]) for g in groups] == [("workers", 3), ("gpus", 1)]
    by_name("RayCluster").parse(changed)
    assert read_form(changed) == form


def test_job_fields_round_trip() -> None:
    form = read_form(rayjob("nightly"))
    form.runtime_env_yaml = "pip: [requests]\n"
    form.active_deadline_seconds = 600
    document = apply_form(rayjob("nightly"), form)
    assert document["spec"]["activeDeadlineSeconds"] == 600
    assert read_form(document).runtime_env_yaml == "pip: [requests]\n"
    by_name("RayJob").parse(document)


def test_service_apps_keep_their_other_settings() -> None:
    document = rayservice("web")
    form = read_form(document)
    assert [(a.name, a.route_prefix) for a in form.apps] == [
        ("greeter", "/greet"),
        ("echo", "/echo"),
    ]
    form.apps[0].route_prefix = "/hello"
    form.apps.append(ServeApp("third", "/third", "serve_apps:echo"))
    changed = apply_form(document, form)
    assert "greeting: hello" in changed["spec"]["serveConfigV2"]  # the user_config stayed
    assert "/hello" in changed["spec"]["serveConfigV2"]
    by_name("RayService").parse(changed)
