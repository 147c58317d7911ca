"""PriorityClass and the Priority admission plugin, as the API server has them: the two system
classes in every cluster, a pod's priorityClassName resolved into spec.priority and
spec.preemptionPolicy, and the refusals (plugin/pkg/admission/priority/admission.go,
pkg/apis/scheduling/validation)."""
from __future__ import annotations

import pytest

from playground.components import COMPONENTS
from playground.runtime.cluster import ClusterRuntime
from playground.sim.kind import create_kind_cluster
from playground.store import api as store
from playground.store import clock
from playground.store.errors import Forbidden, Invalid
from tests.commands.test_kubectl_commands import run
from tests.factories import pod


def priority_class(name: str, value: int, **fields) -> dict:
    return {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": name}, "value": value,
            **fields}


def pod_of_class(name: str, class_name: str) -> dict:
    obj = pod(name)
    obj["spec"]["priorityClassName"] = class_name
    return obj


def test_every_cluster_has_the_two_system_priority_classes(cluster):
    status, out, _ = run("get", "priorityclass")

    header, *rows = out.splitlines()
    assert header.split() == ["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"]
    assert [r.split()[:3] + r.split()[-1:] for r in rows] == [
        ["system-cluster-critical", "2000000000", "false", "PreemptLowerPriority"],
        ["system-node-critical", "2000001000", "false", "PreemptLowerPriority"],
    ]


def test_a_pod_gets_the_priority_and_preemption_policy_of_its_class(cluster):
    cluster.create(priority_class("batch", 100, preemptionPolicy="Never"))

    created = cluster.create(pod_of_class("job", "batch"))

    assert (created["spec"]["priority"], created["spec"]["preemptionPolicy"]) == (100, "Never")


def test_a_system_class_resolves_like_any_other(cluster):
    created = cluster.create(pod_of_class("agent", "system-node-critical"))

    assert (created["spec"]["priority"], created["spec"]["preemptionPolicy"]) == (2000001000, "PreemptLowerPriority")


def test_a_pod_naming_no_class_gets_priority_zero_or_the_global_default(cluster):
    plain = cluster.create(pod("plain"))
    cluster.create(priority_class("everyone", 10, globalDefault=True))

    defaulted = cluster.create(pod("defaulted"))

    assert (plain["spec"]["priority"], plain["spec"]["preemptionPolicy"]) == (0, "PreemptLowerPriority")
    assert "priorityClassName" not in plain["spec"]
    assert (defaulted["spec"]["priorityClassName"], defaulted["spec"]["priority"]) == ("everyone", 10)


def test_a_pod_naming_a_missing_class_is_forbidden(cluster):
    with pytest.raises(Forbidden) as refused:
        cluster.create(pod_of_class("web", "gold"))

    assert str(refused.value) == 'pods "web" is forbidden: no PriorityClass with name gold was found'
    assert cluster.list("Pod") == []


def test_a_pod_may_not_set_a_priority_other_than_its_class_gives(cluster):
    direct = pod("web")
    direct["spec"]["priority"] = 1000

    with pytest.raises(Forbidden) as refused:
        cluster.create(direct)

    assert str(refused.value) == (
        'pods "web" is forbidden: the integer value of priority (1000) must not be provided in pod spec; '
        "priority admission controller computed 0 from the given PriorityClass name"
    )


def test_a_user_class_above_one_billion_or_with_the_system_prefix_is_forbidden(cluster):
    with pytest.raises(Invalid) as too_high:
        cluster.create(priority_class("huge", 1_000_000_001))
    with pytest.raises(Invalid) as reserved:
        cluster.create(priority_class("system-mine", 5))

    assert "value: Forbidden: maximum allowed value of a user defined priority is 1000000000" in str(too_high.value)
    assert (
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. "
        "error: system-mine is not a known system priority class"
    ) in str(reserved.value)


def test_only_one_class_may_be_the_global_default(cluster):
    cluster.create(priority_class("first", 1, globalDefault=True))

    with pytest.raises(Forbidden) as refused:
        cluster.create(priority_class("second", 2, globalDefault=True))

    assert str(refused.value) == (
        'priorityclasses.scheduling.k8s.io "second" is forbidden: '
        "PriorityClass first is already marked as default. Only one default can exist"
    )


def test_a_class_value_is_immutable_and_a_system_class_cannot_be_deleted(cluster):
    stored = cluster.create(priority_class("batch", 100))

    with pytest.raises(Invalid) as changed:
        cluster.update({**stored, "value": 200})
    with pytest.raises(Forbidden) as deleting:
        cluster.delete("PriorityClass", "system-node-critical")

    assert "value: Forbidden: may not be changed in an update." in str(changed.value)
    assert str(deleting.value) == (
        'priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: '
        "this is a system priority class and cannot be deleted"
    )


def test_kinds_system_pods_get_the_priorities_of_their_system_classes(db):
    create_kind_cluster("kind")
    clock.set_mode("kind", "paused")

    ClusterRuntime("kind", COMPONENTS).settle()

    pods = store.list("kind", "Pod", namespace="kube-system")

    def priorities(prefix: str) -> set[int]:
        return {p["spec"]["priority"] for p in pods if p["metadata"]["name"].startswith(prefix)}

    assert priorities("coredns-") == {2000000000}
    assert priorities("kube-proxy-") == priorities("kindnet-") == priorities("etcd-") == {2000001000}
