"""Rolling updates on the cluster map: each workload pod's tile carries its owner's revision (a
colour band, `r2` as text, hatched when older than the newest), the legend names each colour,
a socket sends the legend when a revision comes or goes, and tile colours mean what kubectl's
STATUS means."""
from __future__ import annotations

import pytest

from playground.web import cluster_frames, picture, rollout_picture
from playground.web.views import cluster_context
from tests.controllers.test_statefulset import stateful_set
from tests.factories import deployment


def nginx_tiles(context: dict) -> list[dict]:
    pictured = context["picture"]
    tiles = [t for n in pictured["nodes"] for t in n["pods"]] + pictured["pending"]
    return [t for t in tiles if t["deployment"] == "nginx"]


def legend(context: dict, owner: str) -> list[tuple[str, bool, int]]:
    return [(r["revision"], r["old"], r["pods"]) for r in context["picture"]["legend"] if f"{r['kind']}/{r['name']}" == owner]


def test_a_rolling_update_draws_the_new_replica_sets_pods_in_another_colour_until_they_replace_the_old(cluster, client):
    cluster.apply(deployment("nginx", replicas=3))
    cluster.settle()
    cluster.advance(60)
    first = {t["band"] for t in nginx_tiles(cluster_context("default"))}
    assert len(first) == 1 and legend(cluster_context("default"), "deployment/nginx") == [("r1", False, 3)]

    cluster.patch("Deployment", "nginx", "default", {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    cluster.settle()  # the clock stands still: the surge pod is created, not yet ready; no old pod goes

    context = cluster_context("default")
    tiles = nginx_tiles(context)
    old, new = [t for t in tiles if t["revision"] == "r1"], [t for t in tiles if t["revision"] == "r2"]
    assert len(old) == 3 and len(new) == 1
    assert {t["band"] for t in old} == first and all(t["old"] for t in old)
    assert new[0]["band"] not in first and not new[0]["old"]
    assert legend(context, "deployment/nginx") == [("r2", False, 1), ("r1", True, 3)]
    page = client.get("/clusters/default/").content.decode()
    assert f'class="pod ready rev {old[0]["band"]} old-revision" id="pod/default/{old[0]["name"]}"' in page
    assert '<span class="rev-label">r2</span>' in page.split(f'id="pod/default/{new[0]["name"]}"')[1].split("</li>")[0]
    assert "deployment/nginx</a>" in page.split('id="rollout-legend"')[1] and ": an older revision, being replaced" in page

    cluster.advance(120)

    done = cluster_context("default")
    assert {(t["revision"], t["band"], t["old"]) for t in nginx_tiles(done)} == {("r2", new[0]["band"], False)}
    assert legend(done, "deployment/nginx") == [("r2", False, 3)]


def test_a_partitioned_stateful_set_update_colours_its_pods_by_controller_revision(cluster):
    cluster.apply(stateful_set("web", replicas=3, claims=False, strategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}))
    cluster.settle()
    cluster.advance(120)
    cluster.patch("StatefulSet", "web", "default", {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    cluster.settle()
    cluster.advance(120)

    context = cluster_context("default")

    tiles = {t["name"]: t for n in context["picture"]["nodes"] for t in n["pods"] if t["owner"] == "web"}
    assert {name: (t["revision"], t["old"]) for name, t in tiles.items()} == {
        "web-0": ("r1", True), "web-1": ("r1", True), "web-2": ("r2", False)}  # below the partition: kept
    assert tiles["web-0"]["band"] == tiles["web-1"]["band"] != tiles["web-2"]["band"]
    assert legend(context, "statefulset/web") == [("r2", False, 1), ("r1", True, 2)]


def test_a_pod_no_workload_owns_has_no_band(cluster, client):
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo"},
                   "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}})

    page = client.get("/clusters/default/").content.decode()

    tile = page.split('id="pod/default/solo"')[0].rsplit("<li", 1)[1]
    assert 'class="pod pending"' in tile and "rev" not in tile


def test_the_socket_sends_the_legend_when_a_revision_comes(cluster):
    cluster.apply(deployment("nginx", replicas=2))
    cluster.settle()
    cluster.advance(60)
    shown = cluster_context("default")
    cluster.patch("Deployment", "nginx", "default", {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}})
    cluster.settle()

    frame = cluster_frames.cluster_frame(shown, cluster_context("default"))

    legend_html = frame.split('id="rollout-legend"')[1]
    assert 'data-owner="deployment/nginx" data-revision="r2"' in legend_html
    assert 'data-owner="deployment/nginx" data-revision="r1"' in legend_html


def test_the_cluster_page_explains_each_state_colour_in_kubectls_words(cluster, client):
    page = client.get("/clusters/default/").content.decode()

    states = page.split('aria-label="legend"')[1].split("</ul>")[0]
    for state, status in (("pending", "Pending"), ("creating", "ContainerCreating"), ("running", "Running"),
                          ("ready", "Running"), ("failing", "CrashLoopBackOff"), ("terminating", "Terminating"),
                          ("finished", "Completed")):
        assert f'<li class="pod {state}"><span class="status">{status}</span>' in states


@pytest.mark.parametrize(("status", "ready", "state"), [
    ("Pending", "0/1", "pending"),
    ("ContainerCreating", "0/1", "creating"),
    ("Init:0/2", "0/1", "creating"),
    ("PodInitializing", "0/1", "creating"),
    ("Running", "0/1", "running"),
    ("NotReady", "0/2", "running"),
    ("Running", "2/2", "ready"),
    ("CrashLoopBackOff", "0/1", "failing"),
    ("Init:CrashLoopBackOff", "0/1", "failing"),  # an init container that keeps failing is no "creating"
    ("Init:ErrImagePull", "0/1", "failing"),
    ("CreateContainerConfigError", "0/1", "failing"),
    ("Error", "0/1", "failing"),
    ("Evicted", "0/1", "failing"),  # a failed pod, not a finished one
    ("Completed", "0/1", "finished"),
    ("Terminating", "1/1", "terminating"),
])
def test_a_tiles_colour_group_follows_kubectls_status(status, ready, state):
    assert picture.tile_state(status, ready) == state


def test_a_new_revision_never_takes_a_colour_already_on_the_map_while_one_is_free():
    owners = [(("default", "Deployment", f"app{n}"), "hash1") for n in range(7)]
    born = {key: f"2025-01-01T00:00:0{n}Z" for n, key in enumerate(owners)}
    before = rollout_picture._hues(born)

    after = rollout_picture._hues({**born, (("default", "Deployment", "app0"), "hash2"): "2025-01-01T00:01:00Z"})

    assert {k: after[k] for k in before} == before  # the revisions drawn keep their colours
    assert after[(("default", "Deployment", "app0"), "hash2")] not in before.values()
    crowded = rollout_picture._hues({**born, **{(("default", "Deployment", "app0"), f"h{n}"): f"2025-01-02T00:00:0{n}Z"
                                                 for n in range(3)}})
    app0 = [hue for (owner, _), hue in crowded.items() if owner[2] == "app0"]
    assert len(set(app0)) == len(app0)  # past eight colours, one owner's revisions still differ
