"""Deployment controller: rolls ReplicaSets towards the Deployment's template, as
pkg/controller/deployment does.

Deployment or one of its ReplicaSets changes (or a pod of theirs) → key `namespace/name` →
reconcile: `sync_deployment` (deployment_rules.py: new ReplicaSet with its pod-template-hash,
RollingUpdate or Recreate steps, proportional scaling, revisions, clean-up, conditions and
status) decides; this writes the decision in one store batch with its `ScalingReplicaSet`
events, and comes back when the progress deadline needs checking.
"""
from __future__ import annotations

from typing import Any, Iterable

from playground.runtime.cache import Key, split_key
from playground.runtime.controller import Controller, Pairs, Result, Summary
from playground.store import api as store
from playground.store.controller_ref import controller_of
from playground.runtime.events import WARNING
from playground.store.errors import AlreadyExists, Forbidden, Invalid, StoreError
from playground.store.pods import is_active, is_ready

from . import deployment_util
from .deployment_rules import sync_deployment
from .deployment_util import REVISION_ANNOTATION

Obj = dict[str, Any]


class DeploymentController(Controller):
    kind = "Deployment"
    owns = ("ReplicaSet",)
    component = "deployment-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        if obj["kind"] == "Pod":
            # A pod's readiness moves its Deployment's counters: find it through the ReplicaSet
            ref = controller_of(obj)
            if ref is not None and ref["kind"] == "ReplicaSet":
                rs = self.cache.get("ReplicaSet", f"{obj['metadata']['namespace']}/{ref['name']}")
                owner = controller_of(rs) if rs is not None else None
                if owner is not None and owner["kind"] == self.kind:
                    yield f"{obj['metadata']['namespace']}/{owner['name']}"

    def reconcile(self, key: Key) -> Result:
        namespace, _ = split_key(key)
        deployment = self.cache.get(self.kind, key)
        if deployment is None:
            return Result()  # deleted: the garbage collector takes its ReplicaSets
        replica_sets = self.cache.list("ReplicaSet", namespace=namespace)
        # Only the pods of its own ReplicaSets matter: read them through the owner index
        pods = [
            pod
            for rs in replica_sets
            if (ref := controller_of(rs)) is not None and ref["uid"] == deployment["metadata"]["uid"]
            for pod in self.cache.owned_by(rs, "Pod")
        ]
        plan = sync_deployment(deployment, replica_sets, pods, now=self.now())
        if not plan.empty:
            try:
                self.write(deployment, plan)
            except AlreadyExists:
                self.bump_collision_count(deployment)  # a ReplicaSet of that hash exists: hash again
            except (Invalid, Forbidden) as refused:
                if not plan.create:
                    raise
                self.failed_replica_set_create(deployment, plan.create[0], refused)
                raise  # retried with the rate limiter's back-off
        if plan.requeue_after == 0.0:
            # "Again now" is enqueueRateLimited in Kubernetes: after the rate limiter's delay, so an
            # instant clock still moves (a deadline passed after a completed rollout would otherwise hold it still)
            return Result(requeue_after=self.rate_limited(key))
        return Result(requeue_after=plan.requeue_after)

    def write(self, deployment: Obj, plan: Any) -> None:
        with store.batch(self.cluster) as batch:
            for rs in plan.create:
                batch.create(rs)
            for rs in plan.update:
                batch.update(rs)
            for rs in plan.delete:
                batch.delete("ReplicaSet", rs["metadata"]["name"], rs["metadata"]["namespace"])
            for event in plan.events:
                self.events.record(batch, deployment, event.type, event.reason, event.message)
            if plan.status is not None or plan.revision is not None:
                batch.update_status(self.with_status(deployment, plan))

    @staticmethod
    def with_status(deployment: Obj, plan: Any) -> Obj:
        updated = {**deployment, "status": plan.status if plan.status is not None else deployment.get("status", {})}
        if plan.revision is not None:
            annotations = {**(deployment["metadata"].get("annotations") or {}), REVISION_ANNOTATION: plan.revision}
            updated["metadata"] = {**deployment["metadata"], "annotations": annotations}
        return updated

    def failed_replica_set_create(self, deployment: Obj, rs: Obj, refused: StoreError) -> None:
        """getNewReplicaSet's error path: the API server refused the new ReplicaSet (a quota, say),
        so the Deployment says so, as a Warning Event and, with a progress deadline, as its
        Progressing condition."""
        message = f'Failed to create new replica set "{rs["metadata"]["name"]}": {refused.message}'
        with store.batch(self.cluster) as batch:
            self.events.record(batch, deployment, WARNING, deployment_util.FAILED_RS_CREATE_REASON, message)
            if deployment_util.has_progress_deadline(deployment):
                status = dict(deployment.get("status") or {})
                deployment_util.set_condition(status, deployment_util.new_condition(
                    "Progressing", "False", deployment_util.FAILED_RS_CREATE_REASON, message, now=batch.now))
                batch.update_status({**deployment, "status": status})

    def bump_collision_count(self, deployment: Obj) -> None:
        status = deployment.get("status", {})
        store.update_status(self.cluster, {**deployment, "status": {**status, "collisionCount": status.get("collisionCount", 0) + 1}})

    def summarize(self, key: Key, d: Obj | None) -> Summary:
        """Its ReplicaSets by revision and their pods, against replicas, template and rollout bounds."""
        if d is None:
            return super().summarize(key, d)
        rss = self.cache.owned_by(d, "ReplicaSet")
        new_rs = deployment_util.find_new_replica_set(d, rss)
        observed: Pairs = []
        for rs in sorted(rss, key=lambda r: -(deployment_util.revision(r) or 0)):
            status = rs.get("status", {})
            label = f"ReplicaSet {rs['metadata']['name']}" + (" (current template)" if rs is new_rs else "")
            observed.append([label, f"revision {deployment_util.revision(rs) or '?'}: {deployment_util.replicas(rs)} replicas, "
                                    f"{status.get('readyReplicas', 0)} ready, {status.get('availableReplicas', 0)} available"])
        pods = [p for rs in rss for p in self.cache.owned_by(rs, "Pod") if is_active(p)]
        observed.append(["pods", f"{len(pods)}, {sum(map(is_ready, pods))} ready"])
        want = deployment_util.replicas(d)
        template_hash = deployment_util.pod_template_hash(d["spec"]["template"], d.get("status", {}).get("collisionCount"))
        desired: Pairs = [["replicas", str(want)], ["template", f"pod-template-hash {template_hash}"]]
        if deployment_util.is_rolling_update(d):
            surge, unavailable = deployment_util.max_surge(d), deployment_util.max_unavailable(d)
            desired.append(["rollout bounds", f"at most {want + surge} pods, at least {want - unavailable} available"])
        else:
            desired.append(["strategy", "Recreate: the old pods go before new ones start"])
        if d["spec"].get("paused"):
            desired.append(["paused", "yes: no rollout until resumed"])
        return observed, desired, deployment_difference(d, new_rs, rss)


def deployment_difference(d: Obj, new_rs: Obj | None, rss: list[Obj]) -> str:
    want = deployment_util.replicas(d)
    if new_rs is None:
        return "no ReplicaSet has the current template: one must be created"
    old = sum(deployment_util.replicas(rs) for rs in rss if rs is not new_rs)
    have = deployment_util.replicas(new_rs)
    parts = []
    if have != want:
        parts.append(f"the current ReplicaSet has {have} of {want} replicas")
    if old:
        parts.append(f"old ReplicaSets still have {old}")
    status = d.get("status", {})
    if not parts and status.get("observedGeneration", 0) < d["metadata"].get("generation", 0):
        parts.append("the status does not show the latest generation yet")
    return "; ".join(parts) or f"none in replicas: {have} of {want} on the current template"
