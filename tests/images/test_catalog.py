"""The image catalog: references, base trees, shared layers, configs, and pull-time arithmetic."""
from __future__ import annotations

import pytest

from playground.images import bases, catalog
from playground.images.catalog import COMPRESSION, MB, PULL_LATENCY_SECONDS, find, pull_seconds
from playground.images.layers import layer, merge
from playground.sim import programs


@pytest.mark.parametrize("reference, name", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.26", "docker.io/library/nginx:1.26"),
    ("docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"),
    ("registry.k8s.io/pause:3.10", "registry.k8s.io/pause:3.10"),
    ("python:3.12-slim", "docker.io/library/python:3.12-slim"),
    ("playground/crasher:1.0", "docker.io/playground/crasher:1.0"),
])
def test_find_resolves_references_as_docker_normalises_them(reference, name):
    assert find(reference).name == name


@pytest.mark.parametrize("reference", ["nosuchimage:1", "nginx:0.1", "NGINX:1.27", "", "nginx:1.27 extra"])
def test_unknown_images_tags_and_invalid_references_are_not_found(reference):
    assert find(reference) is None


def test_latest_and_aliases_point_at_a_real_tag():
    assert find("nginx:latest").layers == find("nginx:1.27").layers
    assert find("debian:bookworm").layers == find("debian:bookworm-slim").layers
    assert find("ubuntu:noble").layers == find("ubuntu:24.04").layers


@pytest.mark.parametrize("repository", ["busybox", "alpine", "debian", "ubuntu", "python", "nginx", "redis", "httpd",
                                        "crasher"])
def test_every_base_image_has_several_tags_to_roll_between(repository):
    images = [catalog.catalog_image(repository, t) for t in catalog.tags(repository)]
    digests = {image.id for image in images if image is not None}
    assert len(digests) >= 2


def test_debian_has_its_release_its_package_database_and_a_merged_usr():
    view = merge(find("debian:bookworm-slim").layers)

    assert 'VERSION_CODENAME=bookworm' in view["/etc/os-release"][0].content
    assert "Package: bash\n" in view["/var/lib/dpkg/status"][0].content
    assert view["/bin"][0].type == "symlink" and view["/bin"][0].target == "usr/bin"
    assert "/usr/bin/apt-get" in view
    assert 500 <= len(view) <= 5_000


def test_alpine_has_busybox_applets_and_the_apk_database():
    view = merge(find("alpine:3.20").layers)

    assert view["/bin/ls"][0].target == "/bin/busybox"
    assert "P:musl\n" in view["/lib/apk/db/installed"][0].content
    assert view["/etc/alpine-release"][0].content == "3.20.3\n"


def test_busybox_applets_are_hard_links_to_one_binary():
    view = merge(find("busybox:1.36").layers)

    assert view["/bin/sh"][0].type == "hardlink" and view["/bin/sh"][0].target == "/bin/["
    assert view["/bin/sh"][0].size == 0


def test_python_has_its_standard_library_on_top_of_debian():
    image = find("python:3.12-slim")
    view = merge(image.layers)

    assert "/usr/local/lib/python3.12/json/__init__.py" in view
    assert view["/usr/local/bin/python3"][0].target == "python3.12"
    assert image.config.environment["PYTHON_VERSION"] == "3.12.8"


def test_the_official_images_share_debians_layer_so_a_node_pulls_it_once():
    debian = find("debian:bookworm-slim").layers[0]

    for reference in ("nginx:1.27", "redis:7.4", "httpd:2.4", "python:3.12-slim"):
        assert find(reference).layers[0].digest == debian.digest


def test_the_trees_are_generated_the_same_every_time():
    assert layer(bases.debian_rootfs("bookworm")).digest == find("debian:bookworm-slim").layers[0].digest


def test_sizes_are_realistic_and_the_download_is_the_compressed_size():
    nginx = find("nginx:1.27")

    assert 150 * MB < nginx.unpacked_size < 250 * MB
    assert nginx.size == sum(round(current.size * COMPRESSION) for current in nginx.layers)
    assert find("alpine:3.20").unpacked_size < 10 * MB


def test_the_config_is_the_one_source_of_what_an_image_runs():
    nginx = find("nginx:1.27").config

    assert nginx.entrypoint == ("/docker-entrypoint.sh",)
    assert nginx.cmd == ("nginx", "-g", "daemon off;")
    assert nginx.exposed_ports == ("80/tcp",)
    assert find("redis:7.4").config.workdir == "/data"
    assert programs.image_defaults_for("nginx:1.27") == {"entrypoint": ["/docker-entrypoint.sh"],
                                                         "cmd": ["nginx", "-g", "daemon off;"], "ports": [80]}
    assert programs.KNOWN_IMAGES["redis"]["cmd"] == ["redis-server"]
    assert programs.image_defaults_for("nosuchimage:1") is None


def test_the_crasher_image_starts_logs_and_exits_with_an_error():
    program = programs.parse_program({"name": "app", "image": "playground/crasher:1.0"})

    assert program.exited(2.0) is None
    assert program.exited(10.0) == 2


def test_a_fresh_node_pulls_every_layer():
    nginx = find("nginx:1.27")

    seconds = pull_seconds(nginx, set(), bytes_per_second=20 * MB)

    assert seconds == pytest.approx(PULL_LATENCY_SECONDS + nginx.size / (20 * MB))


def test_a_node_holding_debian_pulls_only_the_layers_on_top():
    redis = find("redis:7.4")
    debian = find("debian:bookworm-slim")
    present = {current.digest for current in debian.layers}

    seconds = pull_seconds(redis, present, bytes_per_second=20 * MB)

    assert seconds == pytest.approx(PULL_LATENCY_SECONDS + (redis.size - debian.size) / (20 * MB))
    assert pull_seconds(redis, {c.digest for c in redis.layers}) == PULL_LATENCY_SECONDS


def test_a_nodes_images_give_the_layers_it_holds_and_its_bandwidth_comes_from_an_annotation():
    node = {"metadata": {"annotations": {catalog.PULL_BANDWIDTH_ANNOTATION: "20M"}},
            "status": {"images": [{"names": ["docker.io/library/nginx@sha256:00", "docker.io/library/nginx:1.27"]}]}}

    assert catalog.layers_on_node(node) == {c.digest for c in find("nginx:1.27").layers}
    assert catalog.node_pull_bandwidth(node) == 20_000_000
    assert catalog.node_pull_bandwidth({"metadata": {}}) == catalog.PULL_BYTES_PER_SECOND


@pytest.mark.parametrize("text, value", [("20M", 20_000_000), ("100Mi", 104_857_600), ("500k", 500_000),
                                         ("1.5G", 1_500_000_000), ("fast", None), ("0", None), ("-5M", None)])
def test_pull_bandwidth_is_a_quantity_in_bytes_per_second(text, value):
    assert catalog.parse_bandwidth(text) == value
