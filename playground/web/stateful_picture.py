"""The StatefulSet page's picture: each ordinal's identity (pod name, node, pod IP, stable DNS
name), its storage (claim → volume), its revision, and an ordinal coming back after its pod was
deleted, with the same name and the same claim.

store (StatefulSet, pods, claims, ControllerRevisions, governing Service and Endpoints, Events)
→ stateful_set_picture → templates/web/statefulset.html#live. The ordinals, names and claims are
the StatefulSet controller's own rules (controllers/statefulset.py: getPodName,
getPersistentVolumeClaimName), the DNS answer is CoreDNS's (sim/dns.py), so the page and the
cluster agree.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from playground.controllers import statefulset as sts_rules
from playground.sim import dns
from playground.store.controller_ref import controller_of
from playground.store.pods import is_ready

from .picture import conditions, object_url, pod_tile
from .storage_picture import claim_box

Obj = dict[str, Any]


def stateful_set_picture(cluster: str, sts: Obj, pods: list[Obj], claims: list[Obj], revisions: list[Obj], *,
                         now: datetime.datetime, service: Obj | None = None, endpoints: Obj | None = None,
                         events: Iterable[Obj] = ()) -> Obj:
    """The set's ordinals, each with its pod (or none yet), where it runs and the name it answers
    to, the revision it runs and its claims (with the volume each is bound to); the revisions,
    partition and status counters."""
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    mine = {p["metadata"]["name"]: p for p in pods if (controller_of(p) or {}).get("uid") == sts["metadata"].get("uid")}
    by_claim = {c["metadata"]["name"]: c for c in claims}
    first, last = sts_rules.start_ordinal(sts), sts_rules.end_ordinal(sts)
    ordinals = sorted({*range(first, last + 1), *(_ordinal(name) for name in mine if _ordinal(name) is not None)})
    created = pod_creations(events, sts)
    namespace = sts["metadata"].get("namespace", "")
    rows = []
    for ordinal in ordinals:
        name = sts_rules.pod_name(sts, ordinal)
        pod = mine.get(name)
        row = {
            "ordinal": ordinal,
            "name": name,
            "in_range": first <= ordinal <= last,
            "pod": pod_tile(pod, now=now) if pod else None,
            **placement(cluster, pod),
            "dns": stable_dns(cluster, sts, name, pod, service, endpoints),
            **revision_of(pod, status.get("updateRevision", "")),
            "claims": [claim_box(cluster, by_claim.get(claim), claim, namespace)
                       for claim in (sts_rules.claim_name(t, sts, ordinal) for t in spec.get("volumeClaimTemplates") or [])],
        }
        rows.append({**row, **comeback(row, pod, sts, created=created.get(name, 0))})
    return {
        "ordinals": rows,
        "retained": retained_claims(cluster, sts, claims, shown=set(ordinals)),
        "service_name": spec.get("serviceName", ""),
        "service_url": object_url(cluster, "Service", spec["serviceName"], namespace) if service is not None else "",
        "headless": service is not None and (service.get("spec") or {}).get("clusterIP") == "None",
        "pod_management_policy": spec.get("podManagementPolicy", "OrderedReady"),
        "update_strategy": sts_rules.update_strategy(sts),
        "partition": sts_rules.partition(sts),
        "current_revision": status.get("currentRevision", ""),
        "update_revision": status.get("updateRevision", ""),
        "counters": [{"name": key, "value": status.get(key, 0)} for key in STATEFUL_SET_COUNTERS],
        "revisions": sorted(
            ({"name": r["metadata"]["name"], "revision": r.get("revision", 0)} for r in revisions
             if (controller_of(r) or {}).get("uid") == sts["metadata"].get("uid")),
            key=lambda r: r["revision"], reverse=True,
        ),
        "retention": sts_rules.retention_policy(sts),
        "conditions": conditions(sts),
    }


def placement(cluster: str, pod: Obj | None) -> Obj:
    """Where the ordinal's pod runs: its node (linked) and its pod IP."""
    node = ((pod or {}).get("spec") or {}).get("nodeName", "")
    return {"node": node, "node_url": object_url(cluster, "Node", node) if node else "",
            "ip": ((pod or {}).get("status") or {}).get("podIP", "")}


def revision_of(pod: Obj | None, update_revision: str) -> Obj:
    revision = (pod["metadata"].get("labels") or {}).get(sts_rules.REVISION_LABEL, "") if pod else ""
    return {"revision": revision, "updated": bool(pod) and revision == update_revision}


def stable_dns(cluster: str, sts: Obj, name: str, pod: Obj | None, service: Obj | None, endpoints: Obj | None) -> Obj:
    """The ordinal's stable name, `<pod>.<serviceName>.<namespace>.svc.cluster.local`, and what
    CoreDNS answers for it now (the pod's IP once it is a ready endpoint of the headless
    Service), or why it answers nothing; with a link to ask the DNS page."""
    service_name, namespace = sts["spec"].get("serviceName") or "", sts["metadata"].get("namespace", "")
    if not service_name:
        return {"name": "", "address": "", "url": "", "why": "no serviceName: its pods have no DNS name of their own"}
    fqdn = f"{name}.{service_name}.{namespace}.svc.{dns.ZONE}"
    found = {"name": fqdn, "address": "", "url": f"/clusters/{cluster}/dns/?" + urlencode({"name": fqdn, "namespace": namespace, "type": "A"})}
    if service is None:
        return {**found, "why": f"no Service {service_name} in {namespace}: the name does not resolve"}
    if (service.get("spec") or {}).get("clusterIP") != "None":
        return {**found, "why": f"Service {service_name} has a cluster IP: only a headless one (clusterIP: None) names each pod"}
    world = dns.World(services={(namespace, service_name): service},
                      endpoints={(namespace, service_name): endpoints} if endpoints else {},
                      pods=[], namespaces=None, pod_mode="insecure")
    records = dns.query(f"{fqdn}.", "A", world).records
    if records and pod is None:  # the Endpoints lag behind the pod: CoreDNS answers from them
        return {**found, "address": records[0].data, "why": "stale: the Service's Endpoints still list the pod that is gone"}
    if records:
        return {**found, "address": records[0].data, "why": ""}
    return {**found, "why": _unanswered(pod, service)}


def _unanswered(pod: Obj | None, service: Obj) -> str:
    if pod is None:
        return "no pod: no address to answer with"
    if not (pod.get("status") or {}).get("podIP"):
        return "no pod IP yet"
    if not is_ready(pod) and not service["spec"].get("publishNotReadyAddresses"):
        return "not ready: CoreDNS answers with ready pods only"
    return "not in the Service's Endpoints yet"


def pod_creations(events: Iterable[Obj], sts: Obj) -> dict[str, int]:
    """How many times the StatefulSet controller created each pod name, from its Events
    (`SuccessfulCreate` "create Pod web-0 in StatefulSet web successful", counted)."""
    created: dict[str, int] = {}
    suffix = f" in StatefulSet {sts['metadata']['name']} successful"
    for event in events:
        message = event.get("message", "")
        if (event.get("involvedObject") or {}).get("uid") != sts["metadata"].get("uid") or event.get("reason") != "SuccessfulCreate":
            continue
        if message.startswith("create Pod ") and message.endswith(suffix):
            name = message[len("create Pod "):-len(suffix)]
            created[name] = created.get(name, 0) + int(event.get("count") or 1)
    return created


def comeback(row: Obj, pod: Obj | None, sts: Obj, *, created: int) -> Obj:
    """A StatefulSet pod is a stable identity: deleted, it comes back with the same name and the
    same claims (the controller recreates the missing ordinal; its claims were never deleted).
    While it is gone (or going), and once it is back, the row says so."""
    claims = ", ".join(c["name"] for c in row["claims"] if c["exists"])
    same = f"same name and claim {claims}" if claims else "same name"
    if not row["in_range"] or sts["metadata"].get("deletionTimestamp"):
        return {"gone": False, "comeback": ""}
    if pod is None and created:
        return {"gone": True, "comeback": f"{row['name']} is gone: the StatefulSet controller creates it again, {same}"}
    if pod is not None and pod["metadata"].get("deletionTimestamp"):
        return {"gone": False, "comeback": f"being deleted: it comes back, {same}"}
    if pod is not None and created > 1:
        return {"gone": False, "comeback": f"recreated, {same}"}
    return {"gone": False, "comeback": ""}


STATEFUL_SET_COUNTERS = ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas")


def _ordinal(name: str) -> int | None:
    found = sts_rules.STATEFUL_POD_NAME.match(name)
    return int(found.group(2)) if found else None


CLAIM_ORDINAL = re.compile(r"0|[1-9][0-9]*")  # the ordinal as strconv.Itoa writes it: data-web-02 is no pod's


def retained_claims(cluster: str, sts: Obj, claims: list[Obj], *, shown: set[int]) -> list[Obj]:
    """The set's claims left behind for ordinals outside [start, end] that have no row of their
    own (no pod any more): the namespace's claims named `<template>-<set>-<ordinal>`
    (getPersistentVolumeClaimName). With whenScaled Retain they outlive the scale-down and the
    pod of that ordinal mounts them again once the range includes it; with whenScaled Delete
    the pod owns them and the garbage collector deletes them with it."""
    templates = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates") or []]
    found: dict[int, list[tuple[int, Obj]]] = {}
    for claim in claims:
        match = _claim_ordinal(claim["metadata"]["name"], templates, sts["metadata"]["name"])
        if match is not None and match[1] not in shown:
            found.setdefault(match[1], []).append((match[0], claim))
    last = sts_rules.end_ordinal(sts)
    rows = []
    for ordinal in sorted(found):
        pod = sts_rules.pod_name(sts, ordinal)
        rows.append({
            "ordinal": ordinal,
            "name": pod,
            "why": "scaled down" if ordinal > last else f"below ordinals.start {sts_rules.start_ordinal(sts)}",
            "claims": [
                {**claim_box(cluster, claim, claim["metadata"]["name"], sts["metadata"].get("namespace", "")),
                 "note": _retained_note(claim, sts, pod, back="on scale-up" if ordinal > last
                                        else f"if ordinals.start comes down to {ordinal}")}
                for _, claim in sorted(found[ordinal], key=lambda found_claim: found_claim[0])
            ],
        })
    return rows


def _claim_ordinal(name: str, templates: list[str], set_name: str) -> tuple[int, int] | None:
    """(which template, which ordinal) a claim named `<template>-<set>-<ordinal>` is, or None."""
    for index, template in enumerate(templates):
        prefix = f"{template}-{set_name}-"
        if name.startswith(prefix) and CLAIM_ORDINAL.fullmatch(name[len(prefix):]):
            return index, int(name[len(prefix):])
    return None


def _retained_note(claim: Obj, sts: Obj, pod: str, *, back: str) -> str:
    meta = claim["metadata"]
    if meta.get("deletionTimestamp"):
        finalizers = meta.get("finalizers") or []
        return "being deleted" + (f" (waiting for finalizers: {', '.join(finalizers)})" if finalizers else "")
    if any(ref.get("kind") == "Pod" and ref.get("name") == pod for ref in meta.get("ownerReferences") or []):
        return f"owned by pod {pod} (as whenScaled: Delete makes it): the garbage collector deletes it with the pod"
    when_scaled = sts_rules.retention_policy(sts)["whenScaled"]
    kept = "kept (whenScaled: Retain)" if when_scaled == sts_rules.RETAIN else f"kept (no ownerReference to pod {pod})"
    return f"{kept}: {pod} gets it back {back}"
