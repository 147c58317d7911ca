"""The objects page (and the Namespace page) shows kubectl's chunk of rows at most (500), and a Next link whose continue
token starts the next page where this one stopped: following the links shows every object once,
in the order kubectl lists them. A token the page did not make is a 400 that says so."""
from __future__ import annotations

import re

import pytest

from playground.store import api as store
from playground.store import chunking
from playground.store.demo import create_demo_cluster
from tests.factories import config_map
from tests.web.live import frame_after

EDIT_LINK = re.compile(r'href="/clusters/default/edit/(\w+)/(?:([\w.-]+)/)?([\w.-]+)/">edit</a>')
NEXT_LINK = re.compile(r'<a rel="next" href="([^"]+)"')


def make_config_maps(count: int) -> None:
    with store.batch("default") as batch:
        for n in range(count):
            batch.create(config_map(f"cm-{n:04d}"))


def rows(page: str) -> list[tuple[str, str, str]]:
    return EDIT_LINK.findall(page)


def next_url(page: str) -> str | None:
    found = NEXT_LINK.search(page)
    return "/clusters/default/objects/" + found.group(1).replace("&amp;", "&") if found else None


def test_a_page_shows_500_rows_and_a_next_link(cluster, client):
    make_config_maps(1200)

    page = client.get("/clusters/default/objects/").content.decode()

    assert len(rows(page)) == chunking.DEFAULT_CHUNK_SIZE
    assert next_url(page) is not None
    assert ">Next page<" in page


def test_following_next_shows_every_object_once_in_kubectl_order(cluster, client):
    make_config_maps(1200)
    url, shown, pages = "/clusters/default/objects/", [], 0

    while url:
        page = client.get(url).content.decode()
        shown += rows(page)
        pages += 1
        url = next_url(page)

    config_maps = [name for kind, _, name in shown if kind == "ConfigMap"]
    assert config_maps == [f"cm-{n:04d}" for n in range(1200)]
    assert len(shown) == len(set(shown))
    everything = sum(len(store.list("default", k)) for k in ("ConfigMap", "Namespace", "Node", "Service"))
    assert len(shown) >= everything
    assert pages == -(-len(shown) // 500)


def test_the_namespace_filter_stays_on_the_next_link(cluster, client):
    make_config_maps(600)

    page = client.get("/clusters/default/objects/?namespace=default").content.decode()
    second = client.get(next_url(page)).content.decode()

    assert "namespace=default" in next_url(page)
    assert "the objects of namespace" in second
    assert {namespace for _, namespace, _ in rows(second)} == {"default"}


def test_a_page_that_ends_on_the_last_object_has_no_next_link(cluster, client):
    before = len(rows(client.get("/clusters/default/objects/").content.decode()))
    make_config_maps(500 - before)

    page = client.get("/clusters/default/objects/").content.decode()

    assert len(rows(page)) == 500
    assert next_url(page) is None


# Tokens the page never made: each is a 400 naming the continue parameter, never a 500
BAD_CONTINUES = [
    "garbage!",
    "Z2FyYmFnZQ",
    chunking.encode_continue("../../secrets", 5),
    chunking.encode_continue("nosuchresources/default/x", 5),
    chunking.encode_continue("configmaps/default/x", 0),
]


def test_a_tampered_token_is_a_bad_request_that_says_so(cluster, client):
    for bad in BAD_CONTINUES:
        response = client.get("/clusters/default/objects/", {"continue": bad})

        assert response.status_code == 400, bad
        assert "continue: continue key is not valid" in response.content.decode()
        assert 'href="/clusters/default/objects/"' in response.content.decode()


# -- the Namespace page: every object of the namespace, the same pages --------------------------


NAMESPACE_PAGE = "/clusters/default/namespaces/default/"
NAME_LINK = re.compile(r'<a href="/clusters/default/configmaps/default/([\w.-]+)/">')


def test_the_namespace_page_pages_its_objects_too(cluster, client):
    make_config_maps(1200)
    url, shown = NAMESPACE_PAGE, []

    while url:
        page = client.get(url).content.decode()
        shown.append(NAME_LINK.findall(page))
        found = NEXT_LINK.search(page)
        url = NAMESPACE_PAGE + found.group(1).replace("&amp;", "&") if found else None

    assert len(shown) == 3 and len(shown[1]) == 500  # the first page holds two objects of earlier kinds
    assert [name for names in shown for name in names] == [f"cm-{n:04d}" for n in range(1200)]


def test_the_namespace_page_says_how_many_more_follow(cluster, client):
    make_config_maps(1200)

    page = client.get(NAMESPACE_PAGE).content.decode()

    assert "ConfigMaps (498, 702 more on the next pages)" in page  # two objects of earlier kinds come first


def test_the_namespace_page_refuses_a_tampered_token(cluster, client):
    response = client.get(NAMESPACE_PAGE, {"continue": "garbage!"})

    assert response.status_code == 400
    assert "continue: continue key is not valid: not base64" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_socket_of_a_later_page_pushes_that_page():
    create_demo_cluster("default")
    make_config_maps(1200)
    token = chunking.encode_continue("configmaps/cm-0999\0", 1)  # a list of one namespace keys by name

    frame = frame_after(f"{'/ws' + NAMESPACE_PAGE}?continue={token}",
                        lambda: store.create("default", config_map("cm-1000a")))

    assert NAME_LINK.findall(frame)[:3] == ["cm-1000", "cm-1000a", "cm-1001"]
    assert "cm-0999" not in frame


def test_each_kind_is_headed_by_its_real_plural(cluster, client):
    page = client.get("/clusters/default/objects/").content.decode()

    headings = re.findall(r"<h2>(\w+) <small>", page)
    assert "Endpoints" in headings and "StorageClasses" in headings and "ServiceAccounts" in headings
    assert not [h for h in headings if h.endswith(("ss", "sss"))]  # no Endpointss, StorageClasss
