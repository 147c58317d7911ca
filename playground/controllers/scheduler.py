"""The scheduler: binds each pending pod to a node, or says why none fits.

A pod without spec.nodeName, a node change, or a pod leaving a node → the one key "pending" →
reconcile: every pending pod in the scheduling queue's order (priority, then age), each
filtered and scored by scheduling.py over a picture of the nodes that counts the placements
already made in this pass (the scheduler cache's "assume"), then one store batch of bindings
(pods/binding) with their `Scheduled` events, and for the pods that fit nowhere the
`FailedScheduling` event and the PodScheduled=False condition, as pkg/scheduler/schedule_one.go
records them. Unschedulable pods are retried when nodes or pods change, or claims and volumes.
A pod whose claims wait for their first consumer takes them along: each such claim is
annotated volume.kubernetes.io/selected-node with the pod's node in the same batch, for the
claim's volume to be found or provisioned there (the VolumeBinding plugin's PreBind).
Playground: the pod is bound at once, without waiting for its claims to be bound first.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary
from playground.runtime.events import NORMAL, WARNING
from playground.store import api as store
from playground.store.pods import is_active

from .persistentvolume import ANN_SELECTED_NODE, pod_volumes
from .schedule_one import schedule
from .scheduling import PodVolumes, assume, needs_scheduling, node_infos, queue_order

Obj = dict[str, Any]
PENDING = "pending"


class Scheduler(Controller):
    kind = "Pod"
    component = "default-scheduler"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Node":
            yield PENDING  # a new, changed or removed node may fit what did not fit before
        elif obj["kind"] == "Pod":
            freed = old is not None and old["spec"].get("nodeName") and (
                self.cache.get("Pod", f"{obj['metadata']['namespace']}/{obj['metadata']['name']}") is None
                or obj.get("status", {}).get("phase") in ("Succeeded", "Failed")
            )
            if needs_scheduling(obj) and (old is None or old["spec"] != obj["spec"]) or freed:
                yield PENDING
        elif obj["kind"] in ("PersistentVolumeClaim", "PersistentVolume", "StorageClass"):
            yield PENDING  # a claim created or bound may let a waiting pod through

    def reconcile(self, key: Key) -> Result:
        pending = sorted((p for p in self.cache.list("Pod") if needs_scheduling(p)), key=queue_order)
        if not pending:
            return Result()
        infos = node_infos(self.cache.list("Node"), self.cache.list("Pod"))
        selected_nodes: dict[Key, str] = {}  # claims given a node in this pass
        with store.batch(self.cluster) as batch:
            for pod in pending:
                volumes = pod_volumes(pod, self.cache, selected_nodes=selected_nodes)
                decision = schedule(pod, infos, volumes=volumes)
                if decision.node_name is not None:
                    self.bind(batch, pod, decision.node_name)
                    self.select_node(batch, volumes, decision.node_name, selected_nodes)
                    assume(infos, pod, decision.node_name)
                else:
                    self.record_failure(batch, pod, decision.message)
        return Result()

    def bind(self, batch: store.Batch, pod: Obj, node_name: str) -> None:
        batch.bind(pod, node_name)
        meta = pod["metadata"]
        self.events.record(batch, pod, NORMAL, "Scheduled", f"Successfully assigned {meta['namespace']}/{meta['name']} to {node_name}")

    def select_node(self, batch: store.Batch, volumes: PodVolumes | None, node_name: str, selected_nodes: dict[Key, str]) -> None:
        """The pod's claims that wait for their first consumer are to be bound or provisioned where it goes."""
        for unbound in volumes.unbound if volumes is not None else ():
            if unbound.selected_node is not None:
                continue  # given a node already, by an earlier pod
            claim = unbound.claim
            annotations = {**(claim["metadata"].get("annotations") or {}), ANN_SELECTED_NODE: node_name}
            batch.update({**claim, "metadata": {**claim["metadata"], "annotations": annotations}})
            selected_nodes[f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"] = node_name

    def record_failure(self, batch: store.Batch, pod: Obj, message: str) -> None:
        self.events.record(batch, pod, WARNING, "FailedScheduling", message)
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "lastTransitionTime": store.timestamp(batch.now),
            "reason": "Unschedulable",
            "message": message,
        }
        conditions = pod.get("status", {}).get("conditions", [])
        current = next((c for c in conditions if c["type"] == "PodScheduled"), None)
        if current is not None and current.get("message") == message and current["status"] == "False":
            return
        if current is not None and current["status"] == "False":
            condition["lastTransitionTime"] = current["lastTransitionTime"]
        others = [c for c in conditions if c["type"] != "PodScheduled"]
        batch.update_status({**pod, "status": {**pod.get("status", {}), "conditions": [condition, *others]}})

    def summarize(self, key: Key, obj: Obj | None) -> Summary:
        """Its one key, "pending": every pod without a node."""
        pending = [p for p in self.cache.list("Pod") if not p["spec"].get("nodeName") and is_active(p)]
        names = ", ".join(p["metadata"]["name"] for p in pending[:5]) + (" ..." if len(pending) > 5 else "")
        observed = [["pods without a node", f"{len(pending)}" + (f": {names}" if pending else "")]]
        desired = [["every pod", "bound to a node that fits it"]]
        return observed, desired, f"{len(pending)} pod{'s' if len(pending) != 1 else ''} to place" if pending else "none"


