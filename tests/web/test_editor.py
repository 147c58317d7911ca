"""The manifest editor: a form and the YAML as two views of one manifest, errors at the field and
at the line, a diff before apply, apply through the store's apply, download, and upload of a
multi-document YAML that stores nothing unless every document is good."""
from __future__ import annotations

import base64
import io
import json
import re

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings

from playground.store.api import LAST_APPLIED
from playground.web import editing
from playground.web import manifest_forms as mf
from tests.factories import config_map, deployment

EDITOR = "/clusters/default/editor/"
UPLOAD = "/clusters/default/upload/"
HTMX = {"HX-Request": "true"}


def editor_post(client, manifest, action, *, htmx=False, yaml_text=None, **fields):
    """What the browser posts: the YAML pane, the form as it was rendered, and the edited fields."""
    data = {
        "kind": manifest["kind"],
        "view": "form",
        "yaml": yaml_text if yaml_text is not None else mf.manifest_yaml(manifest),
        "form_base": json.dumps(manifest),
        **mf.form_data(manifest),
        **fields,
        "action": action,
    }
    return client.post(EDITOR, data, headers=HTMX if htmx else {})


def edit_post(client, live, action, *, htmx=False, **fields):
    """What the edit page posts: `editor_post` and the object as the page opened it."""
    opened = editing.opened(live)
    data = {"yaml": mf.manifest_yaml(opened), "form_base": json.dumps(opened), "original": json.dumps(opened),
            "kind": opened["kind"], "view": "form", **mf.form_data(opened), **fields, "action": action}
    return client.post(EDITOR, data, headers=HTMX if htmx else {})


def text(response) -> str:
    return response.content.decode()


def test_a_new_deployment_starts_from_nginx_with_3_replicas_and_field_help(cluster, client):
    page = text(client.get("/clusters/default/new/Deployment/"))

    assert 'name="replicas" value="3"' in page
    assert 'name="container-0-image" value="nginx:1.27"' in page
    assert "Number of desired pods. This is a pointer" in page  # the schema's description as the tooltip
    assert "replicas: 3" in page.split('id="yaml"')[1]


def test_the_form_creates_a_deployment_through_apply(cluster, client):
    manifest = mf.new_manifest("Deployment")

    response = editor_post(client, manifest, "apply", name="web", replicas="2", **{"container-0-image": "nginx:1.28"})

    assert response.status_code == 302
    assert response["Location"] == "/clusters/default/deployments/default/web/"
    stored = cluster.get("Deployment", "web", "default")
    assert stored["spec"]["replicas"] == 2
    assert stored["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert LAST_APPLIED in stored["metadata"]["annotations"]  # as `python manage.py apply` leaves it


def test_with_htmx_apply_redirects_the_browser_to_the_objects_page(cluster, client):
    response = editor_post(client, mf.new_manifest("ConfigMap"), "apply", htmx=True)

    assert response.status_code == 204
    assert response["HX-Redirect"] == "/clusters/default/configmaps/default/settings/"
    assert cluster.get("ConfigMap", "settings", "default")["data"] == {"mode": "demo"}


def test_an_apply_tells_the_page_what_kubectl_would_print(cluster, client):
    cluster.apply(deployment("web", replicas=2))

    edited = edit_post(client, cluster.get("Deployment", "web", "default"), "apply", htmx=True, replicas="3")
    untouched = edit_post(client, cluster.get("Deployment", "web", "default"), "apply", htmx=True)

    # The console that opened the editor (kubectl edit) prints the line
    assert json.loads(edited["HX-Trigger"]) == {"playground:applied": {"line": "deployment.apps/web edited"}}
    assert json.loads(untouched["HX-Trigger"]) == {"playground:applied": {"line": "Edit cancelled, no changes made."}}
    assert cluster.get("Deployment", "web", "default")["spec"]["replicas"] == 3


def test_a_form_change_comes_back_as_the_yaml(cluster, client):
    response = editor_post(client, mf.new_manifest("Deployment"), "form", htmx=True, replicas="5")

    assert response.status_code == 200
    pane = text(response).split('id="yaml-pane"')[1]
    assert "replicas: 5" in pane and "replicas: 3" not in pane


def test_a_yaml_change_comes_back_as_the_form_and_unknown_fields_stay(cluster, client):
    manifest = mf.new_manifest("Deployment")
    edited = mf.manifest_yaml(manifest).replace("replicas: 3", "replicas: 7\n  minReadySeconds: 10")

    response = editor_post(client, manifest, "yaml", htmx=True, yaml_text=edited)

    form = text(response).split('id="form-pane"')[1]
    assert 'name="replicas" value="7"' in form
    response = editor_post(client, yaml.safe_load(edited), "form", htmx=True, yaml_text=edited, replicas="4")
    pane = text(response)
    assert "replicas: 4" in pane and "minReadySeconds: 10" in pane


def test_an_admission_error_shows_at_the_field_and_at_the_yaml_line(cluster, client):
    manifest = mf.new_manifest("Deployment")

    response = editor_post(client, manifest, "apply", **{"container-0-image": "", "name": "web"})

    page = text(response)
    assert response.status_code == 422
    field = page.split('id="id_container-0-image"')[1].split("</div>")[0]
    assert "spec.template.spec.containers[0].image: Required value" in field
    yaml_text = mf.manifest_yaml(yaml.safe_load(page.split('id="yaml"')[1].split(">", 1)[1].split("</textarea>")[0]
                                                .replace("&quot;", '"').replace("&#x27;", "'")))
    errors = page.split('id="yaml-errors"')[1].split("</ol>")[0]
    line = mf.line_of(yaml_text, "spec.template.spec.containers[0]")
    assert re.search(rf'data-line="{line}".*line {line}</a>: spec.template.spec.containers\[0\].image: Required value', errors)
    assert cluster.list("Deployment", namespace="default") == []


def test_text_a_field_cannot_read_is_shown_at_the_field(cluster, client):
    response = editor_post(client, mf.new_manifest("Deployment"), "preview", replicas="many")

    assert response.status_code == 422
    field = text(response).split('id="id_replicas"')[1].split("</div>")[0]
    assert "&quot;many&quot; is not a whole number" in field
    assert 'name="replicas" value="many"' in text(response)  # what was typed stays, to be corrected


def test_broken_yaml_shows_the_error_at_its_line(cluster, client):
    manifest = mf.new_manifest("Deployment")
    broken = mf.manifest_yaml(manifest).replace("  replicas: 3", "  replicas: [3")

    response = editor_post(client, manifest, "yaml", htmx=True, yaml_text=broken)

    assert response.status_code == 422
    assert response["HX-Reswap"] == "none"  # the form stays as it was; only the errors are swapped in
    errors = text(response).split('id="yaml-errors"')[1].split("</ol>")[0]
    assert re.search(r'data-line="(\d+)"', errors)
    assert "invalid YAML" in errors


def test_the_preview_diffs_against_the_live_object_and_stores_nothing(cluster, client):
    cluster.apply(deployment("web", replicas=3))
    before = cluster.resource_version()

    response = edit_post(client, cluster.get("Deployment", "web", "default"), "preview", replicas="5")

    page = text(response)
    assert response.status_code == 200
    diff = page.split('aria-label="diff"')[1].split("</section>")[0]
    assert "--- LIVE/apps.v1.Deployment.default.web" in diff
    assert '<span class="removed">-  replicas: 3</span>' in diff
    assert '<span class="added">+  replicas: 5</span>' in diff
    assert "deployment.apps/web edited (dry run)" in page
    assert cluster.resource_version() == before


def test_a_preview_of_an_unchanged_object_says_so(cluster, client):
    cluster.apply(deployment("web"))

    page = text(edit_post(client, cluster.get("Deployment", "web", "default"), "preview"))

    assert "deployment.apps/web unchanged (dry run)" in page
    assert "No change" in page


def test_add_container_adds_a_row_and_remove_takes_it_away(cluster, client):
    manifest = mf.new_manifest("Deployment")

    page = text(editor_post(client, manifest, "add-container", htmx=True))

    assert 'name="container-1-name" value="container-2"' in page
    assert 'name="container-count" value="2"' in page
    two = mf.add_row(manifest, "container")
    page = text(editor_post(client, two, "remove-container-0", htmx=True))
    assert 'name="container-0-name" value="container-2"' in page and "container-1-name" not in page


def test_editing_a_stored_object_offers_form_and_yaml(cluster, client):
    cluster.apply(deployment("web", replicas=4))

    form = text(client.get("/clusters/default/edit/Deployment/default/web/"))
    as_yaml = text(client.get("/clusters/default/edit/Deployment/default/web/?view=yaml"))

    assert 'name="replicas" value="4"' in form
    assert 'id="form-pane"' not in as_yaml and "replicas: 4" in as_yaml


def test_a_kind_without_a_form_is_edited_as_yaml(cluster, client):
    page = text(client.get("/clusters/default/edit/Namespace/kube-public/"))

    assert 'id="form-pane"' not in page and "name: kube-public" in page


def test_download_is_the_yaml_of_get_o_yaml(cluster, client):
    cluster.apply(deployment("web"))
    out = io.StringIO()
    call_command("get", "deployment", "web", "-o", "yaml", stdout=out)

    response = client.get("/clusters/default/download/Deployment/default/web.yaml")

    assert response["Content-Disposition"] == 'attachment; filename="deployment-web.yaml"'
    assert text(response) == out.getvalue()


def test_secret_values_are_masked_in_the_form_until_revealed(cluster, client):
    page = text(client.get("/clusters/default/new/Secret/"))

    value = page.split('name="data-0-value"')[0].rsplit("<input", 1)[1] + page.split('name="data-0-value"')[1].split(">")[0]
    assert 'type="password"' in value and 'value="s3cr3t"' in value
    assert '<button type="button" class="reveal"' in page


def test_a_secrets_yaml_is_masked_until_revealed_and_its_diff_never_shows_a_value(cluster, client):
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
                   "data": {"password": base64.b64encode(b"hunter22").decode(),
                            "user": base64.b64encode(b"admin").decode()}})
    edit = text(client.get("/clusters/default/edit/Secret/default/db/?view=yaml"))
    preview = text(edit_post(client, cluster.get("Secret", "db", "default"), "preview",
                             **{"data-0-value": "n3w-password"}))

    assert '<textarea id="yaml"' in edit and 'class="masked"' in edit.split('<textarea id="yaml"')[1].split(">")[0]
    assert '<button type="button" class="reveal-yaml"' in edit
    diff = preview.split('aria-label="diff"')[1].split("</section>")[0]
    assert '<span class="removed">-  password: &#x27;*** (before)&#x27;</span>' in diff
    assert '<span class="added">+  password: &#x27;*** (after)&#x27;</span>' in diff
    assert "  user: &#x27;***&#x27;" in diff
    for value in ("hunter22", "n3w-password", "admin", base64.b64encode(b"hunter22").decode(),
                  base64.b64encode(b"n3w-password").decode()):
        assert value not in diff


# -- Upload ---------------------------------------------------------------------------------------

GOOD = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""


def test_an_upload_applies_every_document_as_kubectl_apply_prints(cluster, client):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("shop.yaml", GOOD.encode())})

    page = text(response)
    assert response.status_code == 200
    assert "namespace/shop created\ndeployment.apps/web created" in page
    assert cluster.get("Deployment", "web", "shop")["spec"]["replicas"] == 2


def test_pasted_yaml_broken_at_a_line_stores_nothing(cluster, client):
    broken = GOOD.replace("  replicas: 2", "  replicas: 2\n   bad: [")

    response = client.post(UPLOAD, {"manifest": broken})

    page = text(response)
    assert response.status_code == 422
    assert "Nothing was stored" in page
    assert "error: document 2 (line 13): line 13, column 7: invalid YAML" in page  # the line in the whole file
    assert [n["metadata"]["name"] for n in cluster.list("Namespace")].count("shop") == 0


def test_an_admission_error_names_the_document_and_the_line_and_stores_nothing(cluster, client):
    invalid = GOOD.replace("replicas: 2", "replicas: -1")

    response = client.post(UPLOAD, {"manifest": invalid})

    page = text(response)
    assert response.status_code == 422
    assert ("error: document 2 (Deployment/web) (line 12): Deployment.apps &quot;web&quot; is invalid: "
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0") in page
    assert "namespace/shop created (dry run)" in page
    assert "shop" not in [n["metadata"]["name"] for n in cluster.list("Namespace")]


@pytest.mark.parametrize("field", ["file", "manifest"])
def test_a_manifest_of_only_empty_documents_says_so_and_stores_nothing(cluster, client, field):
    dashes = "---\n" * 200_000
    data = SimpleUploadedFile("dashes.yaml", dashes.encode()) if field == "file" else dashes
    before = cluster.resource_version()

    response = client.post(UPLOAD, {field: data})

    source = "dashes.yaml" if field == "file" else "the pasted text"
    assert response.status_code == 422
    assert f"error: no objects passed to apply (no objects in {source})" in text(response)
    assert cluster.changes_since(before) == []


@override_settings(PLAYGROUND_MAX_MANIFEST_BYTES=100)
def test_an_upload_over_the_limit_is_refused_unread(cluster, client):
    response = client.post(UPLOAD, {"file": SimpleUploadedFile("big.yaml", GOOD.encode())})

    assert response.status_code == 413
    assert "big.yaml: more than the 100 bytes a manifest may have (PLAYGROUND_MAX_MANIFEST_BYTES)" in text(response)
    assert "shop" not in [n["metadata"]["name"] for n in cluster.list("Namespace")]


# -- Safety ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [EDITOR, UPLOAD])
def test_posts_need_the_csrf_token(cluster, url):
    client = Client(enforce_csrf_checks=True)

    response = client.post(url, {"yaml": GOOD, "manifest": GOOD, "action": "apply"})

    assert response.status_code == 403
    assert "shop" not in [n["metadata"]["name"] for n in cluster.list("Namespace")]


def test_user_strings_are_escaped_in_the_form_the_yaml_and_the_diff(cluster, client):
    evil = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    obj = config_map("evil", {"page": evil})
    obj["metadata"]["annotations"] = {"note": evil}
    cluster.apply(obj)

    pages = [
        text(client.get("/clusters/default/edit/ConfigMap/default/evil/")),
        text(edit_post(client, cluster.get("ConfigMap", "evil", "default"), "preview", **{"data-0-value": evil + "!"})),
    ]

    for page in pages:
        assert "<script>alert(2)" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_a_form_change_the_form_cannot_read_is_reported_with_the_yaml(cluster, client):
    response = editor_post(client, mf.new_manifest("Deployment"), "form", htmx=True, replicas="many")

    assert response.status_code == 422
    messages = text(response).split('id="editor-messages"')[1]
    assert "replicas: &quot;many&quot; is not a whole number" in messages
