"""Node lifecycle: a node whose kubelet stops renewing its Lease becomes Unknown, is tainted,
and its pods are evicted once they stop tolerating that, as kube-controller-manager does.

Node or Lease changes → key `node name` → reconcile:
1. health (pkg/controller/nodelifecycle): no Lease renewal for NODE_MONITOR_GRACE_PERIOD (50 s
   in Kubernetes 1.32) → every node condition Unknown (`NodeStatusUnknown`, "Kubelet stopped
   posting node status."), the `NodeNotReady` event, and the node's pods marked not Ready;
2. taints: `node.kubernetes.io/unreachable` (Unknown) or `not-ready` (False) with NoSchedule and
   NoExecute, `node.kubernetes.io/unschedulable:NoSchedule` for a cordoned node;
3. NoExecute eviction (pkg/controller/tainteviction): a pod that does not tolerate a NoExecute
   taint is deleted now; one that tolerates every such taint for tolerationSeconds (300 s by the
   DefaultTolerationSeconds admission plugin) when that time is up; one whose tolerations have
   no tolerationSeconds (a DaemonSet's pods, kube-proxy) never. An evicted pod first gets the
   DisruptionTarget condition (DeletionByTaintManager), then is only marked for deletion: its
   kubelet is gone, so it stays Terminating while its ReplicaSet replaces it.

Playground: the time a pod may stay counts from the first NoExecute taint's timeAdded (or from
when the pod was scheduled, if later), where the taint manager counts from when it first saw the
pod under a taint; a later taint with a shorter toleration shortens the wait here, where
Kubernetes keeps the eviction it already scheduled.
"""
from __future__ import annotations

import datetime
from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary
from playground.runtime.events import NORMAL, WARNING
from playground.store import api as store
from playground.store.pods import is_ready

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
                if is_ready(pod):  # MarkPodsNotReady: Ready goes False, and the pod says why
                    batch.update_status(pod_not_ready(pod, stamp))
                    self.events.record(batch, pod, WARNING, "NodeNotReady", "Node is not ready")
        return node

    def update_taints(self, node: Obj, now: datetime.datetime) -> Obj:
        wanted = desired_taints(node)
        current = node["spec"].get("taints") or []
        managed = {UNREACHABLE, NOT_READY, UNSCHEDULABLE}
        kept = [t for t in current if t["key"] not in managed or (t["key"], t["effect"]) in wanted]
        added = [  # SwapNodeControllerTaint stamps every taint it adds, NoSchedule ones too
            {"key": key, "effect": effect, "timeAdded": store.timestamp(now)}
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
        next_due, evicted = None, []
        for pod in self.cache.pods_on(node["metadata"]["name"]):
            if pod["metadata"].get("deletionTimestamp"):
                continue
            remaining = toleration_left(pod, taints, now)
            if remaining is None:
                continue  # tolerated forever
            if remaining > 0:
                next_due = remaining if next_due is None else min(next_due, remaining)
                continue
            evicted.append(pod)
        if evicted:
            self.delete_pods(evicted, now)
        return next_due

    def delete_pods(self, pods: list[Obj], now: datetime.datetime) -> None:
        """addConditionAndDeletePod: the DisruptionTarget condition first, then the deletion."""
        with store.batch(self.cluster) as batch:
            for pod in pods:
                batch.update_status(with_disruption_target(pod, store.timestamp(now)))
        with store.batch(self.cluster) as batch:
            for pod in pods:
                namespace, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
                batch.delete("Pod", name, namespace)
                self.events.record(batch, pod, NORMAL, "TaintManagerEviction", f"Marking for deletion Pod {namespace}/{name}")

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
    """Seconds the pod may still stay under the NoExecute `taints` (None: forever), or 0 when it
    must go now (processPodOnNode)."""
    used = matching_tolerations(taints, pod["spec"].get("tolerations") or [])
    if used is None:
        return 0.0  # not every taint tolerated: deleted right away
    seconds = min_toleration_seconds(used)
    if seconds is None:
        return None
    added = [t for t in (store.parse_timestamp(taint.get("timeAdded")) for taint in taints) if t is not None]
    start = max([min(added, default=now), *filter(None, [scheduled_at(pod)])])
    return max(0.0, seconds - (now - start).total_seconds())


def matching_tolerations(taints: list[Obj], tolerations: list[Obj]) -> list[Obj] | None:
    """v1helper.GetMatchingTolerations: for each taint the first toleration that tolerates it;
    None when some taint is tolerated by none."""
    used = []
    for taint in taints:
        first = next((t for t in tolerations if toleration_tolerates_taint(t, taint)), None)
        if first is None:
            return None
        used.append(first)
    return used


def min_toleration_seconds(tolerations: list[Obj]) -> float | None:
    """getMinTolerationTime: the shortest tolerationSeconds (0 or less: at once); None when none
    of them sets one, which tolerates forever."""
    limits = [t["tolerationSeconds"] for t in tolerations if t.get("tolerationSeconds") is not None]
    if not tolerations or any(limit <= 0 for limit in limits):
        return 0.0
    return float(min(limits)) if limits else None


def scheduled_at(pod: Obj) -> datetime.datetime | None:
    """When the pod was bound to its node (its PodScheduled condition), if it says."""
    for condition in pod.get("status", {}).get("conditions", []):
        if condition["type"] == "PodScheduled" and condition["status"] == "True":
            return store.parse_timestamp(condition.get("lastTransitionTime"))
    return None


def with_disruption_target(pod: Obj, stamp: str) -> Obj:
    """The pod with DisruptionTarget=True (DeletionByTaintManager), as the taint manager sets it
    before deleting (apipod.UpdatePodCondition: the transition time moves with the status)."""
    conditions = pod.get("status", {}).get("conditions", [])
    before = next((c for c in conditions if c["type"] == "DisruptionTarget"), None)
    if before is not None and before.get("status") == "True":
        stamp = before.get("lastTransitionTime") or stamp
    condition = {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp,
                 "reason": "DeletionByTaintManager", "message": "Taint manager: deleting due to NoExecute taint"}
    others = [c for c in conditions if c["type"] != "DisruptionTarget"]
    return {**pod, "status": {**pod.get("status", {}), "conditions": [*others, condition]}}


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
