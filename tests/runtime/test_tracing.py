"""Reconcile traces (runtime/tracing.py, with each controller's `summarize`, and the ring of
runtime/recorder.py): every reconcile is recorded, whether a loop page watches or not, as what
the controller observed, what was desired, the difference and the writes it made; the ring is
bounded, and handed to the store only while a loop page watches the cluster."""
from __future__ import annotations

import json

from playground.controllers.deployment import DeploymentController
from playground.controllers.replicaset import ReplicaSetController
from playground.runtime import recorder
from playground.store import traces
from tests.factories import deployment


def records(cluster, *, after=0):
    """The reconciles the main lane of the cluster's ring holds (after the one numbered
    `after`), oldest first: all but the nodes' heartbeats."""
    lane = cluster.controllers().tracer.ring.lanes["main"]
    return [json.loads(recorder.text(r)) for r in lane.records if r[0] > after]


def recorded_so_far(cluster) -> int:
    return cluster.controllers().tracer.ring.lanes["main"].seq


def step(cluster) -> bool:
    """One Step of the paused clock: what the manager does for the Step button."""
    return cluster.controllers().step()


def test_every_reconcile_is_recorded_while_nobody_watches_but_none_is_published(cluster):
    cluster.apply(deployment("web", replicas=3))

    cluster.settle()
    cluster.advance(30)

    recorded = records(cluster)
    assert [t["seq"] for t in recorded] == list(range(1, len(recorded) + 1))  # every one, in order
    assert "deployment-controller" in {t["controller"] for t in recorded}
    assert traces.latest(cluster.name) == []  # nobody watches: the store holds none


def test_a_page_that_starts_watching_gets_what_was_recorded_before(cluster):
    cluster.apply(deployment("web", replicas=3))
    cluster.settle()
    traces.watch(cluster.name)

    cluster.advance(1)  # the next turn publishes

    published = traces.latest(cluster.name)
    assert published[-1]["seq"] == 1 and "created ReplicaSet web-" in json.dumps(published)


def test_a_scale_up_is_told_as_compare_then_act(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.settle()
    cluster.advance(30)
    before = recorded_so_far(cluster)

    cluster.apply(deployment("web", replicas=3))
    cluster.reconcile(DeploymentController, "default/web")
    [rs] = cluster.list("ReplicaSet")
    cluster.reconcile(ReplicaSetController, f"default/{rs['metadata']['name']}")

    scale, create = records(cluster, after=before)
    rs_name = rs["metadata"]["name"]
    assert scale["controller"] == "deployment-controller" and scale["key"] == "default/web"
    assert ["replicas", "3"] in scale["desired"]
    assert [f"ReplicaSet {rs_name} (current template)", "revision 1: 2 replicas, 2 ready, 2 available"] in scale["observed"]
    assert scale["difference"] == "the current ReplicaSet has 2 of 3 replicas"
    assert f"scaled ReplicaSet {rs_name} from 2 to 3" in [a["text"] for a in scale["actions"]]
    assert "ScalingReplicaSet" in [e["reason"] for e in scale["events"]]
    assert create["controller"] == "replicaset-controller"
    assert ["replicas", "3"] in create["desired"] and ["pods", "2, 2 ready"] in create["observed"]
    assert create["difference"] == "1 pod missing"
    [created] = [a for a in create["actions"] if a["verb"] == "created"]
    assert created["kind"] == "Pod" and created["name"].startswith(f"{rs_name}-")
    assert f"ReplicaSet/default/{rs_name}" in create["objects"] and "Deployment/default/web" in create["objects"]


def test_a_settled_object_reconciles_to_nothing_to_do(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.settle()
    cluster.advance(30)
    [rs] = cluster.list("ReplicaSet")
    before = recorded_so_far(cluster)

    cluster.reconcile(ReplicaSetController, f"default/{rs['metadata']['name']}")

    [record] = records(cluster, after=before)
    assert record["difference"] == "none: 2 of 2 pods"
    assert record["actions"] == [] and record["events"] == []


def test_a_rolling_update_steps_one_reconcile_per_record(cluster):
    cluster.apply(deployment("web", replicas=3))
    cluster.settle()
    cluster.advance(30)
    ring = cluster.controllers().tracer.ring
    before, before_main = ring.seq, recorded_so_far(cluster)
    cluster.apply(deployment("web", replicas=3, image="nginx:1.28"))

    counts = []
    for _ in range(40):
        assert step(cluster)
        counts.append(ring.seq - before)

    assert counts == list(range(1, 41))  # one Step, one record
    texts = [a["text"] for t in records(cluster, after=before_main) for a in t["actions"]]
    assert any(t.startswith("created ReplicaSet web-") for t in texts)
    assert any(t.startswith("scaled ReplicaSet web-") and t.endswith("from 3 to 2") for t in texts)
    assert any(t.startswith("bound Pod web-") for t in texts)


def test_the_ring_is_bounded_in_records_and_bytes(cluster):
    ring = recorder.Ring("default", started="2026-01-01T00:00:00Z")
    small = {"controller": "c", "kind": "Pod", "key": "default/p", "objects": [], "actions": []}
    burst = {**small, "actions": [{"verb": "created", "text": f"created Pod p-{i:05d}"} for i in range(500)]}

    main = ring.lanes["main"]

    for _ in range(recorder.RING_RECORDS + 10):
        ring.add(small)
    assert len(main.records) == recorder.RING_RECORDS and main.records[0][0] == 11  # the oldest dropped
    for _ in range(200):
        ring.add(burst)
    for _ in range(1000):
        ring.add({**small, "kind": "Node", "key": "worker"}, routine=True)

    assert main.bytes <= recorder.RING_BYTES and main.bytes == sum(len(r[4]) for r in main.records)
    cut = json.loads(recorder.text(main.records[-1]))
    assert len(recorder.text(main.records[-1])) <= recorder.RECORD_BYTES
    assert len(cut["actions"]) + cut["more_actions"] == 500  # what is cut is counted
    # A thousand heartbeats fill their own lane, and push nothing out of the main one
    assert len(ring.lanes["routine"].records) == recorder.ROUTINE_RECORDS and json.loads(recorder.text(main.records[-1]))["actions"]
    assert ring.bytes <= recorder.RING_BYTES + recorder.ROUTINE_BYTES


def test_the_published_records_are_bounded(cluster):
    traces.watch(cluster.name)
    many = [{"controller": "c", "kind": "Pod", "key": f"default/p{i}", "objects": []} for i in range(traces.KEEP + 20)]

    traces.record(cluster.name, many)

    kept = traces.latest(cluster.name)
    assert len(kept) == traces.KEEP
    assert kept[0]["key"] == f"default/p{traces.KEEP + 19}"  # newest first, the oldest dropped


def test_unwatching_stops_the_publishing_not_the_recording(cluster):
    traces.watch(cluster.name)
    traces.unwatch(cluster.name)
    cluster.apply(deployment("web", replicas=1))

    cluster.settle()

    assert traces.latest(cluster.name) == []
    assert records(cluster)


def test_a_watch_from_another_process_is_seen_at_the_next_look(cluster, monkeypatch):
    import datetime

    from playground.store.models import Cluster, TraceWatch

    cluster.settle()  # the runtime has looked: nobody watches
    monkeypatch.setattr(traces, "WATCH_CHECK_SECONDS", 0.0)  # its next look is due at once
    until = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=30)
    TraceWatch.objects.create(cluster=Cluster.objects.get(name=cluster.name), until=until)  # as a web process does

    cluster.apply(deployment("web", replicas=1))
    cluster.settle()

    assert "deployment-controller" in [t["controller"] for t in traces.latest(cluster.name)]
