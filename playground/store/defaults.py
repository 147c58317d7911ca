"""Defaulting: the fields the API server fills in after decoding and before validation.

Input (YAML, form, kubectl, controllers) → store admission: `apply_defaults(obj)` → validation
→ persist. The object is mutated in place, dispatching on its `kind`, so that what is stored is
what `kubectl get -o yaml` shows on a real cluster. It follows k8s.io/kubernetes:
pkg/apis/core/v1/defaults.go (and the declarative `+default` tags of its generated defaulters),
pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go,
pkg/apis/storage/v1/defaults.go and pkg/apis/scheduling/v1/defaults.go, plus the few create-time steps of the registry strategies that
every object of a kind gets (a Namespace's `kubernetes` finalizer, a Job's generated selector)
and the v1 → internal conversion of a Secret's `stringData`. Only what Kubernetes does is done:
nothing is invented, and a value already set is never changed (except quantities, which are
written back in canonical form, as the API server does).
"""
from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from playground.store.quantity import canonical_quantity

DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
DEFAULT_FILE_MODE = 0o644  # 420: configMap, secret, downwardAPI and projected volumes
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800
SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3600
JOB_BACKOFF_LIMIT = 6
MAX_INT32 = 2**31 - 1
LABEL_METADATA_NAME = "kubernetes.io/metadata.name"
FINALIZER_KUBERNETES = "kubernetes"

# The labels a Job's generated selector relies on (pkg/apis/batch/types.go)
JOB_CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_JOB_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")

# A docker reference (distribution/reference): [domain/]path[:tag][@digest]
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*"
_DOMAIN = r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)"
_IMAGE_REFERENCE = re.compile(
    rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}))?"
)


def apply_defaults(obj: dict) -> None:
    """Fill in the defaults Kubernetes gives an object of this kind, in place."""
    if not isinstance(obj, dict):
        return
    defaulter = _DEFAULTERS.get(obj.get("kind"))  # type: ignore[arg-type]
    if defaulter is not None:
        defaulter(obj)


# --- small helpers over JSON --------------------------------------------------------------------


def _dict(parent: dict, key: str) -> dict | None:
    """parent[key] as a dict, created when absent; None when it holds something else."""
    value = parent.get(key)
    if value is None:
        value = parent[key] = {}
    return value if isinstance(value, dict) else None


def _existing_dict(parent: Any, key: str) -> dict | None:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else None


def _dicts(parent: Any, key: str) -> list[dict]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _default_empty(obj: dict, key: str, value: Any) -> None:
    """A string field: Go's `if x == ""`."""
    if obj.get(key) in (None, ""):
        obj[key] = value


def _default_nil(obj: dict, key: str, value: Any) -> None:
    """A pointer field: Go's `if x == nil`."""
    if obj.get(key) is None:
        obj[key] = value


def _default_zero(obj: dict, key: str, value: Any) -> None:
    """A plain int field: Go's `if x == 0`."""
    if obj.get(key) in (None, 0):
        obj[key] = value


def _canonical_resource_list(resources: Any) -> None:
    """SetDefaults_ResourceList: quantities rounded up to milli precision, stored canonically."""
    if not isinstance(resources, dict):
        return
    for name, quantity in list(resources.items()):
        try:
            resources[name] = canonical_quantity(quantity, round_up_to_milli=True)
        except ValueError:
            pass  # left as written: validation reports it with its field path


# --- pods and pod templates ---------------------------------------------------------------------


def default_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec and what the generated defaulters apply inside any PodSpec."""
    _default_empty(spec, "dnsPolicy", "ClusterFirst")
    _default_empty(spec, "restartPolicy", "Always")
    _default_nil(spec, "securityContext", {})
    _default_nil(spec, "terminationGracePeriodSeconds", DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS)
    _default_empty(spec, "schedulerName", DEFAULT_SCHEDULER_NAME)
    for volume in _dicts(spec, "volumes"):
        _default_volume(volume)
    for list_name in CONTAINER_LISTS:
        for container in _dicts(spec, list_name):
            _default_container(container)
    _canonical_resource_list(_existing_dict(_existing_dict(spec, "resources"), "limits"))
    _canonical_resource_list(_existing_dict(_existing_dict(spec, "resources"), "requests"))


def _default_pod(pod: dict) -> None:
    spec = _dict(pod, "spec")
    if spec is None:
        return
    # SetDefaults_Pod: only on Pods, never on templates, so templates stay as written
    _default_requests_from_limits(spec)
    _default_nil(spec, "enableServiceLinks", True)
    if spec.get("hostNetwork") is True:
        _default_host_network_ports(spec)
    default_pod_spec(spec)


def _default_requests_from_limits(spec: dict) -> None:
    for list_name in ("containers", "initContainers"):
        for container in _dicts(spec, list_name):
            resources = _existing_dict(container, "resources")
            limits = _existing_dict(resources, "limits")
            if resources is None or limits is None:
                continue
            requests = _dict(resources, "requests")
            if requests is not None:
                for name, quantity in limits.items():
                    requests.setdefault(name, quantity)


def _default_host_network_ports(spec: dict) -> None:
    for list_name in ("containers", "initContainers"):
        for container in _dicts(spec, list_name):
            for port in _dicts(container, "ports"):
                if port.get("hostPort") in (None, 0) and "containerPort" in port:
                    port["hostPort"] = port["containerPort"]


def _default_pod_template(parent: dict) -> None:
    """A controller's `spec.template`: its PodSpec gets PodSpec defaults, not Pod ones."""
    template = _dict(parent, "template")
    spec = _dict(template, "spec") if template is not None else None
    if spec is not None:
        default_pod_spec(spec)


def _default_container(container: dict) -> None:
    """SetDefaults_Container plus the container fields' declarative defaults."""
    if container.get("imagePullPolicy") in (None, ""):
        tag = image_tag(container.get("image"))
        container["imagePullPolicy"] = "Always" if tag == "latest" else "IfNotPresent"
    _default_empty(container, "terminationMessagePath", TERMINATION_MESSAGE_PATH)
    _default_empty(container, "terminationMessagePolicy", "File")
    for port in _dicts(container, "ports"):
        _default_empty(port, "protocol", "TCP")
    for env in _dicts(container, "env"):
        _default_object_field_selector(_existing_dict(_existing_dict(env, "valueFrom"), "fieldRef"))
    for probe_name in PROBES:
        probe = _existing_dict(container, probe_name)
        if probe is not None:
            _default_probe(probe)
    lifecycle = _existing_dict(container, "lifecycle")
    for hook in ("postStart", "preStop"):
        _default_http_get(_existing_dict(_existing_dict(lifecycle, hook), "httpGet"))
    resources = _existing_dict(container, "resources")
    _canonical_resource_list(_existing_dict(resources, "limits"))
    _canonical_resource_list(_existing_dict(resources, "requests"))


def image_tag(image: Any) -> str:
    """The tag parsers.ParseImageName finds: `latest` when neither tag nor digest is given.

    An unparsable reference has no tag at all, which makes its pull policy IfNotPresent.
    """
    if not isinstance(image, str):
        return ""
    match = _IMAGE_REFERENCE.fullmatch(image)
    if match is None:
        return ""
    if match["tag"] is None and match["digest"] is None:
        return "latest"
    return match["tag"] or ""


def _default_probe(probe: dict) -> None:
    _default_zero(probe, "timeoutSeconds", 1)
    _default_zero(probe, "periodSeconds", 10)
    _default_zero(probe, "successThreshold", 1)
    _default_zero(probe, "failureThreshold", 3)
    _default_http_get(_existing_dict(probe, "httpGet"))
    grpc = _existing_dict(probe, "grpc")
    if grpc is not None:
        _default_nil(grpc, "service", "")


def _default_http_get(action: dict | None) -> None:
    if action is not None:
        _default_empty(action, "path", "/")
        _default_empty(action, "scheme", "HTTP")


def _default_object_field_selector(selector: dict | None) -> None:
    if selector is not None:
        _default_empty(selector, "apiVersion", "v1")


# The keys of a VolumeSource: a volume with none of them is an emptyDir
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral",
    "image",
)


def _default_volume(volume: dict) -> None:
    if not any(volume.get(source) is not None for source in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for source in ("configMap", "secret", "downwardAPI", "projected"):
        volume_source = _existing_dict(volume, source)
        if volume_source is not None:
            _default_nil(volume_source, "defaultMode", DEFAULT_FILE_MODE)
    for item in _dicts(_existing_dict(volume, "downwardAPI"), "items"):
        _default_object_field_selector(_existing_dict(item, "fieldRef"))
    for projection in _dicts(_existing_dict(volume, "projected"), "sources"):
        _default_projection(projection)
    host_path = _existing_dict(volume, "hostPath")
    if host_path is not None:
        _default_nil(host_path, "type", "")
    claim_spec = _existing_dict(_existing_dict(_existing_dict(volume, "ephemeral"), "volumeClaimTemplate"), "spec")
    if claim_spec is not None:
        _default_claim_spec(claim_spec)


def _default_projection(projection: dict) -> None:
    token = _existing_dict(projection, "serviceAccountToken")
    if token is not None:
        _default_nil(token, "expirationSeconds", SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS)
    for item in _dicts(_existing_dict(projection, "downwardAPI"), "items"):
        _default_object_field_selector(_existing_dict(item, "fieldRef"))


# --- workloads ----------------------------------------------------------------------------------


def _default_deployment(deployment: dict) -> None:
    spec = _dict(deployment, "spec")
    if spec is None:
        return
    _default_nil(spec, "replicas", 1)
    strategy = _dict(spec, "strategy")
    if strategy is not None:
        _default_empty(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling_update = _dict(strategy, "rollingUpdate")
            if rolling_update is not None:
                _default_nil(rolling_update, "maxUnavailable", "25%")
                _default_nil(rolling_update, "maxSurge", "25%")
    _default_nil(spec, "revisionHistoryLimit", 10)
    _default_nil(spec, "progressDeadlineSeconds", 600)
    _default_pod_template(spec)


def _default_replica_set(replica_set: dict) -> None:
    spec = _dict(replica_set, "spec")
    if spec is not None:
        _default_nil(spec, "replicas", 1)
        _default_pod_template(spec)


def _default_stateful_set(stateful_set: dict) -> None:
    spec = _dict(stateful_set, "spec")
    if spec is None:
        return
    _default_empty(spec, "podManagementPolicy", "OrderedReady")
    strategy = _dict(spec, "updateStrategy")
    if strategy is not None:
        if strategy.get("type") in (None, ""):
            strategy["type"] = "RollingUpdate"
            _default_nil(strategy, "rollingUpdate", {})
        rolling_update = _existing_dict(strategy, "rollingUpdate")
        if strategy["type"] == "RollingUpdate" and rolling_update is not None:
            _default_nil(rolling_update, "partition", 0)
    retention = _dict(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        _default_empty(retention, "whenDeleted", "Retain")
        _default_empty(retention, "whenScaled", "Retain")
    _default_nil(spec, "replicas", 1)
    _default_nil(spec, "revisionHistoryLimit", 10)
    _default_pod_template(spec)
    for claim in _dicts(spec, "volumeClaimTemplates"):
        _default_persistent_volume_claim(claim)


def _default_daemon_set(daemon_set: dict) -> None:
    spec = _dict(daemon_set, "spec")
    if spec is None:
        return
    strategy = _dict(spec, "updateStrategy")
    if strategy is not None:
        _default_empty(strategy, "type", "RollingUpdate")
        if strategy["type"] == "RollingUpdate":
            rolling_update = _dict(strategy, "rollingUpdate")
            if rolling_update is not None:
                _default_nil(rolling_update, "maxUnavailable", 1)
                _default_nil(rolling_update, "maxSurge", 0)
    _default_nil(spec, "revisionHistoryLimit", 10)
    _default_pod_template(spec)


def _default_job(job: dict) -> None:
    spec = _dict(job, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    _default_nil(spec, "parallelism", 1)
    backoff_limit = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else JOB_BACKOFF_LIMIT
    _default_nil(spec, "backoffLimit", backoff_limit)
    template = _dict(spec, "template")
    metadata = _dict(job, "metadata")
    template_labels = _existing_dict(_existing_dict(template, "metadata"), "labels")
    if metadata is not None and template_labels is not None and not metadata.get("labels"):
        metadata["labels"] = dict(template_labels)
    _default_nil(spec, "completionMode", "NonIndexed")
    _default_nil(spec, "suspend", False)
    for rule in _dicts(_existing_dict(spec, "podFailurePolicy"), "rules"):
        for pattern in _dicts(rule, "onPodConditions"):
            _default_empty(pattern, "status", "True")
    replacement = "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
    _default_nil(spec, "podReplacementPolicy", replacement)
    _default_pod_template(spec)
    _generate_job_selector(job, spec)


def _generate_job_selector(job: dict, spec: dict) -> None:
    """The Job strategy's generateSelector, run on create for jobs without manualSelector.

    It needs the Job's uid, so it only happens once the store has assigned one.
    """
    metadata = job.get("metadata") if isinstance(job.get("metadata"), dict) else {}
    uid, name = metadata.get("uid"), metadata.get("name")
    if spec.get("manualSelector") is True or not isinstance(uid, str) or not uid:
        return
    template = _dict(spec, "template")
    template_metadata = _dict(template, "metadata") if template is not None else None
    labels = _dict(template_metadata, "labels") if template_metadata is not None else None
    selector = _dict(spec, "selector")
    match_labels = _dict(selector, "matchLabels") if selector is not None else None
    if labels is None or match_labels is None:
        return
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, name)
    for key in (LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL):
        labels.setdefault(key, uid)
    match_labels.setdefault(JOB_CONTROLLER_UID_LABEL, uid)


# --- services, config and storage ---------------------------------------------------------------


def _default_service(service: dict) -> None:
    spec = _dict(service, "spec")
    if spec is None:
        return
    _default_empty(spec, "sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    if spec["sessionAffinity"] == "ClientIP":
        client_ip = _existing_dict(_existing_dict(spec, "sessionAffinityConfig"), "clientIP")
        if client_ip is None or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {"clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_AFFINITY_SECONDS}}
    _default_empty(spec, "type", "ClusterIP")
    for port in _dicts(spec, "ports"):
        _default_empty(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and isinstance(port.get("port"), int):
            port["targetPort"] = port["port"]
    if _externally_accessible(spec):
        _default_empty(spec, "externalTrafficPolicy", "Cluster")
    if spec["type"] in ("ClusterIP", "NodePort", "LoadBalancer"):
        _default_nil(spec, "internalTrafficPolicy", "Cluster")
    if spec["type"] == "LoadBalancer":
        _default_nil(spec, "allocateLoadBalancerNodePorts", True)


def _externally_accessible(spec: dict) -> bool:
    """pkg/api/v1/service ExternallyAccessible."""
    service_type = spec.get("type")
    return service_type in ("LoadBalancer", "NodePort") or (
        service_type == "ClusterIP" and bool(spec.get("externalIPs"))
    )


def _default_endpoints(endpoints: dict) -> None:
    for subset in _dicts(endpoints, "subsets"):
        for port in _dicts(subset, "ports"):
            _default_empty(port, "protocol", "TCP")


def _default_endpoint_slice(endpoint_slice: dict) -> None:
    """discovery/v1 SetDefaults_EndpointPort: a port without a name is named "", protocol TCP."""
    for port in _dicts(endpoint_slice, "ports"):
        _default_nil(port, "name", "")
        _default_nil(port, "protocol", "TCP")


def _default_secret(secret: dict) -> None:
    _default_empty(secret, "type", "Opaque")
    _merge_string_data(secret)


def _merge_string_data(secret: dict) -> None:
    """v1 → internal conversion: stringData is write-only, merged into data, winning on conflicts."""
    string_data = secret.get("stringData")
    if not isinstance(string_data, dict):
        return
    if all(isinstance(value, str) for value in string_data.values()):
        data = _dict(secret, "data")
        if data is not None:
            for key, value in string_data.items():
                data[key] = base64.b64encode(value.encode()).decode()
            del secret["stringData"]


def _default_persistent_volume_claim(claim: dict) -> None:
    status = _dict(claim, "status")
    if status is not None:
        _default_empty(status, "phase", "Pending")
    spec = _dict(claim, "spec")
    if spec is not None:
        _default_claim_spec(spec)


def _default_claim_spec(spec: dict) -> None:
    _default_nil(spec, "volumeMode", "Filesystem")
    resources = _existing_dict(spec, "resources")
    _canonical_resource_list(_existing_dict(resources, "requests"))
    _canonical_resource_list(_existing_dict(resources, "limits"))


def _default_persistent_volume(volume: dict) -> None:
    status = _dict(volume, "status")
    if status is not None:
        _default_empty(status, "phase", "Pending")
    spec = _dict(volume, "spec")
    if spec is None:
        return
    _default_empty(spec, "persistentVolumeReclaimPolicy", "Retain")
    _default_nil(spec, "volumeMode", "Filesystem")
    host_path = _existing_dict(spec, "hostPath")
    if host_path is not None:
        _default_nil(host_path, "type", "")
    _canonical_resource_list(_existing_dict(spec, "capacity"))


def _default_storage_class(storage_class: dict) -> None:
    _default_nil(storage_class, "reclaimPolicy", "Delete")
    _default_nil(storage_class, "volumeBindingMode", "Immediate")


def _default_priority_class(priority_class: dict) -> None:
    """SetDefaults_PriorityClass: a class preempts lower priorities unless it says Never."""
    _default_nil(priority_class, "preemptionPolicy", "PreemptLowerPriority")


# --- cluster-scoped objects ---------------------------------------------------------------------


def _default_namespace(namespace: dict) -> None:
    metadata = _dict(namespace, "metadata")
    name = metadata.get("name") if metadata is not None else None
    if isinstance(name, str) and name:
        labels = _dict(metadata, "labels")  # type: ignore[arg-type]
        if labels is not None:
            labels[LABEL_METADATA_NAME] = name
    status = _dict(namespace, "status")
    if status is not None:
        _default_empty(status, "phase", "Active")
    # The namespace controller removes this finalizer while terminating: never add it back then
    terminating = metadata is not None and metadata.get("deletionTimestamp")
    spec = _dict(namespace, "spec")
    if spec is not None and not terminating:
        finalizers = spec.get("finalizers")
        if not isinstance(finalizers, list):
            spec["finalizers"] = [FINALIZER_KUBERNETES]
        elif FINALIZER_KUBERNETES not in finalizers:
            finalizers.append(FINALIZER_KUBERNETES)


def _default_node(node: dict) -> None:
    status = _existing_dict(node, "status")
    if status is None:
        return
    _canonical_resource_list(_existing_dict(status, "capacity"))
    _canonical_resource_list(_existing_dict(status, "allocatable"))
    capacity = _existing_dict(status, "capacity")
    if status.get("allocatable") is None and capacity is not None:
        status["allocatable"] = dict(capacity)


_DEFAULTERS: dict[str, Callable[[dict], None]] = {
    "Pod": _default_pod,
    "Deployment": _default_deployment,
    "ReplicaSet": _default_replica_set,
    "StatefulSet": _default_stateful_set,
    "DaemonSet": _default_daemon_set,
    "Job": _default_job,
    "Service": _default_service,
    "Endpoints": _default_endpoints,
    "EndpointSlice": _default_endpoint_slice,
    "Secret": _default_secret,
    "PersistentVolumeClaim": _default_persistent_volume_claim,
    "PersistentVolume": _default_persistent_volume,
    "StorageClass": _default_storage_class,
    "PriorityClass": _default_priority_class,
    "Namespace": _default_namespace,
    "Node": _default_node,
}
