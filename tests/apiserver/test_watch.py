"""Watches as the API server streams them: from a list's resourceVersion nothing is repeated,
from 0 every object first, past the kept log a 410, selectors as transitions."""
from __future__ import annotations

import asyncio
import json

import pytest
from django.http import QueryDict

from playground.apiserver import watch
from playground.store import api as store
from playground.store import changelog
from playground.store.errors import BadRequest
from playground.store.kinds import KINDS


@pytest.fixture
def cluster(transactional_db, cluster):  # the stream reads from other threads: committed rows only
    return cluster


@pytest.fixture(autouse=True)
def no_open_watches():
    """Watches started here and never streamed still count against their token: not in the next test."""
    yield
    watch._open.clear()


def config_map(name: str, **labels: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}, "data": {}}


_decode = json.JSONDecoder().decode  # the tests' own: some replace json.loads to see who decodes


async def after_the_headers(stream) -> bytes:
    """The stream's first answer after the empty one that sends the response's headers."""
    assert await anext(stream) == b""
    return await anext(stream)


def first_answer(started: watch.Watch) -> bytes:
    """The stream's first answer (no waiting: what is already there)."""
    async def read() -> bytes:
        stream = watch.stream(started)
        try:
            return await after_the_headers(stream)
        finally:
            await stream.aclose()

    return asyncio.run(read())


def first_answers_together(watches: list[watch.Watch]) -> list[bytes]:
    """Each stream's first answer, the streams on one event loop (as a server's are)."""
    async def read() -> list[bytes]:
        streams = [watch.stream(w) for w in watches]
        try:
            return [await after_the_headers(s) for s in streams]
        finally:
            for s in streams:
                await s.aclose()

    return asyncio.run(read())


def first_events_raw(started: watch.Watch) -> list[dict]:
    return [_decode(line) for line in first_answer(started).decode().splitlines()]


def first_events(started: watch.Watch) -> list[tuple[str, dict]]:
    return [(e["type"], e["object"]) for e in first_events_raw(started)]


def start(cluster, query: str, *, as_table: bool = False) -> watch.Watch:
    return watch.start(cluster.name, KINDS["ConfigMap"], "default", QueryDict(query), as_table=as_table, token=1)


def test_from_a_lists_version_only_what_came_after(cluster):
    cluster.apply(config_map("before"))
    version = changelog.cluster_resource_version("default")
    cluster.apply(config_map("after"))

    events = first_events(start(cluster, f"resourceVersion={version}"))

    assert [(t, o["metadata"]["name"]) for t, o in events] == [("ADDED", "after")]


def test_from_zero_every_object_first(cluster):
    cluster.apply(config_map("one"))

    events = first_events(start(cluster, "resourceVersion=0&fieldSelector=metadata.name=one"))

    assert [(t, o["metadata"]["name"]) for t, o in events] == [("ADDED", "one")]


def test_an_object_leaving_the_selector_is_deleted_for_the_watch(cluster):
    cluster.apply(config_map("web", tier="front"))
    version = changelog.cluster_resource_version("default")
    started = start(cluster, f"resourceVersion={version}&labelSelector=tier=front")
    cluster.apply(config_map("web", tier="back"))
    cluster.apply(config_map("other", tier="front"))

    events = first_events(started)

    assert [(t, o["metadata"]["name"]) for t, o in events] == [("DELETED", "web"), ("ADDED", "other")]


def test_past_the_kept_log_an_error_event_with_410_expired(cluster):
    for n in range(5):
        cluster.apply(config_map(f"cm-{n}"))
    old = changelog.cluster_resource_version("default") - 3
    changelog.compact("default", keep=1)

    [(type_, status)] = first_events(start(cluster, f"resourceVersion={old}"))

    assert type_ == "ERROR"
    assert (status["code"], status["reason"]) == (410, "Expired")
    assert status["message"].startswith(f"too old resource version: {old} (")


def test_a_table_watch_names_its_columns_once(cluster):
    version = changelog.cluster_resource_version("default")
    started = start(cluster, f"resourceVersion={version}", as_table=True)
    cluster.apply(config_map("a"))
    cluster.apply(config_map("b"))

    (_, first), (_, second) = first_events(started)

    assert [c["name"] for c in first["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert second["columnDefinitions"] is None
    assert second["rows"][0]["cells"][:2] == ["b", "0"]


def test_a_bad_version_is_a_bad_request(cluster):
    with pytest.raises(BadRequest, match='resourceVersion: Invalid value: "soon"'):
        start(cluster, "resourceVersion=soon")


def test_a_token_holds_only_so_many_watches_until_one_is_closed(cluster, settings):
    settings.PLAYGROUND_API_MAX_WATCHES_PER_TOKEN = 2
    first, _ = start(cluster, ""), start(cluster, "")

    with pytest.raises(watch.TooManyRequests, match="holds 2 watches open, the most PLAYGROUND_API_MAX_WATCHES_PER_TOKEN"):
        start(cluster, "")
    watch.Response(first).close()  # its client went away before it was streamed
    watch.Response(first).close()  # closed twice, released once

    assert start(cluster, "").token == 1
    with pytest.raises(watch.TooManyRequests):
        start(cluster, "")


def test_the_watches_of_a_process_read_each_change_once(cluster, monkeypatch):
    version = changelog.cluster_resource_version("default")
    first, second = start(cluster, f"resourceVersion={version}"), start(cluster, f"resourceVersion={version}")
    cluster.apply(config_map("shared"))
    reads = []
    real = changelog.stored_changes
    monkeypatch.setattr(changelog, "stored_changes",
                        lambda *args, **kwargs: reads.extend(found := real(*args, **kwargs)) or found)

    answers = first_answers_together([first, second])

    assert answers[0] == answers[1] and b'"name":"shared"' in answers[0]
    assert [change.name for change in reads] == ["shared"]  # read once


def test_a_watch_line_is_the_object_as_a_get_returns_it(cluster):
    version = changelog.cluster_resource_version("default")
    started = start(cluster, f"resourceVersion={version}")
    cluster.apply(config_map("web", tier="front"))
    stored = store.get("default", "ConfigMap", "web", "default")

    line = first_answer(started)

    # Built from the stored JSON, not re-encoded: the bytes a decoded object would have made
    assert line == watch._line("ADDED", stored)
    assert json.loads(line)["object"] == stored


def test_a_watch_without_selectors_never_decodes_a_change(cluster, monkeypatch):
    version = changelog.cluster_resource_version("default")
    started = start(cluster, f"resourceVersion={version}")
    cluster.apply(config_map("a"))
    cluster.apply(config_map("b"))

    def refuse(*_: object) -> None:
        raise AssertionError("decoded")

    monkeypatch.setattr(watch.json, "loads", refuse)
    events = first_events_raw(started)

    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "a"), ("ADDED", "b")]


def test_events_come_in_resource_version_order(cluster):
    version = changelog.cluster_resource_version("default")
    started = start(cluster, f"resourceVersion={version}")
    with store.batch("default") as batch:
        for name in ("c", "a", "b"):
            batch.create(config_map(name))
    cluster.apply(config_map("a", tier="front"))

    events = first_events(started)

    versions = [int(o["metadata"]["resourceVersion"]) for _, o in events]
    assert [(t, o["metadata"]["name"]) for t, o in events] == [("ADDED", "c"), ("ADDED", "a"), ("ADDED", "b"),
                                                               ("MODIFIED", "a")]
    assert versions == sorted(versions) and len(set(versions)) == 4


def test_watches_asking_alike_share_the_selectors_answer(cluster, monkeypatch):
    version = changelog.cluster_resource_version("default")
    fronts = [start(cluster, f"resourceVersion={version}&labelSelector=tier=front") for _ in range(3)]
    back = start(cluster, f"resourceVersion={version}&labelSelector=tier=back")
    cluster.apply(config_map("web", tier="front"))
    cluster.apply(config_map("api", tier="back"))
    decoded = []
    real = watch.json.loads
    monkeypatch.setattr(watch.json, "loads", lambda text: decoded.append(text) or real(text))

    answers = first_answers_together([*fronts, back])

    assert [[_decode(line)["object"]["metadata"]["name"] for line in answer.decode().splitlines()] for answer in answers] == [["web"]] * 3 + [["api"]]
    assert len(decoded) == 2  # two changes, each decoded once for the four watches and their two selectors


def test_a_bookmark_carries_the_version_past_changes_the_watch_does_not_show(cluster, monkeypatch):
    monkeypatch.setattr(watch, "BOOKMARK_EVERY", 0.0)
    version = changelog.cluster_resource_version("default")
    started = start(cluster, f"resourceVersion={version}&allowWatchBookmarks=true")
    cluster.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {}})
    secret_version = store.get("default", "Secret", "s", "default")["metadata"]["resourceVersion"]

    [bookmark] = first_events_raw(started)

    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"] == {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": secret_version}}


def test_table_watches_share_each_changes_row_and_name_their_columns_once_each(cluster, monkeypatch):
    version = changelog.cluster_resource_version("default")
    watches = [start(cluster, f"resourceVersion={version}", as_table=True) for _ in range(3)]
    cluster.apply(config_map("a"))
    cluster.apply(config_map("b"))
    tables = []
    real = watch.resources.table
    monkeypatch.setattr(watch.resources, "table", lambda *args, **kwargs: tables.append(args[1]) or real(*args, **kwargs))

    answers = [[_decode(line)["object"] for line in answer.decode().splitlines()]
               for answer in first_answers_together(watches)]

    assert [[(t["rows"][0]["cells"][0], t["columnDefinitions"] is not None) for t in answer] for answer in answers] == [
        [("a", True), ("b", False)]] * 3
    assert len(tables) == 3 + 1  # each watch's first row with its columns, then b's row once for the three


@pytest.mark.parametrize("selector", ["", "&labelSelector=tier%3Dfront", "&fieldSelector=metadata.name%3Dgone"])
def test_a_delete_between_the_list_and_the_watch_is_deleted_for_it(cluster, selector):
    cluster.apply(config_map("gone", tier="front"))
    listed_at = changelog.cluster_resource_version("default")  # what `kubectl delete --wait` listed
    store.delete("default", "ConfigMap", "gone", "default")  # the garbage collector, before the watch starts

    events = first_events(start(cluster, f"resourceVersion={listed_at}&timeoutSeconds=2{selector}"))

    assert [(type_, obj["metadata"]["name"]) for type_, obj in events] == [("DELETED", "gone")]
