"""The objects page shows kubectl's chunk of rows at most (500), and a Next link whose continue
token starts the next page where this one stopped: following the links shows every object once,
in the order kubectl lists them. A token the page did not make is a 400 that says so."""
from __future__ import annotations

import re

from playground.store import api as store
from playground.store import chunking
from tests.factories import config_map

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
    assert "Next 500 objects" in page


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
