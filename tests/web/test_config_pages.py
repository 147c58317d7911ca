"""The ConfigMap and Secret pages: keys and values (a Secret's masked until one Reveal click, a
POST with its CSRF token, shows one key's value), the pods that use them; and Secret values masked
wherever the Pod page shows environment or logs."""
from __future__ import annotations

import base64

import pytest
from django.test import Client

from playground.store import api as store
from playground.store.demo import create_demo_cluster
from tests.factories import config_map, pod
from tests.web.live import HTMX, XSS_ANNOTATION, XSS_SCRIPT, assert_escaped, frame_after

CM = "/clusters/default/configmaps/default/settings/"
SECRET = "/clusters/default/secrets/default/db/"
PASSWORD = "s3cr3t-hunter2"


def secret(name: str = "db", data: dict | None = None) -> dict:
    values = data or {"password": PASSWORD, "user": "admin-user"}
    encoded = {k: base64.b64encode(v.encode()).decode() for k, v in values.items()}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque", "data": encoded}


def using_the_secret(name: str = "app") -> dict:
    obj = pod(name, image="busybox:1.36")
    container = obj["spec"]["containers"][0]
    container["command"] = ["sh", "-c", "echo connecting with password=$DB_PASSWORD; sleep 3600"]
    container["env"] = [
        {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        {"name": "GREETING", "value": "hello"},
    ]
    return obj


def test_the_config_map_page_shows_keys_values_and_who_uses_it(cluster, client):
    cluster.create(config_map("settings", {"mode": "demo", "app.properties": "color=blue\nsize=2"}))
    user = pod("app")
    user["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "settings"}}]
    cluster.create(user)

    page = client.get(CM).content.decode()

    assert '<td><code>mode</code></td><td><pre class="value">demo</pre>' in page
    assert '<pre class="value">color=blue\nsize=2</pre>' in page
    assert '<a href="/clusters/default/pods/default/app/">app</a>: envFrom in main' in page


def test_config_map_values_and_annotations_are_escaped(cluster, client):
    obj = config_map("settings", {"page": XSS_SCRIPT})
    obj["metadata"]["annotations"] = {"note": XSS_ANNOTATION}
    cluster.create(obj)

    page = client.get(CM).content.decode()

    assert_escaped(page)
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_missing_config_map_is_not_found(cluster, client):
    assert client.get("/clusters/default/configmaps/default/nope/").status_code == 404


def test_secret_values_are_not_in_the_page_until_revealed(cluster, client):
    cluster.create(secret())

    page = client.get(SECRET).content.decode()

    assert PASSWORD not in page and base64.b64encode(PASSWORD.encode()).decode() not in page
    assert "admin-user" not in page
    assert page.count('<code class="masked">••••••</code>') == 2
    assert "14 bytes" in page  # the size is no secret


def test_the_secret_page_says_base64_is_an_encoding_not_encryption(cluster, client):
    cluster.create(secret())

    page = client.get(SECRET).content.decode()

    note = page.split('data-field="base64">')[1].split("</p>")[0]
    assert "base64 is an encoding, not encryption" in note
    # said where a learner looks: beside the values, before the table that masks them
    assert page.index('data-field="base64"') < page.index('aria-label="data"')


def test_reveal_shows_one_key_only(cluster, client):
    cluster.create(secret())

    fragment = client.post(SECRET + "reveal/", {"key": "password"}, headers=HTMX).content.decode()
    page = client.post(SECRET + "reveal/", {"key": "password"}).content.decode()

    assert fragment == f'<pre class="value revealed">{PASSWORD}</pre>'
    assert PASSWORD in page and "admin-user" not in page


def test_reveal_needs_the_csrf_token(cluster):
    cluster.create(secret())

    response = Client(enforce_csrf_checks=True).post(SECRET + "reveal/", {"key": "password"})

    assert response.status_code == 403 and PASSWORD not in response.content.decode()


def test_reveal_of_an_unknown_key_is_not_found(cluster, client):
    cluster.create(secret())

    assert client.post(SECRET + "reveal/", {"key": "nope"}).status_code == 404


def test_the_applied_manifest_annotation_of_a_secret_is_masked_too(cluster, client):
    cluster.apply(secret())

    page = client.get(SECRET).content.decode()

    assert "kubectl.kubernetes.io/last-applied-configuration" in page
    assert base64.b64encode(PASSWORD.encode()).decode() not in page


def test_a_revealed_value_is_escaped(cluster, client):
    cluster.create(secret(data={"html": XSS_SCRIPT}))

    fragment = client.post(SECRET + "reveal/", {"key": "html"}, headers=HTMX).content.decode()

    assert XSS_SCRIPT not in fragment and "&lt;script&gt;" in fragment


def test_the_pod_page_masks_secret_values_in_env_and_logs(cluster, client):
    cluster.create(secret())
    cluster.create(using_the_secret())
    cluster.advance(30)

    page = client.get("/clusters/default/pods/default/app/").content.decode()

    assert PASSWORD not in page
    assert "connecting with password=••••••" in page
    env = page.split('aria-label="env"')[1].split("</table>")[0]
    assert "<code>DB_PASSWORD</code></td><td><code>••••••</code> <small>from Secret db key password</small>" in env
    assert "<code>GREETING</code></td><td><code>hello</code>" in env
    assert '<a href="/clusters/default/pods/default/app/">app</a>: env DB_PASSWORD in main' in client.get(SECRET).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_secret_again_masked_when_a_key_is_added():
    create_demo_cluster("default")
    store.create("default", secret())

    def add_key() -> None:
        obj = store.get("default", "Secret", "db", "default")
        obj["data"]["token"] = base64.b64encode(b"tok-123456").decode()
        store.update("default", obj)

    frame = frame_after("/ws" + SECRET, add_key)

    assert 'id="secret-live"' in frame and 'data-key="token"' in frame
    assert "tok-123456" not in frame and PASSWORD not in frame


@pytest.mark.django_db(transaction=True)
def test_the_socket_pushes_the_config_map_again_when_it_changes():
    create_demo_cluster("default")
    store.create("default", config_map("settings"))

    frame = frame_after("/ws" + CM, lambda: store.patch("default", "ConfigMap", "settings", "default", {"data": {"mode": "live"}}, patch_type="merge"))

    assert 'id="configmap-live"' in frame and '<pre class="value">live</pre>' in frame
