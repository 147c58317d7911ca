"""StatefulSet controller: pods with a stable name, network identity and storage, in order.

StatefulSet, one of its pods, ControllerRevisions or claims changes → key `namespace/name` →
reconcile: adopt orphaned revisions and pods, record the template as a ControllerRevision (the
update revision; the current one is the revision named by status.currentRevision), then one pass
of `update_stateful_set`, in one store batch with its Events and the status:
  1. each replica `<set>-<ordinal>` in ordinal order: failed ones deleted, missing ones created
     (their PersistentVolumeClaims `<claim>-<set>-<ordinal>` first), identity kept; with
     OrderedReady the pass stops at the first pod not yet Running, Ready and available;
  2. pods above the range (scale-down) deleted from the highest ordinal, one at a time with
     OrderedReady, each waiting until the one before has gone;
  3. RollingUpdate: the highest pod at or above `partition` not on the update revision is deleted
     (step 1 recreates it at the update revision); OnDelete waits for someone to delete pods.
Claims outlive their pods; persistentVolumeClaimRetentionPolicy decides the ownerReferences that
let the garbage collector delete them with the set (whenDeleted) or with a scaled-down pod
(whenScaled). When every replica is updated and ready, currentRevision becomes updateRevision.

Follows kubernetes/kubernetes pkg/controller/statefulset: stateful_set.go (sync, adoptOrphanRevisions,
getPodsForStatefulSet, syncStatefulSet), stateful_set_control.go (UpdateStatefulSet, performUpdate,
getStatefulSetRevisions, updateStatefulSet, processReplica, processCondemned, truncateHistory,
computeReplicaStatus), stateful_set_utils.go (identity, storage, revisions, claim ownership) and
stateful_pod_control.go (CreateStatefulPod, UpdateStatefulPod, DeleteStatefulPod, the claim
retention policy, and the Event reasons and messages), with pkg/controller/history for the
ControllerRevisions. The MaxUnavailableStatefulSet feature gate (alpha) is off, as by default.
Where the playground differs, "Playground:" says so.
"""
from __future__ import annotations

import copy
import datetime
import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary, SyncError, count_difference
from playground.runtime.events import NORMAL, WARNING
from playground.store import api as store
from playground.store.controller_ref import controller_of, new_controller_ref
from playground.store.errors import AlreadyExists, Forbidden, Invalid, NotFound
from playground.store.hashing import fnv32, safe_encode_string
from playground.store.pods import is_active, is_available, is_ready
from playground.store.selectors import label_selector_matches

from .controller_ref_manager import adopt_and_release
from .replicaset import seconds_until_available

Obj = dict[str, Any]
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"  # apps.StatefulSetPodNameLabel
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"  # apps.PodIndexLabel (PodIndexLabel, GA in 1.32)
REVISION_LABEL = "controller-revision-hash"  # apps.StatefulSetRevisionLabel: the revision's name
REVISION_HASH_LABEL = "controller.kubernetes.io/hash"  # history.ControllerRevisionHashLabel
ORDERED_READY, PARALLEL = "OrderedReady", "Parallel"
ROLLING_UPDATE, ON_DELETE = "RollingUpdate", "OnDelete"
RETAIN, DELETE = "Retain", "Delete"
CONFLICTING_CONTROLLER = "ConflictingController"
MAX_REVISION_PREFIX = 223  # history.ControllerRevisionName keeps names within 253 characters
STATEFUL_POD_NAME = re.compile(r"(.*)-([0-9]+)$")  # statefulPodRegex
_MAX_INT32 = 2**31 - 1


@dataclass
class Pass:
    """One reconcile's writes (a single batch) and what it learned on the way."""

    batch: store.Batch
    set: Obj
    update_set: Obj  # the set with the update revision's template
    claims: dict[str, Obj]  # the namespace's PersistentVolumeClaims by name, as written so far
    monotonic: bool  # OrderedReady: one pod at a time, each waiting for the one before
    now: datetime.datetime
    error: str | None = None  # what stopped the pass, as an error returned by a Go func does

    def fail(self, error: str) -> None:
        self.error = self.error or error

    def run_for_all(self, count: int, fn: Callable[[int], bool]) -> bool:
        """runForAll: in order, stopping where `fn` asks to (OrderedReady), or all of them
        (Parallel: slowStartBatch, whose batches only matter to a real API server)."""
        for i in range(count):
            if (fn(i) and self.monotonic) or self.error is not None:
                return True
        return False


class StatefulSetController(Controller):
    kind = "StatefulSet"
    owns = ("Pod", "ControllerRevision", "PersistentVolumeClaim")
    component = "statefulset-controller"

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        yield from super().keys_for(obj, old)
        if obj["kind"] in ("Pod", "ControllerRevision") and controller_of(obj) is None:
            yield from self.would_adopt(obj)

    def reconcile(self, key: Key) -> Result:
        set_ = self.cache.get(self.kind, key)
        if set_ is None:
            return Result()  # deleted: the garbage collector takes care of its pods and revisions
        revisions = sort_revisions(self.claim(set_, "ControllerRevision", member=lambda _: True))
        pods = self.claim(set_, "Pod", member=lambda pod: is_member_of(set_, pod))
        current, update, collision_count = self.get_stateful_set_revisions(set_, revisions)
        now = self.now()

        with store.batch(self.cluster) as batch:
            work = Pass(
                batch, set_, apply_revision(set_, update), self.claims_of(set_), not allows_burst(set_), now
            )
            status = self.update_stateful_set(work, current, update, collision_count, pods)
            status = complete_rolling_update(set_, status)
            if status != set_.get("status"):
                batch.update_status({**set_, "status": status})
            self.truncate_history(batch, set_, pods, revisions, current, update)

        if work.error is not None:
            raise SyncError(work.error)  # after the status is written, as Kubernetes returns it: retried with back-off
        # One more look when a ready pod will have been ready for minReadySeconds
        return Result(requeue_after=seconds_until_available(set_, pods, now=now))

    # -- ownership ------------------------------------------------------------------------------

    def claim(self, set_: Obj, kind: str, *, member: Callable[[Obj], bool]) -> list[Obj]:
        """ClaimPods / ListControllerRevisions with adoptOrphanRevisions: the objects this set
        controls that match its selector (and `member`), adopting matching orphans and releasing
        its pods that no longer match (controller_ref_manager.go)."""
        selector, uid = set_["spec"]["selector"], set_["metadata"]["uid"]

        def matches(obj: Obj) -> bool:
            return label_selector_matches(selector, obj["metadata"].get("labels") or {}) and member(obj)

        claimed, release = [], []
        for obj in self.cache.owned_by(set_, kind):
            ref = controller_of(obj)
            if ref is None or ref["uid"] != uid:
                continue  # an owner reference, but not as its controller
            if matches(obj):
                claimed.append(obj)
            elif kind == "Pod" and not obj["metadata"].get("deletionTimestamp"):
                release.append(obj)  # revisions that stop matching are only left out, not released
        adopt = [] if set_["metadata"].get("deletionTimestamp") else [
            obj for obj in self.cache.uncontrolled(kind, namespace=set_["metadata"]["namespace"])
            if matches(obj) and not obj["metadata"].get("deletionTimestamp")
        ]
        claimed += adopt_and_release(self.cluster, set_, adopt, release)
        return claimed

    def would_adopt(self, obj: Obj) -> list[Key]:
        namespace = obj["metadata"].get("namespace")
        labels = obj["metadata"].get("labels") or {}
        return [
            f"{namespace}/{s['metadata']['name']}"
            for s in self.cache.list(self.kind, namespace=namespace)
            if label_selector_matches(s["spec"]["selector"], labels)
            and (obj["kind"] != "Pod" or is_member_of(s, obj))
        ]

    def claims_of(self, set_: Obj) -> dict[str, Obj]:
        if not set_["spec"].get("volumeClaimTemplates"):
            return {}
        claims = self.cache.list("PersistentVolumeClaim", namespace=set_["metadata"]["namespace"])
        return {c["metadata"]["name"]: c for c in claims}

    # -- revisions ------------------------------------------------------------------------------

    def get_stateful_set_revisions(self, set_: Obj, revisions: list[Obj]) -> tuple[Obj, Obj, int]:
        """getStatefulSetRevisions: (current, update, collisionCount). The update revision is the
        newest if it holds this template, an older one holding it renumbered to the newest (a
        rollback), or a new one; the current revision is the one status.currentRevision names."""
        status = set_.get("status") or {}
        collision_count = status.get("collisionCount") or 0
        number = next_revision(revisions)
        data = revision_data(set_)
        equal = [r for r in revisions if r.get("data") == data]
        if equal and revisions[-1].get("data") == data:
            update = revisions[-1]
        elif equal:
            update = equal[-1] if equal[-1].get("revision") == number else store.update(
                self.cluster, {**equal[-1], "revision": number}
            )
        else:
            update, collision_count = self.create_controller_revision(set_, number, collision_count)
        current = next((r for r in revisions if r["metadata"]["name"] == status.get("currentRevision")), update)
        return current, update, collision_count

    def create_controller_revision(self, set_: Obj, number: int, collision_count: int) -> tuple[Obj, int]:
        """history.CreateControllerRevision: on a name taken by another template, count the
        collision and hash again; one taken by this same template is ours already."""
        while True:
            revision = new_revision(set_, number, collision_count)
            try:
                return store.create(self.cluster, revision), collision_count
            except AlreadyExists:
                name = revision["metadata"]["name"]
                existing = store.get(self.cluster, "ControllerRevision", name, set_["metadata"]["namespace"])
                if existing.get("data") == revision["data"]:
                    return existing, collision_count
                collision_count = (collision_count + 1) & _MAX_INT32

    def truncate_history(
        self, batch: store.Batch, set_: Obj, pods: list[Obj], revisions: list[Obj], current: Obj, update: Obj
    ) -> None:
        """truncateHistory: beyond revisionHistoryLimit, delete the oldest revisions that are
        neither current, nor the update, nor any pod's."""
        live = {current["metadata"]["name"], update["metadata"]["name"], *(pod_revision(p) for p in pods)}
        history = [r for r in revisions if r["metadata"]["name"] not in live]
        limit = set_["spec"].get("revisionHistoryLimit", 10)
        if limit < 0 or len(history) <= limit:
            return
        for revision in history[: len(history) - limit]:
            try:
                batch.delete("ControllerRevision", revision["metadata"]["name"], revision["metadata"]["namespace"])
            except NotFound:
                pass  # gone already: what we wanted

    # -- one pass -------------------------------------------------------------------------------

    def update_stateful_set(self, work: Pass, current: Obj, update: Obj, collision_count: int, pods: list[Obj]) -> Obj:
        """updateStatefulSet: replicas first, then the condemned, then the rolling update; each
        step returns early while OrderedReady has something to wait for."""
        set_ = work.set
        replicas, condemned = split_by_ordinal_range(set_, pods)
        # A hole in [start, end] becomes a new pod, at the revision its ordinal gets, only when
        # the pass reaches it: with OrderedReady most holes wait, and building them costs
        current_set, names = apply_revision(set_, current), (current["metadata"]["name"], update["metadata"]["name"])

        def replica(i: int) -> Obj:
            if replicas[i] is None:
                replicas[i] = new_versioned_stateful_set_pod(current_set, work.update_set, *names, start_ordinal(set_) + i)
            return replicas[i]

        first_unavailable = first_unavailable_pod(replicas, condemned, set_["spec"].get("minReadySeconds", 0), work.now)
        done = bool(set_["metadata"].get("deletionTimestamp"))  # being deleted: the status only
        done = done or work.run_for_all(len(replicas), lambda i: self.process_replica(work, replica(i)))
        done = done or work.run_for_all(len(condemned), lambda i: self.fix_pod_claim(work, condemned[i]))
        done = done or work.run_for_all(
            len(condemned), lambda i: self.process_condemned(work, condemned[i], first_unavailable)
        )
        # Pods not yet created count for nothing in the status
        status = stateful_set_status(
            set_, [*(p for p in replicas if p is not None), *condemned], current, update, collision_count, now=work.now
        )
        if not done and update_strategy(set_) == ROLLING_UPDATE:
            status = self.rolling_update(work, replicas, update["metadata"]["name"], status)
        return status

    def process_replica(self, work: Pass, pod: Obj) -> bool:
        """processReplica: returns whether OrderedReady must stop at this pod."""
        min_ready = work.set["spec"].get("minReadySeconds", 0)
        # Succeeded too: an evicted or node-killed pod's phase follows its exit code, not why it stopped
        if phase(pod) in ("Failed", "Succeeded"):
            if not is_terminating(pod):
                self.delete_stateful_pod(work, pod)
            return True  # its replacement is created once it is gone
        if not is_created(pod):
            if self.pod_claim_is_stale(work, pod):
                work.fail(f"pod {pod['metadata']['name']} has a stale claim")  # owned by the pod before: the GC deletes it
                return True
            if self.create_stateful_pod(work, pod) is None or work.monotonic:
                return True
        if phase(pod) == "Pending":
            self.create_missing_claims(work, pod)
        if work.monotonic and (
            is_terminating(pod) or not is_running_and_ready(pod) or not is_pod_available(pod, min_ready, work.now)
        ):
            return True
        retention_matches = self.claims_match_retention_policy(work, work.update_set, pod)
        if identity_matches(work.set, pod) and storage_matches(work.set, pod) and retention_matches:
            return False
        self.update_stateful_pod(work, pod)
        return False

    def fix_pod_claim(self, work: Pass, pod: Obj) -> bool:
        """A pod scaled away: its claims take the ownerReferences whenScaled asks for."""
        if not self.claims_match_retention_policy(work, work.update_set, pod):
            self.update_pod_claims_for_retention_policy(work, work.update_set, pod)
        return False

    def process_condemned(self, work: Pass, pod: Obj, first_unavailable: Obj | None) -> bool:
        """processCondemned: with OrderedReady, delete the highest ordinal only once it is gone
        from terminating, and only while every other pod is healthy (or it is the unhealthy one)."""
        if is_terminating(pod):
            return work.monotonic  # wait for it to be gone
        min_ready = work.set["spec"].get("minReadySeconds", 0)
        healthy = is_running_and_ready(pod) and is_pod_available(pod, min_ready, work.now)
        if work.monotonic and not healthy and pod is not first_unavailable:
            return True
        self.delete_stateful_pod(work, pod)
        return True

    def rolling_update(self, work: Pass, replicas: list[Obj | None], update_revision: str, status: Obj) -> Obj:
        """Delete the highest ordinal at or above the partition not on the update revision, once
        every pod above it is updated and available; step 1 brings it back updated."""
        min_ready = work.set["spec"].get("minReadySeconds", 0)
        for target in range(len(replicas) - 1, partition(work.set) - 1, -1):
            pod = replicas[target]
            if pod is None:
                return status  # only reached when step 1 went through every replica; never left a hole
            if pod_revision(pod) != update_revision and not is_terminating(pod):
                self.delete_stateful_pod(work, pod)
                return {**status, "currentReplicas": status.get("currentReplicas", 0) - 1}
            if is_unavailable(pod, min_ready, work.now):
                return status
        return status

    # -- pods and claims (StatefulPodControl) ---------------------------------------------------

    def create_stateful_pod(self, work: Pass, pod: Obj) -> Obj | None:
        """CreateStatefulPod: the claims first, then the pod."""
        errors = self.create_claims(work, pod)
        if errors:
            self.record_pod_event(work, "create", pod, error="; ".join(errors))
            return None
        try:
            created = work.batch.create(pod)
        except (Invalid, Forbidden) as e:  # a template the API server refuses: say so, retry with back-off
            self.record_pod_event(work, "create", pod, error=e.message)
            work.fail(e.message)
            return None
        self.update_pod_claims_for_retention_policy(work, work.set, created)
        self.record_pod_event(work, "create", pod)
        return created

    def update_stateful_pod(self, work: Pass, pod: Obj) -> None:
        """UpdateStatefulPod: put back the identity labels, the claims' volumes and the claims'
        ownerReferences; a pod update is attempted (and reported) if any of them was off."""
        updated = copy.deepcopy(pod)
        if not identity_matches(work.set, updated):
            update_identity(work.set, updated)
        if not storage_matches(work.set, updated):
            update_storage(work.set, updated)
            errors = self.create_claims(work, updated)
            if errors:
                self.record_pod_event(work, "update", updated, error="; ".join(errors))
                return
        if not self.claims_match_retention_policy(work, work.set, updated):
            self.update_pod_claims_for_retention_policy(work, work.set, updated)
        try:
            work.batch.update(updated)
        except (Invalid, Forbidden) as e:  # a pod's volumes cannot change: a pod adopted that way stays so
            self.record_pod_event(work, "update", updated, error=e.message)
            return
        self.record_pod_event(work, "update", updated)

    def delete_stateful_pod(self, work: Pass, pod: Obj) -> None:
        try:
            work.batch.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
        except NotFound:
            return  # gone already: what we wanted
        self.record_pod_event(work, "delete", pod)

    def create_claims(self, work: Pass, pod: Obj) -> list[str]:
        """createPersistentVolumeClaims: each missing claim of the pod; returns the errors.
        Playground: a new claim carries the retention policy's ownerReferences at once, which
        Kubernetes adds by an update right after creating the pod."""
        errors = []
        for claim in persistent_volume_claims(work.set, get_ordinal(pod)):
            name = claim["metadata"]["name"]
            existing = work.claims.get(name)
            if existing is not None:
                if existing["metadata"].get("deletionTimestamp"):
                    errors.append(f"pvc {name} is being deleted")
                    work.fail(errors[-1])
                continue
            refs = claim_owner_references(claim, work.set, pod)
            if refs:
                claim["metadata"]["ownerReferences"] = refs
            try:
                work.claims[name] = work.batch.create(claim)
            except AlreadyExists as e:  # made meanwhile by someone else: the next pass sees it
                errors.append(f"failed to create PVC {name}: {e.message}")
                work.fail(errors[-1])
                continue
            except (Invalid, Forbidden) as e:  # a template the API server refuses: say so, retry with back-off
                errors.append(f"failed to create PVC {name}: {e.message}")
                self.record_claim_event(work, "create", pod, name, error=e.message)
                work.fail(errors[-1])
                continue
            self.record_claim_event(work, "create", pod, name)
        return errors

    def create_missing_claims(self, work: Pass, pod: Obj) -> None:
        """createMissingPersistentVolumeClaims: a pending pod gets back a claim deleted under it."""
        if not self.create_claims(work, pod):
            self.update_pod_claims_for_retention_policy(work, work.set, pod)

    def pod_claim_is_stale(self, work: Pass, pod: Obj) -> bool:
        """PodClaimIsStale: with whenScaled Delete, a claim still owned by an earlier pod of this
        name must go before the new pod may use that name."""
        if retention_policy(work.set)["whenScaled"] == RETAIN:
            return False  # claims are meant to be reused: never stale
        names = claim_names(work.set, get_ordinal(pod))
        return any(has_stale_owner_ref(work.claims[n], pod) for n in names if n in work.claims)

    def claims_match_retention_policy(self, work: Pass, set_: Obj, pod: Obj) -> bool:
        names = claim_names(set_, get_ordinal(pod))
        return all(is_claim_owner_up_to_date(work.claims[n], set_, pod) for n in names if n in work.claims)

    def update_pod_claims_for_retention_policy(self, work: Pass, set_: Obj, pod: Obj) -> None:
        """UpdatePodClaimForRetentionPolicy: each existing claim of the pod takes the
        ownerReferences the policy asks for."""
        for claim in persistent_volume_claims(set_, get_ordinal(pod)):
            name = claim["metadata"]["name"]
            existing = work.claims.get(name)
            if existing is None:
                continue  # picked up on a later pass
            if has_unexpected_controller(existing, set_, pod):
                message = (
                    f"PersistentVolumeClaim {name} has a conflicting OwnerReference that acts as a manging "
                    "controller, the retention policy is ignored for this claim"
                )  # sic: Kubernetes spells it so
                self.events.record(work.batch, work.set, WARNING, CONFLICTING_CONTROLLER, message)
            if not is_claim_owner_up_to_date(existing, set_, pod):
                refs = claim_owner_references(existing, set_, pod)
                work.claims[name] = work.batch.update({**existing, "metadata": {**existing["metadata"], "ownerReferences": refs}})

    def record_pod_event(self, work: Pass, verb: str, pod: Obj, *, error: str | None = None) -> None:
        """recordPodEvent: `SuccessfulCreate` "create Pod web-0 in StatefulSet web successful"."""
        name, set_name = pod["metadata"]["name"], work.set["metadata"]["name"]
        if error is None:
            message = f"{verb} Pod {name} in StatefulSet {set_name} successful"
            self.events.record(work.batch, work.set, NORMAL, f"Successful{verb.title()}", message)
        else:
            message = f"{verb} Pod {name} in StatefulSet {set_name} failed error: {error}"
            self.events.record(work.batch, work.set, WARNING, f"Failed{verb.title()}", message)

    def record_claim_event(self, work: Pass, verb: str, pod: Obj, claim: str, *, error: str | None = None) -> None:
        """recordClaimEvent: "create Claim data-web-0 Pod web-0 in StatefulSet web success"."""
        name, set_name = pod["metadata"]["name"], work.set["metadata"]["name"]
        if error is None:
            message = f"{verb} Claim {claim} Pod {name} in StatefulSet {set_name} success"
            self.events.record(work.batch, work.set, NORMAL, f"Successful{verb.title()}", message)
        else:
            message = f"{verb} Claim {claim} for Pod {name} in StatefulSet {set_name} failed error: {error}"
            self.events.record(work.batch, work.set, WARNING, f"Failed{verb.title()}", message)

    def summarize(self, key: Key, sts: Obj | None) -> Summary:
        if sts is None:
            return super().summarize(key, sts)
        pods = sorted((p for p in self.cache.owned_by(sts, "Pod") if is_active(p)), key=lambda p: p["metadata"]["name"])
        want = int(sts["spec"].get("replicas", 1))
        observed = [["pods", ", ".join(p["metadata"]["name"] + (" (ready)" if is_ready(p) else "") for p in pods) or "none"]]
        desired = [["replicas", str(want)], ["update revision", sts.get("status", {}).get("updateRevision", "?")]]
        return observed, desired, count_difference(want, len(pods))


# --- identity (stateful_set_utils.go) --------------------------------------------------------------


def get_parent_name_and_ordinal(pod: Obj) -> tuple[str, int]:
    """getParentNameAndOrdinal: `web-2` → ("web", 2); a name without an ordinal → ("", -1)."""
    return _parent_name_and_ordinal(pod["metadata"]["name"])


@functools.lru_cache(maxsize=65_536)
def _parent_name_and_ordinal(name: str) -> tuple[str, int]:
    # Every pass asks this of every pod several times: a name is parsed once
    match = STATEFUL_POD_NAME.fullmatch(name)
    if match is None:
        return "", -1
    ordinal = int(match.group(2))
    return match.group(1), ordinal if ordinal <= _MAX_INT32 else -1


def get_ordinal(pod: Obj) -> int:
    return get_parent_name_and_ordinal(pod)[1]


def is_member_of(set_: Obj, pod: Obj) -> bool:
    return get_parent_name_and_ordinal(pod)[0] == set_["metadata"]["name"]


def start_ordinal(set_: Obj) -> int:
    return (set_["spec"].get("ordinals") or {}).get("start", 0)


def end_ordinal(set_: Obj) -> int:
    return start_ordinal(set_) + set_["spec"].get("replicas", 1) - 1


def in_ordinal_range(pod: Obj, set_: Obj) -> bool:
    return start_ordinal(set_) <= get_ordinal(pod) <= end_ordinal(set_)


def pod_name(set_: Obj, ordinal: int) -> str:
    return f"{set_['metadata']['name']}-{ordinal}"


def identity_matches(set_: Obj, pod: Obj) -> bool:
    parent, ordinal = get_parent_name_and_ordinal(pod)
    meta = pod["metadata"]
    return (
        ordinal >= 0
        and parent == set_["metadata"]["name"]
        and meta["name"] == pod_name(set_, ordinal)
        and meta.get("namespace") == set_["metadata"]["namespace"]
        and (meta.get("labels") or {}).get(POD_NAME_LABEL) == meta["name"]
    )


def update_identity(set_: Obj, pod: Obj) -> None:
    """updateIdentity: the pod-name and pod-index labels (the name itself never changes)."""
    labels = pod["metadata"].setdefault("labels", {})
    labels[POD_NAME_LABEL] = pod["metadata"]["name"]
    labels[POD_INDEX_LABEL] = str(get_ordinal(pod))


def split_by_ordinal_range(set_: Obj, pods: list[Obj]) -> tuple[list[Obj | None], list[Obj]]:
    """The replicas by index in [start, end] (None where missing) and the condemned beyond it,
    highest ordinal first; a pod whose name has no ordinal is ignored."""
    replicas: list[Obj | None] = [None] * set_["spec"].get("replicas", 1)
    condemned = []
    for pod in pods:
        if in_ordinal_range(pod, set_):
            replicas[get_ordinal(pod) - start_ordinal(set_)] = pod
        elif get_ordinal(pod) >= 0:
            condemned.append(pod)
    return replicas, sorted(condemned, key=get_ordinal, reverse=True)


# --- the pods it creates ---------------------------------------------------------------------------


def new_stateful_set_pod(set_: Obj, ordinal: int) -> Obj:
    """newStatefulSetPod: the template (GetPodFromTemplate) named `<set>-<ordinal>`, its hostname
    the pod's name and its subdomain the governing Service, its claims mounted as volumes."""
    template = set_["spec"]["template"]
    template_meta = template.get("metadata") or {}
    name = pod_name(set_, ordinal)
    metadata: Obj = {
        "name": name,
        "generateName": f"{set_['metadata']['name']}-",
        "namespace": set_["metadata"]["namespace"],
        "labels": dict(template_meta.get("labels") or {}),
        "ownerReferences": [new_controller_ref(set_)],
    }
    for key in ("annotations", "finalizers"):
        if template_meta.get(key):
            metadata[key] = copy.deepcopy(template_meta[key])
    spec = copy.deepcopy(template.get("spec") or {})
    spec["hostname"] = name  # initIdentity: set on creation only, the API server keeps them
    if set_["spec"].get("serviceName"):
        spec["subdomain"] = set_["spec"]["serviceName"]
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
    update_identity(set_, pod)
    update_storage(set_, pod)
    return pod


def new_versioned_stateful_set_pod(
    current_set: Obj, update_set: Obj, current_revision: str, update_revision: str, ordinal: int
) -> Obj:
    """newVersionedStatefulSetPod: below the partition a new pod keeps the current revision,
    from it up (and always with OnDelete) it gets the update revision."""
    rolling = (current_set["spec"].get("updateStrategy") or {}).get("rollingUpdate")
    strategy_is_rolling = update_strategy(current_set) == ROLLING_UPDATE
    current_replicas = (current_set.get("status") or {}).get("currentReplicas", 0)
    # Go's precedence: (RollingUpdate && rollingUpdate == nil && ...) || (rollingUpdate != nil && ...)
    keep_current = (strategy_is_rolling and rolling is None and ordinal < start_ordinal(current_set) + current_replicas) or (
        rolling is not None and ordinal < start_ordinal(current_set) + rolling.get("partition", 0)
    )
    pod = new_stateful_set_pod(current_set if keep_current else update_set, ordinal)
    pod["metadata"]["labels"][REVISION_LABEL] = current_revision if keep_current else update_revision
    return pod


# --- storage -------------------------------------------------------------------------------------


def claim_name(template: Obj, set_: Obj, ordinal: int) -> str:
    """getPersistentVolumeClaimName: `<claim>-<set>-<ordinal>`, e.g. data-web-0."""
    return f"{template['metadata']['name']}-{set_['metadata']['name']}-{ordinal}"


def claim_names(set_: Obj, ordinal: int) -> list[str]:
    """The names of this ordinal's claims, without building them (every pass asks, per pod)."""
    return [claim_name(t, set_, ordinal) for t in set_["spec"].get("volumeClaimTemplates") or []]


def persistent_volume_claims(set_: Obj, ordinal: int) -> list[Obj]:
    """getPersistentVolumeClaims: each volumeClaimTemplate named for this ordinal, labelled with
    the set's matchLabels, in the set's namespace."""
    claims = []
    match_labels = set_["spec"]["selector"].get("matchLabels") or {}
    for template in set_["spec"].get("volumeClaimTemplates") or []:
        claim = copy.deepcopy(template)
        claim.pop("status", None)
        meta = claim.setdefault("metadata", {})
        meta.update(name=claim_name(template, set_, ordinal), namespace=set_["metadata"]["namespace"])
        labels = {**(meta.get("labels") or {}), **match_labels}
        if labels:
            meta["labels"] = labels
        claims.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", **claim})
    return claims


def storage_matches(set_: Obj, pod: Obj) -> bool:
    """storageMatches: every claim template is mounted from this ordinal's claim."""
    ordinal = get_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in pod["spec"].get("volumes") or []}
    for template in set_["spec"].get("volumeClaimTemplates") or []:
        source = (volumes.get(template["metadata"]["name"]) or {}).get("persistentVolumeClaim") or {}
        if source.get("claimName") != claim_name(template, set_, ordinal):
            return False
    return True


def update_storage(set_: Obj, pod: Obj) -> None:
    """updateStorage: the claims' volumes first, then the pod's other volumes (a volume named
    like a claim template is replaced by the claim)."""
    ordinal = get_ordinal(pod)
    templates = set_["spec"].get("volumeClaimTemplates") or []
    names = {t["metadata"]["name"] for t in templates}
    volumes = [
        {"name": t["metadata"]["name"], "persistentVolumeClaim": {"claimName": claim_name(t, set_, ordinal)}}
        for t in templates
    ]
    volumes += [v for v in pod["spec"].get("volumes") or [] if v.get("name") not in names]
    if volumes:
        pod["spec"]["volumes"] = volumes


# --- claim ownership: persistentVolumeClaimRetentionPolicy ------------------------------------------


def retention_policy(set_: Obj) -> dict[str, str]:
    """getPersistentVolumeClaimRetentionPolicy: Retain and Retain unless the set says otherwise."""
    policy = set_["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
    return {"whenDeleted": policy.get("whenDeleted") or RETAIN, "whenScaled": policy.get("whenScaled") or RETAIN}


def matches_ref(ref: Obj, owner: Obj) -> bool:
    """matchesRef: the same apiVersion, kind and name (the uid may differ: a stale reference)."""
    return (ref.get("apiVersion"), ref.get("kind"), ref.get("name")) == (
        owner.get("apiVersion"), owner.get("kind"), owner["metadata"]["name"]
    )


def has_owner_ref(target: Obj, owner: Obj) -> bool:
    uid = owner["metadata"].get("uid", "")
    return any(ref.get("uid") == uid for ref in target["metadata"].get("ownerReferences") or [])


def has_stale_owner_ref(target: Obj, owner: Obj) -> bool:
    """hasStaleOwnerRef: the first reference to an object of this name and kind has another uid
    (an earlier pod or set of that name; a pod not yet created has none)."""
    for ref in target["metadata"].get("ownerReferences") or []:
        if matches_ref(ref, owner):
            return ref.get("uid") != owner["metadata"].get("uid", "")
    return False


def has_unexpected_controller(claim: Obj, set_: Obj, pod: Obj) -> bool:
    """hasUnexpectedController: with a Delete policy, a controller other than this set or pod
    (or an earlier one of the same name) manages the claim; with Retain anyone may."""
    policy = retention_policy(set_)
    if policy["whenScaled"] == RETAIN and policy["whenDeleted"] == RETAIN:
        return False
    for ref in claim["metadata"].get("ownerReferences") or []:
        for owner in (set_, pod):
            if matches_ref(ref, owner):
                if ref.get("uid") != owner["metadata"].get("uid", ""):
                    return True
                break
        else:
            if ref.get("controller"):
                return True
    return False


def has_non_controller_owner(claim: Obj, set_: Obj, pod: Obj) -> bool:
    uids = {set_["metadata"]["uid"], pod["metadata"].get("uid", "")}
    return any(ref.get("uid") in uids and not ref.get("controller") for ref in claim["metadata"].get("ownerReferences") or [])


def is_claim_owner_up_to_date(claim: Obj, set_: Obj, pod: Obj) -> bool:
    """isClaimOwnerUpToDate: Retain/Retain no reference to the set or pod; whenDeleted Delete a
    reference to the set; whenScaled Delete a reference to the pod once it is scaled away
    (and then none to the set). Stale references and foreign controllers are left alone."""
    if not claim["metadata"].get("ownerReferences"):
        return wanted_owners(set_, pod) == (False, False)  # the common case, decided without the rest
    if has_stale_owner_ref(claim, set_) or has_stale_owner_ref(claim, pod):
        return True  # managed by an earlier set or pod of that name: not ours to touch
    if has_unexpected_controller(claim, set_, pod):
        return not (has_owner_ref(claim, set_) or has_owner_ref(claim, pod))
    if has_non_controller_owner(claim, set_, pod):
        return False
    wants_set, wants_pod = wanted_owners(set_, pod)
    return has_owner_ref(claim, set_) == wants_set and has_owner_ref(claim, pod) == wants_pod


def wanted_owners(set_: Obj, pod: Obj) -> tuple[bool, bool]:
    """Whether the policy wants the claim owned by (the set, the pod)."""
    policy = retention_policy(set_)
    scaled_down = not in_ordinal_range(pod, set_)
    if policy["whenScaled"] == DELETE and scaled_down:
        return False, True
    return policy["whenDeleted"] == DELETE, False


def claim_owner_references(claim: Obj, set_: Obj, pod: Obj) -> list[Obj]:
    """updateClaimOwnerRefForSetAndPod: the claim's references with ours replaced by the
    controller references the policy wants (none, beside a foreign controller)."""
    unexpected = has_unexpected_controller(claim, set_, pod)
    refs = [
        r for r in claim["metadata"].get("ownerReferences") or []
        if not (matches_ref(r, set_) or matches_ref(r, pod))
    ]
    if unexpected:
        return refs
    wants_set, wants_pod = wanted_owners(set_, pod)
    owners = [o for o, wanted in ((set_, wants_set), (pod, wants_pod)) if wanted]
    return refs + [new_controller_ref(o) for o in owners if not any(r.get("uid") == o["metadata"].get("uid") for r in refs)]


# --- pod state -------------------------------------------------------------------------------------


def phase(pod: Obj) -> str:
    return (pod.get("status") or {}).get("phase", "")


def first_unavailable_pod(replicas: list[Obj | None], condemned: list[Obj], min_ready: int, now: datetime.datetime) -> Obj | None:
    """The first unhealthy pod of the replicas then the condemned (lowest ordinal first); a hole
    not yet filled is an unavailable pod that is no condemned one, so it answers None."""
    for pod in [*replicas, *reversed(condemned)]:
        if pod is None:
            return None
        if is_unavailable(pod, min_ready, now):
            return pod
    return None


def is_created(pod: Obj) -> bool:
    """isCreated: the API server has it (a pod it has stored always has a phase)."""
    return phase(pod) != ""


def is_terminating(pod: Obj) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_running_and_ready(pod: Obj) -> bool:
    return phase(pod) == "Running" and is_ready(pod)


def is_pod_available(pod: Obj, min_ready_seconds: int, now: datetime.datetime) -> bool:
    """IsPodAvailable, without reading the Ready time when minReadySeconds is 0 (every pass
    asks this of every pod)."""
    return is_ready(pod) if not min_ready_seconds else is_available(pod, min_ready_seconds, now)


def is_unavailable(pod: Obj, min_ready_seconds: int, now: datetime.datetime) -> bool:
    """isUnavailable: not available, or on its way out."""
    return not is_pod_available(pod, min_ready_seconds, now) or is_terminating(pod)


def pod_revision(pod: Obj) -> str:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL, "")


def allows_burst(set_: Obj) -> bool:
    return set_["spec"].get("podManagementPolicy") == PARALLEL


def update_strategy(set_: Obj) -> str:
    return (set_["spec"].get("updateStrategy") or {}).get("type") or ROLLING_UPDATE


def partition(set_: Obj) -> int:
    return ((set_["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {}).get("partition", 0)


# --- revisions (pkg/controller/history) -------------------------------------------------------------


def revision_data(set_: Obj) -> Obj:
    """getPatch: what a ControllerRevision keeps, a strategic merge patch putting this template back."""
    return {"spec": {"template": {**copy.deepcopy(set_["spec"]["template"]), "$patch": "replace"}}}


def apply_revision(set_: Obj, revision: Obj) -> Obj:
    """ApplyRevision: the set with the revision's template (`$patch: replace` replaces it whole)."""
    template = {k: v for k, v in revision["data"]["spec"]["template"].items() if k != "$patch"}
    return {**set_, "spec": {**set_["spec"], "template": template}}


def go_json(value: Any) -> bytes:
    """json.Marshal's bytes: sorted keys, no spaces, UTF-8, and <, >, & escaped for HTML."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for char in ("<", ">", "&", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text.encode()


def hash_controller_revision(data: Obj, collision_count: int | None) -> str:
    """HashControllerRevision: FNV-1 of the data, then of the collision count in decimal."""
    raw = go_json(data) + (str(collision_count).encode() if collision_count is not None else b"")
    return safe_encode_string(str(fnv32(raw)))


def new_revision(set_: Obj, number: int, collision_count: int) -> Obj:
    """newRevision: `<set>-<hash>`, labelled like the template and with the hash, annotated like
    the set, controlled by it."""
    data = revision_data(set_)
    hash_ = hash_controller_revision(data, collision_count)
    labels = {**(set_["spec"]["template"].get("metadata", {}).get("labels") or {}), REVISION_HASH_LABEL: hash_}
    metadata: Obj = {
        "name": f"{set_['metadata']['name'][:MAX_REVISION_PREFIX]}-{hash_}",
        "namespace": set_["metadata"]["namespace"],
        "labels": labels,
        "ownerReferences": [new_controller_ref(set_)],
    }
    if set_["metadata"].get("annotations"):
        metadata["annotations"] = dict(set_["metadata"]["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": metadata, "data": data, "revision": number}


def sort_revisions(revisions: list[Obj]) -> list[Obj]:
    """SortControllerRevisions: by revision number, then creation time, then name."""
    return sorted(
        revisions,
        key=lambda r: (r.get("revision", 0), r["metadata"].get("creationTimestamp") or "", r["metadata"]["name"]),
    )


def next_revision(revisions: list[Obj]) -> int:
    return revisions[-1].get("revision", 0) + 1 if revisions else 1


# --- status --------------------------------------------------------------------------------------------


def stateful_set_status(
    set_: Obj, pods: list[Obj], current: Obj, update: Obj, collision_count: int, *, now: datetime.datetime
) -> Obj:
    """computeReplicaStatus over the pods (those not yet created do not count), with the
    revisions, observedGeneration and collisionCount; conditions are kept."""
    min_ready = set_["spec"].get("minReadySeconds", 0)
    current_name, update_name = current["metadata"]["name"], update["metadata"]["name"]
    replicas = ready = available = current_replicas = updated = 0
    for pod in pods:
        created = is_created(pod)
        replicas += created
        if is_running_and_ready(pod):
            ready += 1
            available += is_pod_available(pod, min_ready, now)
        if created and not is_terminating(pod):
            current_replicas += pod_revision(pod) == current_name
            updated += pod_revision(pod) == update_name
    old = set_.get("status") or {}
    status: Obj = {
        "observedGeneration": set_["metadata"].get("generation", 1),
        "replicas": replicas,
        # omitempty in the Go struct: a zero is not written
        **{k: v for k, v in (("readyReplicas", ready), ("currentReplicas", current_replicas), ("updatedReplicas", updated)) if v},
        "currentRevision": current_name,
        "updateRevision": update_name,
        "collisionCount": collision_count,
        "availableReplicas": available,
    }
    if old.get("conditions"):
        status["conditions"] = old["conditions"]
    return status


def complete_rolling_update(set_: Obj, status: Obj) -> Obj:
    """completeRollingUpdate: once every replica is updated and ready, the update revision is current."""
    wanted = set_["spec"].get("replicas", 1)
    done = status["replicas"] == status.get("updatedReplicas", 0) == status.get("readyReplicas", 0) == wanted
    if update_strategy(set_) != ROLLING_UPDATE or not done:
        return status
    completed = {**status, "currentReplicas": wanted, "currentRevision": status["updateRevision"]}
    return completed if wanted else {k: v for k, v in completed.items() if k != "currentReplicas"}
