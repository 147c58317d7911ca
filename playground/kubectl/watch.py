"""`kubectl get -w`: the objects as `get` prints them, then a line for each change, until Ctrl-C.

Get.run with --watch → here: list at a resourceVersion, print the table, then the change log from
that version (store/changelog.watch, a second at a time so that the console's Ctrl-C is seen
while nothing changes) → one row per ADDED, MODIFIED or DELETED object, the headers never again,
columns as wide as the widest row so far (cli-runtime's tabwriter RememberWidths). As
staging/src/k8s.io/kubectl/pkg/cmd/get/get.go watch(): one resource type only; with no object at
first the headers come with the first change; a watch of one named object prints its changes only.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from playground.store import api as store
from playground.store import changelog, selectors, tables
from playground.store.kinds import Kind

from .errors import KubectlError
from .formats import Format, print_documents
from .jsonpath import column_cells
from .printers import print_table, text_table

if TYPE_CHECKING:
    from .commandline.cmdutil import Output

Obj = dict[str, Any]
POLL_SECONDS = 1.0  # how long one wait on the change log lasts: Ctrl-C is seen within it


class WatchPrinter:
    """Prints objects as `get -w` does: table rows (headers once), names, or documents."""

    def __init__(self, cluster: str, out: Output, *, fmt: Format, with_namespace: bool) -> None:
        self.cluster, self.out, self.fmt, self.with_namespace = cluster, out, fmt, with_namespace
        self.widths: list[int] = []
        self.headers_shown = False
        self.printed = 0

    def print(self, objects: list[Obj]) -> None:
        if not objects:
            return
        if self.fmt.name == "custom-columns":  # rows under headers printed once, as the table's
            rows = [column_cells(self.fmt.columns, obj) for obj in objects]
            self.lines(text_table([c.header for c in self.fmt.columns], rows, widths=self.widths,
                                  headers_shown=self.fmt.headers and not self.headers_shown))
            self.headers_shown = True
            return
        if not self.fmt.table:
            for obj in objects:
                if self.fmt.name == "yaml" and self.printed:
                    self.out.line("---")  # the YAML printer separates documents after the first
                print_documents(self.out, [obj], self.fmt, single=True, headers=not self.printed, skip_empty=True)
                self.printed += 1
            return
        wide = self.fmt.name == "wide"
        text = print_table(tables.table(objects, now=store.now(self.cluster), wide=wide), wide=wide, labels=self.fmt.labels,
                           with_namespace=self.with_namespace, headers_shown=self.fmt.headers and not self.headers_shown,
                           widths=self.widths)
        self.headers_shown = True
        self.lines(text)

    def lines(self, text: str) -> None:
        for line in text.rstrip("\n").split("\n"):
            self.out.line(line)


def watch(cluster: str, out: Output, requested: list[tuple[Kind, str | None]], *, namespace: str | None,
          default_namespace: str, selector: str, field_selector: str, fmt: Format, watch_only: bool) -> None:
    """Print, then follow, the objects `kubectl get ... -w` names, until `out.cancelled()`."""
    if len({kind.kind for kind, _ in requested}) != 1:
        raise KubectlError("you may only specify a single resource type")
    kind, names = requested[0][0], {name for _, name in requested if name is not None}
    if len(names) > 1:
        raise KubectlError("watch is only supported on individual resources and resource collections, "
                           f"but {len(names)} resources were found")
    where = namespace if kind.namespaced else None
    label_match = selectors.parse_label_selector(selector)
    field_match = selectors.parse_field_selector(field_selector)

    def wanted(obj: Obj) -> bool:
        return ((not names or obj["metadata"]["name"] in names)
                and (label_match is None or label_match(obj["metadata"].get("labels") or {}))
                and (field_match is None or field_match(obj)))

    since = changelog.cluster_resource_version(cluster)  # listed at this version: the watch misses nothing after it
    printer = WatchPrinter(cluster, out, fmt=fmt, with_namespace=namespace is None and kind.namespaced)
    if names:
        current = [store.get(cluster, kind.kind, next(iter(names)), default_namespace)]
    else:
        current = store.list(cluster, kind.kind, namespace=where, label_selector=selector, field_selector=field_selector)
    if not watch_only:
        printer.print(current)
    matched = {(o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in current}
    while not out.cancelled():
        for event in changelog.watch(cluster, since, kind=kind.kind, namespace=where, timeout=POLL_SECONDS):
            since = event.resource_version
            key = (event.object["metadata"].get("namespace", ""), event.object["metadata"]["name"])
            # An object that stops matching is gone from the watch: the API server sends it as DELETED
            if wanted(event.object) or key in matched:
                printer.print([event.object])
            if wanted(event.object) and event.type != "DELETED":
                matched.add(key)
            else:
                matched.discard(key)
            if out.cancelled():
                return
