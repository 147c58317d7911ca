"""Informers: a cluster's objects listed once and followed through the change log; a reset (or a
compacted log) makes them list again; the pages' shared informer of one cluster does not move
when another cluster changes."""
from __future__ import annotations

import pytest

from playground.runtime import informer
from playground.runtime.informer import Informer
from playground.store import api as store
from playground.store import clusters
from playground.store.errors import NotFound
from tests.factories import config_map


def test_it_follows_the_changes_after_its_list(cluster):
    watcher = Informer("default")
    watcher.sync()
    changes = []

    cluster.create(config_map("settings"))
    cluster.delete("ConfigMap", "settings", "default")
    cluster.create(config_map("other"))

    assert watcher.sync(lambda obj, old: changes.append(obj["metadata"]["name"])) == 3
    assert changes == ["settings", "settings", "other"]
    assert [c["metadata"]["name"] for c in watcher.cache.list("ConfigMap", namespace="default")] == ["other"]


def test_a_reset_cluster_is_listed_again_and_found_empty(cluster):
    watcher = Informer("default")
    cluster.create(config_map("settings"))
    watcher.sync()
    assert watcher.cache.list("Node")

    clusters.reset("default")
    watcher.sync()

    assert watcher.cache.list("Node") == [] and watcher.cache.list("ConfigMap") == []


def test_a_write_elsewhere_leaves_the_shared_informer_where_it_was(cluster, make_cluster):
    make_cluster("team-b")
    seen = informer.shared("default").seen_version

    store.create("team-b", config_map("settings"))

    assert informer.shared("default").seen_version == seen
    assert informer.shared("team-b").cache.get("ConfigMap", "default/settings") is not None


def test_a_deleted_cluster_has_no_shared_informer(cluster, make_cluster):
    make_cluster("team-b")
    informer.shared("team-b")
    clusters.delete("team-b")

    with pytest.raises(NotFound):
        informer.shared("team-b")
