"""Images of as many layers as a build or an upload may make: the images page, the image's
page, an upload's error page, the Node page and a container's filesystem page load them, and
still do when the process's memory of decoded layers is gone (as after a restart) or is smaller
than the image."""
from __future__ import annotations

import io

import pytest
from django.test import Client

from playground.images import registry
from playground.sim import containerfs
from playground.web import image_views
from tests.factories import pod

IMAGES = "/clusters/default/images/"
WORKER = "playground-worker"


def many_runs(count: int) -> str:
    """A Dockerfile of `count` RUN lines, each making one file: `count` layers on busybox's one."""
    return "FROM busybox:1.36\n" + "".join(f"RUN echo {n} > /f{n}\n" for n in range(count)) + 'CMD ["sleep", "3600"]\n'


def forget_decoded_layers() -> None:
    """What a restart forgets: every layer decoded in memory and every analysis of an image."""
    registry._layers.clear()
    image_views._cache.clear()
    containerfs._image_view.cache_clear()
    containerfs._image_paths.cache_clear()


def bad_upload(client: Client):
    data = io.BytesIO(b"not a tar")
    data.name = "broken.tar"
    return client.post(f"{IMAGES}upload/", {"archive": data})


@pytest.fixture
def tall_image(cluster) -> str:
    """myapp:124, built through the real builder: busybox's layer and 124 of its own, the most
    Docker stacks (125)."""
    result = registry.build(cluster.name, many_runs(124), tag="myapp:124")
    assert len(result.image.layers) == 125
    return "myapp:124"


@pytest.mark.parametrize("restarted", [False, True], ids=["warm", "after-restart"])
def test_a_125_layer_build_leaves_the_image_pages_working(cluster, client, tall_image, restarted):
    if restarted:
        forget_decoded_layers()

    images, page, error = client.get(IMAGES), client.get(f"{IMAGES}{tall_image}/"), bad_upload(client)

    assert images.status_code == 200 and f'href="{IMAGES}{tall_image}/"' in images.content.decode()
    assert page.status_code == 200 and "/f123" in page.content.decode()
    assert error.status_code == 422 and "broken.tar" in error.content.decode()


@pytest.mark.parametrize("restarted", [False, True], ids=["warm", "after-restart"])
def test_a_dockerfile_of_300_run_lines_is_refused_at_its_layer_126_and_every_image_page_still_loads(
        cluster, client, tall_image, restarted):
    # Issue 14's attack: 300 RUN lines once made the images page a 500 for good
    built = client.post(f"{IMAGES}build/", {"dockerfile": many_runs(300), "tag": "huge:300"})
    if restarted:
        forget_decoded_layers()

    images, page, error = client.get(IMAGES), client.get(f"{IMAGES}{tall_image}/"), bad_upload(client)

    assert built.status_code == 422
    assert "line 126: RUN: max depth exceeded: an image holds at most 125 layers" in built.content.decode()
    assert images.status_code == 200 and "huge" not in images.content.decode()
    assert page.status_code == 200 and error.status_code == 422


@pytest.mark.parametrize("restarted", [False, True], ids=["warm", "after-restart"])
def test_a_pod_of_the_125_layer_image_runs_and_its_node_and_filesystem_pages_load(cluster, client, tall_image,
                                                                                    restarted):
    cluster.create(pod("tall", node=WORKER, image=tall_image))
    cluster.advance(60)
    if restarted:
        forget_decoded_layers()

    node = client.get(f"/clusters/default/nodes/{WORKER}/")
    files = client.get("/clusters/default/pods/default/tall/containers/main/fs/", {"path": "/"})

    [status] = cluster.get("Pod", "tall", "default")["status"]["containerStatuses"]
    assert "running" in status["state"]
    assert node.status_code == 200 and tall_image in node.content.decode()
    assert files.status_code == 200 and 'data-path="/f123"' in files.content.decode()
