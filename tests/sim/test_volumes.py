"""Configuration and data reaching a container, on the demo cluster with its clock stepped:
environment variables fixed when the container starts, ConfigMap and Secret files refreshed on
the kubelet's periodic sync, subPath mounts that never change, FailedMount, projected volumes,
and files that last as long as their layer or volume does."""
from __future__ import annotations

import base64
from typing import Any

from playground.sim import containerfs, logs
from playground.sim.containerfs import read_text
from playground.sim.faults import crash_container
from playground.sim.models import ContainerFile, KubeletPodState, VolumeFile
from playground.sim.volumes import SYNC_FREQUENCY, FileSource, file_sources
from tests.factories import config_map

Obj = dict[str, Any]
WORKER, WORKER2 = "playground-worker", "playground-worker2"


def busybox_pod(name: str = "app", *, script: str = "sleep 3600", env: list[Obj] | None = None,
                volumes: list[Obj] | None = None, mounts: list[Obj] | None = None, node: str | None = None) -> Obj:
    container: Obj = {"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script]}
    if env:
        container["env"] = env
    if mounts:
        container["volumeMounts"] = mounts
    obj: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
                "spec": {"containers": [container], "volumes": volumes or []}}
    if node:
        obj["spec"]["nodeName"] = node
    return obj


def config_volume(name: str = "config", config: str = "settings", **source: Any) -> Obj:
    return {"name": name, "configMap": {"name": config, **source}}


def secret(name: str, data: dict[str, str]) -> Obj:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def files(cluster, pod: str = "app", container: str = "app") -> containerfs.ContainerFilesystem:
    return containerfs.container_filesystem(cluster.name, "default", pod, container)


def log_lines(cluster, pod: str = "app", **options: Any) -> list[str]:
    return logs.read(cluster.name, cluster.get("Pod", pod, "default"), **options)


def container_status(cluster, pod: str = "app") -> Obj:
    return cluster.get("Pod", pod, "default")["status"]["containerStatuses"][0]


def event_messages(cluster, name: str, reason: str) -> list[str]:
    return [e["message"] for e in cluster.list("Event", namespace=None)
            if e["involvedObject"]["name"] == name and e["reason"] == reason]


# --- environment ----------------------------------------------------------------------------------


def test_the_program_sees_its_environment_from_config_maps_secrets_and_the_downward_api(cluster):
    cluster.apply(config_map("settings", {"mode": "demo"}))
    cluster.apply(secret("db", {"password": "s3cret"}))
    env = [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
        {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}},
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "MEMORY_MI", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
        {"name": "GREETING", "value": "$(POD_NAME) runs in $(MODE) mode"},
    ]
    pod = busybox_pod(script="echo $GREETING; printenv PASSWORD; echo $POD_IP on $NODE; echo $MEMORY_MI; sleep 3600",
                      env=env)
    pod["spec"]["containers"][0]["resources"] = {"limits": {"memory": "64Mi", "cpu": "250m"}}
    cluster.apply(pod)

    cluster.advance(30)

    status = cluster.get("Pod", "app", "default")
    assert log_lines(cluster) == ["app runs in demo mode", "s3cret",
                                  f"{status['status']['podIP']} on {status['spec']['nodeName']}", "64"]


def test_services_in_the_namespace_become_environment_variables(cluster):
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "redis-primary"},
                   "spec": {"selector": {"app": "redis"}, "ports": [{"port": 6379}]}})
    cluster.advance(1)
    cluster.apply(busybox_pod(script="echo $REDIS_PRIMARY_SERVICE_HOST:$REDIS_PRIMARY_SERVICE_PORT; "
                                     "echo $KUBERNETES_SERVICE_HOST; sleep 3600"))

    cluster.advance(30)

    service_ip = cluster.get("Service", "redis-primary", "default")["spec"]["clusterIP"]
    kubernetes_ip = cluster.get("Service", "kubernetes", "default")["spec"]["clusterIP"]
    assert log_lines(cluster) == [f"{service_ip}:6379", kubernetes_ip]


def test_a_missing_config_map_in_env_waits_in_create_container_config_error_until_it_exists(cluster):
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}]
    cluster.apply(busybox_pod(script="echo $MODE; sleep 3600", env=env))
    cluster.advance(30)

    waiting = container_status(cluster)["state"]["waiting"]
    assert waiting == {"reason": "CreateContainerConfigError", "message": 'configmap "settings" not found'}

    cluster.apply(config_map("settings", {"mode": "late"}))
    cluster.advance(30)

    assert "running" in container_status(cluster)["state"]
    assert log_lines(cluster) == ["late"]


def test_optional_references_to_missing_objects_are_left_out(cluster):
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "mode", "optional": True}}}]
    volumes = [config_volume(config="nope", optional=True)]
    cluster.apply(busybox_pod(script="printenv MODE || echo unset; sleep 3600", env=env, volumes=volumes,
                              mounts=[{"name": "config", "mountPath": "/etc/config"}]))

    cluster.advance(30)

    assert "running" in container_status(cluster)["state"]
    assert log_lines(cluster) == ["unset"]
    assert [e.path for e in files(cluster).mounts[0].entries if e.type == "file"] == []


# --- ConfigMap and Secret files, refreshed on the periodic sync -------------------------------------


def test_a_config_map_change_reaches_the_files_after_the_sync_delay_but_env_only_after_a_restart(cluster):
    cluster.apply(config_map("settings", {"mode": "blue"}))
    env = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}]
    cluster.apply(busybox_pod(script="echo mode is $MODE; sleep 3600", env=env, volumes=[config_volume()],
                              mounts=[{"name": "config", "mountPath": "/etc/config"}]))
    cluster.advance(5)
    assert read_text(files(cluster), "/etc/config/mode") == "blue"

    cluster.apply(config_map("settings", {"mode": "green"}))
    cluster.advance(30)
    assert read_text(files(cluster), "/etc/config/mode") == "blue"  # the kubelet has not synced the pod yet

    cluster.advance(SYNC_FREQUENCY)
    assert read_text(files(cluster), "/etc/config/mode") == "green"
    assert log_lines(cluster) == ["mode is blue"]  # the environment was fixed when the container started

    crash_container(cluster.name, "default", "app", "app")
    cluster.advance(5)
    assert container_status(cluster)["restartCount"] == 1
    assert log_lines(cluster) == ["mode is green"]
    assert log_lines(cluster, previous=True) == ["mode is blue"]


def test_the_volume_has_the_atomic_writer_layout(cluster):
    cluster.apply(config_map("settings", {"mode": "demo", "level": "3"}))
    cluster.apply(busybox_pod(volumes=[config_volume()], mounts=[{"name": "config", "mountPath": "/etc/config"}]))
    cluster.advance(5)

    tree = files(cluster).tree

    data_link = tree["/etc/config/..data"][0]
    assert data_link.type == "symlink" and data_link.target.startswith("..20")
    assert tree["/etc/config/mode"][0].target == "..data/mode"
    assert tree[f"/etc/config/{data_link.target}/level"][0].content == "3"
    assert tree["/etc/config/mode"][1] == "config"  # the path comes from the volume, not a layer


def test_items_choose_keys_paths_and_modes_and_secrets_are_decoded(cluster):
    cluster.apply(config_map("settings", {"mode": "demo", "level": "3"}))
    cluster.apply(secret("db", {"password": "s3cret"}))
    volumes = [config_volume(items=[{"key": "level", "path": "app/level.conf", "mode": 0o400}]),
               {"name": "creds", "secret": {"secretName": "db", "defaultMode": 0o440}}]
    cluster.apply(busybox_pod(volumes=volumes, mounts=[{"name": "config", "mountPath": "/etc/config"},
                                                       {"name": "creds", "mountPath": "/etc/creds"}]))
    cluster.advance(5)

    filesystem = files(cluster)

    assert read_text(filesystem, "/etc/config/app/level.conf") == "3"
    assert read_text(filesystem, "/etc/config/mode") is None
    assert read_text(filesystem, "/etc/creds/password") == "s3cret"
    version = filesystem.tree["/etc/creds/..data"][0].target
    assert filesystem.tree[f"/etc/creds/{version}/password"][0].mode == 0o440
    version = filesystem.tree["/etc/config/..data"][0].target
    assert filesystem.tree[f"/etc/config/{version}/app/level.conf"][0].mode == 0o400


def test_a_sub_path_mount_keeps_the_file_it_started_with(cluster):
    cluster.apply(config_map("settings", {"mode": "blue"}))
    mounts = [{"name": "config", "mountPath": "/etc/config"},
              {"name": "config", "mountPath": "/etc/mode.conf", "subPath": "mode"}]
    cluster.apply(busybox_pod(volumes=[config_volume()], mounts=mounts))
    cluster.advance(5)

    cluster.apply(config_map("settings", {"mode": "green"}))
    cluster.advance(SYNC_FREQUENCY + 5)

    filesystem = files(cluster)
    assert read_text(filesystem, "/etc/config/mode") == "green"
    assert read_text(filesystem, "/etc/mode.conf") == "blue"


def test_a_missing_config_map_keeps_the_pod_container_creating_with_failed_mount(cluster):
    cluster.apply(busybox_pod(volumes=[config_volume(config="web-config")],
                              mounts=[{"name": "config", "mountPath": "/etc/config"}]))
    cluster.advance(30)

    pod = cluster.get("Pod", "app", "default")
    assert pod["status"]["phase"] == "Pending"
    assert container_status(cluster)["state"]["waiting"]["reason"] == "ContainerCreating"
    assert set(event_messages(cluster, "app", "FailedMount")) == {
        'MountVolume.SetUp failed for volume "config" : configmap "web-config" not found'}

    cluster.apply(config_map("web-config", {"index.html": "hello"}))
    cluster.advance(130)  # the volume manager's next retry, at most 2m2s later

    assert cluster.get("Pod", "app", "default")["status"]["phase"] == "Running"
    assert read_text(files(cluster), "/etc/config/index.html") == "hello"


def test_a_missing_key_in_items_fails_the_mount(cluster):
    cluster.apply(config_map("settings", {"mode": "demo"}))
    cluster.apply(busybox_pod(volumes=[config_volume(items=[{"key": "level", "path": "level"}])],
                              mounts=[{"name": "config", "mountPath": "/etc/config"}]))
    cluster.advance(10)

    assert event_messages(cluster, "app", "FailedMount")[0] == (
        'MountVolume.SetUp failed for volume "config" : configmap references non-existent config key: level')


def test_a_projected_volume_combines_its_sources(cluster):
    cluster.apply(config_map("settings", {"mode": "demo"}))
    cluster.apply(secret("db", {"password": "s3cret"}))
    projected = {"name": "all-in-one", "projected": {"sources": [
        {"configMap": {"name": "settings", "items": [{"key": "mode", "path": "config/mode"}]}},
        {"secret": {"name": "db"}},
        {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                                   {"path": "cpu_limit", "resourceFieldRef": {"containerName": "app",
                                                                              "resource": "limits.cpu", "divisor": "1m"}}]}},
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
    ]}}
    pod = busybox_pod(volumes=[projected], mounts=[{"name": "all-in-one", "mountPath": "/projected-volume"}])
    pod["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "500m"}}
    cluster.apply(pod)
    cluster.advance(5)

    filesystem = files(cluster)

    assert read_text(filesystem, "/projected-volume/config/mode") == "demo"
    assert read_text(filesystem, "/projected-volume/password") == "s3cret"
    assert read_text(filesystem, "/projected-volume/labels") == 'app="app"'
    assert read_text(filesystem, "/projected-volume/cpu_limit") == "500"
    header, claims, _ = read_text(filesystem, "/projected-volume/token").split(".")
    decoded = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)).decode()
    assert '"sub":"system:serviceaccount:default:default"' in decoded


def test_every_pod_can_read_its_token_the_ca_and_its_namespace_from_kube_api_access(cluster):
    cluster.apply(busybox_pod())  # mounts nothing itself: the ServiceAccount admission adds the volume
    cluster.advance(5)

    filesystem = files(cluster)

    base = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert read_text(filesystem, f"{base}/namespace") == "default"
    assert read_text(filesystem, f"{base}/ca.crt") == cluster.get("ConfigMap", "kube-root-ca.crt", "default")["data"]["ca.crt"]
    header, claims, _ = read_text(filesystem, f"{base}/token").split(".")
    decoded = base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)).decode()
    assert '"sub":"system:serviceaccount:default:default"' in decoded


def test_a_pod_that_opts_out_of_automounting_has_no_token(cluster):
    pod = busybox_pod()
    pod["spec"]["automountServiceAccountToken"] = False
    cluster.apply(pod)
    cluster.advance(5)

    assert not [path for path in files(cluster).tree if path.startswith("/var/run/secrets")]
    assert not cluster.get("Pod", "app", "default")["spec"]["volumes"]


def test_downward_api_labels_follow_a_relabel_at_once(cluster):
    """A relabel is a pod update: the kubelet syncs the pod and remounts its volumes then, not at
    the next periodic sync."""
    volume = {"name": "podinfo", "downwardAPI": {"items": [{"path": "labels",
                                                            "fieldRef": {"fieldPath": "metadata.labels"}}]}}
    cluster.apply(busybox_pod(volumes=[volume], mounts=[{"name": "podinfo", "mountPath": "/etc/podinfo"}]))
    cluster.advance(5)

    cluster.patch("Pod", "app", "default", {"metadata": {"labels": {"tier": "front"}}})
    cluster.advance(2)

    assert read_text(files(cluster), "/etc/podinfo/labels") == 'app="app"\ntier="front"'


# --- the writable layer and data volumes --------------------------------------------------------


def with_a_file_in_each(cluster, *, scratch: str, keep: str) -> None:
    """A running pod with a file in its writable layer (/tmp/scratch) and one in its emptyDir (/cache/keep)."""
    cluster.apply(busybox_pod(volumes=[{"name": "cache", "emptyDir": {}}],
                              mounts=[{"name": "cache", "mountPath": "/cache"}]))
    cluster.advance(5)
    containerfs.write_file(cluster.name, "default", "app", "app", "/tmp/scratch", scratch)
    containerfs.write_file(cluster.name, "default", "app", "app", "/cache/keep", keep)


def test_the_writable_layer_is_lost_on_restart_while_an_empty_dir_survives(cluster):
    with_a_file_in_each(cluster, scratch="gone soon", keep="still here")
    before = files(cluster)
    assert read_text(before, "/tmp/scratch") == "gone soon"
    assert before.origin("/tmp/scratch") == len(before.layers) - 1  # the writable layer, on top
    assert before.origin("/cache/keep") == "cache"

    crash_container(cluster.name, "default", "app", "app")
    cluster.advance(5)

    after = files(cluster)
    assert container_status(cluster)["restartCount"] == 1
    assert read_text(after, "/tmp/scratch") is None
    assert read_text(after, "/cache/keep") == "still here"


def test_a_deleted_pod_takes_its_empty_dir_its_writable_layers_and_the_kubelets_memory_with_it(cluster):
    with_a_file_in_each(cluster, scratch="in the writable layer", keep="in the emptyDir")
    uid = cluster.get("Pod", "app", "default")["metadata"]["uid"]
    kept = {"layers": ContainerFile.objects.filter(cluster__name=cluster.name, pod_uid=uid),
            "emptyDir": VolumeFile.objects.filter(cluster__name=cluster.name, volume__startswith=f"pod/{uid}/"),
            "kubelet's memory": KubeletPodState.objects.filter(cluster__name=cluster.name, pod_uid=uid)}
    assert all(rows.exists() for rows in kept.values())

    cluster.delete("Pod", "app", "default")
    cluster.advance(40)  # its 30 s of grace, then the kubelet's next pass

    assert {name: rows.count() for name, rows in kept.items()} == {"layers": 0, "emptyDir": 0, "kubelet's memory": 0}


def test_a_restarting_container_keeps_only_the_writable_layers_of_its_current_and_previous_run(cluster):
    cluster.apply(busybox_pod(script="touch /tmp/started; sleep 2; exit 1"))

    cluster.advance(300)  # back-off 10 s, 20 s, 40 s, 80 s...: five runs or more

    restarts = container_status(cluster)["restartCount"]
    runs = set(ContainerFile.objects.filter(cluster__name=cluster.name).values_list("run", flat=True))
    assert restarts >= 4
    assert runs <= {restarts + 1, restarts}  # the current run (restartCount + 1) and the one before it


def test_the_program_writes_to_its_volume_and_its_writable_layer(cluster):
    cluster.apply(busybox_pod(script="touch /data/ready; touch /tmp/started; sleep 3600",
                              volumes=[{"name": "data", "emptyDir": {}}], mounts=[{"name": "data", "mountPath": "/data"}]))

    cluster.advance(10)

    filesystem = files(cluster)
    assert filesystem.origin("/data/ready") == "data"
    assert filesystem.origin("/tmp/started") == len(filesystem.layers) - 1


def test_what_the_program_echoes_into_a_file_is_the_files_content(cluster):
    cluster.apply(busybox_pod(script="echo hello > /tmp/greeting; echo again >> /tmp/greeting; "
                                     "printf 'port=%s' 80 > /data/conf; echo gone > /tmp/x; echo new > /tmp/x; sleep 3600",
                              volumes=[{"name": "data", "emptyDir": {}}], mounts=[{"name": "data", "mountPath": "/data"}]))

    cluster.advance(10)

    filesystem = files(cluster)
    assert containerfs.read_text(filesystem, "/tmp/greeting") == "hello\nagain\n"
    assert containerfs.read_text(filesystem, "/data/conf") == "port=80\n"
    assert containerfs.read_text(filesystem, "/tmp/x") == "new\n"  # `>` replaces what the file held


def test_what_an_init_container_writes_to_a_shared_volume_is_there_for_the_app_container(cluster):
    obj = busybox_pod(volumes=[{"name": "data", "emptyDir": {}}], mounts=[{"name": "data", "mountPath": "/data"}])
    obj["spec"]["initContainers"] = [{"name": "prepare", "image": "busybox:1.36", "command": ["sh", "-c", "touch /data/ready"],
                                      "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]
    cluster.apply(obj)

    cluster.advance(30)

    assert files(cluster).origin("/data/ready") == "data"


def test_deleting_an_image_file_writes_a_whiteout_and_a_config_volume_is_read_only(cluster):
    cluster.apply(config_map("settings", {"mode": "demo"}))
    cluster.apply(busybox_pod(volumes=[config_volume()], mounts=[{"name": "config", "mountPath": "/etc/config"}]))
    cluster.advance(5)

    containerfs.delete_file(cluster.name, "default", "app", "app", "/etc/hostname")

    filesystem = files(cluster)
    assert "/etc/hostname" not in filesystem.tree
    assert filesystem.layers[-1].layer.whiteouts == ("/etc/hostname",)
    try:
        containerfs.write_file(cluster.name, "default", "app", "app", "/etc/config/mode", "changed")
    except Exception as error:  # noqa: BLE001 - the store's BadRequest, as `kubectl exec` would print it
        assert "Read-only file system" in str(error)
    else:
        raise AssertionError("a ConfigMap volume must be read-only")


def test_an_exec_probe_sees_a_mounted_file(cluster):
    cluster.apply(config_map("settings", {"healthy": "yes"}))
    pod = busybox_pod(volumes=[config_volume()], mounts=[{"name": "config", "mountPath": "/etc/config"}])
    pod["spec"]["containers"][0]["readinessProbe"] = {"exec": {"command": ["cat", "/etc/config/healthy"]},
                                                      "periodSeconds": 5}
    cluster.apply(pod)

    cluster.advance(20)

    assert container_status(cluster)["ready"] is True


def test_an_exec_probe_sees_the_files_the_runtime_writes(cluster):
    pod = busybox_pod()
    pod["spec"]["containers"][0]["livenessProbe"] = {"exec": {"command": ["cat", "/etc/hostname"]},
                                                     "periodSeconds": 5, "failureThreshold": 1}
    cluster.apply(pod)

    cluster.advance(30)

    assert container_status(cluster)["restartCount"] == 0  # /etc/hostname is in the init layer
    assert event_messages(cluster, "app", "Unhealthy") == []


def stateful_set_with_static_volumes(cluster) -> None:
    """Two PersistentVolumes any node can use (no node affinity), claimed by the set's template."""
    for index in range(2):
        cluster.apply({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": f"pv-{index}"},
                       "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                                "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual",
                                "nfs": {"server": "10.0.0.5", "path": f"/exports/{index}"}}})
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                   "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    cluster.apply({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"}, "spec": {
        "serviceName": "web", "replicas": 1, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
            "name": "nginx", "image": "nginx:1.27", "volumeMounts": [{"name": "www", "mountPath": "/usr/share/nginx/html"}]}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "storageClassName": "manual", "resources": {"requests": {"storage": "1Gi"}}}}],
    }})


def test_a_file_on_a_claim_survives_the_stateful_set_pod_being_recreated_on_another_node(cluster):
    stateful_set_with_static_volumes(cluster)
    cluster.advance(30)
    first_node = cluster.get("Pod", "web-0", "default")["spec"]["nodeName"]
    containerfs.write_file(cluster.name, "default", "web-0", "nginx", "/usr/share/nginx/html/index.html", "web-0 was here")

    cluster.patch("Node", first_node, "", {"spec": {"unschedulable": True}})  # cordon: the new pod goes elsewhere
    cluster.delete("Pod", "web-0", "default")
    cluster.advance(60)

    pod = cluster.get("Pod", "web-0", "default")
    assert pod["spec"]["nodeName"] != first_node
    filesystem = containerfs.container_filesystem(cluster.name, "default", "web-0", "nginx")
    assert read_text(filesystem, "/usr/share/nginx/html/index.html") == "web-0 was here"


def test_the_page_reads_the_environment_the_container_started_with(cluster):
    cluster.apply(config_map("settings", {"mode": "blue"}))
    cluster.apply(busybox_pod(env=[{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}}]))
    cluster.advance(5)
    cluster.apply(config_map("settings", {"mode": "green"}))
    cluster.advance(SYNC_FREQUENCY)

    env = containerfs.container_environment(cluster.name, "default", "app", "app")

    assert env["MODE"] == "blue" and env["KUBERNETES_SERVICE_PORT"] == "443"


def test_an_immutable_config_map_refuses_a_change_to_its_data(cluster):
    cluster.apply({**config_map("frozen", {"mode": "blue"}), "immutable": True})

    try:
        cluster.apply({**config_map("frozen", {"mode": "green"}), "immutable": True})
    except Exception as error:  # noqa: BLE001 - the store's Invalid, as the API server words it
        assert "data: Forbidden: field is immutable when `immutable` is set" in str(error)
    else:
        raise AssertionError("an immutable ConfigMap must keep its data")


def test_a_deleted_claims_provisioned_volume_takes_its_files_with_it(cluster):
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    volume = {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}
    mount = {"name": "data", "mountPath": "/data"}
    cluster.apply(claim)
    cluster.apply(busybox_pod(volumes=[volume], mounts=[mount]))
    cluster.advance(30)
    first_volume = cluster.get("PersistentVolumeClaim", "data", "default")["spec"]["volumeName"]
    containerfs.write_file(cluster.name, "default", "app", "app", "/data/notes.txt", "kept?")

    cluster.delete("Pod", "app", "default")
    cluster.delete("PersistentVolumeClaim", "data", "default")
    cluster.advance(60)  # released, then reclaimed: the default class's policy is Delete
    cluster.apply(claim)
    cluster.apply(busybox_pod(volumes=[volume], mounts=[mount]))
    cluster.advance(30)

    assert cluster.get("PersistentVolumeClaim", "data", "default")["spec"]["volumeName"] != first_volume
    assert "/data/notes.txt" not in files(cluster).tree
    assert VolumeFile.objects.filter(volume=f"pv/{first_volume}").count() == 0


def test_each_file_of_a_projected_volume_names_its_source_as_the_kubelet_lays_it_out():
    objects = {("ConfigMap", "settings"): config_map("settings", {"mode": "demo", "level": "3"}),
               ("Secret", "db"): secret("db", {"user": "admin", "password": "s3cr3t"})}
    volume = {"name": "all", "projected": {"sources": [
        {"configMap": {"name": "settings", "items": [{"key": "mode", "path": "conf/mode.txt"}, {"key": "absent", "path": "x"}]}},
        {"secret": {"name": "db"}},  # no items: every key, at its own name
        {"downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
        {"configMap": {"name": "settings", "items": [{"key": "level", "path": "user"}]}},  # a later source's file wins
    ]}}
    pod = {"metadata": {"name": "app", "namespace": "default"}, "spec": {"serviceAccountName": "builder"}}

    sources = file_sources(pod, volume, lambda kind, name: objects.get((kind, name)))

    assert sources == {
        "conf/mode.txt": FileSource("ConfigMap", "settings", "mode"),
        "user": FileSource("ConfigMap", "settings", "level"),
        "password": FileSource("Secret", "db", "password"),
        "labels": FileSource("downwardAPI", "metadata.labels"),
        "token": FileSource("serviceAccountToken", "builder", "https://kubernetes.default.svc.cluster.local"),
    }
