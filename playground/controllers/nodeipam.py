"""Node IPAM: each node gets its range of pod addresses, `spec.podCIDR`, from the cluster's.

A Node added without a podCIDR → key `node name` → reconcile: the lowest /24 of the cluster CIDR
no other node holds, written to spec.podCIDR and spec.podCIDRs; none left → a Warning
`CIDRNotAvailable` Event on the node. This is kube-controller-manager's range allocator
(pkg/controller/nodeipam/ipam/range_allocator.go, AllocateOrOccupyCIDR and
updateCIDRsAllocation; cidrset/cidr_set.go) as kind runs it: `--allocate-node-cidrs=true`,
`--cluster-cidr=10.244.0.0/16`, a /24 per node. The network plugin (kindnet) then routes each
node's range, and the node's kubelet reports the node Ready only once it has one
(sim/kubelet.py, report_ready); a pod's sandbox takes its address from it.

Playground: the allocator keeps no memory between passes; the ranges in use are the ones the
cached Nodes hold, and the lowest free one is taken, which is what the allocator does after a
restart (its next candidate starts at the first range) where a long-running one goes on from the
range after the last it gave.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result
from playground.runtime.events import WARNING
from playground.store import api as store
from playground.store.errors import Conflict, NotFound

Obj = dict[str, Any]
CLUSTER_CIDR = ipaddress.ip_network("10.244.0.0/16")  # kind's podSubnet
NODE_CIDR_MASK_SIZE = 24  # --node-cidr-mask-size for IPv4
CIDR_NOT_AVAILABLE = "CIDRNotAvailable"


def next_pod_cidr(occupied: Iterable[str], *, cluster_cidr: ipaddress.IPv4Network = CLUSTER_CIDR,
                  mask_size: int = NODE_CIDR_MASK_SIZE) -> str | None:
    """cidrSet.AllocateNext from a fresh set: the first range of the cluster CIDR not occupied."""
    taken = {ipaddress.ip_network(cidr, strict=False) for cidr in occupied}
    for candidate in cluster_cidr.subnets(new_prefix=mask_size):
        if not any(candidate.overlaps(other) for other in taken):
            return str(candidate)
    return None


class NodeIpamController(Controller):
    kind = "Node"
    component = "node-ipam-controller"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # node → the range given to it that the cache may not show yet, so that two nodes joining
        # together never get the same one (the allocator's own cidrSet marks a range at once)
        self.given: dict[str, str] = {}

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Node" and not (obj.get("spec") or {}).get("podCIDRs"):
            yield obj["metadata"]["name"]

    def reconcile(self, name: Key) -> Result:
        node = self.cache.get("Node", name)
        if node is None or node["metadata"].get("deletionTimestamp") or (node.get("spec") or {}).get("podCIDRs"):
            return Result()  # gone, going (its range is free once it is), or holding a range already
        nodes = self.cache.list("Node")
        held = {n["metadata"]["name"]: (n.get("spec") or {}).get("podCIDRs") or [] for n in nodes}
        self.given = {node: cidr for node, cidr in self.given.items() if node in held and not held[node]}
        cidr = next_pod_cidr([*(c for cidrs in held.values() for c in cidrs), *self.given.values()])
        if cidr is None:
            with store.batch(self.cluster) as batch:  # RecordNodeStatusChange
                self.events.record(batch, node, WARNING, CIDR_NOT_AVAILABLE, f"Node {name} status is now: {CIDR_NOT_AVAILABLE}")
            return Result()
        try:  # at the cached resourceVersion: a node given a range meanwhile keeps its own (Conflict)
            store.update(self.cluster, {**node, "spec": {**node["spec"], "podCIDR": cidr, "podCIDRs": [cidr]}})
            self.given[name] = cidr
        except (Conflict, NotFound):
            pass  # changed or deleted meanwhile: its next change brings it back here
        return Result()
