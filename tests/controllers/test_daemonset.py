"""The DaemonSet controller, on the real store with the whole simulated cluster running."""
from __future__ import annotations

import re
from typing import Any

from playground.controllers.daemonset import DaemonSetController, node_should_run_daemon_pod, with_daemon_tolerations
from playground.store.demo import CONTROL_PLANE, WORKERS, node

Obj = dict[str, Any]
ALL_NODES = {CONTROL_PLANE, *WORKERS}
CONTROL_PLANE_TOLERATION = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}


def daemon_set(name: str = "fluentd", *, image: str = "nginx:1.27", tolerations: list[Obj] | None = None,
               node_selector: dict[str, str] | None = None, strategy: Obj | None = None) -> Obj:
    labels = {"app": name}
    spec: Obj = {"containers": [{"name": name, "image": image}]}
    if tolerations:
        spec["tolerations"] = tolerations
    if node_selector:
        spec["nodeSelector"] = node_selector
    obj: Obj = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {"selector": {"matchLabels": labels}, "template": {"metadata": {"labels": labels}, "spec": spec}},
    }
    if strategy:
        obj["spec"]["updateStrategy"] = strategy
    return obj


def live_pods(cluster, selector: str = "app=fluentd") -> list[Obj]:
    return [p for p in cluster.list("Pod", label_selector=selector) if not p["metadata"].get("deletionTimestamp")]


def is_ready(pod: Obj) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod.get("status", {}).get("conditions", []))


def running_nodes(cluster) -> list[str]:
    return sorted(p["spec"]["nodeName"] for p in live_pods(cluster) if p["status"].get("phase") == "Running")


def status(cluster, name: str = "fluentd") -> Obj:
    return cluster.get("DaemonSet", name, "default")["status"]


def patch_node(cluster, name: str, body: Obj) -> None:
    cluster.patch("Node", name, "", body, patch_type="merge")


# --- where its pods run --------------------------------------------------------------------------


def test_it_runs_one_pod_on_each_worker_and_none_on_the_tainted_control_plane(cluster):
    cluster.apply(daemon_set())

    cluster.advance(30)

    assert running_nodes(cluster) == sorted(WORKERS)
    names = [p["metadata"]["name"] for p in live_pods(cluster)]
    assert all(re.fullmatch(r"fluentd-[bcdfghjklmnpqrstvwxz2456789]{5}", n) for n in names)
    events = [e for e in cluster.list("Event", namespace="default") if e["involvedObject"]["kind"] == "DaemonSet"]
    assert sorted(e["message"] for e in events) == sorted(f"Created pod: {n}" for n in names)
    assert {(e["reason"], e["source"]["component"]) for e in events} == {("SuccessfulCreate", "daemonset-controller")}


def test_with_a_control_plane_toleration_it_runs_on_all_three_nodes(cluster):
    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION]))

    cluster.advance(30)

    assert running_nodes(cluster) == sorted(ALL_NODES)


def test_its_pods_are_pinned_by_node_affinity_and_bound_by_the_scheduler(cluster):
    ds, _ = cluster.apply(daemon_set())

    cluster.advance(30)

    for pod in live_pods(cluster):
        required = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        [term] = required["nodeSelectorTerms"]
        assert term == {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [pod["spec"]["nodeName"]]}]}
        assert "Scheduled" in cluster.event_reasons("Pod", pod["metadata"]["name"])
        [ref] = pod["metadata"]["ownerReferences"]
        assert ref == {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd", "uid": ds["metadata"]["uid"],
                       "controller": True, "blockOwnerDeletion": True}


def test_its_pods_carry_the_revision_hash_and_template_generation_of_a_controller_revision(cluster):
    cluster.apply(daemon_set())

    cluster.settle()

    [revision] = cluster.list("ControllerRevision", namespace="default")
    hash_ = revision["metadata"]["labels"]["controller-revision-hash"]
    assert revision["metadata"]["name"] == f"fluentd-{hash_}" and revision["revision"] == 1
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    assert {(p["metadata"]["labels"]["controller-revision-hash"], p["metadata"]["labels"]["pod-template-generation"])
            for p in live_pods(cluster)} == {(hash_, "1")}


def test_its_pods_tolerate_node_problems_forever_and_cordons(cluster):
    cluster.apply(daemon_set())

    cluster.settle()

    tolerations = live_pods(cluster)[0]["spec"]["tolerations"]
    assert {(t["key"], t["effect"]) for t in tolerations} == {
        ("node.kubernetes.io/not-ready", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/disk-pressure", "NoSchedule"),
        ("node.kubernetes.io/memory-pressure", "NoSchedule"),
        ("node.kubernetes.io/pid-pressure", "NoSchedule"),
        ("node.kubernetes.io/unschedulable", "NoSchedule"),
    }
    assert not any("tolerationSeconds" in t for t in tolerations)  # admission's 300 s never applies


def test_a_host_network_pod_also_tolerates_an_unavailable_network():
    spec = with_daemon_tolerations({"hostNetwork": True, "containers": []})

    network = {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"}
    assert network in spec["tolerations"]


def test_a_default_toleration_replaces_a_users_toleration_with_a_time_limit():
    limited = {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}

    tolerations = with_daemon_tolerations({"tolerations": [limited]})["tolerations"]

    assert [t for t in tolerations if t["key"] == "node.kubernetes.io/not-ready"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}]


def test_a_node_created_later_gets_its_pod(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)

    cluster.create(node("playground-worker3", ip="172.18.0.5", pod_cidr="10.244.3.0/24",
                        now=cluster.now().isoformat().replace("+00:00", "Z")))
    cluster.advance(30)

    assert running_nodes(cluster) == sorted([*WORKERS, "playground-worker3"])


def test_a_deleted_node_leaves_its_pod_to_the_pod_garbage_collector(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)
    [lost] = [p for p in live_pods(cluster) if p["spec"]["nodeName"] == "playground-worker2"]

    cluster.delete("Node", "playground-worker2")
    cluster.advance(30)
    # getUnscheduledPodsWithoutNode: the DaemonSet deletes only pods never bound to the lost node
    assert lost["metadata"]["name"] in [p["metadata"]["name"] for p in cluster.list("Pod", label_selector="app=fluentd")]
    cluster.advance(30)  # past PodGC's 40 s quarantine

    assert [p["spec"]["nodeName"] for p in cluster.list("Pod", label_selector="app=fluentd")] == ["playground-worker"]
    assert "SuccessfulDelete" not in cluster.event_reasons("DaemonSet", "fluentd")
    assert cluster.get("DaemonSet", "fluentd", "default")["status"]["desiredNumberScheduled"] == 1


def test_cordoning_does_not_evict_daemon_pods_and_a_replacement_still_lands_there(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)
    patch_node(cluster, "playground-worker2", {"spec": {"unschedulable": True}})
    cluster.advance(30)
    assert running_nodes(cluster) == sorted(WORKERS)
    [victim] = [p for p in live_pods(cluster) if p["spec"]["nodeName"] == "playground-worker2"]

    cluster.delete("Pod", victim["metadata"]["name"], "default")
    cluster.advance(60)

    assert running_nodes(cluster) == sorted(WORKERS)
    assert victim["metadata"]["name"] not in {p["metadata"]["name"] for p in live_pods(cluster)}


def test_a_node_selector_limits_it_and_a_node_that_stops_matching_loses_its_pod(cluster):
    cluster.apply(daemon_set(node_selector={"disktype": "ssd"}))
    patch_node(cluster, "playground-worker2", {"metadata": {"labels": {"disktype": "ssd"}}})
    cluster.advance(30)
    assert running_nodes(cluster) == ["playground-worker2"]

    patch_node(cluster, "playground-worker2", {"metadata": {"labels": {"disktype": None}}})
    cluster.advance(60)

    assert cluster.list("Pod", label_selector="app=fluentd") == []
    assert "SuccessfulDelete" in cluster.event_reasons("DaemonSet", "fluentd")


def test_a_no_schedule_taint_leaves_the_pod_running_but_misscheduled_and_no_execute_removes_it(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)

    patch_node(cluster, "playground-worker2", {"spec": {"taints": [{"key": "maintenance", "effect": "NoSchedule"}]}})
    cluster.advance(30)
    assert running_nodes(cluster) == sorted(WORKERS)
    assert (status(cluster)["desiredNumberScheduled"], status(cluster)["numberMisscheduled"]) == (1, 1)

    patch_node(cluster, "playground-worker2", {"spec": {"taints": [{"key": "maintenance", "effect": "NoExecute"}]}})
    cluster.advance(60)
    assert running_nodes(cluster) == ["playground-worker"]
    assert status(cluster)["numberMisscheduled"] == 0


def test_should_run_follows_taints_tolerations_and_affinity():
    worker = node("w", ip="172.18.0.9", pod_cidr="10.244.9.0/24", now="")
    tainted = node("c-control-plane", ip="172.18.0.8", pod_cidr="10.244.8.0/24", now="")
    ds = daemon_set()
    ds["spec"]["template"]["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}]}]}}}

    assert node_should_run_daemon_pod(worker, ds) == (True, True)
    assert node_should_run_daemon_pod(tainted, ds) == (False, True)  # NoSchedule: not started, not evicted
    worker["metadata"]["labels"]["kubernetes.io/os"] = "windows"
    assert node_should_run_daemon_pod(worker, ds) == (False, False)


def fail(cluster, pod: Obj) -> None:
    cluster.update_status({**pod, "status": {**pod.get("status", {}), "phase": "Failed"}})


def test_a_failed_pod_is_replaced_and_a_second_failure_waits_for_the_back_off(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)
    patch_node(cluster, "playground-worker2", {"metadata": {"annotations": {"playground.dev/kubelet-stopped": "true"}}})
    [first] = [p for p in live_pods(cluster) if p["spec"]["nodeName"] == "playground-worker2"]

    fail(cluster, first)
    cluster.settle()

    [second] = [p for p in live_pods(cluster) if p["spec"]["nodeName"] == "playground-worker2"]
    assert second["metadata"]["name"] != first["metadata"]["name"]
    [event] = [e for e in cluster.list("Event", namespace="default") if e["reason"] == "FailedDaemonPod"]
    assert (event["type"], event["message"]) == (
        "Warning", f"Found failed daemon pod default/{first['metadata']['name']} on node playground-worker2, will try to kill it")

    fail(cluster, second)
    cluster.settle()
    assert cluster.get("Pod", second["metadata"]["name"], "default")["status"]["phase"] == "Failed"  # backing off 1 s
    cluster.advance(1)
    assert second["metadata"]["name"] not in {p["metadata"]["name"] for p in cluster.list("Pod")}


# --- status --------------------------------------------------------------------------------------


def test_a_settled_daemon_set_reports_every_counter(cluster):
    cluster.apply(daemon_set())

    cluster.advance(30)

    assert status(cluster) == {
        "currentNumberScheduled": 2,
        "desiredNumberScheduled": 2,
        "numberAvailable": 2,
        "numberMisscheduled": 0,
        "numberReady": 2,
        "observedGeneration": 1,
        "updatedNumberScheduled": 2,
    }


def test_pods_still_starting_count_as_unavailable(cluster):
    cluster.apply(daemon_set())

    cluster.settle()  # created and bound, but the clock has not moved: nothing has started

    s = status(cluster)
    assert (s["desiredNumberScheduled"], s["numberUnavailable"]) == (2, 2)
    assert "numberReady" in s and s["numberReady"] == 0 and "numberAvailable" not in s


def test_min_ready_seconds_holds_back_number_available(cluster):
    ds = daemon_set()
    ds["spec"]["minReadySeconds"] = 60
    cluster.apply(ds)
    cluster.advance(30)
    assert (status(cluster)["numberReady"], status(cluster).get("numberAvailable", 0)) == (2, 0)

    cluster.advance(60)

    assert status(cluster)["numberAvailable"] == 2 and "numberUnavailable" not in status(cluster)


def test_a_settled_daemon_set_writes_nothing(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)
    before = cluster.resource_version()

    cluster.reconcile(DaemonSetController, "default/fluentd")

    assert cluster.changes_since(before) == []


def test_a_slow_cache_never_creates_a_second_pod_on_a_node(cluster):
    cluster.apply(daemon_set())
    runtime = cluster.controllers()
    runtime.sync()
    [controller] = [c for c in runtime.controllers if isinstance(c, DaemonSetController)]

    runtime.reconcile(controller, "default/fluentd")
    runtime.reconcile(controller, "default/fluentd")  # without a sync: the cache has not seen the first two

    assert len(cluster.list("Pod", label_selector="app=fluentd")) == 2


# --- updates -------------------------------------------------------------------------------------


def pods_by_node(cluster) -> dict[str, list[Obj]]:
    by_node: dict[str, list[Obj]] = {}
    for pod in live_pods(cluster):
        target = pod["spec"].get("nodeName") or pod["spec"]["affinity"]["nodeAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]["matchFields"][0]["values"][0]
        by_node.setdefault(target, []).append(pod)
    return by_node


def images(cluster) -> list[str]:
    return sorted(p["spec"]["containers"][0]["image"] for p in live_pods(cluster))


def rolled_out(cluster, image: str = "nginx:1.28") -> bool:
    """Every node runs one ready pod of the new template, and the status says so: stop stepping."""
    pods, counts = live_pods(cluster), status(cluster)
    return (len(pods) == len(ALL_NODES) and all(is_ready(p) and p["spec"]["containers"][0]["image"] == image for p in pods)
            and counts.get("updatedNumberScheduled") == counts.get("numberAvailable") == len(ALL_NODES))


def test_a_rolling_update_replaces_pods_one_node_at_a_time_with_max_unavailable_1(cluster):
    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION]))
    cluster.advance(30)
    runtime = cluster.controllers()

    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION], image="nginx:1.28"))
    seen_down = set()
    for _ in range(5_000):
        if not runtime.step():
            break
        by_node = pods_by_node(cluster)
        down = {n for n in ALL_NODES if not any(is_ready(p) for p in by_node.get(n, []))}
        assert len(down) <= 1, f"more than one node without a ready pod: {down}"
        assert all(len(pods) == 1 for pods in by_node.values())  # no surge: never two pods on a node
        seen_down |= down
        if rolled_out(cluster):
            break

    assert seen_down == ALL_NODES  # each node had its turn
    assert running_nodes(cluster) == sorted(ALL_NODES) and images(cluster) == ["nginx:1.28"] * 3
    assert cluster.event_reasons("DaemonSet", "fluentd").count("SuccessfulDelete") == 3
    revisions = sorted(cluster.list("ControllerRevision", namespace="default"), key=lambda r: r["revision"])
    assert [r["revision"] for r in revisions] == [1, 2]
    hashes = {p["metadata"]["labels"]["controller-revision-hash"] for p in live_pods(cluster)}
    assert hashes == {revisions[1]["metadata"]["labels"]["controller-revision-hash"]}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in live_pods(cluster)} == {"2"}
    assert (status(cluster)["updatedNumberScheduled"], status(cluster)["numberAvailable"]) == (3, 3)


def test_a_rolling_update_with_max_surge_keeps_every_node_available(cluster):
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION], strategy=strategy))
    cluster.advance(30)
    runtime = cluster.controllers()

    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION], strategy=strategy, image="nginx:1.28"))
    most_pods = 0
    for _ in range(5_000):
        if not runtime.step():
            break
        by_node = pods_by_node(cluster)
        assert all(any(is_ready(p) for p in by_node.get(n, [])) for n in ALL_NODES)
        most_pods = max(most_pods, len(live_pods(cluster)))
        assert most_pods <= 4  # three nodes, one surge pod
        if rolled_out(cluster):
            break

    assert most_pods == 4
    assert running_nodes(cluster) == sorted(ALL_NODES) and images(cluster) == ["nginx:1.28"] * 3


def test_on_delete_replaces_only_the_pods_you_delete(cluster):
    cluster.apply(daemon_set(strategy={"type": "OnDelete"}))
    cluster.advance(30)

    cluster.apply(daemon_set(strategy={"type": "OnDelete"}, image="nginx:1.28"))
    cluster.advance(60)
    assert images(cluster) == ["nginx:1.27", "nginx:1.27"]
    assert status(cluster)["observedGeneration"] == 2 and "updatedNumberScheduled" not in status(cluster)

    [victim] = [p for p in live_pods(cluster) if p["spec"]["nodeName"] == "playground-worker"]
    cluster.delete("Pod", victim["metadata"]["name"], "default")
    cluster.advance(60)

    by_node = {p["spec"]["nodeName"]: p["spec"]["containers"][0]["image"] for p in live_pods(cluster)}
    assert by_node == {"playground-worker": "nginx:1.28", "playground-worker2": "nginx:1.27"}
    assert status(cluster)["updatedNumberScheduled"] == 1


def test_going_back_to_an_old_template_renumbers_its_revision(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)
    cluster.apply(daemon_set(image="nginx:1.28"))
    cluster.advance(120)

    cluster.apply(daemon_set())
    cluster.advance(120)

    revisions = {r["data"]["spec"]["template"]["spec"]["containers"][0]["image"]: r["revision"]
                 for r in cluster.list("ControllerRevision", namespace="default")}
    assert revisions == {"nginx:1.27": 3, "nginx:1.28": 2}
    assert images(cluster) == ["nginx:1.27", "nginx:1.27"]
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in live_pods(cluster)} == {"3"}


def test_deleting_the_daemon_set_deletes_its_pods_and_revisions(cluster):
    cluster.apply(daemon_set())
    cluster.advance(30)

    cluster.delete("DaemonSet", "fluentd", "default")
    cluster.advance(60)

    assert cluster.list("Pod", label_selector="app=fluentd") == []
    assert cluster.list("ControllerRevision", namespace="default") == []
