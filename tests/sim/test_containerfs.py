"""A running container's filesystem: the image's layers, the init layer the runtime writes, the
writable layer (copy-up, whiteouts) and the mounts, merged with each path's origin."""
from __future__ import annotations

import pytest

from playground.sim import containerfs
from playground.sim.containerfs import read_text
from playground.store.errors import BadRequest


def nginx_pod(name: str = "web", **spec: object) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}], **spec}}


def filesystem(cluster, pod: str = "web") -> containerfs.ContainerFilesystem:
    return containerfs.container_filesystem(cluster.name, "default", pod, "nginx")


def test_the_layers_are_the_image_then_init_then_writable(cluster):
    cluster.apply(nginx_pod())
    cluster.advance(10)

    fs = filesystem(cluster)

    kinds = [layer.kind for layer in fs.layers]
    assert kinds[-2:] == ["init", "writable"] and set(kinds[:-2]) == {"image"} and len(kinds) > 2
    image_top = len(fs.layers) - 3
    assert isinstance(fs.origin("/etc/nginx/nginx.conf"), int) and fs.origin("/etc/nginx/nginx.conf") <= image_top
    assert fs.origin("/etc/hosts") == len(fs.layers) - 2  # the init layer covers the image's own /etc/hostname too
    assert read_text(fs, "/etc/hostname") == "web\n"


def test_the_init_layer_names_the_pod_and_its_cluster_dns(cluster):
    cluster.apply(nginx_pod(hostname="web-0", subdomain="nginx"))
    cluster.advance(10)
    pod_ip = cluster.get("Pod", "web", "default")["status"]["podIP"]

    fs = filesystem(cluster)

    assert read_text(fs, "/etc/resolv.conf") == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")
    hosts = read_text(fs, "/etc/hosts")
    assert hosts.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert hosts.endswith(f"{pod_ip}\tweb-0.nginx.default.svc.cluster.local\tweb-0\n")


def test_writing_an_image_file_copies_it_up_and_leaves_the_image_layer_alone(cluster):
    cluster.apply(nginx_pod())
    cluster.advance(10)
    before = filesystem(cluster)
    lower = before.tree["/etc/nginx/nginx.conf"]

    containerfs.write_file(cluster.name, "default", "web", "nginx", "/etc/nginx/nginx.conf", "events {}\n")

    after = filesystem(cluster)
    assert read_text(after, "/etc/nginx/nginx.conf") == "events {}\n"
    assert after.origin("/etc/nginx/nginx.conf") == len(after.layers) - 1
    layer = after.layers[lower[1]].layer
    assert lower[0] in layer.entries  # the image's layer still holds the original


def test_deleting_a_file_hides_it_behind_a_whiteout_and_a_directory_hides_its_subtree(cluster):
    cluster.apply(nginx_pod())
    cluster.advance(10)

    containerfs.delete_file(cluster.name, "default", "web", "nginx", "/etc/nginx")

    fs = filesystem(cluster)
    assert not any(path == "/etc/nginx" or path.startswith("/etc/nginx/") for path in fs.tree)
    assert fs.layers[-1].layer.whiteouts == ("/etc/nginx",)
    assert fs.image == "nginx:1.27"


def test_a_file_written_then_deleted_in_the_writable_layer_leaves_no_whiteout(cluster):
    cluster.apply(nginx_pod())
    cluster.advance(10)

    containerfs.write_file(cluster.name, "default", "web", "nginx", "/tmp/notes.txt", "hello")
    containerfs.delete_file(cluster.name, "default", "web", "nginx", "/tmp/notes.txt")

    fs = filesystem(cluster)
    assert "/tmp/notes.txt" not in fs.tree
    assert fs.layers[-1].layer.whiteouts == () and fs.layers[-1].layer.entries == ()


@pytest.mark.parametrize(("path", "message"), [
    ("tmp/x", "path must be absolute"),
    ("/no/such/file", "can't remove '/no/such/file': No such file or directory"),
])
def test_bad_deletes_say_why(cluster, path, message):
    cluster.apply(nginx_pod())
    cluster.advance(10)

    with pytest.raises(BadRequest, match=message):
        containerfs.delete_file(cluster.name, "default", "web", "nginx", path)


def test_a_container_that_is_not_running_cannot_be_written_to(cluster):
    cluster.apply(nginx_pod())

    with pytest.raises(BadRequest, match='container "nginx" in pod "web" is not running'):
        containerfs.write_file(cluster.name, "default", "web", "nginx", "/tmp/x", "")


def test_the_image_tree_is_merged_once_per_image():
    layers = containerfs.image_layers_of("default", "nginx:1.27")

    assert containerfs.image_view(layers) is containerfs.image_view(layers)


def test_a_host_network_pod_sees_its_nodes_hosts_file_and_name(cluster):
    cluster.apply(nginx_pod(hostNetwork=True, nodeName="playground-worker",
                            hostAliases=[{"ip": "10.0.0.9", "hostnames": ["db"]}]))
    cluster.advance(10)
    node_ip = next(a["address"] for a in cluster.get("Node", "playground-worker")["status"]["addresses"]
                   if a["type"] == "InternalIP")

    fs = filesystem(cluster)

    hosts = read_text(fs, "/etc/hosts")
    assert "Kubernetes-managed" not in hosts  # nodeHostsFileContent: the node's own file
    assert f"{node_ip}\tplayground-worker" in hosts and "10.0.0.9\tdb" in hosts
    assert read_text(fs, "/etc/hostname") == "playground-worker\n"


def test_dns_policy_default_still_appends_the_pods_dns_config(cluster):
    cluster.apply(nginx_pod(dnsPolicy="Default", dnsConfig={
        "nameservers": ["1.1.1.1"], "searches": ["corp.example"], "options": [{"name": "ndots", "value": "2"}]}))
    cluster.advance(10)

    assert read_text(filesystem(cluster), "/etc/resolv.conf") == (
        "search corp.example\nnameserver 172.18.0.1\nnameserver 1.1.1.1\noptions ndots:2\n")
