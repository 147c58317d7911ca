"""The container filesystem page: the overlay stack (image layers, init layer, writable layer,
mounts), one directory of the merged tree with each path's origin, a file's text (a Secret's
masked until revealed), and the form that writes into the running container."""
from __future__ import annotations

from html import unescape

from django.test import Client

from tests.kubectl.test_console import console

PAGE = "/clusters/default/pods/default/web/containers/nginx/fs/"
SECRET = "s3cr3t-hunter2"


def web_pod(*, volumes: list[dict] | None = None, mounts: list[dict] | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "volumeMounts": mounts or []}],
                     "volumes": volumes or []}}


def running_web_pod(cluster) -> None:
    """nginx with a ConfigMap at /etc/app, a Secret at /etc/db and an emptyDir at /cache, settled to Running."""
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                   "data": {"greeting": "hello <script>alert(1)</script>"}})
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": SECRET}})
    cluster.apply(web_pod(
        volumes=[{"name": "settings", "configMap": {"name": "settings"}}, {"name": "db", "secret": {"secretName": "db"}},
                 {"name": "cache", "emptyDir": {}}],
        mounts=[{"name": "settings", "mountPath": "/etc/app"}, {"name": "db", "mountPath": "/etc/db"},
                {"name": "cache", "mountPath": "/cache"}],
    ))
    cluster.advance(30)
    statuses = cluster.get("Pod", "web", "default")["status"]["containerStatuses"]
    assert "running" in statuses[0]["state"]


def get(client: Client, path: str = "/", **params: str) -> str:
    response = client.get(PAGE, {"path": path, **params})
    assert response.status_code == 200
    return response.content.decode()


def row(page: str, path: str) -> str:
    return page.split(f'data-path="{path}"')[1].split("</tr>")[0]


def stack(page: str) -> str:
    return page.split('aria-label="stack"')[1].split("</section>")[0]


def test_the_stack_lists_image_layers_then_init_then_writable_then_the_mounts(cluster, client):
    running_web_pod(cluster)

    page = stack(get(client))

    kinds = [part.split('"')[0] for part in page.split('data-kind="')[1:]]
    assert kinds[0] == "image" and "init" in kinds and "writable" in kinds
    assert kinds.index("init") == kinds.index("writable") - 1 and set(kinds[:kinds.index("init")]) == {"image"}
    assert kinds[-3:] == ["mount"] * 3
    assert "lost when the container restarts" in page and "sha256:" in page
    app = page.split('aria-label="mount /etc/app"')[1].split("</li>")[0]
    assert "settings" in app and "configMap" in app and "read-only" in app
    cache = page.split('aria-label="mount /cache"')[1].split("</li>")[0]
    assert "read-write" in cache and "kept as long as the pod" in cache


def test_etc_hosts_comes_from_the_init_layer_with_its_text(cluster, client):
    running_web_pod(cluster)
    ip = cluster.get("Pod", "web", "default")["status"]["podIP"]

    page = get(client, "/etc/hosts")

    assert '<td class="origin">init</td>' in row(page, "/etc/hosts")
    assert f"{ip}\tweb" in unescape(page.split('aria-label="content"')[1].split("</pre>")[0])
    assert '<td class="origin">layer ' in row(page, "/etc/nginx")


def test_a_config_map_key_is_a_file_under_its_mount_path_and_its_text_is_escaped(cluster, client):
    running_web_pod(cluster)

    listing = get(client, "/etc/app")
    page = get(client, "/etc/app/greeting")

    assert "volume settings" in row(listing, "/etc/app/greeting") and "..data" in listing
    assert "hello &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)" not in page


def test_a_secret_file_is_masked_and_revealed_by_a_post_never_by_a_get(cluster, client):
    running_web_pod(cluster)

    by_get = get(client, "/etc/db/password", reveal="1")  # the old link: no longer reveals
    by_post = client.post(PAGE, {"action": "reveal", "path": "/etc/db/password"}).content.decode()
    refused = Client(enforce_csrf_checks=True).post(PAGE, {"action": "reveal", "path": "/etc/db/password"})

    assert SECRET not in by_get and "••••••" in by_get
    assert 'method="post"' in by_get.split(">Reveal<")[0].rsplit("<form", 1)[1]
    assert SECRET in by_post and ">Hide</a>" in by_post  # and a way back to the masked file
    assert refused.status_code == 403


def test_a_written_file_appears_in_the_writable_layer(cluster, client):
    running_web_pod(cluster)

    response = client.post(PAGE, {"action": "write", "path": "/tmp/notes.txt", "content": "remember"})

    assert response.status_code == 302 and "path=%2Ftmp%2Fnotes.txt" in response["Location"]
    listing = get(client, "/tmp")
    assert '<td class="origin">writable</td>' in row(listing, "/tmp/notes.txt")
    assert '<pre class="file-content" aria-label="content">remember</pre>' in get(client, "/tmp/notes.txt")


def test_what_kubectl_exec_echoes_into_a_file_is_on_the_page(cluster, client):
    running_web_pod(cluster)

    code, _, _ = console(cluster, "kubectl exec web -- sh -c 'echo first > /tmp/log.txt; echo second >> /tmp/log.txt'")

    assert code == 0
    assert '<td class="origin">writable</td>' in row(get(client, "/tmp"), "/tmp/log.txt")
    assert '<pre class="file-content" aria-label="content">first\nsecond\n</pre>' in get(client, "/tmp/log.txt")


def test_deleting_an_image_file_shows_it_deleted_by_a_whiteout(cluster, client):
    running_web_pod(cluster)

    response = client.post(PAGE, {"action": "delete", "path": "/etc/nginx/nginx.conf", "content": ""})

    assert response.status_code == 302
    entry = row(get(client, "/etc/nginx"), "/etc/nginx/nginx.conf")
    assert "<del>nginx.conf</del>" in entry and "whiteout" in entry and '<td class="origin">writable</td>' in entry


def test_writing_under_a_read_only_mount_is_refused_at_the_form(cluster, client):
    running_web_pod(cluster)

    response = client.post(PAGE, {"action": "write", "path": "/etc/app/extra", "content": "x"})

    assert response.status_code == 422
    page = response.content.decode()
    assert "Read-only file system" in page.split('aria-label="write"')[1]
    assert 'data-path="/etc/app/extra"' not in get(client, "/etc/app")


def test_a_relative_path_is_refused_and_nothing_is_written(cluster, client):
    running_web_pod(cluster)

    response = client.post(PAGE, {"action": "write", "path": "tmp/x", "content": "x"})

    assert response.status_code == 422
    assert "path must be absolute" in response.content.decode()
    assert 'data-path="/tmp/x"' not in get(client, "/tmp")


def test_a_file_named_with_a_script_is_escaped(cluster, client):
    running_web_pod(cluster)
    name = "/tmp/<script>alert(1)"  # no "</script>": its slash would make a directory

    client.post(PAGE, {"action": "write", "path": name, "content": "<script>alert(2)</script>"})

    listing = get(client, "/tmp")
    page = get(client, name)
    assert "<script>alert(1)" not in listing and "&lt;script&gt;alert(1)" in listing
    assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_the_form_needs_its_csrf_token(cluster):
    running_web_pod(cluster)

    response = Client(enforce_csrf_checks=True).post(PAGE, {"action": "write", "path": "/tmp/x", "content": "x"})

    assert response.status_code == 403


def test_a_missing_pod_or_container_is_not_found(cluster, client):
    running_web_pod(cluster)

    assert client.get("/clusters/default/pods/default/nope/containers/nginx/fs/").status_code == 404
    assert client.get("/clusters/default/pods/default/web/containers/nope/fs/").status_code == 404


def test_the_pod_page_links_each_container_to_its_filesystem(cluster, client):
    running_web_pod(cluster)

    page = client.get("/clusters/default/pods/default/web/").content.decode()

    assert f'href="{PAGE}"' in page
