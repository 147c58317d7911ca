"""The server side of `kubectl get`: each kind's columns and the cells of one object, as the API
server's printers (pkg/printers/internalversion/printers.go) make them."""
from __future__ import annotations

import datetime

import pytest

from playground.store import tables
from playground.store.kinds import KINDS

NOW = datetime.datetime(2026, 11, 25, 9, 0, 0, tzinfo=datetime.timezone.utc)
AN_HOUR_AGO = "2026-11-25T08:00:00Z"


def ago(**delta: float) -> str:
    return (NOW - datetime.timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, namespace: str | None = "default", **extra) -> dict:
    m = {"name": name, "creationTimestamp": AN_HOUR_AGO, **extra}
    if namespace:
        m["namespace"] = namespace
    return m


def cells(obj: dict, *, wide: bool = False) -> dict[str, str]:
    """One object's cells by column name; the wide (Priority 1) columns only when asked."""
    pairs = zip(tables.column_definitions(obj["kind"]), tables.cells(obj, now=NOW, wide=wide))
    return {column.name: cell for column, cell in pairs if wide or column.priority == 0}


def row(obj: dict) -> list[str]:
    """The cells of the Priority 0 columns, in order: those every `kubectl get` shows."""
    return list(cells(obj).values())


# --- Pods ----------------------------------------------------------------------------------


def running(name: str = "app", *, ready: bool = True, restarts: int = 0, last_finished: str | None = None) -> dict:
    status = {"name": name, "ready": ready, "started": True, "restartCount": restarts,
              "state": {"running": {"startedAt": ago(minutes=5)}}}
    if last_finished:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": last_finished}}
    return status


def waiting(reason: str, name: str = "app", *, restarts: int = 0, last_finished: str | None = None) -> dict:
    status = {"name": name, "ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}}
    if last_finished:
        status["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": last_finished}}
    return status


def terminated(name: str = "app", *, exit_code: int = 0, reason: str | None = None, signal: int = 0) -> dict:
    state = {"exitCode": exit_code, "finishedAt": ago(minutes=1)}
    if reason:
        state["reason"] = reason
    if signal:
        state["signal"] = signal
    return {"name": name, "ready": False, "restartCount": 0, "state": {"terminated": state}}


def pod(
    name: str = "web-7d4b9c-x2x8k",
    *,
    containers: list[dict] | None = None,
    init: list[dict] | None = None,
    phase: str = "Running",
    ready: bool = True,
    spec: dict | None = None,
    **status,
) -> dict:
    containers = containers if containers is not None else [running()]
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if init is not None:
        initialized = all(c["state"].get("terminated", {}).get("exitCode", 1) == 0 for c in init)
        conditions.append({"type": "Initialized", "status": "True" if initialized else "False"})
    pod_spec = {"containers": [{"name": c["name"], "image": "nginx:1.27"} for c in containers], **(spec or {})}
    if init is not None:
        pod_spec.setdefault("initContainers", [{"name": c["name"], "image": "busybox"} for c in init])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta(name),
        "spec": pod_spec,
        "status": {
            "phase": phase,
            "conditions": conditions,
            "containerStatuses": containers,
            **({"initContainerStatuses": init} if init is not None else {}),
            **status,
        },
    }


def test_a_running_pod_prints_ready_running_and_no_restarts():
    printed = cells(pod())

    assert printed == {"Name": "web-7d4b9c-x2x8k", "Ready": "1/1", "Status": "Running", "Restarts": "0", "Age": "60m"}


def test_a_crash_looping_pod_prints_the_back_off_and_when_it_last_restarted():
    crashing = pod(containers=[waiting("CrashLoopBackOff", restarts=5, last_finished=ago(seconds=30))], ready=False)

    printed = cells(crashing)

    assert printed["Status"] == "CrashLoopBackOff"
    assert printed["Restarts"] == "5 (30s ago)"
    assert printed["Ready"] == "0/1"


def test_restarts_count_every_container_and_the_latest_termination():
    two = pod(containers=[
        running("app", restarts=2, last_finished=ago(minutes=10)),
        running("sidecar", restarts=1, last_finished=ago(minutes=3)),
    ])

    assert cells(two)["Restarts"] == "3 (3m ago)"


def test_a_pod_pulling_its_image_prints_the_waiting_reason():
    pulling = pod(containers=[waiting("ContainerCreating")], ready=False, phase="Pending")

    assert cells(pulling)["Status"] == "ContainerCreating"


def test_a_pod_in_its_init_containers_prints_how_many_are_done():
    initializing = pod(
        containers=[waiting("PodInitializing")],
        init=[terminated("migrate", reason="Completed"), running("wait-for-db", ready=False)],
        phase="Pending",
        ready=False,
    )

    assert cells(initializing)["Status"] == "Init:1/2"


def test_a_failing_init_container_prints_init_and_its_reason():
    failing = pod(
        containers=[waiting("PodInitializing")],
        init=[terminated("migrate", exit_code=1, reason="Error")],
        phase="Pending",
        ready=False,
    )

    assert cells(failing)["Status"] == "Init:Error"


def test_a_crash_looping_init_container_prints_init_crash_loop_back_off():
    failing = pod(
        containers=[waiting("PodInitializing")],
        init=[waiting("CrashLoopBackOff", "migrate", restarts=3, last_finished=ago(seconds=20))],
        phase="Pending",
        ready=False,
    )

    printed = cells(failing)

    assert printed["Status"] == "Init:CrashLoopBackOff"
    assert printed["Restarts"] == "3 (20s ago)"


def test_a_finished_pod_prints_completed():
    done = pod(containers=[terminated(reason="Completed")], phase="Succeeded", ready=False)

    printed = cells(done)

    assert printed["Status"] == "Completed"
    assert printed["Ready"] == "0/1"


def test_a_pod_with_one_container_done_and_one_running_is_running_when_ready():
    half = pod(containers=[terminated("job", reason="Completed"), running("server")])

    assert cells(half)["Status"] == "Running"


def test_a_pod_with_one_container_done_and_one_running_is_not_ready_otherwise():
    half = pod(containers=[terminated("job", reason="Completed"), running("server")], ready=False)

    assert cells(half)["Status"] == "NotReady"


def test_a_container_killed_without_a_reason_prints_its_signal_or_exit_code():
    killed = pod(containers=[terminated(exit_code=137, signal=9)], phase="Failed", ready=False)
    exited = pod(containers=[terminated(exit_code=3)], phase="Failed", ready=False)

    assert cells(killed)["Status"] == "Signal:9"
    assert cells(exited)["Status"] == "ExitCode:3"


def test_a_pod_being_deleted_prints_terminating():
    deleting = pod()
    deleting["metadata"]["deletionTimestamp"] = ago(seconds=10)

    assert cells(deleting)["Status"] == "Terminating"


def test_a_pod_deleted_on_a_lost_node_prints_unknown():
    lost = pod(reason="NodeLost")
    lost["metadata"]["deletionTimestamp"] = ago(seconds=10)

    assert cells(lost)["Status"] == "Unknown"


def test_an_evicted_pod_prints_the_status_reason():
    evicted = pod(containers=[terminated(exit_code=137, reason="ContainerStatusUnknown")], phase="Failed",
                  ready=False, reason="Evicted")
    evicted["status"]["containerStatuses"] = []

    assert cells(evicted)["Status"] == "Evicted"


def test_a_pod_held_by_scheduling_gates_prints_scheduling_gated():
    gated = pod(containers=[], phase="Pending", ready=False)
    gated["spec"]["containers"] = [{"name": "app", "image": "nginx"}]
    gated["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]

    assert cells(gated)["Status"] == "SchedulingGated"


def test_a_sidecar_init_container_counts_in_ready():
    with_sidecar = pod(
        init=[running("proxy")],
        spec={"initContainers": [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]},
    )
    with_sidecar["status"]["conditions"].append({"type": "Initialized", "status": "True"})

    printed = cells(with_sidecar)

    assert printed["Ready"] == "2/2"
    assert printed["Status"] == "Running"


def test_a_wide_pod_prints_its_ip_node_and_none_for_what_is_unset():
    scheduled = pod(podIP="10.244.1.5", podIPs=[{"ip": "10.244.1.5"}])
    scheduled["spec"]["nodeName"] = "playground-worker"

    printed = cells(scheduled, wide=True)

    assert printed["IP"] == "10.244.1.5"
    assert printed["Node"] == "playground-worker"
    assert printed["Nominated Node"] == "<none>"
    assert printed["Readiness Gates"] == "<none>"


def test_a_pending_pod_prints_none_for_ip_and_node():
    pending = pod(containers=[waiting("ContainerCreating")], phase="Pending", ready=False)

    printed = cells(pending, wide=True)

    assert (printed["IP"], printed["Node"]) == ("<none>", "<none>")


def test_readiness_gates_count_the_true_conditions():
    gated = pod(spec={"readinessGates": [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/db"}]})
    gated["status"]["conditions"].append({"type": "example.com/lb", "status": "True"})

    assert cells(gated, wide=True)["Readiness Gates"] == "1/2"


def test_an_object_without_a_creation_timestamp_is_of_unknown_age():
    ageless = pod()
    del ageless["metadata"]["creationTimestamp"]

    assert cells(ageless)["Age"] == "<unknown>"


# --- Workloads -----------------------------------------------------------------------------


def template(*containers: tuple[str, str]) -> dict:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": name, "image": image} for name, image in containers]},
    }


def deployment(name: str = "nginx", *, replicas: int = 3, ready: int = 2, namespace: str = "default") -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(name, namespace),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": template(("nginx", "nginx:1.27"), ("log", "busybox:1.36")),
        },
        "status": {"replicas": replicas, "readyReplicas": ready, "updatedReplicas": replicas,
                   "availableReplicas": ready},
    }


def test_a_deployment_prints_ready_over_desired():
    printed = cells(deployment())

    assert printed == {"Name": "nginx", "Ready": "2/3", "Up-to-date": "3", "Available": "2", "Age": "60m"}


def test_a_wide_deployment_prints_its_containers_images_and_selector():
    printed = cells(deployment(), wide=True)

    assert printed["Containers"] == "nginx,log"
    assert printed["Images"] == "nginx:1.27,busybox:1.36"
    assert printed["Selector"] == "app=nginx"


def test_a_new_deployment_prints_zero_ready():
    fresh = deployment()
    fresh["status"] = {}

    assert cells(fresh)["Ready"] == "0/3"


def test_a_replica_set_selector_prints_expressions_sorted_by_key():
    rs = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": meta("web-7d4b9c"),
        "spec": {
            "replicas": 2,
            "selector": {
                "matchLabels": {"tier": "front"},
                "matchExpressions": [{"key": "app", "operator": "In", "values": ["web", "api"]},
                                     {"key": "canary", "operator": "DoesNotExist"}],
            },
            "template": template(("web", "web:2")),
        },
        "status": {"replicas": 2, "readyReplicas": 1},
    }

    printed = cells(rs, wide=True)

    assert (printed["Desired"], printed["Current"], printed["Ready"]) == ("2", "2", "1")
    assert printed["Selector"] == "app in (api,web),!canary,tier=front"


def test_a_stateful_set_prints_ready_over_replicas():
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": meta("db"),
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "db"}},
                 "template": template(("pg", "postgres:17"))},
        "status": {"replicas": 2, "readyReplicas": 1},
    }

    assert row(sts) == ["db", "1/3", "60m"]


def test_a_daemon_set_prints_its_counts_and_node_selector():
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta("kube-proxy", "kube-system"),
        "spec": {
            "selector": {"matchLabels": {"k8s-app": "kube-proxy"}},
            "template": {"spec": {"nodeSelector": {"kubernetes.io/os": "linux"},
                                  "containers": [{"name": "kube-proxy", "image": "kube-proxy:v1.33"}]}},
        },
        "status": {"desiredNumberScheduled": 3, "currentNumberScheduled": 3, "numberReady": 2,
                   "updatedNumberScheduled": 3, "numberAvailable": 2},
    }

    assert row(ds) == ["kube-proxy", "3", "3", "2", "3", "2", "kubernetes.io/os=linux", "60m"]


def job(**status) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta("pi"),
        "spec": {"completions": 3, "parallelism": 1, "selector": {"matchLabels": {"job-name": "pi"}},
                 "template": template(("pi", "perl:5.34"))},
        "status": status,
    }


def test_a_complete_job_prints_complete_and_how_long_it_took():
    done = job(succeeded=3, startTime=ago(minutes=50), completionTime=ago(minutes=46, seconds=40),
               conditions=[{"type": "Complete", "status": "True"}])

    printed = cells(done)

    assert (printed["Status"], printed["Completions"], printed["Duration"]) == ("Complete", "3/3", "3m20s")


def test_a_running_job_prints_its_duration_so_far():
    busy = job(succeeded=1, startTime=ago(seconds=45), active=1)

    printed = cells(busy)

    assert (printed["Status"], printed["Completions"], printed["Duration"]) == ("Running", "1/3", "45s")


def test_a_job_without_completions_prints_one_of_its_parallelism():
    work_queue = job()
    work_queue["spec"].pop("completions")
    work_queue["spec"]["parallelism"] = 4

    assert cells(work_queue)["Completions"] == "0/1 of 4"


def test_a_failed_job_prints_failed():
    failed = job(failed=6, startTime=ago(minutes=5), conditions=[{"type": "Failed", "status": "True"}])

    assert cells(failed)["Status"] == "Failed"


# --- Services and endpoints ----------------------------------------------------------------


def service(svc_type: str = "ClusterIP", *, ports: list[dict] | None = None, **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta("web"),
        "spec": {"type": svc_type, "clusterIP": "10.96.12.34", "clusterIPs": ["10.96.12.34"],
                 "selector": {"app": "web"},
                 "ports": ports if ports is not None else [{"port": 80, "protocol": "TCP", "targetPort": 8080}],
                 **spec},
    }


def test_a_cluster_ip_service_prints_its_ip_and_port():
    printed = cells(service())

    assert printed == {"Name": "web", "Type": "ClusterIP", "Cluster-IP": "10.96.12.34", "External-IP": "<none>",
                       "Port(s)": "80/TCP", "Age": "60m"}


def test_a_node_port_service_prints_port_colon_node_port():
    printed = cells(service("NodePort", ports=[{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                                               {"port": 53, "nodePort": 30053, "protocol": "UDP"}]))

    assert printed["Port(s)"] == "80:30080/TCP,53:30053/UDP"


def test_a_load_balancer_without_an_address_prints_pending():
    assert cells(service("LoadBalancer"))["External-IP"] == "<pending>"


def test_a_load_balancer_with_an_address_prints_it():
    lb = service("LoadBalancer")
    lb["status"] = {"loadBalancer": {"ingress": [{"ip": "172.18.0.240"}]}}

    assert cells(lb)["External-IP"] == "172.18.0.240"


def test_a_headless_service_prints_none_as_its_cluster_ip():
    headless = service(clusterIP="None", clusterIPs=["None"])

    assert cells(headless)["Cluster-IP"] == "None"


def test_a_service_without_ports_prints_none():
    assert cells(service(ports=[]))["Port(s)"] == "<none>"


def test_an_external_name_service_prints_the_name_as_external_ip():
    external = service("ExternalName", externalName="db.example.com", ports=[])
    external["spec"].pop("clusterIP")
    external["spec"].pop("clusterIPs")

    printed = cells(external)

    assert (printed["Cluster-IP"], printed["External-IP"]) == ("<none>", "db.example.com")


def test_a_wide_service_prints_its_selector():
    assert cells(service(), wide=True)["Selector"] == "app=web"


def test_endpoints_print_the_first_three_addresses_and_how_many_more():
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": meta("web"),
        "subsets": [{"addresses": [{"ip": f"10.244.1.{i}"} for i in range(1, 5)], "ports": [{"port": 8080}]}],
    }

    assert cells(endpoints)["Endpoints"] == "10.244.1.1:8080,10.244.1.2:8080,10.244.1.3:8080 + 1 more..."


def test_endpoints_without_subsets_print_none():
    empty = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("web")}

    assert cells(empty)["Endpoints"] == "<none>"


# --- Nodes and namespaces ------------------------------------------------------------------


def node(name: str = "playground-worker", *, ready: str | None = "True", roles: tuple[str, ...] = (),
         unschedulable: bool = False) -> dict:
    labels = {"kubernetes.io/hostname": name, **{f"node-role.kubernetes.io/{r}": "" for r in roles}}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": meta(name, None, labels=labels),
        "spec": {"unschedulable": True} if unschedulable else {},
        "status": {
            "conditions": [] if ready is None else [{"type": "MemoryPressure", "status": "False"},
                                                    {"type": "Ready", "status": ready}],
            "addresses": [{"type": "InternalIP", "address": "172.18.0.3"}, {"type": "Hostname", "address": name}],
            "nodeInfo": {"kubeletVersion": "v1.33.1", "kernelVersion": "6.8.0", "osImage": "Debian GNU/Linux 12",
                         "containerRuntimeVersion": "containerd://2.1.1"},
        },
    }


def test_a_control_plane_node_prints_ready_and_its_role():
    printed = cells(node("playground-control-plane", roles=("control-plane",)))

    assert printed == {"Name": "playground-control-plane", "Status": "Ready", "Roles": "control-plane",
                       "Age": "60m", "Version": "v1.33.1"}


def test_a_worker_without_roles_prints_none():
    assert cells(node())["Roles"] == "<none>"


def test_a_cordoned_node_prints_scheduling_disabled():
    assert cells(node(unschedulable=True))["Status"] == "Ready,SchedulingDisabled"


def test_a_stopped_node_prints_not_ready():
    assert cells(node(ready="Unknown"))["Status"] == "NotReady"


def test_a_node_that_never_reported_prints_unknown():
    assert cells(node(ready=None))["Status"] == "Unknown"


def test_a_wide_node_prints_its_addresses_and_system_info():
    printed = cells(node(), wide=True)

    assert printed["Internal-IP"] == "172.18.0.3"
    assert printed["External-IP"] == "<none>"
    assert printed["OS-Image"] == "Debian GNU/Linux 12"
    assert printed["Container-Runtime"] == "containerd://2.1.1"


def test_a_namespace_prints_its_phase():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": meta("team-a", None),
          "status": {"phase": "Terminating"}}

    assert row(ns) == ["team-a", "Terminating", "60m"]


# --- Configuration -------------------------------------------------------------------------


def test_a_config_map_counts_its_text_and_binary_keys():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta("settings"),
          "data": {"a": "1", "b": "2"}, "binaryData": {"logo.png": "iVBORw0K"}}

    assert cells(cm)["Data"] == "3"


def test_a_secret_prints_its_type_and_number_of_keys():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": meta("tls"), "type": "kubernetes.io/tls",
              "data": {"tls.crt": "LS0t", "tls.key": "LS0t"}}

    assert row(secret) == ["tls", "kubernetes.io/tls", "2", "60m"]


def test_a_service_account_counts_its_secrets():
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("default")}

    assert row(sa) == ["default", "0", "60m"]


def test_a_lease_prints_its_holder():
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": meta("kube-scheduler", "kube-system"),
             "spec": {"holderIdentity": "playground-control-plane_3f2a"}}

    assert cells(lease)["Holder"] == "playground-control-plane_3f2a"


# --- Storage -------------------------------------------------------------------------------


def test_the_default_storage_class_is_marked_default():
    sc = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": meta("standard", None, annotations={"storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "rancher.io/local-path",
        "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer",
    }

    assert row(sc) == ["standard (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer",
                                "false", "60m"]


def pvc(*, bound: bool) -> dict:
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": meta("data-db-0"),
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "storageClassName": "standard", "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"},
    }
    if bound:
        claim["spec"]["volumeName"] = "pvc-0b6e"
        claim["status"] = {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}
    return claim


def test_a_bound_claim_prints_its_volume_capacity_and_access_modes():
    assert row(pvc(bound=True)) == ["data-db-0", "Bound", "pvc-0b6e", "1Gi", "RWO", "standard", "<unset>",
                                             "60m"]


def test_a_pending_claim_prints_no_volume_capacity_or_modes():
    assert row(pvc(bound=False)) == ["data-db-0", "Pending", "", "", "", "standard", "<unset>", "60m"]


def test_a_wide_claim_prints_its_volume_mode():
    assert cells(pvc(bound=True), wide=True)["VolumeMode"] == "Filesystem"


def test_a_bound_volume_prints_its_claim_and_abbreviated_access_modes():
    pv = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": meta("pvc-0b6e", None),
        "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                 "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "standard",
                 "claimRef": {"namespace": "default", "name": "data-db-0"}},
        "status": {"phase": "Bound"},
    }

    assert row(pv) == ["pvc-0b6e", "1Gi", "RWO,RWX", "Delete", "Bound", "default/data-db-0", "standard",
                                "<unset>", "", "60m"]


# --- Events --------------------------------------------------------------------------------


def event(**fields) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": meta("web-7d4b9c-x2x8k.17f3a"),
        "involvedObject": {"kind": "Pod", "name": "web-7d4b9c-x2x8k", "namespace": "default",
                           "fieldPath": "spec.containers{app}"},
        "type": "Warning",
        "reason": "BackOff",
        "message": "Back-off restarting failed container app in pod web-7d4b9c-x2x8k_default(3f2a)\n",
        "source": {"component": "kubelet", "host": "playground-worker"},
        "firstTimestamp": ago(minutes=5),
        "lastTimestamp": ago(seconds=12),
        "count": 7,
        **fields,
    }


def test_an_event_prints_when_what_and_about_which_object():
    assert row(event()) == [
        "12s", "Warning", "BackOff", "pod/web-7d4b9c-x2x8k",
        "Back-off restarting failed container app in pod web-7d4b9c-x2x8k_default(3f2a)",
    ]


def test_a_wide_event_prints_its_source_first_seen_and_count():
    printed = cells(event(), wide=True)

    assert printed["Subobject"] == "spec.containers{app}"
    assert printed["Source"] == "kubelet, playground-worker"
    assert (printed["First Seen"], printed["Count"]) == ("5m", "7")


def test_an_event_of_the_new_api_is_seen_at_its_event_time():
    new_style = event(firstTimestamp=None, lastTimestamp=None, count=None, eventTime="2026-11-25T08:59:20.123456Z")

    printed = cells(new_style, wide=True)

    assert (printed["Last Seen"], printed["Count"]) == ("39s", "1")


# --- Columns -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_served_kind_has_its_own_columns(kind):
    assert tables.column_definitions(kind) != tables.DEFAULT_COLUMNS


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_one_name_column(kind):
    # kubectl finds the name to prefix with the kind by this format, not by the header
    assert [c.name for c in tables.column_definitions(kind) if c.format == "name"] == ["Name"]


def test_a_kind_without_a_printer_has_name_and_age():
    custom = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": meta("w")}

    assert cells(custom) == {"Name": "w", "Age": "60m"}


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("wide", [False, True])
def test_every_kind_has_one_cell_per_column_even_when_nearly_empty(kind, wide):
    bare = {"apiVersion": KINDS[kind].api_version, "kind": kind, "metadata": meta("x")}

    printed = tables.cells(bare, now=NOW, wide=wide)

    assert len(printed) == len(tables.column_definitions(kind))


def test_a_table_has_the_kinds_columns_and_a_row_per_object():
    first, second = pod("web-1"), pod("web-2")

    table = tables.table([first, second], now=NOW)

    assert table.column_definitions == tables.column_definitions("Pod")
    assert [(r.cells[0], r.object) for r in table.rows] == [("web-1", first), ("web-2", second)]


# --- Durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("delta", "printed"),
    [
        (datetime.timedelta(seconds=5), "5s"),
        (datetime.timedelta(seconds=119), "119s"),
        (datetime.timedelta(minutes=3, seconds=20), "3m20s"),
        (datetime.timedelta(minutes=5), "5m"),
        (datetime.timedelta(minutes=42, seconds=59), "42m"),
        (datetime.timedelta(minutes=179), "179m"),
        (datetime.timedelta(hours=4), "4h"),
        (datetime.timedelta(hours=5, minutes=30), "5h30m"),
        (datetime.timedelta(hours=20, minutes=30), "20h"),
        (datetime.timedelta(days=2, hours=3), "2d3h"),
        (datetime.timedelta(days=8), "8d"),
        (datetime.timedelta(days=400), "400d"),
        (datetime.timedelta(days=365 * 2 + 4), "2y4d"),
        (datetime.timedelta(days=365 * 9), "9y"),
        (datetime.timedelta(seconds=-1), "0s"),
        (datetime.timedelta(seconds=-5), "<invalid>"),
    ],
)
def test_human_duration_matches_apimachinery(delta, printed):
    assert tables.human_duration(delta) == printed


def test_a_controller_revision_names_its_controller_and_revision():
    owner = {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "fluentd", "uid": "u", "controller": True}
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 2,
                "metadata": meta("fluentd-6b9c8d7f5", ownerReferences=[owner])}

    assert row(revision) == ["fluentd-6b9c8d7f5", "daemonset.apps/fluentd", "2", "60m"]
