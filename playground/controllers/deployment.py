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

from playground.store import api as store
from playground.store.errors import AlreadyExists

from .deployment_rules import REVISION_ANNOTATION, sync_deployment
from .runtime import Controller, Key, Result, controller_ref, split_key

Obj = dict[str, Any]


class DeploymentController(Controller):
    kind = "Deployment"
    owns = ("ReplicaSet",)
    component = "deployment-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        if obj["kind"] == "Pod":
            # A pod's readiness moves its Deployment's counters: find it through the ReplicaSet
            ref = controller_ref(obj)
            if ref is not None and ref["kind"] == "ReplicaSet":
                rs = self.cache.get("ReplicaSet", f"{obj['metadata']['namespace']}/{ref['name']}")
                owner = controller_ref(rs) if rs is not None else None
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
            if (ref := controller_ref(rs)) is not None and ref["uid"] == deployment["metadata"]["uid"]
            for pod in self.cache.owned_by(rs, "Pod")
        ]
        plan = sync_deployment(deployment, replica_sets, pods, now=self.now())
        if not plan.empty:
            try:
                self.write(deployment, plan)
            except AlreadyExists:
                self.bump_collision_count(deployment)  # a ReplicaSet of that hash exists: hash again
        if plan.requeue_after == 0.0:
            # "Again now" is enqueueRateLimited in Kubernetes: with back-off, so an instant clock
            # still moves (a deadline passed after a completed rollout would otherwise hold it still)
            return Result(back_off=True)
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

    def bump_collision_count(self, deployment: Obj) -> None:
        status = deployment.get("status", {})
        store.update_status(self.cluster, {**deployment, "status": {**status, "collisionCount": status.get("collisionCount", 0) + 1}})
