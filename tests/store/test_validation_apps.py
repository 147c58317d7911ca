"""Validation of the apps and batch groups: Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs."""
from __future__ import annotations


import pytest

from tests.store.validation_helpers import check, container, job, template, workload


# --- workloads ----------------------------------------------------------------------------------


def test_replicas_may_not_be_negative():
    assert "spec.replicas: Invalid value: -1: must be greater than or equal to 0" in check(workload(replicas=-1))


def test_a_deployment_needs_a_selector():
    obj = workload()
    del obj["spec"]["selector"]

    errors = check(obj)
    assert "spec.selector: Required value" in errors
    assert 'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`' in errors


def test_an_empty_selector_is_invalid_for_a_deployment():
    assert "spec.selector: Invalid value: {}: empty selector is invalid for deployment" in check(workload(selector={}))


def test_the_selector_must_match_the_template_labels():
    obj = workload(template=template(labels={"app": "api"}))

    assert check(obj) == ['spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`']


def test_match_expressions_select_template_labels():
    selector = {"matchExpressions": [
        {"key": "app", "operator": "In", "values": ["web", "api"]},
        {"key": "tier", "operator": "NotIn", "values": ["db"]},
        {"key": "team", "operator": "DoesNotExist"},
    ]}

    assert check(workload(selector=selector)) == []


def test_an_unknown_selector_operator_is_invalid():
    selector = {"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]}

    errors = check(workload(selector=selector))

    assert 'spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator' in errors
    assert any(m.startswith("spec.selector: Invalid value:") and m.endswith("invalid label selector") for m in errors)


def test_in_needs_values_and_exists_takes_none():
    selector = {"matchLabels": {"app": "web"}, "matchExpressions": [
        {"key": "tier", "operator": "In", "values": []},
        {"key": "team", "operator": "Exists", "values": ["x"]},
    ]}

    errors = check(workload(selector=selector))

    assert "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'" in errors
    assert "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'" in errors


def test_a_replicated_template_must_restart_always():
    obj = workload(template=template(restartPolicy="OnFailure"))

    assert check(obj) == ['spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"']


def test_a_template_must_have_containers():
    assert "spec.template.spec.containers: Required value" in check(workload(template=template(containers=[])))


def test_template_labels_are_reported_at_template_labels():
    obj = workload(selector={"matchLabels": {"app": "web"}}, template=template(labels={"app": "web", "bad key": "x"}))

    assert any(m.startswith('spec.template.labels: Invalid value: "bad key"') for m in check(obj))


def test_max_unavailable_must_be_an_int_or_a_percentage():
    obj = workload(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25", "maxSurge": 1}})

    assert check(obj) == [
        "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"25\": a valid percent string must be a numeric "
        "string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
    ]


def test_max_unavailable_may_not_exceed_100_percent():
    obj = workload(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "110%"}})

    assert 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%' in check(obj)


def test_max_surge_and_max_unavailable_may_not_both_be_zero():
    obj = workload(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": "0%"}})

    assert check(obj) == ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"]


def test_max_surge_may_not_be_negative():
    obj = workload(strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": -1}})

    assert "spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0" in check(obj)


def test_a_recreate_deployment_may_not_have_a_rolling_update():
    obj = workload(strategy={"type": "Recreate", "rollingUpdate": {"maxSurge": 1}})

    assert check(obj) == ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]


def test_revision_history_limit_may_not_be_negative():
    assert "spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0" in check(workload(revisionHistoryLimit=-1))


def test_the_progress_deadline_must_exceed_min_ready_seconds():
    obj = workload(minReadySeconds=30, progressDeadlineSeconds=30)

    assert check(obj) == ["spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds"]


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "DaemonSet"])
def test_a_selector_cannot_change_on_update(kind):
    old = workload(kind)
    new = workload(kind, selector={"matchLabels": {"app": "web", "tier": "front"}}, template=template(labels={"app": "web", "tier": "front"}))

    assert 'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable' in check(new, old)


def test_a_deployment_may_change_its_template_and_replicas_on_update():
    old = workload()
    new = workload(replicas=5, template=template(containers=[container(image="nginx:1.27")]))

    assert check(new, old) == []


def test_a_stateful_set_may_only_change_some_spec_fields():
    old = workload("StatefulSet", serviceName="web")
    new = workload("StatefulSet", serviceName="other", replicas=3)

    assert check(new, old) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    ]


def test_a_stateful_set_needs_a_selector():
    obj = workload("StatefulSet")
    obj["spec"]["selector"] = {}

    assert "spec.selector: Invalid value: {}: empty selector is invalid for statefulset" in check(obj)


def test_a_stateful_set_partition_may_not_be_negative():
    obj = workload("StatefulSet", updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": -1}})

    assert "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0" in check(obj)


def test_a_daemon_set_may_not_surge_and_be_unavailable_at_once():
    obj = workload("DaemonSet", updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}})

    assert check(obj) == ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"]


def test_a_daemon_set_without_a_selector_selects_nothing():
    obj = workload("DaemonSet")
    del obj["spec"]["selector"]

    assert check(obj) == ['spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`']


# --- Job ----------------------------------------------------------------------------------------


def test_a_job_may_not_restart_always():
    obj = job(template=template())

    assert 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"' in check(obj)


def test_a_job_without_a_selector_waits_for_the_generated_one():
    obj = job()
    del obj["spec"]["selector"]

    assert check(obj) == []


def test_a_job_with_a_manual_selector_must_give_one():
    obj = job(manualSelector=True)
    del obj["spec"]["selector"]

    assert "spec.selector: Required value" in check(obj)


def test_a_job_gets_a_selector_matching_its_template_from_its_uid():
    obj = job()
    del obj["spec"]["selector"]
    obj["metadata"]["uid"] = "8d4a"

    assert check(obj) == []
    assert obj["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "8d4a"}}


def test_a_job_template_cannot_change():
    old = job()
    new = job(template=template(restartPolicy="Never", containers=[container(image="busybox")]))

    errors = check(new, old)
    assert len(errors) == 1
    assert errors[0].startswith("spec.template: Invalid value:") and errors[0].endswith(": field is immutable")


def test_a_job_backoff_limit_may_not_be_negative():
    assert "spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0" in check(job(backoffLimit=-1))
