"""The Deployment controller's rules, checked in Kubernetes' own terms, without a database."""
from __future__ import annotations

import copy
import datetime
import json

import pytest

from playground.controllers.deployment_rules import (
    Scale,
    SyncPlan,
    calculate_status,
    cleanup_old_replica_sets,
    reconcile_old_replica_sets,
    scale,
    sync_deployment,
)
from playground.controllers.deployment_util import (
    DESIRED_REPLICAS_ANNOTATION,
    MAX_REPLICAS_ANNOTATION,
    POD_TEMPLATE_HASH_LABEL,
    REVISION_ANNOTATION,
    find_new_replica_set,
    find_old_replica_sets,
    get_condition,
    is_saturated,
    max_unavailable,
    new_replica_set,
    new_rs_new_replicas,
    pod_template_hash,
    resolve_fenceposts,
)
from playground.store.hashing import ALPHANUMS, fnv32a, safe_encode_string

T0 = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


# --- a small world ----------------------------------------------------------------------------------


def template(image: str = "nginx:1.25") -> dict:
    return {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": image}]}}


def deployment(replicas: int = 10, *, max_surge="25%", max_unavailable="25%", image="nginx:1.25", **spec) -> dict:
    rolling = {"maxSurge": max_surge, "maxUnavailable": max_unavailable}
    strategy = spec.pop("strategy", {"type": "RollingUpdate", "rollingUpdate": rolling})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "uid": "d-uid", "generation": 1, "annotations": {}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": template(image),
            "strategy": strategy,
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            **spec,
        },
        "status": {},
    }


def replica_set(
    d: dict,
    *,
    revision: int,
    replicas: int,
    available: int | None = None,
    image: str | None = None,
    created: int = 0,
    name: str | None = None,
) -> dict:
    """A ReplicaSet as the store holds it after the ReplicaSet controller has caught up."""
    source = copy.deepcopy(d)
    if image is not None:
        source["spec"]["template"] = template(image)
    hash_ = pod_template_hash(source["spec"]["template"], None)
    rs = new_replica_set(source, hash_, str(revision), replicas)
    rs["metadata"].update(
        name=name or rs["metadata"]["name"],
        uid=f"rs-uid-{revision}",
        generation=1,
        creationTimestamp=(T0 + datetime.timedelta(seconds=created)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    available = replicas if available is None else available
    rs["status"] = {
        "replicas": replicas,
        "readyReplicas": available,
        "availableReplicas": available,
        "observedGeneration": 1,
    }
    return rs


class World:
    """The Deployment controller plus an instant ReplicaSet controller and kubelet."""

    def __init__(self, d: dict, *, pods_become_available: bool = True) -> None:
        self.d = d
        self.rss: dict[str, dict] = {}
        self.now = T0
        self.available = pods_become_available
        self.created = 0

    def reconcile(self) -> SyncPlan:
        plan = sync_deployment(self.d, list(self.rss.values()), [], now=self.now)
        for rs in plan.create:
            self._create(rs)
        for rs in plan.update:
            name = rs["metadata"]["name"]
            self.rss[name] = {**copy.deepcopy(rs), "status": self.rss[name]["status"]}
        for rs in plan.delete:
            del self.rss[rs["metadata"]["name"]]
        if plan.status is not None:
            self.d["status"] = plan.status
        if plan.revision is not None:
            self.d["metadata"]["annotations"][REVISION_ANNOTATION] = plan.revision
        self._run_replica_sets()
        return plan

    def settle(self, *, check=None, limit: int = 50) -> list[SyncPlan]:
        plans = []
        for _ in range(limit):
            plan = self.reconcile()
            if check is not None:
                check(self)
            if plan.empty:
                return plans
            plans.append(plan)
        raise AssertionError("the Deployment never settled")

    def update_template(self, image: str) -> None:
        self.d["spec"]["template"] = template(image)
        self.d["metadata"]["generation"] += 1

    def total(self) -> int:
        return sum(rs["spec"]["replicas"] for rs in self.rss.values())

    def available_pods(self) -> int:
        return sum(rs["status"]["availableReplicas"] for rs in self.rss.values())

    def _create(self, rs: dict) -> None:
        rs = copy.deepcopy(rs)
        self.created += 1
        stamp = (T0 + datetime.timedelta(seconds=self.created)).strftime("%Y-%m-%dT%H:%M:%SZ")
        rs["metadata"].update(uid=f"uid-{rs['metadata']['name']}", generation=1, creationTimestamp=stamp)
        rs["status"] = {"replicas": 0, "availableReplicas": 0, "readyReplicas": 0}
        self.rss[rs["metadata"]["name"]] = rs

    def _run_replica_sets(self) -> None:
        for rs in self.rss.values():
            want = rs["spec"]["replicas"]
            up = want if self.available or rs is self._oldest() else min(want, rs["status"]["availableReplicas"])
            rs["status"] = {"replicas": want, "readyReplicas": up, "availableReplicas": up, "observedGeneration": 1}

    def _oldest(self) -> dict:
        return min(self.rss.values(), key=lambda rs: rs["metadata"]["creationTimestamp"])


def messages(plans: list[SyncPlan]) -> list[str]:
    return [event.message for plan in plans for event in plan.events]


# --- fenceposts --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_surge", "max_unavailable", "desired", "expected"),
    [
        ("25%", "25%", 10, (3, 2)),  # surge rounds up, unavailable rounds down
        ("25%", "25%", 4, (1, 1)),
        ("25%", "25%", 1, (1, 0)),
        ("50%", "50%", 3, (2, 1)),
        ("0%", "1%", 2, (0, 1)),  # both resolve to 0: unavailable becomes 1
        (0, 0, 10, (0, 1)),
        (3, 2, 10, (3, 2)),  # absolute numbers are taken as they are
        (None, None, 5, (0, 1)),
    ],
)
def test_fenceposts_round_surge_up_and_unavailable_down(max_surge, max_unavailable, desired, expected):
    assert resolve_fenceposts(max_surge, max_unavailable, desired) == expected


def test_max_unavailable_never_exceeds_the_replicas():
    assert max_unavailable(deployment(2, max_surge=1, max_unavailable=5)) == 2


def test_recreate_has_no_unavailability_budget():
    assert max_unavailable(deployment(10, strategy={"type": "Recreate"})) == 0


# --- the pod template hash ---------------------------------------------------------------------------


def test_fnv32a_matches_the_reference_vectors():
    assert fnv32a(b"") == 0x811C9DC5
    assert fnv32a(b"a") == 0xE40C292C
    assert fnv32a(b"foobar") == 0xBF9CF968


def test_safe_encode_string_maps_digits_like_kubernetes():
    assert safe_encode_string("1234567890") == "56789bcdf4"


def test_the_hash_is_stable_and_uses_only_the_safe_alphabet():
    shuffled = {"spec": template()["spec"], "metadata": template()["metadata"]}

    hash_ = pod_template_hash(template(), None)

    assert hash_ == pod_template_hash(shuffled, None)
    assert set(hash_) <= set(ALPHANUMS)
    assert 1 <= len(hash_) <= 10


def test_a_different_template_or_collision_count_gives_a_different_hash():
    base = pod_template_hash(template(), None)

    assert pod_template_hash(template("nginx:1.26"), None) != base
    assert pod_template_hash(template(), 1) != base
    assert pod_template_hash(template(), 0) != base  # a set collisionCount is hashed in, even 0


def test_the_collision_count_is_hashed_in_as_eight_little_endian_bytes():
    plain = json.dumps(template(), sort_keys=True, separators=(",", ":")).encode()

    salted = safe_encode_string(str(fnv32a(plain + bytes([1, 0, 0, 0, 0, 0, 0, 0]))))

    assert pod_template_hash(template(), 1) == salted


# --- the new ReplicaSet ------------------------------------------------------------------------------


def test_a_new_replica_set_is_named_labelled_owned_and_annotated_like_kubernetes():
    d = deployment(10, max_surge=3)
    d["metadata"]["annotations"] = {"team": "blue", "kubectl.kubernetes.io/last-applied-configuration": "{}"}
    before = copy.deepcopy(d)

    rs = new_replica_set(d, "7c5ddbdf54", "1", 3)

    assert d == before
    assert rs["metadata"]["name"] == "web-7c5ddbdf54"
    assert rs["metadata"]["labels"] == {"app": "web", POD_TEMPLATE_HASH_LABEL: "7c5ddbdf54"}
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", POD_TEMPLATE_HASH_LABEL: "7c5ddbdf54"}}
    assert rs["spec"]["template"]["metadata"]["labels"][POD_TEMPLATE_HASH_LABEL] == "7c5ddbdf54"
    assert rs["spec"]["replicas"] == 3
    assert rs["metadata"]["ownerReferences"] == [
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "web",
            "uid": "d-uid",
            "controller": True,
            "blockOwnerDeletion": True,
        }
    ]
    assert rs["metadata"]["annotations"] == {
        "team": "blue",
        REVISION_ANNOTATION: "1",
        DESIRED_REPLICAS_ANNOTATION: "10",
        MAX_REPLICAS_ANNOTATION: "13",
    }


def test_the_new_replica_set_is_the_one_with_the_same_template_whatever_its_hash():
    d = deployment()
    old = replica_set(d, revision=1, replicas=10, image="nginx:1.24", created=1)
    current = replica_set(d, revision=2, replicas=0, created=2)

    assert find_new_replica_set(d, [old, current]) is current
    assert find_old_replica_sets(d, [old, current]) == ([old], [old])


def test_the_first_replica_set_starts_at_revision_one_and_full_size():
    world = World(deployment(3))

    plan = world.reconcile()

    rs = plan.create[0]
    assert rs["metadata"]["annotations"][REVISION_ANNOTATION] == "1"
    assert rs["spec"]["replicas"] == 3
    assert plan.revision == "1"
    assert messages([plan]) == [f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"]


# --- rolling update ------------------------------------------------------------------------------------


def test_the_new_replica_set_grows_only_as_far_as_the_surge_allows():
    d = deployment(10, max_surge=3, max_unavailable=2)
    old = replica_set(d, revision=1, replicas=10, image="nginx:1.24")
    new = replica_set(d, revision=2, replicas=0)

    assert new_rs_new_replicas(d, [old, new], new) == 3


def test_old_replica_sets_shrink_by_what_minimum_availability_allows():
    d = deployment(10, max_surge=3, max_unavailable=2)
    old = replica_set(d, revision=1, replicas=10, image="nginx:1.24")
    new = replica_set(d, revision=2, replicas=3, available=0)

    steps = reconcile_old_replica_sets([old, new], [old], new, d)

    # 13 pods, 8 must stay available, 3 new ones are not: 2 old pods may go
    assert [(s.replica_set["metadata"]["name"], s.replicas) for s in steps] == [(old["metadata"]["name"], 8)]


def test_unhealthy_old_pods_are_removed_first_without_counting_against_availability():
    d = deployment(10, max_surge=3, max_unavailable=2)
    old = replica_set(d, revision=1, replicas=10, available=7, image="nginx:1.24")
    new = replica_set(d, revision=2, replicas=3, available=0)

    steps = reconcile_old_replica_sets([old, new], [old], new, d)

    # 13 - 8 - 3 = 2 may go: both are taken from the 3 unavailable old pods
    assert [s.replicas for s in steps] == [8]


def test_old_replica_sets_are_not_shrunk_on_stale_status():
    d = deployment(10, max_surge=3, max_unavailable=2)
    old = replica_set(d, revision=1, replicas=5, image="nginx:1.24")
    old["status"]["availableReplicas"] = 9  # the ReplicaSet controller has not caught up yet
    new = replica_set(d, revision=2, replicas=8)

    assert reconcile_old_replica_sets([old, new], [old], new, d) == []


def test_a_rolling_update_of_ten_replicas_stays_within_surge_and_availability():
    d = deployment(10, max_surge="25%", max_unavailable="25%")  # surge 3, unavailable 2
    world = World(d)
    world.settle()
    world.update_template("nginx:1.26")

    def within_bounds(w: World) -> None:
        assert w.total() <= 10 + 3
        assert w.available_pods() >= 10 - 2

    plans = world.settle(check=within_bounds)

    new_rs = find_new_replica_set(world.d, world.rss.values())
    old_name = next(name for name in world.rss if name != new_rs["metadata"]["name"])
    new_name = new_rs["metadata"]["name"]
    # The pass that creates the new ReplicaSet also removes the 2 old pods maxUnavailable allows
    assert messages(plans) == [
        f"Scaled up replica set {new_name} from 0 to 3",
        f"Scaled down replica set {old_name} from 10 to 8",
        f"Scaled up replica set {new_name} from 3 to 5",
        f"Scaled down replica set {old_name} from 8 to 3",
        f"Scaled up replica set {new_name} from 5 to 10",
        f"Scaled down replica set {old_name} from 3 to 0",
    ]
    assert world.rss[new_name]["spec"]["replicas"] == 10
    assert world.rss[old_name]["spec"]["replicas"] == 0
    assert world.d["metadata"]["annotations"][REVISION_ANNOTATION] == "2"


def test_a_finished_rollout_reports_the_new_replica_set_available():
    world = World(deployment(3))
    world.settle()
    world.update_template("nginx:1.26")
    world.settle()

    progressing = get_condition(world.d["status"], "Progressing")
    new_name = find_new_replica_set(world.d, world.rss.values())["metadata"]["name"]
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetAvailable")
    assert progressing["message"] == f'ReplicaSet "{new_name}" has successfully progressed.'
    assert world.d["status"]["updatedReplicas"] == 3
    assert world.d["status"]["observedGeneration"] == 2


# --- proportional scaling ----------------------------------------------------------------------------


def stuck_rollout() -> World:
    """Kubernetes' documented example: 10 replicas, maxSurge 3, maxUnavailable 2, a bad image."""
    world = World(deployment(10, max_surge=3, max_unavailable=2))
    world.settle()
    world.available = False  # the new pods never become available
    world.update_template("nginx:does-not-exist")
    world.settle()
    return world


def test_a_stuck_rollout_holds_eight_old_and_five_new_replicas():
    world = stuck_rollout()

    sizes = sorted(rs["spec"]["replicas"] for rs in world.rss.values())
    assert sizes == [5, 8]


def test_scaling_mid_rollout_spreads_the_new_replicas_in_proportion():
    world = stuck_rollout()
    world.d["spec"]["replicas"] = 15
    new_rs = find_new_replica_set(world.d, world.rss.values())
    old_rs = next(rs for rs in world.rss.values() if rs is not new_rs)

    steps = scale(world.d, new_rs, [old_rs])

    # 15 + 3 allowed, 13 running: 5 to add. Old: round(8*18/13) - 8 = 3; new: round(5*18/13) - 5 = 2
    sizes = {s.replica_set["metadata"]["name"]: s.replicas for s in steps}
    assert sizes == {old_rs["metadata"]["name"]: 11, new_rs["metadata"]["name"]: 7}


def test_a_scaling_event_is_handled_proportionally_and_reannotates_the_replica_sets():
    world = stuck_rollout()
    world.d["spec"]["replicas"] = 15
    world.d["metadata"]["generation"] += 1

    plan = world.reconcile()

    assert {rs["spec"]["replicas"] for rs in plan.update} == {11, 7}
    for rs in plan.update:
        assert rs["metadata"]["annotations"][DESIRED_REPLICAS_ANNOTATION] == "15"
        assert rs["metadata"]["annotations"][MAX_REPLICAS_ANNOTATION] == "18"


def test_leftovers_go_to_the_largest_replica_set():
    d = deployment(4, max_surge=0, max_unavailable=1)
    a = replica_set(d, revision=1, replicas=1, image="a", created=1)
    b = replica_set(d, revision=2, replicas=1, image="b", created=2)
    c = replica_set(d, revision=3, replicas=1, created=3)
    for rs in (a, b, c):
        rs["metadata"]["annotations"][MAX_REPLICAS_ANNOTATION] = "3"

    steps = scale(d, c, [a, b])

    # Each gets round(1*4/3) - 1 = 0; the one leftover goes to the largest, newest first among equals
    assert {s.replica_set["metadata"]["name"]: s.replicas for s in steps} == {
        c["metadata"]["name"]: 2,
        b["metadata"]["name"]: 1,
        a["metadata"]["name"]: 1,
    }


def test_a_saturated_new_replica_set_lets_the_old_ones_go():
    d = deployment(3)
    new = replica_set(d, revision=2, replicas=3)
    old = replica_set(d, revision=1, replicas=1, image="nginx:1.24")

    assert is_saturated(d, new)
    assert scale(d, new, [old]) == [Scale(old, 0)]


# --- Recreate -------------------------------------------------------------------------------------------


def test_recreate_scales_old_to_zero_and_waits_for_their_pods_before_starting_new_ones():
    d = deployment(3, strategy={"type": "Recreate"})
    old = replica_set(d, revision=1, replicas=3)
    d["spec"]["template"] = template("nginx:1.26")
    owner = {"controller": True, "uid": old["metadata"]["uid"]}
    old_pod = {"metadata": {"name": "web-old-x", "ownerReferences": [owner]}, "status": {"phase": "Running"}}

    first = sync_deployment(d, [old], [old_pod], now=T0)
    old = {**first.update[0], "status": {"replicas": 0, "availableReplicas": 0}}
    second = sync_deployment(d, [old], [old_pod], now=T0)
    old_pod["status"]["phase"] = "Succeeded"
    third = sync_deployment(d, [old], [old_pod], now=T0)

    assert [rs["spec"]["replicas"] for rs in first.update] == [0] and first.create == []
    assert second.create == []
    assert [rs["spec"]["replicas"] for rs in third.create] == [3]


# --- revisions (kubectl's undo and history: tests/kubectl/test_rollout.py) -----------------------------


def rolled_out_twice() -> World:
    world = World(deployment(3))
    world.settle()
    world.update_template("nginx:1.26")
    world.settle()
    return world


def test_each_new_template_takes_the_next_revision():
    world = rolled_out_twice()

    revisions = sorted(rs["metadata"]["annotations"][REVISION_ANNOTATION] for rs in world.rss.values())
    assert revisions == ["1", "2"]
    assert world.d["metadata"]["annotations"][REVISION_ANNOTATION] == "2"


def test_a_hash_collision_bumps_the_collision_count_instead_of_creating():
    d = deployment(3)
    hash_ = pod_template_hash(d["spec"]["template"], None)
    squatter = replica_set(d, revision=1, replicas=3, image="other:1", name=f"web-{hash_}")

    plan = sync_deployment(d, [squatter], [], now=T0)

    assert plan.create == []
    assert plan.status["collisionCount"] == 1
    assert plan.requeue_after == 0.0


# --- cleanup ----------------------------------------------------------------------------------------------


def test_cleanup_keeps_revision_history_limit_old_replica_sets_oldest_revision_first():
    d = deployment(3, revisionHistoryLimit=2)
    old = [replica_set(d, revision=r, replicas=0, image=f"nginx:1.{r}", created=r) for r in (4, 1, 3, 2)]

    deleted = cleanup_old_replica_sets(d, old)

    assert sorted(rs["metadata"]["annotations"][REVISION_ANNOTATION] for rs in deleted) == ["1", "2"]


def test_cleanup_never_deletes_a_replica_set_that_still_has_pods():
    d = deployment(3, revisionHistoryLimit=1)
    draining = replica_set(d, revision=1, replicas=0, image="nginx:1.1", created=1)
    draining["status"]["replicas"] = 2  # its pods are still terminating
    idle = replica_set(d, revision=2, replicas=0, image="nginx:1.2", created=2)

    # One must go; the oldest revision cannot yet, so nothing is deleted this time
    assert cleanup_old_replica_sets(d, [draining, idle]) == []


def test_the_rollout_deletes_replica_sets_beyond_the_history_limit():
    world = World(deployment(2, revisionHistoryLimit=1))
    world.settle()
    for image in ("nginx:1.26", "nginx:1.27"):
        world.update_template(image)
        world.settle()

    revisions = sorted(rs["metadata"]["annotations"][REVISION_ANNOTATION] for rs in world.rss.values())
    assert revisions == ["2", "3"]


# --- status and conditions ------------------------------------------------------------------------------


def test_status_sums_the_replica_sets_and_leaves_zero_counts_out():
    d = deployment(10, max_surge=3, max_unavailable=2)
    d["metadata"]["generation"] = 4
    old = replica_set(d, revision=1, replicas=8, image="nginx:1.24")
    new = replica_set(d, revision=2, replicas=5, available=0)

    status = calculate_status(d, [old, new], new, now=T0)

    assert {k: v for k, v in status.items() if k != "conditions"} == {
        "observedGeneration": 4,
        "replicas": 13,
        "updatedReplicas": 5,
        "readyReplicas": 8,
        "availableReplicas": 8,
        "unavailableReplicas": 5,
    }
    available = get_condition(status, "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "True",
        "MinimumReplicasAvailable",
        "Deployment has minimum availability.",
    )


def test_too_few_available_pods_make_the_deployment_unavailable():
    d = deployment(10, max_surge=3, max_unavailable=2)
    rs = replica_set(d, revision=1, replicas=10, available=7)

    available = get_condition(calculate_status(d, [rs], rs, now=T0), "Available")

    assert (available["status"], available["reason"]) == ("False", "MinimumReplicasUnavailable")
    assert available["message"] == "Deployment does not have minimum availability."


def test_creating_the_new_replica_set_is_reported_as_progress():
    plan = sync_deployment(deployment(3), [], [], now=T0)

    progressing = get_condition(plan.status, "Progressing")
    name = plan.create[0]["metadata"]["name"]
    assert (progressing["status"], progressing["reason"]) == ("True", "NewReplicaSetCreated")
    assert progressing["message"] == f'Created new replica set "{name}"'
    assert progressing["lastUpdateTime"] == "2026-01-01T12:00:00Z"


def test_an_existing_new_replica_set_is_reported_as_found():
    d = deployment(3)
    rs = replica_set(d, revision=1, replicas=3, available=1)
    counts = {"replicas": 3, "updatedReplicas": 3, "readyReplicas": 1, "availableReplicas": 1}
    d["status"] = {"observedGeneration": 1, **counts}  # seen before: no progress since

    plan = sync_deployment(d, [rs], [], now=T0)

    progressing = get_condition(plan.status, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("True", "FoundNewReplicaSet")
    name = rs["metadata"]["name"]
    assert progressing["message"] == f'Found new replica set "{name}"'
    assert plan.revision == "1"


# --- progress deadline ------------------------------------------------------------------------------------


def stuck_since(seconds: int) -> World:
    """A rollout whose last progress was at T0, looked at `seconds` later."""
    world = stuck_rollout()
    stamp = "2026-01-01T12:00:00Z"
    condition = get_condition(world.d["status"], "Progressing")
    condition.update(lastUpdateTime=stamp, lastTransitionTime=stamp, reason="ReplicaSetUpdated")
    world.now = T0 + datetime.timedelta(seconds=seconds)
    return world


def test_a_stuck_rollout_is_looked_at_again_when_its_deadline_passes():
    plan = stuck_since(180).reconcile()

    assert plan.status is None  # nothing changed: no write, only a wake-up
    assert plan.requeue_after == 600 - 180 + 1


def test_a_rollout_at_its_deadline_has_not_yet_timed_out():
    world = stuck_since(600)

    world.reconcile()

    assert get_condition(world.d["status"], "Progressing")["reason"] == "ReplicaSetUpdated"


def test_a_rollout_without_progress_past_its_deadline_times_out():
    world = stuck_since(601)
    new_name = find_new_replica_set(world.d, world.rss.values())["metadata"]["name"]

    plan = world.reconcile()

    progressing = get_condition(plan.status, "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert progressing["message"] == f'ReplicaSet "{new_name}" has timed out progressing.'
    assert plan.requeue_after is None


def test_progress_refreshes_the_deadline():
    world = stuck_since(500)
    world.available = True  # the image arrives: the new pods become available

    world.reconcile()
    world.reconcile()

    progressing = get_condition(world.d["status"], "Progressing")
    assert progressing["lastUpdateTime"] == "2026-01-01T12:08:20Z"
    assert progressing["lastTransitionTime"] == "2026-01-01T12:00:00Z"


# --- pause -----------------------------------------------------------------------------------------------


def test_a_paused_deployment_does_not_roll_out_a_new_template():
    world = World(deployment(3))
    world.settle()
    world.d["spec"]["paused"] = True
    world.update_template("nginx:1.26")

    plans = world.settle()

    assert all(plan.create == [] for plan in plans)
    progressing = get_condition(world.d["status"], "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("Unknown", "DeploymentPaused")
    assert progressing["message"] == "Deployment is paused"


def test_a_paused_deployment_still_scales():
    world = World(deployment(3))
    world.settle()
    world.d["spec"]["paused"] = True
    world.settle()
    world.d["spec"]["replicas"] = 5

    plan = world.reconcile()

    assert [rs["spec"]["replicas"] for rs in plan.update] == [5]


def test_resuming_rolls_out_and_says_so():
    world = World(deployment(3))
    world.settle()
    world.d["spec"]["paused"] = True
    world.update_template("nginx:1.26")
    world.settle()
    world.d["spec"]["paused"] = False

    plan = world.reconcile()

    assert len(plan.create) == 1
    assert get_condition(world.d["status"], "Progressing")["reason"] == "NewReplicaSetCreated"


def test_selecting_everything_is_refused_with_a_warning():
    d = deployment(3)
    d["spec"]["selector"] = {}

    plan = sync_deployment(d, [], [], now=T0)

    assert plan.create == []
    assert [(e.type, e.reason) for e in plan.events] == [("Warning", "SelectingAll")]
    assert plan.status == {"observedGeneration": 1}
