"""The kubelets' server: what the API server asks of them (playground/runtime/kubelet_client.py),
as pkg/kubelet/server serves containerLogs and exec."""
from __future__ import annotations

import datetime
from typing import Any

from playground.runtime.kubelet_client import ExecResult

from . import container_exec, logs


class Kubelets:
    def container_logs(self, cluster: str, pod: dict[str, Any], container: str | None, *, previous: bool = False,
                       tail: int | None = None, after: int = 0, since: datetime.datetime | None = None,
                       timestamps: bool = False) -> list[tuple[int, str]]:
        return logs.read_numbered(cluster, pod, container, previous=previous, tail=tail, after=after, since=since,
                                  timestamps=timestamps)

    def exec(self, cluster: str, namespace: str, pod: str, container: str | None, argv: list[str],
             stdin: str | None = None) -> ExecResult:
        return container_exec.exec_in_container(cluster, namespace, pod, container, argv, stdin)
