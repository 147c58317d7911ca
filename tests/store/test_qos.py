"""A pod's QoS class, as ComputePodQOS gives it, written by admission into the new pod's status."""
from __future__ import annotations

from playground.store.qos import qos_class
from tests.factories import pod


def spec(*resources: dict, init: dict | None = None) -> dict:
    containers = [{"name": f"c{i}", "image": "nginx:1.27", "resources": r} for i, r in enumerate(resources)]
    out = {"containers": containers}
    if init is not None:
        out["initContainers"] = [{"name": "init", "image": "busybox:1.36", "resources": init}]
    return out


def test_nothing_requested_is_best_effort_and_a_zero_request_counts_as_nothing():
    assert qos_class(spec({})) == "BestEffort"
    assert qos_class(spec({"requests": {"cpu": "0", "memory": "0"}})) == "BestEffort"


def test_limits_equal_to_requests_for_cpu_and_memory_in_every_container_is_guaranteed():
    full = {"requests": {"cpu": "500m", "memory": "128Mi"}, "limits": {"cpu": "0.5", "memory": "128Mi"}}
    assert qos_class(spec(full, full)) == "Guaranteed"
    assert qos_class(spec(full, {"requests": {"cpu": "100m"}})) == "Burstable"  # one container without limits
    assert qos_class(spec(full, init={"limits": {"memory": "64Mi"}})) == "Burstable"  # init containers count too


def test_admission_writes_the_class_into_the_new_pod(cluster):
    guaranteed = pod("web")
    guaranteed["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1", "memory": "1Gi"}}

    assert cluster.create(guaranteed)["status"]["qosClass"] == "Guaranteed"
