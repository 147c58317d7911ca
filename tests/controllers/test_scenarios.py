"""Whole-cluster scenarios, stepping the clock and checking Kubernetes' invariants on the way."""
from __future__ import annotations

import datetime

from playground.store import clock
from tests.commands.test_kubectl_commands import run
from tests.controllers.test_daemonset import daemon_set
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
        ready = ready_pods(cluster)
        assert wanted <= replicas + 2
        assert len(ready) >= replicas - 2
        if wanted == len(ready) == replicas and {p["spec"]["containers"][0]["image"] for p in ready} == {"nginx:1.28"}:
            break  # rolled out

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


def test_a_pod_unready_past_the_deadline_of_a_finished_rollout_does_not_stop_the_clock(cluster):
    from playground.sim.faults import fail_probe

    web = deployment("nginx", replicas=2)
    web["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"path": "/", "port": 80},
                                                                         "periodSeconds": 5}
    cluster.apply(web)
    cluster.advance(60)
    victim = ready_pods(cluster)[0]["metadata"]["name"]
    fail_probe(cluster.name, "default", victim, "nginx", "readiness")
    cluster.advance(30)

    before = cluster.controllers().reconciles
    cluster.advance(700)  # past progressDeadlineSeconds: a complete rollout never times out, it is looked at again
    # ... at most 10 times a second (client-go's bucket rate limiter), not every 5 ms of simulated time
    assert cluster.controllers().reconciles - before < 700 * 10 + 100 + 500
    fail_probe(cluster.name, "default", victim, "nginx", "readiness", failing=False)
    cluster.advance(30)

    progressing = {c["type"]: c for c in cluster.get("Deployment", "nginx", "default")["status"]["conditions"]}["Progressing"]
    assert progressing["reason"] == "NewReplicaSetAvailable"
    assert len(ready_pods(cluster)) == 2


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


def test_pods_still_start_after_the_controllers_fell_behind_the_clock(cluster):
    """A starved server: the clock ran on 90 s while no kubelet ran, so the nodes went NotReady.
    The next pass reports each node Ready again and, in the same pass, the images its pods
    pulled: one status update of the node (two in one batch conflicted with each other, and the
    kubelet retried that pass forever without a pod ever starting)."""
    cluster.settle()
    cluster.apply(deployment("web", replicas=5))
    cluster.settle()
    clock.advance(cluster.name, 90)

    cluster.advance(60)

    assert [p["status"]["phase"] for p in cluster.list("Pod")] == ["Running"] * 5
    worker = cluster.get("Node", "playground-worker")
    assert {c["type"]: c["status"] for c in worker["status"]["conditions"]}["Ready"] == "True"
    assert any("docker.io/library/nginx:1.27" in image["names"] for image in worker["status"]["images"])


def test_a_healthy_nodes_conditions_show_a_heartbeat_at_most_five_minutes_old(cluster):
    cluster.advance(700)

    now = cluster.now()
    for condition in cluster.get("Node", "playground-worker")["status"]["conditions"]:
        heartbeat = datetime.datetime.fromisoformat(condition["lastHeartbeatTime"].replace("Z", "+00:00"))
        assert (now - heartbeat).total_seconds() <= 300 + 10  # nodeStatusReportFrequency, seen at a lease renewal


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


# --- StatefulSets, DaemonSets, Services and storage (issue 7), step by step ------------------------


def _ordinals(names) -> list[int]:
    return sorted(int(n.rpartition("-")[2]) for n in names)


def test_ordered_ready_creates_upwards_from_ordinals_start_and_deletes_downwards_at_every_step(cluster):
    from tests.controllers.test_statefulset import healthy, pods_by_name, running_and_ready, stateful_set, step_through

    cluster.apply(stateful_set(replicas=3, start=3))

    def created_in_order_each_after_the_one_before_is_ready():
        pods = pods_by_name(cluster)
        ordinals = _ordinals(pods)
        assert ordinals == list(range(3, 3 + len(ordinals)))  # no gap: web-3, then web-4, then web-5
        assert all(running_and_ready(pods[f"web-{o}"]) for o in ordinals[:-1])  # all but the newest are ready

    step_through(cluster, 90, created_in_order_each_after_the_one_before_is_ready)
    assert sorted(pods_by_name(cluster)) == ["web-3", "web-4", "web-5"]

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 0}})

    def deleted_in_reverse_one_at_a_time():
        pods = pods_by_name(cluster)
        ordinals = _ordinals(pods)
        assert ordinals == list(range(3, 3 + len(ordinals)))  # always the highest ordinal goes first
        terminating = [o for o in ordinals if pods[f"web-{o}"]["metadata"].get("deletionTimestamp")]
        assert terminating in ([], ordinals[-1:])  # one at a time, and only the highest
        assert all(healthy(pods[f"web-{o}"]) for o in ordinals if o not in terminating)

    step_through(cluster, 120, deleted_in_reverse_one_at_a_time)

    assert pods_by_name(cluster) == {}
    # Retain: the claims outlive their pods, named <template>-<set>-<ordinal>
    assert [c["metadata"]["name"] for c in cluster.list("PersistentVolumeClaim", namespace="default")] == [
        "data-web-3", "data-web-4", "data-web-5"]


def test_parallel_creates_and_deletes_without_waiting_for_readiness(cluster):
    from tests.controllers.test_statefulset import pods_by_name, running_and_ready, stateful_set, step_through

    cluster.apply(stateful_set(replicas=3, policy="Parallel", claims=False))
    seen_together_unready = []

    def note():
        pods = pods_by_name(cluster)
        if len(pods) == 3:
            seen_together_unready.append(not any(running_and_ready(p) for p in pods.values()))

    step_through(cluster, 60, note)
    assert seen_together_unready[0]  # all three existed before any was ready

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 0}})
    step_through(cluster, 1)  # a reconcile or two: the whole scale-down is one pass

    assert all(p["metadata"].get("deletionTimestamp") for p in pods_by_name(cluster).values())


def test_deleting_a_stateful_set_keeps_its_claims_and_a_new_one_reattaches_them(cluster):
    from tests.controllers.test_statefulset import pods_by_name, running_and_ready, stateful_set

    cluster.apply(stateful_set(replicas=2))
    cluster.advance(60)
    uids = {c["metadata"]["name"]: c["metadata"]["uid"] for c in cluster.list("PersistentVolumeClaim", namespace="default")}
    volumes = {c["metadata"]["name"]: c["spec"]["volumeName"] for c in cluster.list("PersistentVolumeClaim", namespace="default")}

    cluster.delete("StatefulSet", "web", "default")
    cluster.advance(60)
    assert pods_by_name(cluster) == {}
    cluster.apply(stateful_set(replicas=2))
    cluster.advance(60)

    claims = cluster.list("PersistentVolumeClaim", namespace="default")
    assert {c["metadata"]["name"]: c["metadata"]["uid"] for c in claims} == uids  # whenDeleted: Retain
    assert {c["metadata"]["name"]: c["spec"]["volumeName"] for c in claims} == volumes  # the same volumes
    assert all(map(running_and_ready, pods_by_name(cluster).values()))


def test_a_stateful_pod_whose_claim_cannot_bind_stays_pending_with_the_schedulers_reason(cluster):
    from tests.controllers.test_statefulset import pods_by_name, stateful_set

    manifest = stateful_set(replicas=2)
    manifest["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] = "fast"  # no such StorageClass
    cluster.apply(manifest)
    cluster.advance(60)

    assert sorted(pods_by_name(cluster)) == ["web-0"]  # OrderedReady: web-1 waits for web-0
    web_0 = cluster.get("Pod", "web-0", "default")
    assert web_0["status"]["phase"] == "Pending" and "nodeName" not in web_0["spec"]
    [scheduled] = [c for c in web_0["status"]["conditions"] if c["type"] == "PodScheduled"]
    assert (scheduled["status"], scheduled["reason"]) == ("False", "Unschedulable")
    assert "pod has unbound immediate PersistentVolumeClaims" in scheduled["message"]
    assert "FailedScheduling" in cluster.event_reasons("Pod", "web-0")
    assert cluster.get("PersistentVolumeClaim", "data-web-0", "default")["status"]["phase"] == "Pending"
    assert "ProvisioningFailed" in cluster.event_reasons("PersistentVolumeClaim", "data-web-0")


def test_a_stateful_set_claim_binds_statically_to_a_volume_of_its_class(cluster):
    from tests.controllers.test_statefulset import pods_by_name, running_and_ready, stateful_set
    from tests.controllers.test_volumes import volume

    cluster.create(volume("pv-small", size="1Gi", node="playground-worker2"))
    cluster.create(volume("pv-big", size="5Gi", node="playground-worker"))
    manifest = stateful_set(replicas=1)
    manifest["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"] = "manual"
    cluster.apply(manifest)
    cluster.advance(60)

    claim = cluster.get("PersistentVolumeClaim", "data-web-0", "default")
    assert (claim["status"]["phase"], claim["spec"]["volumeName"]) == ("Bound", "pv-small")  # the smallest that fits
    web_0 = pods_by_name(cluster)["web-0"]
    assert running_and_ready(web_0) and web_0["spec"]["nodeName"] == "playground-worker2"  # where its volume is


def test_a_pod_name_answers_its_new_address_only_once_the_new_pod_is_ready(cluster):
    from tests.commands.test_dns_command import service, stateful_set
    from tests.controllers.test_statefulset import step_through

    cluster.apply(service("nginx", app="web", headless=True))
    cluster.apply(stateful_set("web", service_name="nginx", replicas=1))
    cluster.advance(60)
    name = "web-0.nginx.default.svc.cluster.local"
    old_ip = cluster.get("Pod", "web-0", "default")["status"]["podIP"]
    assert run("dns", name, "--short") == (0, f"{old_ip}\n", "")

    cluster.delete("Pod", "web-0", "default")
    answers = []

    def ask():
        status, out, _ = run("dns", name, "--short")
        answers.append(out.strip() if status == 0 else "NXDOMAIN")
        pods = cluster.list("Pod", namespace="default", field_selector="metadata.name=web-0")
        if status == 0 and out.strip() != old_ip:  # a new address: only that of a ready, new web-0
            assert pods and pods[0]["status"]["podIP"] == out.strip() and not pods[0]["metadata"].get("deletionTimestamp")
            assert any(c["type"] == "Ready" and c["status"] == "True" for c in pods[0]["status"]["conditions"])

    step_through(cluster, 60, ask)

    # The old address until the endpoints controller sees web-0 terminating, then no such name
    # while it goes and its successor starts, then the successor's address
    compressed = [a for i, a in enumerate(answers) if i == 0 or answers[i - 1] != a]
    new_ip = cluster.get("Pod", "web-0", "default")["status"]["podIP"]
    assert compressed in (["NXDOMAIN", new_ip], [old_ip, "NXDOMAIN", new_ip])


def test_endpoints_and_endpoint_slices_agree_on_readiness_at_every_step(cluster):
    from tests.controllers.test_endpoints import service

    cluster.apply(deployment("nginx", replicas=3))
    cluster.apply(service("nginx"))
    runtime = cluster.controllers()

    def agree():
        endpoints = cluster.list("Endpoints", namespace="default", field_selector="metadata.name=nginx")
        subsets = endpoints[0].get("subsets", []) if endpoints else []
        ready = sorted(a["targetRef"]["name"] for s in subsets for a in s.get("addresses", []))
        not_ready = sorted(a["targetRef"]["name"] for s in subsets for a in s.get("notReadyAddresses", []))
        slices = cluster.list("EndpointSlice", namespace="default", label_selector="kubernetes.io/service-name=nginx")
        listed = [e for s in slices for e in s.get("endpoints", [])]
        assert sorted(e["targetRef"]["name"] for e in listed if e["conditions"]["ready"]) == ready
        assert sorted(e["targetRef"]["name"] for e in listed if not e["conditions"]["ready"]) == not_ready

    for _ in range(2_000):
        if not runtime.step():
            break
        if not runtime.has_work():  # between passes the two controllers may be one step apart
            agree()
            if len(ready_pods(cluster)) == 3:
                break  # all ready: nothing more to follow
    agree()
    assert len(ready_pods(cluster)) == 3


def test_a_daemon_set_with_max_unavailable_2_replaces_two_nodes_at_a_time(cluster):
    from tests.controllers.test_daemonset import (
        ALL_NODES,
        CONTROL_PLANE_TOLERATION,
        daemon_set,
        is_ready,
        live_pods,
        rolled_out,
    )

    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 2}}
    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION], strategy=strategy))
    cluster.advance(30)
    runtime = cluster.controllers()

    cluster.apply(daemon_set(tolerations=[CONTROL_PLANE_TOLERATION], strategy=strategy, image="nginx:1.28"))
    most_down = 0
    for _ in range(5_000):
        if not runtime.step():
            break
        ready_on = {p["spec"]["nodeName"] for p in live_pods(cluster) if is_ready(p)}
        down = len(ALL_NODES - ready_on)
        assert down <= 2
        most_down = max(most_down, down)
        if rolled_out(cluster):
            break

    assert most_down == 2
    assert sorted(p["spec"]["containers"][0]["image"] for p in live_pods(cluster)) == ["nginx:1.28"] * 3


def test_a_stopped_node_keeps_the_pods_that_tolerate_unreachable_forever(cluster):
    forever = pod("agent", node="playground-worker")
    forever["spec"]["tolerations"] = [{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}]
    cluster.create(forever)
    cluster.apply(daemon_set("fluentd"))  # its pods get that toleration from the DaemonSet controller
    cluster.advance(30)

    run("node", "stop", "playground-worker")
    cluster.advance(60 + 300)

    # taint_eviction.go: a toleration without tolerationSeconds tolerates forever
    assert not cluster.get("Pod", "agent", "default")["metadata"].get("deletionTimestamp")
    assert "TaintManagerEviction" not in cluster.event_reasons("Pod", "agent")
    [daemon] = [p for p in cluster.list("Pod", label_selector="app=fluentd") if p["spec"]["nodeName"] == "playground-worker"]
    assert not daemon["metadata"].get("deletionTimestamp")


def test_an_evicted_pod_is_marked_as_a_disruption_target_before_it_is_deleted(cluster):
    cluster.create(pod("bare", node="playground-worker"))
    cluster.advance(30)

    run("node", "stop", "playground-worker")
    cluster.advance(60 + 300)

    bare = cluster.get("Pod", "bare", "default")
    assert bare["metadata"].get("deletionTimestamp")
    [target] = [c for c in bare["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert (target["status"], target["reason"], target["message"]) == (
        "True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")
    assert cluster.event_reasons("Pod", "bare").count("TaintManagerEviction") == 1


def test_a_lost_node_tells_its_ready_pods_and_stamps_every_taint_it_adds(cluster):
    cluster.create(pod("bare", node="playground-worker"))
    cluster.advance(30)

    run("node", "stop", "playground-worker")
    cluster.advance(60)

    assert "NodeNotReady" in cluster.event_reasons("Pod", "bare")  # MarkPodsNotReady's Warning
    taints = cluster.get("Node", "playground-worker")["spec"]["taints"]
    assert {(t["key"], t["effect"]) for t in taints} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    assert all(t.get("timeAdded") for t in taints)  # SwapNodeControllerTaint stamps NoSchedule ones too
