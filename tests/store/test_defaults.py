"""Defaulting fills in what the API server fills in, and nothing else."""
from __future__ import annotations

import base64
import copy

from playground.store.defaults import apply_defaults, image_tag


def pod(**spec):
    spec.setdefault("containers", [{"name": "web", "image": "nginx:1.25"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


def template(**spec):
    spec.setdefault("containers", [{"name": "web", "image": "nginx:1.25"}])
    return {"metadata": {"labels": {"app": "web"}}, "spec": spec}


def workload(kind, api_version="apps/v1", **spec):
    spec.setdefault("selector", {"matchLabels": {"app": "web"}})
    spec.setdefault("template", template())
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


def defaulted(obj):
    apply_defaults(obj)
    return obj


def test_a_pod_gets_the_pod_spec_defaults():
    spec = defaulted(pod())["spec"]

    assert spec["restartPolicy"] == "Always"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True


def test_a_pod_keeps_the_values_it_was_given():
    spec = defaulted(pod(restartPolicy="Never", terminationGracePeriodSeconds=0, enableServiceLinks=False))["spec"]

    assert spec["restartPolicy"] == "Never"
    assert spec["terminationGracePeriodSeconds"] == 0
    assert spec["enableServiceLinks"] is False


def test_a_pod_template_does_not_get_enable_service_links():
    deployment = defaulted(workload("Deployment"))

    assert "enableServiceLinks" not in deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["template"]["spec"]["restartPolicy"] == "Always"


def test_a_container_gets_its_termination_message_defaults():
    container = defaulted(pod())["spec"]["containers"][0]

    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "File"


def test_the_pull_policy_is_always_for_latest_or_no_tag_and_if_not_present_otherwise():
    images = ["nginx", "nginx:latest", "nginx:1.25", "registry.local:5000/team/app", "nginx@sha256:" + "a" * 64]
    obj = defaulted(pod(containers=[{"name": f"c{i}", "image": image} for i, image in enumerate(images)]))

    policies = [c["imagePullPolicy"] for c in obj["spec"]["containers"]]
    assert policies == ["Always", "Always", "IfNotPresent", "Always", "IfNotPresent"]


def test_an_unparsable_image_has_no_tag():
    assert image_tag("Nginx:1") == ""
    assert image_tag("") == ""
    assert image_tag("localhost:5000/app:v2") == "v2"


def test_init_containers_get_container_defaults_too():
    obj = defaulted(pod(initContainers=[{"name": "init", "image": "busybox"}]))

    assert obj["spec"]["initContainers"][0]["imagePullPolicy"] == "Always"
    assert obj["spec"]["initContainers"][0]["terminationMessagePolicy"] == "File"


def test_container_ports_default_to_tcp():
    obj = defaulted(pod(containers=[{"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}]))

    assert obj["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_probes_get_their_timing_defaults_and_http_get_its_path_and_scheme():
    probe = {"httpGet": {"port": 80}}
    obj = defaulted(pod(containers=[{"name": "web", "image": "nginx", "livenessProbe": probe}]))

    assert obj["spec"]["containers"][0]["livenessProbe"] == {
        "httpGet": {"port": 80, "path": "/", "scheme": "HTTP"},
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }


def test_requests_are_copied_from_limits_on_a_pod():
    resources = {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "250m"}}
    obj = defaulted(pod(containers=[{"name": "web", "image": "nginx", "resources": resources}]))

    assert obj["spec"]["containers"][0]["resources"]["requests"] == {"cpu": "250m", "memory": "128Mi"}


def test_requests_are_not_copied_from_limits_in_a_template():
    resources = {"limits": {"cpu": "500m"}}
    deployment = defaulted(workload("Deployment", template=template(containers=[{"name": "w", "image": "x", "resources": resources}])))

    assert "requests" not in deployment["spec"]["template"]["spec"]["containers"][0]["resources"]


def test_resource_quantities_are_stored_in_canonical_form():
    resources = {"limits": {"cpu": "0.5", "memory": "1024Mi"}}
    obj = defaulted(pod(containers=[{"name": "web", "image": "nginx", "resources": resources}]))

    assert obj["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "500m", "memory": "1Gi"}


def test_host_network_pods_publish_their_container_ports_on_the_host():
    obj = defaulted(pod(hostNetwork=True, containers=[{"name": "w", "image": "x", "ports": [{"containerPort": 8080}]}]))

    assert obj["spec"]["containers"][0]["ports"][0]["hostPort"] == 8080


def test_volumes_get_their_default_modes_and_a_bare_volume_is_an_empty_dir():
    volumes = [
        {"name": "config", "configMap": {"name": "app"}},
        {"name": "secret", "secret": {"secretName": "app"}},
        {"name": "scratch"},
        {"name": "host", "hostPath": {"path": "/var/log"}},
    ]
    spec = defaulted(pod(volumes=volumes))["spec"]

    assert spec["volumes"][0]["configMap"]["defaultMode"] == 420
    assert spec["volumes"][1]["secret"]["defaultMode"] == 420
    assert spec["volumes"][2]["emptyDir"] == {}
    assert spec["volumes"][3]["hostPath"]["type"] == ""


def test_env_field_refs_get_api_version_v1():
    env = [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}]
    obj = defaulted(pod(containers=[{"name": "w", "image": "x", "env": env}]))

    assert obj["spec"]["containers"][0]["env"][0]["valueFrom"]["fieldRef"]["apiVersion"] == "v1"


def test_pod_status_is_not_defaulted():
    assert "status" not in defaulted(pod())


def test_a_deployment_gets_replicas_strategy_and_history_defaults():
    spec = defaulted(workload("Deployment"))["spec"]

    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600


def test_a_recreate_deployment_gets_no_rolling_update():
    spec = defaulted(workload("Deployment", strategy={"type": "Recreate"}))["spec"]

    assert spec["strategy"] == {"type": "Recreate"}


def test_a_replica_set_gets_one_replica():
    assert defaulted(workload("ReplicaSet"))["spec"]["replicas"] == 1


def test_a_stateful_set_gets_its_defaults():
    claim = {"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    spec = defaulted(workload("StatefulSet", volumeClaimTemplates=[claim]))["spec"]

    assert spec["replicas"] == 1
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert spec["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"
    assert spec["volumeClaimTemplates"][0]["status"] == {"phase": "Pending"}


def test_an_on_delete_stateful_set_gets_no_partition():
    spec = defaulted(workload("StatefulSet", updateStrategy={"type": "OnDelete"}))["spec"]

    assert spec["updateStrategy"] == {"type": "OnDelete"}


def test_a_daemon_set_rolls_one_pod_at_a_time_without_surge():
    spec = defaulted(workload("DaemonSet"))["spec"]

    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert spec["revisionHistoryLimit"] == 10


def test_a_job_gets_the_batch_v1_defaults():
    job = defaulted(workload("Job", "batch/v1", template=template(restartPolicy="Never")))

    spec = job["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert job["metadata"]["labels"] == {"app": "web"}


def test_a_parallel_job_keeps_its_completions_unset():
    spec = defaulted(workload("Job", "batch/v1", parallelism=3))["spec"]

    assert "completions" not in spec
    assert spec["parallelism"] == 3


def test_a_job_with_backoff_limit_per_index_has_an_unlimited_global_backoff():
    spec = defaulted(workload("Job", "batch/v1", backoffLimitPerIndex=1, completionMode="Indexed", completions=3))["spec"]

    assert spec["backoffLimit"] == 2**31 - 1


def test_a_job_with_a_uid_gets_its_generated_selector():
    job = workload("Job", "batch/v1")
    del job["spec"]["selector"]
    job["metadata"]["uid"] = "1234"

    spec = defaulted(job)["spec"]

    assert spec["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": "1234"}}
    assert spec["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "web"
    assert spec["template"]["metadata"]["labels"]["controller-uid"] == "1234"


def service(**spec):
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


def test_a_service_is_a_cluster_ip_without_affinity_and_targets_its_own_port():
    spec = defaulted(service())["spec"]

    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec


def test_a_node_port_service_gets_an_external_traffic_policy():
    spec = defaulted(service(type="NodePort"))["spec"]

    assert spec["externalTrafficPolicy"] == "Cluster"


def test_a_load_balancer_allocates_node_ports_by_default():
    spec = defaulted(service(type="LoadBalancer"))["spec"]

    assert spec["allocateLoadBalancerNodePorts"] is True
    assert spec["externalTrafficPolicy"] == "Cluster"


def test_client_ip_affinity_gets_a_three_hour_timeout():
    spec = defaulted(service(sessionAffinity="ClientIP"))["spec"]

    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}


def test_a_named_target_port_is_kept():
    spec = defaulted(service(ports=[{"port": 80, "targetPort": "http"}]))["spec"]

    assert spec["ports"][0]["targetPort"] == "http"


def test_a_secret_is_opaque_and_its_string_data_is_merged_into_data():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "eA=="}, "stringData": {"b": "hello"}}

    defaulted(secret)

    assert secret["type"] == "Opaque"
    assert secret["data"] == {"a": "eA==", "b": base64.b64encode(b"hello").decode()}
    assert "stringData" not in secret


def test_a_claim_is_a_pending_filesystem_claim():
    claim = defaulted({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "spec": {}})

    assert claim["spec"]["volumeMode"] == "Filesystem"
    assert claim["status"] == {"phase": "Pending"}


def test_a_persistent_volume_is_retained_by_default():
    volume = defaulted({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "v"}, "spec": {"capacity": {"storage": "1024Mi"}}})

    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert volume["spec"]["volumeMode"] == "Filesystem"
    assert volume["spec"]["capacity"] == {"storage": "1Gi"}


def test_a_namespace_gets_its_name_label_finalizer_and_active_phase():
    namespace = defaulted({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})

    assert namespace["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    assert namespace["spec"] == {"finalizers": ["kubernetes"]}
    assert namespace["status"] == {"phase": "Active"}


def test_a_terminating_namespace_does_not_get_its_finalizer_back():
    namespace = {
        "apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "team-a", "deletionTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"finalizers": []}, "status": {"phase": "Terminating"},
    }

    defaulted(namespace)

    assert namespace["spec"]["finalizers"] == []
    assert namespace["status"]["phase"] == "Terminating"


def test_a_storage_class_deletes_and_binds_immediately_by_default():
    storage_class = defaulted({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"}, "provisioner": "x"})

    assert storage_class["reclaimPolicy"] == "Delete"
    assert storage_class["volumeBindingMode"] == "Immediate"


def test_a_node_without_allocatable_can_allocate_its_capacity():
    node = defaulted({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}, "status": {"capacity": {"cpu": "2", "memory": "4Gi"}}})

    assert node["status"]["allocatable"] == {"cpu": "2", "memory": "4Gi"}


def test_defaulting_twice_changes_nothing_more():
    once = defaulted(workload("Deployment"))
    twice = defaulted(copy.deepcopy(once))

    assert twice == once


def test_kinds_without_defaults_and_odd_input_are_left_alone():
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}
    odd = {"kind": "Pod", "spec": {"containers": "not a list", "volumes": 3}}

    defaulted(config_map)
    defaulted(odd)
    apply_defaults("not an object")  # type: ignore[arg-type]

    assert config_map == {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "b"}}
    assert odd["spec"]["containers"] == "not a list"
