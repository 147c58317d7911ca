"""`pods/log`: `kubectl logs [-f] [-c NAME] [--previous] [--tail N] [--since D|--since-time T] [--timestamps]` and the Python client's
`read_namespaced_pod_log`, answered by the pod's kubelet (playground/runtime/kubelet_client.py).

With `follow`, the lines are streamed as the container writes them, each sent at once, until
the container's run ends or the pod goes (the kubelet closes the stream then, and kubectl exits).
"""
from __future__ import annotations

import asyncio
import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async

from playground.runtime.kubelet_client import kubelets
from playground.store import api as store
from playground.store.errors import BadRequest, NotFound

from .query import count

Obj = dict[str, Any]
FOLLOW_POLL = 0.5  # seconds between two looks for new lines


@dataclass
class FollowedLog:
    cluster: str
    pod: Obj
    container: str | None
    position: int
    timestamps: bool = False


def read(cluster: str, namespace: str, name: str, query: Any) -> tuple[str, FollowedLog | None]:
    """The log as text, and, when `follow` was asked, where to go on from."""
    pod = store.get(cluster, "Pod", name, namespace)
    container = query.get("container") or None
    tail = count(query.get("tailLines"), "tailLines")
    previous = query.get("previous") in ("true", "1")
    timestamps = query.get("timestamps") in ("true", "1")
    lines = kubelets().container_logs(cluster, pod, container, previous=previous, tail=tail,
                                      since=_since(cluster, query), timestamps=timestamps)
    text = "".join(f"{line}\n" for _, line in lines)
    if query.get("follow") not in ("true", "1") or previous:
        return text, None
    position = lines[-1][0] if lines else _last_position(cluster, pod, container)
    return text, FollowedLog(cluster, pod, container, position, timestamps)


def _since(cluster: str, query: Any) -> datetime.datetime | None:
    """sinceSeconds (back from the cluster's clock, as the kubelet counts) or sinceTime (RFC3339),
    validated as ValidatePodLogOptions does."""
    seconds = count(query.get("sinceSeconds"), "sinceSeconds")
    since_time = query.get("sinceTime") or None
    if seconds is not None and since_time is not None:
        raise BadRequest("at most one of `sinceTime` or `sinceSeconds` may be specified")
    if seconds is not None:
        if seconds < 1:
            raise BadRequest(f"sinceSeconds: Invalid value: {seconds}: must be greater than 0")
        return store.now(cluster) - datetime.timedelta(seconds=seconds)
    if since_time is None:
        return None
    try:
        return datetime.datetime.fromisoformat(since_time.replace("Z", "+00:00")).astimezone(datetime.timezone.utc)
    except ValueError:
        raise BadRequest(f'sinceTime: Invalid value: "{since_time}": not an RFC3339 time') from None


async def follow(text: str, log: FollowedLog) -> AsyncIterator[bytes]:
    if text:
        yield text.encode()
    while True:
        await asyncio.sleep(FOLLOW_POLL)
        lines, running = await sync_to_async(_new_lines, thread_sensitive=False)(log)
        if lines:
            log.position = lines[-1][0]
            yield "".join(f"{line}\n" for _, line in lines).encode()
        if not running:
            return


def _new_lines(log: FollowedLog) -> tuple[list[tuple[int, str]], bool]:
    """The lines written since, and whether the run that writes them goes on."""
    try:
        pod = store.get(log.cluster, "Pod", log.pod["metadata"]["name"], log.pod["metadata"]["namespace"])
    except NotFound:
        return [], False
    if pod["metadata"]["uid"] != log.pod["metadata"]["uid"]:
        return [], False
    lines = kubelets().container_logs(log.cluster, pod, log.container, after=log.position, timestamps=log.timestamps)
    return lines, _running(pod, log.container)


def _running(pod: Obj, container: str | None) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    name = container or pod["spec"]["containers"][0]["name"]
    status = next((s for s in statuses if s["name"] == name), None)
    return status is not None and "terminated" not in (status.get("state") or {})


def _last_position(cluster: str, pod: Obj, container: str | None) -> int:
    lines = kubelets().container_logs(cluster, pod, container, tail=1)
    return lines[-1][0] if lines else 0

