"""The StatefulSet page (pods by ordinal with their revision, the claims of each ordinal and the
volumes they are bound to, the revisions, partition and status counters) and the DaemonSet page
(one row per node: eligible or why not, and its pod there)."""
from __future__ import annotations

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


def node_row(page: str, node: str) -> str:
    return page.split(f'data-node="{node}"')[1].split("</tr>")[0]


def test_the_stateful_set_page_shows_each_ordinal_with_its_pod_and_claim(cluster, client):
    cluster.apply(stateful_set("web", replicas=2))
    cluster.settle()
    cluster.advance(120)

    page = client.get(STS).content.decode()

    for number in (0, 1):
        row = ordinal(page, number)
        assert f'href="/clusters/default/pods/default/web-{number}/"' in row and 'class="pod ready"' in row
        claim = cluster.get("PersistentVolumeClaim", f"data-web-{number}", "default")
        assert f"<code>data-web-{number}</code> Bound → <code>{claim['spec']['volumeName']}</code>" in row
    status = cluster.get("StatefulSet", "web", "default")["status"]
    assert f'data-field="update-revision">{status["updateRevision"]}<' in page
    assert 'data-counter="readyReplicas">2<' in page
    assert '<span class="badge">updated</span>' in ordinal(page, 0)


def test_an_ordinal_not_created_yet_says_so(cluster, client):
    cluster.apply(stateful_set("web", replicas=3))
    cluster.settle()  # OrderedReady: web-1 waits for web-0 to be Running and Ready

    page = client.get(STS).content.decode()

    assert "web-2: not created yet" in ordinal(page, 2)
    assert "data-web-2</code> not created yet" in ordinal(page, 2)


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
