"""The deploy tests use the same Kubernetes test bed as the kubernetes platform's tests."""

from tests.platforms.kubernetes.conftest import kube, kubeconfig, testbed

__all__ = ["kube", "kubeconfig", "testbed"]
