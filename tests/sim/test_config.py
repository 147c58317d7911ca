"""The container's environment as the kubelet computes it: ConfigMaps, Secrets, the downward
API, `$(VAR)` expansion and Service links, and the checks that keep a container waiting."""
from __future__ import annotations

import base64

import pytest

from playground.sim.config import (
    ConfigError,
    container_config_error,
    container_environment,
    expand,
    expand_command,
    pod_field_value,
    resource_field_value,
    service_environment,
)

SETTINGS = {"kind": "ConfigMap", "data": {"mode": "demo"}}


def lookup(kind, name):
    return SETTINGS if (kind, name) == ("ConfigMap", "settings") else None


def env_from(key, name, **extra):
    return {"name": "X", "valueFrom": {key: {"name": name, "key": "mode", **extra}}}


def test_a_missing_config_map_is_named():
    assert container_config_error({"env": [env_from("configMapKeyRef", "other")]}, "default", lookup) == (
        'configmap "other" not found'
    )


def test_a_missing_key_is_named_with_its_config_map():
    container = {"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "level"}}}]}

    assert container_config_error(container, "shop", lookup) == "couldn't find key level in ConfigMap shop/settings"


def test_a_missing_secret_in_env_from_is_named():
    assert container_config_error({"envFrom": [{"secretRef": {"name": "db"}}]}, "default", lookup) == 'secret "db" not found'


def test_optional_references_and_present_keys_are_fine():
    container = {"env": [env_from("configMapKeyRef", "settings"), env_from("secretKeyRef", "db", optional=True)]}

    assert container_config_error(container, "default", lookup) is None


# --- the environment the kubelet computes (makeEnvironmentVariables) ------------------------------

OBJECTS = {
    ("ConfigMap", "settings"): {"kind": "ConfigMap", "data": {"mode": "demo", "LEVEL": "3", "bad-name!": "x"}},
    ("Secret", "db"): {"kind": "Secret", "data": {"password": base64.b64encode(b"s3cret").decode()}},
}
POD = {
    "metadata": {"name": "web-0", "namespace": "shop", "uid": "1234-uid", "labels": {"app": "web"},
                 "annotations": {"team": "blue"}},
    "spec": {"nodeName": "playground-worker", "serviceAccountName": "default"},
    "status": {"podIP": "10.244.1.7", "podIPs": [{"ip": "10.244.1.7"}], "hostIP": "172.18.0.3",
               "hostIPs": [{"ip": "172.18.0.3"}]},
}
NODE = {"status": {"allocatable": {"cpu": "8", "memory": "16Gi"}}}


def objects(kind, name):
    return OBJECTS.get((kind, name))


def env_of(container, **options):
    return container_environment(POD, container, objects, node=NODE, **options)


def test_values_from_config_maps_and_secrets_are_decoded():
    container = {"env": [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
    ]}

    assert env_of(container) == {"MODE": "demo", "PASSWORD": "s3cret"}


def test_env_from_adds_every_valid_key_with_its_prefix_and_reports_the_others():
    warnings: list[str] = []

    env = env_of({"envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "APP_"}]}, warnings=warnings)

    assert env == {"APP_mode": "demo", "APP_LEVEL": "3"}
    assert warnings == ["Keys [APP_bad-name!] from the EnvFrom configmap shop/settings were skipped since they are "
                        "considered invalid environment variable names."]


def test_env_wins_over_env_from_and_expands_what_is_defined_before_it():
    container = {"envFrom": [{"configMapRef": {"name": "settings"}}], "env": [
        {"name": "LEVEL", "value": "9"},
        {"name": "GREETING", "value": "level $(LEVEL) in $(mode), $(MISSING) stays, $$(LEVEL) is escaped"},
    ]}

    env = env_of(container)

    assert env["LEVEL"] == "9"
    assert env["GREETING"] == "level 9 in demo, $(MISSING) stays, $(LEVEL) is escaped"


@pytest.mark.parametrize(("field_path", "value"), [
    ("metadata.name", "web-0"), ("metadata.namespace", "shop"), ("metadata.uid", "1234-uid"),
    ("metadata.labels['app']", "web"), ("metadata.annotations['team']", "blue"),
    ("spec.nodeName", "playground-worker"), ("spec.serviceAccountName", "default"),
    ("status.podIP", "10.244.1.7"), ("status.hostIP", "172.18.0.3"), ("status.podIPs", "10.244.1.7"),
    ("metadata.labels", 'app="web"'),
])
def test_field_refs_read_the_pod(field_path, value):
    assert pod_field_value(POD, field_path) == value


@pytest.mark.parametrize(("resource", "divisor", "value"), [
    ("limits.memory", "1Mi", "128"), ("requests.cpu", "1m", "250"), ("requests.cpu", "1", "1"),
    ("limits.cpu", "1", "8"),  # no cpu limit: the node's allocatable
    ("requests.memory", "1", "67108864"),
])
def test_resource_field_refs_divide_and_round_up(resource, divisor, value):
    container = {"resources": {"limits": {"memory": "128Mi"}, "requests": {"cpu": "250m", "memory": "64Mi"}}}

    assert resource_field_value(container, {"resource": resource, "divisor": divisor}, NODE) == value


def test_missing_optional_references_are_left_out_and_missing_required_ones_fail():
    optional = {"env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k", "optional": True}}},
                        {"name": "Y", "valueFrom": {"secretKeyRef": {"name": "db", "key": "user", "optional": True}}}],
                "envFrom": [{"secretRef": {"name": "nope", "optional": True}}]}
    assert env_of(optional) == {}

    with pytest.raises(ConfigError, match="couldn't find key user in Secret shop/db"):
        env_of({"env": [{"name": "Y", "valueFrom": {"secretKeyRef": {"name": "db", "key": "user"}}}]})


def test_services_of_the_namespace_become_docker_link_variables():
    services = [
        {"metadata": {"name": "redis-primary", "namespace": "shop"},
         "spec": {"clusterIP": "10.96.0.11", "ports": [{"name": "redis", "port": 6379, "protocol": "TCP"}]}},
        {"metadata": {"name": "headless", "namespace": "shop"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}},
        {"metadata": {"name": "kubernetes", "namespace": "default"},
         "spec": {"clusterIP": "10.96.0.1", "ports": [{"name": "https", "port": 443, "protocol": "TCP"}]}},
    ]

    env = service_environment(services, "shop", enable_service_links=True)

    assert env["REDIS_PRIMARY_SERVICE_HOST"] == "10.96.0.11"
    assert env["REDIS_PRIMARY_SERVICE_PORT"] == env["REDIS_PRIMARY_SERVICE_PORT_REDIS"] == "6379"
    assert env["REDIS_PRIMARY_PORT"] == env["REDIS_PRIMARY_PORT_6379_TCP"] == "tcp://10.96.0.11:6379"
    assert env["REDIS_PRIMARY_PORT_6379_TCP_ADDR"] == "10.96.0.11"
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1"
    assert not any(name.startswith("HEADLESS") for name in env)
    # enableServiceLinks: false keeps only the master service
    assert set(service_environment(services, "shop", enable_service_links=False)) == {
        name for name in env if name.startswith("KUBERNETES")}


def test_command_and_args_expand_variables_as_the_runtime_receives_them():
    container = {"command": ["/bin/echo", "$(SPECIAL_LEVEL_KEY) $(SPECIAL_TYPE_KEY)"]}

    assert expand_command(container, {"SPECIAL_LEVEL_KEY": "very", "SPECIAL_TYPE_KEY": "charm"})["command"] == [
        "/bin/echo", "very charm"]
    assert expand("$(", {}) == "$(" and expand("a$", {}) == "a$" and expand("$x", {}) == "$x"
