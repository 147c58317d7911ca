"""Field managers and server-side apply on objects, as structured-merge-diff decides them."""
from __future__ import annotations

import copy

import pytest

from playground.store import fieldmanager
from playground.store.kinds import KINDS

DEPLOYMENT = KINDS["Deployment"]
NOW = "2026-01-01T00:00:00Z"


def deployment(image="nginx:1.27", replicas=2, **container):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": image, **container}]}}}}


def owned(obj, manager, operation="Apply"):
    entry = next(e for e in obj["metadata"]["managedFields"] if e["manager"] == manager and e["operation"] == operation)
    return {fieldmanager.format_path(p) for p in fieldmanager.from_fields_v1(entry["fieldsV1"])}


def test_the_field_set_names_list_items_by_their_keys_and_atomic_fields_whole():
    paths = fieldmanager.field_set(DEPLOYMENT, deployment(ports=[{"containerPort": 80, "protocol": "TCP"}],
                                                          args=["-v", "2"]))

    assert ("f:spec", "f:selector") in paths  # a LabelSelector is an atomic map
    container = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"web"}')
    assert (*container, ".") in paths
    assert (*container, "f:args") in paths  # an atomic list
    assert (*container, "f:ports", 'k:{"containerPort":80,"protocol":"TCP"}', "f:containerPort") in paths
    assert fieldmanager.format_path((*container, "f:image")) == '.spec.template.spec.containers[name="web"].image'


def test_fields_v1_round_trips():
    paths = fieldmanager.field_set(DEPLOYMENT, deployment())
    assert fieldmanager.from_fields_v1(fieldmanager.to_fields_v1(paths)) == paths


def test_an_update_takes_the_fields_it_changed_from_the_applier():
    applied = fieldmanager.apply(DEPLOYMENT, None, deployment(), "kubectl", force=False, now=NOW)
    scaled = copy.deepcopy(applied)
    scaled["spec"]["replicas"] = 5

    after = fieldmanager.update(DEPLOYMENT, applied, scaled, "kubectl-scale", NOW)

    assert owned(after, "kubectl-scale", "Update") == {".spec.replicas"}
    assert ".spec.replicas" not in owned(after, "kubectl")
    assert '.spec.template.spec.containers[name="web"].image' in owned(after, "kubectl")


def test_applying_another_value_of_a_field_someone_else_owns_is_a_conflict_unless_forced():
    live = fieldmanager.update(DEPLOYMENT, None, deployment(), "kubectl-client-side-apply", NOW)

    with pytest.raises(fieldmanager.ApplyConflict) as conflict:
        fieldmanager.apply(DEPLOYMENT, live, deployment(image="nginx:1.28"), "kubectl", force=False, now=NOW)
    forced = fieldmanager.apply(DEPLOYMENT, live, deployment(image="nginx:1.28"), "kubectl", force=True, now=NOW)

    assert conflict.value.message == ('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using '
                                      'apps/v1: .spec.template.spec.containers[name="web"].image')
    assert forced["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert '.spec.template.spec.containers[name="web"].image' not in owned(forced, "kubectl-client-side-apply", "Update")


def test_the_same_value_is_shared_not_a_conflict():
    live = fieldmanager.update(DEPLOYMENT, None, deployment(), "kubectl-client-side-apply", NOW)

    applied = fieldmanager.apply(DEPLOYMENT, live, deployment(), "kubectl", force=False, now=NOW)

    assert ".spec.replicas" in owned(applied, "kubectl")
    assert ".spec.replicas" in owned(applied, "kubectl-client-side-apply", "Update")


def test_a_field_the_applier_no_longer_names_is_removed_unless_another_manager_owns_it():
    first = fieldmanager.apply(DEPLOYMENT, None, deployment(ports=[{"containerPort": 80, "protocol": "TCP"}],
                                                            env=[{"name": "A", "value": "1"}]),
                               "kubectl", force=False, now=NOW)
    shared = fieldmanager.update(DEPLOYMENT, first, _with_env(first, "B"), "kubectl-edit", NOW)

    second = fieldmanager.apply(DEPLOYMENT, shared, deployment(), "kubectl", force=False, now=NOW)

    container = second["spec"]["template"]["spec"]["containers"][0]
    assert "ports" not in container  # only the applier had it
    assert container["env"] == [{"name": "B", "value": "1"}]  # kubectl-edit set B: it stays


def _with_env(obj, name):
    changed = copy.deepcopy(obj)
    changed["spec"]["template"]["spec"]["containers"][0]["env"].append({"name": name, "value": "1"})
    return changed
