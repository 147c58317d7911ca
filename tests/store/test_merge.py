"""kubectl apply / kubectl patch as a user sees them: what the live object looks like afterwards."""
from __future__ import annotations

import copy

import pytest

from playground.store.merge import (
    apply_three_way,
    json_merge_patch,
    strategic_merge_patch,
    three_way_merge_patch,
)


def container(name: str, image: str, **fields) -> dict:
    return {"name": name, "image": image, **fields}


def defaulted(c: dict) -> dict:
    """A container as the API server stores it, with the defaults it fills in."""
    return {
        **c,
        "imagePullPolicy": "IfNotPresent",
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "resources": {},
    }


def deployment(*containers: dict, labels: dict | None = None, replicas: int | None = None, **spec) -> dict:
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": labels or {"app": "web"}},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": list(containers)},
            },
            **spec,
        },
    }
    if replicas is not None:
        dep["spec"]["replicas"] = replicas
    return dep


def live(manifest: dict, **spec_extra) -> dict:
    """The manifest as stored: defaults filled in, status written, uid and resourceVersion set."""
    obj = copy.deepcopy(manifest)
    obj["metadata"].update(uid="1d5c", resourceVersion="42", generation=1)
    spec = obj["spec"]
    spec.setdefault("replicas", 1)
    spec.setdefault("strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    spec.setdefault("progressDeadlineSeconds", 600)
    spec.update(spec_extra)
    pod_spec = spec["template"]["spec"]
    pod_spec["containers"] = [defaulted(c) for c in pod_spec["containers"]]
    pod_spec.setdefault("restartPolicy", "Always")
    obj["status"] = {"replicas": spec["replicas"], "readyReplicas": spec["replicas"], "observedGeneration": 1}
    return obj


def containers_of(obj: dict) -> list[dict]:
    return obj["spec"]["template"]["spec"]["containers"]


def names(items: list[dict]) -> list[str]:
    return [i["name"] for i in items]


# --- kubectl apply ----------------------------------------------------------------------------


def test_removing_a_label_from_the_file_removes_it_but_keeps_labels_others_added():
    applied = deployment(container("app", "nginx:1.25"), labels={"app": "web", "tier": "front"})
    current = live(applied)
    current["metadata"]["labels"]["team"] = "payments"  # kubectl label deploy web team=payments
    edited = deployment(container("app", "nginx:1.25"), labels={"app": "web"})

    result = apply_three_way(applied, edited, current, "Deployment")

    assert result["metadata"]["labels"] == {"app": "web", "team": "payments"}


def test_removing_a_container_from_the_file_removes_only_that_container():
    applied = deployment(container("app", "nginx:1.25"), container("sidecar", "busybox"))
    current = live(applied)
    edited = deployment(container("app", "nginx:1.25"))

    patch = three_way_merge_patch(applied, edited, current, "Deployment")
    result = strategic_merge_patch(current, patch, "Deployment")

    pod_spec = patch["spec"]["template"]["spec"]
    assert {"name": "sidecar", "$patch": "delete"} in pod_spec["containers"]
    assert pod_spec["$setElementOrder/containers"] == [{"name": "app"}]
    # the remaining container keeps the fields the server defaulted
    assert containers_of(result) == [defaulted(container("app", "nginx:1.25"))]


def test_changing_one_image_leaves_the_other_containers_alone():
    applied = deployment(container("app", "nginx:1.25"), container("sidecar", "busybox", args=["sleep", "3600"]))
    current = live(applied)
    edited = deployment(container("app", "nginx:1.27"), container("sidecar", "busybox", args=["sleep", "3600"]))

    patch = three_way_merge_patch(applied, edited, current, "Deployment")
    result = strategic_merge_patch(current, patch, "Deployment")

    assert patch["spec"]["template"]["spec"]["containers"] == [{"name": "app", "image": "nginx:1.27"}]
    assert containers_of(result) == [
        defaulted(container("app", "nginx:1.27")),
        defaulted(container("sidecar", "busybox", args=["sleep", "3600"])),
    ]


def test_an_env_var_removed_from_the_file_disappears():
    env = [{"name": "MODE", "value": "prod"}, {"name": "DEBUG", "value": "1"}, {"name": "PORT", "value": "80"}]
    applied = deployment(container("app", "nginx", env=env))
    current = live(applied)
    edited = deployment(container("app", "nginx", env=[env[0], env[2]]))

    result = apply_three_way(applied, edited, current, "Deployment")

    assert containers_of(result)[0]["env"] == [{"name": "MODE", "value": "prod"}, {"name": "PORT", "value": "80"}]


def test_status_and_fields_set_by_others_stay():
    applied = deployment(container("app", "nginx:1.25"))
    current = live(applied, revisionHistoryLimit=10, paused=True)
    current["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "3"}
    edited = deployment(container("app", "nginx:1.27"))

    result = apply_three_way(applied, edited, current, "Deployment")

    assert result["status"] == current["status"]
    assert result["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "3"}
    assert result["metadata"]["uid"] == "1d5c"
    assert result["spec"]["paused"] is True
    assert result["spec"]["revisionHistoryLimit"] == 10
    assert result["spec"]["progressDeadlineSeconds"] == 600
    assert containers_of(result)[0]["image"] == "nginx:1.27"


def test_switching_strategy_to_recreate_drops_rolling_update():
    applied = deployment(container("app", "nginx"), strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}})
    current = live(applied)
    current["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] = "25%"  # defaulted by the server
    edited = deployment(container("app", "nginx"), strategy={"type": "Recreate"})

    patch = three_way_merge_patch(applied, edited, current, "Deployment")
    result = strategic_merge_patch(current, patch, "Deployment")

    assert patch["spec"]["strategy"]["$retainKeys"] == ["type"]
    assert result["spec"]["strategy"] == {"type": "Recreate"}


def test_recreate_drops_a_rolling_update_that_only_the_server_defaulted():
    applied = deployment(container("app", "nginx"))
    current = live(applied)  # strategy RollingUpdate with rollingUpdate, neither from the file
    edited = deployment(container("app", "nginx"), strategy={"type": "Recreate"})

    result = apply_three_way(applied, edited, current, "Deployment")

    assert result["spec"]["strategy"] == {"type": "Recreate"}


def test_replicas_set_by_kubectl_scale_stay_when_the_file_has_none():
    applied = deployment(container("app", "nginx"))
    current = live(applied, replicas=5)  # kubectl scale --replicas=5
    edited = deployment(container("app", "nginx:1.27"))

    result = apply_three_way(applied, edited, current, "Deployment")

    assert result["spec"]["replicas"] == 5


def test_replicas_removed_from_the_file_are_removed_from_the_live_object():
    applied = deployment(container("app", "nginx"), replicas=3)
    current = live(applied)
    edited = deployment(container("app", "nginx"))

    patch = three_way_merge_patch(applied, edited, current, "Deployment")
    result = strategic_merge_patch(current, patch, "Deployment")

    assert patch["spec"]["replicas"] is None
    assert "replicas" not in result["spec"]  # the server then defaults it to 1


def test_applying_the_same_file_twice_sends_an_empty_patch():
    applied = deployment(container("app", "nginx"), container("sidecar", "busybox"), replicas=2)
    current = live(applied)

    assert three_way_merge_patch(applied, applied, current, "Deployment") == {}


def test_first_apply_over_an_existing_object_sets_fields_and_deletes_nothing():
    current = live(deployment(container("app", "nginx"), labels={"app": "web", "team": "a"}))
    edited = deployment(container("app", "nginx:1.27"), labels={"app": "web", "tier": "front"})

    result = apply_three_way(None, edited, current, "Deployment")

    assert result["metadata"]["labels"] == {"app": "web", "team": "a", "tier": "front"}
    assert containers_of(result)[0]["image"] == "nginx:1.27"


def test_container_order_follows_the_file():
    applied = deployment(container("a", "x"), container("b", "y"), container("c", "z"))
    current = live(applied)
    edited = deployment(container("c", "z"), container("a", "x"), container("b", "y"))

    patch = three_way_merge_patch(applied, edited, current, "Deployment")
    result = strategic_merge_patch(current, patch, "Deployment")

    assert patch["spec"]["template"]["spec"]["$setElementOrder/containers"] == [{"name": "c"}, {"name": "a"}, {"name": "b"}]
    assert names(containers_of(result)) == ["c", "a", "b"]


def test_a_container_added_by_someone_else_stays_beside_those_of_the_file():
    applied = deployment(container("app", "nginx"))
    current = live(applied)
    containers_of(current).append(defaulted(container("injected-proxy", "envoy")))
    edited = deployment(container("app", "nginx:1.27"), container("metrics", "prom"))

    result = apply_three_way(applied, edited, current, "Deployment")

    # the file's containers in the file's order; the injected one keeps its place after "app"
    assert names(containers_of(result)) == ["app", "metrics", "injected-proxy"]
    assert containers_of(result)[2] == defaulted(container("injected-proxy", "envoy"))


def test_replacing_a_sidecar_keeps_an_injected_container_where_kubernetes_puts_it():
    applied = deployment(container("app", "nginx"), container("old-sidecar", "busybox"))
    current = live(applied)
    containers_of(current).append(defaulted(container("injected-proxy", "envoy")))
    edited = deployment(container("app", "nginx"), container("new-sidecar", "busybox"))

    result = apply_three_way(applied, edited, current, "Deployment")

    # apimachinery's "add map and delete map from merging list": the new item lands last
    assert names(containers_of(result)) == ["app", "injected-proxy", "new-sidecar"]


def test_a_finalizer_removed_from_the_file_is_deleted_and_others_stay():
    applied = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a/one", "a/two"]}}
    current = copy.deepcopy(applied)
    current["metadata"]["finalizers"].append("b/controller")
    edited = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["a/one"]}}

    patch = three_way_merge_patch(applied, edited, current, "ConfigMap")
    result = strategic_merge_patch(current, patch, "ConfigMap")

    assert patch["metadata"]["$deleteFromPrimitiveList/finalizers"] == ["a/two"]
    assert result["metadata"]["finalizers"] == ["a/one", "b/controller"]


def test_switching_a_volume_from_config_map_to_secret_drops_the_config_map():
    applied = deployment(container("app", "nginx"))
    applied["spec"]["template"]["spec"]["volumes"] = [{"name": "conf", "configMap": {"name": "app-conf"}}]
    current = live(applied)
    current["spec"]["template"]["spec"]["volumes"][0]["configMap"]["defaultMode"] = 420
    edited = deployment(container("app", "nginx"))
    edited["spec"]["template"]["spec"]["volumes"] = [{"name": "conf", "secret": {"secretName": "app-secret"}}]

    result = apply_three_way(applied, edited, current, "Deployment")

    assert result["spec"]["template"]["spec"]["volumes"] == [{"name": "conf", "secret": {"secretName": "app-secret"}}]


# --- kubectl patch (strategic merge) ----------------------------------------------------------


def test_a_patched_container_merges_by_name():
    current = live(deployment(container("app", "nginx"), container("sidecar", "busybox")))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox:1.36"}]}}}}

    result = strategic_merge_patch(current, patch, "Deployment")

    assert containers_of(result) == [
        defaulted(container("app", "nginx")),
        defaulted(container("sidecar", "busybox:1.36")),
    ]


def test_patch_delete_removes_a_container():
    current = live(deployment(container("app", "nginx"), container("sidecar", "busybox")))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}}}

    result = strategic_merge_patch(current, patch, "Deployment")

    assert names(containers_of(result)) == ["app"]


def test_ports_merge_by_container_port_and_mounts_by_mount_path():
    pod = {
        "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [container(
            "app", "nginx",
            ports=[{"containerPort": 80, "name": "http"}],
            volumeMounts=[{"name": "data", "mountPath": "/data"}],
        )]},
    }
    patch = {"spec": {"containers": [{
        "name": "app",
        "ports": [{"containerPort": 443, "name": "https"}],
        "volumeMounts": [{"name": "cache", "mountPath": "/data", "readOnly": True}],
    }]}}

    result = strategic_merge_patch(pod, patch, "Pod")

    app = result["spec"]["containers"][0]
    # a patch item the object lacks goes before the object's own items, as on a real API server
    assert app["ports"] == [{"containerPort": 443, "name": "https"}, {"containerPort": 80, "name": "http"}]
    assert app["volumeMounts"] == [{"name": "cache", "mountPath": "/data", "readOnly": True}]


def test_merge_keys_come_from_the_schemas():
    # Service ports merge by port, host aliases by ip: nothing hand-listed knows these
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [container("app", "nginx")], "hostAliases": [{"ip": "10.0.0.1", "hostnames": ["a"]}]}}

    svc = strategic_merge_patch(service, {"spec": {"ports": [{"port": 80, "name": "http"}]}}, "Service")
    patched_pod = strategic_merge_patch(pod, {"spec": {"hostAliases": [{"ip": "10.0.0.2", "hostnames": ["b"]}]}}, "Pod")

    assert svc["spec"]["ports"] == [{"port": 80, "targetPort": 8080, "name": "http"}]
    assert sorted(a["ip"] for a in patched_pod["spec"]["hostAliases"]) == ["10.0.0.1", "10.0.0.2"]


def test_lists_without_a_merge_strategy_are_replaced():
    current = live(deployment(container("app", "busybox", args=["sleep", "10"])))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "args": ["sleep", "99"]}]}}}}

    result = strategic_merge_patch(current, patch, "Deployment")

    assert containers_of(result)[0]["args"] == ["sleep", "99"]


def test_finalizers_merge_as_a_set():
    obj = {"metadata": {"name": "c", "finalizers": ["a", "b"]}}

    added = strategic_merge_patch(obj, {"metadata": {"finalizers": ["b", "c"]}}, "ConfigMap")
    removed = strategic_merge_patch(obj, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}, "ConfigMap")

    assert added["metadata"]["finalizers"] == ["a", "b", "c"]
    assert removed["metadata"]["finalizers"] == ["b"]


def test_patch_replace_replaces_a_merged_list_whole():
    current = live(deployment(container("app", "nginx"), container("sidecar", "busybox")))
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "new", "image": "x"}, {"$patch": "replace"}]}}}}

    result = strategic_merge_patch(current, patch, "Deployment")

    assert containers_of(result) == [{"name": "new", "image": "x"}]


def test_patch_replace_replaces_a_map_whole():
    obj = {"metadata": {"name": "c", "labels": {"a": "1", "b": "2"}}}

    result = strategic_merge_patch(obj, {"metadata": {"labels": {"c": "3", "$patch": "replace"}}}, "ConfigMap")

    assert result["metadata"]["labels"] == {"c": "3"}


def test_set_element_order_reorders_a_list():
    current = live(deployment(container("a", "x"), container("b", "y")))
    patch = {"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}}}

    result = strategic_merge_patch(current, patch, "Deployment")

    assert names(containers_of(result)) == ["b", "a"]


def test_a_null_deletes_a_field():
    obj = {"metadata": {"name": "c", "labels": {"a": "1", "b": "2"}}, "data": {"k": "v"}}

    result = strategic_merge_patch(obj, {"metadata": {"labels": {"a": None}}, "data": None}, "ConfigMap")

    assert result == {"metadata": {"name": "c", "labels": {"b": "2"}}}


def test_patching_never_changes_its_inputs():
    current = live(deployment(container("app", "nginx"), container("sidecar", "busybox")))
    patch = {"spec": {"template": {"spec": {
        "containers": [{"name": "sidecar", "$patch": "delete"}],
        "$setElementOrder/containers": [{"name": "app"}],
    }}}}
    before_current, before_patch = copy.deepcopy(current), copy.deepcopy(patch)

    strategic_merge_patch(current, patch, "Deployment")

    assert current == before_current
    assert patch == before_patch


@pytest.mark.parametrize(
    "patch",
    [
        {"spec": {"template": {"spec": {"containers": [{"image": "no-name"}]}}}},
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "$patch": "explode"}]}}}},
        {"spec": {"template": {"spec": {"containers": [{"name": "app"}, "nginx"]}}}},
        {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {"maxSurge": 1}}}},
        {"spec": {"template": {"spec": {"$setElementOrder/containers": "app"}}}},
        {"metadata": {"$deleteFromPrimitiveList/finalizers": "a"}},
        {"metadata": {"$deleteFromPrimitiveList": ["a"]}},
        {"spec": {"$patch": "merge"}},
    ],
    ids=["no-merge-key", "unknown-directive", "mixed-list", "retain-keys-conflict",
         "order-not-a-list", "delete-list-not-a-list", "prefix-without-field", "merge-directive"],
)
def test_a_malformed_patch_is_rejected(patch):
    current = live(deployment(container("app", "nginx")))
    current["metadata"]["finalizers"] = ["a"]

    with pytest.raises(ValueError):
        strategic_merge_patch(current, patch, "Deployment")


def test_a_patch_that_is_not_an_object_is_rejected():
    with pytest.raises(ValueError, match="JSON object"):
        strategic_merge_patch({"metadata": {}}, ["not", "a", "patch"], "ConfigMap")  # type: ignore[arg-type]


# --- kubectl patch --type merge ---------------------------------------------------------------


def test_json_merge_patch_null_deletes_and_lists_are_replaced():
    target = {"metadata": {"labels": {"a": "1", "b": "2"}}, "spec": {"ports": [{"port": 80}, {"port": 443}]}}
    before = copy.deepcopy(target)

    result = json_merge_patch(target, {"metadata": {"labels": {"a": None, "c": "3"}}, "spec": {"ports": [{"port": 8080}]}})

    assert result == {"metadata": {"labels": {"b": "2", "c": "3"}}, "spec": {"ports": [{"port": 8080}]}}
    assert target == before


@pytest.mark.parametrize(
    ("target", "patch", "expected"),
    [  # from RFC 7386, appendix A
        ({"a": "b"}, {"a": "c"}, {"a": "c"}),
        ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
        ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
        ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
        ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
        (["a", "b"], ["c", "d"], ["c", "d"]),
        ({"a": "b"}, ["c"], ["c"]),
        ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
        ("string", {"a": "b"}, {"a": "b"}),
        ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
    ],
)
def test_json_merge_patch_follows_rfc_7386(target, patch, expected):
    assert json_merge_patch(target, patch) == expected
