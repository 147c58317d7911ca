"""The scheduler: binds each pending pod to a node, or says why none fits.

A pod without spec.nodeName, a node change, or a pod leaving a node → the one key "pending" →
reconcile: every pending pod in the scheduling queue's order (priority, then age), each
filtered and scored by scheduling.py over a picture of the nodes that counts the placements
already made in this pass (the scheduler cache's "assume"), then one store batch of bindings
(pods/binding) with their `Scheduled` events, and for the pods that fit nowhere the
`FailedScheduling` event and the PodScheduled=False condition, as pkg/scheduler/schedule_one.go
records them. Unschedulable pods are retried when nodes or pods change, or claims and volumes.
When a pod fits nowhere but evicting lower-priority pods would make room (schedule_one.preempt),
preemption is carried out as framework/preemption/preemption.go prepareCandidate does it: each
victim gets DisruptionTarget=True (PreemptionByScheduler), then is deleted with a `Preempted`
Event, and the pod's status.nominatedNodeName names the node it waits for (updatePod); once
the victims are gone, a later pass binds it there.
A pod whose claims wait for their first consumer takes them along: each such claim is
annotated volume.kubernetes.io/selected-node with the pod's node in the same batch, for the
claim's volume to be found or provisioned there (the VolumeBinding plugin's PreBind).
Playground: the pod is bound at once, without waiting for its claims to be bound first.
A pass binds no more pods than the scheduler's API client may send: kube-scheduler's own
default of 50 requests a second in bursts of 100 (pkg/scheduler/apis/config/v1/defaults.go,
"Scheduler has an opinion about QPS/Burst"), on the simulated clock. A 1,000-pod scale-up is
bound over some 18 seconds, as on a real cluster, and reaches watchers as a stream, not one
commit of 1,000 bindings. Pods that found no node wait behind the others, as in the
scheduling queue's unschedulable pods, and do not by themselves bring the next pass.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary
from playground.runtime.events import NORMAL, WARNING
from playground.runtime.ratelimit import TokenBucket
from playground.store import api as store
from playground.store.pods import is_active

from .persistentvolume import ANN_SELECTED_NODE, pod_volumes
from .schedule_one import Decision, schedule
from .interpodaffinity import REASON_AFFINITY_RULES
from .scheduling import DEFAULT_SCHEDULER_NAME, PodVolumes, assume, needs_scheduling, node_infos, pod_priority, queue_order

Obj = dict[str, Any]
PENDING = "pending"
PREEMPTED = "Preempted"  # the victim's Event, as prepareCandidate records it
CLIENT_QPS, CLIENT_BURST = 50.0, 100  # kube-scheduler's clientConnection defaults
NEXT_PASS_PODS = 50  # after the burst, a pass every 50 tokens: a simulated second


class Scheduler(Controller):
    kind = "Pod"
    component = "default-scheduler"
    waiting_on_other_pods = False  # the last pass left a pod pending because of where other pods run

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = TokenBucket(CLIENT_QPS, CLIENT_BURST)
        self.unschedulable: set[str] = set()  # uids of pending pods that found no node in an earlier pass

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
            elif self.waiting_on_other_pods and obj["spec"].get("nodeName") and (
                old is None or not old["spec"].get("nodeName") or old["metadata"].get("labels") != obj["metadata"].get("labels")
            ):
                yield PENDING  # AssignedPodAdd / UpdatePodLabel: a pod waiting for a partner may fit now
        elif obj["kind"] in ("PersistentVolumeClaim", "PersistentVolume", "StorageClass"):
            yield PENDING  # a claim created or bound may let a waiting pod through

    def reconcile(self, key: Key) -> Result:
        pending = sorted((p for p in self.cache.list("Pod") if needs_scheduling(p)), key=queue_order)
        self.unschedulable &= {p["metadata"]["uid"] for p in pending}
        # Short of tokens, the pods not yet tried go first; those taken keep the queue's order
        # (priority first: a preemptor waiting for its victims still goes before their replacements)
        new_first = sorted(pending, key=lambda p: p["metadata"]["uid"] in self.unschedulable)
        allowed = self.client.take_available(self.now(), len(pending))
        taken, waiting = {p["metadata"]["uid"] for p in new_first[:allowed]}, new_first[allowed:]
        pending = [p for p in pending if p["metadata"]["uid"] in taken]
        new_waiting = [p for p in waiting if p["metadata"]["uid"] not in self.unschedulable]
        later = Result(requeue_after=self.client.seconds_until(min(len(new_waiting), NEXT_PASS_PODS))) if new_waiting else Result()
        if not pending:
            return later
        infos = node_infos(self.cache.list("Node"), self.cache.list("Pod"))
        selected_nodes: dict[Key, str] = {}  # claims given a node in this pass
        decisions = []
        for pod in pending:
            volumes = pod_volumes(pod, self.cache, selected_nodes=selected_nodes)
            decision = schedule(pod, infos, volumes=volumes)
            if decision.node_name is not None:
                assume(infos, pod, decision.node_name)
                selected_nodes.update(claims_for_node(volumes, decision.node_name))
            decisions.append((pod, volumes, decision))
        preemptions = preemptions_of(decisions)
        if preemptions:
            self.add_disruption_targets(preemptions)  # the condition is stored before the deletion
        with store.batch(self.cluster) as batch:
            for victim, preemptor, node_name in preemptions.values():
                self.preempt(batch, victim, preemptor, node_name)
            nominations = nominations_of(decisions)
            for pod, volumes, decision in decisions:
                if decision.node_name is not None:
                    self.bind(batch, pod, decision.node_name)
                    self.select_node(batch, volumes, decision.node_name)
                else:
                    self.record_failure(batch, pod, decision.message, nominations.get(pod["metadata"]["uid"]))
        self.waiting_on_other_pods = any(waits_on_other_pods(decision) for _, _, decision in decisions)
        self.unschedulable |= {pod["metadata"]["uid"] for pod, _, decision in decisions if decision.node_name is None}
        return later

    def add_disruption_targets(self, preemptions: dict[str, tuple[Obj, Obj, str]]) -> None:
        """prepareCandidate, first step: each victim gets DisruptionTarget=True (PreemptionByScheduler)."""
        with store.batch(self.cluster) as batch:
            for victim, preemptor, _ in preemptions.values():
                batch.update_status(with_preemption_condition(victim, preemptor, store.timestamp(batch.now)))

    def preempt(self, batch: store.Batch, victim: Obj, preemptor: Obj, node_name: str) -> None:
        """prepareCandidate, then: the victim is deleted (with its grace period) and told why."""
        meta = victim["metadata"]
        batch.delete("Pod", meta["name"], meta["namespace"])
        message = f"Preempted by pod {preemptor['metadata']['uid']} on node {node_name}"
        self.events.record(batch, victim, NORMAL, PREEMPTED, message)

    def bind(self, batch: store.Batch, pod: Obj, node_name: str) -> None:
        batch.bind(pod, node_name)
        meta = pod["metadata"]
        self.events.record(batch, pod, NORMAL, "Scheduled", f"Successfully assigned {meta['namespace']}/{meta['name']} to {node_name}")

    def select_node(self, batch: store.Batch, volumes: PodVolumes | None, node_name: str) -> None:
        """The pod's claims that wait for their first consumer are to be bound or provisioned where it goes."""
        for unbound in volumes.unbound if volumes is not None else ():
            if unbound.selected_node is not None:
                continue  # given a node already, by an earlier pod
            claim = unbound.claim
            annotations = {**(claim["metadata"].get("annotations") or {}), ANN_SELECTED_NODE: node_name}
            batch.update({**claim, "metadata": {**claim["metadata"], "annotations": annotations}})

    def record_failure(self, batch: store.Batch, pod: Obj, message: str, nominated_node_name: str | None) -> None:
        """handleSchedulingFailure: the FailedScheduling Event, then updatePod: PodScheduled=False and,
        when preemption says so, status.nominatedNodeName ("" clears it, None leaves it)."""
        self.events.record(batch, pod, WARNING, "FailedScheduling", message)
        status = pod.get("status", {})
        conditions = with_unschedulable_condition(status.get("conditions", []), message, store.timestamp(batch.now))
        nominated = status.get("nominatedNodeName") or ""
        renominated = nominated_node_name is not None and nominated_node_name != nominated
        if conditions is None and not renominated:
            return
        new_status = {**status, "conditions": conditions if conditions is not None else status.get("conditions", [])}
        if renominated:
            new_status = {k: v for k, v in new_status.items() if k != "nominatedNodeName"}
            if nominated_node_name:
                new_status["nominatedNodeName"] = nominated_node_name
        batch.update_status({**pod, "status": new_status})

    def summarize(self, key: Key, obj: Obj | None) -> Summary:
        """Its one key, "pending": every pod without a node."""
        pending = [p for p in self.cache.list("Pod") if not p["spec"].get("nodeName") and is_active(p)]
        names = ", ".join(p["metadata"]["name"] for p in pending[:5]) + (" ..." if len(pending) > 5 else "")
        observed = [["pods without a node", f"{len(pending)}" + (f": {names}" if pending else "")]]
        desired = [["every pod", "bound to a node that fits it"]]
        return observed, desired, f"{len(pending)} pod{'s' if len(pending) != 1 else ''} to place" if pending else "none"


def claims_for_node(volumes: PodVolumes | None, node_name: str) -> dict[Key, str]:
    """The claims a pod placed on `node_name` selects that node for (those without one yet)."""
    return {
        f"{unbound.claim['metadata']['namespace']}/{unbound.claim['metadata']['name']}": node_name
        for unbound in (volumes.unbound if volumes is not None else ())
        if unbound.selected_node is None
    }


def with_unschedulable_condition(conditions: list[Obj], message: str, stamp: str) -> list[Obj] | None:
    """The conditions with PodScheduled=False (Unschedulable), or None when they say so already
    (podutil.UpdatePodCondition: the transition time stays while the status does)."""
    current = next((c for c in conditions if c["type"] == "PodScheduled"), None)
    if current is not None and current.get("message") == message and current["status"] == "False":
        return None
    if current is not None and current["status"] == "False":
        stamp = current["lastTransitionTime"]
    condition = {"type": "PodScheduled", "status": "False", "lastTransitionTime": stamp, "reason": "Unschedulable", "message": message}
    return [condition, *(c for c in conditions if c["type"] != "PodScheduled")]


def preemptions_of(decisions: list[tuple[Obj, PodVolumes | None, Decision]]) -> dict[str, tuple[Obj, Obj, str]]:
    """Victim uid → (victim, preemptor, node): each victim once, for the first pod that chose it."""
    preemptions: dict[str, tuple[Obj, Obj, str]] = {}
    for pod, _, decision in decisions:
        for victim in decision.victims:
            preemptions.setdefault(victim["metadata"]["uid"], (victim, pod, decision.nominated_node_name or ""))
    return preemptions


def nominations_of(decisions: list[tuple[Obj, PodVolumes | None, Decision]]) -> dict[str, str | None]:
    """Pod uid → its new status.nominatedNodeName ("" clears it, None leaves it). A pod that
    preempts on a node takes it from the lower-priority pods nominated there
    (getLowerPriorityNominatedPods): they are tried elsewhere, so their nomination is cleared."""
    nominations: dict[str, str | None] = {}
    for pod, _, decision in decisions:  # in queue order: the higher priorities first
        uid = pod["metadata"]["uid"]
        nominations[uid] = decision.nominated_node_name if decision.nominated_node_name is not None else nominations.get(uid)
        if decision.victims:
            for other, _, _ in decisions:
                lower = pod_priority(other) < pod_priority(pod)
                if lower and (other.get("status") or {}).get("nominatedNodeName") == decision.nominated_node_name:
                    nominations.setdefault(other["metadata"]["uid"], "")
    return nominations


def with_preemption_condition(victim: Obj, preemptor: Obj, stamp: str) -> Obj:
    """The victim with DisruptionTarget=True (PreemptionByScheduler), as prepareCandidate sets it;
    the transition time stays when the condition was True already (apipod.UpdatePodCondition)."""
    scheduler_name = (preemptor.get("spec") or {}).get("schedulerName") or DEFAULT_SCHEDULER_NAME
    conditions = (victim.get("status") or {}).get("conditions", [])
    before = next((c for c in conditions if c["type"] == "DisruptionTarget"), None)
    if before is not None and before.get("status") == "True":
        stamp = before.get("lastTransitionTime") or stamp
    condition = {
        "type": "DisruptionTarget", "status": "True", "lastProbeTime": None, "lastTransitionTime": stamp,
        "reason": "PreemptionByScheduler", "message": f"{scheduler_name}: preempting to accommodate a higher priority pod",
    }
    others = [c for c in conditions if c["type"] != "DisruptionTarget"]
    return {**victim, "status": {**(victim.get("status") or {}), "conditions": [*others, condition]}}


def waits_on_other_pods(decision: Decision) -> bool:
    """Whether the pod waits for a pod to join (InterPodAffinity's required affinity): the
    scheduling queue moves it back when a pod is bound or relabelled (a bound pod that its
    anti-affinity or spread rejects only makes it worse, and their queueing hints skip it; a pod
    that goes frees room, which requeues every pending pod already)."""
    reasons = {r for node_reasons in decision.reasons.values() for r in node_reasons}
    return decision.node_name is None and REASON_AFFINITY_RULES in reasons
