"""A cluster's own images: stored per cluster, content-addressed layers, the build cache, and
pods running them (the kubelet's pull of only the layers a node lacks)."""
from __future__ import annotations

import pytest

from playground.images import catalog, registry
from playground.images.archive import Limits
from playground.images.dockerfile import BuildError
from playground.images.layers import MAX_LAYER_DEPTH, file, layer
from playground.images.models import BuildCacheEntry, StoredImage, StoredLayer
from playground.sim.pod_sync import go_duration
from tests.commands.test_kubectl_commands import run
from tests.factories import pod

APP = """FROM python:3.12-slim
WORKDIR /app
COPY app.py .
RUN pip install --no-cache-dir flask
CMD ["python", "-m", "http.server", "8000"]
"""
WORKER = "playground-worker"


def container_state(cluster, name):
    [status] = cluster.get("Pod", name, "default")["status"].get("containerStatuses") or [{}]
    return status.get("state", {})


def pulled_message(cluster, name):
    events = [e for e in cluster.list("Event", namespace="default")
              if e["involvedObject"]["name"] == name and e["reason"] == "Pulled"]
    return events[0]["message"]


def test_a_built_image_is_found_on_its_cluster_only(cluster, make_cluster):
    other = make_cluster("team-a")

    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "print('hi')\n"})

    image = catalog.find("myapp:1", cluster=cluster.name)
    assert image is not None and image.built and image.config.cmd == ("python", "-m", "http.server", "8000")
    assert catalog.find("docker.io/library/myapp:1", cluster=cluster.name).id == image.id
    assert catalog.find("myapp:1", cluster=other.name) is None
    assert catalog.find("myapp:1") is None
    assert [i.reference for i in registry.images(cluster.name)] == ["myapp:1"]


def test_layers_are_stored_once_and_the_catalogs_base_layers_not_at_all(cluster):
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})
    registry.build(cluster.name, APP, tag="myapp:2", files={"app.py": "v2"})

    one, two = catalog.find("myapp:1", cluster=cluster.name), catalog.find("myapp:2", cluster=cluster.name)
    own = len(one.layers) - len(catalog.find("python:3.12-slim").layers)
    assert own == 3
    # WORKDIR is shared; COPY differs; the RUN after it made the same files: the same layer
    assert one.layers[-1].digest == two.layers[-1].digest
    assert StoredLayer.objects.count() == 4


def test_a_rebuild_on_the_cluster_uses_its_stored_build_cache(cluster):
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})

    again = registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})

    assert all(step.cached for step in again.steps)
    assert sum(1 for line in again.log if line.endswith(" CACHED")) == 3  # WORKDIR, COPY, RUN


def test_the_build_cache_is_per_cluster(cluster, make_cluster):
    other = make_cluster("team-a")
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})

    elsewhere = registry.build(other.name, APP, tag="myapp:1", files={"app.py": "v1"})

    assert not any(step.cached for step in elsewhere.steps[1:])


def test_a_failed_build_stores_nothing(cluster):
    with pytest.raises(BuildError, match="line 4: RUN: unknown package 'nosuchpkg' for pip"):
        registry.build(cluster.name, APP.replace("flask", "nosuchpkg"), tag="myapp:1", files={"app.py": "v1"})

    assert (StoredImage.objects.count(), StoredLayer.objects.count(), BuildCacheEntry.objects.count()) == (0, 0, 0)


def test_a_cluster_image_may_not_take_a_catalog_name(cluster):
    with pytest.raises(BuildError, match="'nginx:1.27' is one of the catalog's images"):
        registry.build(cluster.name, "FROM nginx:1.27\n", tag="nginx:1.27")


def test_a_build_can_start_from_an_image_built_before_on_the_cluster(cluster):
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})

    registry.build(cluster.name, "FROM myapp:1\nRUN echo extra > /app/extra\n", tag="myapp:2")

    two = catalog.find("myapp:2", cluster=cluster.name)
    assert two.layers[:-1] == catalog.find("myapp:1", cluster=cluster.name).layers
    assert two.config.cmd == ("python", "-m", "http.server", "8000")


def test_an_imported_image_is_stored_like_a_built_one(cluster):
    layers = (layer([file("/hello", content="hi\n")], created_by="COPY hello /"),)

    registry.import_image(cluster.name, "localhost:5000/team/hello:v1", layers, {"Cmd": ["/hello"], "Env": ["A=1"]})

    image = catalog.find("localhost:5000/team/hello:v1", cluster=cluster.name)
    assert image.name == "localhost:5000/team/hello:v1"
    assert image.config.cmd == ("/hello",) and image.config.environment == {"A": "1"}
    assert image.layers[0].created_by == "COPY hello /"


def test_removing_an_image_forgets_its_name(cluster):
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})

    assert registry.remove(cluster.name, "myapp:1")
    assert catalog.find("myapp:1", cluster=cluster.name) is None


# the kubelet ---------------------------------------------------------------------------------------


def test_a_pod_runs_an_image_built_on_its_cluster(cluster):
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "print('hi')\n"})
    cluster.apply(pod("app", image="myapp:1"))

    cluster.advance(30)

    found = cluster.get("Pod", "app", "default")
    assert found["status"]["phase"] == "Running"
    assert "running" in container_state(cluster, "app")
    image = catalog.find("myapp:1", cluster=cluster.name)
    assert f"Image size: {image.size} bytes." in pulled_message(cluster, "app")
    node = cluster.get("Node", found["spec"]["nodeName"], "")
    assert any("docker.io/library/myapp:1" in entry["names"] for entry in node["status"]["images"])


def test_the_same_image_on_another_cluster_cannot_be_pulled(cluster, make_cluster):
    other = make_cluster("team-a")
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})
    other.apply(pod("app", image="myapp:1"))

    other.advance(30)

    waiting = container_state(other, "app").get("waiting", {})
    assert waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff")


def test_an_unknown_tag_of_a_known_image_fails_to_pull(cluster):
    cluster.apply(pod("app", image="nginx:0.1"))

    cluster.advance(30)

    assert container_state(cluster, "app")["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")


def test_an_untagged_built_image_is_pulled_always(cluster):
    registry.build(cluster.name, "FROM alpine:3.20\nCMD [\"sleep\", \"3600\"]\n", tag="sleeper")

    cluster.apply(pod("app", image="sleeper"))

    created = cluster.get("Pod", "app", "default")

    assert created["spec"]["containers"][0]["imagePullPolicy"] == "Always"


def test_a_node_pulls_only_the_layers_it_lacks_at_its_own_bandwidth(cluster):
    node = cluster.get("Node", WORKER, "")
    node["metadata"].setdefault("annotations", {})[catalog.PULL_BANDWIDTH_ANNOTATION] = "20M"
    cluster.update(node)
    cluster.apply(pod("web", image="nginx:1.27", node=WORKER))
    cluster.advance(30)

    cluster.apply(pod("cache", image="redis:7.4", node=WORKER))
    cluster.advance(30)

    nginx, redis = catalog.find("nginx:1.27"), catalog.find("redis:7.4")
    first = catalog.PULL_LATENCY_SECONDS + nginx.size / 20_000_000
    shared = {c.digest for c in nginx.layers}
    second = catalog.PULL_LATENCY_SECONDS + sum(catalog.compressed_size(c) for c in redis.layers
                                                if c.digest not in shared) / 20_000_000
    assert f"in {go_duration(round(first, 6))} " in pulled_message(cluster, "web")
    assert f"in {go_duration(round(second, 6))} " in pulled_message(cluster, "cache")
    assert second < first


def test_a_pod_runs_the_cmd_its_built_image_sets(cluster):
    registry.build(cluster.name, 'FROM busybox:1.36\nCMD ["sh", "-c", "echo hello from myapp; sleep 3600"]\n',
                   tag="myapp:1")
    cluster.apply(pod("app", image="myapp:1"))

    cluster.advance(30)

    status, out, _ = run("logs", "app")
    assert status == 0 and "hello from myapp" in out


def test_the_crasher_image_goes_into_crash_loop_back_off(cluster):
    cluster.apply(pod("crash", image="playground/crasher:1.0"))

    cluster.advance(120)

    [status] = cluster.get("Pod", "crash", "default")["status"]["containerStatuses"]
    assert status["restartCount"] >= 1
    assert status["lastState"]["terminated"]["exitCode"] == 2


def test_forgetting_a_cluster_drops_its_images_layers_and_cache(cluster):
    registry.build(cluster.name, APP, tag="myapp:1", files={"app.py": "v1"})

    registry.forget(cluster.name)

    assert (StoredImage.objects.count(), StoredLayer.objects.count(), BuildCacheEntry.objects.count()) == (0, 0, 0)


# --- images of every height and size the limits allow (issue 14) -------------------------------------


def runs(count: int) -> str:
    return "FROM busybox:1.36\n" + "".join(f"RUN echo {n} > /f{n}\n" for n in range(count))


def test_an_image_loads_whatever_the_layer_cache_holds(cluster, monkeypatch):
    monkeypatch.setattr(registry, "_layers", registry.LayerCache(max_entries=3))  # room for one layer or so
    built = registry.build(cluster.name, runs(20), tag="tall:1").image

    image = catalog.find("tall:1", cluster=cluster.name)

    assert [current.digest for current in image.layers] == [current.digest for current in built.layers]
    assert registry._layers.entries <= 3


def test_a_build_of_the_most_layers_docker_stacks_loads_after_a_restart(cluster):
    registry.build(cluster.name, runs(MAX_LAYER_DEPTH - 1), tag="tall:1")  # busybox's layer and 124 of its own
    registry._layers.clear()

    image = catalog.find("tall:1", cluster=cluster.name)

    assert len(image.layers) == 125 and image.layers[-1].entries[0].content == "123\n"


def test_an_imported_image_of_the_most_layers_docker_stacks_loads_after_a_restart(cluster):
    own = [layer([file(f"/f{n}", content=f"{n}\n")], created_by=f"RUN echo {n} > /f{n}") for n in range(MAX_LAYER_DEPTH)]
    registry.import_image(cluster.name, "tall:1", own, {})
    registry._layers.clear()

    image = catalog.find("tall:1", cluster=cluster.name)

    assert [current.digest for current in image.layers] == [current.digest for current in own]


def test_the_largest_image_an_upload_may_hold_loads_after_a_restart(cluster):
    per_layer = Limits().max_entries // MAX_LAYER_DEPTH
    own = [layer([file(f"/usr/lib/l{n}/f{i}", 1_000) for i in range(per_layer)]) for n in range(MAX_LAYER_DEPTH)]
    registry.import_image(cluster.name, "big:1", own, {})
    registry._layers.clear()

    image = catalog.find("big:1", cluster=cluster.name)

    assert len(image.layers) == 125 and sum(len(current.entries) for current in image.layers) == 125 * per_layer
