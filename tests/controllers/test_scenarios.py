"""Whole-cluster scenarios, stepping the clock and checking Kubernetes' invariants on the way."""
from __future__ import annotations

import datetime

from tests.commands.test_kubectl_commands import run
from tests.factories import config_map, deployment, pod, replica_set


def ready_pods(cluster, selector="app=nginx"):
    return [
        p for p in cluster.list("Pod", label_selector=selector)
        if not p["metadata"].get("deletionTimestamp")
        and any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"].get("conditions", []))
    ]


def test_a_deployment_becomes_available_with_every_pod_running_and_ready(cluster):
    cluster.apply(deployment("nginx", replicas=3))

    cluster.advance(30)

    d = cluster.get("Deployment", "nginx", "default")
    assert (d["status"]["readyReplicas"], d["status"]["availableReplicas"]) == (3, 3)
    assert {c["type"]: c["reason"] for c in d["status"]["conditions"]} == {
        "Available": "MinimumReplicasAvailable",
        "Progressing": "NewReplicaSetAvailable",
    }
    pods = cluster.list("Pod")
    assert all(p["status"]["phase"] == "Running" and p["status"]["podIP"].startswith("10.244.") for p in pods)
    reasons = cluster.event_reasons("Pod", pods[0]["metadata"]["name"])
    assert reasons[0] == "Scheduled" and {"Pulling", "Pulled", "Created", "Started"} <= set(reasons) or reasons == [
        "Scheduled", "Pulled", "Created", "Started"]


def test_a_rolling_update_keeps_within_max_surge_and_max_unavailable_at_every_step(cluster):
    replicas = 8  # 25% / 25%: at most 10 pods wanted, at least 6 available
    cluster.apply(deployment("nginx", replicas=replicas))
    cluster.advance(30)
    runtime = cluster.controllers()

    cluster.apply(deployment("nginx", replicas=replicas, image="nginx:1.28"))
    for _ in range(5_000):
        if not runtime.step():
            break
        wanted = sum(rs["spec"]["replicas"] for rs in cluster.list("ReplicaSet"))
        assert wanted <= replicas + 2
        assert len(ready_pods(cluster)) >= replicas - 2

    images = {p["spec"]["containers"][0]["image"] for p in ready_pods(cluster)}
    assert images == {"nginx:1.28"} and len(ready_pods(cluster)) == replicas
    assert [rs["spec"]["replicas"] for rs in sorted(cluster.list("ReplicaSet"), key=lambda r: r["metadata"]["creationTimestamp"])] == [0, replicas]


def test_scaling_up_and_down_ends_at_exactly_the_replicas_asked(cluster):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.advance(30)

    run("scale", "deployment/nginx", "--replicas=10")
    cluster.advance(30)
    assert len(ready_pods(cluster)) == 10
    run("scale", "deployment/nginx", "--replicas=3")
    cluster.advance(60)

    assert len(cluster.list("Pod")) == 3 and len(ready_pods(cluster)) == 3


def test_a_crashing_container_backs_off_10_20_40_80_160_300_300_seconds(cluster):
    crashing = pod("crash", image="busybox:1.36")
    crashing["spec"]["containers"][0]["command"] = ["sh", "-c", "exit 1"]
    cluster.create(crashing)

    restarts_at: list[datetime.datetime] = []
    for _ in range(1_400):  # 1,400 simulated seconds, one at a time
        cluster.advance(1)
        status = cluster.get("Pod", "crash", "default")["status"]["containerStatuses"][0]
        if status["restartCount"] > len(restarts_at):
            restarts_at.append(cluster.now())

    gaps = [round((b - a).total_seconds()) for a, b in zip(restarts_at, restarts_at[1:])]
    assert gaps[:7] == [10, 20, 40, 80, 160, 300, 300]
    waiting = cluster.get("Pod", "crash", "default")["status"]["containerStatuses"][0]["state"]
    assert waiting.get("waiting", {}).get("reason") == "CrashLoopBackOff" or "running" in waiting
    assert "BackOff" in cluster.event_reasons("Pod", "crash")


def test_a_liveness_failure_restarts_the_container_on_the_same_node(cluster):
    probed = pod("web")
    probed["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 10}
    cluster.create(probed)
    cluster.advance(10)
    before = cluster.get("Pod", "web", "default")

    cluster.advance(40)

    after = cluster.get("Pod", "web", "default")
    assert after["status"]["containerStatuses"][0]["restartCount"] >= 1
    assert (after["spec"]["nodeName"], after["status"]["podIP"]) == (before["spec"]["nodeName"], before["status"]["podIP"])
    assert {"Unhealthy", "Killing"} <= set(cluster.event_reasons("Pod", "web"))


def test_a_stopped_node_loses_its_replica_set_pods_to_other_nodes_but_keeps_a_bare_pod(cluster):
    run("node", "cordon", "playground-worker2")
    cluster.apply(replica_set("web", replicas=2))
    cluster.create(pod("bare", node="playground-worker"))
    cluster.advance(30)
    run("node", "uncordon", "playground-worker2")

    run("node", "stop", "playground-worker")
    cluster.advance(60)
    node = cluster.get("Node", "playground-worker")
    assert {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"] == "Unknown"
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} >= {
        ("node.kubernetes.io/unreachable", "NoExecute"), ("node.kubernetes.io/unreachable", "NoSchedule"),
    }
    cluster.advance(300)  # the pods tolerate the unreachable taint for 300 s

    live = [p for p in cluster.list("Pod", label_selector="app=web") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 2 and {p["spec"]["nodeName"] for p in live} == {"playground-worker2"}
    bare = cluster.get("Pod", "bare", "default")
    assert bare["spec"]["nodeName"] == "playground-worker"  # only a controller replaces a pod elsewhere
    assert bare["metadata"].get("deletionTimestamp")  # evicted, and stuck Terminating with its kubelet gone


def test_a_rollout_to_an_image_that_does_not_exist_exceeds_its_progress_deadline(cluster):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.advance(30)

    cluster.apply(deployment("nginx", replicas=2, image="nginx:9.99"))
    cluster.advance(700)

    broken = [p for p in cluster.list("Pod") if p["spec"]["containers"][0]["image"] == "nginx:9.99"]
    waiting = broken[0]["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] in ("ErrImagePull", "ImagePullBackOff")
    d = cluster.get("Deployment", "nginx", "default")
    progressing = {c["type"]: c for c in d["status"]["conditions"]}["Progressing"]
    assert (progressing["status"], progressing["reason"]) == ("False", "ProgressDeadlineExceeded")
    assert d["status"]["availableReplicas"] >= 1  # maxUnavailable kept old pods serving
    assert run("rollout", "status", "deployment/nginx", "--watch", "false")[2] == (
        'error: deployment "nginx" exceeded its progress deadline\n'
    )


def test_repeated_events_are_counted_on_one_event(cluster):
    crashing = pod("crash", image="busybox:1.36")
    crashing["spec"]["containers"][0]["command"] = ["sh", "-c", "exit 1"]
    cluster.create(crashing)

    cluster.advance(300)

    backoffs = [e for e in cluster.list("Event") if e["reason"] == "BackOff" and e["involvedObject"]["name"] == "crash"]
    assert len(backoffs) == 1
    assert backoffs[0]["count"] > 1
    assert backoffs[0]["lastTimestamp"] > backoffs[0]["firstTimestamp"]
    assert backoffs[0]["message"].startswith("Back-off restarting failed container main in pod crash_default(")


def test_a_node_whose_pods_wait_a_long_back_off_still_sends_its_heartbeat(cluster):
    broken = pod("broken", image="nginx:9.99", node="playground-worker")
    cluster.create(broken)

    cluster.advance(900)  # image pull back-off grows to 300 s, far beyond the 50 s grace period

    node = cluster.get("Node", "playground-worker")
    assert {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"] == "True"
    assert "NodeNotReady" not in cluster.event_reasons("Node", "playground-worker")


def test_pods_on_one_node_get_different_ips_from_its_pod_cidr(cluster):
    run("node", "cordon", "playground-worker2")
    cluster.apply(replica_set("web", replicas=6))

    cluster.advance(30)

    ips = [p["status"]["podIP"] for p in cluster.list("Pod")]
    assert len(set(ips)) == 6
    assert all(ip.startswith("10.244.1.") for ip in ips)  # playground-worker's podCIDR


def test_a_host_network_pod_has_its_nodes_ip(cluster):
    host = pod("agent", node="playground-worker")
    host["spec"]["hostNetwork"] = True
    cluster.create(host)

    cluster.advance(30)

    assert cluster.get("Pod", "agent", "default")["status"]["podIP"] == "172.18.0.3"


def test_a_container_whose_config_map_is_missing_waits_until_it_appears(cluster):
    configured = pod("configured")
    configured["spec"]["containers"][0]["env"] = [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}
    ]
    cluster.create(configured)
    cluster.advance(20)

    waiting = cluster.get("Pod", "configured", "default")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": 'configmap "settings" not found'}

    cluster.create(config_map("settings", {"mode": "demo"}))
    cluster.advance(20)

    assert "running" in cluster.get("Pod", "configured", "default")["status"]["containerStatuses"][0]["state"]


def test_the_pods_of_a_node_that_is_removed_are_collected_and_replaced(cluster):
    run("node", "cordon", "playground-worker2")
    cluster.apply(replica_set("web", replicas=2))
    cluster.create(pod("bare", node="playground-worker"))
    cluster.advance(30)
    run("node", "uncordon", "playground-worker2")

    cluster.delete("Node", "playground-worker")
    cluster.advance(60)  # past the pod garbage collector's 40 s quarantine

    pods = cluster.list("Pod")
    assert "bare" not in [p["metadata"]["name"] for p in pods]  # nobody replaces a bare pod
    web = [p for p in pods if p["metadata"]["name"].startswith("web-")]
    assert len(web) == 2 and {p["spec"]["nodeName"] for p in web} == {"playground-worker2"}
