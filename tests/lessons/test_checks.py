"""A lesson's checks against a live cluster: red with what they saw until the cluster is truly
there (a rollout complete, pods Ready), green then, and never early."""
from __future__ import annotations

import pytest

from playground.images import registry
from playground.lessons.checks import CheckError, held, parse_check
from playground.lessons.view import LiveView
from tests.factories import deployment, pod

WORKER = "playground-worker"


def verdict(cluster, **check):
    return parse_check(check).evaluate(LiveView(cluster.name))


def test_a_deployment_check_waits_for_the_rollout_to_complete(cluster):
    want = {"expect": "object", "kind": "Deployment", "name": "web", "fields": {"spec.replicas": 5},
            "rollout": "complete"}
    assert verdict(cluster, **want).saw == "no deployment web in namespace default"

    cluster.create(deployment("web", replicas=5))
    cluster.advance(1)
    early = verdict(cluster, **want)
    cluster.advance(60)
    done = verdict(cluster, **want)

    assert not early.done and "rollout to finish" in early.saw
    assert done.done and done.saw == "deployment web: spec.replicas is 5, its rollout is complete"


def test_a_field_with_the_wrong_value_says_what_it_is():
    check = parse_check({"expect": "object", "kind": "Deployment", "name": "web",
                         "fields": {"spec.strategy.rollingUpdate.maxUnavailable": 0}})

    class View:
        def get(self, kind, namespace, name):
            return {"kind": kind, "metadata": {"name": name}, "spec": {"strategy": {"rollingUpdate": {"maxUnavailable": "25%"}}}}

    seen = check.evaluate(View())

    assert not seen.done and seen.saw == "deployment web: spec.strategy.rollingUpdate.maxUnavailable is 25%, expected 0"


def test_pods_count_only_when_ready_and_every_pod_must_match(cluster):
    cluster.create(deployment("web", replicas=3, image="nginx:1.27"))
    cluster.advance(1)
    early = verdict(cluster, expect="pods", selector="app=web", ready=3)
    cluster.advance(60)

    assert not early.done and early.saw.endswith("of 3 pods with app=web are ready, expected 3")
    assert verdict(cluster, expect="pods", selector="app=web", ready=3).saw == "3 of 3 pods with app=web are ready"
    wrong_image = verdict(cluster, expect="pods", selector="app=web", every={"spec.containers[0].image": "nginx:1.28"})
    assert not wrong_image.done and "has spec.containers[0].image nginx:1.27, expected nginx:1.28" in wrong_image.saw
    assert verdict(cluster, expect="pods", selector="app=web", on_distinct_nodes=True, ready={"at_least": 2}).done is False


def test_an_event_check_finds_the_back_off_of_a_crashing_container(cluster):
    cluster.create(pod("crasher", image="playground/crasher:1.0", node=WORKER))
    cluster.advance(2)
    before = verdict(cluster, expect="event", reason="BackOff", kind="Pod", name="crasher")
    cluster.advance(120)
    after = verdict(cluster, expect="event", reason="BackOff", kind="Pod", name="crasher", type="Warning")

    assert not before.done and before.saw == "no BackOff event for pod crasher yet"
    assert after.done and after.saw.startswith("Warning BackOff: Back-off restarting failed container")


def test_recreated_needs_a_new_uid_under_the_same_name_and_the_pod_ready(cluster):
    cluster.create(pod("db-0", node=WORKER))
    cluster.advance(30)
    check = parse_check({"expect": "recreated", "kind": "Pod", "name": "db-0"})
    baseline = check.remember(LiveView(cluster.name))

    assert not check.evaluate(LiveView(cluster.name), baseline).done
    cluster.delete("Pod", "db-0", "default")
    cluster.advance(60)
    assert check.evaluate(LiveView(cluster.name), baseline).saw == "pod db-0 is gone; waiting for it to come back"
    cluster.create(pod("db-0", node=WORKER))
    assert check.evaluate(LiveView(cluster.name), baseline).saw == "pod db-0 was recreated and is not ready yet"
    cluster.advance(30)
    assert check.evaluate(LiveView(cluster.name), baseline).done


def test_a_file_check_names_the_layer_a_file_comes_from(cluster):
    cluster.create(pod("web", node=WORKER))
    cluster.advance(30)

    image = verdict(cluster, expect="file", pod="web", container="main", path="/etc/nginx/nginx.conf", layer="image")
    not_writable = verdict(cluster, expect="file", pod="web", container="main", path="/etc/nginx/nginx.conf",
                           layer="writable")
    missing = verdict(cluster, expect="file", pod="web", container="main", path="/tmp/x")

    assert image.done and image.saw == "/etc/nginx/nginx.conf is in the image layer of container main of pod web"
    assert not not_writable.done and "comes from the image layer, not the writable one" in not_writable.saw
    assert missing.saw == "no /tmp/x in container main of pod web"


def test_an_image_check_sees_a_deleted_file_that_still_takes_space(cluster):
    registry.build(cluster.name, "FROM busybox:1.36\nRUN echo big > /big\nRUN rm /big\n", tag="waste:1")
    registry.build(cluster.name, "FROM busybox:1.36\nRUN echo big > /big && rm /big\n", tag="lean:1")

    waste = verdict(cluster, expect="image", reference="waste:1", deleted_file_kept=True)
    lean = verdict(cluster, expect="image", reference="lean:1", deleted_file_kept=True)

    assert waste.done and waste.saw == "a layer of waste:1 deletes /big, yet the image still holds its bytes"
    assert not lean.done and lean.saw == "no layer of lean:1 deletes a file a lower layer holds"
    assert verdict(cluster, expect="image", reference="lean:1", deleted_file_kept=False).done
    assert verdict(cluster, expect="image", reference="waste:1", deleted_file_kept=False).saw == (
        "a layer of waste:1 deletes /big, which a lower layer still holds")
    assert verdict(cluster, expect="image", reference="nope:1").saw == "no image nope:1 on this cluster yet"


def test_pods_ready_for_an_instant_between_two_crashes_are_not_done(cluster):
    check = parse_check({"expect": "pods", "selector": "app=web", "ready": 3, "hold": 10})
    cluster.create(deployment("web", replicas=3))
    cluster.advance(60)
    ready = held(check, check.evaluate(LiveView(cluster.name)), since=None, now=cluster.now())
    cluster.advance(6)
    [first, *_] = cluster.list("Pod", namespace="default", label_selector="app=web")
    cluster.delete("Pod", first["metadata"]["name"], "default")  # one goes: 2 of 3 for a moment
    cluster.advance(0.5)
    broken = held(check, check.evaluate(LiveView(cluster.name)), since=ready.since, now=cluster.now())
    cluster.advance(30)
    back = held(check, check.evaluate(LiveView(cluster.name)), since=broken.since, now=cluster.now())
    cluster.advance(10)
    done = held(check, check.evaluate(LiveView(cluster.name)), since=back.since, now=cluster.now())

    assert ready.verdict.saw == "3 of 3 pods with app=web are ready, for 0 of the 10 simulated seconds it must hold"
    assert not broken.verdict.done and broken.since is None
    assert not back.verdict.done and back.due == cluster.now()
    assert done.verdict.done and done.verdict.saw == "3 of 3 pods with app=web are ready"


def test_a_fact_is_green_the_moment_it_is_seen(cluster):
    registry.build(cluster.name, "FROM busybox:1.36\nRUN echo big > /big\nRUN rm /big\n", tag="waste:1")
    check = parse_check({"expect": "image", "reference": "waste:1", "deleted_file_kept": True})

    seen = held(check, check.evaluate(LiveView(cluster.name)), since=None, now=cluster.now())

    assert check.hold == 0 and seen.verdict.done


HEADLESS = """
apiVersion: v1
kind: Service
metadata: {name: db}
spec: {clusterIP: None, selector: {app: db}, ports: [{port: 6379}]}
---
apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {app: db}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: redis, image: "redis:7.4"}]}
"""


def test_a_dns_check_reads_what_the_cluster_dns_answers(cluster):
    cluster.apply_text(HEADLESS)
    cluster.advance(60)
    pods = {p["metadata"]["name"]: p["status"]["podIP"] for p in cluster.list("Pod", namespace="default", label_selector="app=db")}
    front = cluster.get("Service", "front", "default")["spec"]["clusterIP"]

    headless = verdict(cluster, expect="dns", name="db", address_of={"pods": "app=db"})
    stable = verdict(cluster, expect="dns", name="db-1.db.default.svc.cluster.local", address_of={"pod": "db-1"})
    service = verdict(cluster, expect="dns", name="front.default.svc.cluster.local", address_of={"service": "front"})
    not_yet = verdict(cluster, expect="dns", name="db-4.db.default.svc.cluster.local", address_of={"pod": "db-4"})
    wrong = verdict(cluster, expect="dns", name="db-0.db", address_of={"pod": "db-1"})
    srv = verdict(cluster, expect="dns", name="db", type="SRV", records=2)

    assert headless.done and headless.saw == f"db answers {', '.join(sorted(pods.values()))}"
    assert stable.done and stable.saw == f"db-1.db.default.svc.cluster.local answers {pods['db-1']}"
    assert service.done and service.saw == f"front.default.svc.cluster.local answers {front}"
    assert not not_yet.done and not_yet.saw == "db-4.db.default.svc.cluster.local: NXDOMAIN"
    assert not wrong.done and wrong.saw == f"db-0.db answers {pods['db-0']}, expected the IP of pod db-1 ({pods['db-1']})"
    assert srv.done and verdict(cluster, expect="dns", name="db-4.db", nxdomain=True).done


@pytest.mark.parametrize("check, message", [
    ({"kind": "Pod"}, "a check is a mapping with `expect:`"),
    ({"expect": "magic"}, "unknown check 'magic': expected one of object, pods, event, recreated, file, image, dns"),
    ({"expect": "object", "kind": "Pod"}, "check object: missing name"),
    ({"expect": "object", "kind": "Pod", "name": "x", "feilds": {}}, "check object: unknown field feilds"),
    ({"expect": "object", "kind": "Pod", "name": "x", "fields": {"spec..x": 1}}, "field path 'spec..x'"),
    ({"expect": "pods", "selector": "app in (a"}, "check pods: selector: unable to parse requirement"),
    ({"expect": "pods", "ready": "three"}, "ready: expected a whole number"),
    ({"expect": "pods", "ready": {"more_than": 2}}, "ready: expected a value or one of at_least, at_most, not"),
    ({"expect": "recreated", "kind": "Deployment", "name": "web"}, "only a Pod is recreated"),
    ({"expect": "file", "pod": "p", "container": "c", "path": "/x", "layer": "top"}, "layer is one of"),
    ({"expect": "pods", "ready": 1, "hold": "long"}, "check pods: hold is a number of simulated seconds, 0 or more"),
    ({"expect": "pods", "ready": 1, "hold": -1}, "hold is a number of simulated seconds"),
    ({"expect": "event", "reason": "BackOff", "hold": 5}, "check event: takes no hold: what it sees has happened"),
    ({"expect": "dns", "name": "db", "type": "MX"}, "check dns: type is one of A, SRV"),
    ({"expect": "object", "kind": "Node", "name": "n", "conditions": {"Ready": "yes"}}, "conditions is a mapping of condition types"),
    ({"expect": "dns", "name": "db", "address_of": {"node": "x"}}, "check dns: address_of is one of {service: ...}"),
    ({"expect": "dns", "name": "db", "address_of": {"pods": "app in (a"}}, "check dns: address_of.pods: unable to parse"),
])
def test_a_check_spelled_wrong_is_refused_with_what_is_wrong(check, message):
    with pytest.raises(CheckError) as error:
        parse_check(check)

    assert message in str(error.value)
