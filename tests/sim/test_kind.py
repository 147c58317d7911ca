"""A demo cluster made as kind makes one: kube-system's static pods and CoreDNS come up."""
from __future__ import annotations

import pytest

from playground.controllers.runtime import ClusterRuntime
from playground.sim.kind import create_kind_cluster
from playground.sim.components import COMPONENTS
from playground.store import api as store
from playground.store import clock


@pytest.fixture
def kind(db):
    create_kind_cluster("kind")
    clock.set_mode("kind", "paused")
    runtime = ClusterRuntime("kind", COMPONENTS)
    runtime.advance(90)
    return {p["metadata"]["name"]: p for p in store.list("kind", "Pod", namespace="kube-system")}


def test_the_control_plane_runs_its_static_pods_on_the_host_network(kind):
    for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        pod = kind[f"{component}-playground-control-plane"]
        assert pod["status"]["phase"] == "Running"
        assert pod["status"]["podIP"] == "172.18.0.2"  # the control plane's own address


def test_coredns_runs_two_ready_replicas_from_images_already_on_the_nodes(kind):
    coredns = [p for name, p in kind.items() if name.startswith("coredns-")]
    assert len(coredns) == 2
    assert all(any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"]) for p in coredns)
    reasons = {e["reason"] for e in store.list("kind", "Event", namespace="kube-system")}
    assert "Pulling" not in reasons  # kind's node image already holds them
    assert store.get("kind", "Deployment", "coredns", "kube-system")["status"]["availableReplicas"] == 2


def test_every_node_runs_kube_proxy_and_kindnet_on_its_own_address(kind):
    for daemon in ("kube-proxy", "kindnet"):
        pods = [p for name, p in kind.items() if name.startswith(f"{daemon}-")]
        assert sorted(p["spec"]["nodeName"] for p in pods) == [
            "playground-control-plane", "playground-worker", "playground-worker2",
        ]
        assert all(p["status"]["podIP"] == p["status"]["hostIP"] and p["status"]["phase"] == "Running" for p in pods)


def test_each_kube_system_workload_runs_as_its_own_service_account_and_static_pods_mount_no_token(kind):
    for prefix, account in (("coredns-", "coredns"), ("kube-proxy-", "kube-proxy"), ("kindnet-", "kindnet")):
        pods = [p for name, p in kind.items() if name.startswith(prefix)]
        assert pods and {p["spec"]["serviceAccountName"] for p in pods} == {account}
        assert all(v["name"].startswith("kube-api-access-") for p in pods for v in p["spec"]["volumes"][-1:])
    etcd = kind["etcd-playground-control-plane"]  # a mirror pod: the ServiceAccount admission leaves it alone
    assert not any(v["name"].startswith("kube-api-access-") for v in etcd["spec"].get("volumes") or [])
