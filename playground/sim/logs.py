"""Container logs: written by the simulated kubelet, read by `logs` and the pod page."""
from __future__ import annotations

import datetime
from typing import Any

from django.db.models.functions import Length

from playground.store import clusters
from playground.store.errors import BadRequest

from .models import ContainerLogLine
from .records import LogLine

MAX_LINES_PER_CONTAINER = 1_000  # the tail a rotated log file would keep


def append(cluster: str, written: list[tuple[str, str, list[LogLine]]]) -> None:
    """Store what containers wrote: (pod uid, container, lines), in one insert."""
    if not any(lines for _, _, lines in written):
        return
    cluster_id = clusters.id_of(cluster)
    ContainerLogLine.objects.bulk_create(
        ContainerLogLine(cluster_id=cluster_id, pod_uid=uid, container=container,
                         restart_count=line.restart_count, at=line.at, text=line.text)
        for uid, container, lines in written
        for line in lines
    )


def trim(cluster: str, pod_uid: str, container: str) -> None:
    """Keep only the last MAX_LINES_PER_CONTAINER lines, as log rotation would."""
    mine = ContainerLogLine.objects.filter(cluster__name=cluster, pod_uid=pod_uid, container=container)
    oldest_kept = mine.order_by("-id").values_list("id", flat=True)[MAX_LINES_PER_CONTAINER - 1 : MAX_LINES_PER_CONTAINER].first()
    if oldest_kept is not None:
        mine.filter(id__lt=oldest_kept).delete()


def keep_within(cluster: str, max_bytes: int) -> int:
    """Keep the cluster's newest log lines that fit in `max_bytes` (its quota log_bytes), the
    older ones deleted as a full disk's rotation would; returns the bytes kept. One read of the
    lines' lengths, newest first, and one delete."""
    cluster_id = clusters.id_of(cluster)
    kept, oldest_kept = 0, None
    rows = ContainerLogLine.objects.filter(cluster_id=cluster_id).order_by("-id").values_list("id", Length("text"))
    for line_id, size in rows.iterator(chunk_size=2_000):
        if kept + size > max_bytes:
            break
        kept, oldest_kept = kept + size, line_id
    doomed = ContainerLogLine.objects.filter(cluster_id=cluster_id)
    (doomed.filter(id__lt=oldest_kept) if oldest_kept is not None else doomed).delete()
    return kept


def read(cluster: str, pod: dict[str, Any], container: str | None = None, *, previous: bool = False,
         tail: int | None = None) -> list[str]:
    """What `kubectl logs POD [-c CONTAINER] [--previous] [--tail N]` prints, line by line."""
    return [text for _, text in read_numbered(cluster, pod, container, previous=previous, tail=tail)]


def read_numbered(cluster: str, pod: dict[str, Any], container: str | None = None, *, previous: bool = False,
                  tail: int | None = None, after: int = 0, since: datetime.datetime | None = None,
                  timestamps: bool = False) -> list[tuple[int, str]]:
    """The lines `read` gives, each with its position in the log; only those after `after`. As the
    kubelet reads a log file (kuberuntime/logs ReadLogs): the tail first, then the lines older than
    `since` skipped; with `timestamps`, each line after the time it was written and a space."""
    statuses = {s["name"]: s for s in pod.get("status", {}).get("containerStatuses", [])}
    statuses.update({s["name"]: s for s in pod.get("status", {}).get("initContainerStatuses", [])})
    names = [c["name"] for c in pod["spec"].get("containers", [])]
    name = pod["metadata"]["name"]
    if container is None:
        if len(names) > 1:
            raise BadRequest(f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]")
        container = names[0]
    if container not in statuses:
        if container not in names + [c["name"] for c in pod["spec"].get("initContainers", [])]:
            raise BadRequest(f"container {container} is not valid for pod {name}")
        raise BadRequest(f'container "{container}" in pod "{name}" is waiting to start: ContainerCreating')
    validate_container_log_status(name, statuses[container], previous=previous)
    restarts = statuses[container].get("restartCount", 0)
    lines = ContainerLogLine.objects.filter(
        cluster__name=cluster, pod_uid=pod["metadata"]["uid"], container=container,
        restart_count=restarts - 1 if previous else restarts, id__gt=after,
    ).order_by("id").values_list("id", "at", "text")
    numbered = list(lines)
    numbered = numbered[-tail:] if tail else numbered
    return [(number, f"{rfc3339_nano(at)} {text}" if timestamps else text) for number, at, text in numbered
            if since is None or at >= since]


def rfc3339_nano(moment: datetime.datetime) -> str:
    """Go's time.RFC3339Nano in UTC: `2026-12-06T14:41:44.5Z`, the fraction's trailing zeros cut."""
    moment = moment.astimezone(datetime.timezone.utc)
    fraction = f"{moment.microsecond * 1000:09d}".rstrip("0")
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


# What validateContainerLogStatus says of the most common pending failures
WAITING_MESSAGES = {"ErrImagePull": "image can't be pulled", "ImagePullBackOff": "trying and failing to pull image"}


def validate_container_log_status(pod_name: str, status: dict[str, Any], *, previous: bool) -> None:
    """Refuse a log request that has no run to read, as kubelet_pods.go validateContainerLogStatus does:
    --previous needs a terminated run before this one, and a container waiting without ever having
    run has nothing to show yet."""
    container = status["name"]
    last_terminated = status.get("lastState", {}).get("terminated")
    if previous:
        if last_terminated is None:
            raise BadRequest(f'previous terminated container "{container}" in pod "{pod_name}" not found')
        return
    waiting = status.get("state", {}).get("waiting")
    if waiting is not None and last_terminated is None:
        reason = waiting.get("reason", "")
        raise BadRequest(f'container "{container}" in pod "{pod_name}" is waiting to start: '
                         f'{WAITING_MESSAGES.get(reason, reason)}')
