"""The EndpointSlice controller: a Service's pods as EndpointSlices, as kube-controller-manager
writes them (at most 100 endpoints a slice, one group of slices per resolved port mapping)."""
from __future__ import annotations

import datetime

import pytest

from playground.controllers.endpointslice import (
    LAST_CHANGE_TRIGGER_TIME,
    EndpointSliceController,
    PortGroup,
    desired_endpoints,
    endpoint_id,
    port_map_key,
    reconcile_slices,
)
from playground.kubectl import printers
from playground.store.errors import Invalid
from tests.commands.test_kubectl_commands import run
from tests.controllers.test_endpoints import never_ready_pod, readiness_toggling_pod, service
from tests.factories import deployment, pod


def slices(cluster, service_name: str = "web") -> list[dict]:
    return cluster.list("EndpointSlice", namespace="default", label_selector=f"kubernetes.io/service-name={service_name}")


def endpoints_of(endpoint_slice: dict) -> dict[str, dict]:
    return {e["targetRef"]["name"]: e for e in endpoint_slice.get("endpoints") or []}


def test_a_service_gets_one_slice_listing_its_ready_pods(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.apply(service("nginx", labels={"app": "nginx", "tier": "front"}))

    cluster.advance(30)

    [endpoint_slice] = slices(cluster, "nginx")
    svc = cluster.get("Service", "nginx", "default")
    meta = endpoint_slice["metadata"]
    assert meta["name"].startswith("nginx-") and len(meta["name"]) == len("nginx-") + 5
    assert meta["generateName"] == "nginx-"
    assert meta["labels"] == {
        "app": "nginx", "tier": "front",
        "kubernetes.io/service-name": "nginx",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    assert meta["ownerReferences"] == [{"apiVersion": "v1", "kind": "Service", "name": "nginx", "uid": svc["metadata"]["uid"],
                                        "controller": True, "blockOwnerDeletion": True}]
    assert meta["annotations"][LAST_CHANGE_TRIGGER_TIME].endswith("Z")
    assert endpoint_slice["addressType"] == "IPv4"
    assert endpoint_slice["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    pods = {p["metadata"]["name"]: p for p in cluster.list("Pod", label_selector="app=nginx")}
    assert endpoints_of(endpoint_slice).keys() == pods.keys()
    for name, endpoint in endpoints_of(endpoint_slice).items():
        p = pods[name]
        assert endpoint == {
            "addresses": [p["status"]["podIP"]],
            "conditions": {"ready": True, "serving": True, "terminating": False},
            "nodeName": p["spec"]["nodeName"],
            "targetRef": {"kind": "Pod", "namespace": "default", "name": name, "uid": p["metadata"]["uid"]},
        }


def test_a_service_without_pods_keeps_an_empty_placeholder_slice(cluster):
    cluster.create(service("web"))

    cluster.settle()

    [endpoint_slice] = slices(cluster)
    assert endpoint_slice["endpoints"] == [] and "ports" not in endpoint_slice


def test_a_service_without_a_selector_gets_no_slices(cluster):
    cluster.create(pod("web-1", labels={"app": "web"}))
    cluster.create(service("web", selector={}))

    cluster.advance(30)

    assert slices(cluster) == []


def test_endpoints_follow_readiness_in_their_conditions(cluster):
    script = "touch /tmp/ready; sleep 40; rm /tmp/ready; sleep 40; touch /tmp/ready; sleep 3600"
    cluster.create(readiness_toggling_pod("toggle", script))
    cluster.create(service("web"))
    seen = []

    for _ in range(24):  # two simulated minutes, five seconds at a time
        cluster.advance(5)
        [endpoint_slice] = slices(cluster)
        endpoint = endpoints_of(endpoint_slice).get("toggle")
        seen.append("absent" if endpoint is None else "ready" if endpoint["conditions"]["ready"] else "not ready")

    compressed = [state for i, state in enumerate(seen) if i == 0 or seen[i - 1] != state]
    assert compressed[-3:] == ["ready", "not ready", "ready"]


def test_a_pod_that_is_not_ready_is_listed_neither_ready_nor_serving(cluster):
    cluster.create(never_ready_pod("unready"))
    cluster.create(service("web"))

    cluster.advance(60)

    [endpoint_slice] = slices(cluster)
    assert endpoints_of(endpoint_slice)["unready"]["conditions"] == {"ready": False, "serving": False, "terminating": False}


def test_a_terminating_pod_stays_serving_but_not_ready_until_it_is_gone(cluster):
    p = pod("slow", labels={"app": "web"})
    p["spec"]["containers"][0]["command"] = ["sh", "-c", "trap '' TERM; sleep 3600"]
    cluster.create(p)
    cluster.create(service("web"))
    cluster.advance(30)

    cluster.delete("Pod", "slow", "default")
    cluster.settle()

    [endpoint_slice] = slices(cluster)
    assert endpoints_of(endpoint_slice)["slow"]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    cluster.advance(60)
    [endpoint_slice] = slices(cluster)
    assert endpoint_slice["endpoints"] == []


def test_a_named_target_port_splits_pods_by_the_number_it_resolves_to(cluster):
    for name, number in (("a", 8080), ("b", 8080), ("c", 9090)):
        p = pod(name, labels={"app": "web"})
        p["spec"]["containers"][0]["ports"] = [{"name": "http", "containerPort": number}]
        cluster.create(p)
    cluster.create(service("web", ports=[{"name": "web", "port": 80, "targetPort": "http"}]))

    cluster.advance(30)

    by_port = {s["ports"][0]["port"]: sorted(endpoints_of(s)) for s in slices(cluster)}
    assert by_port == {8080: ["a", "b"], 9090: ["c"]}
    assert all(s["ports"][0]["name"] == "web" for s in slices(cluster))


def test_a_headless_service_labels_its_slices_and_names_each_pod(cluster):
    p = pod("web-0", labels={"app": "web"})
    p["spec"].update(hostname="web-0", subdomain="web")
    cluster.create(p)
    cluster.create(service("web", cluster_ip="None", ports=[]))

    cluster.advance(30)

    [endpoint_slice] = slices(cluster)
    assert endpoint_slice["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
    assert "ports" not in endpoint_slice
    assert endpoints_of(endpoint_slice)["web-0"]["hostname"] == "web-0"


def test_the_zone_comes_from_the_nodes_topology_label(cluster):
    node = cluster.get("Node", "playground-worker")
    node["metadata"]["labels"]["topology.kubernetes.io/zone"] = "zone-a"
    cluster.update(node)
    cluster.create(pod("web-1", labels={"app": "web"}, node="playground-worker"))
    cluster.create(service("web"))

    cluster.advance(30)

    [endpoint_slice] = slices(cluster)
    assert endpoints_of(endpoint_slice)["web-1"]["zone"] == "zone-a"


def test_a_deleted_slice_is_written_again(cluster):
    cluster.create(pod("web-1", labels={"app": "web"}))
    cluster.create(service("web"))
    cluster.advance(30)
    [first] = slices(cluster)

    cluster.delete("EndpointSlice", first["metadata"]["name"], "default")
    cluster.settle()

    [again] = slices(cluster)
    assert again["metadata"]["name"] != first["metadata"]["name"]
    assert list(endpoints_of(again)) == ["web-1"]


def test_a_deleted_service_takes_its_slices_with_it(cluster):
    cluster.create(pod("web-1", labels={"app": "web"}))
    cluster.create(service("web"))
    cluster.advance(30)

    cluster.delete("Service", "web", "default")
    cluster.settle()

    assert slices(cluster) == []


def test_a_settled_service_writes_nothing(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.apply(service("nginx"))
    cluster.advance(30)
    before = cluster.resource_version()

    cluster.reconcile(EndpointSliceController, "default/nginx")

    assert [e for e in cluster.changes_since(before) if e.object["kind"] == "EndpointSlice"] == []


def test_get_endpointslices_prints_kubectls_columns(cluster):
    cluster.apply(deployment("nginx", replicas=4))
    cluster.apply(service("nginx"))
    cluster.advance(30)
    [endpoint_slice] = slices(cluster, "nginx")

    header, row = printers.columns("EndpointSlice"), printers.row(endpoint_slice, now=cluster.now())

    ips = [e["addresses"][0] for e in endpoint_slice["endpoints"]]
    assert header == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert row[:4] == [endpoint_slice["metadata"]["name"], "IPv4", "80", ",".join(ips[:3]) + " + 1 more..."]


def test_manage_py_get_endpointslices_lists_them_like_kubectl(cluster):
    cluster.create(service("web"))
    cluster.settle()
    [endpoint_slice] = slices(cluster)

    status, out, _ = run("get", "endpointslices")

    assert status == 0
    header, line = out.splitlines()
    assert header.split() == ["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"]
    assert line.split()[:4] == [endpoint_slice["metadata"]["name"], "IPv4", "<unset>", "<unset>"]


def test_an_empty_slice_prints_unset():
    empty = {"kind": "EndpointSlice", "metadata": {"name": "web-abcde"}, "addressType": "IPv4", "endpoints": []}

    assert printers.row(empty, now=datetime.datetime.now(datetime.timezone.utc))[1:4] == ["IPv4", "<unset>", "<unset>"]


# -- admission ----------------------------------------------------------------------------------


def slice_manifest(**fields) -> dict:
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "mine"},
            "addressType": "IPv4", "endpoints": [], **fields}


def test_a_slice_written_by_hand_is_defaulted_and_kept(cluster):
    cluster.create(slice_manifest(ports=[{"port": 80}], endpoints=[{"addresses": ["10.0.0.7"]}]))

    stored = cluster.get("EndpointSlice", "mine", "default")
    assert stored["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]


@pytest.mark.parametrize(("fields", "message"), [
    ({"addressType": "IPX"}, 'addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"'),
    ({"endpoints": [{"addresses": []}]}, "endpoints[0].addresses: Required value: must contain at least 1 address"),
    ({"endpoints": [{"addresses": ["127.0.0.1"]}]},
     'endpoints[0].addresses[0]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)'),
    ({"endpoints": [{"addresses": ["fd00::1"]}]}, 'endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address'),
    ({"ports": [{"name": "a", "port": 1}, {"name": "a", "port": 2}]}, 'ports[1].name: Duplicate value: "a"'),
    ({"ports": [{"port": 1, "protocol": "ICMP"}]}, 'ports[0].protocol: Unsupported value: "ICMP"'),
])
def test_a_bad_slice_is_refused_with_the_field_that_is_wrong(cluster, fields, message):
    with pytest.raises(Invalid) as raised:
        cluster.create(slice_manifest(**fields))

    assert message in str(raised.value)
    assert "mine" not in [s["metadata"]["name"] for s in cluster.list("EndpointSlice", namespace="default")]


def test_the_address_type_cannot_change(cluster):
    cluster.create(slice_manifest())
    stored = cluster.get("EndpointSlice", "mine", "default")

    with pytest.raises(Invalid, match="addressType: Invalid value: \"IPv6\": field is immutable"):
        cluster.update({**stored, "addressType": "IPv6"})


# -- the reconciler, without a database ---------------------------------------------------------


SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default", "uid": "svc-uid"},
           "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.10", "ports": [{"port": 80, "targetPort": 80}]}}
NODES = {"node-1": {"metadata": {"name": "node-1"}}}


def running_pod(n: int) -> dict:
    return {
        "metadata": {"name": f"web-{n:04d}", "namespace": "default", "uid": f"uid-{n}", "labels": {"app": "web"}},
        "spec": {"nodeName": "node-1", "containers": [{"name": "web"}]},
        "status": {"phase": "Running", "podIP": f"10.244.{n // 250}.{n % 250 + 1}",
                   "conditions": [{"type": "Ready", "status": "True"}]},
    }


def stored(new_slices: list[dict], start: int = 0) -> list[dict]:
    """The slices as the API server would store them: named."""
    return [{**s, "metadata": {**s["metadata"], "name": f"web-{i + start:05d}"}} for i, s in enumerate(new_slices)]


def test_250_endpoints_fill_three_slices_of_at_most_100():
    desired, _ = desired_endpoints(SERVICE, [running_pod(n) for n in range(250)], NODES)

    changes = reconcile_slices(SERVICE, [], desired, max_per_slice=100)

    assert [len(s["endpoints"]) for s in changes.create] == [100, 100, 50]
    assert not changes.update and not changes.delete


def test_a_new_endpoint_goes_into_the_slice_it_fills_closest_to_full():
    pods = [running_pod(n) for n in range(150)]
    desired, _ = desired_endpoints(SERVICE, pods, NODES)
    existing = stored(reconcile_slices(SERVICE, [], desired, max_per_slice=100).create)
    desired, _ = desired_endpoints(SERVICE, [*pods, running_pod(150)], NODES)

    changes = reconcile_slices(SERVICE, existing, desired, max_per_slice=100)

    [updated] = changes.update
    assert updated["metadata"]["name"] == existing[1]["metadata"]["name"] and len(updated["endpoints"]) == 51
    assert not changes.create and not changes.delete


def test_a_slice_emptied_while_another_is_needed_is_reused_by_name():
    desired, _ = desired_endpoints(SERVICE, [running_pod(0)], NODES)
    existing = stored(reconcile_slices(SERVICE, [], desired, max_per_slice=100).create)

    changes = reconcile_slices(SERVICE, existing, {}, max_per_slice=100)

    [placeholder] = changes.update
    assert placeholder["metadata"]["name"] == existing[0]["metadata"]["name"]
    assert placeholder["endpoints"] == [] and "ports" not in placeholder
    assert not changes.create and not changes.delete


def test_a_slice_of_an_earlier_service_of_that_name_is_deleted():
    desired, _ = desired_endpoints(SERVICE, [running_pod(0)], NODES)
    old_service = {**SERVICE, "metadata": {**SERVICE["metadata"], "uid": "old-uid"}}
    existing = stored(reconcile_slices(old_service, [], desired, max_per_slice=100).create)

    changes = reconcile_slices(SERVICE, existing, desired, max_per_slice=100)

    assert [s["metadata"]["name"] for s in changes.delete] == [existing[0]["metadata"]["name"]]
    assert len(changes.create) == 1


def test_a_pod_on_a_node_that_is_gone_is_left_out_and_looked_at_again():
    desired, missing = desired_endpoints(SERVICE, [running_pod(0)], {})

    assert missing and all(not group.endpoints for group in desired.values())


def test_the_same_ports_in_another_order_are_one_port_mapping():
    a, b = {"name": "a", "port": 1, "protocol": "TCP"}, {"name": "b", "port": 2, "protocol": "TCP"}

    assert port_map_key([a, b]) == port_map_key([b, a])
    assert isinstance(PortGroup([a]).endpoints, dict) and endpoint_id(
        {"addresses": ["10.0.0.1"], "targetRef": {"namespace": "default", "name": "x"}}) == (("10.0.0.1",), None, "default", "x")
