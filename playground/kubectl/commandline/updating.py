"""The verbs that change objects already there: scale, set image, rollout, cordon / uncordon /
drain, label and annotate, patch and edit, as kubectl's pkg/cmd/<verb> (cordon and uncordon live
in pkg/cmd/drain).

argv → the objects named (resource_arguments, or selected_objects for label and annotate) → the
store's patch, or verbs.py and rollout.py for what kubectl works out client side → a line per
object (`deployment.apps/web labeled`); rollout status follows the change log until the rollout
is complete; edit hands the object to the console's editor.
"""
from __future__ import annotations

import argparse
import json
import time
from typing import Any

import yaml

from playground.store import api as store
from playground.store import changelog

from .. import rollout, verbs
from ..args import resource_arguments
from ..errors import KubectlError
from ..output import reference
from .cmdutil import Output, Verb, add_namespace, out_failed, selected_objects
from .viewing import named_objects


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
        since, deadline = changelog.cluster_resource_version(cluster), time.monotonic() + timeout
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
