"""Cluster quotas seen by the real kubectl (v1.32): a refusal is a 403 Forbidden Status in the
ResourceQuota plugin's words, and a ReplicaSet past the limit says FailedCreate."""
from __future__ import annotations

import json
import re

import pytest

from .conftest import needs_kubectl

pytestmark = needs_kubectl


@pytest.fixture(scope="module")
def team(live, kubectl):
    """A cluster of its own with a quota of 3 pods and 5 replicas, and kubectl for it."""
    assert live.manage("cluster", "create", "quota-team").returncode == 0
    set_quota = live.manage("cluster", "quota", "quota-team", "--pods", "3", "--replicas", "5")
    assert set_quota.returncode == 0, set_quota.stderr
    config = live.kubeconfig("--cluster", "quota-team")

    def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
        return kubectl(*args, config=config, stdin=stdin)

    for name in ("one", "two", "three"):
        assert run("run", name, "--image=nginx")[0] == 0
    return run


def test_a_pod_past_the_quota_is_forbidden(team):
    code, _, err = team("run", "four", "--image=nginx")

    assert code == 1
    assert err.strip() == ('Error from server (Forbidden): pods "four" is forbidden: exceeded quota: cluster-quota, '
                           "requested: pods=1, used: pods=3, limited: pods=3")
    code, out, _ = team("get", "pods", "-o", "name")
    assert sorted(out.split()) == ["pod/one", "pod/three", "pod/two"]


def test_the_answer_is_a_403_forbidden_status(team):
    code, _, err = team("create", "-f", "-", "-v=6", stdin=json.dumps(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "five"},
         "spec": {"containers": [{"name": "web", "image": "nginx"}]}}))

    assert code == 1
    assert "403 Forbidden" in err
    assert team("get", "pod", "five")[0] == 1  # nothing stored


def test_replicas_past_the_limit_are_refused_on_create_and_on_scale(team):
    code, _, err = team("create", "deployment", "web", "--image=nginx", "--replicas=100000")
    assert code == 1
    assert err.strip() == ('error: failed to create deployment: deployments.apps "web" is forbidden: '
                           "maximum replicas usage per Deployment is 5, but limit is 100000")

    assert team("create", "deployment", "web", "--image=nginx", "--replicas=1")[0] == 0
    code, _, err = team("scale", "deployment", "web", "--replicas=6")
    assert code == 1
    assert 'deployments.apps "web" is forbidden: maximum replicas usage per Deployment is 5, but limit is 6' in err


def test_a_replica_set_that_cannot_create_says_failed_create(team):
    assert team("create", "deployment", "api", "--image=nginx", "--replicas=2")[0] == 0
    assert team("rollout", "status", "deployment/api", "--timeout=2s")[0] == 1  # it cannot get there

    code, out, _ = team("describe", "replicaset", "-l", "app=api")

    assert code == 0
    assert "FailedCreate" in out
    assert 'Error creating: pods "api-' in out and "exceeded quota: cluster-quota" in out


def test_kubectl_past_the_request_rate_waits_as_told_and_gets_its_answer(live, kubectl):
    assert live.manage("cluster", "create", "rate-team").returncode == 0
    assert live.manage("cluster", "quota", "rate-team", "--requests-per-second", "1").returncode == 0
    config = live.kubeconfig("--cluster", "rate-team")

    code, out, err = kubectl("get", "namespaces", "-v=6", config=config)  # discovery, then the list: over 1 a second

    assert code == 0
    # told to wait (Retry-After: 1), client-go waited and asked again (daphne words the status line "429 Unknown Status")
    assert re.search(r"GET \S+/clusters/rate-team/\S+ 429 ", err)
