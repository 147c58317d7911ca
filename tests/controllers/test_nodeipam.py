"""A node joining: registered NotReady without a pod range, given the lowest free /24 of the
cluster's 10.244.0.0/16 by the node IPAM controller, then reported Ready by its kubelet."""
from __future__ import annotations

import ipaddress

from playground.controllers.nodeipam import next_pod_cidr
from playground.sim.kind import join_node
from tests.commands.test_kubectl_commands import run


def ready(node: dict) -> str:
    return next(c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready")


def test_a_joined_node_is_not_ready_until_it_has_its_pod_range(cluster):
    join_node(cluster.name)
    registered = cluster.get("Node", "playground-worker3")

    cluster.advance(2)
    joined = cluster.get("Node", "playground-worker3")

    assert "podCIDR" not in registered["spec"] and ready(registered) == "False"
    assert "cni plugin not initialized" in next(c["message"] for c in registered["status"]["conditions"] if c["type"] == "Ready")
    assert joined["spec"]["podCIDR"] == "10.244.3.0/24" and joined["spec"]["podCIDRs"] == ["10.244.3.0/24"]
    assert ready(joined) == "True" and not joined["spec"].get("taints")
    assert cluster.event_reasons("Node", "playground-worker3") == ["NodeReady"]


def test_two_nodes_joining_together_get_ranges_of_their_own(cluster):
    join_node(cluster.name)
    join_node(cluster.name, "big-one")

    cluster.advance(2)

    assert {cluster.get("Node", name)["spec"]["podCIDR"] for name in ("playground-worker3", "big-one")} == {
        "10.244.3.0/24", "10.244.4.0/24"}


def test_the_range_of_a_node_gone_is_given_again_and_a_full_cluster_cidr_gives_none():
    assert next_pod_cidr(["10.244.0.0/24", "10.244.2.0/24"]) == "10.244.1.0/24"
    assert next_pod_cidr([], cluster_cidr=ipaddress.ip_network("10.244.0.0/23")) == "10.244.0.0/24"
    assert next_pod_cidr(["10.244.0.0/24", "10.244.1.0/24"], cluster_cidr=ipaddress.ip_network("10.244.0.0/23")) is None


def test_node_join_names_the_next_worker_and_refuses_a_name_taken(cluster):
    assert run("node", "join") == (0, "node/playground-worker3 joined\n", "")
    status, _, err = run("node", "join", "playground-worker")

    assert status != 0 and 'node "playground-worker" already exists' in err
