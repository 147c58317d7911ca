"""The manifest editor: a form and the YAML side by side, a diff preview, apply, download, upload.

Browser → these views → manifest_forms (form ↔ manifest) → the store, with a dry run (a store
batch that is never committed) for the preview. What Apply does depends on where the editor was
opened: "New" creates, as `kubectl create --save-config` does (a name that exists is refused,
AlreadyExists, never reconfigured); "Edit" sends what the user changed and nothing else, as
`kubectl edit` does (editing.py: a patch from the object as opened to the object as edited,
against the live object); the upload applies, as `kubectl apply -f` does. The form and
the YAML are two views of one manifest: a change in the form posts the form and the YAML, the
server writes the form into the YAML's manifest and sends back the YAML; a change in the YAML
posts it, the server parses it and sends back the form. Errors come back where they belong: a
field's beside the field, a parse or admission error at its line of the YAML (422).
"""
from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from playground.kubectl.output import to_yaml
from playground.store import api as store
from playground.store import clusters, manifests, merge
from playground.store.api import LAST_APPLIED
from playground.store.errors import AlreadyExists, BadRequest, Conflict, Invalid, NotFound, StoreError
from playground.store.kinds import KINDS, Kind, kind_for, resolve

from . import editing
from . import manifest_forms as mf
from .forms import ManifestForm
from .leaving import Stopped, stop_if_asked, stops_when_its_client_leaves
from .uploads import limit_for, refused_upload

Obj = dict[str, Any]
TEMPLATE = "web/editor/editor.html"
ADD_ACTIONS = {"add-container": "container", "add-port": "port", "add-data": "data"}
APPLIED = "playground:applied"  # the event an Apply triggers in the page: the console (kubectl edit) prints its line
NO_CHANGES = "Edit cancelled, no changes made."  # what kubectl edit prints when the object is left as it was


# -- Dry run: admission without storing -----------------------------------------------------------


@dataclass
class DryRun:
    """What a write would do (or did) to one object: the live object, the one stored."""

    kind: Kind
    live: Obj | None
    merged: Obj
    action: str  # created, configured or unchanged

    @property
    def reference(self) -> str:
        """`deployment.apps/nginx`, as kubectl names it."""
        return f"{self.kind.kubectl_type}/{self.merged['metadata']['name']}"

    @property
    def diff_label(self) -> str:
        meta = self.merged["metadata"]
        parts = [self.kind.api_version.replace("/", "."), self.kind.kind, meta.get("namespace", ""), meta["name"]]
        return ".".join(p for p in parts if p)


def apply_in(batch: store.Batch, obj: Any) -> DryRun:
    """`store.apply`'s steps (last-applied annotation, create or three-way merge, admission) in a
    store batch: `kubectl apply --dry-run=server` when the batch is never committed. Raises what
    apply raises."""
    k = _kind_of(batch, obj)
    modified = with_last_applied(obj)
    meta = modified["metadata"]
    live = None
    if meta.get("name"):
        namespace = (meta.get("namespace") or "default") if k.namespaced else ""
        try:
            live = store.get(batch.cluster, k.kind, meta["name"], namespace)
        except NotFound:
            live = None
    if live is None:
        return DryRun(k, None, batch.create(modified), "created")
    merged = merge.apply_three_way(last_applied(live), modified, live, k.kind)
    merged["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"]
    result = batch.update(merged)
    return DryRun(k, live, result, "unchanged" if result == live else "configured")


def create(cluster: str, obj: Any, *, dry_run: bool = False) -> DryRun:
    """`kubectl create --save-config`: a new object, its manifest kept in the last-applied
    annotation so that a later apply merges with it; a name that exists is AlreadyExists."""
    with store.batch(cluster, dry_run=dry_run) as batch:
        k = _kind_of(batch, obj)
        editing.refuse_masks({}, obj)
        return DryRun(k, None, batch.create(with_last_applied(obj)), "created")


def edit(cluster: str, original: Obj, edited: Obj, *, dry_run: bool = False) -> DryRun:
    """`kubectl edit`: the patch of what changed between the object as opened and as edited,
    sent against the live object (editing.edit_patch); nothing sent when nothing changed."""
    k = kind_for(str(original.get("apiVersion", "")), str(original.get("kind", "")))
    meta = original.get("metadata")
    if k is None or not isinstance(meta, dict):
        raise BadRequest("the page's copy of the object as it was opened is damaged: open the object again")
    live = store.get(cluster, k.kind, str(meta.get("name", "")), str(meta.get("namespace") or ""))
    patch = editing.edit_patch(original, edited, live)
    if not patch:
        return DryRun(k, live, live, "unchanged")
    namespace, name = live["metadata"].get("namespace", ""), live["metadata"]["name"]
    result = store.patch(cluster, k.kind, name, namespace, patch, dry_run=dry_run)
    return DryRun(k, live, result, "unchanged" if result == live else "edited")


def _kind_of(batch: store.Batch, obj: Any) -> Kind:
    k = kind_for(str(obj.get("apiVersion", "")), str(obj.get("kind", ""))) if isinstance(obj, dict) else None
    if k is None or not isinstance(obj.get("metadata", {}), dict):
        batch.create(obj)  # raises the store's own error for a manifest that is no object
        raise StoreError("expected a Kubernetes object")
    return k


def with_last_applied(obj: Obj) -> Obj:
    """The object as `store.apply` sends it: its own JSON kept in the last-applied annotation."""
    modified = copy.deepcopy(obj)
    annotations = modified.setdefault("metadata", {}).setdefault("annotations", {})
    annotations.pop(LAST_APPLIED, None)
    if not annotations:
        modified["metadata"].pop("annotations")
    applied = json.dumps(modified, separators=(",", ":"), sort_keys=True)
    modified["metadata"].setdefault("annotations", {})[LAST_APPLIED] = applied + "\n"
    return modified


def last_applied(obj: Obj) -> Obj | None:
    text = (obj["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


# -- The editor's state ---------------------------------------------------------------------------


@dataclass
class Editor:
    """One rendering of the editor: the manifest, its YAML text, and what went wrong where."""

    cluster: str
    kind: str
    yaml: str
    manifest: Obj | None  # None while the YAML does not parse
    form_base: Obj | None  # the manifest the form shows
    view: str = "form"  # form | yaml
    field_errors: dict[str, str] = field(default_factory=dict)
    yaml_errors: list[dict[str, Any]] = field(default_factory=list)  # {"line": 7, "message": ...}
    messages: list[str] = field(default_factory=list)
    typed: dict[str, str] = field(default_factory=dict)  # what was typed into fields that could not be read
    diff: list[dict[str, str]] | None = None
    done: str = ""
    printed: str = ""  # what kubectl would print for the write done (`deployment.apps/web edited`)
    mode: str = "create"  # create ("New") | edit (a stored object, opened as `original`)
    original: Obj | None = None  # the object as the edit page opened it (editing.opened)
    links: list[dict[str, str]] = field(default_factory=list)  # where to go from an error: {"text", "url"}
    status: int = 422  # the answer when something failed (409 for AlreadyExists and Conflict)

    @property
    def failed(self) -> bool:
        return bool(self.field_errors or self.yaml_errors or self.messages)

    def context(self, request: HttpRequest) -> dict[str, Any]:
        base = self.form_base if self.form_base is not None else self.manifest
        has_form = self.view == "form" and base is not None and base.get("kind") in mf.FORM_KINDS
        unmapped = [m for n, m in self.field_errors.items() if not (has_form and n in form_names(base))]
        return {
            "cluster": self.cluster,
            "kind": self.kind,
            "view": self.view,
            "yaml": self.yaml,
            "form": ManifestForm(str(base["kind"]), base, errors=self.field_errors, typed=self.typed)
            if has_form and base else None,
            "form_base": json.dumps(base) if base is not None else "",
            "mode": self.mode,
            "original": json.dumps(self.original) if self.original is not None else "",
            "links": self.links,
            "yaml_errors": self.yaml_errors,
            "messages": [*self.messages, *unmapped],
            "diff": self.diff,
            "done": self.done,
            "form_kinds": mf.FORM_KINDS,
            "object_url": object_url(self.cluster, self.manifest) if self.manifest else "",
            "download_url": download_url(self.cluster, self.original) if self.original else "",
        }


def form_names(manifest: Obj) -> set[str]:
    return set(mf.form_data(manifest)) | {n for _, n in mf.field_paths(manifest)}


def parse_one(text: str) -> tuple[Obj | None, list[dict[str, Any]]]:
    """The one object of the editor's YAML, or the errors at their lines."""
    documents = manifests.parse(text, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES)
    errors = [yaml_error(mf.error_line(d.error) or d.line, d.error) for d in documents if d.error]
    if errors:
        return None, errors
    if len(documents) != 1:
        message = "the editor holds one object: upload several at once on the upload page" if documents else \
            "the YAML is empty: write one Kubernetes object"
        return None, [yaml_error(documents[1].line if len(documents) > 1 else 1, message)]
    return documents[0].obj, []


def yaml_error(line: int, message: str) -> dict[str, Any]:
    """An error at a line of the YAML; `rest` is the message after its own "line N" (the page
    draws "line N" as a link that selects the line)."""
    rest = message.removeprefix(f"line {line}") if message.startswith(f"line {line}") else f": {message}"
    return {"line": line, "message": message, "rest": rest}


OBJECT_PAGES = {"Deployment": "deployment", "Pod": "pod", "ReplicaSet": "replicaset", "StatefulSet": "statefulset",
                "DaemonSet": "daemonset", "Service": "service", "ConfigMap": "configmap", "Secret": "secret"}


def object_url(cluster: str, manifest: Obj) -> str:
    """The page of an applied object: its own when it has one, else the objects list."""
    meta = manifest.get("metadata") if isinstance(manifest.get("metadata"), dict) else {}
    name, namespace = meta.get("name") or "", meta.get("namespace") or "default"
    page = OBJECT_PAGES.get(str(manifest.get("kind", "")))
    if page and name:
        try:
            return reverse(f"web:{page}", kwargs={"cluster": cluster, "namespace": namespace, "name": name})
        except NoReverseMatch:
            pass  # a name the page's URL does not take: the objects list has it too
    k = KINDS.get(str(manifest.get("kind", "")))
    return reverse("web:objects", kwargs={"cluster": cluster}) + (f"#{k.plural}" if k else "")


# -- Pages ----------------------------------------------------------------------------------------


@require_GET
def new_object(request: HttpRequest, cluster: str, kind: str = "") -> HttpResponse:
    """The list of kinds to start from, or the editor with a kind's starting manifest."""
    if not cluster_exists(cluster):
        return render(request, "web/not_found.html", {"message": f'cluster "{cluster}" not found'}, status=404)
    if not kind:
        return render(request, "web/editor/new.html", {"cluster": cluster, "kinds": mf.FORM_KINDS})
    k = resolve(kind)
    if k is None or k.kind not in mf.FORM_KINDS:
        raise Http404(f"no template for kind {kind}")
    manifest = mf.new_manifest(k.kind, name=free_name(cluster, k, mf.NEW_NAMES[k.kind]))
    editor = Editor(cluster, k.kind, mf.manifest_yaml(manifest), manifest, manifest, view=view_of(request))
    return render(request, TEMPLATE, {**editor.context(request), "title": f"New {k.kind}"})


def free_name(cluster: str, k: Kind, name: str, namespace: str = "default") -> str:
    """`name`, or the first of name-2, name-3, ... that no object of the kind has."""
    for number in range(1, 100):
        candidate = name if number == 1 else f"{name}-{number}"
        try:
            store.get(cluster, k.kind, candidate, namespace if k.namespaced else "")
        except NotFound:
            return candidate
    return name  # a hundred taken: create says AlreadyExists, and links to the one there is


@require_GET
def edit_object(request: HttpRequest, cluster: str, kind: str, name: str, namespace: str = "") -> HttpResponse:
    """ "Edit as form" / "edit as YAML" of a stored object."""
    k = resolve(kind)
    if k is None:
        raise Http404(f"no such kind: {kind}")
    try:
        live = store.get(cluster, k.kind, name, namespace)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    manifest = editing.opened(live)
    view = view_of(request) if k.kind in mf.FORM_KINDS else "yaml"  # other kinds have no form
    editor = Editor(cluster, k.kind, mf.manifest_yaml(manifest), manifest, manifest, view=view, mode="edit",
                    original=manifest)
    title = f"Edit {k.kind} {namespace + '/' if namespace else ''}{name}"
    return render(request, TEMPLATE, {**editor.context(request), "title": title})


def download_url(cluster: str, obj: Obj) -> str:
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    kwargs = {"cluster": cluster, "kind": str(obj.get("kind", "")), "name": str(meta.get("name", ""))}
    try:
        if meta.get("namespace"):
            return reverse("web:download", kwargs={**kwargs, "namespace": meta["namespace"]})
        return reverse("web:download-cluster-scoped", kwargs=kwargs)
    except NoReverseMatch:
        return ""


@require_http_methods(["GET", "POST"])
def download(request: HttpRequest, cluster: str, kind: str, name: str, namespace: str = "") -> HttpResponse:
    """The object as `get KIND NAME -o yaml` prints it, as a file; a Secret's values masked
    but for a POST (a button: a deliberate act, with its CSRF token, never a link)."""
    k = resolve(kind)
    if k is None:
        raise Http404(f"no such kind: {kind}")
    try:
        obj = store.get(cluster, k.kind, name, namespace)
    except NotFound as e:
        return render(request, "web/not_found.html", {"message": e.message}, status=404)
    text = to_yaml(obj)
    if k.kind == "Secret" and request.method != "POST":
        text = MASKED_DOWNLOAD + to_yaml(editing.masked(obj))
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{k.singular}-{name}.yaml"'
    return response


MASKED_DOWNLOAD = (f"# The Secret's values are masked ({editing.MASK}): applied as it is, this file is refused.\n"
                   "# \"Download with values\" on its edit page gives them.\n")


def view_of(request: HttpRequest) -> str:
    return "yaml" if request.GET.get("view", request.POST.get("view")) == "yaml" else "form"


def cluster_exists(cluster: str) -> bool:
    return cluster in clusters.names()


# -- The editor's round trips ---------------------------------------------------------------------


@require_POST
def editor_post(request: HttpRequest, cluster: str) -> HttpResponse:
    """Every button and round trip of the editor: `action` is form (the form changed: send the
    YAML back), yaml (the YAML changed: send the form back), add-container / add-port / add-data,
    preview (dry run and diff) or apply."""
    action = request.POST.get("action", "preview")
    editor = read_editor(request, cluster, action)
    if editor.manifest is not None and action in ADD_ACTIONS:
        editor.manifest = mf.add_row(editor.manifest, ADD_ACTIONS[action])
        editor.form_base = editor.manifest
        editor.yaml = mf.manifest_yaml(editor.manifest)
    if editor.manifest is not None and action.startswith("remove-"):
        editor.manifest = remove(editor.manifest, action, request.POST)
        editor.form_base = editor.manifest
        editor.yaml = mf.manifest_yaml(editor.manifest)
    if editor.manifest is not None and action in ("preview", "apply") and not editor.failed:
        check(editor, dry_run=action == "preview")
    if action == "apply" and editor.manifest is not None and not editor.failed:
        url = object_url(cluster, editor.manifest)
        if request.htmx:
            applied = json.dumps({APPLIED: {"line": editor.printed}})
            return HttpResponse(status=204, headers={"HX-Redirect": url, "HX-Trigger": applied})
        return redirect(url)
    return respond(request, editor, action)


def remove(manifest: Obj, action: str, posted: Any) -> Obj:
    """A "remove" button: `remove-container-1`, `remove-port-0`, `remove-data-2` (by its key)."""
    _, what, index = action.split("-", 2) if action.count("-") >= 2 else ("", "", "")
    if not index.isdigit():
        return manifest
    key = posted.get(f"data-{index}-key", "") if what == "data" else ""
    return mf.remove_row(manifest, what, int(index), key=key)


def read_editor(request: HttpRequest, cluster: str, action: str) -> Editor:
    """The posted YAML parsed, and (but for a YAML round trip) the posted form written into it."""
    text = request.POST.get("yaml", "")
    manifest, yaml_errors = parse_one(text)
    form_base = _json_object(request.POST.get("form_base", ""))
    original = _json_object(request.POST.get("original", ""))
    kind = str((manifest or form_base or {}).get("kind") or request.POST.get("kind", ""))
    editor = Editor(cluster, kind, text, manifest, form_base, view=view_of(request), yaml_errors=yaml_errors,
                    mode="edit" if original is not None else "create", original=original)
    if manifest is None or action == "yaml":
        editor.form_base = manifest if manifest is not None else form_base
        return editor
    before = mf.form_data(form_base) if form_base and form_base.get("kind") == manifest.get("kind") else None
    posted = {k: request.POST.get(k, "") for k in request.POST}
    new, errors = mf.apply_form(manifest, posted, before=before)
    editor.field_errors.update(errors)
    editor.typed = {name: posted[name] for name in errors if name in posted}
    if new != manifest:  # the form changed something: the YAML shows the new manifest
        editor.manifest, editor.yaml = new, mf.manifest_yaml(new)
    editor.form_base = editor.manifest
    return editor


def _json_object(text: str) -> Obj | None:
    try:
        value = json.loads(text) if text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def check(editor: Editor, *, dry_run: bool) -> None:
    """Create or edit (a dry run for the preview): the store's admission, and the diff against
    the live object. Errors land at their fields and lines."""
    assert editor.manifest is not None
    try:
        if editor.mode == "edit" and editor.original is not None:
            result = edit(editor.cluster, editor.original, editor.manifest, dry_run=dry_run)
        else:
            result = create(editor.cluster, editor.manifest, dry_run=dry_run)
    except StoreError as e:
        place_error(editor, e)
        return
    lines = mf.diff_lines(result.live, result.merged, label=result.diff_label)
    editor.diff = [{"text": line, "kind": _diff_kind(line)} for line in lines]
    editor.done = f"{result.reference} {result.action}" + (" (dry run)" if dry_run else "")
    editor.printed = NO_CHANGES if result.action == "unchanged" and editor.mode == "edit" else editor.done


def _diff_kind(line: str) -> str:
    if line.startswith(("+++", "---")):
        return "file"
    return {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1], "")


def place_error(editor: Editor, error: StoreError) -> None:
    """An admission error at its form field and at its line of the YAML; other errors on top,
    in kubectl's words, with where to go next."""
    if isinstance(error, (AlreadyExists, Conflict, NotFound)):
        editor.status = 422 if isinstance(error, NotFound) else error.code  # 404 would read as "no such page"
        editor.messages.append(f"Error from server ({error.reason}): {error.message}")
        editor.links.append(_next_step(editor, error))
        return
    editor.messages.append(error.message)
    if not isinstance(error, Invalid) or editor.manifest is None:
        return
    for fe in error.errors:
        name = mf.field_for_error(editor.manifest, fe.field) if editor.view == "form" else None
        if name:
            editor.field_errors[name] = str(fe)
        line = mf.line_of(editor.yaml, fe.field)
        editor.yaml_errors.append(yaml_error(line or 1, str(fe)))


def _next_step(editor: Editor, error: StoreError) -> dict[str, str]:
    """AlreadyExists: edit the object there is (or give this one another name); Conflict: open
    the live object again (it changed, since the page opened, in a field this edit changes);
    NotFound: the object was deleted meanwhile, the edit is still in the page."""
    if isinstance(error, NotFound):
        upload_url = reverse("web:upload", kwargs={"cluster": editor.cluster})
        return {"before": "It was deleted since you opened it. Your edit is still here: to create it again, "
                          "paste the YAML into ", "text": "Upload YAML", "url": upload_url, "after": "."}
    manifest = editor.original if isinstance(error, Conflict) and editor.original else editor.manifest or {}
    meta = manifest.get("metadata") or {}
    k = KINDS.get(str(manifest.get("kind", "")))
    url = edit_url(editor.cluster, k, str(meta.get("name", "")), str(meta.get("namespace") or "default"))
    if isinstance(error, Conflict):
        return {"before": "Someone changed this object since you opened it, in a field you changed too. ",
                "text": "Open the live object again", "url": url, "after": " and make your change there."}
    return {"before": "A new object needs a name of its own: change the name, or ", "text": "edit the existing one",
            "url": url, "after": "."}


def edit_url(cluster: str, k: Kind | None, name: str, namespace: str) -> str:
    if k is None:
        return reverse("web:objects", kwargs={"cluster": cluster})
    if k.namespaced:
        return reverse("web:edit", kwargs={"cluster": cluster, "kind": k.kind, "namespace": namespace, "name": name})
    return reverse("web:edit-cluster-scoped", kwargs={"cluster": cluster, "kind": k.kind, "name": name})


def respond(request: HttpRequest, editor: Editor, action: str) -> HttpResponse:
    status = editor.status if editor.failed else 200
    context = editor.context(request)
    if not request.htmx or action not in ("form", "yaml"):
        template = f"{TEMPLATE}#editor" if request.htmx else TEMPLATE
        title = request.POST.get("title") or f"Edit {editor.kind}"
        return render(request, template, {**context, "title": title}, status=status)
    if action == "form":  # the YAML pane, and the form's errors above (the form is not redrawn)
        parts = ("yaml-pane", "messages")
        context["messages"] = [*context["messages"], *(f"{n}: {m}" for n, m in editor.field_errors.items()
                                                       if m not in context["messages"])]
    else:  # the form pane (when the YAML parses), and the YAML's errors
        parts = ("form-pane", "yaml-errors", "messages") if editor.manifest is not None and context["form"] else \
            ("yaml-errors", "messages")
    main = "yaml-pane" if action == "form" else "form-pane"
    # Parts other than the swapped pane go out of band (nested ones would be taken out of it)
    html = "".join(render_to_string(f"{TEMPLATE}#{p}", {**context, "oob": p != main}, request=request) for p in parts)
    response = HttpResponse(html, status=status)
    if parts[0] != main:
        response["HX-Reswap"] = "none"  # only the out-of-band parts
    return response


# -- Upload: many documents at once ---------------------------------------------------------------


@dataclass
class DocumentResult:
    document: str
    text: str = ""  # `deployment.apps/web created`
    error: str = ""
    line: int | None = None


@require_http_methods(["GET", "POST"])
@stops_when_its_client_leaves
def upload(request: HttpRequest, cluster: str, *, cancelled: Callable[[], bool]) -> HttpResponse:
    """Paste or upload a multi-document YAML: every document is checked first (a dry run in one
    uncommitted batch, so a later document may use a namespace an earlier one creates); if any
    fails, nothing is stored and each document's result says why, at its line; else all are
    applied in one transaction and listed as `kubectl apply` prints them. A manifest of many
    objects takes minutes: it stops, storing nothing, if its client leaves or the server stops."""
    if not cluster_exists(cluster):
        return render(request, "web/not_found.html", {"message": f'cluster "{cluster}" not found'}, status=404)
    context: dict[str, Any] = {"cluster": cluster, "limit": limit_for(request.path_info, with_quota=True).file, "text": ""}
    if request.method == "GET":
        return render(request, "web/editor/upload.html", context)
    data, source, too_big = uploaded(request)
    if too_big:
        return render(request, "web/editor/upload.html", {**context, "error": too_big}, status=413)
    text = data.decode("utf-8", errors="replace")
    try:
        results, objects = check_stream(cluster, data, text, cancelled=cancelled)
        failed = any(r.error for r in results) or not results
        if not failed:
            results, failed = apply_all(cluster, objects, cancelled=cancelled)
    except Stopped as stopped:
        return render(request, "web/editor/upload.html", {**context, "error": f"Stopped: {stopped}. Nothing was stored."},
                      status=503)
    context.update(results=results, failed=failed, text=text if failed and len(data) <= 200_000 else "")
    if not results:
        context["error"] = f"error: no objects passed to apply (no objects in {source})"  # as kubectl says
    return render(request, "web/editor/upload.html", context, status=422 if failed else 200)


def uploaded(request: HttpRequest) -> tuple[bytes, str, str]:
    """The file or the pasted text, what it is called, or why it is refused unread (over the size limit)."""
    limit = limit_for(request.path_info, with_quota=True)
    if refused := refused_upload(request):
        return b"", "", refused
    upload_file = request.FILES.get("file")
    if upload_file is not None and upload_file.size:
        return upload_file.read(), upload_file.name or "the file", ""
    data = request.POST.get("manifest", "").encode("utf-8")
    if len(data) > limit.file:
        return b"", "", f"the text is {len(data):,} bytes, over the limit of {limit.file:,} bytes ({limit.setting})"
    return data, "the pasted text", ""


def check_stream(cluster: str, data: bytes, text: str, *,
                 cancelled: Callable[[], bool]) -> tuple[list[DocumentResult], list[tuple[str, Obj]]]:
    """Each document's dry run, and the objects to apply (with the label of their document)."""
    results: list[DocumentResult] = []
    objects: list[tuple[str, Obj]] = []
    batch = store.batch(cluster)
    for doc in manifests.parse(data, max_document_bytes=settings.PLAYGROUND_MAX_DOCUMENT_BYTES):
        if doc.error is not None:
            results.append(DocumentResult(doc.label, error=doc.error, line=mf.error_line(doc.error) or doc.line))
            continue
        assert doc.obj is not None
        is_list = doc.obj.get("kind") == "List"
        items = doc.obj.get("items") if is_list else [doc.obj]
        if not isinstance(items, list):
            results.append(DocumentResult(doc.label, error="items: Invalid value: a List needs a list of items",
                                          line=doc.line))
            continue
        for number, item in enumerate(items, start=1):
            stop_if_asked(cancelled)
            label = f"{doc.label}, item {number}" if is_list else doc.label
            try:
                result = apply_in(batch, item)
            except StoreError as e:
                path = e.errors[0].field if isinstance(e, Invalid) and e.errors else ""
                prefix = f"items[{number - 1}]." if is_list else ""
                line = mf.line_in_stream(text, doc.line, prefix + path) if path else doc.line
                results.append(DocumentResult(label, error=e.message, line=line or doc.line))
                continue
            results.append(DocumentResult(label, text=f"{result.reference} {result.action} (dry run)"))
            objects.append((label, item))
    return results, objects


def apply_all(cluster: str, objects: list[tuple[str, Obj]], *,
              cancelled: Callable[[], bool]) -> tuple[list[DocumentResult], bool]:
    """Apply every checked object in one store batch, committed once at the end: the database is
    written only in that commit, so SQLite's one writer is not held while thousands of objects
    are admitted (the controllers and kubelets would wait out its timeout); a late failure (a
    race) stores nothing, nor does a stop (`Stopped` leaves the batch uncommitted)."""
    results: list[DocumentResult] = []
    current = ""
    try:
        with store.batch(cluster) as batch:
            for label, obj in objects:
                stop_if_asked(cancelled)
                current = label
                result = apply_in(batch, obj)
                results.append(DocumentResult(label, text=f"{result.reference} {result.action}"))
    except StoreError as e:
        return [DocumentResult(current, error=e.message)], True
    return results, False
