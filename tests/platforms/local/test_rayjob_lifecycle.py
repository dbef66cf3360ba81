"""RayJobs on the local platform against real Ray: the wiring of what job/plan.py decides.

Success with its own cluster and kept log, a failure retried on new clusters, stop, delete,
DeleteSelf, InteractiveMode, suspend/resume and KubeRay's sample. The decisions themselves
(states, deadlines, retries, deletion rules) are tested on a fake clock in tests/platforms/
local/job/. Jobs that need their own cluster create one each (that is what they test); jobs
that only need somewhere to run share one RayCluster through clusterSelector, which also shows
that such a cluster is left alone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from raydeck.resources.codec import dump_yaml, load_documents
from tests.support.local_app import local_raydeck
from tests.support.ray_token import ray_headers
from tests.support.samples import raycluster, rayjob
from tests.support.waiting import eventually

pytestmark = pytest.mark.ray
JOBS = "/api/v1/namespaces/default/rayjobs"
CLUSTERS = "/api/v1/namespaces/default/rayclusters"
SECRETS = "/api/v1/namespaces/default/secrets"
SHARED = "shared"


@pytest.fixture(scope="module")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    async with local_raydeck(termination_grace_seconds=3.0) as client:
        yield client


@pytest.fixture(scope="module")
async def shared(api: httpx.AsyncClient) -> str:
    """A running RayCluster that selector jobs run on."""
    assert (
        await api.post(CLUSTERS, json=raycluster(SHARED, workers=0, cpu="2"))
    ).status_code == 201

    async def ready() -> bool:
        status = (await api.get(f"{CLUSTERS}/{SHARED}")).json().get("status") or {}
        return status.get("state") == "ready"

    await eventually(ready, timeout=120, what="the shared cluster to be ready")
    return SHARED


async def job_status(api: httpx.AsyncClient, name: str) -> dict[str, Any]:
    answer = await api.get(f"{JOBS}/{name}")
    assert answer.status_code == 200, f"{name}: {answer.status_code} {answer.text}"
    status: dict[str, Any] = answer.json().get("status") or {}
    return status


async def until(
    api: httpx.AsyncClient, name: str, *, timeout: float = 120, **wanted: Any
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        status = await job_status(api, name)
        return status if all(status.get(k) == v for k, v in wanted.items()) else None

    return await eventually(probe, timeout=timeout, interval=0.3, what=f"{name} to reach {wanted}")


async def events(api: httpx.AsyncClient, name: str) -> list[str]:
    return [
        e["reason"]
        for e in (await api.get(f"{JOBS}/{name}/events")).json()["items"]
        for _ in range(e["count"])
    ]


def selector_job(name: str, entrypoint: str, **spec: Any) -> dict[str, Any]:
    body = rayjob(name, entrypoint=entrypoint, clusterSelector={"ray.io/cluster": SHARED}, **spec)
    del body["spec"]["rayClusterSpec"]
    return body


async def test_job_succeeds_keeps_its_log_and_its_cluster_goes_after_the_ttl(
    api: httpx.AsyncClient,
) -> None:
    entrypoint = "python -c \"import ray; ray.init(); print('answer', 6 * 7)\""
    body = rayjob(
        "answer", entrypoint=entrypoint, shutdownAfterJobFinishes=True, ttlSecondsAfterFinished=2
    )
    assert (await api.post(JOBS, json=body)).status_code == 201
    status = await until(api, "answer", jobDeploymentStatus="Complete")
    assert status["jobStatus"] == "SUCCEEDED" and status["succeeded"] == 1 and status["failed"] == 0
    assert (
        status["startTime"]
        and status["endTime"]
        and status["dashboardURL"].startswith("http://127.0.0.1:")
    )
    cluster = status["rayClusterName"]

    async def cluster_gone() -> bool:
        return (await api.get(f"{CLUSTERS}/{cluster}")).status_code == 404

    await eventually(cluster_gone, timeout=30, what="the job's cluster to be deleted after its TTL")
    log = (await api.get(f"{JOBS}/answer/logs")).text
    assert "answer 42" in log, log
    assert (await api.get(f"{JOBS}/answer/logs", params={"tail": 1})).text.strip()


async def test_failing_job_retries_on_new_clusters_until_backoff_limit(
    api: httpx.AsyncClient,
) -> None:
    body = rayjob(
        "flaky",
        entrypoint="python -c 'import sys; sys.exit(3)'",
        backoffLimit=2,
        shutdownAfterJobFinishes=True,
    )
    assert (await api.post(JOBS, json=body)).status_code == 201
    status = await until(api, "flaky", jobDeploymentStatus="Failed", timeout=240)
    assert status["reason"] == "AppFailed" and status["jobStatus"] == "FAILED"
    assert status["failed"] == 3
    reasons = await events(api, "flaky")
    assert reasons.count("CreatedRayCluster") == 3 and reasons.count("Retrying") == 2


async def test_stop_ends_a_running_job_and_leaves_a_selected_cluster(
    api: httpx.AsyncClient, shared: str
) -> None:
    assert (await api.post(JOBS, json=selector_job("sleeper", "sleep 300"))).status_code == 201
    await until(api, "sleeper", jobStatus="RUNNING")
    assert (await api.post(f"{JOBS}/sleeper/stop")).status_code == 200
    status = await until(api, "sleeper", jobDeploymentStatus="Complete", timeout=60)
    assert status["jobStatus"] == "STOPPED" and status["rayClusterName"] == shared
    assert ((await api.get(f"{CLUSTERS}/{shared}")).json()["status"]["state"]) == "ready"


async def test_deleting_a_job_deletes_its_own_cluster(api: httpx.AsyncClient) -> None:
    assert (await api.post(JOBS, json=rayjob("doomed", entrypoint="sleep 300"))).status_code == 201
    status = await until(api, "doomed", jobStatus="RUNNING")
    assert (await api.delete(f"{JOBS}/doomed")).status_code == 200

    async def cluster_gone() -> bool:
        return (await api.get(f"{CLUSTERS}/{status['rayClusterName']}")).status_code == 404

    await eventually(cluster_gone, timeout=30, what="the deleted job's cluster to go")


async def test_delete_self_rule_removes_the_finished_job_and_its_cluster(
    api: httpx.AsyncClient,
) -> None:
    rule = {"policy": "DeleteSelf", "condition": {"jobStatus": "SUCCEEDED", "ttlSeconds": 1}}
    body = rayjob("ephemeral", entrypoint="echo bye", deletionStrategy={"deletionRules": [rule]})
    assert (await api.post(JOBS, json=body)).status_code == 201
    # The cluster's name is known from the start; Complete lasts only the rule's one second.
    cluster = await eventually(
        lambda: _cluster_name(api, "ephemeral"), timeout=60, what="ephemeral's cluster name"
    )

    async def gone() -> bool:
        job = await api.get(f"{JOBS}/ephemeral")
        own = await api.get(f"{CLUSTERS}/{cluster}")
        return job.status_code == 404 and own.status_code == 404

    await eventually(gone, timeout=60, what="the job to delete itself and its cluster")


async def _cluster_name(api: httpx.AsyncClient, name: str) -> str | None:
    return (await job_status(api, name)).get("rayClusterName") or None


async def test_interactive_mode_waits_for_the_users_job_id(
    api: httpx.AsyncClient, shared: str
) -> None:
    body = selector_job("handmade", "", submissionMode="InteractiveMode")
    assert (await api.post(JOBS, json=body)).status_code == 201
    status = await until(api, "handmade", jobDeploymentStatus="Waiting")
    # Submitting by hand needs the cluster's Ray token, as it would for the user.
    pods = (await api.get(f"{CLUSTERS}/{status['rayClusterName']}/pods")).json()["items"]
    headers = ray_headers(next(p["pid"] for p in pods if p["pid"]))
    async with httpx.AsyncClient(
        base_url=status["dashboardURL"], headers=headers, timeout=30
    ) as ray:
        submitted = await ray.post(
            "/api/jobs/", json={"entrypoint": "echo mine", "submission_id": "by-hand-1"}
        )
        assert submitted.status_code == 200, submitted.text
    patch = {"spec": {"jobId": "by-hand-1"}}
    assert (await api.patch(f"{JOBS}/handmade", json=patch)).status_code == 200
    done = await until(api, "handmade", jobDeploymentStatus="Complete", timeout=60)
    assert done["jobStatus"] == "SUCCEEDED" and done["jobId"] == "by-hand-1"


async def test_suspend_deletes_the_cluster_and_resume_starts_over(api: httpx.AsyncClient) -> None:
    body = rayjob("pausable", entrypoint="sleep 300", shutdownAfterJobFinishes=True)
    assert (await api.post(JOBS, json=body)).status_code == 201
    first = await until(api, "pausable", jobStatus="RUNNING")
    assert (
        await api.patch(f"{JOBS}/pausable", json={"spec": {"suspend": True}})
    ).status_code == 200
    await until(api, "pausable", jobDeploymentStatus="Suspended", timeout=60)

    async def cluster_gone() -> bool:
        return (await api.get(f"{CLUSTERS}/{first['rayClusterName']}")).status_code == 404

    await eventually(cluster_gone, timeout=30, what="the suspended job's cluster to go")
    assert (await api.post(f"{JOBS}/pausable/start")).status_code == 200
    again = await until(api, "pausable", jobStatus="RUNNING")
    assert again["rayClusterName"] != first["rayClusterName"]


SAMPLE_CODE = """import os
import ray
import requests  # installed by the job's runtime env, not by raydeck

ray.init()

@ray.remote
class Counter:
    def __init__(self):
        self.name = os.getenv("counter_name")
        assert self.name == "test_counter"
        self.counter = 0

    def inc(self):
        self.counter += 1

    def get_counter(self):
        return "{} got {}".format(self.name, self.counter)

counter = Counter.remote()
for _ in range(5):
    ray.get(counter.inc.remote())
print(ray.get(counter.get_counter.remote()))
"""


async def test_kuberays_rayjob_sample_runs_with_its_configmap_and_pip_requirements(
    api: httpx.AsyncClient,
) -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "ray-job-code-sample"},
        "data": {"sample_code.py": SAMPLE_CODE},
    }
    runtime_env = (
        "pip:\n  - requests==2.26.0\n  - pendulum==2.1.2\n"
        'env_vars:\n  counter_name: "test_counter"\n'
    )
    body = rayjob(
        "rayjob-sample",
        entrypoint="python /home/ray/samples/sample_code.py",
        runtimeEnvYAML=runtime_env,
        shutdownAfterJobFinishes=True,
    )
    worker = {
        "groupName": "small-group",
        "replicas": 1,
        "minReplicas": 1,
        "maxReplicas": 5,
        "rayStartParams": {},
        "template": {
            "spec": {
                "containers": [
                    {
                        "name": "ray-worker",
                        "image": "rayproject/ray:2.52.0",
                        "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "200m"}},
                    }
                ]
            }
        },
    }
    body["spec"]["rayClusterSpec"]["workerGroupSpecs"] = [worker]
    head = body["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    head["containers"][0]["volumeMounts"] = [
        {"mountPath": "/home/ray/samples", "name": "code-sample"}
    ]
    head["volumes"] = [
        {
            "name": "code-sample",
            "configMap": {
                "name": "ray-job-code-sample",
                "items": [{"key": "sample_code.py", "path": "sample_code.py"}],
            },
        }
    ]
    # As in KubeRay's file: the RayJob first, its ConfigMap after it, applied in that order
    # (what `raydeck apply -f` does), so the job's cluster may look for the ConfigMap too early.
    text = dump_yaml([body, configmap])
    for document in load_documents(text):
        plural = "rayjobs" if document["kind"] == "RayJob" else "configmaps"
        created = await api.post(f"/api/v1/namespaces/default/{plural}", json=document)
        assert created.status_code == 201, created.text
    status = await until(api, "rayjob-sample", jobDeploymentStatus="Complete", timeout=180)
    assert status["jobStatus"] == "SUCCEEDED", status
    assert "test_counter got 5" in (await api.get(f"{JOBS}/rayjob-sample/logs")).text
    assert not Path("/home/ray/samples").exists(), "the mount exists only inside the node's sandbox"


SECRET_VALUE = "pa55-of-team-default"
CHECK_SECRET = (
    'python -c "import os; '
    f"assert os.environ['DB_PASSWORD'] == '{SECRET_VALUE}', 'env'; "
    f"assert open('/etc/db/pw').read() == '{SECRET_VALUE}', 'file'; "
    "assert os.environ['DB_user'] == 'ray', 'envFrom'; "
    "print('secret seen in env and file')\""
)


def secret(namespace_value: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-creds"},
        "stringData": {"password": namespace_value, "user": "ray"},
    }


async def test_a_node_sees_its_namespaces_secret_and_waits_visibly_until_it_exists(
    api: httpx.AsyncClient,
) -> None:
    # The same name in another namespace is never what the node gets.
    assert (await api.post("/api/v1/namespaces", json={"name": "other"})).status_code == 201
    other = await api.post("/api/v1/namespaces/other/secrets", json=secret("other-ns-value"))
    assert other.status_code == 201, other.text
    body = rayjob("secret-reader", entrypoint=CHECK_SECRET)
    head = body["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    head["containers"][0]["env"] = [
        {
            "name": "DB_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "db-creds", "key": "password"}},
        }
    ]
    head["containers"][0]["envFrom"] = [{"secretRef": {"name": "db-creds"}, "prefix": "DB_"}]
    head["containers"][0]["volumeMounts"] = [{"name": "db", "mountPath": "/etc/db"}]
    head["volumes"] = [
        {
            "name": "db",
            "secret": {"secretName": "db-creds", "items": [{"key": "password", "path": "pw"}]},
        }
    ]
    assert (await api.post(JOBS, json=body)).status_code == 201

    async def missing_secret_event() -> str | None:
        cluster = (await job_status(api, "secret-reader")).get("rayClusterName")
        if not cluster:
            return None
        items = (await api.get(f"{CLUSTERS}/{cluster}/events")).json()["items"]
        found = [e["message"] for e in items if e["reason"] == "FailedCreateNode"]
        return found[0] if found else None

    message = await eventually(missing_secret_event, timeout=60, what="an event naming the secret")
    assert "secret 'db-creds' not found" in message
    assert "spec.headGroupSpec.template.spec.containers[0].envFrom[0].secretRef.name" in message

    assert (await api.post(f"{SECRETS}", json=secret(SECRET_VALUE))).status_code == 201
    status = await until(api, "secret-reader", jobDeploymentStatus="Complete", timeout=240)
    assert status["jobStatus"] == "SUCCEEDED", status
    assert "secret seen in env and file" in (await api.get(f"{JOBS}/secret-reader/logs")).text
    assert not Path("/etc/db/pw").exists(), "the secret file exists only inside the node's sandbox"
    cluster = status["rayClusterName"]
    said = [
        *(await api.get(f"{JOBS}/secret-reader/events")).json()["items"],
        *(await api.get(f"{CLUSTERS}/{cluster}/events")).json()["items"],
        *(await api.get("/api/v1/audit", params={"limit": 200})).json()["items"],
    ]
    assert SECRET_VALUE not in json.dumps(said)
    assert (await api.delete(f"{JOBS}/secret-reader")).status_code == 200  # and its cluster
