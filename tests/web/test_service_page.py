"""The Service page: its type, ClusterIP and ports, and every pod of its namespace judged as the
Endpoints controller judges it (receives traffic; not ready; excluded because its labels do not
match, it has no IP yet, or it is terminating), with the named targetPort resolved per pod."""
from __future__ import annotations

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.factories import pod
from tests.web.live import HTMX, XSS_ANNOTATION, assert_escaped, frame_after

PAGE = "/clusters/default/services/default/web/"


def service(name: str = "web", *, target_port: int | str = "http", headless: bool = False) -> dict:
    spec = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": target_port}]}
    if headless:
        spec["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def web_pod(name: str, *, port_name: str = "http", labels: dict | None = None, ready: bool = True) -> dict:
    obj = pod(name, labels=labels if labels is not None else {"app": "web"}, image="busybox:1.36")
    container = obj["spec"]["containers"][0]
    container["command"] = ["sh", "-c", "sleep 3600"]
    container["ports"] = [{"name": port_name, "containerPort": 8080}]
    if not ready:
        container["readinessProbe"] = {"exec": {"command": ["false"]}, "periodSeconds": 1}
    return obj


def verdict(page: str, pod_name: str) -> str:
    return page.split(f'data-pod="{pod_name}"')[1].split("</tr>")[0]


def test_the_page_says_which_pods_receive_traffic_and_why_the_others_do_not(cluster, client):
    cluster.create(service())
    cluster.create(web_pod("ready"))
    cluster.create(web_pod("other", labels={"app": "api"}))
    cluster.create(web_pod("unready", ready=False))
    cluster.create(web_pod("unnamed", port_name="metrics"))
    cluster.settle()
    cluster.advance(30)

    page = client.get(PAGE).content.decode()

    assert 'data-state="receives"' in verdict(page, "ready") and "80 → http = 8080" in verdict(page, "ready")
    other = verdict(page, "other")
    assert 'data-state="excluded"' in other and "labels do not match: wants app=web; has app=api" in other
    unready = verdict(page, "unready")
    assert 'data-state="not-ready"' in unready and "not ready" in unready
    unnamed = verdict(page, "unnamed")
    assert 'data-state="excluded"' in unnamed and "no container port named http" in unnamed
    ip = cluster.get("Pod", "ready", "default")["status"]["podIP"]
    endpoints = page.split('aria-label="endpoints"')[1].split("</table>")[0]
    assert f"<td>{ip}</td><td>ready</td><td>http:8080/TCP</td><td>ready</td>" in endpoints


def test_a_pod_without_an_ip_and_a_terminating_pod_are_left_out(cluster, client):
    cluster.create(service(target_port=8080))
    cluster.create(web_pod("new"))
    cluster.create(web_pod("going"))
    cluster.advance(30)
    cluster.create(web_pod("waiting"))  # not scheduled yet: the clock does not move again
    cluster.delete("Pod", "going", "default")

    page = client.get(PAGE).content.decode()

    assert "no IP yet" in verdict(page, "waiting")
    assert "terminating" in verdict(page, "going")
    assert "80 → 8080" in verdict(page, "new")


def test_the_page_shows_the_cluster_ip_ports_and_dns_name(cluster, client):
    cluster.create(service())

    page = client.get(PAGE).content.decode()

    ip = cluster.get("Service", "web", "default")["spec"]["clusterIP"]
    assert f'data-field="cluster-ip">{ip}' in page and 'data-field="type">ClusterIP<' in page
    assert "<td>http</td><td>80</td><td>http</td><td>TCP</td>" in page
    assert "web.default.svc.cluster.local" in page


def test_a_headless_service_says_so(cluster, client):
    cluster.create(service(headless=True))

    assert "headless: DNS answers with each ready pod" in client.get(PAGE).content.decode()


def test_a_missing_service_is_not_found(cluster, client):
    assert client.get("/clusters/default/services/default/nope/").status_code == 404


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    cluster.create(service())

    assert client.get(PAGE, headers=HTMX).content.decode().lstrip().startswith('<section id="service-live"')


def test_hostile_labels_of_pods_are_escaped(cluster, client):
    cluster.create(service())
    obj = web_pod("odd", labels={"app": "api"})
    obj["metadata"]["annotations"] = {"note": XSS_ANNOTATION}
    cluster.create(obj)
    svc = cluster.get("Service", "web", "default")
    svc["metadata"]["annotations"] = {"note": XSS_ANNOTATION}
    cluster.update(svc)

    assert_escaped(client.get(PAGE).content.decode(), shown=False)


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_service_again_when_a_pod_arrives():
    create_demo_cluster("default")
    store.create("default", service())

    frame = frame_after("/ws" + PAGE, lambda: store.create("default", web_pod("arrived")))

    assert 'id="service-live"' in frame and 'data-pod="arrived"' in frame and "no IP yet" in frame
