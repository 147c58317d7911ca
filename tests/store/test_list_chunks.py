"""A long list comes in chunks, as the API server's `limit` and `continue` page it: every object
once, in key order (namespace/name), and a token that is not one the store made is a BadRequest
that says what is wrong with it."""
from __future__ import annotations

import base64
import json

import pytest

from playground.store import api as store
from playground.store import chunking
from playground.store.errors import BadRequest
from tests.factories import config_map


def make_config_maps(cluster, count: int, *, namespace: str = "default", labels: dict | None = None) -> None:
    with store.batch(cluster.name) as batch:
        for n in range(count):
            obj = config_map(f"cm-{n:04d}", namespace=namespace)
            obj["metadata"]["labels"] = labels or {"shard": str(n % 3)}
            batch.create(obj)


def every_chunk(cluster, kind: str, **options) -> list[store.ListChunk]:
    chunks, token = [], ""
    while True:
        chunks.append(cluster.list_chunk(kind, continue_=token, **options))
        token = chunks[-1].continue_
        if not token:
            return chunks


def keys(objects: list[dict]) -> list[str]:
    return [f"{o['metadata'].get('namespace', '')}/{o['metadata']['name']}" for o in objects]


def test_the_chunks_hold_every_object_once_in_key_order(cluster):
    make_config_maps(cluster, 120)
    make_config_maps(cluster, 30, namespace="kube-public")

    chunks = every_chunk(cluster, "ConfigMap", limit=50)

    listed = [o for chunk in chunks for o in chunk.items]
    assert [len(chunk.items) for chunk in chunks] == [50, 50, 50]
    assert keys(listed) == keys(cluster.list("ConfigMap"))
    assert keys(listed)[:2] == ["default/cm-0000", "default/cm-0001"]


def test_a_token_is_the_api_servers_own(cluster):
    make_config_maps(cluster, 3)
    version = cluster.list_chunk("ConfigMap", limit=1).resource_version

    token = cluster.list_chunk("ConfigMap", limit=2).continue_

    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded == {"v": "meta.k8s.io/v1", "rv": version, "start": "default/cm-0001\x00"}
    assert "=" not in token  # unpadded, as Go's RawURLEncoding writes it


def test_the_later_chunks_keep_the_first_chunks_resource_version(cluster):
    make_config_maps(cluster, 4)
    first = cluster.list_chunk("ConfigMap", limit=2)
    cluster.create(config_map("late"))

    second = cluster.list_chunk("ConfigMap", limit=2, continue_=first.continue_)

    assert second.resource_version == first.resource_version


def test_a_list_of_one_namespace_keys_by_name(cluster):
    make_config_maps(cluster, 5)
    make_config_maps(cluster, 5, namespace="kube-public")

    chunks = every_chunk(cluster, "ConfigMap", limit=2, namespace="kube-public")

    assert chunking.decode_continue(chunks[0].continue_)[0] == "cm-0001\x00"
    assert [o["metadata"]["name"] for c in chunks for o in c.items] == [f"cm-{n:04d}" for n in range(5)]


def test_a_selector_fills_the_chunk_from_the_rows_after(cluster):
    make_config_maps(cluster, 30)

    chunks = every_chunk(cluster, "ConfigMap", limit=4, label_selector="shard=0")

    listed = [o["metadata"]["name"] for c in chunks for o in c.items]
    assert listed == [f"cm-{n:04d}" for n in range(0, 30, 3)]
    assert [len(c.items) for c in chunks] == [4, 4, 2]


def test_a_cluster_scoped_kind_pages_by_name(cluster):
    chunks = every_chunk(cluster, "Node", limit=2)

    assert [o["metadata"]["name"] for c in chunks for o in c.items] == [
        "playground-control-plane", "playground-worker", "playground-worker2"]


def test_the_last_chunk_has_no_token(cluster):
    make_config_maps(cluster, 4)

    assert cluster.list_chunk("ConfigMap", limit=4).continue_ == ""
    assert cluster.list_chunk("ConfigMap", limit=3).continue_ != ""


def token(payload: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


# Tokens a client could send that the store never made, and what the error says of each
BAD_TOKENS = [
    ("garbage!", "not base64"),
    ("Z2FyYmFnZQ", "not JSON"),  # base64 of "garbage"
    (token([1, 2]), "not a JSON object"),
    (token({"v": "meta.k8s.io/v2", "rv": 5, "start": "a"}), "server does not recognize this encoded version"),
    (token({"v": "meta.k8s.io/v1", "rv": 0, "start": "a"}), "incorrect encoded start resourceVersion"),
    (token({"v": "meta.k8s.io/v1", "rv": "5", "start": "a"}), "incorrect encoded start resourceVersion"),
    (token({"v": "meta.k8s.io/v1", "rv": 5, "start": ""}), "encoded start key empty"),
    (token({"v": "meta.k8s.io/v1", "rv": 5, "start": "../secrets/default/x"}), "../secrets/default/x"),
    (token({"v": "meta.k8s.io/v1", "rv": 5, "start": "default//x"}), "default//x"),
    (base64.urlsafe_b64encode(b"\xff\xfe").decode(), "not JSON"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_TOKENS)
def test_a_token_the_store_did_not_make_is_a_bad_request(cluster, bad, message):
    with pytest.raises(BadRequest) as error:
        cluster.list_chunk("ConfigMap", continue_=bad)

    assert error.value.message.startswith("continue key is not valid")
    assert message in error.value.message


def test_a_limit_below_one_is_a_bad_request(cluster):
    with pytest.raises(BadRequest, match="limit"):
        cluster.list_chunk("ConfigMap", limit=0)
