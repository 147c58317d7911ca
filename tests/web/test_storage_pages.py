"""StatefulSet topology and storage in the pages: each ordinal's node, pod IP, stable DNS name and
claim → volume, a deleted ordinal coming back with the same name and claim; the
PersistentVolumeClaim and PersistentVolume pages, linked both ways, live."""
from __future__ import annotations

import re
from html import unescape

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.controllers.test_statefulset import stateful_set
from tests.web.live import HTMX, XSS_SCRIPT, assert_escaped, frame_after, section

STS = "/clusters/default/statefulsets/default/web/"
HEADLESS = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
            "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"name": "web", "port": 80}]}}


def claim_url(name: str) -> str:
    return f"/clusters/default/persistentvolumeclaims/default/{name}/"


def volume_url(name: str) -> str:
    return f"/clusters/default/persistentvolumes/{name}/"


def text(html: str) -> str:
    """What a reader sees of some HTML: its text, tags gone, entities read, spaces folded."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def ordinal(page: str, number: int) -> str:
    return page.split(f'data-ordinal="{number}"')[1].split("</tr>")[0]


def field(page: str, name: str) -> str:
    return page.split(f'data-field="{name}"')[1].split(">", 1)[1].split("</dd>")[0].split("</td>")[0]


def running_stateful_set(cluster, replicas: int = 2) -> None:
    cluster.apply(HEADLESS)
    cluster.apply(stateful_set("web", replicas=replicas))
    cluster.settle()
    cluster.advance(120)


def test_each_ordinal_shows_its_node_pod_ip_stable_dns_name_and_claim_to_volume_as_links(cluster, client):
    running_stateful_set(cluster)

    page = client.get(STS).content.decode()

    for n in (0, 1):
        pod = cluster.get("Pod", f"web-{n}", "default")
        volume = cluster.get("PersistentVolumeClaim", f"data-web-{n}", "default")["spec"]["volumeName"]
        row = ordinal(page, n)
        assert f'<a href="/clusters/default/nodes/{pod["spec"]["nodeName"]}/">{pod["spec"]["nodeName"]}</a>' in row
        assert f'<code>{pod["status"]["podIP"]}</code>' in row
        # The headless Service gives each pod a name, answered by CoreDNS with the pod's IP
        dns = field(row, "dns")
        assert f"web-{n}.web.default.svc.cluster.local → {pod['status']['podIP']}" in text(dns)
        assert f'href="/clusters/default/dns/?name=web-{n}.web.default.svc.cluster.local&amp;namespace=default&amp;type=A"' in dns
        assert f'<a href="{claim_url(f"data-web-{n}")}"><code>data-web-{n}</code></a> Bound' in row
        assert f'<a href="{volume_url(volume)}"><code>{volume}</code></a>' in row


def test_without_a_headless_service_the_stable_name_does_not_resolve_and_the_page_says_why(cluster, client):
    cluster.apply(stateful_set("web", replicas=1))
    cluster.settle()
    cluster.advance(60)

    page = client.get(STS).content.decode()

    assert "no Service web in default: the name does not resolve" in text(field(ordinal(page, 0), "dns"))
    assert "no such Service yet: create a headless one" in text(field(page, "service-name"))


def test_a_deleted_ordinal_comes_back_with_the_same_name_and_claim(cluster, client):
    running_stateful_set(cluster, replicas=1)
    before = cluster.get("Pod", "web-0", "default")
    volume = cluster.get("PersistentVolumeClaim", "data-web-0", "default")["spec"]["volumeName"]

    cluster.delete("Pod", "web-0", "default")  # graceful: Terminating for its grace period

    row = ordinal(client.get(STS).content.decode(), 0)
    assert 'class="pod terminating"' in row
    assert "being deleted: it comes back, same name and claim data-web-0" in text(row)

    cluster.delete("Pod", "web-0", "default", grace_period_seconds=0)  # gone, before the controller acts

    row = ordinal(client.get(STS).content.decode(), 0)
    assert 'class="gone"' in row.split(">")[0] + ">"
    assert "web-0: Pending, coming back" in text(row)
    assert "web-0 is gone: the StatefulSet controller creates it again, same name and claim data-web-0" in text(row)
    assert "stale: the Service's Endpoints still list the pod that is gone" in text(field(row, "dns"))  # until they catch up

    cluster.settle()
    cluster.advance(60)

    after = cluster.get("Pod", "web-0", "default")
    assert after["metadata"]["uid"] != before["metadata"]["uid"]
    row = ordinal(client.get(STS).content.decode(), 0)
    assert 'class="pod ready"' in row and "recreated, same name and claim data-web-0" in text(row)
    assert f"data-web-0 Bound → {volume} 1Gi" in text(row)  # the same volume, data and all


def test_the_claim_page_shows_what_it_asks_for_what_it_got_and_who_mounts_it(cluster, client):
    running_stateful_set(cluster, replicas=1)
    claim = cluster.get("PersistentVolumeClaim", "data-web-0", "default")
    volume = claim["spec"]["volumeName"]
    node = cluster.get("Pod", "web-0", "default")["spec"]["nodeName"]

    page = client.get(claim_url("data-web-0")).content.decode()

    assert "Bound bound: the claim and the volume name each other" in text(field(page, "phase"))
    assert text(field(page, "capacity")) == "1Gi" and text(field(page, "requested")) == "1Gi"
    assert "ReadWriteOnce RWO: read-write by the pods of one node" in text(field(page, "access-modes"))
    assert "standard (the cluster's default: a claim that names no class is given it)" in text(field(page, "storage-class"))
    assert f'<a href="{volume_url(volume)}">{volume}</a>' in field(page, "volume")
    mounts = section(page, "mounted by")
    assert '<a href="/clusters/default/pods/default/web-0/">web-0</a>' in mounts
    assert f'<a href="/clusters/default/nodes/{node}/">{node}</a>' in mounts
    assert "nginx: <code>/usr/share/nginx/html</code>" in mounts


def test_the_volume_page_links_back_to_its_claim_and_says_where_the_data_lives(cluster, client):
    running_stateful_set(cluster, replicas=1)
    volume = cluster.get("PersistentVolumeClaim", "data-web-0", "default")["spec"]["volumeName"]
    pv = cluster.get("PersistentVolume", volume)
    node = cluster.get("Pod", "web-0", "default")["spec"]["nodeName"]

    page = client.get(volume_url(volume)).content.decode()

    assert f'<a href="{claim_url("data-web-0")}">default/data-web-0</a>' in field(page, "claim-ref")
    assert "bound both ways" in field(page, "claim-ref")
    assert "Delete: when the claim is deleted the volume and its data are deleted too" in text(field(page, "reclaim-policy"))
    source = next(k for k in ("hostPath", "local") if k in pv["spec"])
    assert f"{source} <code>{pv['spec'][source]['path']}</code>" in field(page, "source")
    assert f'<a href="/clusters/default/nodes/{node}/">{node}</a>' in field(page, "nodes")
    assert '<a href="/clusters/default/pods/default/web-0/">web-0</a>' in section(page, "mounted by")


def test_a_claim_waiting_for_its_first_consumer_says_so(cluster, client):
    cluster.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "scratch"},
                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}})
    cluster.settle()

    page = client.get(claim_url("scratch")).content.decode()

    assert "Pending WaitForFirstConsumer: bound once a pod that uses it is scheduled" in text(field(page, "phase"))
    assert text(field(page, "volume")) == "none yet"
    assert "no pod mounts it" in section(page, "mounted by")


def test_a_retained_volume_whose_claim_is_deleted_is_released_and_names_the_claim_without_a_link(cluster, client):
    cluster.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "disk-1"},
                   "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                            "persistentVolumeReclaimPolicy": "Retain", "hostPath": {"path": "/mnt/disk-1"}}})
    cluster.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "keep"},
                   "spec": {"storageClassName": "", "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    cluster.settle()
    assert f'<a href="{volume_url("disk-1")}">disk-1</a>' in client.get(claim_url("keep")).content.decode()

    cluster.delete("PersistentVolumeClaim", "keep", "default")
    cluster.settle()

    page = client.get(volume_url("disk-1")).content.decode()
    assert text(field(page, "phase")).startswith("Released its claim was deleted")
    assert "default/keep the claim no longer exists" in text(field(page, "claim-ref"))
    assert claim_url("keep") not in page
    assert "any node (no nodeAffinity)" in text(field(page, "nodes"))


def test_every_link_to_a_claim_or_a_volume_goes_to_its_page(cluster, client):
    running_stateful_set(cluster, replicas=1)
    volume = cluster.get("PersistentVolumeClaim", "data-web-0", "default")["spec"]["volumeName"]

    page = client.get("/clusters/default/objects/").content.decode()

    assert f'<a href="{claim_url("data-web-0")}">data-web-0</a>' in page
    assert f'<a href="{volume_url(volume)}">{volume}</a>' in page


def test_missing_claims_and_volumes_are_not_found_and_htmx_gets_the_live_part(cluster, client):
    assert client.get(claim_url("nope")).status_code == 404
    assert client.get(volume_url("nope")).status_code == 404
    cluster.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "scratch"},
                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})

    live = client.get(claim_url("scratch"), headers=HTMX).content.decode()

    assert live.lstrip().startswith('<section id="persistentvolumeclaim-live"')


@pytest.mark.django_db(transaction=True)
def test_the_claim_page_is_pushed_again_when_a_pod_mounts_the_claim():
    create_demo_cluster("default")
    store.create("default", {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"},
                             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db", "namespace": "default"},
           "spec": {"containers": [{"name": "db", "image": "postgres:16", "volumeMounts": [{"name": "data", "mountPath": "/var/lib/postgresql"}]}],
                    "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}}

    frame = frame_after("/ws" + claim_url("data"), lambda: store.create("default", pod))

    assert 'id="persistentvolumeclaim-live"' in frame and "db: <code>/var/lib/postgresql</code>" in frame


def test_what_a_pod_writes_about_its_mount_is_escaped_on_the_claim_page(cluster, client):
    cluster.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                   "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "db"},
                   "spec": {"containers": [{"name": "db", "image": "postgres:16", "volumeMounts": [{"name": "data", "mountPath": f"/data/{XSS_SCRIPT}"}]}],
                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]}})

    assert_escaped(client.get(claim_url("data")).content.decode())
