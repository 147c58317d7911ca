"""kubectl's resource arguments: `TYPE NAME ...`, `TYPE/NAME ...`, `TYPE,TYPE` and `all`."""
from __future__ import annotations

import pytest

from playground.kubectl.args import resolve_kinds, resource_arguments
from playground.kubectl.errors import KubectlError


def kinds_and_names(args: list[str]) -> list[tuple[str, str | None]]:
    return [(kind.kind, name) for kind, name in resource_arguments(args)]


def test_a_type_alone_means_every_object_of_it():
    assert kinds_and_names(["deploy"]) == [("Deployment", None)]


def test_a_type_then_names_names_each_object():
    assert kinds_and_names(["pods", "web-1", "web-2"]) == [("Pod", "web-1"), ("Pod", "web-2")]


def test_type_slash_name_pairs_may_mix_types():
    assert kinds_and_names(["deployment/nginx", "svc/nginx"]) == [("Deployment", "nginx"), ("Service", "nginx")]


def test_all_is_what_kubectl_get_all_shows():
    assert [k.kind for k in resolve_kinds("all")] == [
        "Pod", "Service", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet", "Job"
    ]


def test_a_type_the_server_does_not_have_is_kubectls_error():
    with pytest.raises(KubectlError, match='the server doesn\'t have a resource type "widgets"'):
        resource_arguments(["widgets"])


def test_type_slash_name_cannot_mix_with_a_separate_type():
    with pytest.raises(KubectlError, match="no need to specify a resource type as a separate argument"):
        resource_arguments(["deployment/nginx", "nginx"])
