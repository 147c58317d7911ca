"""`kubectl apply` semantics: create or update, the last-applied configuration, the three-way merge."""
from __future__ import annotations

import json

from playground.store.api import LAST_APPLIED
from tests.factories import deployment


def test_the_first_apply_creates_and_records_the_configuration(cluster):
    stored, action = cluster.apply(deployment("nginx"))

    assert action == "created"
    assert json.loads(stored["metadata"]["annotations"][LAST_APPLIED]) == deployment("nginx")


def test_applying_the_same_file_again_changes_nothing(cluster):
    cluster.apply(deployment("nginx"))
    before = cluster.resource_version()

    _, action = cluster.apply(deployment("nginx"))

    assert action == "unchanged"
    assert cluster.changes_since(before) == []


def test_a_changed_file_configures_the_object(cluster):
    cluster.apply(deployment("nginx"))

    stored, action = cluster.apply(deployment("nginx", image="nginx:1.28"))

    assert action == "configured"
    assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert stored["metadata"]["generation"] == 2


def test_a_label_removed_from_the_file_is_removed_but_one_added_by_others_stays(cluster):
    cluster.apply(deployment("nginx", labels={"app": "nginx", "tier": "web"}))
    cluster.patch("Deployment", "nginx", "default", {"metadata": {"labels": {"owner": "ops"}}}, patch_type="merge")

    stored, _ = cluster.apply(deployment("nginx", labels={"app": "nginx"}))

    assert stored["metadata"]["labels"] == {"app": "nginx", "owner": "ops"}


def test_replicas_set_by_scale_survive_an_apply_without_replicas(cluster):
    cluster.apply(deployment("nginx", replicas=None))
    cluster.patch("Deployment", "nginx", "default", {"spec": {"replicas": 5}}, patch_type="merge")

    stored, _ = cluster.apply(deployment("nginx", replicas=None, image="nginx:1.28"))

    assert stored["spec"]["replicas"] == 5


def test_switching_to_recreate_drops_the_rolling_update_parameters(cluster):
    cluster.apply(deployment("nginx"))
    recreate = deployment("nginx")
    recreate["spec"]["strategy"] = {"type": "Recreate"}

    stored, _ = cluster.apply(recreate)

    assert stored["spec"]["strategy"] == {"type": "Recreate"}


def test_status_written_by_a_controller_survives_an_apply(cluster):
    stored, _ = cluster.apply(deployment("nginx"))
    stored["status"] = {"replicas": 3, "readyReplicas": 3}
    cluster.update_status(stored)

    again, _ = cluster.apply(deployment("nginx", image="nginx:1.28"))

    assert again["status"] == {"replicas": 3, "readyReplicas": 3}


def test_a_multi_document_manifest_applies_each_document(cluster):
    text = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: -1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: other}
"""
    results = cluster.apply_text(text)

    assert [(r.reference, r.action) for r in results if not r.error] == [
        ("configmap/settings", "created"),
        ("configmap/other", "created"),
    ]
    [failed] = [r for r in results if r.error]
    assert failed.document == "document 2 (Deployment/web)"
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in failed.error
    assert cluster.list("Deployment") == []
