"""What the local platform refuses when an object is written, and Ray's runtime env failures said
plainly: pure decisions on plain documents."""

from __future__ import annotations

from typing import Any

from raydeck.platforms.local.refusals import not_run, refusals
from raydeck.platforms.local.runtime_env import explained, network_needs
from tests.support.samples import raycluster, rayjob, rayservice


def _tpu_worker(body: dict[str, Any], path: list[str]) -> dict[str, Any]:
    spec = body
    for step in path:
        spec = spec[step]
    worker = spec["workerGroupSpecs"][0]["template"]["spec"]
    worker["containers"][0]["resources"]["limits"]["google.com/tpu"] = "4"
    worker["nodeSelector"] = {
        "cloud.google.com/gke-tpu-accelerator": "tpu-v6e-slice",
        "kubernetes.io/os": "linux",
    }
    return body


def test_tpus_and_tpu_node_selectors_are_refused_by_field_in_every_kind() -> None:
    cluster = _tpu_worker(raycluster("c", workers=1), ["spec"])
    fields = {e.path for e in refusals("RayCluster", cluster, offline=False)}
    assert fields == {
        "spec.workerGroupSpecs[0].template.spec.containers[0].resources.limits.google.com/tpu",
        "spec.workerGroupSpecs[0].template.spec.nodeSelector.cloud.google.com/gke-tpu-accelerator",
    }
    job = rayjob("j")
    job["spec"]["rayClusterSpec"] = raycluster("c", workers=1)["spec"]
    _tpu_worker(job, ["spec", "rayClusterSpec"])
    found = refusals("RayJob", job, offline=False)
    assert found and all(
        e.path.startswith("spec.rayClusterSpec.workerGroupSpecs[0]") for e in found
    )
    assert "cloud accelerator" in found[0].message


def test_what_this_machine_can_have_is_never_refused() -> None:
    cluster = raycluster("c", workers=1)
    worker = cluster["spec"]["workerGroupSpecs"][0]["template"]["spec"]
    worker["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = "1"
    worker["nodeSelector"] = {"kubernetes.io/os": "linux", "cloud.google.com/gke-spot": "true"}
    assert refusals("RayCluster", cluster, offline=False) == []
    assert refusals("ConfigMap", {"data": {"google.com/tpu": "1"}}, offline=False) == []


def test_network_runtime_envs_are_refused_only_when_set_offline() -> None:
    env = "working_dir: https://example.invalid/code.zip\npip: [requests]\nenv_vars: {A: b}\n"
    job = rayjob("j", runtimeEnvYAML=env)
    assert refusals("RayJob", job, offline=False) == []
    found = {e.path: e.message for e in refusals("RayJob", job, offline=True)}
    assert set(found) == {"spec.runtimeEnvYAML.working_dir", "spec.runtimeEnvYAML.pip"}
    assert "https://example.invalid/code.zip" in found["spec.runtimeEnvYAML.working_dir"]
    assert "RAYDECK_LOCAL__OFFLINE" in found["spec.runtimeEnvYAML.pip"]
    service = rayservice("s")
    service["spec"]["serveConfigV2"] = (
        "applications:\n  - name: a\n    import_path: m:app\n"
        "    runtime_env: {working_dir: 'gs://bucket/app.zip'}\n"
    )
    found = {e.path for e in refusals("RayService", service, offline=True)}
    assert found == {"spec.serveConfigV2.applications[0].runtime_env.working_dir"}


def test_local_working_dirs_and_env_vars_need_no_network() -> None:
    assert network_needs({"working_dir": "/srv/code", "env_vars": {"A": "b"}}, "r") == []
    assert network_needs({"pip": {"packages": ["torch"]}}, "r") == [("r.pip", "pip packages torch")]


TRACEBACK = """runtime_env setup failed: Failed to set up runtime environment.
Could not create the actor because its associated runtime env failed to be created.
[Node 127.0.0.1] Traceback (most recent call last):
  File "/venv/lib/python3.11/site-packages/urllib3/connection.py", line 239, in _new_conn
    sock = connection.create_connection(
socket.gaierror: [Errno -3] Temporary failure in name resolution
urllib3.exceptions.NameResolutionError: Failed to resolve 'github.com'
"""


def test_rays_runtime_env_traceback_becomes_one_line_naming_the_uri_and_the_error() -> None:
    env = {"working_dir": "https://github.com/ray-project/test_dag/archive/x.zip"}
    text = explained(TRACEBACK, env)
    assert "\n" not in text and "Traceback" not in text
    assert "https://github.com/ray-project/test_dag/archive/x.zip" in text
    assert "Failed to resolve 'github.com'" in text


def test_other_messages_are_left_as_they_are() -> None:
    assert (
        explained("Job finished with exit code 3", {"pip": ["x"]})
        == "Job finished with exit code 3"
    )
    assert explained("", None) == ""


def _with_init_and_sidecar(body: dict[str, Any]) -> dict[str, Any]:
    head = body["spec"]["headGroupSpec"]["template"]["spec"]
    head["initContainers"] = [{"name": "ray-head-tls", "image": "ray", "command": ["gencert"]}]
    head["containers"].append({"name": "fluentbit", "image": "fluent/fluent-bit"})
    return body


def test_init_containers_and_sidecars_are_named_as_not_run_and_nothing_else_is() -> None:
    said = not_run("RayCluster", _with_init_and_sidecar(raycluster("c", workers=1)))
    assert said == [
        "spec.headGroupSpec.template.spec.initContainers (ray-head-tls) are not run by the "
        "local platform: the Ray container starts without what they would have done",
        "spec.headGroupSpec.template.spec.containers[1:] (fluentbit) are not run by the local "
        "platform, which runs only the Ray container (the first)",
    ]
    assert not_run("RayCluster", raycluster("c", workers=1)) == []
    job = rayjob("j")
    job["spec"]["rayClusterSpec"] = _with_init_and_sidecar(raycluster("c", workers=1))["spec"]
    assert all(s.startswith("spec.rayClusterSpec.headGroupSpec") for s in not_run("RayJob", job))
    assert not_run("ConfigMap", {"kind": "ConfigMap", "data": {}}) == []
