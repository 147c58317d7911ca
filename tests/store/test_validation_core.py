"""Validation of the core group beyond Pods: Services, ConfigMaps, Secrets, storage, Namespaces, Nodes."""
from __future__ import annotations


import pytest

from playground.store.validation.core import go_base64_error
from tests.store.validation_helpers import CONFIG_KEY_ERROR, b64, check, config_map, secret, service


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
