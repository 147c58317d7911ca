"""`kubectl logs TYPE/NAME` and `kubectl exec TYPE/NAME`: the pod kubectl picks of a workload,
and what it prints when it has several or none (kubectl polymorphichelpers)."""
from __future__ import annotations

from playground.kubectl import podpicker
from playground.store import api as store
from tests.factories import config_map, deployment
from tests.kubectl.test_console import console


def _web_with_an_older_and_a_newer_pod(cluster) -> tuple[str, str]:
    cluster.apply(deployment("web", replicas=1))
    cluster.advance(30)
    store.patch(cluster.name, "Deployment", "web", "default", {"spec": {"replicas": 2}}, patch_type="merge")
    cluster.advance(30)
    pods = sorted(store.list(cluster.name, "Pod", namespace="default", label_selector="app=web"),
                  key=lambda p: p["metadata"]["creationTimestamp"])
    return pods[0]["metadata"]["name"], pods[1]["metadata"]["name"]


def test_logs_of_a_deployment_says_which_of_its_pods_it_reads(cluster):
    older, _ = _web_with_an_older_and_a_newer_pod(cluster)

    code, _, err = console(cluster, "kubectl logs deployment/web")

    assert code == 0
    assert err == f"Found 2 pods, using pod/{older}"  # the one ready the longest


def test_exec_in_a_deployment_runs_in_its_longest_ready_pod_without_a_word(cluster):
    older, _ = _web_with_an_older_and_a_newer_pod(cluster)

    assert console(cluster, "kubectl exec deploy/web -- hostname") == (0, older, "")


def test_a_workload_without_pods_times_out_as_kubectl_does(cluster):
    cluster.apply(deployment("idle", replicas=0))
    cluster.advance(10)

    assert console(cluster, "kubectl logs deployment/idle --pod-running-timeout=1ms")[2] == \
        "error: timed out waiting for the condition"
    assert console(cluster, "kubectl exec deployment/idle --pod-running-timeout=1ms -- ls")[2] == \
        "error: timed out waiting for the condition"


def test_a_kind_without_a_selector_has_no_pod_to_pick(cluster):
    cluster.create(config_map("settings"))

    assert console(cluster, "kubectl logs configmap/settings")[2] == \
        "error: cannot get the logs from *v1.ConfigMap: selector for *v1.ConfigMap not implemented"
    assert console(cluster, "kubectl exec configmap/settings -- ls")[2] == \
        "error: cannot attach to *v1.ConfigMap: selector for *v1.ConfigMap not implemented"


def _pod(name: str, restarts: int, phase: str = "Running") -> dict:
    return {"metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"nodeName": "n"},
            "status": {"phase": phase, "containerStatuses": [{"restartCount": restarts}],
                       "conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:05Z"}]}}


def test_logs_prefer_the_pod_that_restarted_most_and_exec_the_one_that_restarted_least():
    pods = [_pod("calm", 0), _pod("crashy", 4)]

    assert podpicker._sorted(pods, for_logs=True)[0]["metadata"]["name"] == "crashy"  # podutils.ByLogging
    assert podpicker._sorted(pods, for_logs=False)[0]["metadata"]["name"] == "calm"  # Reverse(ActivePods)


def test_a_finished_pod_counts_as_running_for_logs_and_last_for_exec():
    pods = [_pod("pending", 0, "Pending"), _pod("done", 0, "Succeeded")]

    assert podpicker._sorted(pods, for_logs=True)[0]["metadata"]["name"] == "done"
    assert podpicker._sorted(pods, for_logs=False)[0]["metadata"]["name"] == "pending"
