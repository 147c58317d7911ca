"""A container's usage against its cgroup: cpu.max and cpu.weight as the kubelet and runc
derive them from limits and requests, memory.max, and OOMKilled above the limit."""
from __future__ import annotations

import pytest

from playground.sim.usage import cgroup_view, container_usage, milli_cpu_to_quota, milli_cpu_to_shares, shares_to_weight

MIB = 2**20


@pytest.mark.parametrize(("resources", "cpu_max", "cpu_weight", "memory_max"), [
    ({"limits": {"cpu": "250m", "memory": "128Mi"}}, "25000 100000", 10, str(128 * MIB)),  # requests = limits
    ({"requests": {"cpu": "1"}, "limits": {"cpu": "2"}}, "200000 100000", 39, "max"),
    ({"requests": {"cpu": "500m", "memory": "64Mi"}}, "max 100000", 20, "max"),
    ({}, "max 100000", 1, "max"),  # BestEffort: 2 shares
    ({"limits": {"cpu": "1m"}}, "1000 100000", 1, "max"),  # the quota's 1 ms floor
])
def test_the_cgroup_follows_requests_and_limits(resources, cpu_max, cpu_weight, memory_max):
    view = cgroup_view({"name": "app", "resources": resources})

    assert (view.cpu_max, view.cpu_weight, view.memory_max) == (cpu_max, cpu_weight, memory_max)


def test_the_conversions_match_the_kubelet_and_runc():
    assert milli_cpu_to_quota(100) == 10_000
    assert milli_cpu_to_shares(100) == 102 and milli_cpu_to_shares(0) == 2
    assert shares_to_weight(2) == 1 and shares_to_weight(262_144) == 10_000 and shares_to_weight(1024) == 39


def stress_pod(name: str, vm_bytes: str, limit: str) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [{
                "name": "memory-demo-ctr", "image": "polinux/stress",
                "resources": {"requests": {"memory": "50Mi"}, "limits": {"memory": limit}},
                "command": ["stress"], "args": ["--vm", "1", "--vm-bytes", vm_bytes, "--vm-hang", "1"]}]}}


def test_memory_in_use_is_shown_against_the_limit(cluster):
    cluster.apply(stress_pod("memory-demo", "150M", "200Mi"))
    cluster.advance(30)

    usage = container_usage(cluster.name, "default", "memory-demo", "memory-demo-ctr")

    assert usage.running and not usage.oom_killed
    assert 150 * MIB <= usage.memory_bytes < 200 * MIB
    assert usage.memory_limit == 200 * MIB and usage.memory_request == 50 * MIB
    assert usage.cgroup.memory_max == str(200 * MIB)


def test_a_container_over_its_limit_is_oom_killed(cluster):
    cluster.apply(stress_pod("memory-demo-2", "250M", "100Mi"))
    cluster.advance(30)

    usage = container_usage(cluster.name, "default", "memory-demo-2", "memory-demo-ctr")

    assert usage.oom_killed and not usage.running and usage.memory_bytes == 0
