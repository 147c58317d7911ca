"""Faults injected from the pages: crash a container, make its probe fail.

Pod page button → `crash_container` / `fail_probe` → a `NodeFault` row (node-side state, not an
API write: on a real node this is a process dying or a health endpoint going bad) and a nudge to
the node's kubelet → the kubelet's next pass (`apply_pending`) puts the fault in its memory of
the pod (records.inject_fault) → `sync_pod` plays it out as the kubelet would: the crashed
container exits with code 1 and is restarted per restartPolicy with CrashLoopBackOff's back-off;
a failing liveness probe kills and restarts it after failureThreshold failures; a failing
readiness probe makes the pod not Ready, and the endpoints controller takes it out of its
Services' endpoints. Stopping a node's kubelet (`node stop`, the Node page) is set_kubelet_running
here; draining it is kubectl's (playground/kubectl/verbs.py).

In this process the kubelet is woken at once; a kubelet in another process (scale-out) reads
the table on its next heartbeat (every 10 simulated seconds) once its process has seen that a
fault waits (`pending_anywhere`, asked once a second).
"""
from __future__ import annotations

import threading
import time
import weakref
from typing import Any

from playground.store import api as store
from playground.store import changelog, clock, clusters
from playground.store.errors import BadRequest

from .models import NodeFault
from .records import PROBE_KINDS, PodRecord, inject_fault

Obj = dict[str, Any]
KUBELET_STOPPED = "playground.dev/kubelet-stopped"  # on a Node: its simulated kubelet is switched off
HEAL = "heal-"  # "heal-liveness": that probe answers again

_kubelets: weakref.WeakSet[Any] = weakref.WeakSet()
_lock = threading.Lock()
_generation = 0


def crash_container(cluster: str, namespace: str, pod: str, container: str) -> None:
    """The container's process exits with code 1 now."""
    obj = _running_pod(cluster, namespace, pod, container)
    status = _container_status(obj, container)
    if "running" not in (status or {}).get("state", {}):
        raise BadRequest(f'container "{container}" in pod "{pod}" is not running')
    _inject(cluster, obj, container, "crash")


def fail_probe(cluster: str, namespace: str, pod: str, container: str, probe: str = "liveness", *,
               failing: bool = True) -> None:
    """The container's `probe` ("liveness", "readiness" or "startup") fails from now on, until
    called again with `failing=False`."""
    if probe not in PROBE_KINDS:
        raise BadRequest(f"unknown probe {probe!r}: one of {', '.join(PROBE_KINDS)}")
    obj = _running_pod(cluster, namespace, pod, container)
    spec = next(c for c in obj["spec"]["containers"] if c["name"] == container)
    if not spec.get(f"{probe}Probe"):
        raise BadRequest(f'container "{container}" in pod "{pod}" has no {probe} probe')
    _inject(cluster, obj, container, f"fail-{probe}" if failing else f"{HEAL}{probe}")


def _running_pod(cluster: str, namespace: str, name: str, container: str) -> Obj:
    obj = store.get(cluster, "Pod", name, namespace)
    if container not in [c["name"] for c in obj["spec"].get("containers") or []]:
        raise BadRequest(f"container {container} is not valid for pod {name}")
    if not obj["spec"].get("nodeName"):
        raise BadRequest(f'pod "{name}" is not scheduled to a node yet')
    return obj


def _container_status(pod: Obj, container: str) -> Obj | None:
    return next((s for s in pod.get("status", {}).get("containerStatuses") or [] if s["name"] == container), None)


def _inject(cluster: str, pod: Obj, container: str, fault: str) -> None:
    global _generation
    node = pod["spec"]["nodeName"]
    cluster_id = clusters.id_of(cluster)
    NodeFault.objects.create(cluster_id=cluster_id, node=node, pod_uid=pod["metadata"]["uid"], container=container,
                             fault=fault, at=clock.now(cluster))
    with _lock:
        _generation += 1
    _wake_kubelet(cluster, node)


# --- the kubelet's side --------------------------------------------------------------------------


def register(kubelet: Any) -> None:
    """A kubelet (one per cluster runtime) that wants to be woken when a fault is injected."""
    _kubelets.add(kubelet)


def generation() -> int:
    """Counts the faults injected in this process: a kubelet reads the table when it moved."""
    return _generation


ANYWHERE_SECONDS = 1.0  # how often a process asks whether a fault waits anywhere
_anywhere: tuple[float, bool] = (-ANYWHERE_SECONDS, False)  # (monotonic time asked, the answer)


def pending_anywhere() -> bool:
    """Whether a fault waits in any cluster: one query a second for all of this process's
    kubelets. The table is empty nearly always, and each node's own look (a query per node per
    heartbeat: 60 a second for a room of 200 clusters) cost a scale-out worker 8% of its time."""
    global _anywhere
    asked, answer = _anywhere
    if time.monotonic() - asked >= ANYWHERE_SECONDS:
        answer = NodeFault.objects.exists()
        _anywhere = time.monotonic(), answer
    return answer


def _wake_kubelet(cluster: str, node: str) -> None:
    for kubelet in list(_kubelets):
        if kubelet.cluster == cluster:
            kubelet.runtime.queues[kubelet].add(node)
    # The controller manager sleeps until a commit: tell it, as a commit would
    changelog.changes_committed.send(sender=None, cluster=cluster, resource_version=changelog.cluster_resource_version(cluster))


def apply_pending(cluster: str, node: str, states: dict[str, PodRecord], pods: dict[str, Obj]) -> list[str]:
    """Put the node's waiting faults into the kubelet's memory of its pods; the uids touched.
    A fault for a pod the kubelet no longer runs is dropped."""
    rows = list(NodeFault.objects.filter(cluster__name=cluster, node=node).order_by("id"))
    if not rows:
        return []
    touched = []
    for row in rows:
        state = states.get(row.pod_uid)
        if state is None or row.pod_uid not in pods or row.container not in state.containers:
            continue
        apply_fault(state, row.container, row.fault, at=row.at)
        touched.append(row.pod_uid)
    NodeFault.objects.filter(id__in=[row.id for row in rows]).delete()
    return touched


def apply_fault(state: PodRecord, container: str, fault: str, *, at: Any) -> None:
    if fault.startswith(HEAL):
        state.containers[container].faults.pop(fault.removeprefix(HEAL), None)
        return
    inject_fault(state, container, fault, at=at)


def set_kubelet_running(cluster: str, name: str, *, running: bool) -> str:
    """`node stop|start NODE` (the playground's own verb): switch the node's simulated kubelet
    off or on. A stopped kubelet renews no Lease, and the node lifecycle controller reacts as it
    would to a machine that went away."""
    store.get(cluster, "Node", name)
    annotations = {KUBELET_STOPPED: None if running else "true"}
    store.patch(cluster, "Node", name, "", {"metadata": {"annotations": annotations}}, patch_type="merge")
    return f"node/{name} kubelet {'started' if running else 'stopped'}"
