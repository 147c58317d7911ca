"""The verbs that make objects: apply (client side, or --server-side through the field manager),
create (-f, or the generators deployment, configmap, secret generic, namespace) and run, as
kubectl's pkg/cmd/apply, pkg/cmd/create and pkg/cmd/run.

argv → read_manifests (args.py) or a generated object → manifest_apply.apply_manifest, store.create or
fieldmanager.server_side_apply → a line per object (`deployment.apps/web created`), or, with -o,
the object as formats.py prints it (--dry-run: nothing stored).
"""
from __future__ import annotations

import argparse
from typing import Any

from django.conf import settings

from playground.store import api as store
from playground.store import fieldmanager, manifest_apply, manifests
from playground.store.errors import StoreError
from playground.store.kinds import KINDS

from ..args import read_manifests
from ..errors import KubectlError
from ..formats import print_documents, read_format
from ..output import reference
from .cmdutil import Obj, Output, Verb, add_template, failure_line


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
            for result in manifest_apply.apply_manifest(cluster, data):
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
