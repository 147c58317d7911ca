"""Pod garbage collector: the pods of a node that is gone are marked Failed and DisruptionTarget
(DeletionByPodGC) and force-deleted once the node has been missing for the quarantine time."""
from __future__ import annotations

from playground.store import changelog
from tests.factories import pod


def test_the_pods_of_a_deleted_node_are_marked_failed_then_deleted_after_the_quarantine(cluster):
    cluster.create(pod("orphan", node="playground-worker"))
    cluster.advance(30)
    before = cluster.resource_version()

    cluster.delete("Node", "playground-worker")
    cluster.advance(39)
    assert cluster.list("Pod", field_selector="metadata.name=orphan")  # quarantined: the node may come back
    cluster.advance(2)

    assert not cluster.list("Pod", field_selector="metadata.name=orphan")
    writes = [e for e in changelog.changes("default", before) if e.object["kind"] == "Pod"
              and e.object["metadata"]["name"] == "orphan"]
    assert [w.type for w in writes][-2:] == ["MODIFIED", "DELETED"]
    last = writes[-2].object["status"]
    assert last["phase"] == "Failed"
    [target] = [c for c in last["conditions"] if c["type"] == "DisruptionTarget"]
    assert (target["reason"], target["message"]) == ("DeletionByPodGC", "PodGC: node no longer exists")
