"""The kubelet's checkpoints of its pods: each pod's record (records.py) saved as JSON, so a
kubelet that restarts finds its containers as it left them.

The kubelets (kubelet.py) load the records of the cluster's pods as they start (`load_all`), save
those a pass changed in one statement (`save`) and drop those of pods gone from their node
(`forget`); the pod page reads them too (`load`: which run of a container, its environment, its
mounted files). Like pkg/kubelet/checkpointmanager, which keeps the kubelet's state on the node's disk across restarts.
"""
from __future__ import annotations

import json

from django.db import connection

from playground.store import clusters

from .models import KubeletPodState
from .records import PodRecord


def load(cluster: str, pod_uids: list[str]) -> dict[str, tuple[PodRecord, str]]:
    """The saved state of these pods (those that have one), with its JSON as saved."""
    rows = KubeletPodState.objects.filter(cluster__name=cluster, pod_uid__in=pod_uids).values_list("pod_uid", "state")
    return {uid: (PodRecord.from_json(json.loads(state)), state) for uid, state in rows}


def load_all(cluster: str) -> dict[str, tuple[PodRecord, str]]:
    """The saved state of every pod of the cluster that has one (uid → record, its JSON as saved)."""
    rows = KubeletPodState.objects.filter(cluster__name=cluster).values_list("pod_uid", "state")
    return {uid: (PodRecord.from_json(json.loads(state)), state) for uid, state in rows}


def save(cluster: str, states: dict[str, str]) -> None:
    """Write these pods' states (uid → JSON) in one statement: plain SQL, with no RETURNING of
    the rows' ids that the ORM's bulk upsert would read back."""
    if not states:
        return
    cluster_id = clusters.id_of(cluster)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {KubeletPodState._meta.db_table} (cluster_id, pod_uid, state) VALUES (%s, %s, %s)"
            " ON CONFLICT (cluster_id, pod_uid) DO UPDATE SET state = excluded.state",
            [(cluster_id, uid, state) for uid, state in states.items()],
        )


def forget(cluster: str, pod_uids: list[str]) -> None:
    if pod_uids:  # by the cluster's id, which a turn knows: no join with the clusters' table
        KubeletPodState.objects.filter(cluster_id=clusters.id_of(cluster), pod_uid__in=pod_uids).delete()
