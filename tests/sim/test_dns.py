"""Cluster DNS on plain dicts: the records the Kubernetes DNS-Based Service Discovery
specification asks for, answered as CoreDNS's kubernetes plugin answers them."""
from __future__ import annotations

from typing import Any

import pytest

from playground.sim.dns import NOERROR, NXDOMAIN, Answer, resolve, search_candidates

Obj = dict[str, Any]


def service(name: str, *, namespace: str = "default", cluster_ip: str = "10.96.0.20", ports: list[Obj] | None = None,
            **spec: Any) -> Obj:
    if ports is None:
        ports = [{"name": "http", "port": 80, "protocol": "TCP"}]
    spec = {"clusterIP": cluster_ip, "ports": ports, **spec}
    if cluster_ip not in ("", "None"):
        spec["clusterIPs"] = [cluster_ip]
    return {"kind": "Service", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def endpoints(name: str, *, addresses: list[Obj] = (), not_ready: list[Obj] = (), ports: list[Obj] | None = None,
              namespace: str = "default") -> Obj:
    subset: Obj = {}
    if addresses:
        subset["addresses"] = list(addresses)
    if not_ready:
        subset["notReadyAddresses"] = list(not_ready)
    if ports is None:
        ports = [{"name": "http", "port": 80, "protocol": "TCP"}]
    if ports:
        subset["ports"] = ports
    return {"kind": "Endpoints", "metadata": {"name": name, "namespace": namespace}, "subsets": [subset]}


def address(ip: str, hostname: str = "") -> Obj:
    return {"ip": ip, **({"hostname": hostname} if hostname else {})}


def pod(name: str, ip: str, *, namespace: str = "default") -> Obj:
    return {"kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": {}, "status": {"podIP": ip}}


def ask(name: str, *, services: list[Obj] = (), endpoints: list[Obj] = (), pods: list[Obj] = (),
        **options: Any) -> Answer:
    options.setdefault("namespaces", ["default", "kube-system", "shop"])
    return resolve(name, services=services, endpoints=endpoints, pods=pods, **options)


def data(answer: Answer) -> list[str]:
    return [r.data for r in answer.records]


HEADLESS = service("nginx", cluster_ip="None")
NGINX_ENDPOINTS = endpoints(
    "nginx",
    addresses=[address("10.244.1.7", "web-0"), address("10.244.2.9", "web-1")],
    not_ready=[address("10.244.1.8", "web-2")],
)


# -- Services -------------------------------------------------------------------------------------


def test_a_service_name_is_its_cluster_ip():
    answer = ask("web.default.svc.cluster.local", services=[service("web")])

    assert answer.rcode == NOERROR
    assert [(r.name, r.type, r.ttl, r.data) for r in answer.records] == [
        ("web.default.svc.cluster.local.", "A", 30, "10.96.0.20"),
    ]


def test_a_service_answers_even_without_endpoints():
    answer = ask("web.default.svc.cluster.local", services=[service("web")], endpoints=[endpoints("web")])

    assert data(answer) == ["10.96.0.20"]  # the cluster IP, not its (absent) pods


def test_a_service_answers_once_however_many_ports_it_has():
    ports = [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "https", "port": 443, "protocol": "TCP"}]

    answer = ask("web.default.svc.cluster.local", services=[service("web", ports=ports)])

    assert data(answer) == ["10.96.0.20"]


def test_a_headless_service_name_is_each_ready_address():
    answer = ask("nginx.default.svc.cluster.local", services=[HEADLESS], endpoints=[NGINX_ENDPOINTS])

    assert data(answer) == ["10.244.1.7", "10.244.2.9"]  # web-2 is not ready


def test_publish_not_ready_addresses_publishes_the_not_ready_ones_too():
    published = service("nginx", cluster_ip="None", publishNotReadyAddresses=True)

    answer = ask("nginx.default.svc.cluster.local", services=[published], endpoints=[NGINX_ENDPOINTS])

    assert data(answer) == ["10.244.1.7", "10.244.2.9", "10.244.1.8"]


def test_a_headless_service_without_ready_addresses_does_not_exist():
    nobody = endpoints("nginx", not_ready=[address("10.244.1.8", "web-2")])

    answer = ask("nginx.default.svc.cluster.local", services=[HEADLESS], endpoints=[nobody])

    assert answer.rcode == NXDOMAIN  # findServices finds no endpoint: a name error


def test_a_headless_service_without_ports_still_has_its_addresses():
    portless = endpoints("nginx", addresses=[address("10.244.1.7", "web-0")], ports=[])

    answer = ask("nginx.default.svc.cluster.local", services=[service("nginx", cluster_ip="None", ports=[])],
                 endpoints=[portless])

    assert data(answer) == ["10.244.1.7"]


def test_a_pod_behind_its_governing_service_has_a_name_of_its_own():
    answer = ask("web-1.nginx.default.svc.cluster.local", services=[HEADLESS], endpoints=[NGINX_ENDPOINTS])

    assert [(r.name, r.data) for r in answer.records] == [("web-1.nginx.default.svc.cluster.local.", "10.244.2.9")]


def test_an_address_without_hostname_is_named_by_its_dashed_ip():
    anonymous = endpoints("nginx", addresses=[address("10.244.3.4")])

    answer = ask("10-244-3-4.nginx.default.svc.cluster.local", services=[HEADLESS], endpoints=[anonymous])

    assert data(answer) == ["10.244.3.4"]


def test_a_not_ready_pod_has_no_name_of_its_own():
    answer = ask("web-2.nginx.default.svc.cluster.local", services=[HEADLESS], endpoints=[NGINX_ENDPOINTS])

    assert answer.rcode == NXDOMAIN


def test_an_unknown_service_or_namespace_is_nxdomain():
    assert ask("nope.default.svc.cluster.local", services=[service("web")]).rcode == NXDOMAIN
    assert ask("web.nowhere.svc.cluster.local", services=[service("web", namespace="nowhere")]).rcode == NXDOMAIN


def test_a_namespace_name_exists_without_records():
    answer = ask("shop.svc.cluster.local")

    assert (answer.rcode, answer.records) == (NOERROR, ())  # NODATA, as findServices answers it


def test_names_outside_the_cluster_domain_are_nxdomain():
    assert ask("example.com.", services=[service("web")]).rcode == NXDOMAIN
    assert ask("web.default.cluster.local", services=[service("web")]).rcode == NXDOMAIN  # neither svc nor pod


def test_names_compare_without_case():
    assert data(ask("WEB.Default.SVC.cluster.local", services=[service("web")])) == ["10.96.0.20"]


# -- SRV ------------------------------------------------------------------------------------------


def test_a_named_port_has_an_srv_record_pointing_at_the_service():
    ports = [{"name": "http", "port": 80, "protocol": "TCP"}, {"name": "dns", "port": 53, "protocol": "UDP"}]

    answer = ask("_dns._udp.web.default.svc.cluster.local", services=[service("web", ports=ports)], record_type="SRV")

    assert [(r.name, r.type, r.data) for r in answer.records] == [
        ("_dns._udp.web.default.svc.cluster.local.", "SRV", "0 100 53 web.default.svc.cluster.local."),
    ]


def test_a_port_of_another_protocol_has_no_srv_record():
    answer = ask("_http._udp.web.default.svc.cluster.local", services=[service("web")], record_type="SRV")

    assert answer.rcode == NXDOMAIN


def test_a_headless_service_points_srv_records_at_each_pod_sharing_the_weight():
    answer = ask("_http._tcp.nginx.default.svc.cluster.local", services=[HEADLESS], endpoints=[NGINX_ENDPOINTS],
                 record_type="SRV")

    assert data(answer) == [
        "0 50 80 web-0.nginx.default.svc.cluster.local.",
        "0 50 80 web-1.nginx.default.svc.cluster.local.",
    ]


def test_an_srv_question_on_the_bare_service_name_lists_every_port():
    ports = [{"name": "http", "port": 80, "protocol": "TCP"}, {"port": 8080, "protocol": "TCP"}]

    answer = ask("web.default.svc.cluster.local", services=[service("web", ports=ports)], record_type="SRV")

    assert data(answer) == ["0 50 80 web.default.svc.cluster.local.", "0 50 8080 web.default.svc.cluster.local."]


def test_a_cluster_ip_service_has_no_cname():
    answer = ask("web.default.svc.cluster.local", services=[service("web")], record_type="CNAME")

    assert (answer.rcode, answer.records) == (NOERROR, ())


# -- ExternalName ---------------------------------------------------------------------------------


def test_an_external_name_service_is_a_cname():
    db = service("db", cluster_ip="", ports=[], type="ExternalName", externalName="db.example.com")

    answer = ask("db.default.svc.cluster.local", services=[db], record_type="CNAME")

    assert [(r.type, r.data) for r in answer.records] == [("CNAME", "db.example.com.")]


def test_an_a_question_on_an_alias_inside_the_cluster_follows_it():
    alias = service("www", cluster_ip="", ports=[], type="ExternalName", externalName="web.shop.svc.cluster.local")

    answer = ask("www.default.svc.cluster.local", services=[alias, service("web", namespace="shop")])

    assert [(r.name, r.type, r.data) for r in answer.records] == [
        ("www.default.svc.cluster.local.", "CNAME", "web.shop.svc.cluster.local."),
        ("web.shop.svc.cluster.local.", "A", "10.96.0.20"),
    ]


def test_an_alias_to_itself_is_not_followed_forever():
    loop = service("www", cluster_ip="", ports=[], type="ExternalName", externalName="www.default.svc.cluster.local")

    answer = ask("www.default.svc.cluster.local", services=[loop])

    assert (answer.rcode, answer.records) == (NOERROR, ())


# -- Pods -----------------------------------------------------------------------------------------


def test_a_dashed_ip_under_pod_is_that_ip_in_insecure_mode():
    answer = ask("10-244-1-7.default.pod.cluster.local")  # no such pod: kind's `pods insecure` does not check

    assert [(r.name, r.data) for r in answer.records] == [("10-244-1-7.default.pod.cluster.local.", "10.244.1.7")]


def test_verified_mode_wants_a_pod_with_that_ip_in_that_namespace():
    pods = [pod("web", "10.244.1.7", namespace="shop")]

    assert data(ask("10-244-1-7.shop.pod.cluster.local", pods=pods, pod_mode="verified")) == ["10.244.1.7"]
    assert ask("10-244-1-7.default.pod.cluster.local", pods=pods, pod_mode="verified").rcode == NXDOMAIN


def test_a_pod_name_that_is_no_ip_is_nxdomain():
    assert ask("10-244-1-999.default.pod.cluster.local").rcode == NXDOMAIN
    assert ask("web-0.default.pod.cluster.local").rcode == NXDOMAIN


# -- The search list of a pod ---------------------------------------------------------------------


def test_a_short_name_is_searched_from_the_pods_namespace_first():
    services = [service("web"), service("web", namespace="shop", cluster_ip="10.96.0.30")]

    assert data(ask("web", services=services, namespace="shop")) == ["10.96.0.30"]
    assert data(ask("web", services=services)) == ["10.96.0.20"]


def test_a_service_of_another_namespace_is_found_as_name_dot_namespace():
    answer = ask("web.shop", services=[service("web", namespace="shop")])

    assert answer.name == "web.shop.svc.cluster.local."
    assert data(answer) == ["10.96.0.20"]


def test_a_statefulset_pod_is_found_by_pod_dot_service():
    answer = ask("web-0.nginx", services=[HEADLESS], endpoints=[NGINX_ENDPOINTS])

    assert answer.name == "web-0.nginx.default.svc.cluster.local."
    assert data(answer) == ["10.244.1.7"]


def test_the_search_list_comes_before_the_name_itself_below_ndots():
    assert search_candidates("web.shop", "default") == [
        "web.shop.default.svc.cluster.local.",
        "web.shop.svc.cluster.local.",
        "web.shop.cluster.local.",
        "web.shop.",
    ]


def test_a_name_with_ndots_dots_is_asked_as_it_is_first():
    assert search_candidates("a.b.c.d.e.f", "default")[0] == "a.b.c.d.e.f."


def test_a_trailing_dot_skips_the_search_list():
    assert search_candidates("web.", "default") == ["web."]
    assert ask("web.", services=[service("web")]).rcode == NXDOMAIN


def test_a_name_that_exists_nowhere_is_nxdomain():
    answer = ask("nope", services=[service("web")])

    assert answer.rcode == NXDOMAIN


def test_nodata_somewhere_on_the_search_list_beats_nxdomain():
    # `shop.svc.cluster.local` (the namespace) exists but has no A record
    answer = ask("shop.svc", services=[service("web")])

    assert answer == Answer("shop.svc.cluster.local.", NOERROR)


def test_only_the_record_types_the_playground_answers_are_asked():
    with pytest.raises(ValueError):
        ask("web", record_type="AAAA")
