"""Finding your way: which cluster a page is about, the sidebar of kinds (grouped as Kubernetes
UIs group them: the Dashboard, Headlamp, Lens), the list of clusters, and which objects an
Events timeline names that are gone.

request → current_cluster → the header's links (templates/web/base.html) and the sidebar
(templatetags/navigation.py) stay in the page's cluster; store.clusters.summaries → the list of
clusters (navigation_views.py); the store's index → the sidebar's counts and the Events
page's "deleted" marks, without reading an object.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from playground.store import api as store
from playground.store import clock, clusters, tables
from playground.store.errors import NotFound
from playground.store.kinds import KINDS, Kind

Obj = dict[str, Any]


@dataclass(frozen=True)
class KindGroup:
    title: str
    kinds: tuple[str, ...]


# The Kubernetes Dashboard's sections, with the kinds the playground serves
SIDEBAR = (
    KindGroup("Workloads", ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "Pod")),
    KindGroup("Service & networking", ("Service", "Endpoints", "EndpointSlice")),
    KindGroup("Config & storage", ("ConfigMap", "Secret", "PersistentVolumeClaim", "PersistentVolume", "StorageClass")),
    KindGroup("Cluster", ("Node", "Namespace", "Event", "ServiceAccount", "PriorityClass")),
)
# The pages about one object, by URL name, and the kind they show (for the sidebar's "you are here")
PAGE_KINDS = {k.singular: k.kind for k in KINDS.values()} | {"container-fs": "Pod"}


# Pages in a layout of their own: the lessons (they teach by themselves), the workshops' pages
OWN_LAYOUT = frozenset({"lessons", "lesson", "lesson-step", "workshops", "workshop", "room", "projector", "join"})


def bare(request: HttpRequest | None) -> bool:
    """Whether the page goes without the sidebar and the note: a lesson's page, or a page
    embedded beside a lesson's text (`?embed=1`, which shows no header either)."""
    if request is None:
        return False
    match = getattr(request, "resolver_match", None)
    return bool(request.GET.get("embed")) or (match is not None and match.url_name in OWN_LAYOUT)


def plural_title(kind: str) -> str:
    """A kind's plural as the Dashboard titles it: Deployments, Endpoints, StorageClasses."""
    if kind.endswith("ss"):
        return f"{kind}es"
    return kind if kind.endswith("s") else f"{kind}s"


def current_cluster(request: HttpRequest | None, context_cluster: object = None) -> str:
    """The cluster the page is about (its context's, else its URL's), or "" when it has none or
    that cluster does not exist: a page's links then lead to the list of clusters."""
    name = context_cluster if isinstance(context_cluster, str) else ""
    match = getattr(request, "resolver_match", None)
    if not name and match is not None:
        name = str(match.kwargs.get("cluster", ""))
    if not name or clock.cluster_row(name) is None:
        return ""
    return name


def objects_url(cluster: str, *, kind: Kind | None = None, namespace: str = "") -> str:
    """The objects page, for one kind (by its resource, as kubectl names it) and one namespace."""
    query = {"kind": kind.plural} if kind else {}
    if namespace and (kind is None or kind.namespaced):
        query["namespace"] = namespace
    return f"/clusters/{cluster}/objects/" + (f"?{urlencode(query)}" if query else "")


def sidebar(cluster: str, *, current: str = "") -> list[Obj]:
    """The sidebar's groups, each kind with its link and how many the cluster holds (counted on
    the store's index: a few milliseconds for ten thousand objects, and never a cold informer's
    whole list on a page that did not need one). `current` is the kind the page shows."""
    try:
        counts = clusters.object_counts(cluster)
    except NotFound:
        return []
    return [
        {"title": group.title, "kinds": [
            {"kind": kind, "title": plural_title(kind), "current": aria_current(kind, current), "count": counts.get(kind, 0),
             "url": f"/clusters/{cluster}/events/" if kind == "Event" else objects_url(cluster, kind=KINDS[kind])}
            for kind in group.kinds if kind in KINDS
        ]}
        for group in SIDEBAR
    ]


def aria_current(kind: str, current: str) -> str:
    """`page` on the list of the kind, `true` on the page of one of its objects (the kind is
    where the reader is, not the page they are on), else nothing."""
    shown, _, list_page = current.partition(":")
    return "" if kind != shown else ("page" if list_page else "true")


def page_kind(request: HttpRequest | None) -> str:
    """The kind the page lists (`Deployment:list`, the objects page's `?kind=`) or of the object
    it shows (`Deployment`)."""
    match = getattr(request, "resolver_match", None)
    if match is None or request is None:
        return ""
    if match.url_name == "objects":
        found = [k.kind for k in KINDS.values() if k.plural == request.GET.get("kind")]
        return f"{found[0]}:list" if found else ""
    if match.url_name == "events":
        return "Event:list"
    return str(match.kwargs.get("kind", "")) or PAGE_KINDS.get(match.url_name or "", "")


# --- the list of clusters ------------------------------------------------------------------------


def cluster_rows(summaries: Iterable[clusters.Summary], *, wall: datetime.datetime | None = None) -> list[Obj]:
    """One row per cluster as the list shows it: NAME, NODES, PODS, AGE (in the cluster's own
    simulated time, as `kubectl get nodes` there shows the age of its nodes)."""
    return [
        {"name": s.name, "url": f"/clusters/{s.name}/", "nodes": s.nodes, "pods": s.pods,
         "age": tables.human_duration(s.clock.now(wall=wall) - s.clock.origin), "clock": clock_column(s.clock, wall=wall)}
        for s in summaries
    ]


def clock_column(state: clock.ClockState, *, wall: datetime.datetime | None = None) -> str:
    """"running", "paused", or "asleep (5 min)": one asleep runs nothing until someone opens it;
    "running, held" while its clock waits for its controllers (store/clock.py)."""
    if state.asleep(wall=wall):
        return f"asleep ({clock.idle_text(state.idle_seconds(wall=wall))})"
    return "running, held" if state.held(wall=wall) else state.mode


# --- Events about objects that are gone ----------------------------------------------------------


def mark_deleted(cluster: str, lines: list[Obj]) -> None:
    """Unlink the timeline's lines whose object is gone (its page would be a 404) and mark them
    deleted. An object counts as there if one of its kind and name is, even a newer one (a
    StatefulSet's pod made again under its name): its page shows that one. Asked after the
    Events were read, so an object is never older than the Event about it."""
    named = [line for line in lines if line["url"] and line["involved"][0] in KINDS]
    there = store.existing(cluster, (line["involved"] for line in named))
    for line in named:
        kind, namespace, name = line["involved"]
        if (kind, namespace if KINDS[kind].namespaced else "", name) not in there:
            line["url"], line["deleted"] = "", True
