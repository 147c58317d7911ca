"""The Events timeline: every Event of the cluster, newest first, filtered by namespace,
kind/name, type and reason, each linking to the object it is about; and its websocket."""
from __future__ import annotations

import pytest

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from playground.web.picture import MASK
from tests.factories import namespace, pod
from tests.web.live import frame_after, section

PAGE = "/clusters/default/events/"


def crashing(name: str, **kwargs) -> dict:
    obj = pod(name, image="busybox:1.36", **kwargs)
    obj["spec"]["containers"][0]["command"] = ["sh", "-c", "exit 1"]
    return obj


def rows(page: str) -> list[str]:
    return section(page, "timeline").split("<tbody>")[1].split("</tr>")[:-1]


def test_the_timeline_lists_events_newest_first_with_links_to_their_objects(cluster, client):
    cluster.create(pod("web"))
    cluster.advance(30)

    page = client.get(PAGE).content.decode()

    lines = rows(page)
    times = [line.split("<td>")[1].split("</td>")[0] for line in lines]
    assert times == sorted(times, reverse=True)
    assert any('<a href="/clusters/default/pods/default/web/">pod/web</a>' in line and "<td>Scheduled</td>" in line for line in lines)


def test_the_timeline_filters_by_type_and_reason(cluster, client):
    cluster.create(pod("web"))
    cluster.create(crashing("crash"))
    cluster.advance(60)

    warnings = rows(client.get(PAGE + "?type=Warning").content.decode())
    backoffs = rows(client.get(PAGE + "?reason=BackOff").content.decode())

    assert warnings and all("<td>Warning</td>" in line for line in warnings)
    assert any("pod/crash" in line for line in warnings) and not any("pod/web<" in line for line in warnings)
    assert backoffs and all("<td>BackOff</td>" in line for line in backoffs)


def test_the_timeline_filters_by_namespace_and_by_object(cluster, client):
    cluster.create(namespace("team-a"))
    cluster.settle()  # the serviceaccounts controller gives it its `default` ServiceAccount
    cluster.create(pod("mine", namespace="team-a"))
    cluster.create(pod("web"))
    cluster.advance(30)

    in_team_a = rows(client.get(PAGE + "?namespace=team-a").content.decode())
    for_web = rows(client.get(PAGE + "?kind=pod&name=web").content.decode())

    assert in_team_a and all("pod/mine" in line for line in in_team_a)
    assert for_web and all("pod/web<" in line for line in for_web)


def test_filters_that_match_nothing_say_so(cluster, client):
    page = client.get(PAGE + "?reason=NoSuchReason").content.decode()

    assert "no events match these filters" in page


def test_hostile_filter_values_are_escaped(cluster, client):
    page = client.get(PAGE, {"reason": '"><script>alert(1)</script>'}).content.decode()

    assert "<script>alert(1)</script>" not in page


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_filtered_timeline_when_an_event_arrives():
    create_demo_cluster("default")
    event = {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"},
        "type": "Warning", "reason": "Unhealthy", "message": "Readiness probe failed",
        "firstTimestamp": "2026-11-25T10:00:00Z", "lastTimestamp": "2026-11-25T10:00:00Z", "count": 1,
    }

    frame = frame_after(f"/ws{PAGE}?type=Warning", lambda: store.create("default", event))

    assert 'id="events-live"' in frame and "<td>Unhealthy</td>" in frame and "Readiness probe failed" in frame


def test_a_secret_value_in_an_event_message_is_masked(cluster, client):
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "hunter22"}})
    probed = pod("web", image="busybox:1.36")
    container = probed["spec"]["containers"][0]
    container["command"] = ["sleep", "3600"]
    container["env"] = [{"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]
    container["readinessProbe"] = {"exec": {"command": ["sh", "-c", "echo $DB_PASSWORD; exit 1"]}, "periodSeconds": 5}
    cluster.create(probed)
    cluster.advance(30)
    [unhealthy] = [e for e in cluster.list("Event", namespace="default") if e["reason"] == "Unhealthy"]
    assert "hunter22" in unhealthy["message"]  # what the probe printed, as the kubelet reports it

    page = client.get(PAGE + "?reason=Unhealthy").content.decode()

    assert "hunter22" not in page and f"Readiness probe failed: {MASK}" in page
