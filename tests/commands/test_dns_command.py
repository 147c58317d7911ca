"""`dns NAME` answers as the cluster's CoreDNS would, from what the controllers made of the store."""
from __future__ import annotations

from typing import Any

from tests.commands.test_kubectl_commands import run
from tests.factories import deployment

Obj = dict[str, Any]


def service(name: str, *, app: str, headless: bool = False) -> Obj:
    spec: Obj = {"selector": {"app": app}, "ports": [{"name": "http", "port": 80, "targetPort": 80}]}
    if headless:
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def stateful_set(name: str = "web", *, service_name: str = "nginx", replicas: int = 2) -> Obj:
    app = {"app": name}
    container = {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80, "name": "http"}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "serviceName": service_name,
            "replicas": replicas,
            "selector": {"matchLabels": dict(app)},
            "template": {"metadata": {"labels": dict(app)}, "spec": {"containers": [container]}},
        },
    }


def pods_by_name(cluster, app: str) -> dict[str, Obj]:
    return {p["metadata"]["name"]: p for p in cluster.list("Pod", namespace="default", label_selector=f"app={app}")}


def pod_ips(cluster, app: str) -> dict[str, str]:
    return {name: p["status"]["podIP"] for name, p in pods_by_name(cluster, app).items()}


def test_a_service_resolves_to_its_cluster_ip(cluster):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.apply(service("nginx", app="nginx"))
    cluster.advance(30)

    status, out, err = run("dns", "nginx")

    cluster_ip = cluster.get("Service", "nginx", "default")["spec"]["clusterIP"]
    assert (status, err) == (0, "")
    assert out == f"nginx.default.svc.cluster.local.\t30\tIN\tA\t{cluster_ip}\n"


def test_a_headless_service_resolves_to_one_address_per_ready_pod(cluster):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.apply(service("nginx", app="nginx", headless=True))
    cluster.advance(30)

    status, out, _ = run("dns", "nginx.default.svc.cluster.local", "--short")

    ips = pod_ips(cluster, "nginx")
    assert status == 0
    assert len(ips) == 3
    assert sorted(out.split()) == sorted(ips.values())


def test_a_statefulset_pod_keeps_its_name_when_it_is_replaced(cluster):
    cluster.apply(service("nginx", app="web", headless=True))
    cluster.apply(stateful_set("web", service_name="nginx"))
    cluster.advance(60)
    old = pods_by_name(cluster, "web")["web-0"]
    assert run("dns", "web-0.nginx.default.svc.cluster.local", "--short") == (0, f"{old['status']['podIP']}\n", "")
    # A kubelet hands out the lowest free address of its node: elsewhere, web-0 gets another one
    run("node", "cordon", old["spec"]["nodeName"])

    cluster.delete("Pod", "web-0", "default")
    cluster.advance(60)

    new_ip = pod_ips(cluster, "web")["web-0"]
    assert new_ip != old["status"]["podIP"]  # a new pod, a new address: only its name is stable
    assert run("dns", "web-0.nginx", "--short") == (0, f"{new_ip}\n", "")


def test_a_named_port_answers_srv_from_another_namespace(cluster):
    cluster.apply(service("nginx", app="nginx"))

    status, out, _ = run("dns", "_http._tcp.nginx.default", "--type", "srv", "-n", "kube-system", "--short")

    assert (status, out) == (0, "0 100 80 nginx.default.svc.cluster.local.\n")


def test_the_api_server_is_kubernetes_dot_default_from_every_namespace(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    cluster_ip = cluster.get("Service", "kubernetes", "default")["spec"]["clusterIP"]

    _, from_default, _ = run("dns", "kubernetes.default", "--short")
    _, from_shop, _ = run("dns", "kubernetes.default", "-n", "shop", "--short")

    assert from_default == from_shop == f"{cluster_ip}\n"


def test_a_pod_ip_name_resolves_to_that_ip(cluster):
    assert run("dns", "10-244-1-7.default.pod", "--short") == (0, "10.244.1.7\n", "")


def test_an_unknown_name_is_nxdomain_with_exit_status_1(cluster):
    assert run("dns", "nope") == (1, "", "** server can't find nope: NXDOMAIN\n")


def test_a_name_without_records_of_the_type_is_no_answer(cluster):
    cluster.apply(service("nginx", app="nginx"))

    assert run("dns", "nginx", "--type", "CNAME") == (0, "", "*** Can't find nginx: No answer\n")
