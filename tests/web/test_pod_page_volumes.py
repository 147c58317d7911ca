"""The Pod page's Volumes section: each volume drawn from its source (a ConfigMap, a Secret,
Downward API fields, the ServiceAccount token, a claim → its PersistentVolume → a node's
directory, a hostPath, an emptyDir) through the files it makes (items and paths honoured) to
each container's mount (mountPath, subPath, readOnly); and the pod drawn as its pause
container holding the namespaces its containers share."""
from __future__ import annotations

import base64
from typing import Any

from playground.sim import containerfs
from tests.factories import config_map

PAGE = "/clusters/default/pods/default/{}/"
Obj = dict[str, Any]


def app_pod(name: str = "app", *, volumes: list[Obj], mounts: dict[str, list[Obj]], **spec: Any) -> Obj:
    """A pod of busybox containers (name → its volumeMounts) with these volumes."""
    containers = [{"name": container, "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3600"], "volumeMounts": m}
                  for container, m in mounts.items()]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": containers, "volumes": volumes, **spec}}


def secret(name: str, data: dict[str, str]) -> Obj:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def wire(page: str, volume: str) -> str:
    """One volume's row: its sources, its box of files, its mounts."""
    return page.split(f'data-volume="{volume}">')[1].split('<div class="wire ')[0].split("</section>")[0]


def part(row: str, label: str) -> str:
    return row.split(f'aria-label="{label}"')[1].split("</ul>")[0].split("</article>")[0]


def test_a_config_map_volume_is_drawn_from_its_keys_to_each_containers_mount(cluster, client):
    cluster.create(config_map("app-config", {"app.properties": "color=blue\n", "log-level": "debug", "unused": "x"}))
    items = [{"key": "app.properties", "path": "conf/app.properties"}, {"key": "log-level", "path": "log-level"}]
    cluster.create(app_pod(volumes=[{"name": "config", "configMap": {"name": "app-config", "items": items}}], mounts={
        "web": [{"name": "config", "mountPath": "/etc/app"}],
        "sidecar": [{"name": "config", "mountPath": "/etc/app.properties", "subPath": "conf/app.properties"}],
    }))
    cluster.advance(30)

    row = wire(client.get(PAGE.format("app")).content.decode(), "config")

    sources = part(row, "sources of config")
    assert 'ConfigMap</span> <a href="/clusters/default/configmaps/default/app-config/">app-config</a>' in sources
    assert "2 keys chosen" in sources
    files = part(row, "volume config")
    assert 'data-path="conf/app.properties"><td class="from">ConfigMap app-config · key app.properties</td>' in files
    assert 'data-path="log-level"><td class="from">ConfigMap app-config · key log-level</td>' in files
    assert "unused" not in files  # items choose which keys become files
    assert "<code>..data → ..20" in files  # the atomic writer's directory on the node
    mounts = part(row, "mounts of config")
    web, sidecar = mounts.split('data-container="web"')[1].split("</li>")[0], mounts.split('data-container="sidecar"')[1].split("</li>")[0]
    assert "<code>/etc/app</code>" in web and "read-only" in web and "the kubelet mounts API data read-only" in web
    assert 'href="/clusters/default/pods/default/app/containers/web/fs/?path=/etc/app"' in web
    assert "subPath</small> <code>conf/app.properties</code>" in sidecar
    assert "a subPath keeps the file it started with" in sidecar and "keeps the file" not in web


def test_a_secret_volume_names_its_keys_and_never_their_values(cluster, client):
    cluster.create(secret("db-creds", {"password": "s3cr3t-passw0rd"}))
    cluster.create(app_pod(volumes=[{"name": "creds", "secret": {"secretName": "db-creds"}}],
                           mounts={"web": [{"name": "creds", "mountPath": "/etc/creds", "readOnly": True}]}))
    cluster.advance(30)

    page = client.get(PAGE.format("app")).content.decode()

    row = wire(page, "creds")
    assert "Secret db-creds · key password <small>(value masked)</small>" in row
    assert "s3cr3t-passw0rd" not in page and base64.b64encode(b"s3cr3t-passw0rd").decode() not in page
    assert "the kubelet mounts API data read-only" not in part(row, "mounts of creds")  # it asked for readOnly itself


def test_a_claim_is_drawn_as_claim_then_persistent_volume_then_a_directory_on_a_node(cluster, client):
    cluster.create({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}})
    cluster.create(app_pod(volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": "data"}}],
                           mounts={"web": [{"name": "data", "mountPath": "/data"}]}))
    cluster.settle()
    cluster.advance(30)
    claim = cluster.get("PersistentVolumeClaim", "data", "default")
    volume = claim["spec"]["volumeName"]
    node = cluster.get("Pod", "app", "default")["spec"]["nodeName"]

    row = wire(client.get(PAGE.format("app")).content.decode(), "data")

    sources = part(row, "sources of data")
    assert 'class="wire-sources chain"' in row  # one after the other, not side by side
    claim_at, volume_at = sources.index("PersistentVolumeClaim"), sources.index(f"{volume}")
    path = f"{node}:/var/local-path-provisioner/{volume}_default_data"
    assert claim_at < volume_at < sources.index(path)
    assert "Bound" in sources and "1Gi" in sources
    assert f'href="/clusters/default/nodes/{node}/">{path}</a>' in sources
    assert "read-write" in part(row, "mounts of data")


def test_a_missing_config_map_is_marked_and_the_failed_mount_said(cluster, client):
    cluster.create(app_pod(volumes=[{"name": "config", "configMap": {"name": "nope"}}],
                           mounts={"web": [{"name": "config", "mountPath": "/etc/app"}]}))
    cluster.advance(10)

    row = wire(client.get(PAGE.format("app")).content.decode(), "config")

    assert 'class="source missing"' in row and "not found" in part(row, "sources of config")
    assert "MountVolume.SetUp failed for volume &quot;config&quot; : configmap &quot;nope&quot; not found" in row


def test_the_service_account_volume_shows_the_token_the_ca_and_the_namespace(cluster, client):
    cluster.create(app_pod(volumes=[], mounts={"web": []}))
    cluster.settle()
    cluster.advance(30)
    [volume] = cluster.get("Pod", "app", "default")["spec"]["volumes"]  # added by admission: kube-api-access-xxxxx

    row = wire(client.get(PAGE.format("app")).content.decode(), volume["name"])

    sources = part(row, f"sources of {volume['name']}")
    assert "ServiceAccount token" in sources and "default" in sources
    assert "ConfigMap</span> <a href=\"/clusters/default/configmaps/default/kube-root-ca.crt/\">" in sources
    assert "Downward API</span> <code>metadata.namespace</code>" in sources
    files = part(row, f"volume {volume['name']}")
    assert '<td class="from">ServiceAccount default · token <small>(value masked)</small></td>' in files
    assert '<td class="from">Downward API · metadata.namespace</td>' in files
    assert "/var/run/secrets/kubernetes.io/serviceaccount" in part(row, f"mounts of {volume['name']}")


def test_a_host_path_and_an_empty_dir_say_where_their_files_live(cluster, client):
    cluster.create(app_pod(volumes=[{"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}},
                                    {"name": "cache", "emptyDir": {"medium": "Memory"}}],
                           mounts={"web": [{"name": "logs", "mountPath": "/host/log", "readOnly": True},
                                           {"name": "cache", "mountPath": "/cache"}]}))
    cluster.advance(30)
    node = cluster.get("Pod", "app", "default")["spec"]["nodeName"]
    containerfs.write_file(cluster.name, "default", "app", "web", "/cache/notes.txt", "kept across restarts")

    page = client.get(PAGE.format("app")).content.decode()

    assert f">{node}:/var/log</a>" in part(wire(page, "logs"), "sources of logs")
    cache = wire(page, "cache")
    assert "in the node&#x27;s memory (tmpfs)" in cache and "deleted with it" in cache
    assert 'data-path="notes.txt"><td class="from">written by a container</td>' in cache
    assert 'class="access rw">read-write' in cache


def test_the_pod_is_drawn_as_its_pause_container_holding_what_its_containers_share(cluster, client):
    cluster.create(app_pod("shared", volumes=[], mounts={"web": [], "sidecar": []}, shareProcessNamespace=True))
    cluster.create(app_pod("apart", volumes=[], mounts={"web": []}, hostNetwork=True))
    cluster.advance(30)

    shared = client.get(PAGE.format("shared")).content.decode().split('class="pod-namespaces"')[1].split("</figure>")[0]
    apart = client.get(PAGE.format("apart")).content.decode().split('class="pod-namespaces"')[1].split("</figure>")[0]

    assert [b.split('"')[0] for b in shared.split('data-namespace="')[1:]] == ["net", "ipc", "uts", "pid"]
    sidecar = shared.split('data-container="sidecar"')[1].split("</g>")[0]
    assert sidecar.count('<circle class="dot') == 4 and "own: mnt" in sidecar  # its processes are the pod's
    assert "pid" not in [b.split('"')[0] for b in apart.split('data-namespace="')[1:]]
    assert "net: the node&#x27;s</text>" in apart and "own: pid, mnt" in apart


def test_a_changed_config_map_shows_as_pending_until_the_kubelets_next_sync(cluster, client):
    cluster.create(config_map("app-config", {"greeting": "hello"}))
    cluster.create(app_pod(volumes=[{"name": "config", "configMap": {"name": "app-config"}}],
                           mounts={"web": [{"name": "config", "mountPath": "/etc/app"}]}))
    cluster.advance(30)
    cluster.patch("ConfigMap", "app-config", "default", {"data": {"greeting": "bye"}})

    soon = wire(client.get(PAGE.format("app")).content.decode(), "config")
    cluster.advance(61)  # syncFrequency: the kubelet rewrites mounted ConfigMaps on its periodic sync
    later = wire(client.get(PAGE.format("app")).content.decode(), "config")

    note = "changed in the API: the kubelet writes it at its next sync"
    assert note in soon.split('data-path="greeting"')[1].split("</tr>")[0]
    assert note not in later
    assert soon.split("<code>..data → ")[1].split("<")[0] != later.split("<code>..data → ")[1].split("<")[0]


def test_a_generic_ephemeral_volume_shows_the_claim_made_for_this_pod(cluster, client):
    template = {"spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}
    cluster.create(app_pod(volumes=[{"name": "scratch", "ephemeral": {"volumeClaimTemplate": template}}],
                           mounts={"web": [{"name": "scratch", "mountPath": "/scratch"}]}))

    row = wire(client.get(PAGE.format("app")).content.decode(), "scratch")

    sources = part(row, "sources of scratch")
    assert "volumeClaimTemplate</span> <code>app-scratch</code>" in sources  # <pod>-<volume>, as the controller names it
    assert "2Gi claimed for this pod only" in sources
