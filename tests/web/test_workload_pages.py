"""The StatefulSet page (pods by ordinal with their revision, the claims of each ordinal and the
volumes they are bound to, the revisions, partition and status counters) and the DaemonSet page
(one row per node: eligible or why not, and its pod there)."""
from __future__ import annotations

import re

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.controllers.test_daemonset import daemon_set
from tests.controllers.test_statefulset import stateful_set
from tests.web.live import HTMX, XSS_ANNOTATION, assert_escaped, frame_after

STS = "/clusters/default/statefulsets/default/web/"
DS = "/clusters/default/daemonsets/default/fluentd/"


def ordinal(page: str, number: int) -> str:
    return page.split(f'data-ordinal="{number}"')[1].split("</tr>")[0]


def retained(page: str, number: int) -> str:
    """The row of an ordinal outside the replicas that has no pod left, only its claims."""
    return page.split(f'data-retained-ordinal="{number}"')[1].split("</tr>")[0]


def text(html: str) -> str:
    """What a reader sees of some HTML: its text, tags gone, spaces folded."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def node_row(page: str, node: str) -> str:
    return page.split(f'data-node="{node}"')[1].split("</tr>")[0]


def claim_with(name: str, **metadata: object) -> dict:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, **metadata},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def test_the_stateful_set_page_shows_each_ordinal_with_its_pod_and_claim(cluster, client):
    cluster.apply(stateful_set("web", replicas=2))
    cluster.settle()
    cluster.advance(120)

    page = client.get(STS).content.decode()

    for number in (0, 1):
        row = ordinal(page, number)
        assert f'href="/clusters/default/pods/default/web-{number}/"' in row and 'class="pod ready"' in row
        claim = cluster.get("PersistentVolumeClaim", f"data-web-{number}", "default")
        assert f"data-web-{number} Bound → {claim['spec']['volumeName']} 1Gi" in text(row)
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert f'data-field="update-revision">{status["updateRevision"]}<' in page
    assert 'data-counter="readyReplicas">2<' in page
    assert '<span class="badge">updated</span>' in ordinal(page, 0)


def test_an_ordinal_not_created_yet_says_so(cluster, client):
    cluster.apply(stateful_set("web", replicas=3))
    cluster.settle()  # OrderedReady: web-1 waits for web-0 to be Running and Ready

    page = client.get(STS).content.decode()

    assert "web-2: not created yet" in ordinal(page, 2)
    assert "data-web-2 not created yet" in text(ordinal(page, 2))


def test_a_partitioned_rolling_update_keeps_the_ordinals_below_the_partition(cluster, client):
    cluster.apply(stateful_set("web", replicas=3, strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    cluster.settle()
    cluster.advance(120)
    obj = cluster.get("StatefulSet", "web", "default")
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.28"
    cluster.update(obj)
    cluster.settle()
    cluster.advance(120)

    page = client.get(STS).content.decode()

    assert 'data-field="partition">2 (ordinals below 2 keep the current revision)' in page
    assert "updated" in ordinal(page, 2) and "updated" not in ordinal(page, 0)
    revisions = page.split('class="revision-list"')[1].split("</ul>")[0]
    assert revisions.count("<li>") == 2


def test_a_scale_down_keeps_the_claims_of_the_ordinals_scaled_away_on_the_page(cluster, client):
    cluster.apply(stateful_set("web", replicas=3))  # whenScaled: Retain, the default
    cluster.advance(60)
    volumes = {n: cluster.get("PersistentVolumeClaim", f"data-web-{n}", "default")["spec"]["volumeName"] for n in range(3)}

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})
    cluster.advance(60)

    assert [p["metadata"]["name"] for p in cluster.list("Pod", namespace="default")] == ["web-0"]
    page = client.get(STS).content.decode()
    assert 'data-ordinal="1"' not in page and 'data-ordinal="2"' not in page  # no pod: no ordinal row
    for n in (1, 2):
        row = retained(page, n)
        assert f'<span class="why">web-{n}: no pod (scaled down)</span>' in row
        assert f"data-web-{n} Bound → {volumes[n]} 1Gi" in text(row)
        assert f"kept (whenScaled: Retain): web-{n} gets it back on scale-up" in row
    assert page.index('data-ordinal="0"') < page.index('data-retained-ordinal="1"') < page.index('data-retained-ordinal="2"')
    assert 'data-retained-ordinal="0"' not in page and page.count('class="claim"') == 3


def test_scaling_back_up_gives_the_retained_claims_back_to_their_ordinals(cluster, client):
    cluster.apply(stateful_set("web", replicas=3))
    cluster.advance(60)
    volumes = {n: cluster.get("PersistentVolumeClaim", f"data-web-{n}", "default")["spec"]["volumeName"] for n in range(3)}
    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})
    cluster.advance(60)

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 3}})

    # Before the controller acts: ordinals 1 and 2 are in range again, their pods (created once
    # before) coming back, each claim shown once, on its ordinal's row
    page = client.get(STS).content.decode()
    assert "data-retained-ordinal" not in page
    for n in (1, 2):
        assert f"web-{n}: Pending, coming back" in ordinal(page, n)
        assert f"web-{n} is gone: the StatefulSet controller creates it again, same name and claim data-web-{n}" in ordinal(page, n)
        assert f"data-web-{n} Bound → {volumes[n]}" in text(ordinal(page, n))
        assert page.count(f'data-claim="data-web-{n}"') == 1

    cluster.advance(60)

    page = client.get(STS).content.decode()
    assert "data-retained-ordinal" not in page and "kept (whenScaled" not in page
    for n in range(3):
        row = ordinal(page, n)
        assert f'href="/clusters/default/pods/default/web-{n}/"' in row and 'class="pod ready"' in row
        assert f"data-web-{n} Bound → {volumes[n]}" in text(row)
        assert page.count(f'data-claim="data-web-{n}"') == 1


def test_with_when_scaled_delete_the_claims_leave_the_page_once_deleted(cluster, client):
    cluster.apply(stateful_set("web", replicas=3, retention={"whenDeleted": "Retain", "whenScaled": "Delete"}))
    cluster.advance(60)
    held = cluster.get("PersistentVolumeClaim", "data-web-2", "default")
    held["metadata"]["finalizers"] = [*(held["metadata"].get("finalizers") or []), "example.com/hold"]
    cluster.update(held)

    cluster.patch("StatefulSet", "web", "default", {"spec": {"replicas": 1}})
    cluster.advance(60)

    # data-web-1 went with its pod; data-web-2 waits for its finalizer, and the page says so
    assert sorted(c["metadata"]["name"] for c in cluster.list("PersistentVolumeClaim", namespace="default")) == ["data-web-0", "data-web-2"]
    page = client.get(STS).content.decode()
    assert 'data-claim="data-web-1"' not in page and 'data-retained-ordinal="1"' not in page
    row = retained(page, 2)
    assert "web-2: no pod (scaled down)" in row
    assert "being deleted (waiting for finalizers: example.com/hold)" in row and "gets it back" not in row

    held = cluster.get("PersistentVolumeClaim", "data-web-2", "default")
    held["metadata"]["finalizers"] = [f for f in held["metadata"]["finalizers"] if f != "example.com/hold"]
    cluster.update(held)
    cluster.advance(60)

    page = client.get(STS).content.decode()
    assert "data-retained-ordinal" not in page and 'data-claim="data-web-2"' not in page
    assert page.count('class="claim"') == 1


def test_only_claims_named_for_an_ordinal_of_the_set_outside_its_range_are_listed(cluster, client):
    cluster.apply(stateful_set("web", replicas=1, start=5))  # ordinal 5 only; no controller runs here
    for name in ("data-web-5", "data-web-10", "data-web-9", "data-web-2",
                 "data-web-09", "data-web-x", "logs-web-3", "data-webby-3", "data-web-3-0"):
        cluster.apply(claim_with(name))
    cluster.apply(claim_with("data-web-7", ownerReferences=[
        {"apiVersion": "v1", "kind": "Pod", "name": "web-7", "uid": "0c0ffee0-0000-4000-8000-000000000007"}]))

    page = client.get(STS).content.decode()

    assert "data-web-5 Pending" in text(ordinal(page, 5)) and page.count('data-claim="data-web-5"') == 1
    rows = page.split("data-retained-ordinal=")[1:]
    assert [r.split('"')[1] for r in rows] == ["2", "7", "9", "10"]  # by ordinal, as integers
    assert "web-2: no pod (below ordinals.start 5)" in retained(page, 2)
    assert "kept (whenScaled: Retain): web-2 gets it back if ordinals.start comes down to 2" in retained(page, 2)
    assert "owned by pod web-7 (as whenScaled: Delete makes it): the garbage collector deletes it with the pod" in retained(page, 7)
    assert "web-10: no pod (scaled down)" in retained(page, 10)
    for other in ("data-web-09", "data-web-x", "logs-web-3", "data-webby-3", "data-web-3-0"):
        assert f'data-claim="{other}"' not in page


def test_a_missing_stateful_set_is_not_found(cluster, client):
    assert client.get("/clusters/default/statefulsets/default/nope/").status_code == 404


def test_the_daemon_set_page_says_which_nodes_run_its_pod_and_why_not(cluster, client):
    cluster.apply(daemon_set("fluentd"))
    cluster.settle()
    cluster.advance(60)

    page = client.get(DS).content.decode()

    control = node_row(page, "playground-control-plane")
    assert 'data-eligible="false"' in control
    assert "untolerated taint node-role.kubernetes.io/control-plane:NoSchedule" in control
    for worker in ("playground-worker", "playground-worker2"):
        row = node_row(page, worker)
        assert 'data-eligible="true"' in row and 'class="pod ready"' in row
    assert 'data-counter="desiredNumberScheduled">2<' in page


def test_a_node_selector_that_does_not_match_is_the_reason(cluster, client):
    cluster.apply(daemon_set("fluentd", node_selector={"disk": "ssd"}))

    page = client.get(DS).content.decode()

    assert "nodeSelector does not match: the node lacks disk=ssd" in node_row(page, "playground-worker")


def test_hostile_annotations_on_workloads_are_escaped(cluster, client):
    obj = daemon_set("fluentd")
    obj["metadata"]["annotations"] = {"note": XSS_ANNOTATION}
    obj["spec"]["template"]["spec"]["nodeSelector"] = {"note": "x"}
    cluster.apply(obj)

    assert_escaped(client.get(DS).content.decode(), shown=False)


def test_an_htmx_get_renders_only_the_live_part(cluster, client):
    cluster.apply(daemon_set("fluentd"))

    assert client.get(DS, headers=HTMX).content.decode().lstrip().startswith('<section id="daemonset-live"')


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_stateful_set_again_when_it_is_scaled():
    create_demo_cluster("default")
    store.create("default", stateful_set("web", replicas=1))

    frame = frame_after("/ws" + STS, lambda: store.patch("default", "StatefulSet", "web", "default", {"spec": {"replicas": 2}}, patch_type="merge"))

    assert 'id="statefulset-live"' in frame and 'data-ordinal="1"' in frame
