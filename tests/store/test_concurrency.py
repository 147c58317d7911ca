"""Two writers at once, on real connections: one wins, the other is told Conflict, nothing is lost.

Runs on SQLite (WAL, immediate transactions) by default and on PostgreSQL with DATABASE_URL.
"""
from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from playground.store import api as store
from playground.store import changelog, clusters
from playground.store.demo import create_demo_cluster
from playground.store.errors import AlreadyExists, Conflict, NotFound
from tests.concurrently import run_together
from tests.factories import config_map

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_writers_of_one_version_exactly_one_wins():
    create_demo_cluster("default")
    obj = store.create("default", config_map("settings", {"owner": "nobody"}))

    def write(owner: str):
        return lambda: store.update("default", {**obj, "data": {"owner": owner}})

    outcomes = run_together(write("alice"), write("bob"))

    winners = [o for o in outcomes if isinstance(o, dict)]
    losers = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(winners) == 1 and len(losers) == 1
    assert store.get("default", "ConfigMap", "settings", "default")["data"] == winners[0]["data"]


def test_concurrent_writers_leave_a_gapless_ordered_change_log():
    create_demo_cluster("default")
    before = changelog.cluster_resource_version("default")

    def writer(prefix: str):
        def write():
            for n in range(10):
                store.create("default", config_map(f"{prefix}-{n}"))
        return write

    outcomes = run_together(writer("a"), writer("b"), writer("c"))

    assert outcomes == [None, None, None]
    versions = [e.resource_version for e in changelog.changes("default", before)]
    assert versions == list(range(before + 1, before + 31))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one write transaction at a time, whatever its cluster")
def test_a_writer_of_one_cluster_does_not_wait_for_a_writer_of_another():
    create_demo_cluster("ana")
    create_demo_cluster("ben")
    writing, finish = threading.Event(), threading.Event()

    def ana_mid_transaction():
        try:
            with transaction.atomic():
                store.create("ana", config_map("slow"))  # ana's versions taken, its transaction still open
                writing.set()
                finish.wait(timeout=60)
        finally:
            connection.close()

    ana = threading.Thread(target=ana_mid_transaction)
    ana.start()
    try:
        assert writing.wait(timeout=60)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '10s'")  # fails, rather than hangs, if ben queues behind ana
            written = store.create("ben", config_map("quick"))
    finally:
        finish.set()
        ana.join(timeout=60)

    assert store.get("ben", "ConfigMap", "quick", "default")["metadata"]["resourceVersion"] == written["metadata"]["resourceVersion"]
    assert store.get("ana", "ConfigMap", "slow", "default")  # committed after ben's


def test_a_threads_own_writes_are_read_back_without_a_query_and_anothers_in_between_are_not_missed():
    """changelog.own_writes: the controller manager's informer takes a reconcile's own writes
    back from what it committed; a write of another thread (process) between two of them
    leaves a gap in the versions, and the log is read instead, the other's write with them."""
    create_demo_cluster("default")
    before = changelog.cluster_resource_version("default")
    with changelog.own_writes("default"):
        mine = store.create("default", config_map("mine"))
        with CaptureQueriesContext(connection) as queries:
            followed = changelog.changes("default", before)
        assert [(e.type, e.object, e.resource_version) for e in followed] == [
            ("ADDED", store.get("default", "ConfigMap", "mine", "default"), int(mine["metadata"]["resourceVersion"]))]
        assert len(queries) == 0

        store.create("default", config_map("also-mine"))
        run_together(lambda: store.create("default", config_map("theirs")))
        store.create("default", config_map("mine-again"))
        followed = changelog.changes("default", before + 1)

    assert [e.object["metadata"]["name"] for e in followed] == ["also-mine", "theirs", "mine-again"]
    assert [e.resource_version for e in followed] == list(range(before + 2, before + 5))


def test_a_batch_another_process_overtook_is_stored_on_the_versions_it_is_given():
    """A batch stamps its rows with the versions after the last this process saw the cluster
    take, sent with the statement that takes them; when another process took some meanwhile, or
    a rolled-back batch left the guess too high, it is stored again on the versions it got."""
    create_demo_cluster("default")
    store.create("default", config_map("mine"))
    cluster_id = clusters.id_of("default")
    seen = clusters.resource_version_seen(cluster_id)
    run_together(lambda: store.create("default", config_map("theirs")))
    clusters.saw_resource_version(cluster_id, seen)  # the other writer is another process: this one never saw its versions

    overtaken = store.create("default", config_map("overtaken"))
    clusters.saw_resource_version(cluster_id, seen + 100)
    too_high = store.create("default", config_map("too-high"))

    log = changelog.changes("default", seen)
    assert [(e.object["metadata"]["name"], e.resource_version) for e in log] == [
        ("theirs", seen + 1), ("overtaken", seen + 2), ("too-high", seen + 3)]
    assert [e.object["metadata"]["resourceVersion"] for e in log] == [str(seen + 1), str(seen + 2), str(seen + 3)]
    assert overtaken == store.get("default", "ConfigMap", "overtaken", "default")
    assert too_high["metadata"]["resourceVersion"] == str(changelog.cluster_resource_version("default"))


def test_a_write_naming_the_version_this_process_committed_reads_no_row_first():
    create_demo_cluster("default")
    created = store.create("default", config_map("settings", {"owner": "nobody"}))

    with CaptureQueriesContext(connection) as queries:
        updated = store.update("default", {**created, "data": {"owner": "alice"}})

    assert store.get("default", "ConfigMap", "settings", "default") == updated
    assert updated["data"] == {"owner": "alice"}
    assert not [q for q in queries.captured_queries if q["sql"].startswith("SELECT") and "store_storedobject" in q["sql"]]


def test_a_write_naming_a_version_another_process_moved_on_or_deleted_is_refused_as_the_api_server_refuses_it():
    """The row this process remembers committing is stale once another writes: the statement
    that stores the write still checks the version, so it is a Conflict, or NotFound once gone."""
    create_demo_cluster("default")
    mine = store.create("default", config_map("settings", {"owner": "nobody"}))
    other = store.create("default", config_map("other", {"owner": "nobody"}))
    run_together(lambda: store.update("default", {**mine, "data": {"owner": "bob"}}),
                 lambda: store.delete("default", "ConfigMap", "other", "default"))

    with pytest.raises(Conflict):
        store.update("default", {**mine, "data": {"owner": "alice"}})
    with pytest.raises(NotFound):
        store.update_status("default", {**other, "data": {"owner": "alice"}})
    assert store.get("default", "ConfigMap", "settings", "default")["data"] == {"owner": "bob"}
    unconditional = {**mine, "metadata": {k: v for k, v in mine["metadata"].items() if k != "resourceVersion"}}
    assert store.update("default", {**unconditional, "data": {"owner": "carol"}})["data"] == {"owner": "carol"}


def test_two_creates_of_one_name_at_once_one_is_told_it_already_exists():
    create_demo_cluster("default")

    outcomes = run_together(*[lambda: store.create("default", config_map("settings"))] * 4)

    assert len([o for o in outcomes if isinstance(o, dict)]) == 1
    assert all(isinstance(o, AlreadyExists) for o in outcomes if not isinstance(o, dict))
    assert len([c for c in store.list("default", "ConfigMap") if c["metadata"]["name"] == "settings"]) == 1
