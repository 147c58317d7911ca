"""The Deployment controller on the real store: ReplicaSets, revisions, events."""
from __future__ import annotations

import re

from tests.factories import deployment


def replica_sets(cluster):
    return sorted(cluster.list("ReplicaSet"), key=lambda rs: int(rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]))


def test_a_deployment_gets_a_replica_set_named_by_its_template_hash(cluster):
    cluster.apply(deployment("nginx", replicas=3))

    cluster.settle()

    [rs] = replica_sets(cluster)
    template_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(r"[bcdfghjklmnpqrstvwxz2456789]{1,10}", template_hash)
    assert rs["metadata"]["name"] == f"nginx-{template_hash}"
    assert rs["spec"]["replicas"] == 3
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "nginx", "pod-template-hash": template_hash}
    assert len(cluster.list("Pod", label_selector=f"pod-template-hash={template_hash}")) == 3


def test_it_records_the_revision_and_the_scaling(cluster):
    cluster.apply(deployment("nginx", replicas=3))

    cluster.settle()

    d = cluster.get("Deployment", "nginx", "default")
    [rs] = replica_sets(cluster)
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert cluster.event_reasons("Deployment", "nginx") == ["ScalingReplicaSet"]
    [event] = [e for e in cluster.list("Event") if e["involvedObject"]["kind"] == "Deployment"]
    assert event["message"] == f"Scaled up replica set {rs['metadata']['name']} from 0 to 3"


def test_a_new_template_starts_a_new_revision(cluster):
    cluster.apply(deployment("nginx", replicas=4))
    cluster.settle()

    cluster.apply(deployment("nginx", replicas=4, image="nginx:1.28"))
    cluster.settle()

    old, new = replica_sets(cluster)
    assert new["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    assert cluster.get("Deployment", "nginx", "default")["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    # Pods are not Ready without a kubelet: the rollout may only surge by maxSurge (1 of 4) and
    # take down maxUnavailable (1 of 4)
    assert new["spec"]["replicas"] + old["spec"]["replicas"] <= 5
    assert old["spec"]["replicas"] >= 3


def test_deployment_status_observes_the_generation(cluster):
    cluster.apply(deployment("nginx", replicas=2))

    cluster.settle()

    status = cluster.get("Deployment", "nginx", "default")["status"]
    assert status["observedGeneration"] == 1
    assert status["replicas"] == 2
    assert status["updatedReplicas"] == 2
    assert {c["type"]: c["reason"] for c in status["conditions"]} == {
        "Available": "MinimumReplicasUnavailable",
        "Progressing": "ReplicaSetUpdated",
    }
