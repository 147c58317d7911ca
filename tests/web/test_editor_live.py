"""The editor never undoes what it did not touch: "Edit" opens the live object (as `kubectl edit`
does), sends only what the user changed, and the diff is against the live object; "New" never
reconfigures an object that exists; a ConfigMap of many keys keeps them all; a Secret's values
stay masked wherever the editor, the download and the container filesystem page show them.

Every test posts back what the page holds (its hidden state included), as the browser does."""
from __future__ import annotations

import base64
import io
from html.parser import HTMLParser
from pathlib import Path

import yaml
from django.core.management import call_command
from django.test import Client

from playground.store.api import LAST_APPLIED
from tests.factories import config_map

EDITOR = "/clusters/default/editor/"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "nginx-deployment.yaml"
EDIT_NGINX = "/clusters/default/edit/Deployment/default/nginx/"


class EditorForm(HTMLParser):
    """The fields of the page's editor form, as the browser would post them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == "editor"
        if not self.inside or "name" not in a:
            return
        if tag == "input" and a.get("type") not in ("submit", "button"):
            self.fields[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self.textarea, self.fields[a["name"]] = a["name"], ""
        elif tag == "select":
            self.select, self.fields[a["name"]] = a["name"], ""
        if tag == "option" and self.select and ("selected" in a):
            self.fields[self.select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.fields[self.textarea] += data.removeprefix("\n") if not self.fields[self.textarea] else data


def fields_of(page: str) -> dict[str, str]:
    parser = EditorForm()
    parser.feed(page)
    return parser.fields


def submit(client: Client, page: str, action: str, **changes: str):
    """Press a button of the editor on `page`, after typing `changes` into its fields."""
    return client.post(EDITOR, {**fields_of(page), **changes, "action": action})


def text(response) -> str:
    return response.content.decode()


def diff_of(page: str) -> str:
    return page.split('aria-label="diff"')[1].split("</section>")[0]


def scaled_and_reimaged_nginx(cluster) -> None:
    """The issue's story: the example applied, then scaled and its image set from the command line."""
    call_command("apply", "-f", str(EXAMPLE), stdout=io.StringIO())
    call_command("scale", "deployment", "nginx", "--replicas=5", stdout=io.StringIO())
    call_command("set", "image", "deployment/nginx", "nginx=nginx:1.28", stdout=io.StringIO())


def nginx(cluster) -> dict:
    return cluster.get("Deployment", "nginx", "default")


# -- Edit starts from the live object -----------------------------------------------------------


def test_an_untouched_edit_of_a_scaled_and_reimaged_deployment_changes_nothing(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    page = text(client.get(EDIT_NGINX))
    assert 'name="replicas" value="5"' in page and 'value="nginx:1.28"' in page

    preview = text(submit(client, page, "preview"))
    response = submit(client, page, "apply")

    assert "No change" in diff_of(preview) and "replicas: 3" not in preview
    assert response.status_code == 302
    live = nginx(cluster)
    assert live["spec"]["replicas"] == 5
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"


def test_the_edit_shows_the_live_object_without_status_or_managed_fields(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    cluster.settle()
    live = nginx(cluster)

    shown = yaml.safe_load(fields_of(text(client.get(EDIT_NGINX)))["yaml"])

    assert "status" not in shown and "managedFields" not in shown["metadata"]
    assert shown["metadata"]["resourceVersion"] == live["metadata"]["resourceVersion"]
    assert shown["spec"] == live["spec"]


def test_an_edit_sends_only_what_was_changed(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    page = text(client.get(EDIT_NGINX))
    call_command("scale", "deployment", "nginx", "--replicas=7", stdout=io.StringIO())  # while the page is open

    preview = text(submit(client, page, "preview", **{"container-0-image": "nginx:1.29"}))
    response = submit(client, page, "apply", **{"container-0-image": "nginx:1.29"})

    diff = diff_of(preview)
    assert "-      - image: nginx:1.28" in diff and "+      - image: nginx:1.29" in diff
    assert "replicas: 7" not in diff and "replicas: 5" not in diff  # against the live object: 7 stays 7
    assert response.status_code == 302
    live = nginx(cluster)
    assert live["spec"]["replicas"] == 7
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.29"


def test_a_field_changed_by_someone_else_since_the_page_opened_is_a_conflict(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    page = text(client.get(EDIT_NGINX))
    call_command("scale", "deployment", "nginx", "--replicas=7", stdout=io.StringIO())

    response = submit(client, page, "apply", replicas="4")

    assert response.status_code == 409
    assert ('Operation cannot be fulfilled on deployments.apps &quot;nginx&quot;: the object has been modified; '
            "please apply your changes to the latest version and try again") in text(response)
    assert f'href="{EDIT_NGINX}"' in text(response)  # open the live object again
    assert nginx(cluster)["spec"]["replicas"] == 7


def test_an_edit_of_an_object_deleted_meanwhile_says_so_and_keeps_the_edit(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    page = text(client.get(EDIT_NGINX))
    cluster.delete("Deployment", "nginx", "default")

    response = submit(client, page, "apply", replicas="4")

    assert response.status_code == 422
    assert "Error from server (NotFound): deployments.apps &quot;nginx&quot; not found" in text(response)
    assert "replicas: 4" in fields_of(text(response))["yaml"]  # the edit is still in the page
    assert cluster.list("Deployment", namespace="default") == []


def test_an_edit_may_not_rename_the_object(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    page = text(client.get(EDIT_NGINX))

    response = submit(client, page, "apply", name="web")

    assert response.status_code == 422
    assert "At least one of apiVersion, kind and name was changed" in text(response)
    assert cluster.list("Deployment", namespace="default")[0]["metadata"]["name"] == "nginx"


# -- New never reconfigures what exists ---------------------------------------------------------


def test_new_picks_a_free_name(cluster, client):
    call_command("apply", "-f", str(EXAMPLE), stdout=io.StringIO())

    shown = yaml.safe_load(fields_of(text(client.get("/clusters/default/new/Deployment/")))["yaml"])

    assert shown["metadata"]["name"] == "nginx-2"
    assert shown["spec"]["selector"]["matchLabels"] == {"app": "nginx-2"}  # not the selector of nginx


def test_a_new_object_whose_name_exists_is_refused_as_kubectl_create_refuses_it(cluster, client):
    scaled_and_reimaged_nginx(cluster)
    before = nginx(cluster)
    page = text(client.get("/clusters/default/new/Deployment/"))

    preview = submit(client, page, "preview", name="nginx")
    response = submit(client, page, "apply", name="nginx")

    for answer in (preview, response):
        assert answer.status_code == 409
        assert 'Error from server (AlreadyExists): deployments.apps &quot;nginx&quot; already exists' in text(answer)
        assert f'<a href="{EDIT_NGINX}">' in text(answer)
    assert nginx(cluster) == before


# -- Nothing the form did not show is dropped ---------------------------------------------------


def test_a_config_map_of_150_keys_keeps_them_all_when_one_is_edited_in_the_form(cluster, client):
    data = {f"key-{n:03}": f"value {n}" for n in range(150)}
    cluster.apply(config_map("big", data))
    page = text(client.get("/clusters/default/edit/ConfigMap/default/big/"))
    assert "first 20 of 150 keys" in page

    fields = {k: v for k, v in fields_of(page).items() if k != "data-count"}  # as the issue posted it
    response = client.post(EDITOR, {**fields, "data-0-value": "changed", "action": "apply"})

    assert response.status_code == 302
    stored = cluster.get("ConfigMap", "big", "default")["data"]
    assert stored == {**data, "key-000": "changed"}


# -- Secrets stay masked ------------------------------------------------------------------------


def secret_db(cluster) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},  # with a last-applied annotation
                   "data": {"password": base64.b64encode(b"hunter22").decode(),
                            "user": base64.b64encode(b"admin").decode()}})


SECRET_TEXTS = ("hunter22", "admin", base64.b64encode(b"hunter22").decode(), base64.b64encode(b"admin").decode())


def test_a_secret_stays_masked_on_its_edit_page_and_in_its_download(cluster, client):
    secret_db(cluster)
    assert LAST_APPLIED in cluster.get("Secret", "db", "default")["metadata"]["annotations"]

    pages = [text(client.get("/clusters/default/edit/Secret/default/db/")),
             text(client.get("/clusters/default/edit/Secret/default/db/?view=yaml")),
             text(client.get("/clusters/default/download/Secret/default/db.yaml"))]

    for page in pages:
        for secret in SECRET_TEXTS:
            assert secret not in page
    assert "password: &#x27;***&#x27;" in pages[1] or "password: '***'" in pages[1]
    revealed = client.post("/clusters/default/download/Secret/default/db.yaml")
    assert base64.b64encode(b"hunter22").decode() in text(revealed)  # a deliberate POST


def test_the_download_with_values_needs_the_csrf_token(cluster):
    secret_db(cluster)

    response = Client(enforce_csrf_checks=True).post("/clusters/default/download/Secret/default/db.yaml")

    assert response.status_code == 403


def test_an_edit_that_leaves_masked_values_keeps_the_stored_ones(cluster, client):
    secret_db(cluster)
    page = text(client.get("/clusters/default/edit/Secret/default/db/"))
    fields = fields_of(page)
    row = next(i for i in range(2) if fields[f"data-{i}-key"] == "user")

    response = submit(client, page, "apply", labels="team=a", **{f"data-{row}-value": "root"})

    assert response.status_code == 302
    stored = cluster.get("Secret", "db", "default")
    assert stored["metadata"]["labels"] == {"team": "a"}
    assert stored["data"] == {"password": base64.b64encode(b"hunter22").decode(),
                              "user": base64.b64encode(b"root").decode()}


def test_a_mask_is_never_written(cluster, client):
    secret_db(cluster)
    page = text(client.get("/clusters/default/edit/Secret/default/db/"))
    fields = fields_of(page)
    row = next(i for i in range(2) if fields[f"data-{i}-key"] == "password")

    response = submit(client, page, "apply", **{f"data-{row}-key": "pass"})  # renamed, its value still masked

    assert response.status_code == 422
    assert "data[pass]" in text(response)
    assert sorted(cluster.get("Secret", "db", "default")["data"]) == ["password", "user"]
