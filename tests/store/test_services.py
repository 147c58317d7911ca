"""Service IPs and node ports, allocated by the store on create as the API server's service registry does."""
from __future__ import annotations

import ipaddress

import pytest

from playground.store import api as store
from playground.store.errors import Invalid
from playground.store.services import ip_range_offset, port_range_offset

SERVICE_CIDR = ipaddress.ip_network("10.96.0.0/12")


def service(name: str = "web", *, type_: str | None = None, cluster_ip: str | None = None, selector: dict | None = None,
            ports: list[dict] | None = None) -> dict:
    spec: dict = {"selector": {"app": name} if selector is None else selector,
                  "ports": ports if ports is not None else [{"port": 80, "targetPort": 80}]}
    if type_:
        spec["type"] = type_
    if cluster_ip is not None:
        spec["clusterIP"] = cluster_ip
    if not spec["selector"]:
        del spec["selector"]
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def refusal(cluster, obj: dict) -> str:
    with pytest.raises(Invalid) as e:
        cluster.create(obj)
    assert e.value.code == 422
    return e.value.message


# -- ClusterIPs ---------------------------------------------------------------------------------


def test_a_service_without_a_cluster_ip_gets_one_from_the_service_cidr(cluster):
    created = cluster.create(service("web"))

    spec = cluster.get("Service", "web", "default")["spec"]
    assert spec == created["spec"]
    assert ipaddress.ip_address(spec["clusterIP"]) in SERVICE_CIDR
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")


def test_dynamic_cluster_ips_skip_the_low_band_kept_for_addresses_people_choose(cluster):
    first = cluster.create(service("web"))["spec"]["clusterIP"]

    # 10.96.0.1 is the kubernetes Service; 10.96.0.10 is kube-dns by convention: the first 256
    # addresses are handed out only once the rest of the range is full (KEP-3070)
    assert ip_range_offset(SERVICE_CIDR.num_addresses) == 256
    assert first == "10.96.1.1"
    assert ipaddress.ip_address(first) > ipaddress.ip_address("10.96.1.0")


def test_cluster_ips_are_never_handed_out_twice(cluster):
    with store.batch(cluster.name) as batch:
        for number in range(10):
            batch.create(service(f"batched-{number}"))
    for number in range(10):
        cluster.create(service(f"single-{number}"))

    ips = [s["spec"]["clusterIP"] for s in cluster.list("Service", namespace=None)]
    assert len(ips) == 21  # and the kubernetes Service
    assert len(set(ips)) == 21


def test_a_deleted_service_frees_its_cluster_ip(cluster):
    ip = cluster.create(service("web"))["spec"]["clusterIP"]
    cluster.delete("Service", "web", "default")

    again = cluster.create(service("api", cluster_ip=ip))

    assert again["spec"]["clusterIPs"] == [ip]


def test_a_requested_cluster_ip_that_is_free_is_granted(cluster):
    created = cluster.create(service("kube-dns", cluster_ip="10.96.0.10"))

    assert (created["spec"]["clusterIP"], created["spec"]["clusterIPs"]) == ("10.96.0.10", ["10.96.0.10"])


def test_a_requested_cluster_ip_in_use_is_refused_with_the_api_servers_message(cluster):
    message = refusal(cluster, service("web", cluster_ip="10.96.0.1"))

    assert message == (
        'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: '
        "failed to allocate IP 10.96.0.1: provided IP is already allocated"
    )
    assert [s["metadata"]["name"] for s in cluster.list("Service")] == ["kubernetes"]


def test_a_cluster_ip_allocated_to_another_service_is_refused(cluster):
    taken = cluster.create(service("web"))["spec"]["clusterIP"]

    assert refusal(cluster, service("api", cluster_ip=taken)).endswith("provided IP is already allocated")


@pytest.mark.parametrize("ip", ["192.168.0.5", "10.96.0.0", "10.111.255.255", "10.112.0.1"])
def test_a_requested_cluster_ip_outside_the_range_is_refused(cluster, ip):
    message = refusal(cluster, service("web", cluster_ip=ip))

    assert message == (
        f'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{{"{ip}"}}: failed to allocate IP {ip}: '
        f"the provided IP ({ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12"
    )


def test_the_last_address_before_the_broadcast_is_in_the_range(cluster):
    assert cluster.create(service("web", cluster_ip="10.111.255.254"))["spec"]["clusterIP"] == "10.111.255.254"


def test_an_ipv6_cluster_ip_is_refused_on_this_single_stack_cluster(cluster):
    message = refusal(cluster, service("web", cluster_ip="fd00:10:96::10"))

    assert message == (
        'Service "web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"fd00:10:96::10"}: '
        "IPv6 is not configured on this cluster"
    )


def test_cluster_ips_must_start_with_the_cluster_ip(cluster):
    obj = service("web", cluster_ip="10.96.0.20")
    obj["spec"]["clusterIPs"] = ["10.96.0.21"]

    assert refusal(cluster, obj) == (
        'Service "web" is invalid: spec.clusterIPs: Invalid value: []string{"10.96.0.21"}: first value must match `clusterIP`'
    )


def test_require_dual_stack_is_refused_on_a_single_stack_cluster(cluster):
    obj = service("web")
    obj["spec"]["ipFamilyPolicy"] = "RequireDualStack"

    assert refusal(cluster, obj) == (
        'Service "web" is invalid: spec.ipFamilyPolicy: Invalid value: "RequireDualStack": '
        "this cluster is not configured for dual-stack services"
    )


def test_a_headless_service_keeps_cluster_ip_none(cluster):
    created = cluster.create(service("db", cluster_ip="None"))

    spec = created["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"]) == ("None", ["None"])
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (["IPv4"], "SingleStack")


def test_a_headless_service_without_selector_asks_for_both_families_as_kubernetes_does(cluster):
    created = cluster.create(service("external-db", cluster_ip="None", selector={}))

    assert (created["spec"]["ipFamilies"], created["spec"]["ipFamilyPolicy"]) == (["IPv4", "IPv6"], "RequireDualStack")


def test_an_external_name_service_gets_no_cluster_ip(cluster):
    obj = service("search", type_="ExternalName", selector={}, ports=[])
    obj["spec"]["externalName"] = "example.com"

    spec = cluster.create(obj)["spec"]

    assert not {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"} & spec.keys()


def test_each_cluster_allocates_from_its_own_range(cluster, make_cluster):
    other = make_cluster("sandbox-2")

    mine = cluster.create(service("web"))["spec"]["clusterIP"]
    theirs = other.create(service("web"))["spec"]["clusterIP"]

    assert mine == theirs == "10.96.1.1"


def test_apply_reports_a_cluster_ip_in_use_and_stores_nothing(cluster):
    results = cluster.apply_text(
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.1\n"
        "  selector: {app: web}\n  ports: [{port: 80}]\n"
    )

    assert results[0].error.endswith("failed to allocate IP 10.96.0.1: provided IP is already allocated")
    assert [s["metadata"]["name"] for s in cluster.list("Service")] == ["kubernetes"]


# -- NodePorts ----------------------------------------------------------------------------------


def test_a_node_port_service_gets_a_node_port_for_each_port(cluster):
    ports = [{"name": "http", "port": 80}, {"name": "https", "port": 443}]

    created = cluster.create(service("web", type_="NodePort", ports=ports))

    node_ports = [p["nodePort"] for p in created["spec"]["ports"]]
    assert port_range_offset(32767 - 30000 + 1) == 86
    assert node_ports == [30086, 30087]  # above the low band kept for ports people choose
    assert ipaddress.ip_address(created["spec"]["clusterIP"]) in SERVICE_CIDR


def test_node_ports_are_never_handed_out_twice(cluster):
    for number in range(5):
        cluster.create(service(f"web-{number}", type_="NodePort"))

    node_ports = [s["spec"]["ports"][0]["nodePort"] for s in cluster.list("Service") if s["spec"]["type"] == "NodePort"]
    assert len(set(node_ports)) == 5
    assert all(30000 <= port <= 32767 for port in node_ports)


def test_a_tcp_and_a_udp_port_with_the_same_number_share_one_node_port(cluster):
    ports = [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]

    created = cluster.create(service("dns", type_="NodePort", ports=ports))

    assert len({p["nodePort"] for p in created["spec"]["ports"]}) == 1


def test_a_requested_node_port_is_granted(cluster):
    created = cluster.create(service("web", type_="NodePort", ports=[{"port": 80, "nodePort": 30080}]))

    assert created["spec"]["ports"][0]["nodePort"] == 30080


def test_a_requested_node_port_in_use_is_refused_with_the_api_servers_message(cluster):
    cluster.create(service("web", type_="NodePort", ports=[{"port": 80, "nodePort": 30080}]))

    message = refusal(cluster, service("api", type_="NodePort", ports=[{"port": 8080, "nodePort": 30080}]))

    assert message == (
        'Service "api" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated'
    )


def test_a_node_port_allocated_dynamically_cannot_be_requested_again(cluster):
    taken = cluster.create(service("web", type_="NodePort"))["spec"]["ports"][0]["nodePort"]

    message = refusal(cluster, service("api", type_="LoadBalancer", ports=[{"port": 80, "nodePort": taken}]))

    assert message.endswith(f"spec.ports[0].nodePort: Invalid value: {taken}: provided port is already allocated")


def test_a_cluster_ip_service_gets_no_node_port(cluster):
    created = cluster.create(service("web"))

    assert "nodePort" not in created["spec"]["ports"][0]


def test_a_load_balancer_gets_node_ports_unless_told_not_to(cluster):
    with_ports = cluster.create(service("web", type_="LoadBalancer"))
    without = service("api", type_="LoadBalancer")
    without["spec"]["allocateLoadBalancerNodePorts"] = False
    without = cluster.create(without)

    assert 30000 <= with_ports["spec"]["ports"][0]["nodePort"] <= 32767
    assert "nodePort" not in without["spec"]["ports"][0]


def test_a_local_traffic_load_balancer_gets_a_health_check_node_port(cluster):
    obj = service("web", type_="LoadBalancer")
    obj["spec"]["externalTrafficPolicy"] = "Local"

    spec = cluster.create(obj)["spec"]

    assert spec["healthCheckNodePort"] != spec["ports"][0]["nodePort"]
    assert 30000 <= spec["healthCheckNodePort"] <= 32767
