"""PersistentVolumes and their claims: static binding, kind's local-path provisioning on the
first consumer's node, reclaim policies, and where the scheduler puts a pod with a volume."""
from __future__ import annotations

from playground.controllers.persistentvolume import PersistentVolumeController, find_best_match_for_claim
from playground.controllers.persistentvolumeclaim import PersistentVolumeClaimController
from tests.factories import pod

WORKER, WORKER2 = "playground-worker", "playground-worker2"


def claim(name="data", *, size="1Gi", storage_class=None, modes=("ReadWriteOnce",), selector=None):
    obj = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {"accessModes": list(modes), "resources": {"requests": {"storage": size}}},
    }
    if storage_class is not None:
        obj["spec"]["storageClassName"] = storage_class
    if selector is not None:
        obj["spec"]["selector"] = selector
    return obj


def volume(name, *, size="1Gi", storage_class="manual", modes=("ReadWriteOnce",), policy="Retain", node=None,
           path=None, labels=None):
    obj = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "capacity": {"storage": size},
            "accessModes": list(modes),
            "persistentVolumeReclaimPolicy": policy,
            "storageClassName": storage_class,
            "hostPath": {"path": path or f"/mnt/data/{name}"},
        },
    }
    if node is not None:
        obj["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
        ]}}
    return obj


def pod_using(claim_name, name="web", **kwargs):
    obj = pod(name, **kwargs)
    obj["spec"]["volumes"] = [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}]
    obj["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
    return obj


def phase(cluster, kind, name, namespace=""):
    return cluster.get(kind, name, namespace)["status"]["phase"]


def messages(cluster, kind, name):
    return [e["message"] for e in cluster.list("Event", namespace=None)
            if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]


# --- static binding ------------------------------------------------------------------------------


def test_a_claim_binds_to_the_smallest_volume_that_fits(cluster):
    for name, size in (("pv-small", "500Mi"), ("pv-big", "10Gi"), ("pv-fits", "2Gi"), ("pv-other-class", "1Gi")):
        cluster.create(volume(name, size=size, storage_class="slow" if name == "pv-other-class" else "manual"))
    cluster.settle()

    cluster.create(claim(size="1Gi", storage_class="manual"))
    cluster.settle()

    pvc = cluster.get("PersistentVolumeClaim", "data", "default")
    pv = cluster.get("PersistentVolume", "pv-fits")
    assert pvc["spec"]["volumeName"] == "pv-fits"
    assert pvc["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "2Gi"}}
    assert pvc["metadata"]["annotations"] == {
        "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
    }
    assert pv["spec"]["claimRef"]["uid"] == pvc["metadata"]["uid"] and pv["status"]["phase"] == "Bound"
    assert {v["metadata"]["name"]: v["status"]["phase"] for v in cluster.list("PersistentVolume")} == {
        "pv-small": "Available", "pv-big": "Available", "pv-fits": "Bound", "pv-other-class": "Available",
    }


def test_the_access_modes_and_the_selector_must_match_too(cluster):
    cluster.create(volume("pv-rwo", size="1Gi"))
    cluster.create(volume("pv-rwx", size="5Gi", modes=("ReadWriteMany", "ReadWriteOnce")))
    cluster.create(volume("pv-fast", size="20Gi", labels={"speed": "fast"}))
    cluster.settle()

    cluster.create(claim("shared", storage_class="manual", modes=("ReadWriteMany",)))
    cluster.create(claim("fast", storage_class="manual", selector={"matchLabels": {"speed": "fast"}}))
    cluster.settle()

    assert cluster.get("PersistentVolumeClaim", "shared", "default")["spec"]["volumeName"] == "pv-rwx"
    assert cluster.get("PersistentVolumeClaim", "fast", "default")["spec"]["volumeName"] == "pv-fast"


def test_a_claim_without_a_class_and_without_a_match_stays_pending_with_failed_binding(cluster):
    cluster.create(volume("pv-small", size="1Gi", storage_class=""))
    cluster.settle()

    cluster.create(claim(size="5Gi", storage_class=""))
    cluster.advance(30)  # two resyncs

    assert phase(cluster, "PersistentVolumeClaim", "data", "default") == "Pending"
    assert cluster.event_reasons("PersistentVolumeClaim", "data") == ["FailedBinding"] * 3
    assert set(messages(cluster, "PersistentVolumeClaim", "data")) == {
        "no persistent volumes available for this claim and no storage class is set"
    }
    assert phase(cluster, "PersistentVolume", "pv-small") == "Available"


def test_a_volume_created_after_its_claim_is_bound_to_it_once_available(cluster):
    cluster.create(claim(storage_class="manual"))
    cluster.settle()

    cluster.create(volume("pv-late", size="1Gi"))
    cluster.settle()

    assert phase(cluster, "PersistentVolumeClaim", "data", "default") == "Bound"


# --- kind's default class: local-path, on the first consumer's node ---------------------------


def test_a_claim_of_the_default_class_waits_for_its_first_consumer(cluster):
    cluster.create(claim())  # no storageClassName: `standard`, kind's default
    cluster.advance(30)

    assert phase(cluster, "PersistentVolumeClaim", "data", "default") == "Pending"
    assert cluster.list("PersistentVolume") == []
    assert set(cluster.event_reasons("PersistentVolumeClaim", "data")) == {"WaitForFirstConsumer"}
    assert set(messages(cluster, "PersistentVolumeClaim", "data")) == {
        "waiting for first consumer to be created before binding"
    }


def test_the_first_consumer_gets_a_local_path_volume_provisioned_on_its_node(cluster):
    cluster.create(claim(size="2Gi"))
    cluster.settle()

    cluster.create(pod_using("data"))
    cluster.settle()

    pod_node = cluster.get("Pod", "web", "default")["spec"]["nodeName"]
    pvc = cluster.get("PersistentVolumeClaim", "data", "default")
    uid = pvc["metadata"]["uid"]
    pv = cluster.get("PersistentVolume", f"pvc-{uid}")
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == pod_node
    assert pvc["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == "rancher.io/local-path"
    assert pvc["spec"]["volumeName"] == f"pvc-{uid}" and pvc["status"]["phase"] == "Bound"
    assert pv["status"]["phase"] == "Bound"
    assert pv["spec"]["hostPath"] == {
        "path": f"/var/local-path-provisioner/pvc-{uid}_default_data", "type": "DirectoryOrCreate",
    }
    assert pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"] == [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": [pod_node]}
    ]
    assert (pv["spec"]["storageClassName"], pv["spec"]["persistentVolumeReclaimPolicy"]) == ("standard", "Delete")
    assert pv["spec"]["capacity"] == {"storage": "2Gi"}
    assert pv["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == "rancher.io/local-path"
    assert cluster.event_reasons("PersistentVolumeClaim", "data") == [
        "WaitForFirstConsumer", "ExternalProvisioning", "Provisioning", "ProvisioningSucceeded",
    ]
    assert f"Successfully provisioned volume pvc-{uid}" in messages(cluster, "PersistentVolumeClaim", "data")


def test_a_local_path_claim_of_an_immediate_class_fails_as_on_kind(cluster):
    cluster.create({
        "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local-now"},
        "provisioner": "rancher.io/local-path", "volumeBindingMode": "Immediate",
    })
    cluster.create(claim(storage_class="local-now"))
    cluster.settle()

    assert phase(cluster, "PersistentVolumeClaim", "data", "default") == "Pending"
    assert cluster.event_reasons("PersistentVolumeClaim", "data") == [
        "ExternalProvisioning", "Provisioning", "ProvisioningFailed",
    ]
    assert 'failed to provision volume with StorageClass "local-now": configuration error, no node was specified' in \
        messages(cluster, "PersistentVolumeClaim", "data")


# --- reclaiming ----------------------------------------------------------------------------------


def test_deleting_the_claim_deletes_a_delete_policy_volume_and_releases_a_retain_one(cluster):
    cluster.create(claim("scratch"))
    cluster.create(pod_using("scratch", name="writer"))
    cluster.create(volume("pv-kept", size="1Gi"))
    cluster.create(claim("kept", storage_class="manual"))
    cluster.settle()
    provisioned = cluster.get("PersistentVolumeClaim", "scratch", "default")["spec"]["volumeName"]
    assert phase(cluster, "PersistentVolume", provisioned) == "Bound"
    assert phase(cluster, "PersistentVolume", "pv-kept") == "Bound"

    cluster.delete("Pod", "writer", "default", grace_period_seconds=0)
    cluster.delete("PersistentVolumeClaim", "scratch", "default")
    cluster.delete("PersistentVolumeClaim", "kept", "default")
    cluster.settle()

    assert [v["metadata"]["name"] for v in cluster.list("PersistentVolume")] == ["pv-kept"]
    kept = cluster.get("PersistentVolume", "pv-kept")
    assert kept["status"]["phase"] == "Released" and kept["spec"]["claimRef"]["name"] == "kept"


def test_a_static_delete_policy_volume_outside_tmp_fails_to_be_deleted(cluster):
    cluster.create(volume("pv-disk", policy="Delete", path="/mnt/disk"))
    cluster.create(claim(storage_class="manual"))
    cluster.settle()

    cluster.delete("PersistentVolumeClaim", "data", "default")
    cluster.settle()

    pv = cluster.get("PersistentVolume", "pv-disk")
    assert pv["status"]["phase"] == "Failed"
    assert pv["status"]["message"] == "host_path deleter only supports /tmp/.+ but received provided /mnt/disk"
    assert cluster.event_reasons("PersistentVolume", "pv-disk") == ["VolumeFailedDelete"]


def test_a_bound_claim_whose_volume_is_deleted_is_lost(cluster):
    cluster.create(volume("pv-gone"))
    cluster.settle()
    cluster.create(claim(storage_class="manual"))
    cluster.settle()

    cluster.delete("PersistentVolume", "pv-gone")
    cluster.settle()

    pvc = cluster.get("PersistentVolumeClaim", "data", "default")
    assert pvc["status"] == {"phase": "Lost"}
    assert cluster.event_reasons("PersistentVolumeClaim", "data") == ["ClaimLost"]


# --- the scheduler -------------------------------------------------------------------------------


def test_the_pod_of_a_bound_local_volume_goes_to_that_volumes_node(cluster):
    cluster.create(volume("pv-local", node=WORKER2))
    cluster.create(claim(storage_class="manual"))
    cluster.settle()

    for name in ("web-1", "web-2", "web-3"):
        cluster.create(pod_using("data", name=name))
    cluster.settle()

    assert {p["spec"]["nodeName"] for p in cluster.list("Pod")} == {WORKER2}


def test_a_pod_whose_volume_is_on_a_cordoned_node_says_why_it_fits_nowhere(cluster):
    cluster.create(volume("pv-local", node=WORKER))
    cluster.create(claim(storage_class="manual"))
    cluster.settle()
    node = cluster.get("Node", WORKER)
    cluster.update({**node, "spec": {**node["spec"], "unschedulable": True}})

    cluster.create(pod_using("data"))
    cluster.settle()

    assert "nodeName" not in cluster.get("Pod", "web", "default")["spec"]
    [message] = messages(cluster, "Pod", "web")
    assert message.startswith(
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "1 node(s) had volume node affinity conflict, 1 node(s) were unschedulable."
    )


def test_a_pod_using_a_claim_that_does_not_exist_stays_pending_until_it_does(cluster):
    cluster.create(pod_using("data"))
    cluster.settle()

    assert "nodeName" not in cluster.get("Pod", "web", "default")["spec"]
    assert messages(cluster, "Pod", "web") == [
        '0/3 nodes are available: persistentvolumeclaim "data" not found. '
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."
    ]

    cluster.create(claim())
    cluster.settle()

    assert cluster.get("Pod", "web", "default")["spec"].get("nodeName") in (WORKER, WORKER2)
    assert phase(cluster, "PersistentVolumeClaim", "data", "default") == "Bound"


def test_a_pod_with_an_unbound_immediate_claim_waits_for_the_binding(cluster):
    cluster.create(claim(storage_class="manual"))
    cluster.create(pod_using("data"))
    cluster.settle()
    assert "nodeName" not in cluster.get("Pod", "web", "default")["spec"]
    assert "pod has unbound immediate PersistentVolumeClaims" in messages(cluster, "Pod", "web")[0]

    cluster.create(volume("pv-late", node=WORKER))
    cluster.settle()

    assert cluster.get("Pod", "web", "default")["spec"]["nodeName"] == WORKER


def test_two_pods_sharing_a_waiting_claim_land_on_one_node(cluster):
    cluster.create(claim())
    cluster.create(pod_using("data", name="a"))
    cluster.create(pod_using("data", name="b"))
    cluster.settle()

    assert len({p["spec"]["nodeName"] for p in cluster.list("Pod")}) == 1
    assert len(cluster.list("PersistentVolume")) == 1


def test_a_settled_claim_and_volume_are_not_written_again(cluster):
    cluster.create(claim())
    cluster.create(pod_using("data"))
    cluster.settle()
    before = cluster.resource_version()

    pvc = cluster.get("PersistentVolumeClaim", "data", "default")

    cluster.reconcile(PersistentVolumeClaimController, "default/data")
    cluster.reconcile(PersistentVolumeController, pvc["spec"]["volumeName"])

    assert cluster.changes_since(before) == []


# --- the matching rule on its own ------------------------------------------------------------------


def test_a_volume_pre_bound_to_the_claim_wins_over_a_smaller_one():
    pvc = {"metadata": {"name": "data", "namespace": "default", "uid": "u1"},
           "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}

    def pv(name, size, **spec):
        return {"metadata": {"name": name}, "status": {"phase": "Available"},
                "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": size}, "storageClassName": "", **spec}}

    volumes = [pv("a-small", "1Gi"), pv("z-reserved", "8Gi", claimRef={"name": "data", "namespace": "default"})]

    assert find_best_match_for_claim(pvc, volumes, class_name="", delay_binding=False)["metadata"]["name"] == "z-reserved"
    assert find_best_match_for_claim(pvc, volumes[:1], class_name="", delay_binding=True) is None
