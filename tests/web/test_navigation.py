"""Finding your way: the list of clusters, a header that stays in the page's cluster, the
sidebar of kinds (each leading to its objects), the page of a deleted object (when it went and
what replaced it), Events about deleted objects, and the note each page opens with."""
from __future__ import annotations

import re

import pytest

from playground.store import api as store
from playground.store import clock, clusters
from playground.store.demo import create_demo_cluster
from playground.web import navigation, urls
from playground.web.intros import INTROS, PLACEHOLDER, intro_for
from playground.web.views import EVENT_LIMIT, OBJECTS_PAGE
from tests.controllers.test_daemonset import daemon_set
from tests.controllers.test_statefulset import stateful_set
from tests.factories import config_map, deployment, pod
from tests.web.live import HTMX, XSS_SCRIPT, frame_after, section


def header(page: str) -> str:
    return page.split("<header>", 1)[1].split("</header>", 1)[0]


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


def sidebar(page: str) -> str:
    return page.split('<aside class="kinds"', 1)[1].split("</aside>", 1)[0]


def pods_of(cluster, owner_kind: str, name: str) -> list[str]:
    owner = cluster.get(owner_kind, name, "default")
    return sorted(p["metadata"]["name"] for p in cluster.list("Pod", namespace="default")
                  if any(r["uid"] == owner["metadata"]["uid"] for r in p["metadata"].get("ownerReferences") or []))


# --- the list of clusters, and the header ----------------------------------------------------------


def test_the_list_of_clusters_shows_each_with_its_nodes_pods_and_age(cluster, client, make_cluster):
    make_cluster("team-a")
    cluster.apply(deployment("nginx", replicas=2))
    cluster.settle()
    cluster.advance(150)

    page = client.get("/clusters/").content.decode()

    rows = section(page, "clusters").split("<tbody>")[1].split("</tr>")[:-1]
    assert len(rows) == 2
    default, team_a = rows
    assert '<a href="/clusters/default/">default</a>' in default
    assert "<td>3</td><td>2</td><td>2m3" in default  # 3 nodes, the 2 nginx pods, its own clock's age (2m30s and what passed before the test paused it)
    assert '<a href="/clusters/team-a/">team-a</a>' in team_a and "<td>3</td><td>0</td>" in team_a


def test_the_home_page_opens_the_list_of_clusters_when_there_is_no_default_one(cluster, client, make_cluster):
    make_cluster("team-a")
    clusters.delete("default")

    response = client.get("/")

    assert response.status_code == 302 and response["Location"] == "/clusters/"


def test_every_link_in_the_header_stays_in_the_pages_cluster(cluster, client, make_cluster):
    team_a = make_cluster("team-a")
    team_a.apply(deployment("nginx"))
    team_a.settle()
    rs = team_a.list("ReplicaSet", namespace="default")[0]["metadata"]["name"]
    pages = ["/clusters/team-a/", "/clusters/team-a/objects/", "/clusters/team-a/events/",
             "/clusters/team-a/deployments/default/nginx/", f"/clusters/team-a/replicasets/default/{rs}/",
             "/clusters/team-a/nodes/playground-worker/", "/clusters/team-a/images/", "/clusters/team-a/new/",
             "/clusters/team-a/deployments/default/gone/"]  # a missing object's page too

    for path in pages:
        links = hrefs(header(client.get(path).content.decode()))
        assert links[0] == "/clusters/team-a/", path  # the logo
        assert all(link.startswith("/clusters/team-a/") or link in ("/clusters/", "/lessons/") for link in links), (path, links)
        assert "/clusters/team-a/new/" in links and "/clusters/team-a/images/" in links


def test_a_page_of_a_cluster_that_does_not_exist_leads_to_the_list_of_clusters(cluster, client):
    page = client.get("/clusters/nope/").content.decode()

    assert hrefs(header(page))[0] == "/clusters/"
    assert 'class="kinds"' not in page


# --- the sidebar of kinds -----------------------------------------------------------------------


def test_the_sidebar_groups_the_kinds_and_counts_the_clusters_objects(cluster, client):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.settle()

    page = client.get("/clusters/default/").content.decode()

    kinds = sidebar(page)
    groups = re.findall(r"<h2>([^<]*)</h2>", kinds)
    assert groups == ["Workloads", "Service &amp; networking", "Config &amp; storage", "Cluster"]
    assert '<a href="/clusters/default/objects/?kind=deployments">Deployments <span class="count" aria-label="1 Deployments">1</span>' in kinds
    assert 'aria-label="3 Pods">3<' in kinds and 'aria-label="3 Nodes">3<' in kinds
    assert '<a href="/clusters/default/objects/?kind=storageclasses">StorageClasses ' in kinds
    events = len(cluster.list("Event", namespace=None))
    assert f'<a href="/clusters/default/events/">Events <span class="count" aria-label="{events} Events">{events}</span>' in kinds


def test_a_kind_in_the_sidebar_leads_to_its_objects_alone(cluster, client):
    cluster.apply(deployment("nginx"))
    cluster.create(config_map("settings"))

    page = client.get("/clusters/default/objects/?kind=deployments").content.decode()

    assert "<h1>Cluster <code>default</code>: Deployments</h1>" in page
    assert 'id="deployments"' in page and 'id="configmaps"' not in page and 'id="pods"' not in page
    assert 'href="/clusters/default/objects/?kind=deployments" aria-current="page"' in sidebar(page)
    assert '<input type="hidden" name="kind" value="deployments">' in page  # the namespace filter keeps it
    one = client.get("/clusters/default/deployments/default/nginx/").content.decode()
    assert 'href="/clusters/default/objects/?kind=deployments" aria-current="true"' in sidebar(one)  # its kind


def test_a_kind_with_nothing_in_it_says_what_kubectl_says(cluster, client):
    page = client.get("/clusters/default/objects/?kind=jobs&namespace=kube-system").content.decode()

    assert "No Jobs in namespace kube-system" in page and "No resources found" in page


def test_an_unknown_kind_is_not_found_as_kubectl_words_it(cluster, client):
    response = client.get("/clusters/default/objects/?kind=widgets")

    assert response.status_code == 404
    assert "the server doesn&#x27;t have a resource type &quot;widgets&quot;" in response.content.decode()


def test_the_pages_of_one_kind_page_on_in_that_kind(cluster, client):
    with store.batch("default") as batch:
        for number in range(OBJECTS_PAGE + 1):
            batch.create(config_map(f"cm-{number:04}"))

    first = client.get("/clusters/default/objects/?kind=configmaps").content.decode()
    following = re.search(r'<a rel="next" href="([^"]*)"', first).group(1).replace("&amp;", "&")
    second = client.get("/clusters/default/objects/" + following).content.decode()

    assert "kind=configmaps" in following
    assert ">cm-0499<" in first and ">cm-0500<" not in first
    assert ">cm-0500<" in second and 'id="secrets"' not in second and 'id="serviceaccounts"' not in second


def test_a_page_embedded_beside_a_lesson_has_no_sidebar_and_no_note(cluster, client):
    page = client.get("/clusters/default/?embed=1").content.decode()

    assert 'class="kinds"' not in page and 'class="intro"' not in page
    assert 'aria-label="node playground-worker"' in page


def test_the_sidebar_is_not_in_the_live_part_the_socket_redraws(cluster, client):
    live = client.get("/clusters/default/", headers=HTMX).content.decode()

    assert 'class="kinds"' not in live and 'class="intro"' not in live


# --- the page of a deleted object -----------------------------------------------------------------


def test_a_deleted_deployments_page_says_when_it_was_deleted(cluster, client):
    cluster.apply(deployment("nginx"))
    cluster.advance(60)
    cluster.delete("Deployment", "nginx", "default")
    at = cluster.now().strftime("%H:%M:%S")
    cluster.advance(30)

    response = client.get("/clusters/default/deployments/default/nginx/")

    page = response.content.decode()
    assert response.status_code == 404
    assert "deployment nginx was deleted at <time" in page and f">{at}</time>" in page
    assert "30s ago in the cluster's time, in namespace default." in page
    assert "Nothing owned it, so nothing replaces it" in page
    assert '<a href="/clusters/default/objects/?kind=deployments&amp;namespace=default">' in page


def test_a_deleted_pod_of_a_replica_set_points_to_the_pods_it_has_now(cluster, client):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.settle()
    rs = cluster.list("ReplicaSet", namespace="default")[0]["metadata"]["name"]
    victim = pods_of(cluster, "ReplicaSet", rs)[0]
    cluster.delete("Pod", victim, "default", grace_period_seconds=0)
    cluster.settle()  # the ReplicaSet makes a new one

    page = client.get(f"/clusters/default/pods/default/{victim}/").content.decode()

    now = pods_of(cluster, "ReplicaSet", rs)
    assert victim not in now and len(now) == 2
    assert f"pod {victim} was deleted at" in page
    assert f'Owned by ReplicaSet <a href="/clusters/default/replicasets/default/{rs}/">{rs}</a>, owned by Deployment' in page
    assert f"ReplicaSet {rs} has these Pods now" in page
    replaced = section(page, "deleted object").split('class="replaced">')[1]
    assert all(f'<a href="/clusters/default/pods/default/{name}/">{name}</a>' in replaced for name in now)
    assert "new random name" in page


def test_a_pod_whose_replica_set_went_too_points_to_the_deployments_pods_now(cluster, client):
    cluster.apply(deployment("nginx", replicas=1))
    cluster.settle()
    old_rs = cluster.list("ReplicaSet", namespace="default")[0]["metadata"]["name"]
    [old_pod] = pods_of(cluster, "ReplicaSet", old_rs)
    cluster.patch("Deployment", "nginx", "default", {"spec": {"revisionHistoryLimit": 0, "template": {"spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    cluster.settle()
    cluster.advance(120)  # the rollout ends and the old ReplicaSet, beyond the history kept, is deleted

    page = client.get(f"/clusters/default/pods/default/{old_pod}/").content.decode()

    new_rs = [r["metadata"]["name"] for r in cluster.list("ReplicaSet", namespace="default")]
    assert old_rs not in new_rs
    assert f"Owned by ReplicaSet {old_rs} (deleted at" in page and 'Deployment <a href="/clusters/default/deployments/default/nginx/">nginx</a>' in page
    assert "Deployment nginx has these Pods now" in page
    assert pods_of(cluster, "ReplicaSet", new_rs[0])[0] in section(page, "deleted object").split('class="replaced">')[1]


def test_a_deleted_stateful_set_pod_comes_back_under_its_own_name(cluster, client):
    cluster.apply(stateful_set("web", replicas=2))
    cluster.settle()
    cluster.advance(120)
    cluster.delete("Pod", "web-1", "default", grace_period_seconds=0)

    gone = client.get("/clusters/default/pods/default/web-1/")

    assert gone.status_code == 404
    page = gone.content.decode()
    assert "pod web-1 was deleted at" in page and "creates the pod again with the same name, web-1" in page
    assert 'class="replaced"' not in page  # web-0 did not replace it
    cluster.settle()
    assert client.get("/clusters/default/pods/default/web-1/").status_code == 200  # and back it is


@pytest.mark.django_db(transaction=True)
def test_an_open_page_says_when_its_object_was_deleted_under_it():
    create_demo_cluster("default")
    clock.set_mode("default", "paused")
    store.create("default", config_map("settings"))
    at = clock.now("default").strftime("%H:%M:%S")

    frame = frame_after("/ws/clusters/default/configmaps/default/settings/",
                        lambda: store.delete("default", "ConfigMap", "settings", "default"))

    assert f"configmaps &quot;settings&quot; not found (deleted at {at}): reload the page to see what replaced it." in frame


def test_a_deleted_daemon_set_pod_points_to_the_new_one_on_its_node(cluster, client):
    cluster.apply(daemon_set("fluentd"))
    cluster.settle()
    [victim] = [p for p in cluster.list("Pod", namespace="default") if p["spec"].get("nodeName") == "playground-worker"]
    cluster.delete("Pod", victim["metadata"]["name"], "default", grace_period_seconds=0)
    cluster.settle()

    page = client.get(f"/clusters/default/pods/default/{victim['metadata']['name']}/").content.decode()

    [new] = [p["metadata"]["name"] for p in cluster.list("Pod", namespace="default") if p["spec"].get("nodeName") == "playground-worker"]
    replaced = section(page, "deleted object").split('class="replaced">')[1]
    assert "a new one, with a new name, on playground-worker" in page
    assert re.findall(r'<a href="[^"]*">([^<]*)</a>', replaced) == [new]  # not the pods on the other nodes


def test_a_page_the_change_log_knows_nothing_of_is_a_plain_not_found(cluster, client):
    response = client.get("/clusters/default/deployments/default/never-was/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Not found</h1>" in page and "was deleted" not in page


def test_a_deleted_objects_page_escapes_what_it_shows(cluster, client):
    obj = config_map("settings")
    obj["metadata"]["annotations"] = {"note": XSS_SCRIPT}
    cluster.create(obj)
    cluster.delete("ConfigMap", "settings", "default")

    page = client.get("/clusters/default/configmaps/default/settings/").content.decode()

    assert "configmap settings was deleted" in page and XSS_SCRIPT not in page


# --- Events about deleted objects ----------------------------------------------------------------


def test_events_about_a_deleted_object_do_not_link_to_its_page(cluster, client):
    cluster.create(pod("web"))
    cluster.create(pod("kept"))
    cluster.advance(30)
    cluster.delete("Pod", "web", "default", grace_period_seconds=0)

    page = client.get("/clusters/default/events/").content.decode()

    timeline = section(page, "timeline")
    assert "/clusters/default/pods/default/web/" not in timeline
    assert 'pod/web <span class="deleted" title="this object was deleted">deleted</span>' in timeline
    assert '<a href="/clusters/default/pods/default/kept/">pod/kept</a>' in timeline


# --- the note each page opens with ------------------------------------------------------------------


def test_each_page_opens_with_what_it_shows_and_one_thing_to_try(cluster, client):
    cluster.apply(deployment("nginx"))
    cluster.settle()

    page = client.get("/clusters/default/deployments/default/nginx/").content.decode()

    intro = page.split('<details class="intro" open data-intro="deployment"', 1)[1].split("</details>")[0]
    assert "A Deployment declares the pods you want" in intro
    assert "<strong>Try:</strong>" in intro
    assert "kubectl rollout restart deployment/nginx\n" in intro  # the page's own name, no -n for default
    assert "data-dismiss-intro" in intro
    assert '<script src="/static/navigation.js">' in page


def test_a_command_names_the_namespace_outside_default(cluster, client):
    cluster.apply(deployment("nginx", namespace="kube-system"))

    page = client.get("/clusters/default/deployments/kube-system/nginx/").content.decode()

    assert "kubectl rollout restart deployment/nginx -n kube-system" in page


def test_the_pages_a_learner_opens_each_have_a_note(cluster, client):
    cluster.apply(deployment("nginx"))
    cluster.settle()
    rs = cluster.list("ReplicaSet", namespace="default")[0]["metadata"]["name"]
    pages = {"cluster": "/clusters/default/", "objects": "/clusters/default/objects/", "clusters": "/clusters/",
             "replicaset": f"/clusters/default/replicasets/default/{rs}/", "node": "/clusters/default/nodes/playground-worker/",
             "namespace": "/clusters/default/namespaces/default/", "events": "/clusters/default/events/",
             "dns": "/clusters/default/dns/", "new": "/clusters/default/new/", "images": "/clusters/default/images/",
             "service": "/clusters/default/services/default/kubernetes/"}

    for name, path in pages.items():
        page = client.get(path).content.decode()
        assert f'data-intro="{name}"' in page, path
        assert INTROS[name].what.split("{")[0][:40] in page, path


# A URL that answers a POST, a file or a redirect, not a page to read
NOT_PAGES = {"home", "clock", "kubeconfig", "deployment-action", "pod-action", "node-action", "join-node", "secret-reveal", "editor",
             "download", "download-cluster-scoped", "image-upload", "lesson-start", "lesson-reset", "lesson-hint",
             "workshop-action", *navigation.OWN_LAYOUT}


def test_every_page_has_a_note_with_all_its_names_filled_in():
    for pattern in urls.urlpatterns:
        if pattern.name in NOT_PAGES:
            continue
        arguments = {name: f"the-{name}" for name in pattern.pattern.converters}

        intro = intro_for(pattern.name, arguments)

        assert intro is not None, f"the page {pattern.name} opens with no note (playground/web/intros.py)"
        for text in (intro["what"], intro["try"], intro["command"]):
            assert not PLACEHOLDER.search(text), (pattern.name, text)


# --- the Events timeline, page by page ------------------------------------------------------------


def an_event(number: int) -> dict:
    at = f"2026-01-01T10:{number // 60:02}:{number % 60:02}Z"
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"web.{number:04}", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}, "reason": "Pulled",
            "message": f"event {number}", "type": "Normal", "count": 1, "firstTimestamp": at, "lastTimestamp": at,
            "source": {"component": "kubelet"}}


def test_older_events_are_a_page_away_and_new_ones_do_not_shift_that_page(cluster, client):
    with store.batch("default") as batch:
        for number in range(EVENT_LIMIT + 50):
            batch.create(an_event(number))
    first = client.get("/clusters/default/events/?reason=Pulled").content.decode()
    older = re.search(r'<a rel="next" href="([^"]*)">Older events</a>', first).group(1).replace("&amp;", "&")
    cluster.create(an_event(EVENT_LIMIT + 60))  # a newer Event arrives meanwhile

    second = client.get("/clusters/default/events/" + older).content.decode()

    assert "<td>event 50</td>" in first and "<td>event 49</td>" not in first
    assert "reason=Pulled" in older
    assert "<td>event 49</td>" in second and "<td>event 0</td>" in second and "<td>event 50</td>" not in second
    assert f"{EVENT_LIMIT + 51} events, {EVENT_LIMIT + 2}–{EVENT_LIMIT + 51} shown" in second
    assert 'href="/clusters/default/events/?reason=Pulled">Newest events</a>' in second and "Older events" not in second
