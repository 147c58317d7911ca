"""Validation rejects what the API server rejects, with the API server's words."""
from __future__ import annotations

import base64
import copy

import pytest

from playground.store.defaults import apply_defaults
from playground.store.validation import validate
from playground.store.validation.core import go_base64_error

SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
CONFIG_KEY_ERROR = (
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
    "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
)


def messages(errors):
    return [str(error) for error in errors]


def defaulted(obj):
    apply_defaults(obj)
    return obj


def check(obj, old=None):
    """The messages for an object defaulted as the store defaults it."""
    return messages(validate(defaulted(obj), defaulted(old) if old is not None else None))


def container(name="web", image="nginx:1.25", **fields):
    return {"name": name, "image": image, **fields}


def pod(name="web", **spec):
    spec.setdefault("containers", [container()])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def template(labels=None, **spec):
    spec.setdefault("containers", [container()])
    return {"metadata": {"labels": {"app": "web"} if labels is None else labels}, "spec": spec}


def workload(kind="Deployment", api_version="apps/v1", name="web", **spec):
    spec.setdefault("selector", {"matchLabels": {"app": "web"}})
    spec.setdefault("template", template())
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def job(**spec):
    spec.setdefault("template", template(restartPolicy="Never"))
    return workload("Job", "batch/v1", **spec)


def service(name="web", **spec):
    spec.setdefault("ports", [{"port": 80}])
    spec.setdefault("selector", {"app": "web"})
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def config_map(data=None, **fields):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app", "namespace": "default"}, "data": data or {}, **fields}


def secret(data=None, **fields):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "app", "namespace": "default"}, "data": data or {}, **fields}


def b64(text):
    return base64.b64encode(text.encode()).decode()


# --- valid objects ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        pod(),
        workload("Deployment"),
        workload("ReplicaSet"),
        workload("StatefulSet", serviceName="web"),
        workload("DaemonSet"),
        job(),
        service(),
        config_map({"a.conf": "x"}),
        secret({"password": b64("s3cret")}),
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "worker-1"}},
    ],
    ids=lambda obj: obj["kind"],
)
def test_a_well_formed_object_has_no_errors(obj):
    assert check(obj) == []


# --- ObjectMeta ---------------------------------------------------------------------------------


def test_a_name_is_required():
    obj = pod()
    del obj["metadata"]["name"]

    assert "metadata.name: Required value: name or generateName is required" in check(obj)


def test_a_generate_name_stands_in_for_the_name():
    obj = pod()
    obj["metadata"] = {"generateName": "web-", "namespace": "default"}

    assert check(obj) == []


def test_a_bad_generate_name_is_reported():
    obj = pod()
    obj["metadata"] = {"generateName": "Web-", "namespace": "default"}

    assert f'metadata.generateName: Invalid value: "Web-": {SUBDOMAIN_ERROR}' in check(obj)


def test_most_names_are_dns_subdomains():
    assert f'metadata.name: Invalid value: "Web_1": {SUBDOMAIN_ERROR}' in check(pod(name="Web_1"))


def test_a_subdomain_name_may_contain_dots():
    assert check(workload(name="web.v1")) == []


def test_a_namespace_name_is_a_dns_label():
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team.a"}}

    assert 'metadata.name: Invalid value: "team.a": must not contain dots' in check(obj)


def test_a_stateful_set_name_is_a_dns_label():
    assert f'metadata.name: Invalid value: "web_1": {LABEL_ERROR}' in check(workload("StatefulSet", name="web_1"))


def test_a_service_name_must_start_with_a_letter():
    assert check(service(name="1web")) == [
        'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters '
        "or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    ]


def test_a_name_longer_than_253_characters_is_too_long():
    assert f'metadata.name: Invalid value: "{"a" * 254}": must be no more than 253 characters' in check(pod(name="a" * 254))


def test_a_namespaced_object_needs_a_namespace():
    obj = pod()
    del obj["metadata"]["namespace"]

    assert "metadata.namespace: Required value" in check(obj)


def test_a_namespace_must_be_a_dns_label():
    obj = pod()
    obj["metadata"]["namespace"] = "Team"

    assert f'metadata.namespace: Invalid value: "Team": {LABEL_ERROR}' in check(obj)


def test_a_cluster_scoped_object_may_not_have_a_namespace():
    obj = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "namespace": "default"}}

    assert "metadata.namespace: Forbidden: not allowed on this type" in check(obj)


def test_a_label_key_name_part_is_at_most_63_characters():
    obj = pod()
    obj["metadata"]["labels"] = {"x" * 64: "v"}

    assert f'metadata.labels: Invalid value: "{"x" * 64}": name part must be no more than 63 characters' in check(obj)


def test_a_label_key_prefix_must_be_a_dns_subdomain():
    obj = pod()
    obj["metadata"]["labels"] = {"Example.com/app": "web"}

    assert f'metadata.labels: Invalid value: "Example.com/app": prefix part {SUBDOMAIN_ERROR}' in check(obj)


def test_a_label_key_may_have_a_single_prefix():
    obj = pod()
    obj["metadata"]["labels"] = {"app.kubernetes.io/name": "web"}

    assert check(obj) == []


def test_a_label_key_with_two_slashes_is_not_a_qualified_name():
    obj = pod()
    obj["metadata"]["labels"] = {"a/b/c": "x"}

    assert check(obj) == [
        'metadata.labels: Invalid value: "a/b/c": a qualified name must consist of alphanumeric characters, '
        "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  "
        "or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional "
        "DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    ]


def test_a_label_value_must_start_and_end_with_an_alphanumeric():
    obj = pod()
    obj["metadata"]["labels"] = {"app": "-web"}

    assert check(obj) == [
        'metadata.labels: Invalid value: "-web": a valid label must be an empty string or consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    ]


def test_an_empty_label_value_is_valid():
    obj = pod()
    obj["metadata"]["labels"] = {"canary": ""}

    assert check(obj) == []


def test_annotation_keys_are_qualified_names_in_any_case():
    obj = pod()
    obj["metadata"]["annotations"] = {"Example.COM/Note": "ok", "bad key": "x"}

    errors = check(obj)
    assert len(errors) == 1
    assert errors[0].startswith('metadata.annotations: Invalid value: "bad key": name part must consist of')


def test_annotations_may_total_at_most_256_kib():
    obj = pod()
    obj["metadata"]["annotations"] = {"big": "x" * (256 * 1024)}

    assert "metadata.annotations: Too long: must have at most 262144 bytes" in check(obj)


def test_only_one_owner_reference_may_be_the_controller():
    obj = pod()
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "uid": "1", "controller": True}
    obj["metadata"]["ownerReferences"] = [{**owner, "name": "a"}, {**owner, "name": "b"}]

    assert any(
        'Only one reference can have Controller set to true. Found "true" in references for ReplicaSet/a and ReplicaSet/b' in m
        for m in check(obj)
    )


# --- ObjectMeta on update -----------------------------------------------------------------------


def test_a_name_cannot_change_on_update():
    old = pod()
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "other"

    assert 'metadata.name: Invalid value: "other": field is immutable' in check(new, old)


def test_a_uid_cannot_change_on_update():
    old = pod()
    old["metadata"]["uid"] = "a"
    new = copy.deepcopy(old)
    new["metadata"]["uid"] = "b"

    assert 'metadata.uid: Invalid value: "b": field is immutable' in check(new, old)


def test_an_update_that_leaves_out_the_uid_keeps_it():
    old = pod()
    old["metadata"]["uid"] = "a"

    assert check(pod(), old) == []


def test_no_finalizer_may_be_added_while_deleting():
    old = pod()
    old["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    new = copy.deepcopy(old)
    new["metadata"]["finalizers"] = ["example.com/hold"]

    assert (
        'metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, '
        'found new finalizers []string{"example.com/hold"}'
    ) in check(new, old)


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


# --- Pod spec -----------------------------------------------------------------------------------


def test_a_pod_needs_containers():
    assert check(pod(containers=[])) == ["spec.containers: Required value"]


def test_a_container_needs_an_image():
    assert check(pod(containers=[{"name": "web"}])) == ["spec.containers[0].image: Required value"]


def test_a_container_image_may_not_have_surrounding_whitespace():
    assert 'spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace' in check(
        pod(containers=[container(image=" nginx")])
    )


def test_a_container_name_is_a_dns_label():
    assert check(pod(containers=[container(name="Web")])) == [f'spec.containers[0].name: Invalid value: "Web": {LABEL_ERROR}']


def test_container_names_are_unique_across_containers_and_init_containers():
    obj = pod(containers=[container(), container()], initContainers=[container(image="busybox")])

    errors = check(obj)
    assert 'spec.containers[1].name: Duplicate value: "web"' in errors
    assert 'spec.initContainers[0].name: Duplicate value: "web"' in errors


def test_a_container_port_is_between_1_and_65535():
    obj = pod(containers=[container(ports=[{"containerPort": 70000}])])

    assert check(obj) == ["spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]


def test_container_port_names_are_unique():
    obj = pod(containers=[container(ports=[{"name": "http", "containerPort": 80}, {"name": "http", "containerPort": 81}])])

    assert check(obj) == ['spec.containers[0].ports[1].name: Duplicate value: "http"']


def test_a_port_name_needs_a_letter():
    obj = pod(containers=[container(ports=[{"name": "8080", "containerPort": 8080}])])

    assert check(obj) == ['spec.containers[0].ports[0].name: Invalid value: "8080": must contain at least one letter (a-z)']


def test_a_port_protocol_must_be_supported():
    obj = pod(containers=[container(ports=[{"containerPort": 80, "protocol": "HTTP"}])])

    assert check(obj) == ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']


def test_an_env_var_name_may_not_contain_an_equals_sign():
    obj = pod(containers=[container(env=[{"name": "A=B", "value": "x"}])])

    assert check(obj) == [
        'spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only '
        "of printable ASCII characters other than '='"
    ]


def test_an_env_var_needs_a_name():
    assert check(pod(containers=[container(env=[{"value": "x"}])])) == ["spec.containers[0].env[0].name: Required value"]


def test_an_env_var_takes_a_value_or_a_value_from_not_both():
    env = [{"name": "A", "value": "x", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "a"}}}]

    assert check(pod(containers=[container(env=env)])) == [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty'
    ]


def test_resource_quantities_must_parse():
    obj = pod(containers=[container(resources={"requests": {"memory": "1GB"}})])

    assert check(obj) == [
        'spec.containers[0].resources.requests[memory]: Invalid value: "1GB": '
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    ]


def test_a_request_may_not_exceed_its_limit():
    obj = pod(containers=[container(resources={"limits": {"cpu": "1"}, "requests": {"cpu": "1500m"}})])

    assert check(obj) == ['spec.containers[0].resources.requests: Invalid value: "1500m": must be less than or equal to cpu limit of 1']


def test_resource_quantities_may_not_be_negative():
    obj = pod(containers=[container(resources={"requests": {"cpu": "-1"}})])

    assert check(obj) == ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0']


def test_an_unknown_unprefixed_resource_is_not_a_container_resource():
    obj = pod(containers=[container(resources={"requests": {"gpu": "1"}})])

    assert check(obj) == ['spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers']


def test_a_probe_needs_exactly_one_handler():
    no_handler = pod(containers=[container(readinessProbe={"periodSeconds": 5})])
    two_handlers = pod(containers=[container(readinessProbe={"exec": {"command": ["true"]}, "tcpSocket": {"port": 80}})])

    assert check(no_handler) == ["spec.containers[0].readinessProbe: Required value: must specify a handler type"]
    assert check(two_handlers) == ["spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not specify more than 1 handler type"]


def test_a_liveness_probe_succeeds_after_one_success():
    probe = {"httpGet": {"port": 80}, "successThreshold": 2}

    assert check(pod(containers=[container(livenessProbe=probe)])) == [
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1"
    ]


def test_probe_timings_may_not_be_negative():
    probe = {"tcpSocket": {"port": 80}, "initialDelaySeconds": -5}

    assert check(pod(containers=[container(readinessProbe=probe)])) == [
        "spec.containers[0].readinessProbe.initialDelaySeconds: Invalid value: -5: must be greater than or equal to 0"
    ]


def test_an_init_container_may_not_have_probes():
    obj = pod(initContainers=[container(name="init", livenessProbe={"exec": {"command": ["true"]}})])

    assert check(obj) == ["spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always"]


def test_volume_names_are_unique_dns_labels():
    obj = pod(volumes=[{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}, {"name": "Cache", "emptyDir": {}}])

    errors = check(obj)
    assert 'spec.volumes[1].name: Duplicate value: "data"' in errors
    assert f'spec.volumes[2].name: Invalid value: "Cache": {LABEL_ERROR}' in errors


def test_a_volume_has_one_source():
    obj = pod(volumes=[{"name": "data", "emptyDir": {}, "configMap": {"name": "cfg"}}])

    assert check(obj) == ["spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type"]


def test_a_volume_mount_must_name_a_volume():
    obj = pod(containers=[container(volumeMounts=[{"name": "data", "mountPath": "/data"}])])

    assert check(obj) == ['spec.containers[0].volumeMounts[0].name: Not found: "data"']


def test_mount_paths_are_unique_within_a_container():
    mounts = [{"name": "data", "mountPath": "/data"}, {"name": "data", "mountPath": "/data"}]
    obj = pod(volumes=[{"name": "data", "emptyDir": {}}], containers=[container(volumeMounts=mounts)])

    assert check(obj) == ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/data": must be unique']


def test_a_config_map_volume_needs_a_name_and_a_sane_mode():
    obj = pod(volumes=[{"name": "cfg", "configMap": {"defaultMode": 0o1000}}])

    assert check(obj) == [
        "spec.volumes[0].configMap.name: Required value",
        "spec.volumes[0].configMap.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive",
    ]


def test_a_restart_policy_must_be_supported():
    assert check(pod(restartPolicy="Sometimes")) == [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
    ]


def test_a_toleration_without_a_key_must_use_exists():
    obj = pod(tolerations=[{"operator": "Equal", "value": "x", "effect": "NoSchedule"}])

    assert check(obj) == [
        'spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, '
        'which means "match all values and all keys"'
    ]


def test_a_toleration_effect_must_be_a_taint_effect():
    obj = pod(tolerations=[{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoRun"}])

    assert check(obj) == [
        'spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'
    ]


# --- Pod update ---------------------------------------------------------------------------------

POD_UPDATE_FORBIDDEN = (
    "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
    "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def test_a_pod_may_change_its_image():
    assert check(pod(containers=[container(image="nginx:1.27")]), pod()) == []


def test_a_pod_may_add_a_toleration():
    toleration = {"key": "example.com/spot", "operator": "Exists", "effect": "NoSchedule"}

    assert check(pod(tolerations=[toleration]), pod()) == []


def test_a_pod_may_not_change_an_existing_toleration():
    old = pod(tolerations=[{"key": "example.com/spot", "operator": "Exists", "effect": "NoSchedule"}])
    new = pod(tolerations=[{"key": "example.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])

    assert "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds" in check(new, old)


def test_a_pod_may_not_change_its_ports():
    old = pod(containers=[container(ports=[{"containerPort": 80}])])
    new = pod(containers=[container(ports=[{"containerPort": 8080}])])

    errors = check(new, old)
    assert len(errors) == 1
    assert errors[0].startswith(POD_UPDATE_FORBIDDEN + "\n")
    assert "spec.containers[0].ports[0].containerPort: 80 -> 8080" in errors[0]


def test_a_pod_may_not_add_containers():
    new = pod(containers=[container(), container(name="sidecar")])

    assert check(new, pod()) == ["spec.containers: Forbidden: pod updates may not add or remove containers"]


def test_a_pod_may_shorten_but_not_extend_its_deadline():
    old = pod(activeDeadlineSeconds=60)

    assert check(pod(activeDeadlineSeconds=30), old) == []
    assert check(pod(activeDeadlineSeconds=90), old) == [
        "spec.activeDeadlineSeconds: Invalid value: 90: must be less than or equal to previous value"
    ]


# --- Service ------------------------------------------------------------------------------------


def test_a_service_needs_ports():
    assert check(service(ports=[])) == ["spec.ports: Required value"]


def test_a_headless_service_may_have_no_ports():
    assert check(service(ports=[], clusterIP="None")) == []


def test_a_service_port_is_between_1_and_65535():
    assert "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive" in check(service(ports=[{"port": 0}]))


def test_service_ports_need_names_when_there_are_several():
    obj = service(ports=[{"port": 80}, {"name": "https", "port": 443}])

    assert check(obj) == ["spec.ports[0].name: Required value"]


def test_service_port_names_are_unique():
    obj = service(ports=[{"name": "web", "port": 80}, {"name": "web", "port": 8080}])

    assert check(obj) == ['spec.ports[1].name: Duplicate value: "web"']


def test_a_service_type_must_be_supported():
    assert check(service(type="Ingress")) == [
        'spec.type: Unsupported value: "Ingress": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'
    ]


def test_a_node_port_must_be_in_the_node_port_range():
    obj = service(type="NodePort", ports=[{"port": 80, "nodePort": 8080}])

    assert check(obj) == [
        "spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767"
    ]


def test_a_cluster_ip_service_may_not_have_a_node_port():
    obj = service(ports=[{"port": 80, "nodePort": 30080}])

    assert check(obj) == ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]


def test_a_service_protocol_must_be_supported():
    obj = service(ports=[{"port": 80, "protocol": "tcp"}])

    assert check(obj) == ['spec.ports[0].protocol: Unsupported value: "tcp": supported values: "SCTP", "TCP", "UDP"']


def test_a_service_selector_follows_the_label_rules():
    assert any(m.startswith('spec.selector: Invalid value: "bad key"') for m in check(service(selector={"bad key": "x"})))


def test_a_cluster_ip_cannot_change():
    old = service(clusterIP="10.96.0.10")
    new = service(clusterIP="10.96.0.11")

    assert check(new, old) == ['spec.clusterIP: Invalid value: "10.96.0.11": field is immutable']


def test_an_update_without_a_cluster_ip_keeps_the_allocated_one():
    assert check(service(), service(clusterIP="10.96.0.10")) == []


# --- ConfigMap and Secret -----------------------------------------------------------------------


def test_config_map_keys_are_config_keys():
    assert check(config_map({"my key": "x"})) == [f'data[my key]: Invalid value: "my key": {CONFIG_KEY_ERROR}']


def test_a_config_map_key_may_not_be_dot_dot():
    assert 'data[..]: Invalid value: "..": must not be \'..\'' in check(config_map({"..": "x"}))


def test_a_key_may_not_be_in_both_data_and_binary_data():
    obj = config_map({"a": "x"}, binaryData={"a": b64("y")})

    assert check(obj) == ['data[a]: Invalid value: "a": duplicate of key present in binaryData']


def test_config_map_values_are_strings():
    assert check(config_map({"a": 1})) == ["data[a]: Invalid value: 1: must be a string"]


def test_a_config_map_holds_at_most_one_mebibyte():
    assert check(config_map({"a": "x" * (1024 * 1024 + 1)})) == [": Too long: must have at most 1048576 bytes"]


def test_secret_values_must_be_base64():
    assert check(secret({"password": "not base64!"})) == [
        'data[password]: Invalid value: "<secret contents redacted>": illegal base64 data at input byte 3'
    ]


def test_secret_keys_are_config_keys():
    assert check(secret({"pass word": b64("x")})) == [f'data[pass word]: Invalid value: "pass word": {CONFIG_KEY_ERROR}']


def test_a_tls_secret_needs_a_certificate_and_a_key():
    assert check(secret({"tls.crt": b64("cert")}, type="kubernetes.io/tls")) == ["data[tls.key]: Required value"]


def test_a_docker_config_secret_needs_valid_json():
    missing = secret(type="kubernetes.io/dockerconfigjson")
    broken = secret({".dockerconfigjson": b64("{not json")}, type="kubernetes.io/dockerconfigjson")

    assert check(missing) == ["data[.dockerconfigjson]: Required value"]
    assert len(check(broken)) == 1
    assert check(broken)[0].startswith('data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": ')


def test_a_basic_auth_secret_needs_a_username_or_a_password():
    assert check(secret(type="kubernetes.io/basic-auth")) == ["data[username]: Required value", "data[password]: Required value"]
    assert check(secret({"password": b64("x")}, type="kubernetes.io/basic-auth")) == []


def test_an_ssh_auth_secret_needs_a_private_key():
    assert check(secret(type="kubernetes.io/ssh-auth")) == ["data[ssh-privatekey]: Required value"]


def test_a_secret_holds_at_most_one_mebibyte():
    assert check(secret({"big": b64("x" * (1024 * 1024 + 1))})) == ["data: Too long: must have at most 1048576 bytes"]


def test_an_immutable_config_map_keeps_its_data():
    old = config_map({"a": "x"}, immutable=True)
    new = config_map({"a": "y"}, immutable=True)

    assert check(new, old) == ["data: Forbidden: field is immutable when `immutable` is set"]


def test_an_immutable_secret_stays_immutable():
    old = secret({"a": b64("x")}, immutable=True)
    new = secret({"a": b64("x")}, immutable=False)

    assert check(new, old) == ["immutable: Forbidden: field is immutable when `immutable` is set"]


def test_a_mutable_config_map_may_become_immutable():
    assert check(config_map({"a": "y"}, immutable=True), config_map({"a": "x"})) == []


def test_a_secret_type_cannot_change():
    old = secret({"username": b64("u")}, type="kubernetes.io/basic-auth")
    new = secret({"username": b64("u")})

    assert check(new, old) == ['type: Invalid value: "Opaque": field is immutable']


@pytest.mark.parametrize(
    ("text", "offset"),
    [("aGVsbG8=", None), ("aGVsbG8", 4), ("aGVs\nbG8=", None), ("a===", 1), ("aGVsbG8=x", 8), ("aG!s", 2), ("", None)],
)
def test_base64_errors_are_found_where_go_finds_them(text, offset):
    assert go_base64_error(text) == offset


# --- storage ------------------------------------------------------------------------------------


def claim(**spec):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "default"}, "spec": spec}


def test_a_claim_needs_an_access_mode_and_a_size():
    assert check(claim()) == [
        "spec.accessModes: Required value: at least 1 access mode is required",
        "spec.resources[storage]: Required value",
    ]


def test_a_claim_access_mode_must_be_supported():
    obj = claim(accessModes=["ReadWriteSometimes"], resources={"requests": {"storage": "1Gi"}})

    assert check(obj) == [
        'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: '
        '"ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"'
    ]


def test_a_claimed_size_must_be_positive():
    obj = claim(accessModes=["ReadWriteOnce"], resources={"requests": {"storage": "0"}})

    assert check(obj) == ['spec.resources[storage]: Invalid value: "0": must be greater than zero']


def test_a_claim_may_be_bound_once_but_not_otherwise_changed():
    old = claim(accessModes=["ReadWriteOnce"], resources={"requests": {"storage": "1Gi"}})
    bound = claim(accessModes=["ReadWriteOnce"], resources={"requests": {"storage": "1Gi"}}, volumeName="pv-1")
    changed = claim(accessModes=["ReadWriteMany"], resources={"requests": {"storage": "1Gi"}})

    assert check(bound, old) == []
    errors = check(changed, old)
    assert len(errors) == 1
    assert errors[0].startswith(
        "spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"
    )


def test_a_persistent_volume_needs_a_capacity():
    volume = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"}, "spec": {"accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/data"}}}

    assert check(volume) == ["spec.capacity: Required value"]


def test_a_storage_class_needs_a_provisioner():
    storage_class = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"}}

    assert check(storage_class) == ["provisioner: Required value"]


# --- Namespace, Node, Event ---------------------------------------------------------------------


def test_a_node_taint_effect_is_required():
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "spec": {"taints": [{"key": "dedicated"}]}}

    assert check(node) == ["spec.taints[0].effect: Required value"]


def test_an_event_lives_in_the_namespace_of_its_object():
    event = {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "other"}, "reason": "Scheduled",
    }

    assert check(event) == ['involvedObject.namespace: Invalid value: "other": does not match event.namespace']


# --- robustness ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "obj",
    [
        {"kind": "Pod", "metadata": "nope", "spec": {"containers": [1, "x", None], "volumes": {"a": 1}}},
        {"kind": "Deployment", "spec": {"selector": ["x"], "template": 3, "strategy": "fast"}},
        {"kind": "Service", "spec": {"ports": [{"port": "eighty"}], "type": 1}},
        {"kind": "Secret", "data": {"a": 5}, "type": None},
        {"kind": "ConfigMap", "data": ["a"], "binaryData": {"b": None}},
        {"kind": "PersistentVolumeClaim", "spec": {"resources": {"requests": {"storage": "lots"}}}},
    ],
    ids=lambda obj: obj["kind"],
)
def test_odd_input_gives_errors_not_exceptions(obj):
    errors = validate(obj)

    assert errors
    assert all(error.type != "Internal error" for error in errors)


def test_an_unknown_kind_has_nothing_to_check():
    assert validate({"kind": "Widget", "metadata": {}}) == []
