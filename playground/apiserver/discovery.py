"""Discovery: which groups, versions and resources this API server serves, built from the
store's kinds (playground/store/kinds.py) so that nothing is advertised that is not served.

kubectl asks `/api` and `/apis` for the aggregated document (apidiscovery.k8s.io/v2, one answer
with every resource) and falls back to the legacy documents (APIVersions, APIGroupList, then one
APIResourceList per group/version) when the answer's Content-Type does not say it is aggregated
(client-go discovery/discovery_client.go). Both are served, from the same table.
Sources: staging/src/k8s.io/api/apidiscovery/v2/types.go, apimachinery's meta/v1 types.go, and
the real server's answer in kubernetes/kubernetes api/discovery/aggregated_v2.json.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playground.store.kinds import KINDS, Kind

Obj = dict[str, Any]

AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
# The resources `kubectl get all` lists (their `categories: [all]` in the real server)
CATEGORY_ALL = {"pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets", "jobs"}
# Named groups in the order the real server lists them (its group priorities)
SCALABLE = {"Deployment", "ReplicaSet", "StatefulSet"}  # they have a /scale subresource
GROUP_ORDER = ("apps", "batch", "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io")


@dataclass(frozen=True)
class Subresource:
    name: str
    verbs: tuple[str, ...]
    response_kind: tuple[str, str, str] | None = None  # (group, version, kind); None: the parent's


def subresources(k: Kind) -> list[Subresource]:
    """The subresources of a kind this server serves."""
    served = []
    if k.kind == "Pod":
        served.append(Subresource("eviction", ("create",), ("policy", "v1", "Eviction")))
        served.append(Subresource("exec", ("create", "get")))
        served.append(Subresource("log", ("get",)))
    if k.kind in SCALABLE:
        served.append(Subresource("scale", ("get", "patch", "update"), ("autoscaling", "v1", "Scale")))
    if k.has_status:
        served.append(Subresource("status", ("get", "patch", "update")))
    return served


def verbs(k: Kind) -> list[str]:
    # A Namespace is deleted one at a time: its content goes with it (no deletecollection)
    return [v for v in VERBS if not (k.kind == "Namespace" and v == "deletecollection")]


def group_versions() -> list[tuple[str, str]]:
    """(group, version) of everything served, the core group first."""
    found = {(k.group, k.api_version.rpartition("/")[2]) for k in KINDS.values()}
    order = ("", *GROUP_ORDER)
    return sorted(found, key=lambda gv: (order.index(gv[0]) if gv[0] in order else len(order), gv))


def kinds_in(group: str, version: str) -> list[Kind]:
    return sorted(
        (k for k in KINDS.values() if k.group == group and k.api_version.rpartition("/")[2] == version),
        key=lambda k: k.plural,
    )


def kind_for_resource(group: str, version: str, resource: str) -> Kind | None:
    return next((k for k in kinds_in(group, version) if k.plural == resource), None)


# -- Legacy documents ---------------------------------------------------------------------------


def api_versions(server_address: str) -> Obj:
    """GET /api"""
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def api_group_list() -> Obj:
    """GET /apis"""
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_api_group(g) for g in _named_groups()]}


def api_group(group: str) -> Obj | None:
    """GET /apis/{group}"""
    return {"kind": "APIGroup", "apiVersion": "v1", **_api_group(group)} if group in _named_groups() else None


def api_resource_list(group: str, version: str) -> Obj | None:
    """GET /api/v1 or /apis/{group}/{version}"""
    kinds = kinds_in(group, version)
    if not kinds:
        return None
    resources = []
    for k in kinds:
        resource = {"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced, "kind": k.kind,
                    "verbs": verbs(k)}
        if k.short_names:
            resource["shortNames"] = list(k.short_names)
        if k.plural in CATEGORY_ALL:
            resource["categories"] = ["all"]
        resources.append(resource)
        for sub in subresources(k):
            group_, version_, kind_ = sub.response_kind or (group, version, k.kind)
            resources.append({
                "name": f"{k.plural}/{sub.name}", "singularName": "", "namespaced": k.namespaced, "kind": kind_,
                "verbs": list(sub.verbs), **({"group": group_, "version": version_} if sub.response_kind else {}),
            })
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": _group_version(group, version),
            "resources": resources}


# -- Aggregated documents -----------------------------------------------------------------------


def aggregated(core: bool) -> Obj:
    """GET /api (core=True) or /apis, asked for as APIGroupDiscoveryList."""
    groups = [""] if core else _named_groups()
    items = []
    for group in groups:
        metadata = {"name": group, "creationTimestamp": None} if group else {"creationTimestamp": None}
        versions = [{"version": v, "resources": [_resource_discovery(k) for k in kinds_in(group, v)],
                     "freshness": "Current"} for g, v in group_versions() if g == group]
        items.append({"metadata": metadata, "versions": versions})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items}


def wants_aggregated(accept: str) -> bool:
    """Whether the Accept header asks for the aggregated document, and v2 of it."""
    for media_range in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media_range.split(";")[1:])
        if params.get("g") == "apidiscovery.k8s.io" and params.get("v") == "v2" and params.get("as") == "APIGroupDiscoveryList":
            return True
    return False


def _resource_discovery(k: Kind) -> Obj:
    group, version = k.group, k.api_version.rpartition("/")[2]
    resource: Obj = {
        "resource": k.plural,
        "responseKind": {"group": group, "version": version, "kind": k.kind},
        "scope": "Namespaced" if k.namespaced else "Cluster",
        "singularResource": k.singular,
        "verbs": verbs(k),
    }
    if k.short_names:
        resource["shortNames"] = list(k.short_names)
    if k.plural in CATEGORY_ALL:
        resource["categories"] = ["all"]
    subs = []
    for sub in subresources(k):
        g, v, kind = sub.response_kind or (group, version, k.kind)
        subs.append({"subresource": sub.name, "responseKind": {"group": g, "version": v, "kind": kind},
                     "verbs": list(sub.verbs)})
    if subs:
        resource["subresources"] = subs
    return resource


def _named_groups() -> list[str]:
    return list(dict.fromkeys(g for g, _ in group_versions() if g))


def _api_group(group: str) -> Obj:
    versions = [{"groupVersion": _group_version(group, v), "version": v} for g, v in group_versions() if g == group]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def _group_version(group: str, version: str) -> str:
    return f"{group}/{version}" if group else version
