"""The Kubernetes test bed for the kubernetes-platform tests: up once for this package, then down.

``scripts/testbed up`` builds what is missing into its cache (outside the
repository), starts the control plane, kwok and the KubeRay operator, and
prints the kubeconfig. A bed that was already up is used and left running;
one these tests started is taken down after the last of them (package scope: the
local-platform tests that follow get the machine to themselves), leaving no process
behind. If it cannot come up the tests fail, saying why; they never skip.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from raydeck.platforms.kubernetes.client import KubeClient
from raydeck.settings import KubernetesSettings

TESTBED = Path(__file__).resolve().parents[3] / "scripts" / "testbed"


def _testbed(command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TESTBED), command], capture_output=True, text=True, timeout=timeout, check=False
    )


@dataclass(frozen=True)
class KubeTestbed:
    __test__ = False
    kubeconfig: Path
    #: The file kwok serves as every pod's log; appending to it shows in followed logs.
    pod_log: Path


@pytest.fixture(scope="package")
def testbed() -> Iterator[KubeTestbed]:
    was_up = _testbed("status", 60).returncode == 0
    up = _testbed("up", 3 * 3600)
    if up.returncode != 0:
        pytest.fail(f"the Kubernetes test bed did not come up:\n{up.stderr[-4000:]}")
    printed = dict(x.split("=", 1) for x in up.stdout.splitlines() if "=" in x)
    bed = KubeTestbed(Path(printed.get("KUBECONFIG", "")), Path(printed.get("POD_LOG", "")))
    assert bed.kubeconfig.is_file(), f"scripts/testbed up printed no kubeconfig: {up.stdout!r}"
    try:
        yield bed
    finally:
        if not was_up:
            down = _testbed("down", 300)
            assert down.returncode == 0, down.stderr


@pytest.fixture(scope="package")
def kubeconfig(testbed: KubeTestbed) -> Path:
    return testbed.kubeconfig


@pytest.fixture(scope="package")
async def kube(kubeconfig: Path) -> AsyncIterator[KubeClient]:
    """A client of the test bed's API server, for what tests set up or check behind raydeck."""
    client = await KubeClient.connect(KubernetesSettings(kubeconfig=kubeconfig))
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture(scope="module")
async def namespace(kube: KubeClient) -> AsyncIterator[str]:
    """A fresh namespace per test module, deleted with everything in it afterwards."""
    name = f"rd-{uuid.uuid4().hex[:8]}"
    await kube.request(
        "POST",
        "v1",
        url="namespaces",
        body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
    )
    try:
        yield name
    finally:
        await kube.request("DELETE", "v1", url=f"namespaces/{name}")
