"""The object pages' pictures as pure functions: Secret masking, kubectl's tables with linked
names, and the Endpoints controller's and DaemonSet controller's rules as the pages explain them."""
from __future__ import annotations

import base64
import datetime

from playground.web import picture

NOW = datetime.datetime(2026, 11, 25, 12, 0, tzinfo=datetime.timezone.utc)


def test_every_value_of_a_secret_is_masked_longest_first():
    secret = {"data": {"a": base64.b64encode(b"hunter2").decode(), "b": base64.b64encode(b"hunter2-long").decode()}}

    values = picture.secret_values([secret])

    assert values == ["hunter2-long", "hunter2"]
    assert picture.mask("pw=hunter2-long and hunter2", values) == "pw=•••••• and ••••••"


def test_very_short_values_are_not_masked_in_ordinary_text():
    values = picture.secret_values([{"data": {"x": base64.b64encode(b"1").decode()}}])

    assert picture.mask("restarted 1 time", values) == "restarted 1 time"


def test_a_linked_table_cuts_the_name_out_of_kubectls_line():
    pods = [{"kind": "Pod", "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2026-11-25T11:59:00Z"},
             "spec": {"containers": [{"name": "main"}]}, "status": {"phase": "Pending"}}]

    header, line = picture.linked_table("default", pods, now=NOW, with_namespace=True)

    assert header["before"].startswith("NAMESPACE   NAME")
    assert line["before"] == "default     " and line["name"] == "web"
    assert line["url"] == "/clusters/default/pods/default/web/"
    assert line["after"].split() == ["0/1", "Pending", "0", "60s"]


def test_a_kind_without_a_page_is_not_linked():
    assert picture.object_url("default", "Lease", "x", "kube-node-lease") == ""
    assert picture.object_url("default", "Node", "w") == "/clusters/default/nodes/w/"


def test_a_pod_whose_labels_do_not_match_is_excluded_first():
    service = {"spec": {"selector": {"app": "web", "tier": "front"}, "ports": [{"port": 80}]}}
    pod = {"metadata": {"name": "p", "namespace": "default", "labels": {"app": "web"}}, "spec": {"containers": []},
           "status": {"phase": "Running", "podIP": "10.244.1.2"}}

    verdict = picture.traffic_verdict("default", service, pod)

    assert verdict["state"] == "excluded"
    assert verdict["reason"] == "labels do not match: wants tier=front; has no tier"


def test_a_named_target_port_resolves_per_pod():
    pod = {"spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]}}

    found = picture.target_port_resolution({"port": 80, "targetPort": "http"}, pod)
    missing = picture.target_port_resolution({"port": 80, "targetPort": "grpc"}, pod)

    assert found["text"] == "80 → http = 8080" and missing["number"] is None


def test_a_tainted_node_is_not_eligible_for_a_daemon_pod_without_the_toleration():
    node = {"metadata": {"name": "n", "labels": {}}, "spec": {"taints": [{"key": "gpu", "value": "yes", "effect": "NoSchedule"}]}}
    ds = {"spec": {"template": {"metadata": {}, "spec": {"containers": [{"name": "c"}]}}}}

    # NoSchedule keeps new daemon pods off; one already there is only evicted by NoExecute
    assert picture.daemon_eligibility(node, ds) == {
        "eligible": False, "reason": "untolerated taint gpu=yes:NoSchedule (a pod already there keeps running)"}
