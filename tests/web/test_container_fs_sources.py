"""The container filesystem page names the source of each file a volume brings: which ConfigMap
and key, which Secret (its value masked), which Downward API field, the ServiceAccount token,
which claim; image layers and the writable layer keep their own names."""
from __future__ import annotations

from django.test import Client

PAGE = "/clusters/default/pods/default/web/containers/nginx/fs/"


def running_pod(cluster) -> None:
    cluster.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"},
                   "data": {"greeting": "hello", "mode": "blue"}})
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"password": "hunter2"}})
    everything = {"name": "all", "projected": {"sources": [
        {"configMap": {"name": "settings", "items": [{"key": "mode", "path": "conf/mode.txt"}]}},
        {"secret": {"name": "db"}},
        {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
    ]}}
    cluster.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "labels": {"app": "web"}}, "spec": {
        "containers": [{"name": "nginx", "image": "nginx:1.27", "volumeMounts": [
            {"name": "settings", "mountPath": "/etc/app"}, {"name": "all", "mountPath": "/etc/all"},
            {"name": "cache", "mountPath": "/cache"}]}],
        "volumes": [{"name": "settings", "configMap": {"name": "settings"}}, everything, {"name": "cache", "emptyDir": {}}],
    }})
    cluster.settle()
    cluster.advance(30)


def origin(client: Client, directory: str, path: str) -> str:
    page = client.get(PAGE, {"path": directory}).content.decode()
    return page.split(f'data-path="{path}"')[1].split('<td class="origin">')[1].split("</td>")[0]


def test_each_file_under_a_mount_names_the_source_it_came_from(cluster, client):
    running_pod(cluster)

    assert origin(client, "/etc/app", "/etc/app/greeting") == "volume settings: ConfigMap settings · key greeting"
    assert origin(client, "/etc/all", "/etc/all/labels") == "volume all: Downward API · metadata.labels"
    assert origin(client, "/etc/all", "/etc/all/conf") == "volume all"  # a directory of the items' paths
    assert origin(client, "/etc/all", "/etc/all/..data") == "volume all: the kubelet&#x27;s atomic writer"
    assert origin(client, "/", "/cache") == "volume cache (emptyDir)"
    assert origin(client, "/etc", "/etc/hostname") == "init"  # not a volume: its own words stay


def test_a_secret_file_says_which_secret_and_that_its_value_is_masked(cluster, client):
    running_pod(cluster)
    payload = [p for p in client.get(PAGE, {"path": "/etc/all"}).content.decode().split('data-path="')
               if p.startswith("/etc/all/..20")][0].split('"')[0]

    assert origin(client, payload, f"{payload}/password") == "volume all: Secret db · key password (value masked)"
    # the page masks every file of a projected volume whose Secret source lists no items
    assert origin(client, f"{payload}/conf", f"{payload}/conf/mode.txt").startswith("volume all: ConfigMap settings · key mode")
    page = client.get(PAGE, {"path": "/etc/all/password"}).content.decode()
    assert "from volume all: Secret db · key password (value masked)" in page and "hunter2" not in page
