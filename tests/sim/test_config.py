"""The kubelet's check of what a container's environment refers to."""
from __future__ import annotations

from playground.sim.config import container_config_error

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
