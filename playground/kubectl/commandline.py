"""kubectl's command line: each verb's flags and what it prints, one definition for the management
commands (`python manage.py get pods -o wide`) and the browser console (`kubectl get pods -o wide`).

argv → VERBS[verb]: its flags on an argparse parser → Verb.run(cluster, out, **options) → the store
(and, for logs, the pod's kubelet through runtime.kubelet_client, as the API server proxies
pods/log) → out.line(...) for stdout, out.error(...) for stderr. A verb that cannot go on raises
KubectlError (printed `error: ...`) or StoreError (`Error from server (Reason): ...`), as kubectl
prints them; `failure_line` words both.
"""
from __future__ import annotations

import argparse
import datetime
import io
import json
import math
import re
import sys
import time
from typing import Any, BinaryIO, Iterator, Protocol

import yaml

from django.conf import settings

from playground.runtime import kubelet_client
from playground.store import api as store
from playground.store import changelog, fieldmanager, manifests
from playground.store.errors import BadRequest, NotFound, StoreError
from playground.store.kinds import KINDS, Kind

from . import describe, explain, jsonpath, podpicker, rollout, verbs, watch
from .args import read_manifests, resource_arguments
from .errors import KubectlError
from .formats import Format, print_documents, read_format
from .output import reference
from .printers import table

Obj = dict[str, Any]
CASCADE = {"background": "Background", "foreground": "Foreground", "orphan": "Orphan"}
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
FOLLOW_POLL_SECONDS = 0.5  # logs -f: how long to wait when the container wrote nothing new
MAX_EXEC_STDIN = 1024 * 1024  # bytes exec -i passes, as the API server's exec takes


class Output(Protocol):
    """Where a verb prints: its stdout lines, its stderr lines, and what it reads for `-f -`."""

    stdin: BinaryIO | None

    def line(self, text: str) -> None: ...
    def error(self, text: str) -> None: ...  # on stderr; the command exits 1
    def notice(self, text: str) -> None: ...  # on stderr, not a failure ("No resources found")
    def cancelled(self) -> bool: ...  # Ctrl-C in the console: a waiting verb stops
    def open_editor(self, obj: Obj) -> None: ...  # kubectl edit: the console opens its editor on the object


def failure_line(e: Exception) -> str:
    """What kubectl prints when a command fails with this error."""
    if isinstance(e, StoreError):
        return f"Error from server ({e.reason}): {e.message}"
    return f"error: {e}"


class Verb:
    name = ""
    help = ""
    actions: tuple[str, ...] = ()  # the words that may follow the verb, for those that take one first (rollout status)
    needs_cluster = True  # explain reads the schemas, the same on every cluster
    after_dashes = ""  # the option that takes the words after `--` (the container's), if any

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        raise NotImplementedError

    def run(self, cluster: str, out: Output, **options: Any) -> None:
        raise NotImplementedError

    def waits(self, **options: Any) -> bool:
        """Whether the command, run with these options, waits for changes until Ctrl-C (get -w)."""
        return False


def add_namespace(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-n", "--namespace", default="default")


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


class Apply(Verb):
    name = "apply"
    help = "Create or update objects from manifests (kubectl apply): files, folders or - for stdin."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("-f", "--filename", action="append", required=True, help="a file, a folder or -")
        parser.add_argument("-R", "--recursive", action="store_true", help="read folders recursively")
        parser.add_argument("--server-side", action="store_true", help="the store merges, as the field manager owns fields")
        parser.add_argument("--force-conflicts", action="store_true", help="take fields other managers own")
        parser.add_argument("--field-manager", default="kubectl")

    def run(self, cluster: str, out: Output, *, filename: list[str], recursive: bool, **options: Any) -> None:
        objects = 0
        for source, data in read_manifests(filename, recursive=recursive, stdin=out.stdin):
            if options["server_side"]:
                objects += self.server_side(cluster, out, source, data, manager=options["field_manager"],
                                            force=options["force_conflicts"])
                continue
            for result in store.apply_manifest(cluster, data):
                objects += 1
                if result.error:
                    out.error(f"error: {source}: {result.document}: {result.error}")
                else:
                    out.line(f"{result.reference} {result.action}")
        if objects == 0:  # only empty documents (or none): kubectl fails so rather than do nothing quietly
            raise KubectlError(f"no objects passed to apply (no objects in {', '.join(filename)})")


    def server_side(self, cluster: str, out: Output, source: str, data: str, *, manager: str, force: bool) -> int:
        """`apply --server-side`: each object through the store's server-side apply; the objects read."""
        documents_ = manifests.parse(data, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES)
        for doc in documents_:
            obj = doc.obj if isinstance(doc.obj, dict) else {}
            kind = KINDS.get(obj.get("kind", ""))
            if doc.error or kind is None or not (obj.get("metadata") or {}).get("name"):
                out.error(f"error: {source}: {doc.label}: {doc.error or 'no kind and name to apply'}")
                continue
            if kind.namespaced:
                obj["metadata"].setdefault("namespace", "default")
            try:
                fieldmanager.server_side_apply(cluster, kind, obj, manager, force=force)
            except StoreError as e:  # kubectl adds its help to any 409 (IsConflict), and prints it as its own
                out.error(f"error: {e.message}\n{SERVER_SIDE_CONFLICT_HELP}" if e.code == 409 else failure_line(e))
                continue
            out.line(f"{reference(obj)} serverside-applied")
        return len(documents_)


# What kubectl adds to a server-side apply's 409 (staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go)
SERVER_SIDE_CONFLICT_HELP = """Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts"""


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
        since = changelog.current_resource_version()  # a watch from here sees every deletion that follows
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


def selected_objects(cluster: str, resources: list[str], *, namespace: str, selector: str,
                     all_: bool) -> list[tuple[Kind, str, str]]:
    """The objects `TYPE NAME ...`, or `TYPE -l SELECTOR`, or `TYPE --all` name, as kubectl's resource
    builder finds them for delete, label and annotate (ResourceTypeOrNameArgs, LabelSelectorParam)."""
    pairs = resource_arguments(resources)
    named = [(kind, name, namespace) for kind, name in pairs if name is not None]
    if named:
        return named
    if not (selector or all_):
        raise KubectlError("resource(s) were provided, but no name was specified")
    return [
        (kind, obj["metadata"]["name"], namespace)
        for kind, _ in pairs
        for obj in store.list(cluster, kind.kind, namespace=namespace, label_selector=selector)
    ]


class Scale(Verb):
    name = "scale"
    help = "Set a new size for a Deployment, ReplicaSet or StatefulSet (kubectl scale)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
        parser.add_argument("--replicas", type=int, required=True)
        add_namespace(parser)

    def run(self, cluster: str, out: Output, *, resources: list[str], replicas: int, namespace: str, **_: Any) -> None:
        for kind, name in resource_arguments(resources):
            if name is None:
                raise KubectlError(f"cannot scale {kind.plural}: name a deployment, replicaset or statefulset")
            out.line(verbs.scale(cluster, kind.kind, name, namespace, replicas))


class Set(Verb):
    name = "set"
    actions = ("image",)
    help = "Update a container image of a workload or pod (kubectl set image): set image deployment/nginx nginx=nginx:1.27."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("what", choices=self.actions)
        parser.add_argument("resource", metavar="TYPE/NAME")
        parser.add_argument("images", nargs="+", metavar="CONTAINER=IMAGE")
        add_namespace(parser)

    def run(self, cluster: str, out: Output, *, resource: str, images: list[str], namespace: str, **_: Any) -> None:
        [(kind, name)] = resource_arguments([resource])
        changes = dict(pair.split("=", 1) for pair in images if "=" in pair)
        if len(changes) != len(images) or name is None:
            raise KubectlError("expected TYPE/NAME CONTAINER=IMAGE, e.g. deployment/nginx nginx=nginx:1.27")
        out.line(verbs.set_image(cluster, kind.kind, name, namespace, changes))


class Rollout(Verb):
    name = "rollout"
    actions = ("status", "history", "undo", "pause", "resume", "restart")
    help = "Manage a Deployment's rollout: status, history, undo [--to-revision=N], pause, resume, restart."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("action", choices=self.actions)
        parser.add_argument("resources", nargs="+", metavar="deployment/NAME")
        add_namespace(parser)
        parser.add_argument("--to-revision", type=int, default=0)
        parser.add_argument("-w", "--watch", default="true", choices=("true", "false"))
        parser.add_argument("--timeout", type=float, default=600.0, help="real seconds status waits")

    def run(self, cluster: str, out: Output, *, action: str, resources: list[str], namespace: str, **options: Any) -> None:
        for kind, name in resource_arguments(resources):
            if kind.kind != "Deployment" or name is None:
                raise KubectlError(f"no rollout {action} for {kind.plural}: name a deployment")
            if action == "status":
                self.status(cluster, out, name, namespace, watch=options["watch"] == "true", timeout=options["timeout"])
            elif action == "history":
                out.line(f"deployment.apps/{name} ")
                out.line(rollout.history(cluster, name, namespace).rstrip("\n"))
            elif action == "undo":
                out.line(rollout.undo(cluster, name, namespace, to_revision=options["to_revision"]))
            elif action == "restart":
                out.line(rollout.restart(cluster, name, namespace))
            else:
                out.line(rollout.set_paused(cluster, name, namespace, paused=action == "pause"))

    def waits(self, **options: Any) -> bool:
        return options.get("action") == "status" and options.get("watch") == "true"

    def status(self, cluster: str, out: Output, name: str, namespace: str, *, watch: bool, timeout: float) -> None:
        message, done = rollout.rollout_status_message(store.get(cluster, "Deployment", name, namespace))
        out.line(message)
        if done or not watch:
            return
        since, deadline = changelog.current_resource_version(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            # A second at a time, so that Ctrl-C in the console is seen while nothing changes
            for event in changelog.watch(cluster, since, kind="Deployment", namespace=namespace, timeout=1.0):
                since = event.resource_version
                if event.object["metadata"]["name"] != name:
                    continue
                latest, done = rollout.rollout_status_message(event.object)
                if latest != message:
                    out.line(latest)
                    message = latest
                if done or out.cancelled():
                    return
            if out.cancelled():
                return
        raise KubectlError("timed out waiting for the condition")


class Logs(Verb):
    name = "logs"
    help = "Print a container's logs (kubectl logs): -c CONTAINER, --previous, --tail N, -f to follow (Ctrl-C stops)."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pod", metavar="POD | TYPE/NAME")
        parser.add_argument("-c", "--container")
        parser.add_argument("-p", "--previous", action="store_true")
        parser.add_argument("--pod-running-timeout", default="20s", help="how long to wait for a pod of TYPE/NAME")
        parser.add_argument("--tail", type=int)
        parser.add_argument("-f", "--follow", action="store_true", help="print new lines until the container ends")
        parser.add_argument("--since", default="0s", help="only lines newer than this duration (5s, 2m, 3h), on the cluster's clock")
        parser.add_argument("--since-time", default="", help="only lines written at or after this RFC3339 time")
        parser.add_argument("--timestamps", action="store_true", help="each line after the time it was written (RFC3339Nano)")
        add_namespace(parser)

    def waits(self, **options: Any) -> bool:
        # a workload's pod may be waited for (--pod-running-timeout)
        return bool(options.get("follow") and not options.get("previous")) or podpicker.is_workload(options["pod"])

    def run(self, cluster: str, out: Output, *, pod: str, container: str | None, previous: bool, tail: int | None,
            namespace: str, pod_running_timeout: str, since: str = "0s", since_time: str = "", timestamps: bool = False,
            **options: Any) -> None:
        since_seconds = math.ceil(podpicker.duration(since, flag="--since"))  # kubectl sends whole seconds
        start = logs_since_time(since_time) if since_time else None
        if start is not None and since_seconds != 0:
            raise KubectlError("at most one of `sinceTime` or `sinceSeconds` may be specified")
        if since_seconds < 0:
            raise KubectlError("--since must be greater than 0")
        obj, found = podpicker.pod_for(cluster, pod, namespace, for_logs=True, cancelled=out.cancelled,
                                       timeout=podpicker.duration(pod_running_timeout))
        if found > 1:
            out.notice(f"Found {found} pods, using pod/{obj['metadata']['name']}")
        if since_seconds:  # the kubelet counts back from its own clock: the cluster's
            start = store.now(cluster) - datetime.timedelta(seconds=since_seconds)
        # As the API server proxies pods/log to the pod's kubelet
        lines = kubelet_client.kubelets().container_logs(cluster, obj, container, previous=previous, tail=tail,
                                                         since=start, timestamps=timestamps)
        for _, line in lines:
            out.line(line)
        if options.get("follow") and not previous:
            position = lines[-1][0] if lines else last_log_position(cluster, obj, container)
            self.follow(cluster, out, obj, container, position, timestamps=timestamps)

    def follow(self, cluster: str, out: Output, pod: Obj, container: str | None, position: int, *,
               timestamps: bool = False) -> None:
        """kubectl logs -f: the lines written after `position`, until the container stops running
        (its last lines printed), the pod goes, or Ctrl-C."""
        name = container or default_container(pod)
        while not out.cancelled():
            try:
                now = store.get(cluster, "Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
            except NotFound:
                return
            if now["metadata"].get("uid") != pod["metadata"].get("uid"):
                return  # another pod of the same name: not the stream kubectl was following
            ended = not container_running(now, name)  # read before the lines: none written before the end is lost
            lines = kubelet_client.kubelets().container_logs(cluster, now, container, after=position, timestamps=timestamps)
            for _, line in lines:
                out.line(line)
            position = lines[-1][0] if lines else position
            if ended:
                return
            if not lines:
                time.sleep(FOLLOW_POLL_SECONDS)


def last_log_position(cluster: str, pod: Obj, container: str | None) -> int:
    """Where the log ends now: a follow after lines `--since` or `--tail` left out starts from here."""
    lines = kubelet_client.kubelets().container_logs(cluster, pod, container, tail=1)
    return lines[-1][0] if lines else 0


RFC3339_LAYOUT = (("2006", r"\d{4}"), ("-", "-"), ("01", r"\d{2}"), ("-", "-"), ("02", r"\d{2}"), ("T", "T"),
                  ("15", r"\d{2}"), (":", ":"), ("04", r"\d{2}"), (":", ":"), ("05", r"\d{2}(?:\.\d+)?"),
                  ("Z07:00", r"Z|[+-]\d{2}:\d{2}"))


def logs_since_time(text: str) -> datetime.datetime:
    """--since-time: an RFC3339 time, to the second as kubectl sends it (metav1.Time); Go's
    time.Parse error, naming the part of the layout that did not match, for anything else."""
    rest = text
    for element, pattern in RFC3339_LAYOUT:
        match = re.match(pattern, rest)
        if match is None:
            raise KubectlError(f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse "{rest}" as "{element}"')
        rest = rest[match.end():]
    if rest:
        raise KubectlError(f'parsing time "{text}": extra text: "{rest}"')
    moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.replace(microsecond=0).astimezone(datetime.timezone.utc)


def default_container(pod: Obj) -> str:
    """The container kubectl picks without -c: the kubectl.kubernetes.io/default-container
    annotation's, else the first."""
    names = [c["name"] for c in pod["spec"]["containers"]]
    chosen = (pod["metadata"].get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION)
    return chosen if chosen in names else names[0]


def container_running(pod: Obj, name: str) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return any(s["name"] == name and "running" in (s.get("state") or {}) for s in statuses)


class Exec(Verb):
    name = "exec"
    after_dashes = "command"  # not "args": Django's call_command takes that name for itself
    help = ("Run a command in a container and print its answer (kubectl exec POD [-c CONTAINER] -- COMMAND [ARGS...]); "
            "-i feeds it a heredoc.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pod", metavar="POD | TYPE/NAME")
        parser.add_argument("-c", "--container")
        parser.add_argument("--pod-running-timeout", default="1m0s", help="how long to wait for a pod of TYPE/NAME")
        parser.add_argument("-i", "--stdin", dest="interactive", action="store_true", help="pass stdin to the command")
        parser.add_argument("-t", "--tty", action="store_true", help="not here: a terminal needs kubectl itself")
        parser.add_argument("command", nargs="*", metavar="-- COMMAND [ARGS]")
        add_namespace(parser)

    def waits(self, **options: Any) -> bool:
        return podpicker.is_workload(options["pod"])

    def run(self, cluster: str, out: Output, *, pod: str, container: str | None, interactive: bool, tty: bool,
            command: list[str], namespace: str, pod_running_timeout: str, **_: Any) -> None:
        if tty:
            raise KubectlError("no terminal here (-t, -it): this console runs one command and prints its answer, "
                               "e.g. kubectl exec POD -- sh -c 'ls /; env'. For an interactive shell use kubectl "
                               "itself with `python manage.py kubeconfig`")
        if not command:
            raise KubectlError("you must specify at least one command for the container")
        obj, _ = podpicker.pod_for(cluster, pod, namespace, for_logs=False, cancelled=out.cancelled,
                                   timeout=podpicker.duration(pod_running_timeout))
        if container is None and len(obj["spec"]["containers"]) > 1:
            container = default_container(obj)
            others = ", ".join(c["name"] for c in obj["spec"]["containers"])
            out.notice(f'Defaulted container "{container}" out of: {others}')
        stdin = (out.stdin or sys.stdin.buffer).read(MAX_EXEC_STDIN).decode(errors="replace") if interactive else None
        try:
            # As the API server proxies pods/exec to the pod's kubelet
            result = kubelet_client.kubelets().exec(cluster, namespace, obj["metadata"]["name"], container, command, stdin)
        except kubelet_client.ExecFailed as e:
            raise KubectlError(f"Internal error occurred: error executing command in container: {e}") from None
        except BadRequest as e:  # kubectl prints the stream's error as its own
            raise KubectlError(e.message) from None
        for line in result.stdout.splitlines():
            out.line(line)
        for line in result.stderr.splitlines():
            out.notice(line)
        if result.exit_code != 0:
            out.error(f"command terminated with exit code {result.exit_code}")


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


def out_failed(out: Output) -> bool:
    return bool(getattr(out, "failed", False))


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


class Run(Verb):
    name = "run"
    after_dashes = "container_args"
    help = "Run a pod of one container (kubectl run): run web --image=nginx:1.27 [--labels=k=v] [-- ARGS...]."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("pod", metavar="NAME")
        parser.add_argument("--image", required=True)
        parser.add_argument("--labels", default="", help="k=v,k2=v2 (default: run=NAME)")
        parser.add_argument("--command", action="store_true", help="the words after -- are the command, not its args")
        parser.add_argument("--port", type=int)
        parser.add_argument("container_args", nargs="*", metavar="-- ARGS")
        add_dry_run(parser)

    def run(self, cluster: str, out: Output, *, pod: str, image: str, labels: str, container_args: list[str],
            namespace: str, **options: Any) -> None:
        container: Obj = {"name": pod, "image": image}
        if container_args:
            container["command" if options["command"] else "args"] = container_args
        if options["port"]:
            container["ports"] = [{"containerPort": options["port"]}]
        obj = {"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": pod, **namespaced(namespace), "labels": key_values(labels) if labels else {"run": pod}},
               "spec": {"containers": [container]}}
        create_object(cluster, out, obj, dry_run=options["dry_run"], output=options["output"],
                      template=options.get("template", ""),
                      allow_missing_keys=options.get("allow_missing_template_keys", "true"))


class Create(Verb):
    name = "create"
    help = ("Create an object (kubectl create): -f FILE|-, deployment NAME --image=IMAGE [--replicas=N], "
            "configmap|secret generic NAME --from-literal=KEY=VALUE.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("what", nargs="*", metavar="deployment NAME | configmap NAME | secret generic NAME | namespace NAME")
        parser.add_argument("-f", "--filename", action="append", default=[])
        parser.add_argument("--image")
        parser.add_argument("--replicas", type=int, default=1)
        parser.add_argument("--from-literal", action="append", default=[], metavar="KEY=VALUE")
        add_dry_run(parser)

    def run(self, cluster: str, out: Output, *, what: list[str], filename: list[str], namespace: str | None,
            **options: Any) -> None:
        if filename:
            for source, data in read_manifests(filename, stdin=out.stdin):
                for doc in manifests.parse(data, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES):
                    if doc.error or not isinstance(doc.obj, dict):
                        out.error(f"error: {source}: {doc.label}: {doc.error or 'not an object'}")
                        continue
                    create_object(cluster, out, doc.obj, dry_run=options["dry_run"], output=options["output"],
                                  template=options.get("template", ""),
                                  allow_missing_keys=options.get("allow_missing_template_keys", "true"))
            return
        if what[:1] == ["secret"] and what[1:2] == ["generic"]:
            what = ["secret", *what[2:]]
        if len(what) != 2 or what[0] not in ("deployment", "configmap", "secret", "namespace"):
            raise KubectlError("expected -f FILE, or deployment NAME --image=IMAGE, configmap NAME, secret generic NAME "
                               "or namespace NAME")
        kind, name = what
        obj = self.object(kind, name, namespace, **options)
        create_object(cluster, out, obj, dry_run=options["dry_run"], output=options["output"],
                      template=options.get("template", ""),
                      allow_missing_keys=options.get("allow_missing_template_keys", "true"))

    def object(self, kind: str, name: str, namespace: str | None, *, image: str | None, replicas: int,
               from_literal: list[str], **_: Any) -> Obj:
        meta = {"name": name, **namespaced(namespace)}
        if kind == "namespace":
            return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        if kind == "deployment":
            if not image:
                raise KubectlError("required flag(s) \"image\" not set")
            labels = {"app": name}  # a copy each place: one shared dict would print as a YAML anchor and alias
            return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**meta, "labels": dict(labels)},
                    "spec": {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "template": {
                        "metadata": {"labels": dict(labels)}, "spec": {"containers": [{"name": container_name(image), "image": image}]}}}}
        data = key_values(",".join(from_literal)) if from_literal else {}
        if kind == "configmap":
            return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque", "stringData": data}


DRY_RUN_SUFFIX = {"none": "", "client": " (dry run)", "server": " (server dry run)"}


def add_dry_run(parser: argparse.ArgumentParser) -> None:
    """--dry-run, -o and -n of the verbs that create: `create deployment web --image=nginx --dry-run=client -o yaml`.
    -n stays None when not given: kubectl's generators set metadata.namespace only when -n is given
    (EnforceNamespace), so a client dry run prints none, and the object goes to the default namespace."""
    parser.add_argument("-n", "--namespace", default=None)
    parser.add_argument("--dry-run", nargs="?", const="client", default="none", choices=tuple(DRY_RUN_SUFFIX))
    parser.add_argument("-o", "--output", help="yaml, json, name, jsonpath=TEMPLATE, go-template=TEMPLATE: print the object")
    add_template(parser)


def add_template(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--template", default="", help="the template of -o go-template|jsonpath (or its file, with -o *-file)")
    parser.add_argument("--allow-missing-template-keys", nargs="?", const="true", default="true", choices=("true", "false"),
                        help="false: a template naming a missing key fails (-o go-template)")


def create_object(cluster: str, out: Output, obj: Obj, *, dry_run: str = "none", output: str | None = None,
                  template: str = "", allow_missing_keys: str = "true") -> None:
    """Store a new object and say so, as kubectl create prints it; with --dry-run nothing is stored
    (client: the object as built, admitted but not stored; server: as the store would keep it)."""
    fmt = read_format(output, template=template, allow_missing_keys=allow_missing_keys)
    stored = store.create(cluster, obj, dry_run=dry_run != "none")
    shown = obj if dry_run == "client" else stored
    if fmt.table:
        out.line(f"{reference(shown)} created{DRY_RUN_SUFFIX[dry_run]}")
    else:
        print_documents(out, [shown], fmt, single=True)


def namespaced(namespace: str | None) -> Obj:
    return {"namespace": namespace} if namespace else {}


def container_name(image: str) -> str:
    """The container `kubectl create deployment --image` names: the image's last path part, untagged."""
    return image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]


def key_values(text: str) -> dict[str, str]:
    pairs = [part.split("=", 1) for part in text.split(",") if part]
    if any(len(pair) != 2 for pair in pairs):
        raise KubectlError(f"expected KEY=VALUE pairs, got {text!r}")
    return dict(pairs)


class Node(Verb):
    """cordon, uncordon and drain: one node, marked unschedulable (and emptied)."""

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("node", metavar="NODE")
        if self.name == "drain":
            parser.add_argument("--ignore-daemonsets", action="store_true")
            parser.add_argument("--force", action="store_true", help="also delete pods no controller will replace")
            parser.add_argument("--grace-period", type=int, default=None)

    def run(self, cluster: str, out: Output, *, node: str, **options: Any) -> None:
        name = node.removeprefix("node/").removeprefix("nodes/")
        if self.name == "drain":
            for line in verbs.drain(cluster, name, ignore_daemonsets=options["ignore_daemonsets"], force=options["force"],
                                    grace_period=options["grace_period"]):
                out.line(line)
        else:
            out.line(verbs.set_unschedulable(cluster, name, unschedulable=self.name == "cordon"))


class Label(Verb):
    """label and annotate: KEY=VALUE to set, KEY- to remove."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.field = "labels" if name == "label" else "annotations"
        self.help = f"Update the {self.field} of an object (kubectl {name}): {name} TYPE NAME KEY=VALUE KEY- [--overwrite]."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("words", nargs="+", metavar="TYPE NAME KEY=VALUE ... | TYPE/NAME KEY=VALUE ...")
        parser.add_argument("--overwrite", action="store_true")
        parser.add_argument("-l", "--selector", default="", help="the objects of TYPE these labels select")
        parser.add_argument("--all", action="store_true", help="every object of TYPE in the namespace")
        add_namespace(parser)

    def run(self, cluster: str, out: Output, *, words: list[str], overwrite: bool, namespace: str, selector: str,
            all: bool, **_: Any) -> None:  # noqa: A002 - kubectl's flag
        if all and selector:
            raise KubectlError("cannot set --all and --selector at the same time")
        changes = [w for w in words if "=" in w or w.endswith("-")]
        if not changes:
            raise KubectlError(f"at least one {self.field[:-1]} update is required")
        targets = selected_objects(cluster, [w for w in words if w not in changes], namespace=namespace,
                                   selector=selector, all_=all)
        for kind, name, _ in targets:
            current = (store.get(cluster, kind.kind, name, namespace)["metadata"].get(self.field) or {})
            patch: dict[str, str | None] = {}
            for change in changes:
                key, _, value = change.partition("=")
                if not value and change.endswith("-"):
                    patch[change[:-1]] = None
                elif key in current and current[key] != value and not overwrite:
                    raise KubectlError(f"'{key}' already has a value ({current[key]}), and --overwrite is false")
                else:
                    patch[key] = value
            store.patch(cluster, kind.kind, name, namespace, {"metadata": {self.field: patch}}, patch_type="merge")
            out.line(f"{kind.kubectl_type}/{name} {'labeled' if self.name == 'label' else 'annotated'}")


class Patch(Verb):
    name = "patch"
    help = "Update fields of an object (kubectl patch): patch TYPE NAME --type merge|json|strategic -p PATCH."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resources", nargs="+", metavar="TYPE NAME | TYPE/NAME")
        parser.add_argument("-p", "--patch", required=True)
        parser.add_argument("--type", default="strategic", choices=("strategic", "merge", "json"))
        # Only the status here: a patch of the object keeps its status, as the API server does
        parser.add_argument("--subresource", default="", choices=("status",))
        add_namespace(parser)

    def run(self, cluster: str, out: Output, *, resources: list[str], patch: str, type: str, namespace: str,  # noqa: A002
            subresource: str, **_: Any) -> None:
        try:
            body = json.loads(patch)
        except ValueError:
            try:
                body = yaml.safe_load(patch)
            except yaml.YAMLError as e:
                raise KubectlError(f"unable to parse the patch: {e}") from None
        for kind, name in resource_arguments(resources):
            if name is None:
                raise KubectlError("resource(s) were provided, but no name was specified")
            before = store.get(cluster, kind.kind, name, namespace)
            after = store.patch(cluster, kind.kind, name, namespace, body, patch_type=type,
                                status=subresource == "status")
            unchanged = after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
            out.line(f"{kind.kubectl_type}/{name} patched{' (no change)' if unchanged else ''}")


class Edit(Verb):
    """kubectl edit, in the console: the object opens in the page's editor (form and YAML) instead
    of $EDITOR; the editor's Apply sends what changed, as kubectl edit's patch does (web/editing.py).
    Which objects and what errors follow staging/src/k8s.io/kubectl/pkg/cmd/edit (the resource
    builder's arguments); a list of several is refused, for the editor holds one object."""

    name = "edit"
    help = ("Open an object in the editor, as a form and as YAML (kubectl edit TYPE NAME | TYPE/NAME): Apply sends "
            "only what you changed.")

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("resources", nargs="*", metavar="TYPE NAME | TYPE/NAME")
        add_namespace(parser)

    def run(self, cluster: str, out: Output, *, resources: list[str], namespace: str, **_: Any) -> None:
        if not resources:
            raise KubectlError(NO_RESOURCES)
        found = list(named_objects(cluster, out, resources, namespace=namespace))
        if out_failed(out):
            return  # kubectl opens nothing when one of the objects is missing
        if len(found) > 1:
            names = ", ".join(reference(obj) for obj in found[:5]) + (", ..." if len(found) > 5 else "")
            raise KubectlError(f"the editor opens one object at a time, and this names {len(found)}: name one, "
                               f"e.g. kubectl edit {reference(found[0])} (of {names})")
        if not found:
            raise KubectlError("edit cancelled, no objects found")
        out.open_editor(found[0])


# kubectl edit with nothing to edit (cli-runtime's resource builder, its message word for word)
NO_RESOURCES = """You must provide one or more resources by argument or filename.
Example resource specifications include:
   '-f rsrc.yaml'
   '--filename=rsrc.json'
   '<resource> <name>'
   '<resource>'"""


VERBS: dict[str, Verb] = {verb.name: verb for verb in (
    Get(), Apply(), Create(), Run(), Delete(), Scale(), Set(), Rollout(), Logs(), Describe(), Label("label"), Label("annotate"),
    Patch(), Edit(), Exec(), Node("cordon", "Mark a node unschedulable (kubectl cordon NODE)."),
    Node("uncordon", "Mark a node schedulable again (kubectl uncordon NODE)."),
    Node("drain", "Cordon a node and evict its pods (kubectl drain NODE --ignore-daemonsets)."), Explain(),
)}


def split_at_dashes(args: list[str]) -> tuple[list[str], list[str] | None]:
    """The words before `--`, and those after it (the container's, for run and exec), which argparse
    would otherwise take for flags of the verb; None when there is no `--`."""
    if "--" not in args:
        return args, None
    return args[:args.index("--")], args[args.index("--") + 1:]


class Captured:
    """An Output that keeps what a verb printed (the console's, and tests')."""

    def __init__(self, stdin: bytes | None = None) -> None:
        self.stdin = io.BytesIO(stdin) if stdin is not None else None
        self.lines: list[tuple[str, str]] = []  # ("out" | "err", text)
        self.failed = False
        self.stop = False

    def line(self, text: str) -> None:
        self.lines.append(("out", text))

    def error(self, text: str) -> None:
        self.lines.append(("err", text))
        self.failed = True

    def notice(self, text: str) -> None:
        self.lines.append(("err", text))

    def cancelled(self) -> bool:
        return self.stop

    def open_editor(self, obj: Obj) -> None:
        self.lines.append(("edit", reference(obj)))
