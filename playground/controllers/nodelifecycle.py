"""Node lifecycle: a node whose kubelet stops renewing its Lease becomes Unknown, is tainted,
and its pods are evicted once they stop tolerating that, as kube-controller-manager does.

Node or Lease changes → key `node name` → reconcile:
1. health (pkg/controller/nodelifecycle): no Lease renewal for NODE_MONITOR_GRACE_PERIOD (50 s
   in Kubernetes 1.32) → every node condition Unknown (`NodeStatusUnknown`, "Kubelet stopped
   posting node status."), the `NodeNotReady` event, and the node's pods marked not Ready;
2. taints: `node.kubernetes.io/unreachable` (Unknown) or `not-ready` (False) with NoSchedule and
   NoExecute, `node.kubernetes.io/unschedulable:NoSchedule` for a cordoned node;
3. NoExecute eviction (pkg/controller/tainteviction): a pod that does not tolerate a NoExecute
   taint is deleted now, one that tolerates it for tolerationSeconds (300 s by the
   DefaultTolerationSeconds admission plugin) when that time is up. The pod is only marked for
   deletion: its kubelet is gone, so it stays Terminating while its ReplicaSet replaces it.
"""
from __future__ import annotations

import datetime
from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary
from playground.runtime.events import NORMAL
from playground.store import api as store

from .scheduling import toleration_tolerates_taint

Obj = dict[str, Any]
NODE_MONITOR_GRACE_PERIOD = 50.0  # seconds: --node-monitor-grace-period, 50 s since Kubernetes 1.32
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
LEASE_NAMESPACE = "kube-node-lease"


class NodeLifecycleController(Controller):
    kind = "Node"
    component = "node-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        if obj["kind"] == "Lease" and obj["metadata"].get("namespace") == LEASE_NAMESPACE:
            yield obj["metadata"]["name"]
        elif obj["kind"] == "Pod" and obj["spec"].get("nodeName") and (old is None or not old["spec"].get("nodeName")):
            yield obj["spec"]["nodeName"]  # a pod landed on a node that may carry NoExecute taints

    def reconcile(self, name: Key) -> Result:
        node = self.cache.get(self.kind, name)
        if node is None:
            return Result()
        now = self.now()
        renewed = last_heartbeat(node, self.cache.get("Lease", f"{LEASE_NAMESPACE}/{name}"))
        silent_for = (now - renewed).total_seconds() if renewed else 0.0

        if silent_for >= NODE_MONITOR_GRACE_PERIOD and ready_status(node) != "Unknown":
            node = self.mark_unknown(node, now)
        node = self.update_taints(node, now)
        next_eviction = self.evict_pods(node, now)

        waits = [w for w in (NODE_MONITOR_GRACE_PERIOD - silent_for if silent_for < NODE_MONITOR_GRACE_PERIOD else None,
                             next_eviction) if w is not None]
        # Only an eviction is news; the health check is a background watch on a heartbeat
        if next_eviction is not None:
            return Result(requeue_after=min(waits))
        return Result(requeue_after=min(waits), background=True) if waits else Result()

    def mark_unknown(self, node: Obj, now: datetime.datetime) -> Obj:
        stamp = store.timestamp(now)
        conditions = [
            {**c, "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
             "lastTransitionTime": stamp}
            for c in node["status"].get("conditions", [])
        ]
        with store.batch(self.cluster) as batch:
            node = batch.update_status({**node, "status": {**node["status"], "conditions": conditions}})
            self.events.record(batch, node, NORMAL, "NodeNotReady", f"Node {node['metadata']['name']} status is now: NodeNotReady")
            for pod in self.cache.pods_on(node["metadata"]["name"]):
                if pod["status"].get("conditions"):
                    batch.update_status(pod_not_ready(pod, stamp))
        return node

    def update_taints(self, node: Obj, now: datetime.datetime) -> Obj:
        wanted = desired_taints(node)
        current = node["spec"].get("taints") or []
        managed = {UNREACHABLE, NOT_READY, UNSCHEDULABLE}
        kept = [t for t in current if t["key"] not in managed or (t["key"], t["effect"]) in wanted]
        added = [
            {"key": key, "effect": effect, **({"timeAdded": store.timestamp(now)} if effect == "NoExecute" else {})}
            for key, effect in sorted(wanted)
            if not any(t["key"] == key and t["effect"] == effect for t in current)
        ]
        if not added and len(kept) == len(current):
            return node
        return store.update(self.cluster, {**node, "spec": {**node["spec"], "taints": kept + added}})

    def evict_pods(self, node: Obj, now: datetime.datetime) -> float | None:
        """Delete the pods whose toleration of the node's NoExecute taints has run out; returns
        the seconds until the next one runs out, if any will."""
        taints = [t for t in node["spec"].get("taints") or [] if t["effect"] == "NoExecute"]
        if not taints:
            return None
        next_due = None
        with store.batch(self.cluster) as batch:
            for pod in self.cache.pods_on(node["metadata"]["name"]):
                if pod["metadata"].get("deletionTimestamp"):
                    continue
                remaining = toleration_left(pod, taints, now)
                if remaining is not None and remaining > 0:
                    next_due = remaining if next_due is None else min(next_due, remaining)
                    continue
                namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
                batch.delete("Pod", name, namespace)
                self.events.record(batch, pod, NORMAL, "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}")
        return next_due

    def summarize(self, key: Key, node: Obj | None) -> Summary:
        """Is the node's kubelet still renewing its Lease?"""
        if node is None:
            return [["Node", f"{key} is not there (deleted)"]], [], "nothing left to watch"
        ready = next((c["status"] for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"), "Unknown")
        lease = self.cache.get("Lease", f"kube-node-lease/{key}")
        renewed = (lease or {}).get("spec", {}).get("renewTime", "never")
        observed = [["Ready", ready], ["Lease renewed", renewed]]
        return observed, [["heartbeat", "a Lease renewal within the grace period"]], ""


def desired_taints(node: Obj) -> set[tuple[str, str]]:
    status = ready_status(node)
    wanted: set[tuple[str, str]] = set()
    if status == "Unknown":
        wanted |= {(UNREACHABLE, "NoSchedule"), (UNREACHABLE, "NoExecute")}
    elif status == "False":
        wanted |= {(NOT_READY, "NoSchedule"), (NOT_READY, "NoExecute")}
    if node["spec"].get("unschedulable"):
        wanted.add((UNSCHEDULABLE, "NoSchedule"))
    return wanted


def toleration_left(pod: Obj, taints: list[Obj], now: datetime.datetime) -> float | None:
    """Seconds the pod may still stay (None: forever), or 0 when it must go now."""
    left: float | None = None
    for taint in taints:
        matching = [t for t in pod["spec"].get("tolerations") or [] if toleration_tolerates_taint(t, taint)]
        if not matching:
            return 0.0
        limits = [t["tolerationSeconds"] for t in matching if t.get("tolerationSeconds") is not None]
        if not limits:
            continue  # tolerated forever
        added = store.parse_timestamp(taint.get("timeAdded")) or now
        remaining = max(0.0, min(limits) - (now - added).total_seconds())
        left = remaining if left is None else min(left, remaining)
    return left


def ready_status(node: Obj) -> str:
    for condition in node.get("status", {}).get("conditions", []):
        if condition["type"] == "Ready":
            return condition["status"]
    return "Unknown"


def last_heartbeat(node: Obj, lease: Obj | None) -> datetime.datetime | None:
    if lease is not None and lease.get("spec", {}).get("renewTime"):
        return store.parse_timestamp(lease["spec"]["renewTime"])
    for condition in node.get("status", {}).get("conditions", []):
        if condition["type"] == "Ready":
            return store.parse_timestamp(condition.get("lastHeartbeatTime"))
    return None


def pod_not_ready(pod: Obj, stamp: str) -> Obj:
    """controller.MarkPodsNotReady: the Ready condition False, as the kubelet can no longer say."""
    conditions = [
        {**c, "status": "False", "lastTransitionTime": stamp} if c["type"] == "Ready" and c["status"] == "True" else c
        for c in pod["status"]["conditions"]
    ]
    return {**pod, "status": {**pod["status"], "conditions": conditions}}
