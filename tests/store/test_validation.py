"""Validation rejects what the API server rejects, with the API server's words: ObjectMeta and
the rules every kind shares (the other groups are in test_validation_*.py)."""
from __future__ import annotations

import copy

import pytest

from playground.store.validation import validate
from tests.store.validation_helpers import (
    LABEL_ERROR,
    SUBDOMAIN_ERROR,
    b64,
    check,
    config_map,
    job,
    pod,
    secret,
    service,
    workload,
)


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
