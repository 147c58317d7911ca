"""Cluster quotas through the store: what a cluster may hold is refused past its limit, in the
ResourceQuota plugin's words, and nothing of the refused write is stored."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from playground.store import clusters
from playground.store.errors import BadRequest, Forbidden
from playground.store.quota import Quota
from tests.factories import config_map, deployment, pod, replica_set


def node(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


@pytest.fixture
def team(make_cluster):
    return make_cluster("team-a")


def test_a_pod_past_the_limit_is_forbidden_in_kubernetes_words(team):
    clusters.set_quota("team-a", pods=2)
    team.create(pod("one"))
    team.create(pod("two"))

    with pytest.raises(Forbidden) as refused:
        team.create(pod("three"))

    assert refused.value.code == 403
    assert refused.value.message == ('pods "three" is forbidden: exceeded quota: cluster-quota, '
                                     "requested: pods=1, used: pods=2, limited: pods=2")
    assert sorted(p["metadata"]["name"] for p in team.list("Pod")) == ["one", "two"]


def test_the_system_namespaces_and_finished_pods_do_not_count(team):
    clusters.set_quota("team-a", pods=1)
    team.create({**pod("proxy"), "metadata": {"name": "proxy", "namespace": "kube-system"}})
    done = team.create(pod("job"))
    team.update_status({**done, "status": {"phase": "Succeeded"}})

    team.create(pod("web"))  # kube-system's and a finished pod use none of the quota

    with pytest.raises(Forbidden, match="used: pods=1, limited: pods=1"):
        team.create(pod("more"))


def test_objects_and_nodes_are_counted_too(team):
    used = clusters.usage(clusters.id_of("team-a"))
    clusters.set_quota("team-a", objects=used["count/objects"] + 1, nodes=used["count/nodes"])
    team.create(config_map("first"))

    with pytest.raises(Forbidden, match=r'configmaps "second" is forbidden: exceeded quota: cluster-quota, '
                                         r"requested: count/objects=1, used: count/objects=\d+, limited: count/objects=\d+"):
        team.create(config_map("second"))
    with pytest.raises(Forbidden, match=r'nodes "extra" is forbidden: exceeded quota: cluster-quota, requested: '
                                         r"count/nodes=1,count/objects=1, used: count/nodes=3,count/objects=\d+"):
        team.create(node("extra"))


def test_a_batch_counts_its_own_creates(team):
    clusters.set_quota("team-a", pods=2)

    with pytest.raises(Forbidden, match='pods "c" is forbidden'), team.batch() as batch:
        for name in ("a", "b", "c"):
            batch.create(pod(name))

    assert team.list("Pod") == []  # the batch is all or nothing


def test_replicas_per_workload_are_a_maximum_on_create_and_on_scale(team):
    clusters.set_quota("team-a", replicas=5)

    with pytest.raises(Forbidden) as refused:
        team.create(deployment("web", replicas=100000))
    assert refused.value.message == ('deployments.apps "web" is forbidden: maximum replicas usage per Deployment '
                                     "is 5, but limit is 100000")

    team.create(deployment("web", replicas=5))
    with pytest.raises(Forbidden, match="maximum replicas usage per Deployment is 5, but limit is 6"):
        team.patch("Deployment", "web", "default", {"spec": {"replicas": 6}})
    with pytest.raises(Forbidden, match='replicasets.apps "rs" is forbidden: maximum replicas usage per ReplicaSet'):
        team.create(replica_set("rs", replicas=6))
    assert team.get("Deployment", "web", "default")["spec"]["replicas"] == 5


def test_a_workload_over_a_lowered_limit_may_keep_or_lower_its_replicas(team):
    team.create(deployment("web", replicas=8))
    clusters.set_quota("team-a", replicas=5)

    team.patch("Deployment", "web", "default", {"metadata": {"labels": {"tier": "front"}}})
    team.patch("Deployment", "web", "default", {"spec": {"replicas": 7}})

    assert team.get("Deployment", "web", "default")["spec"]["replicas"] == 7


def test_set_quota_keeps_the_other_limits_and_none_lifts_one(team):
    clusters.set_quota("team-a", pods=50, nodes=3)
    assert clusters.set_quota("team-a", pods=None) == Quota(nodes=3)
    with pytest.raises(BadRequest, match='quota "cpu" is not one of objects, pods'):
        clusters.set_quota("team-a", cpu=2)
    with pytest.raises(BadRequest, match="quota pods: Invalid value: -1: must be a non-negative integer"):
        clusters.set_quota("team-a", pods=-1)


def test_the_settings_defaults_reach_every_cluster_but_the_default_one(team, cluster, settings):
    settings.PLAYGROUND_QUOTA_DEFAULTS = {"pods": 1}
    team.create(pod("one"))
    with pytest.raises(Forbidden, match="limited: pods=1"):
        team.create(pod("two"))

    cluster.create(pod("one"))
    cluster.create(pod("two"))  # the single user's own cluster: no limit it did not set

    clusters.set_quota("team-a", pods=None)  # unlimited, over the default
    team.create(pod("two"))
    clusters.set_quota("team-a", pods="default")
    assert clusters.quota_of("team-a") == Quota(pods=1)


def test_only_a_cluster_with_a_count_limit_reads_its_usage(team):
    def usage_reads(name: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            team.create(pod(name))
        return sum("CASE WHEN kind = 'Pod'" in q["sql"] for q in queries)

    clusters.set_quota("team-a", replicas=5)
    assert usage_reads("one") == 0  # an unlimited count costs no query at all
    clusters.set_quota("team-a", pods=5)
    assert usage_reads("two") == 2  # at admission, and again under the commit's lock


def test_two_batches_admitted_side_by_side_cannot_both_take_the_last_pod(team):
    clusters.set_quota("team-a", pods=1)
    first, second = team.batch(), team.batch()
    first.create(pod("one"))
    second.create(pod("two"))  # admitted: the first has not committed yet

    first.__exit__(None, None, None)
    with pytest.raises(Forbidden, match='pods "two" is forbidden: exceeded quota'):
        second.__exit__(None, None, None)

    assert [p["metadata"]["name"] for p in team.list("Pod")] == ["one"]
