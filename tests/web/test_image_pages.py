"""The image pages: the catalog and the cluster's images with the upload of a real image, one
image as its layer stack and merged tree (a directory at a time over htmx), and the Dockerfile
builder with its log, its layers, its errors at the line, and the `rm` before-and-after."""
from __future__ import annotations

import io
import re
import tarfile

import pytest
from django.test import Client

from playground.images import catalog
from playground.images.models import StoredImage, StoredLayer
from playground.web.sizes import human
from tests.images.test_archive import BASE, Entry, d, docker_save, f, oci_layout, tar

IMAGES = "/clusters/default/images/"
HTMX = {"HTTP_HX_REQUEST": "true"}


def upload(client: Client, archive: bytes, *, name: str = "", filename: str = "image.tar"):
    data = io.BytesIO(archive)
    data.name = filename
    return client.post(f"{IMAGES}upload/", {"archive": data, "name": name})


def stored() -> tuple[int, int]:
    return StoredImage.objects.count(), StoredLayer.objects.count()


def section(page: str, label: str) -> str:
    return page.split(f'aria-label="{label}"', 1)[1]


# --- the catalog and the cluster's images -----------------------------------------------------------


def test_the_images_page_lists_the_catalog_with_tags_and_sizes(cluster, client):
    page = client.get(IMAGES).content.decode()

    catalog = section(page, "base images")
    for repository in ("busybox", "alpine", "debian", "ubuntu", "python", "nginx", "redis", "crasher"):
        assert f"<td>{repository}</td>" in catalog
    assert f'href="{IMAGES}nginx:1.27/">1.27</a>' in catalog and " MB</span>" in catalog
    form = section(page, "import an image")
    assert 'enctype="multipart/form-data"' in page and "csrfmiddlewaretoken" in form
    assert "none yet" in section(page, "this cluster's images")


def test_an_unknown_image_or_cluster_is_not_found(cluster, client):
    assert client.get(f"{IMAGES}nosuch:1/").status_code == 404
    assert client.get("/clusters/nowhere/images/").status_code == 404


# --- one image: its layers and its merged tree ------------------------------------------------------


def test_an_image_page_shows_its_layer_stack_and_merged_tree(cluster, client):
    response = client.get(f"{IMAGES}nginx:1.27/")

    page = response.content.decode()
    assert response.status_code == 200
    stack = section(page, "layer 0")
    assert "# debian.sh" in stack and "sha256:" in stack  # the base layer's instruction and digest
    assert page.index('aria-label="layer 1"') < page.index('aria-label="layer 0"')  # newest on top
    assert 'data-field="score">' in page and 'data-field="wasted">' in page
    tree = section(page, "merged tree")
    assert 'data-path="/etc"' in tree and 'data-path="/usr"' in tree and "layer 0" in tree


def test_an_image_page_says_which_size_is_unpacked_and_which_a_pull_downloads(cluster, client):
    page = client.get(f"{IMAGES}nginx:1.27/").content.decode()

    image = catalog.find("nginx:1.27")
    unpacked = re.search(r'data-field="size">([^<]+)<', page).group(1)
    pulled = re.search(r'data-field="pulled">([^<]+)<', page).group(1)
    assert "unpacked" in page and "compressed" in page
    assert (unpacked, pulled) == (human(image.unpacked_size), human(image.size))  # 192 MB on disk, 76.8 MB pulled


def test_a_directory_of_the_tree_comes_alone_over_htmx(cluster, client):
    response = client.get(f"{IMAGES}nginx:1.27/", {"part": "tree", "dir": "/etc"}, **HTMX)

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<ul class="tree">') and "<html" not in fragment
    assert 'data-path="/etc/nginx"' in fragment and 'data-path="/etc/os-release"' in fragment
    assert 'data-path="/usr"' not in fragment


def test_a_layers_files_and_a_path_filter(cluster, client):
    layer = client.get(f"{IMAGES}nginx:1.27/", {"part": "layer", "layer": "1"}, **HTMX).content.decode()
    found = client.get(f"{IMAGES}nginx:1.27/", {"part": "filter", "filter": "nginx.conf"}, **HTMX).content.decode()

    assert 'aria-label="files of layer 1"' in layer and "/usr/sbin/nginx" in layer
    assert "<code>/etc/nginx/nginx.conf</code>" in found and "/etc/os-release" not in found


# --- importing a real image -------------------------------------------------------------------------


def test_an_uploaded_docker_save_becomes_an_image_of_the_cluster(cluster, client):
    response = upload(client, docker_save())

    assert response.status_code == 302 and response["Location"] == f"{IMAGES}demo/web:1.0/"
    page = client.get(response["Location"]).content.decode()
    assert "imported" in page and "RUN /bin/sh -c rm /tmp/cache.bin" in page
    removed = client.get(f"{IMAGES}demo/web:1.0/", {"part": "layer", "layer": "1"}, **HTMX).content.decode()
    assert "<code>/tmp/cache.bin</code>" in removed and "<code>/etc/*</code>" in removed  # whiteout, opaque dir
    listed = section(client.get(IMAGES).content.decode(), "this cluster's images")
    assert f'<a href="{IMAGES}demo/web:1.0/">demo/web:1.0</a></td><td>imported</td><td>2</td>' in listed


def test_an_uploaded_oci_image_layout_keeps_its_registry_in_the_name(cluster, client):
    response = upload(client, oci_layout())

    assert response["Location"] == f"{IMAGES}registry.example/web:2.0/"
    page = client.get(response["Location"]).content.decode()
    assert "<code>registry.example/web:2.0</code>" in page and 'data-field="layers">2<' in page


def test_an_upload_can_be_named(cluster, client):
    response = upload(client, docker_save(), name="team/web:2")

    assert response["Location"] == f"{IMAGES}team/web:2/"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("archive, message", [
    (docker_save()[:3000], "the tar is truncated"),
    (docker_save(manifest=b"not json at all"), "manifest.json: not valid JSON"),
    (tar(f("hello.txt", "hi")), "neither manifest.json"),
    (b"\x1f\x8b\x08\x00" + b"\x00" * 200, "gzip stream is corrupt"),
    (docker_save(manifest=b"[" * 100_000 + b"]" * 100_000), "manifest.json: JSON nested more than 64 levels deep"),
])
def test_a_bad_archive_is_refused_at_the_form_and_stores_nothing(cluster, client, archive, message):
    response = upload(client, archive, filename="broken.tar")

    assert response.status_code == 422
    error = section(response.content.decode(), "import an image").split('role="alert">')[1].split("</p>")[0]
    assert error.startswith("broken.tar: ") and message in error
    assert stored() == (0, 0)


def test_no_file_or_one_over_the_limit_is_refused_unread(cluster, client, settings):
    settings.PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES = 1000

    missing = client.post(f"{IMAGES}upload/", {"name": ""})
    too_big = upload(client, docker_save(), filename="big.tar")

    assert missing.status_code == 422 and "choose a file" in missing.content.decode()
    assert too_big.status_code == 422
    assert ("big.tar: more than the 1,000 bytes an image archive may have (PLAYGROUND_MAX_IMAGE_UPLOAD_BYTES); "
            "refused, the rest unread") in too_big.content.decode()
    assert stored() == (0, 0)


def test_a_name_taken_by_the_catalog_is_refused(cluster, client):
    response = upload(client, docker_save(), name="nginx:1.27")

    assert response.status_code == 422 and "one of the catalog&#x27;s images" in response.content.decode()
    assert stored() == (0, 0)


def test_file_names_from_an_archive_are_escaped(cluster, client):
    evil = tar(d("srv/"), f("srv/<img src=x onerror=alert(1)>", "x"), f("srv/<script>alert(2)", "x"),
               f("srv/a&b\"c'.txt", "y"))
    response = upload(client, docker_save(layers=(evil,)))

    tree = client.get(f"{IMAGES}demo/web:1.0/", {"part": "tree", "dir": "/srv"}, **HTMX).content.decode()
    layer = client.get(f"{IMAGES}demo/web:1.0/", {"layer": "0"}).content.decode()
    found = client.get(f"{IMAGES}demo/web:1.0/", {"filter": "script"}).content.decode()

    assert response.status_code == 302
    for page in (tree, layer):
        assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    for page in (tree, layer, found):
        assert "<script>alert(2)" not in page and "&lt;script&gt;alert(2)" in page
    assert "a&amp;b&quot;c&#x27;.txt" in tree


def test_skipped_entries_are_listed_after_the_import(cluster, client):
    layer = tar(f("ok", "x"), f("/etc/shadow", "x"), Entry("dev/console", type=tarfile.CHRTYPE))

    response = upload(client, docker_save(layers=(layer,)))

    page = response.content.decode()
    assert response.status_code == 200 and f'Imported <a href="{IMAGES}demo/web:1.0/">demo/web:1.0</a>' in page
    assert "2 entries skipped" in page and "an absolute path" in page and "a character device" in page
    assert stored()[0] == 1


def test_the_upload_needs_the_csrf_token(cluster):
    client = Client(enforce_csrf_checks=True)

    assert upload(client, docker_save()).status_code == 403
    assert stored() == (0, 0)


# --- the builder ------------------------------------------------------------------------------------

DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nRUN pip install flask\nCMD ["python", "app.py"]\n'


def build(client: Client, dockerfile: str = DOCKERFILE, *, tag: str = "my-app:1", **headers: str):
    return client.post(f"{IMAGES}build/", {"dockerfile": dockerfile, "tag": tag, "file0_name": "app.py",
                                           "file0_content": "print('hi')\n"}, **headers)


def test_a_build_shows_its_log_and_layers_and_stores_the_image(cluster, client):
    response = build(client)

    page = response.content.decode()
    assert response.status_code == 200
    log = section(page, "build log")
    assert "[4/4] RUN pip install flask" in log and "naming to docker.io/library/my-app:1 done" in log
    assert "RUN /bin/sh -c pip install flask" in section(page, "build result")
    assert f'Built <a href="{IMAGES}my-app:1/">my-app:1</a>' in page
    assert client.get(f"{IMAGES}my-app:1/").status_code == 200


def test_a_rebuild_takes_its_steps_from_the_cache(cluster, client):
    build(client)

    again = build(client, tag="my-app:2", **HTMX)

    fragment = again.content.decode()
    assert fragment.lstrip().startswith('<section id="build-result"')  # only the result, for htmx
    assert re.search(r"#\d+ \[4/4\] RUN pip install flask\n#\d+ CACHED", fragment)


def test_a_build_error_is_shown_at_its_line_and_stores_nothing(cluster, client):
    response = build(client, "FROM python:3.12-slim\nWORKDIR /app\nRUN apt-get install -y nosuchpkg\n", **HTMX)

    fragment = response.content.decode()
    assert response.status_code == 422
    assert 'role="alert">line 3: RUN: E: Unable to locate package nosuchpkg' in fragment
    bad = fragment.split('class="bad"')[1].split("</li>")[0]
    assert "<code>RUN apt-get install -y nosuchpkg</code>" in bad
    assert StoredImage.objects.count() == 0


def test_an_unknown_base_image_is_a_build_error(cluster, client):
    response = build(client, "FROM nosuch:1\nRUN true\n")

    assert response.status_code == 422 and "line 1: FROM" in response.content.decode()


def test_rm_in_a_separate_run_does_not_make_the_image_smaller(cluster, client):
    response = client.get(f"{IMAGES}build/")

    separate, same = response.context["examples"]
    assert "RUN rm -rf /var/lib/apt/lists/*" in separate["dockerfile"]
    assert separate["size_bytes"] > same["size_bytes"]  # the deleted lists are still in the layer below
    assert separate["visible"] == same["visible"]  # though a container sees the same files
    page = section(response.content.decode(), "before and after")
    assert "whiteouts" in page and 'data-field="wasted"' in page


# --- the page's own arithmetic ----------------------------------------------------------------------


def test_the_pages_union_view_is_the_layer_models_merge():
    from playground.images import layers as fs
    from playground.images.archive import read_archive
    from playground.web.image_views import analyse

    image = read_archive(io.BytesIO(docker_save(layers=(BASE, tar(f("tmp/.wh.cache.bin"), f("etc/.wh..wh..opq"),
                                                                  f("etc/hostname", "web"), f("bin", "a file now"))))))

    analysis = analyse(image.layers)

    merged = fs.merge(image.layers)
    assert {p: (e, i) for p, (e, i) in analysis.view.items()} == merged
    assert analysis.diffs[1].hidden_below == 5000 + len("ID=alpine\n") + len("hi") + 800  # cache.bin, /etc, /bin
    assert analysis.totals["/etc"] == (3, 1, 1)  # bytes, files, lowest layer below it
