"""The kubelet's back-off for restarting crashed containers and for pulling images.

kuberuntime (doBackOff) asks `in_backoff` before restarting a container that exited and calls
`next_backoff` when it restarts it; the image manager does the same for failed pulls. The entries
live on the container's record (records.py), so they survive a restart of the kubelet.

Follows client-go util/flowcontrol/backoff.go as pkg/kubelet/kubelet.go configures it: the first
restart is immediate, then 10 s doubling up to 300 s (MaxContainerBackOff), measured from the
container's finishedAt; an entry not touched for 600 s starts over (HasExpiredFunc). Image pulls
use the same arithmetic with MaxImageBackOff (pkg/kubelet/images). Pure functions on a record.
"""
from __future__ import annotations

from .records import ContainerRecord

BACKOFF_PERIOD = 10.0  # backOffPeriod (kubelet.go): the first back-off
MAX_CONTAINER_BACKOFF = 300.0  # MaxContainerBackOff
MAX_IMAGE_BACKOFF = 300.0  # MaxImageBackOff
BACKOFF_RESET_SECONDS = 600.0  # kubelet.go HasExpiredFunc / flowcontrol's 2 × max: ran this long, start over


def in_backoff(record: ContainerRecord, reference: float, t: float) -> bool:
    """flowcontrol.Backoff.IsInBackOffSince(key, finishedAt)."""
    if record.backoff is None or record.backoff_updated is None:
        return False
    if reference - record.backoff_updated > BACKOFF_RESET_SECONDS:
        return False
    return t - reference < record.backoff - 1e-9


def next_backoff(record: ContainerRecord, reference: float, t: float) -> None:
    """flowcontrol.Backoff.Next(key, finishedAt): 10 s, then doubling up to 300 s."""
    expired = record.backoff_updated is not None and reference - record.backoff_updated > BACKOFF_RESET_SECONDS
    if record.backoff is None or expired:
        record.backoff = BACKOFF_PERIOD
    else:
        record.backoff = min(record.backoff * 2, MAX_CONTAINER_BACKOFF)
    record.backoff_updated = t


def in_pull_backoff(record: ContainerRecord, t: float) -> bool:
    """The image manager's IsInBackOffSince(image, now) for this container's image."""
    return record.pull_backoff_updated is not None and record.pull_backoff is not None \
        and t - record.pull_backoff_updated < record.pull_backoff - 1e-9


def next_pull_backoff(record: ContainerRecord, t: float) -> None:
    """Backoff.Next(image, now) after a failed pull: 10 s doubling up to 300 s."""
    expired = record.pull_backoff_updated is not None and t - record.pull_backoff_updated > 2 * MAX_IMAGE_BACKOFF
    if record.pull_backoff is None or expired:
        record.pull_backoff = BACKOFF_PERIOD
    else:
        record.pull_backoff = min(record.pull_backoff * 2, MAX_IMAGE_BACKOFF)
    record.pull_backoff_updated = t
