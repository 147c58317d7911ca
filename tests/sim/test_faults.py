"""Faults from the page's buttons, played out by the kubelet: a crashed container restarts with
CrashLoopBackOff's back-off, a failing liveness probe restarts it, a failing readiness probe
takes the pod out of its Service's endpoints until it is cleared."""
from __future__ import annotations

import pytest

from playground.sim.faults import crash_container, fail_probe
from playground.store.errors import BadRequest


def web_pod(name: str = "web", **probes: dict) -> dict:
    container = {"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}
    for kind, probe in probes.items():
        container[f"{kind}Probe"] = probe
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "web"}},
            "spec": {"containers": [container]}}


HTTP_PROBE = {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5, "failureThreshold": 3}


def status(cluster, name: str = "web") -> dict:
    return cluster.get("Pod", name, "default")["status"]["containerStatuses"][0]


def ready(cluster, name: str = "web") -> str:
    pod = cluster.get("Pod", name, "default")
    return next(c["status"] for c in pod["status"]["conditions"] if c["type"] == "Ready")


def test_a_crashed_container_restarts_at_once_then_backs_off(cluster):
    cluster.apply(web_pod())
    cluster.advance(10)

    crash_container(cluster.name, "default", "web", "nginx")
    cluster.advance(2)

    first = status(cluster)
    assert first["restartCount"] == 1
    assert first["lastState"]["terminated"]["exitCode"] == 1
    assert first["lastState"]["terminated"]["reason"] == "Error"

    crash_container(cluster.name, "default", "web", "nginx")
    cluster.advance(2)

    second = status(cluster)
    assert second["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert second["state"]["waiting"]["message"].startswith("back-off 10s restarting failed container=nginx")
    cluster.advance(10)
    assert status(cluster)["restartCount"] == 2
    assert "BackOff" in cluster.event_reasons("Pod", "web")


def test_a_failing_liveness_probe_gets_the_container_restarted(cluster):
    cluster.apply(web_pod(liveness=HTTP_PROBE))
    cluster.advance(10)

    fail_probe(cluster.name, "default", "web", "nginx", "liveness")
    cluster.advance(20)

    assert status(cluster)["restartCount"] == 1
    messages = [e["message"] for e in cluster.list("Event") if e["reason"] == "Killing"]
    assert messages == ["Container nginx failed liveness probe, will be restarted"]


def test_a_failing_readiness_probe_takes_the_pod_out_of_the_endpoints_until_cleared(cluster):
    cluster.apply(web_pod(readiness=HTTP_PROBE))
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    cluster.advance(10)
    assert ready(cluster) == "True"

    fail_probe(cluster.name, "default", "web", "nginx", "readiness")
    cluster.advance(20)

    assert ready(cluster) == "False"
    assert status(cluster)["restartCount"] == 0  # readiness never restarts
    [subset] = cluster.get("Endpoints", "web", "default")["subsets"]
    assert "addresses" not in subset and [a["targetRef"]["name"] for a in subset["notReadyAddresses"]] == ["web"]

    fail_probe(cluster.name, "default", "web", "nginx", "readiness", failing=False)
    cluster.advance(10)

    assert ready(cluster) == "True"
    [subset] = cluster.get("Endpoints", "web", "default")["subsets"]
    assert [a["targetRef"]["name"] for a in subset["addresses"]] == ["web"]


def test_faults_name_what_is_wrong(cluster):
    cluster.apply(web_pod())
    cluster.advance(10)

    with pytest.raises(BadRequest, match="container sidecar is not valid for pod web"):
        crash_container(cluster.name, "default", "web", "sidecar")
    with pytest.raises(BadRequest, match='container "nginx" in pod "web" has no liveness probe'):
        fail_probe(cluster.name, "default", "web", "nginx", "liveness")


def test_a_settled_pod_after_a_fault_writes_nothing_more(cluster):
    cluster.apply(web_pod())
    cluster.advance(10)
    crash_container(cluster.name, "default", "web", "nginx")
    cluster.advance(30)
    before = cluster.resource_version()

    cluster.advance(5)

    assert [c for c in cluster.changes_since(before) if c.object["kind"] == "Pod"] == []


def test_a_fault_injected_by_another_process_reaches_the_kubelet_at_its_next_heartbeat(cluster, monkeypatch):
    """Scale-out: a web process writes the fault; the worker's kubelet was not woken and this
    process's count of faults did not move, so only its look at the table finds it."""
    from playground.sim import faults
    from playground.sim.models import NodeFault
    from playground.store import clusters

    cluster.apply(web_pod())
    cluster.advance(10)
    monkeypatch.setattr(faults, "ANYWHERE_SECONDS", 0.0)
    assert faults.pending_anywhere() is False  # asked now: no fault waits
    monkeypatch.setattr(faults, "ANYWHERE_SECONDS", 3600.0)  # and that answer kept
    pod = cluster.get("Pod", "web", "default")
    NodeFault.objects.create(cluster_id=clusters.id_of(cluster.name), node=pod["spec"]["nodeName"],
                             pod_uid=pod["metadata"]["uid"], container="nginx", fault="crash",
                             at=cluster.now())

    cluster.advance(20)
    assert status(cluster)["restartCount"] == 0  # two heartbeats, but the process's answer stands

    monkeypatch.setattr(faults, "ANYWHERE_SECONDS", 0.0)  # its time to ask again has come
    cluster.advance(11)
    assert status(cluster)["restartCount"] == 1
    assert NodeFault.objects.count() == 0
