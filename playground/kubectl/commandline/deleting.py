"""kubectl delete: by type and name, by selector or --all, or the objects of manifests, then (by
default) waiting until they are gone, as kubectl's pkg/cmd/delete waits with pkg/cmd/wait.

argv → the targets → store.delete with the grace period and propagation policy → a line per
object → `wait_until_deleted` follows the change log until each is gone or replaced by a new uid:
finalizers, foreground dependents and a pod's grace period run on the cluster's clock, --timeout
on real time; Ctrl-C stops the wait, not the deletion.
"""
from __future__ import annotations

import argparse
import time
from typing import Any

from django.conf import settings

from playground.store import api as store
from playground.store import changelog, manifests
from playground.store.errors import NotFound, StoreError
from playground.store.kinds import KINDS, Kind

from .. import podpicker
from ..args import read_manifests
from ..errors import KubectlError
from .cmdutil import Output, Verb, add_namespace, failure_line, selected_objects

CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}


class Delete(Verb):
    name = "delete"
    help = "Delete objects by type and name, by label selector, or those described in manifests (kubectl delete)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resources", nargs="*", metavar="TYPE[,TYPE] [NAME ...] | TYPE/NAME ...")
        parser.add_argument("-f", "--filename", action="append", default=[])
        add_namespace(parser)
        parser.add_argument("-l", "--selector", default="")
        parser.add_argument("--all", action="store_true", help="every object of the type in the namespace")
        parser.add_argument("--grace-period", type=int, default=None)
        parser.add_argument("--now", action="store_true", help="same as --grace-period=1")
        parser.add_argument("--cascade", choices=CASCADE, default="background")
        parser.add_argument("--wait", nargs="?", const="true", default="true", choices=("true", "false"),
                            help="wait until the objects are gone: finalizers, dependents, a pod's grace period (default)")
        parser.add_argument("--timeout", default="0s", help="how long --wait waits (a Go duration, real time); 0: until Ctrl-C")

    def waits(self, **options: Any) -> bool:
        return options.get("wait", "true") == "true"

    def run(self, cluster: str, out: Output, *, resources: list[str], filename: list[str], **options: Any) -> None:
        timeout = podpicker.duration(options.get("timeout", "0s"), flag="--timeout")
        targets = self.targets_from_files(out, filename) if filename else self.targets(cluster, resources, **options)
        grace = 1 if options["now"] else options["grace_period"]
        since = changelog.cluster_resource_version(cluster)  # a watch from here sees every deletion that follows
        deleted: dict[tuple[str, str, str], str] = {}  # (kind, namespace, name) -> the uid that was deleted
        for kind, name, namespace in targets:
            try:
                obj = store.delete(cluster, kind.kind, name, namespace, grace_period_seconds=grace,
                                   propagation_policy=CASCADE[options["cascade"]])
            except StoreError as e:
                out.error(failure_line(e))
                continue
            out.line(f'{kind.kubectl_type} "{name}" deleted')
            deleted[(kind.kind, namespace if kind.namespaced else "", name)] = obj["metadata"].get("uid", "")
        if self.waits(**options) and deleted:
            wait_until_deleted(cluster, out, deleted, since=since, timeout=timeout)


    def targets(self, cluster: str, resources: list[str], *, namespace: str, selector: str,
                **options: Any) -> list[tuple[Kind, str, str]]:
        return selected_objects(cluster, resources, namespace=namespace, selector=selector, all_=options["all"])

    def targets_from_files(self, out: Output, paths: list[str]) -> list[tuple[Kind, str, str]]:
        targets = []
        for source, data in read_manifests(paths, stdin=out.stdin):
            for doc in manifests.parse(data, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES):
                obj = doc.obj or {}
                kind = KINDS.get(obj.get("kind", ""))
                name = (obj.get("metadata") or {}).get("name")
                if doc.error or kind is None or not name:
                    out.error(f"error: {source}: {doc.label}: {doc.error or 'no kind and name to delete'}")
                    continue
                targets.append((kind, name, obj["metadata"].get("namespace") or "default"))
        return targets


WAIT_FOREVER = 168 * 3600  # kubectl delete's --timeout=0: "wait forever", which kubectl makes a week
WAIT_POLL_SECONDS = 1.0  # how often a wait looks at Ctrl-C while nothing changes


def wait_until_deleted(cluster: str, out: Output, deleted: dict[tuple[str, str, str], str], *, since: int,
                       timeout: float) -> None:
    """kubectl delete --wait: return once every deleted object is gone, or replaced by another of the
    same name (a new uid: cmd/wait IsDeleted with delete's UIDMap); Ctrl-C stops waiting, the
    deletions go on. Past `timeout` real seconds (kubectl counts on its own clock), kubectl's error
    for the first object still there."""
    pending = still_there(cluster, deleted)
    deadline = time.monotonic() + (timeout or WAIT_FOREVER)
    while pending:
        if out.cancelled():
            return
        if time.monotonic() >= deadline:
            kind, _, name = next(iter(pending))
            raise KubectlError(f"timed out waiting for the condition on {KINDS[kind].plural}/{name}")
        for event in changelog.watch(cluster, since, timeout=min(WAIT_POLL_SECONDS, deadline - time.monotonic())):
            since = event.resource_version
            meta = event.object["metadata"]
            key = (event.object.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))
            if key in pending and (event.type == "DELETED" or meta.get("uid") != pending[key]):
                del pending[key]
            if not pending or out.cancelled() or time.monotonic() >= deadline:
                break


def still_there(cluster: str, deleted: dict[tuple[str, str, str], str]) -> dict[tuple[str, str, str], str]:
    """The deleted objects that are still stored with the uid that was deleted."""
    left = {}
    for (kind, namespace, name), uid in deleted.items():
        try:
            current = store.get(cluster, kind, name, namespace)
        except NotFound:
            continue
        if current["metadata"].get("uid") == uid:
            left[(kind, namespace, name)] = uid
    return left
