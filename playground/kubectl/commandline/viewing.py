"""The verbs that read and show objects: get (its tables and output formats, -w), describe and
explain, as kubectl's pkg/cmd/get, pkg/cmd/describe and pkg/cmd/explain.

argv → Get.run → the store's lists (or one object each) → printers.py's table or formats.py's
documents (watch.py for -w); Describe.run → describe.py's text per object; Explain.run →
explain.py over the schemas (no cluster). `named_objects` is the resource builder of describe and
edit: the objects `TYPE NAME ...` or `TYPE` name, a missing one printed as kubectl's NotFound.
"""
from __future__ import annotations

import argparse
import datetime
from typing import Any, Iterator

from playground.store import api as store
from playground.store.errors import NotFound
from playground.store.kinds import KINDS

from .. import describe, explain, jsonpath, watch
from ..args import resource_arguments
from ..errors import KubectlError
from ..formats import Format, print_documents, read_format
from ..printers import table
from .cmdutil import Obj, Output, Verb, add_namespace, add_template, failure_line, out_failed


class Get(Verb):
    name = "get"
    help = "Display objects (kubectl get): `get deployments`, `get pod web-1 -o yaml`, `get pods -A -l app=web`."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resources", nargs="+", metavar="TYPE[,TYPE] [NAME ...] | TYPE/NAME ...")
        add_namespace(parser)
        parser.add_argument("-A", "--all-namespaces", action="store_true")
        parser.add_argument("-l", "--selector", default="", help="label selector: app=web,tier in (a,b)")
        parser.add_argument("--field-selector", default="", help="e.g. spec.nodeName=playground-worker")
        parser.add_argument("-o", "--output", help="wide, yaml, json, name, jsonpath=TEMPLATE, custom-columns=SPEC, "
                                                    "go-template=TEMPLATE")
        add_template(parser)
        parser.add_argument("--show-labels", action="store_true", help="a LABELS column")
        parser.add_argument("-L", "--label-columns", action="append", default=[], metavar="KEY[,KEY]",
                            help="a column for each label key")
        parser.add_argument("--no-headers", action="store_true")
        parser.add_argument("--sort-by", default="", metavar="JSONPATH", help="e.g. .metadata.creationTimestamp")
        parser.add_argument("-w", "--watch", action="store_true", help="after the list, a line per change (Ctrl-C stops)")
        parser.add_argument("--watch-only", action="store_true", help="a line per change, without the list first")

    def waits(self, **options: Any) -> bool:
        return bool(options.get("watch") or options.get("watch_only"))

    def run(self, cluster: str, out: Output, *, resources: list[str], output: str | None, **options: Any) -> None:
        namespace = None if options["all_namespaces"] else options["namespace"]
        fmt = read_format(output, template=options.get("template", ""), show_labels=options.get("show_labels", False),
                          allow_missing_keys=options.get("allow_missing_template_keys", "true"),
                          no_headers=options.get("no_headers", False),
                          label_columns=[k for keys in options.get("label_columns") or [] for k in keys.split(",") if k])
        requested = resource_arguments(resources)
        if self.waits(**options):
            return watch.watch(cluster, out, requested, namespace=namespace, default_namespace=options["namespace"],
                               selector=options["selector"], field_selector=options["field_selector"], fmt=fmt,
                               watch_only=options.get("watch_only", False))
        groups: list[list[Obj]] = []  # one list of objects per kind, in the order asked
        for kind, name in requested:
            if name is None:
                found = store.list(cluster, kind.kind, namespace=namespace, label_selector=options["selector"],
                                   field_selector=options["field_selector"])
            else:
                found = self.get_one(cluster, out, kind.kind, name, options["namespace"])
            if groups and groups[-1][0]["kind"] == kind.kind:
                groups[-1].extend(found)
            elif found:
                groups.append(found)
        if options.get("sort_by"):
            groups = [jsonpath.sorted_by(options["sort_by"], group) for group in groups]
        items = [obj for group in groups for obj in group]
        if not fmt.table and items:
            print_documents(out, items, fmt, single=len(requested) == 1 and requested[0][1] is not None)
        elif groups and fmt.table:
            out.line(self.tables(groups, now=store.now(cluster), fmt=fmt, all_namespaces=namespace is None))
        if not items and not any(name for _, name in requested):
            where = "" if namespace is None else f" in {namespace} namespace"
            out.notice(f"No resources found{where}.")

    def get_one(self, cluster: str, out: Output, kind: str, name: str, namespace: str) -> list[Obj]:
        try:
            return [store.get(cluster, kind, name, namespace)]
        except NotFound as e:
            out.error(failure_line(e))
            return []

    def tables(self, groups: list[list[Obj]], *, now: datetime.datetime, fmt: Format, all_namespaces: bool) -> str:
        return "\n\n".join(
            table(group, now=now, wide=fmt.name == "wide", with_kind=len(groups) > 1, labels=fmt.labels,
                  headers_shown=fmt.headers, with_namespace=all_namespaces and KINDS[group[0]["kind"]].namespaced)
            for group in groups
        ).rstrip("\n")


class Describe(Verb):
    name = "describe"
    help = ("Show an object's details and its Events (kubectl describe): `describe pod web-1`, "
            "`describe deployments -l app=web`, `describe nodes`.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resources", nargs="+", metavar="TYPE [NAME ...] | TYPE/NAME ...")
        add_namespace(parser)
        parser.add_argument("-A", "--all-namespaces", action="store_true")
        parser.add_argument("-l", "--selector", default="", help="label selector: app=web,tier in (a,b)")

    def run(self, cluster: str, out: Output, *, resources: list[str], namespace: str, selector: str,
            all_namespaces: bool, **_: Any) -> None:
        shown = 0
        for obj in named_objects(cluster, out, resources, namespace=namespace, all_namespaces=all_namespaces,
                                 selector=selector):
            if shown:  # kubectl separates two objects by two empty lines
                out.line("")
                out.line("")
            out.line(describe.describe(cluster, obj))
            shown += 1
        if not shown and not out_failed(out):
            where = "" if all_namespaces else f" in {namespace} namespace"
            out.notice(f"No resources found{where}.")


def named_objects(cluster: str, out: Output, resources: list[str], *, namespace: str, all_namespaces: bool = False,
                  selector: str = "") -> Iterator[Obj]:
    """The objects `TYPE NAME ...` or `TYPE` (all of them, matching the selector) name, in order;
    a missing one is printed as kubectl's NotFound and skipped."""
    for kind, name in resource_arguments(resources):
        if name is None:
            yield from store.list(cluster, kind.kind, namespace=None if all_namespaces else namespace,
                                  label_selector=selector)
        else:
            yield from Get().get_one(cluster, out, kind.kind, name, namespace)


class Explain(Verb):
    name = "explain"
    help = "Describe a resource or one of its fields (kubectl explain): `explain pods.spec.containers`."
    needs_cluster = False

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resource", help="TYPE[.FIELD[.FIELD]], e.g. deployment.spec.strategy")
        parser.add_argument("--recursive", action="store_true", help="every field below, names and types only")

    def run(self, cluster: str, out: Output, *, resource: str, recursive: bool, **_: Any) -> None:
        try:
            kind, path = explain.parse_resource(resource)
            out.line(explain.render(kind, path, recursive=recursive).rstrip("\n"))
        except explain.ExplainError as e:
            raise KubectlError(str(e)) from None
