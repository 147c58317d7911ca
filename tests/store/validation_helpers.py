"""Objects and helpers the validation tests share: small valid objects to break one field of."""
from __future__ import annotations

import base64

from playground.store.defaults import apply_defaults
from playground.store.validation import validate

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
