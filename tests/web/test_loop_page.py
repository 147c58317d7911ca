"""The controller loop page: one object's reconciles as "compare actual with expected, then act",
newest first, live over its socket; and the Deployment chart drawn from the change log."""
from __future__ import annotations

import datetime

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from playground.asgi import application
from playground.controllers.deployment import DeploymentController
from playground.store import api as store
from playground.store import traces
from playground.store.demo import create_demo_cluster
from playground.web.loop_views import CHART_HEIGHT, CHART_PAD, CHART_WIDTH, chart
from tests.factories import deployment

PAGE = "/clusters/default/loop/?kind=Deployment&namespace=default&name=web"


def rolled_out(cluster, replicas=3, image="nginx:1.27"):
    cluster.apply(deployment("web", replicas=replicas, image=image))
    cluster.settle()
    cluster.advance(30)


def records_in(page: str) -> list[str]:
    """Each record's HTML, newest first."""
    return page.split("</ol>")[0].split('<li class="reconcile')[1:]


def gaps_in(page: str) -> list[str]:
    return [g.split("</li>")[0] for g in page.split("</ol>")[0].split('<li class="gap" role="note">')[1:]]


def test_a_rollout_made_before_the_page_was_opened_is_on_it(cluster, client):
    rolled_out(cluster)
    assert not traces.watched("default")

    page = client.get(PAGE).content.decode()

    assert traces.watched("default")  # its socket keeps the controllers publishing
    assert "compare the actual state with the expected state, then act" in page
    records = records_in(page)
    assert "created ReplicaSet web-" in records[-1]  # the first reconcile of web, recorded while nobody looked
    assert all("web-" in r or "default/web" in r for r in records)  # about web, its ReplicaSet or its pods
    assert 'data-controller="node-controller"' not in page  # not the nodes' heartbeats, recorded as well
    assert gaps_in(page)[-1].startswith("<strong>Gap:</strong> the recorder started at ")


def test_a_scale_up_reads_as_observed_desired_difference_and_action(cluster, client):
    rolled_out(cluster, replicas=2)
    client.get(PAGE)
    cluster.apply(deployment("web", replicas=3))

    cluster.reconcile(DeploymentController, "default/web")
    page = client.get(PAGE).content.decode()

    record = records_in(page)[0]
    assert "deployment-controller" in record and "Deployment default/web" in record
    assert "Observed (actual)" in record and "Desired (expected)" in record
    assert "<dt>replicas</dt><dd>3</dd>" in record
    assert "the current ReplicaSet has 2 of 3 replicas" in record
    assert "scaled ReplicaSet web-" in record and "from 2 to 3" in record
    assert "Event ScalingReplicaSet: Scaled up replica set web-" in record


def test_each_step_adds_one_record_newest_first_within_the_rollout_bounds(cluster, client):
    rolled_out(cluster)
    before = len(records_in(client.get(PAGE).content.decode()))  # the first rollout's
    cluster.apply(deployment("web", replicas=3, image="nginx:1.28"))

    seen = []
    for _ in range(12):
        cluster.controllers().step()
        page = client.get(PAGE, headers={"HX-Request": "true"}).content.decode()
        seen.append(records_in(page))
        now = page.split('aria-label="now"')[1].split(">")[0]
        pods = int(now.split('data-pods="')[1].split('"')[0])
        assert pods <= int(now.split('data-max-pods="')[1].split('"')[0]) == 4

    assert [len(records) - before for records in seen] == list(range(1, 13))
    ids = [int(r.split('data-id="')[1].split('"')[0]) for r in seen[-1]]
    assert ids == sorted(ids, reverse=True)  # newest first
    assert "created ReplicaSet web-" in seen[-1][11]  # the first step made the new revision


def test_a_replica_sets_page_follows_it_and_its_pods(cluster, client):
    from playground.controllers.replicaset import ReplicaSetController

    rolled_out(cluster, replicas=1)
    [rs] = cluster.list("ReplicaSet")
    name = rs["metadata"]["name"]
    page_url = f"/clusters/default/loop/?kind=ReplicaSet&namespace=default&name={name}"
    client.get(page_url)
    cluster.delete("Pod", cluster.list("Pod", namespace="default")[0]["metadata"]["name"], "default")

    cluster.reconcile(ReplicaSetController, f"default/{name}")
    page = client.get(page_url).content.decode()

    record = records_in(page)[0]
    assert record.startswith(' related"') and "1 pod missing" in record
    assert f"created Pod {name}-" in record
    assert "desired <strong>1</strong>" in page.split('aria-label="now"')[1].split("</div>")[0]


def test_reconciles_of_other_objects_are_not_shown(cluster, client):
    rolled_out(cluster)
    cluster.apply(deployment("other", replicas=1))
    cluster.settle()

    cluster.reconcile(DeploymentController, "default/other")
    page = client.get(PAGE).content.decode()

    shown = page.split('id="loop-live"')[1].split("</ol>")[0]
    assert "default/other" not in shown and "other-" not in shown  # neither it nor its ReplicaSet and pods
    assert "Deployment default/web" in records_in(page)[0]


def trace(seq, key="default/web", epoch="a@2026-01-01T10:00:00Z"):
    return {"controller": "deployment-controller", "kind": "Deployment", "key": key, "seq": seq, "epoch": epoch,
            "objects": [f"Deployment/{key}"]}


def about_web(t):
    return t["key"] == "default/web"


def test_records_dropped_from_the_ring_are_marked_where_they_were():
    from playground.web.loop_views import story

    newest_first = [trace(9), trace(8, key="default/other"), trace(4), trace(3)]

    rows = story(newest_first, keep=about_web)

    assert [r.get("seq") for r in rows] == [9, None, 4, 3, None]
    assert rows[1]["text"].startswith("3 reconciles of the cluster not kept here (dropped from the recorder's ring")
    assert rows[4]["text"].startswith("2 reconciles of the cluster not kept here")  # before the oldest kept, 1 and 2


def test_a_time_the_recorder_was_not_running_is_marked():
    from playground.web.loop_views import story

    newest_first = [trace(2, epoch="b@2026-01-01T11:30:00Z"), trace(1, epoch="b@2026-01-01T11:30:00Z"), trace(7), trace(6)]

    rows = story(newest_first[:2] + newest_first[2:], keep=about_web)

    assert [r.get("seq") for r in rows] == [2, 1, None, 7, 6, None]
    assert "the recorder started at 11:30:00, when the controllers started: nothing before that was recorded" in rows[2]["text"]
    assert rows[5]["text"].startswith("5 reconciles of the cluster not kept here")


def test_every_owner_page_links_to_its_loop(cluster, client):
    from tests.controllers.test_daemonset import daemon_set
    from tests.controllers.test_statefulset import stateful_set

    rolled_out(cluster, replicas=1)
    cluster.apply(stateful_set("db", replicas=1))
    cluster.apply(daemon_set("agent"))
    cluster.settle()
    [rs] = cluster.list("ReplicaSet", namespace="default")
    [pod] = [p for p in cluster.list("Pod", namespace="default") if p["metadata"]["name"].startswith("web-")]
    rs_name, pod_name = rs["metadata"]["name"], pod["metadata"]["name"]

    pages = {
        "/clusters/default/deployments/default/web/": "kind=Deployment&amp;namespace=default&amp;name=web",
        f"/clusters/default/replicasets/default/{rs_name}/": f"kind=ReplicaSet&amp;namespace=default&amp;name={rs_name}",
        "/clusters/default/statefulsets/default/db/": "kind=StatefulSet&amp;namespace=default&amp;name=db",
        "/clusters/default/daemonsets/default/agent/": "kind=DaemonSet&amp;namespace=default&amp;name=agent",
        f"/clusters/default/pods/default/{pod_name}/": f"kind=ReplicaSet&amp;namespace=default&amp;name={rs_name}",
    }
    for url, query in pages.items():
        assert f'href="/clusters/default/loop/?{query}"' in client.get(url).content.decode(), url


def test_bad_queries_say_which_parameter_is_wrong(cluster, client):
    unknown = client.get("/clusters/default/loop/?kind=Widget&name=web")
    nameless = client.get("/clusters/default/loop/?kind=Deployment")
    missing = client.get("/clusters/default/loop/?kind=Deployment&name=nope")

    assert unknown.status_code == 400 and "kind: &quot;Widget&quot; is not a kind" in unknown.content.decode()
    assert nameless.status_code == 400 and "name: the object&#x27;s name is required" in nameless.content.decode()
    assert missing.status_code == 404 and "not found" in missing.content.decode()


def test_user_strings_are_escaped(cluster, client):
    evil = '"><img src=x onerror=alert(1)><script>alert(1)</script>'

    response = client.get("/clusters/default/loop/", {"kind": "Deployment", "namespace": "default", "name": evil})
    page = client.get("/clusters/default/loop/", {"kind": evil, "name": "web"}).content.decode()

    assert "<script>alert(1)" not in response.content.decode() and "<img src=x" not in response.content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page


def test_the_deployment_page_links_to_its_loop_and_draws_its_chart(cluster, client):
    rolled_out(cluster)

    page = client.get("/clusters/default/deployments/default/web/").content.decode()

    assert 'href="/clusters/default/loop/?kind=Deployment&amp;namespace=default&amp;name=web"' in page
    assert "Watch the controller loop" in page
    svg = page.split('<figure class="deployment-chart"')[1].split("</figure>")[0]
    for series in ("desired", "updated", "ready", "available", "unavailable", "desired+maxSurge", "desired-maxUnavailable"):
        assert f'data-series="{series}"' in svg


T0 = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)


def point(seconds, desired, updated, ready, available, unavailable, surge=1, unavailable_bound=0):
    return {"time": T0 + datetime.timedelta(seconds=seconds), "desired": desired, "updated": updated, "ready": ready,
            "available": available, "unavailable": unavailable, "max": desired + surge, "min": desired - unavailable_bound}


def test_the_chart_draws_each_count_as_steps_over_time():
    history = [point(0, 4, 0, 0, 0, 4), point(10, 4, 2, 2, 2, 2), point(20, 4, 4, 4, 4, 0)]

    drawn = chart(history, now=T0 + datetime.timedelta(seconds=40))

    # 40 s across 580 px from x=30; 5 replicas (desired+maxSurge) up 160 px from y=190
    left, bottom, width, height = CHART_PAD, CHART_HEIGHT - CHART_PAD, CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    assert (left, bottom, width, height) == (30, 190, 580, 160)
    # Equal counts are drawn apart: desired 4.5 px up, ready 1.5 px down, unavailable where it is
    series = {s["name"]: s["points"] for s in drawn["series"]}
    assert series["ready"] == "30,191.5 175,191.5 175,127.5 320,127.5 320,63.5 610,63.5"
    assert series["desired"] == "30,57.5 175,57.5 175,57.5 320,57.5 320,57.5 610,57.5"
    assert series["unavailable"] == "30,62 175,62 175,126 320,126 320,190 610,190"
    assert len({s["points"] for s in drawn["series"]}) == 5  # no line hides another
    bounds = {b["name"]: b["points"] for b in drawn["bounds"]}
    assert bounds["desired+maxSurge"].startswith("30,30 ") and bounds["desired-maxUnavailable"].startswith("30,62 ")
    assert drawn["top"] == 5 and drawn["seconds"] == 40


def test_the_chart_of_a_rollout_comes_from_the_change_log(cluster):
    from playground.web.loop_views import deployment_history

    rolled_out(cluster, replicas=2)
    cluster.apply(deployment("web", replicas=2, image="nginx:1.28"))
    cluster.settle()
    cluster.advance(30)

    samples = deployment_history("default", "default", "web")

    assert samples[-1]["updated"] == samples[-1]["available"] == 2 and samples[-1]["unavailable"] == 0
    assert all(s["max"] == 3 and s["min"] == 2 for s in samples)  # 25% of 2: surge 1 (up), unavailable 0 (down)
    assert [s["time"] for s in samples] == sorted(s["time"] for s in samples)
    assert any(s["updated"] == 1 for s in samples)  # the rollout passed through one new pod


def test_a_scale_is_drawn_when_it_was_written_and_the_chart_runs_to_now(cluster, client):
    from playground.web.loop_views import deployment_history

    rolled_out(cluster, replicas=2)
    cluster.advance(60)  # a quiet minute: no condition of web changes
    scaled_at = cluster.now().replace(microsecond=0)

    cluster.apply(deployment("web", replicas=4))
    cluster.advance(25)

    [scale] = [s for s in deployment_history("default", "default", "web") if s["desired"] == 4][:1]
    assert scale["time"] == scaled_at  # not the condition's lastUpdateTime, a minute earlier
    page = client.get("/clusters/default/deployments/default/web/").content.decode()
    chart_html = page.split('<figure class="deployment-chart"')[1].split("</figure>")[0]
    assert f"up to now ({cluster.now().strftime('%H:%M:%S')})" in chart_html
    legend = chart_html.split('aria-label="legend"')[1]
    for series in ("desired", "updated", "ready", "available", "unavailable"):
        assert f'<line class="series {series}"' in legend


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_each_new_record():
    create_demo_cluster("default")
    store.apply("default", deployment("web", replicas=1))

    async def conversation() -> str:
        socket = WebsocketCommunicator(application, "/ws" + PAGE, headers=[(b"origin", b"http://127.0.0.1")])
        connected, _ = await socket.connect()
        assert connected
        await socket.receive_from(timeout=5)  # the first look
        trace = {"controller": "deployment-controller", "kind": "Deployment", "key": "default/web",
                 "time": "2026-01-01T00:00:00Z", "observed": [], "desired": [], "difference": "none",
                 "actions": [], "events": [], "outcome": "done", "objects": ["Deployment/default/web"]}
        await sync_to_async(traces.record)("default", [trace])
        frame = await socket.receive_from(timeout=5)
        await socket.disconnect()
        return frame

    frame = async_to_sync(conversation)()

    assert 'id="loop-live"' in frame and 'hx-swap-oob="true"' in frame
    assert "deployment-controller" in frame and "nothing to do" in frame
    assert traces.watched("default")  # the open socket keeps the recording on


def test_a_long_quiet_stretch_is_cut_short_and_marked():
    history = [point(0, 2, 2, 2, 2, 0, surge=2), point(600, 2, 1, 2, 2, 1, surge=2), point(610, 2, 2, 2, 2, 0, surge=2)]

    drawn = chart(history)

    # 600 quiet seconds drawn as 30: the axis spans 40 s (580 px), and the cut says what was left out
    series = {s["name"]: s["points"] for s in drawn["series"]}
    assert series["updated"] == "30,108.5 465,108.5 465,148.5 610,148.5 610,108.5 610,108.5"
    assert drawn["breaks"] == [{"x": 247.5, "text": "570 s"}]
    assert drawn["seconds"] == 610
