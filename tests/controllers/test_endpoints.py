"""The endpoints controller: a Service's Endpoints follow the pods its selector matches."""
from __future__ import annotations

from playground.controllers.endpoints import (
    LAST_CHANGE_TRIGGER_TIME,
    EndpointsController,
    endpoint_subsets,
    repack_subsets,
)
from tests.factories import deployment, pod


def service(name: str = "nginx", *, selector: dict | None = None, ports: list[dict] | None = None,
            labels: dict | None = None, cluster_ip: str | None = None) -> dict:
    spec: dict = {"ports": ports if ports is not None else [{"port": 80, "targetPort": 80}]}
    if selector != {}:
        spec["selector"] = selector or {"app": name}
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    metadata: dict = {"name": name}
    if labels:
        metadata["labels"] = labels
    return {"apiVersion": "v1", "kind": "Service", "metadata": metadata, "spec": spec}


def readiness_toggling_pod(name: str, script: str) -> dict:
    """A pod that is ready while /tmp/ready exists, as its shell script creates and removes it."""
    obj = pod(name, labels={"app": "web"}, image="busybox:1.36")
    container = obj["spec"]["containers"][0]
    container["command"] = ["sh", "-c", script]
    container["readinessProbe"] = {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 5, "failureThreshold": 1}
    return obj


def never_ready_pod(name: str) -> dict:
    """nginx answers on port 80 only: a readiness probe on 8080 never succeeds."""
    obj = pod(name, labels={"app": "web"})
    obj["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 5}
    return obj


def names(addresses: list[dict] | None) -> list[str]:
    return sorted(a["targetRef"]["name"] for a in addresses or [])


def endpoints(cluster, name: str = "web") -> dict:
    return cluster.get("Endpoints", name, "default")


def test_a_service_lists_the_ready_pods_of_its_selector(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.apply(service("nginx", labels={"app": "nginx", "tier": "front"}))

    cluster.advance(30)

    ep = endpoints(cluster, "nginx")
    pods = {p["metadata"]["name"]: p for p in cluster.list("Pod", label_selector="app=nginx")}
    [subset] = ep["subsets"]
    assert subset["ports"] == [{"port": 80, "protocol": "TCP"}]
    assert "notReadyAddresses" not in subset
    assert [a["ip"] for a in subset["addresses"]] == sorted(p["status"]["podIP"] for p in pods.values())
    for address in subset["addresses"]:
        p = pods[address["targetRef"]["name"]]
        assert address == {
            "ip": p["status"]["podIP"],
            "nodeName": p["spec"]["nodeName"],
            "targetRef": {"kind": "Pod", "name": p["metadata"]["name"], "namespace": "default", "uid": p["metadata"]["uid"]},
        }
    assert ep["metadata"]["labels"] == {"app": "nginx", "tier": "front"}
    assert ep["metadata"]["annotations"][LAST_CHANGE_TRIGGER_TIME].endswith("Z")


def test_pods_that_are_not_ready_are_listed_in_not_ready_addresses(cluster):
    cluster.create(pod("ready", labels={"app": "web"}))
    cluster.create(never_ready_pod("unready"))
    cluster.create(service("web"))

    cluster.advance(60)

    [subset] = endpoints(cluster)["subsets"]
    assert names(subset["addresses"]) == ["ready"]
    assert names(subset["notReadyAddresses"]) == ["unready"]


def test_addresses_move_to_not_ready_addresses_and_back_as_readiness_changes(cluster):
    script = "touch /tmp/ready; sleep 40; rm /tmp/ready; sleep 40; touch /tmp/ready; sleep 3600"
    cluster.create(readiness_toggling_pod("toggle", script))
    cluster.create(service("web"))
    seen = []

    for _ in range(24):  # two simulated minutes, five seconds at a time
        cluster.advance(5)
        subsets = endpoints(cluster).get("subsets") or [{}]
        seen.append(("ready" if subsets[0].get("addresses") else "not ready") if subsets[0] else "absent")

    compressed = [state for i, state in enumerate(seen) if i == 0 or seen[i - 1] != state]
    assert compressed[-3:] == ["ready", "not ready", "ready"]


def test_the_trigger_time_is_when_the_pod_changed_readiness(cluster):
    cluster.create(readiness_toggling_pod("toggle", "touch /tmp/ready; sleep 40; rm /tmp/ready; sleep 3600"))
    cluster.create(service("web"))
    cluster.advance(90)

    p = cluster.get("Pod", "toggle", "default")
    ready = next(c for c in p["status"]["conditions"] if c["type"] == "Ready")
    ep = endpoints(cluster)
    assert ready["status"] == "False"
    assert names(ep["subsets"][0]["notReadyAddresses"]) == ["toggle"]
    assert ep["metadata"]["annotations"][LAST_CHANGE_TRIGGER_TIME] == ready["lastTransitionTime"]


def test_a_named_target_port_resolves_to_each_pods_own_container_port(cluster):
    for name, port in (("web-a", 8080), ("web-b", 9090)):
        p = pod(name, labels={"app": "web"})
        p["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": port}]
        cluster.create(p)
    cluster.create(pod("web-without-http", labels={"app": "web"}))
    cluster.create(service("web", ports=[{"name": "web", "port": 80, "targetPort": "http"}]))

    cluster.advance(30)

    subsets = endpoints(cluster)["subsets"]
    assert sorted((names(s["addresses"]), s["ports"]) for s in subsets) == [
        (["web-a"], [{"name": "web", "port": 8080, "protocol": "TCP"}]),
        (["web-b"], [{"name": "web", "port": 9090, "protocol": "TCP"}]),
    ]


def test_a_deleted_pod_leaves_the_endpoints_as_soon_as_it_is_terminating(cluster):
    cluster.create(pod("one", labels={"app": "web"}))
    cluster.create(pod("two", labels={"app": "web"}))
    cluster.create(service("web"))
    cluster.advance(30)

    cluster.delete("Pod", "one", "default")
    cluster.settle()

    assert cluster.get("Pod", "one", "default")["metadata"]["deletionTimestamp"]  # still terminating
    assert names(endpoints(cluster)["subsets"][0]["addresses"]) == ["two"]


def test_a_pod_relabelled_out_of_the_selector_leaves_the_endpoints(cluster):
    cluster.create(pod("one", labels={"app": "web"}))
    cluster.create(service("web"))
    cluster.advance(30)

    cluster.patch("Pod", "one", "default", {"metadata": {"labels": {"app": "debug"}}})
    cluster.settle()

    assert "subsets" not in endpoints(cluster)


def test_a_service_without_a_selector_is_left_alone(cluster):
    cluster.create(service("external", selector={}, ports=[{"port": 5432}]))
    mine = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "external"},
        "subsets": [{"addresses": [{"ip": "192.168.1.20"}], "ports": [{"port": 5432, "protocol": "TCP"}]}],
    }
    written = cluster.create(mine)

    cluster.advance(30)

    assert endpoints(cluster, "external") == written
    # `kubernetes` keeps the API server's own address, which the controller does not touch either
    assert endpoints(cluster, "kubernetes")["subsets"][0]["addresses"] == [{"ip": "172.18.0.2"}]


def test_a_deleted_service_takes_its_endpoints_with_it(cluster):
    cluster.create(pod("one", labels={"app": "web"}))
    cluster.create(service("web"))
    cluster.advance(30)

    cluster.delete("Service", "web", "default")
    cluster.settle()

    assert [e["metadata"]["name"] for e in cluster.list("Endpoints")] == ["kubernetes"]


def test_deleted_endpoints_are_written_again(cluster):
    cluster.create(pod("one", labels={"app": "web"}))
    cluster.create(service("web"))
    cluster.advance(30)

    cluster.delete("Endpoints", "web", "default")
    cluster.settle()

    assert names(endpoints(cluster)["subsets"][0]["addresses"]) == ["one"]


def test_a_headless_service_gets_the_headless_label(cluster):
    cluster.create(pod("one", labels={"app": "db"}))
    cluster.create(service("db", cluster_ip="None", labels={"app": "db"}))

    cluster.advance(30)

    assert endpoints(cluster, "db")["metadata"]["labels"] == {"app": "db", "service.kubernetes.io/headless": ""}


def test_a_settled_service_writes_nothing(cluster):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.apply(service("nginx"))
    cluster.advance(30)
    before = cluster.resource_version()

    cluster.reconcile(EndpointsController, "default/nginx")

    assert cluster.changes_since(before) == []


# -- Pure rules ---------------------------------------------------------------------------------


def running(name: str, ip: str, *, ready: bool = True, ports: list[dict] | None = None, **extra) -> dict:
    return {
        "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": {"app": "web"}, **extra},
        "spec": {"nodeName": "playground-worker", "containers": [{"name": "main", "ports": ports or []}]},
        "status": {"phase": "Running", "podIP": ip,
                   "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


def test_ports_served_by_the_same_addresses_are_packed_into_one_subset():
    svc = service("web", ports=[{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                                {"name": "metrics", "port": 9100, "targetPort": "metrics", "protocol": "TCP"}])
    metrics = [{"name": "metrics", "containerPort": 9100, "protocol": "TCP"}]
    pods = [running("b", "10.244.1.9", ports=metrics), running("a", "10.244.1.10", ports=metrics), running("c", "10.244.2.3")]

    subsets = endpoint_subsets(svc, pods)

    assert [([a["ip"] for a in s["addresses"]], [p["name"] for p in s["ports"]]) for s in subsets] == [
        (["10.244.1.10", "10.244.1.9", "10.244.2.3"], ["http"]),  # IPs sort as text, as Kubernetes sorts them
        (["10.244.1.10", "10.244.1.9"], ["metrics"]),
    ]


def test_finished_terminating_and_unaddressed_pods_are_left_out():
    svc = service("web")
    finished = running("done", "10.244.1.4")
    finished["status"]["phase"] = "Succeeded"
    no_ip = running("pending", "")

    subsets = endpoint_subsets(svc, [
        running("up", "10.244.1.2"), running("going", "10.244.1.3", deletionTimestamp="2026-01-01T00:00:00Z"),
        finished, no_ip,
    ])

    assert [[a["targetRef"]["name"] for a in s["addresses"]] for s in subsets] == [["up"]]


def test_publish_not_ready_addresses_lists_every_pod_as_ready():
    svc = service("web")
    svc["spec"]["publishNotReadyAddresses"] = True

    [subset] = endpoint_subsets(svc, [running("up", "10.244.1.2"), running("starting", "10.244.1.3", ready=False)])

    assert names(subset["addresses"]) == ["starting", "up"] and "notReadyAddresses" not in subset


def test_not_ready_wins_when_one_address_is_given_both_ways():
    address = {"ip": "10.244.1.2", "targetRef": {"kind": "Pod", "name": "a", "namespace": "default", "uid": "u"}}
    port = ({"port": 80, "protocol": "TCP"},)

    [subset] = repack_subsets([(address, port, True), (address, port, False)])

    assert subset == {"notReadyAddresses": [address], "ports": [{"port": 80, "protocol": "TCP"}]}


def test_a_headless_service_without_ports_lists_addresses_without_ports():
    svc = service("db", ports=[], cluster_ip="None")

    [subset] = endpoint_subsets(svc, [running("a", "10.244.1.2")])

    assert names(subset["addresses"]) == ["a"] and "ports" not in subset
