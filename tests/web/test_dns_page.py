"""The DNS page: a name resolved as a pod's resolver and CoreDNS resolve it (the search list
tried in order, then the answer records), and the names a namespace's Services and pods have."""
from __future__ import annotations

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.controllers.test_statefulset import stateful_set
from tests.web.live import HTMX, frame_after

PAGE = "/clusters/default/dns/"


def headless(name: str = "web") -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"clusterIP": "None", "selector": {"app": name}, "ports": [{"name": "web", "port": 80}]}}


def test_a_short_name_is_tried_with_each_search_domain_until_one_answers(cluster, client):
    page = client.get(PAGE, {"name": "kubernetes", "namespace": "default"}).content.decode()

    path = page.split('aria-label="search path"')[1].split("</table>")[0]
    assert "<code>kubernetes.default.svc.cluster.local.</code></td><td>1 record" in path
    assert path.count("not asked: answered above") == 3
    assert "kubernetes.default.svc.cluster.local.\t30\tIN\tA\t10.96.0.1" in page
    assert 'data-field="rcode">NOERROR<' in page


def test_from_another_namespace_the_short_name_is_not_found(cluster, client):
    page = client.get(PAGE, {"name": "kubernetes", "namespace": "kube-system"}).content.decode()

    path = page.split('aria-label="search path"')[1].split("</table>")[0]
    assert "kubernetes.kube-system.svc.cluster.local.</code></td><td>NXDOMAIN" in path
    assert 'data-field="rcode">NXDOMAIN<' in page and "server can't find kubernetes: NXDOMAIN" in page


def test_a_stateful_set_pod_has_a_stable_name_behind_its_headless_service(cluster, client):
    cluster.apply(headless())
    cluster.apply(stateful_set("web", replicas=2, claims=False))
    cluster.settle()
    cluster.advance(60)
    ip = cluster.get("Pod", "web-0", "default")["status"]["podIP"]

    page = client.get(PAGE, {"name": "web-0.web"}).content.decode()

    assert f"web-0.web.default.svc.cluster.local.\t30\tIN\tA\t{ip}" in page
    names = page.split('aria-label="names"')[1].split("</table>")[0]
    assert f"<code>web-0.web.default.svc.cluster.local.</code></td><td>A</td><td><code>{ip}</code>" in names
    assert "_web._tcp.web.default.svc.cluster.local." in names and "<td>SRV</td>" in names
    assert '<a href="/clusters/default/services/default/web/">service/web</a>' in names


def test_an_srv_lookup_names_the_port(cluster, client):
    page = client.get(PAGE, {"name": "_https._tcp.kubernetes", "type": "SRV"}).content.decode()

    assert "SRV\t0 100 443 kubernetes.default.svc.cluster.local." in page


def test_without_a_name_the_page_lists_the_namespace_names(cluster, client):
    page = client.get(PAGE).content.decode()

    assert 'aria-label="search path"' not in page
    assert "<code>kubernetes.default.svc.cluster.local.</code></td><td>A</td><td><code>10.96.0.1</code>" in page


def test_a_hostile_name_is_escaped(cluster, client):
    page = client.get(PAGE, {"name": "<script>alert(1)</script>"}).content.decode()

    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    assert client.get(PAGE, {"name": "kubernetes"}, headers=HTMX).content.decode().lstrip().startswith('<section id="dns-live"')


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_answer_again_when_the_service_appears():
    create_demo_cluster("default")
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api"}, "spec": {"selector": {"app": "api"}, "ports": [{"port": 80}]}}

    frame = frame_after(f"/ws{PAGE}?name=api&namespace=default&type=A", lambda: store.create("default", service))

    ip = store.get("default", "Service", "api", "default")["spec"]["clusterIP"]
    assert 'id="dns-live"' in frame and f"api.default.svc.cluster.local.\t30\tIN\tA\t{ip}" in frame
