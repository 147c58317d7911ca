"""The real kubectl (v1.32) writing through the API as against a real cluster: the status
subresource, strategic merge patch directives (sent by `kubectl patch` and made by `kubectl
apply`'s three-way patches), server dry runs, deletes that wait, and the bounds a request meets
(body size, watches per token, a long list), each refused in Kubernetes' words."""
from __future__ import annotations

import json

import pytest

from .conftest import needs_kubectl
from .test_kubectl import WEB

pytestmark = needs_kubectl


def _named(name: str) -> str:
    return WEB.replace("web", name)


def _get(kubectl, *args: str) -> dict:
    code, out, err = kubectl("get", *args, "-o", "json")
    assert code == 0, err
    return json.loads(out)


# --- the status subresource ------------------------------------------------------------------------


def test_the_object_ignores_a_status_and_its_status_subresource_writes_only_the_status(kubectl):
    kubectl("create", "namespace", "stat")  # no controller writes a namespace's status while it lives
    kubectl("apply", "-f", "-", stdin=_named("stat"))
    generation = kubectl("get", "deployment", "stat", "-o", "jsonpath={.metadata.generation}")[1]

    on_object = kubectl("patch", "namespace", "stat", "--type", "merge", "-p", '{"status":{"phase":"Terminating"}}')
    on_status = kubectl("patch", "deployment", "stat", "--subresource=status", "--type", "merge",
                        "-p", '{"spec":{"replicas":7},"status":{"replicas":9}}',
                        "-o", "jsonpath={.spec.replicas} {.status.replicas} {.metadata.generation}")
    namespace_status = kubectl("patch", "namespace", "stat", "--subresource=status", "--type", "merge",
                               "-p", '{"metadata":{"labels":{"x":"y"}},"status":{"conditions":[{"type":'
                               '"NamespaceContentRemaining","status":"False","reason":"ContentRemoved"}]}}',
                               "-o", "jsonpath={.metadata.labels.x}/{.status.conditions[0].reason}")
    read = kubectl("get", "deployment", "stat", "--subresource=status", "-o", "jsonpath={.kind} {.spec.replicas}")

    assert on_object[:2] == (0, "namespace/stat patched (no change)\n")
    assert on_status[:2] == (0, f"2 9 {generation}")  # what was written: spec and generation untouched
    assert namespace_status[:2] == (0, "/ContentRemoved")
    assert read[:2] == (0, "Deployment 2")  # GET of /status answers the whole object, as a real server does
    assert kubectl("get", "namespace", "stat", "-o", "jsonpath={.status.phase}")[1] == "Active"


def test_a_server_side_apply_to_the_status_subresource_applies_only_the_status(kubectl):
    kubectl("create", "namespace", "ssastat")
    kubectl("apply", "--server-side", "-n", "ssastat", "-f", "-", stdin=_named("ssastat"))
    generation = kubectl("get", "deployment", "ssastat", "-n", "ssastat", "-o", "jsonpath={.metadata.generation}")[1]
    config = _named("ssastat").replace("replicas: 2", "replicas: 7").replace("labels: {app: ssastat}\n", "labels: {app: other}\n", 1)
    config += "status:\n  observedGeneration: 42\n"

    applied = kubectl("apply", "--server-side", "--subresource=status", "--field-manager=status-writer", "-n", "ssastat",
                      "-f", "-", "-o", "jsonpath={.spec.replicas} {.status.observedGeneration} "
                      "{.metadata.generation} {.metadata.labels.app}", stdin=config)
    missing = kubectl("apply", "--server-side", "--subresource=status", "-n", "ssastat", "-f", "-",
                      stdin=_named("absent") + "status:\n  observedGeneration: 1\n")

    assert applied[:2] == (0, f"2 42 {generation} ssastat")  # spec, generation and labels untouched
    assert missing[0] != 0 and 'deployments.apps "absent" not found' in missing[2]
    assert kubectl("get", "deployment", "absent", "-n", "ssastat")[0] != 0  # not created


# --- strategic merge patch directives ----------------------------------------------------------------


def test_strategic_patch_directives_as_kubectl_sends_them(kubectl):
    kubectl("apply", "-f", "-", stdin=_named("smp"))
    kubectl("create", "configmap", "smp", "--from-literal=a=1", "--from-literal=b=2")
    kubectl("patch", "configmap", "smp", "--type", "merge", "-p", '{"metadata":{"finalizers":["x.io/a","x.io/b"]}}')

    def patch(kind: str, body: str) -> tuple[int, str, str]:
        return kubectl("patch", kind, "smp", "--type", "strategic", "-p", body)

    added = patch("deployment", '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}')
    first = kubectl("get", "deployment", "smp", "-o", "jsonpath={.spec.template.spec.containers[*].name}")[1]
    ordered = patch("deployment", '{"spec":{"template":{"spec":{"$setElementOrder/containers":'
                                  '[{"name":"nginx"},{"name":"sidecar"}]}}}}')
    order = kubectl("get", "deployment", "smp", "-o", "jsonpath={.spec.template.spec.containers[*].name}")[1]
    deleted = patch("deployment", '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}')
    retained = patch("deployment", '{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}}')
    replaced = patch("configmap", '{"data":{"$patch":"replace","c":"3"}}')
    unfinalized = patch("configmap", '{"metadata":{"$deleteFromPrimitiveList/finalizers":["x.io/a"]}}')

    assert [result[:2] for result in (added, ordered, deleted, retained)] == [(0, "deployment.apps/smp patched\n")] * 4
    assert (first, order) == ("sidecar nginx", "nginx sidecar")  # a new item first, as apimachinery merges it
    deployment = _get(kubectl, "deployment", "smp")
    assert [c["name"] for c in deployment["spec"]["template"]["spec"]["containers"]] == ["nginx"]
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}  # rollingUpdate cleared by $retainKeys
    assert (replaced[:2], unfinalized[:2]) == ((0, "configmap/smp patched\n"),) * 2
    configmap = _get(kubectl, "configmap", "smp")
    assert configmap["data"] == {"c": "3"}
    assert configmap["metadata"]["finalizers"] == ["x.io/b"]
    patch("configmap", '{"metadata":{"$deleteFromPrimitiveList/finalizers":["x.io/b"]}}')
    assert kubectl("delete", "configmap", "smp", "--timeout=30s")[0] == 0


def test_apply_from_rolling_update_to_recreate_retains_only_the_type(kubectl):
    rolling = _named("strategy").replace("replicas: 2\n", "replicas: 2\n  strategy:\n    type: RollingUpdate\n"
                                         "    rollingUpdate: {maxSurge: 2, maxUnavailable: 0}\n")
    recreate = _named("strategy").replace("replicas: 2\n", "replicas: 2\n  strategy:\n    type: Recreate\n")
    kubectl("apply", "-f", "-", stdin=rolling)

    code, out, err = kubectl("apply", "-f", "-", stdin=recreate)  # a three-way patch with $retainKeys

    assert (code, out, err) == (0, "deployment.apps/strategy configured\n", "")
    assert _get(kubectl, "deployment", "strategy")["spec"]["strategy"] == {"type": "Recreate"}


def test_apply_of_reordered_containers_keeps_the_manifests_order(kubectl):
    two = _named("order").replace("        image: nginx:1.27\n", "        image: nginx:1.27\n"
                                  "      - name: sidecar\n        image: busybox:1.36\n")
    swapped = _named("order").replace("      - name: nginx\n        image: nginx:1.27\n",
                                      "      - name: sidecar\n        image: busybox:1.36\n"
                                      "      - name: nginx\n        image: nginx:1.28\n")
    kubectl("apply", "-f", "-", stdin=two)

    code, out, _ = kubectl("apply", "-f", "-", stdin=swapped)  # $setElementOrder/containers in the patch

    assert (code, out) == (0, "deployment.apps/order configured\n")
    containers = _get(kubectl, "deployment", "order")["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("sidecar", "busybox:1.36"), ("nginx", "nginx:1.28")]
    # busybox's shell exits at once: left, its restarts would keep the session's instant clock busy for good
    assert kubectl("delete", "deployment", "order")[0] == 0


# --- server dry runs ---------------------------------------------------------------------------------


def test_a_server_dry_run_of_create_replace_and_patch_stores_nothing(kubectl, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry-cm\ndata:\n  a: '1'\n")

    created = kubectl("create", "-f", str(manifest), "--dry-run=server")
    missing = kubectl("get", "configmap", "dry-cm")
    kubectl("create", "-f", str(manifest))
    version = kubectl("get", "configmap", "dry-cm", "-o", "jsonpath={.metadata.resourceVersion}")[1]
    replaced = kubectl("replace", "-f", str(manifest).replace("cm.yaml", "cm.yaml"), "--dry-run=server")
    patched = kubectl("patch", "configmap", "dry-cm", "-p", '{"data":{"a":"2"}}', "--dry-run=server",
                      "-o", "jsonpath={.data.a}")

    assert created[:2] == (0, "configmap/dry-cm created (server dry run)\n")
    assert missing[0] == 1
    assert replaced[:2] == (0, "configmap/dry-cm replaced (server dry run)\n")
    assert patched[:2] == (0, "2")  # the answer shows what would be stored
    assert kubectl("get", "configmap", "dry-cm", "-o", "jsonpath={.metadata.resourceVersion} {.data.a}")[1] == \
        f"{version} 1"


def test_diff_of_a_new_object_and_a_replace_that_changes_a_status_store_nothing_of_it(kubectl):
    code, out, _ = kubectl("diff", "-f", "-", stdin=_named("not-yet"))  # a create with dryRun=All
    kubectl("create", "namespace", "replaced")
    namespace = _get(kubectl, "namespace", "replaced")
    namespace["status"]["phase"] = "Terminating"
    replaced = kubectl("replace", "-f", "-", stdin=json.dumps(namespace))

    assert code == 1 and "+  name: not-yet" in out and "+  replicas: 2" in out
    assert kubectl("get", "deployment", "not-yet")[0] == 1
    assert replaced[:2] == (0, "namespace/replaced replaced\n")
    assert kubectl("get", "namespace", "replaced", "-o", "jsonpath={.status.phase}")[1] == "Active"


# --- deletes -----------------------------------------------------------------------------------------


def test_delete_waits_for_the_pod_to_go_and_a_forced_delete_says_it_does_not(kubectl):
    kubectl("apply", "-f", "-", stdin=_named("gone"))
    kubectl("rollout", "status", "deployment/gone", "--timeout=60s")
    first, second = kubectl("get", "pods", "-l", "app=gone", "-o", "jsonpath={.items[*].metadata.name}")[1].split()

    waited = kubectl("delete", "pod", first, "--grace-period=5", "--timeout=60s")  # --wait: until the DELETED
    forced = kubectl("delete", "pod", second, "--force", "--grace-period=0")

    assert waited[:2] == (0, f'pod "{first}" deleted\n')
    assert forced[0] == 0 and forced[1] == f'pod "{second}" force deleted\n'
    assert "Warning: Immediate deletion does not wait for confirmation" in forced[2]
    names = kubectl("get", "pods", "-l", "app=gone", "-o", "jsonpath={.items[*].metadata.name}")[1].split()
    assert first not in names and second not in names


def test_delete_by_label_and_all_with_a_background_propagation(kubectl):
    for name, tier in (("del-a", "front"), ("del-b", "front"), ("del-c", "back")):
        kubectl("create", "configmap", name)
        kubectl("label", "configmap", name, f"tier={tier}", "purpose=delete-test")

    by_label = kubectl("delete", "configmaps", "-l", "tier=front", "--cascade=background")
    rest = kubectl("get", "configmaps", "-l", "purpose=delete-test", "-o", "name")[1]

    assert by_label[:2] == (0, 'configmap "del-a" deleted\nconfigmap "del-b" deleted\n')
    assert rest == "configmap/del-c\n"
    assert kubectl("delete", "configmaps", "-l", "purpose=delete-test")[:2] == (0, 'configmap "del-c" deleted\n')
    assert kubectl("delete", "configmaps", "-l", "purpose=delete-test")[:3] == (0, "No resources found\n", "")


# --- bounds ------------------------------------------------------------------------------------------


def test_a_body_past_the_apis_limit_is_refused_in_kubernetes_words(kubectl):
    huge = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "huge"},
                       "data": {f"k{i}": "x" * 1000 for i in range(3200)}})

    code, _, err = kubectl("create", "-f", "-", stdin=huge)

    assert code == 1
    assert err.strip() == ('Error from server (RequestEntityTooLarge): error when creating "STDIN": Request entity '
                           'too large: limit is 3145728 (PLAYGROUND_API_MAX_BODY_BYTES)')
    assert kubectl("get", "configmap", "huge")[0] == 1


def test_a_long_list_without_a_limit_is_answered_whole(kubectl, kubectl_stream, live, tmp_path):
    manifest = tmp_path / "many.yaml"
    documents = ["apiVersion: v1\nkind: Namespace\nmetadata:\n  name: many\n"]
    documents += [f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:04}\n  namespace: many\n"
                  for i in range(700)]
    manifest.write_text("---\n".join(documents))
    assert live.manage("apply", "-f", str(manifest)).returncode == 0
    # the root CA's ConfigMap comes from its publisher once the namespace is there, as on a real cluster
    published = kubectl_stream("get", "configmaps", "-n", "many", "--field-selector", "metadata.name=kube-root-ca.crt",
                               "-o", "name", "-w", "--request-timeout=60s")
    published.lines_until(lambda line: line.strip() == "configmap/kube-root-ca.crt")

    whole = kubectl("get", "configmaps", "-n", "many", "--chunk-size=0", "-o", "name")
    table = kubectl("get", "configmaps", "-n", "many", "--chunk-size=0", "--no-headers")
    chunked = kubectl("get", "configmaps", "-n", "many", "-o", "name")  # limit=500 and continue, as kubectl asks

    names = [f"configmap/cm-{i:04}" for i in range(700)] + ["configmap/kube-root-ca.crt"]
    assert whole[:2] == (0, "\n".join(names) + "\n")
    assert len(table[1].splitlines()) == 701  # more than the 500 encoded at a time
    assert chunked[1] == whole[1]


@pytest.fixture
def python_client(live):
    kubernetes = pytest.importorskip("kubernetes", reason="pip install -r requirements-dev.txt")
    return kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(str(live.kubeconfig())))


def test_a_token_holds_only_so_many_watches_and_is_told_so(python_client):
    from kubernetes.client import ApiException

    watches = [python_client.list_namespaced_config_map("default", watch=True, _preload_content=False)
               for _ in range(50)]  # PLAYGROUND_API_MAX_WATCHES_PER_TOKEN's default
    try:
        with pytest.raises(ApiException) as refused:
            python_client.list_namespaced_config_map("default", watch=True, _preload_content=False)
        listed = python_client.list_namespaced_config_map("default")  # only watches are bounded
    finally:
        for response in watches:
            response.close()

    assert all(response.status == 200 for response in watches)
    assert refused.value.status == 429
    assert json.loads(refused.value.body) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "reason": "TooManyRequests",
        "code": 429, "message": "Too many requests: this token holds 50 watches open, the most "
                                "PLAYGROUND_API_MAX_WATCHES_PER_TOKEN allows; close one first",
        "details": {"kind": "configmaps"}}
    assert listed.kind == "ConfigMapList"
