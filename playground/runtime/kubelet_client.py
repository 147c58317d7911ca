"""The API server's way to the kubelets: `pods/log` and `pods/exec` are served by the kubelet
of the pod's node, not by the store.

In Kubernetes the API server proxies these subresources to the node's kubelet (pkg/kubelet/server
serves them, pkg/kubelet/client is the API server's side). Here the simulated kubelets
(playground/sim) connect themselves when the app starts, so the API server reaches them
through this one seam and imports nothing of sim.
"""
from __future__ import annotations

from dataclasses import dataclass
import datetime
from typing import Any, Protocol

Obj = dict[str, Any]


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    stdout: str
    stderr: str


class ExecFailed(Exception):
    """The container runtime could not start the command (no such executable, say)."""


class KubeletConnection(Protocol):
    def container_logs(self, cluster: str, pod: Obj, container: str | None, *, previous: bool = False,
                       tail: int | None = None, after: int = 0, since: datetime.datetime | None = None,
                       timestamps: bool = False) -> list[tuple[int, str]]:
        """The container's log lines as (position, text), only those after position `after`, and
        of those only the ones written at or after `since` (PodLogOptions sinceTime/sinceSeconds,
        on the cluster's clock); with `timestamps`, each text starts with when it was written
        (RFC3339Nano, as the kubelet prefixes it); raises BadRequest as kubelet_pods.go words a
        log it cannot give."""
        ...

    def exec(self, cluster: str, namespace: str, pod: str, container: str | None, argv: list[str],
             stdin: str | None = None) -> ExecResult:
        """Run a command in a running container; raises BadRequest (no such container, not
        running) or ExecFailed (the runtime could not start it)."""
        ...


_connection: KubeletConnection | None = None


def connect(connection: KubeletConnection) -> None:
    global _connection
    _connection = connection


def kubelets() -> KubeletConnection:
    if _connection is None:
        raise RuntimeError("no kubelet is connected: playground.sim is not installed")
    return _connection
