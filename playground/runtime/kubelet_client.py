"""The API server's way to the kubelets: `pods/log` (and next `pods/exec`) are served by the
kubelet of the pod's node, not by the store.

In Kubernetes the API server proxies these subresources to the node's kubelet (pkg/kubelet/server
serves them, pkg/kubelet/client is the API server's side). Here the simulated kubelets
(playground/sim) connect themselves when the app starts, so the API server reaches them
through this one seam and imports nothing of sim.
"""
from __future__ import annotations

from typing import Any, Protocol

Obj = dict[str, Any]


class KubeletConnection(Protocol):
    def container_logs(self, cluster: str, pod: Obj, container: str | None, *, previous: bool = False,
                       tail: int | None = None, after: int = 0) -> list[tuple[int, str]]:
        """The container's log lines as (position, text), only those after position `after`;
        raises BadRequest as kubelet_pods.go words a log it cannot give."""
        ...


_connection: KubeletConnection | None = None


def connect(connection: KubeletConnection) -> None:
    global _connection
    _connection = connection


def kubelets() -> KubeletConnection:
    if _connection is None:
        raise RuntimeError("no kubelet is connected: playground.sim is not installed")
    return _connection
