"""The API server's side of `kubectl get`: the column definitions and the cells of every kind.

Store objects → here → a Table (columns and rows) → kubectl's printers (playground/kubectl/
printers.py), the Table responses of the HTTP API, and the pages that show "what kubectl would
say". In Kubernetes the API server, not kubectl, decides what `kubectl get` shows: each kind has a
TableConvertor whose column definitions and print function make a `meta.k8s.io/v1 Table`, and
kubectl only lays that out. Keeping them here, beside the store, gives the command line, the
pages and the HTTP API one definition.

Everything is a pure function on Kubernetes JSON dicts (the objects as `kubectl get -o json`
shows them) and a `now`, so simulated time decides every AGE. It follows, cell for cell:
- kubernetes/kubernetes pkg/printers/internalversion/printers.go: the column definitions
  (a Priority 1 column is shown only with `-o wide`) and the print functions (`printPod`,
  `printDeployment`, `printService`, `printNode`, `printEvent`, ...);
- pkg/printers/tablegenerator.go and pkg/printers/storage/storage.go: the Table one list makes
  (the API server generates it with `Wide: true`, so an HTTP Table should pass `wide=True`);
- staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go: `HumanDuration` for AGE.
"""
from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, NamedTuple

from .controller_ref import controller_of
from .selectors import label_selector_string

Obj = dict[str, Any]

NONE = "<none>"
UNKNOWN = "<unknown>"
UNSET = "<unset>"

LABEL_NODE_ROLE_PREFIX = "node-role.kubernetes.io/"
NODE_LABEL_ROLE = "kubernetes.io/role"
NODE_UNREACHABLE_POD_REASON = "NodeLost"  # pkg/util/node: set by the node lifecycle controller
LOAD_BALANCER_WIDTH = 16  # EXTERNAL-IP of a LoadBalancer is clipped to this, except with -o wide
BETA_STORAGE_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class"
DEFAULT_CLASS_ANNOTATIONS = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)

ACCESS_MODES = (
    ("ReadWriteOnce", "RWO"),
    ("ReadOnlyMany", "ROX"),
    ("ReadWriteMany", "RWX"),
    ("ReadWriteOncePod", "RWOP"),
)


class ColumnDefinition(NamedTuple):
    """metav1.TableColumnDefinition, without the description."""

    name: str  # as the API server names it ("Up-to-date"); kubectl upper-cases it
    type: str = "string"  # an OpenAPI type: string, integer
    format: str = ""  # "name" marks the column that holds the object's name
    priority: int = 0  # 1: shown only with `-o wide`


class TableRow(NamedTuple):
    """metav1.TableRow: one cell per column definition, and the object it was made from."""

    cells: list[str]
    object: Obj


class Table(NamedTuple):
    """metav1.Table: what the API server answers a list asked `as=Table`."""

    column_definitions: tuple[ColumnDefinition, ...]
    rows: list[TableRow]


def _strings(*names: str, priority: int = 0) -> tuple[ColumnDefinition, ...]:
    return tuple(ColumnDefinition(name, priority=priority) for name in names)


def _integers(*names: str) -> tuple[ColumnDefinition, ...]:
    return tuple(ColumnDefinition(name, type="integer") for name in names)


_NAME = ColumnDefinition("Name", format="name")
_AGE = ColumnDefinition("Age")
_TEMPLATE_WIDE = _strings("Containers", "Images", "Selector", priority=1)

# Column definitions as printers.go's AddHandlers spells them, in its order.
COLUMNS: dict[str, tuple[ColumnDefinition, ...]] = {
    "Namespace": (_NAME, *_strings("Status"), _AGE),
    "Node": (
        _NAME, *_strings("Status", "Roles"), _AGE, *_strings("Version"),
        *_strings("Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime", priority=1),
    ),
    "Pod": (
        _NAME, *_strings("Ready", "Status", "Restarts"), _AGE,
        *_strings("IP", "Node", "Nominated Node", "Readiness Gates", priority=1),
    ),
    "ReplicaSet": (_NAME, *_integers("Desired", "Current", "Ready"), _AGE, *_TEMPLATE_WIDE),
    "Deployment": (_NAME, *_strings("Ready", "Up-to-date", "Available"), _AGE, *_TEMPLATE_WIDE),
    "StatefulSet": (_NAME, *_strings("Ready"), _AGE, *_strings("Containers", "Images", priority=1)),
    "DaemonSet": (
        _NAME, *_integers("Desired", "Current", "Ready", "Up-to-date", "Available"), *_strings("Node Selector"),
        _AGE, *_TEMPLATE_WIDE,
    ),
    "Job": (_NAME, *_strings("Status", "Completions", "Duration"), _AGE, *_TEMPLATE_WIDE),
    "Service": (
        _NAME, *_strings("Type", "Cluster-IP", "External-IP", "Port(s)"), _AGE, *_strings("Selector", priority=1),
    ),
    "Endpoints": (_NAME, *_strings("Endpoints"), _AGE),
    "EndpointSlice": (_NAME, *_strings("AddressType", "Ports", "Endpoints"), _AGE),
    "ConfigMap": (_NAME, *_strings("Data"), _AGE),
    "Secret": (_NAME, *_strings("Type", "Data"), _AGE),
    "ServiceAccount": (_NAME, *_strings("Secrets"), _AGE),
    "PersistentVolume": (
        _NAME,
        *_strings("Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass"),
        *_strings("VolumeAttributesClass", "Reason"), _AGE, *_strings("VolumeMode", priority=1),
    ),
    "PersistentVolumeClaim": (
        _NAME, *_strings("Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass"),
        _AGE, *_strings("VolumeMode", priority=1),
    ),
    "StorageClass": (
        _NAME, *_strings("Provisioner", "ReclaimPolicy", "VolumeBindingMode", "AllowVolumeExpansion"), _AGE,
    ),
    # The event's own name is a wide column: the OBJECT it is about is what people read.
    "Event": (
        *_strings("Last Seen", "Type", "Reason", "Object"),
        *_strings("Subobject", "Source", priority=1),
        *_strings("Message"),
        *_strings("First Seen", "Count", priority=1),
        ColumnDefinition("Name", format="name", priority=1),
    ),
    "PriorityClass": (
        _NAME, *_integers("Value"), ColumnDefinition("Global-Default", type="boolean"), _AGE, *_strings("PreemptionPolicy"),
    ),
    "Lease": (_NAME, *_strings("Holder"), _AGE),
    "ControllerRevision": (_NAME, *_strings("Controller", "Revision"), _AGE),
}
# The fallback for a kind without a printer (printObjectMeta)
DEFAULT_COLUMNS = (_NAME, _AGE)


# ---------------------------------------------------------------------------------------------
# Public API


def column_definitions(kind: str) -> tuple[ColumnDefinition, ...]:
    """The columns of a kind's Table, wide ones (priority 1) included."""
    return COLUMNS.get(kind, DEFAULT_COLUMNS)


def cells(obj: Obj, *, now: datetime.datetime, wide: bool = False) -> list[str]:
    """The cells of one object: one per column of `column_definitions(obj["kind"])`.

    `wide` is GenerateOptions.Wide: it changes only how much of a long cell is kept (a
    LoadBalancer's addresses), never which cells there are.
    """
    return _ROWS.get(obj.get("kind", ""), _default_row)(obj, _aware(now), wide)


def table(objects: list[Obj], *, now: datetime.datetime, wide: bool = False) -> Table:
    """The Table of a list of objects of one kind (an empty list has the default columns)."""
    kind = objects[0].get("kind", "") if objects else ""
    rows = [TableRow(cells(obj, now=now, wide=wide), obj) for obj in objects]
    return Table(column_definitions(kind), rows)


def human_duration(delta: datetime.timedelta) -> str:
    """apimachinery's duration.HumanDuration: about 2-3 significant figures ("3m20s", "2d3h")."""
    seconds = int(delta.total_seconds())  # Go's int(d.Seconds()) truncates toward zero
    # Up to a second in the future is clock skew between machines, so "now"
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


# ---------------------------------------------------------------------------------------------
# Shared cell helpers (printers.go, apimachinery labels and helpers)


def _meta(obj: Obj) -> Obj:
    return obj.get("metadata") or {}


def _spec(obj: Obj) -> Obj:
    return obj.get("spec") or {}


def _status(obj: Obj) -> Obj:
    return obj.get("status") or {}


def _aware(moment: datetime.datetime) -> datetime.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.timezone.utc)


def _parse_time(value: str | datetime.datetime | None) -> datetime.datetime | None:
    """An RFC 3339 Time or MicroTime ("2026-11-25T08:00:00Z"), or None when unset."""
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        return _aware(value)
    return _aware(datetime.datetime.fromisoformat(value))


def _since(value: str | datetime.datetime | None, now: datetime.datetime) -> str:
    """translateTimestampSince: an unset timestamp is `<unknown>`."""
    moment = _parse_time(value)
    return UNKNOWN if moment is None else human_duration(now - moment)


def age(obj: Obj, now: datetime.datetime) -> str:
    """The Age cell: how long ago the object was created."""
    return _since(_meta(obj).get("creationTimestamp"), now)


def _format_labels(labels: dict[str, str] | None) -> str:
    """labels.FormatLabels: `app=web,tier=front`, or `<none>`."""
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or NONE


def _format_label_selector(selector: Obj | None) -> str:
    """metav1.FormatLabelSelector: an empty selector is `<none>`, a broken one `<error>`."""
    text = label_selector_string(selector)
    return "<error>" if text is None else (text or NONE)


def _template_containers(obj: Obj) -> tuple[str, str]:
    """layoutContainerCells: the names and the images of the pod template, comma separated."""
    containers = ((_spec(obj).get("template") or {}).get("spec") or {}).get("containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _replicas(obj: Obj) -> int:
    # The API server defaults spec.replicas to 1 for every apps/v1 workload
    replicas = _spec(obj).get("replicas")
    return 1 if replicas is None else int(replicas)


def _condition_status(conditions: list[Obj] | None, kind: str) -> str | None:
    """The status of the first condition of that type, as Kubernetes' helpers read it."""
    for condition in conditions or []:
        if condition.get("type") == kind:
            return condition.get("status")
    return None


def _access_modes(modes: list[str] | None) -> str:
    """helper.GetAccessModesAsString: always in this order, whatever order the spec lists."""
    return ",".join(abbr for mode, abbr in ACCESS_MODES if mode in (modes or []))


def _storage(resources: Obj | None) -> str:
    # A missing quantity is Go's zero resource.Quantity, which prints "0"
    return str((resources or {}).get("storage", "0"))


def _join_host_port(host: str, port: int | str) -> str:
    """net.JoinHostPort: IPv6 addresses get brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# ---------------------------------------------------------------------------------------------
# Pods (printPod)


def _is_sidecar(container: Obj | None) -> bool:
    """A restartable init container (restartPolicy: Always) runs beside the main containers."""
    return container is not None and container.get("restartPolicy") == "Always"


def _last_termination(status: Obj) -> datetime.datetime | None:
    terminated = (status.get("lastState") or {}).get("terminated")
    return _parse_time(terminated.get("finishedAt")) if terminated is not None else None


def _later(a: datetime.datetime | None, b: datetime.datetime | None) -> datetime.datetime | None:
    if a is None:
        return b
    return a if b is None or b <= a else b


def _exit_reason(terminated: Obj) -> str:
    """A terminated state without a reason is described by its signal, else its exit code."""
    if terminated.get("reason"):
        return terminated["reason"]
    if terminated.get("signal"):
        return f"Signal:{terminated['signal']}"
    return f"ExitCode:{terminated.get('exitCode', 0)}"


class _PodSummary(NamedTuple):
    reason: str
    ready: int
    restarts: int
    last_restart: datetime.datetime | None


def _pod_init_summary(pod: Obj, reason: str) -> tuple[_PodSummary, _PodSummary, bool]:
    """The init containers' walk: (all-init summary, sidecars-only summary, still initializing)."""
    init_list = _spec(pod).get("initContainers") or []
    init_specs = {c.get("name"): c for c in init_list}
    restarts, sidecar_restarts, ready = 0, 0, 0
    last, sidecar_last = None, None
    initializing = False
    for i, cs in enumerate(_status(pod).get("initContainerStatuses") or []):
        sidecar = _is_sidecar(init_specs.get(cs.get("name")))
        restarts += cs.get("restartCount", 0)
        last = _later(last, _last_termination(cs))
        if sidecar:
            sidecar_restarts += cs.get("restartCount", 0)
            sidecar_last = _later(sidecar_last, _last_termination(cs))
        state = cs.get("state") or {}
        terminated, waiting = state.get("terminated"), state.get("waiting") or {}
        if terminated is not None and terminated.get("exitCode", 0) == 0:
            continue
        if sidecar and cs.get("started"):
            ready += 1 if cs.get("ready") else 0
            continue
        if terminated is not None:
            reason = "Init:" + _exit_reason(terminated)
        elif waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_list)}"
        initializing = True
        break
    return (
        _PodSummary(reason, ready, restarts, last),
        _PodSummary(reason, ready, sidecar_restarts, sidecar_last),
        initializing,
    )


def _pod_containers_summary(pod: Obj, start: _PodSummary) -> _PodSummary:
    """The main containers, last first, so the first container's state has the last word."""
    reason, ready, restarts, last = start
    has_running = False
    for cs in reversed(_status(pod).get("containerStatuses") or []):
        restarts += cs.get("restartCount", 0)
        last = _later(last, _last_termination(cs))
        state = cs.get("state") or {}
        waiting, terminated = state.get("waiting") or {}, state.get("terminated")
        if waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated is not None:
            reason = _exit_reason(terminated)
        elif cs.get("ready") and state.get("running") is not None:
            has_running = True
            ready += 1
    # A pod whose finished container exited 0 while another still runs is not "Completed"
    if reason == "Completed" and has_running:
        conditions = _status(pod).get("conditions") or []
        ready_condition = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
        reason = "Running" if ready_condition else "NotReady"
    return _PodSummary(reason, ready, restarts, last)


def _pod_status(pod: Obj) -> _PodSummary:
    status = _status(pod)
    phase = status.get("phase", "")
    reason = status.get("reason") or phase
    if any(
        c.get("type") == "PodScheduled" and c.get("reason") == "SchedulingGated"
        for c in status.get("conditions") or []
    ):
        reason = "SchedulingGated"
    summary, sidecars, initializing = _pod_init_summary(pod, reason)
    if not initializing or _condition_status(status.get("conditions"), "Initialized") == "True":
        summary = _pod_containers_summary(pod, sidecars)
    if _meta(pod).get("deletionTimestamp"):
        if status.get("reason") == NODE_UNREACHABLE_POD_REASON:
            summary = summary._replace(reason="Unknown")
        elif phase not in ("Succeeded", "Failed"):
            summary = summary._replace(reason="Terminating")
    return summary


def _readiness_gates(pod: Obj) -> str:
    gates = _spec(pod).get("readinessGates") or []
    if not gates:
        return NONE
    conditions = _status(pod).get("conditions")
    passed = sum(1 for g in gates if _condition_status(conditions, g.get("conditionType")) == "True")
    return f"{passed}/{len(gates)}"


def _pod_row(pod: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    summary = _pod_status(pod)
    spec, status = _spec(pod), _status(pod)
    init_specs = spec.get("initContainers") or []
    total = len(spec.get("containers") or []) + sum(1 for c in init_specs if _is_sidecar(c))
    restarts = str(summary.restarts)
    if summary.restarts and summary.last_restart is not None:
        restarts = f"{summary.restarts} ({human_duration(now - summary.last_restart)} ago)"
    pod_ips = status.get("podIPs") or []
    # The API server fills podIPs from podIP, so either may be the one that is set
    pod_ip = (pod_ips[0].get("ip") if pod_ips else status.get("podIP")) or NONE
    return [
        _meta(pod).get("name", ""),
        f"{summary.ready}/{total}",
        summary.reason,
        restarts,
        age(pod, now),
        pod_ip,
        spec.get("nodeName") or NONE,
        status.get("nominatedNodeName") or NONE,
        _readiness_gates(pod),
    ]


# ---------------------------------------------------------------------------------------------
# Workloads


def _replica_set_row(rs: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    status = _status(rs)
    names, images = _template_containers(rs)
    return [
        _meta(rs).get("name", ""),
        str(_replicas(rs)),
        str(status.get("replicas", 0)),
        str(status.get("readyReplicas", 0)),
        age(rs, now),
        names,
        images,
        _format_label_selector(_spec(rs).get("selector")),
    ]


def _deployment_row(deploy: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    status = _status(deploy)
    names, images = _template_containers(deploy)
    selector = label_selector_string(_spec(deploy).get("selector"))
    return [
        _meta(deploy).get("name", ""),
        f"{status.get('readyReplicas', 0)}/{_replicas(deploy)}",
        str(status.get("updatedReplicas", 0)),
        str(status.get("availableReplicas", 0)),
        age(deploy, now),
        names,
        images,
        "<invalid>" if selector is None else selector,  # printDeployment prints an empty selector as ""
    ]


def _stateful_set_row(sts: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    names, images = _template_containers(sts)
    return [
        _meta(sts).get("name", ""),
        f"{_status(sts).get('readyReplicas', 0)}/{_replicas(sts)}",
        age(sts, now),
        names,
        images,
    ]


def _daemon_set_row(ds: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    status = _status(ds)
    names, images = _template_containers(ds)
    node_selector = ((_spec(ds).get("template") or {}).get("spec") or {}).get("nodeSelector")
    return [
        _meta(ds).get("name", ""),
        str(status.get("desiredNumberScheduled", 0)),
        str(status.get("currentNumberScheduled", 0)),
        str(status.get("numberReady", 0)),
        str(status.get("updatedNumberScheduled", 0)),
        str(status.get("numberAvailable", 0)),
        _format_labels(node_selector),
        age(ds, now),
        names,
        images,
        _format_label_selector(_spec(ds).get("selector")),
    ]


def _job_completions(job: Obj) -> str:
    spec, succeeded = _spec(job), _status(job).get("succeeded", 0)
    if spec.get("completions") is not None:
        return f"{succeeded}/{spec['completions']}"
    # Without completions, any one success completes the job, however many pods run at once
    parallelism = spec.get("parallelism") or 0
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: Obj, now: datetime.datetime) -> str:
    start = _parse_time(_status(job).get("startTime"))
    if start is None:
        return ""
    end = _parse_time(_status(job).get("completionTime")) or now
    return human_duration(end - start)


def _job_status(job: Obj) -> str:
    conditions = _status(job).get("conditions")
    if _condition_status(conditions, "Complete") == "True":
        return "Complete"
    if _condition_status(conditions, "Failed") == "True":
        return "Failed"
    if _meta(job).get("deletionTimestamp"):
        return "Terminating"
    if _condition_status(conditions, "Suspended") == "True":
        return "Suspended"
    if _condition_status(conditions, "FailureTarget") == "True":
        return "FailureTarget"
    return "Running"


def _job_row(job: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    names, images = _template_containers(job)
    return [
        _meta(job).get("name", ""),
        _job_status(job),
        _job_completions(job),
        _job_duration(job, now),
        age(job, now),
        names,
        images,
        _format_label_selector(_spec(job).get("selector")),
    ]


# ---------------------------------------------------------------------------------------------
# Services and endpoints


def _load_balancer_ips(service: Obj, wide: bool) -> str:
    ingress = (_status(service).get("loadBalancer") or {}).get("ingress") or []
    addresses = sorted({i.get("ip") or i.get("hostname") for i in ingress} - {None, ""})
    text = ",".join(addresses)
    if not wide and len(text) > LOAD_BALANCER_WIDTH:
        text = text[: LOAD_BALANCER_WIDTH - 3] + "..."
    return text


def _service_external_ip(service: Obj, svc_type: str, wide: bool) -> str:
    external_ips = _spec(service).get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external_ips) or NONE
    if svc_type == "LoadBalancer":
        lb_ips = _load_balancer_ips(service, wide)
        if external_ips:
            return ",".join([*(lb_ips.split(",") if lb_ips else []), *external_ips])
        return lb_ips or "<pending>"  # the cloud has not given it an address yet
    if svc_type == "ExternalName":
        return _spec(service).get("externalName", "")
    return UNKNOWN


def _service_ports(ports: list[Obj]) -> str:
    """`80/TCP`, or `80:30080/TCP` when a node port is open too."""
    pieces = []
    for port in ports:
        protocol = port.get("protocol") or "TCP"  # the API server's default
        node_port = port.get("nodePort") or 0
        number = f"{port.get('port')}:{node_port}" if node_port > 0 else f"{port.get('port')}"
        pieces.append(f"{number}/{protocol}")
    return ",".join(pieces) or NONE


def _service_row(service: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    spec = _spec(service)
    svc_type = spec.get("type") or "ClusterIP"  # the API server's default
    cluster_ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    return [
        _meta(service).get("name", ""),
        svc_type,
        cluster_ips[0] if cluster_ips else NONE,
        _service_external_ip(service, svc_type, wide),
        _service_ports(spec.get("ports") or []),
        age(service, now),
        _format_labels(spec.get("selector")),
    ]


def _format_endpoints(endpoints: Obj) -> str:
    """formatEndpoints: the first 3 `ip:port`, then `+ N more...`."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return NONE
    shown, count, limit = [], 0, 3
    for subset in subsets:
        addresses = [a.get("ip", "") for a in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        # A headless service may have no ports: its endpoints are bare addresses
        targets = [addresses] if not ports else [
            [_join_host_port(ip, port.get("port")) for ip in addresses] for port in ports
        ]
        for group in targets:
            count += len(group)
            shown.extend(group[: max(0, limit - len(shown))])
    text = ",".join(shown)
    return f"{text} + {count - limit} more..." if count > limit else text


def _endpoints_row(endpoints: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    return [_meta(endpoints).get("name", ""), _format_endpoints(endpoints), age(endpoints, now)]


def _list_with_more(shown: list[str], count: int, limit: int = 3) -> str:
    """listWithMoreString: the first three, then `+ N more...`; nothing at all is <unset>."""
    if count > limit:
        return f"{','.join(shown)} + {count - limit} more..."
    return ",".join(shown) or UNSET


def _format_discovery_ports(ports: list[Obj]) -> str:
    """formatDiscoveryPorts: each port's number (or its name, or `*`)."""
    shown = [str(p["port"]) if p.get("port") is not None else p.get("name") if p.get("name") is not None else "*"
             for p in ports[:3]]
    return _list_with_more(shown, len(ports))


def _format_discovery_endpoints(endpoints: list[Obj]) -> str:
    """formatDiscoveryEndpoints: every address of every endpoint, the first three shown."""
    addresses = [a for endpoint in endpoints for a in endpoint.get("addresses") or []]
    return _list_with_more(addresses[:3], len(addresses))


def _endpoint_slice_row(endpoint_slice: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    return [
        _meta(endpoint_slice).get("name", ""),
        endpoint_slice.get("addressType", ""),
        _format_discovery_ports(endpoint_slice.get("ports") or []),
        _format_discovery_endpoints(endpoint_slice.get("endpoints") or []),
        age(endpoint_slice, now),
    ]


# ---------------------------------------------------------------------------------------------
# Cluster and configuration


def _namespace_row(ns: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    # The API server sets phase Active on create; only deletion changes it
    return [_meta(ns).get("name", ""), _status(ns).get("phase") or "Active", age(ns, now)]


def _node_status(node: Obj) -> str:
    """Only the Ready condition counts: `Ready`, `NotReady`, `Unknown`, + `SchedulingDisabled`."""
    ready = None
    for condition in _status(node).get("conditions") or []:
        if condition.get("type") == "Ready":
            ready = condition  # the API server keeps the last one of a type
    status = ["Unknown"] if ready is None else ["Ready" if ready.get("status") == "True" else "NotReady"]
    if _spec(node).get("unschedulable"):
        status.append("SchedulingDisabled")  # cordoned
    return ",".join(status)


def _node_roles(node: Obj) -> str:
    """findNodeRoles: `node-role.kubernetes.io/<role>` labels, or a `kubernetes.io/role` value."""
    roles = set()
    for key, value in (_meta(node).get("labels") or {}).items():
        if key.startswith(LABEL_NODE_ROLE_PREFIX) and key[len(LABEL_NODE_ROLE_PREFIX):]:
            roles.add(key[len(LABEL_NODE_ROLE_PREFIX):])
        elif key == NODE_LABEL_ROLE and value:
            roles.add(value)
    return ",".join(sorted(roles)) or NONE


def _node_address(node: Obj, kind: str) -> str:
    for address in _status(node).get("addresses") or []:
        if address.get("type") == kind:
            return address.get("address", "")
    return NONE


def _node_row(node: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    info = _status(node).get("nodeInfo") or {}
    return [
        _meta(node).get("name", ""),
        _node_status(node),
        _node_roles(node),
        age(node, now),
        info.get("kubeletVersion", ""),
        _node_address(node, "InternalIP"),
        _node_address(node, "ExternalIP"),
        info.get("osImage") or UNKNOWN,
        info.get("kernelVersion") or UNKNOWN,
        info.get("containerRuntimeVersion") or UNKNOWN,
    ]


def _config_map_row(cm: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    count = len(cm.get("data") or {}) + len(cm.get("binaryData") or {})
    return [_meta(cm).get("name", ""), str(count), age(cm, now)]


def _secret_row(secret: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    # The API server merges stringData into data on write; count a key once either way
    keys = set(secret.get("data") or {}) | set(secret.get("stringData") or {})
    secret_type = secret.get("type") or "Opaque"  # the API server's default
    return [_meta(secret).get("name", ""), secret_type, str(len(keys)), age(secret, now)]


def _service_account_row(sa: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    return [_meta(sa).get("name", ""), str(len(sa.get("secrets") or [])), age(sa, now)]


def _lease_row(lease: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    return [_meta(lease).get("name", ""), _spec(lease).get("holderIdentity") or "", age(lease, now)]


def _controller_revision_row(revision: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    owner = controller_of(revision)
    group = owner["apiVersion"].rpartition("/")[0] if owner else ""
    controller = f"{owner['kind'].lower()}{'.' + group if group else ''}/{owner['name']}" if owner else "<none>"
    return [_meta(revision).get("name", ""), controller, str(revision.get("revision", 0)), age(revision, now)]


def _event_row(event: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    first_seen = _since(event.get("firstTimestamp") or event.get("eventTime"), now)
    last_seen = _since(event["lastTimestamp"], now) if event.get("lastTimestamp") else first_seen
    count = event.get("count") or 1  # singleton events of the events.k8s.io API have no count
    if event.get("series"):
        last_seen = _since(event["series"].get("lastObservedTime"), now)
        count = event["series"].get("count", 0)
    involved = event.get("involvedObject") or {}
    kind = involved.get("kind", "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or ""
    instance = source.get("host") or event.get("reportingInstance") or ""
    return [
        last_seen,
        event.get("type", ""),
        event.get("reason", ""),
        target,
        involved.get("fieldPath", ""),
        f"{component}, {instance}" if instance else component,
        (event.get("message") or "").strip(),
        first_seen,
        str(count),
        _meta(event).get("name", ""),
    ]


# ---------------------------------------------------------------------------------------------
# Storage


def _storage_class_of(obj: Obj) -> str:
    # The beta annotation predates spec.storageClassName and still wins over it
    annotations = _meta(obj).get("annotations") or {}
    if BETA_STORAGE_CLASS_ANNOTATION in annotations:
        return annotations[BETA_STORAGE_CLASS_ANNOTATION]
    return _spec(obj).get("storageClassName") or ""


def _persistent_volume_row(pv: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    spec = _spec(pv)
    claim = spec.get("claimRef")
    phase = "Terminating" if _meta(pv).get("deletionTimestamp") else _status(pv).get("phase", "")
    return [
        _meta(pv).get("name", ""),
        _storage(spec.get("capacity")),
        _access_modes(spec.get("accessModes")),
        spec.get("persistentVolumeReclaimPolicy", ""),
        phase,
        f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "",
        _storage_class_of(pv),
        spec.get("volumeAttributesClassName") or UNSET,
        _status(pv).get("reason", ""),
        age(pv, now),
        spec.get("volumeMode") or UNSET,
    ]


def _persistent_volume_claim_row(pvc: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    spec, status = _spec(pvc), _status(pvc)
    phase = "Terminating" if _meta(pvc).get("deletionTimestamp") else status.get("phase", "")
    bound = bool(spec.get("volumeName"))  # capacity and modes are the volume's, once there is one
    return [
        _meta(pvc).get("name", ""),
        phase,
        spec.get("volumeName", ""),
        _storage(status.get("capacity")) if bound else "",
        _access_modes(status.get("accessModes")) if bound else "",
        _storage_class_of(pvc),
        spec.get("volumeAttributesClassName") or UNSET,
        age(pvc, now),
        spec.get("volumeMode") or UNSET,
    ]


def _storage_class_row(sc: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    annotations = _meta(sc).get("annotations") or {}
    is_default = any(annotations.get(a) == "true" for a in DEFAULT_CLASS_ANNOTATIONS)
    return [
        _meta(sc).get("name", "") + (" (default)" if is_default else ""),
        sc.get("provisioner", ""),
        sc.get("reclaimPolicy") or "Delete",
        sc.get("volumeBindingMode") or "Immediate",
        "true" if sc.get("allowVolumeExpansion") else "false",
        age(sc, now),
    ]


def _priority_class_row(pc: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    return [
        _meta(pc).get("name", ""),
        str(pc.get("value", 0)),
        "true" if pc.get("globalDefault") else "false",
        age(pc, now),
        pc.get("preemptionPolicy") or "PreemptLowerPriority",
    ]


def _default_row(obj: Obj, now: datetime.datetime, wide: bool) -> list[str]:
    return [_meta(obj).get("name", ""), age(obj, now)]


_ROWS: dict[str, Callable[[Obj, datetime.datetime, bool], list[str]]] = {
    "Namespace": _namespace_row,
    "Node": _node_row,
    "Pod": _pod_row,
    "ReplicaSet": _replica_set_row,
    "Deployment": _deployment_row,
    "StatefulSet": _stateful_set_row,
    "DaemonSet": _daemon_set_row,
    "Job": _job_row,
    "Service": _service_row,
    "Endpoints": _endpoints_row,
    "EndpointSlice": _endpoint_slice_row,
    "ConfigMap": _config_map_row,
    "Secret": _secret_row,
    "ServiceAccount": _service_account_row,
    "PersistentVolume": _persistent_volume_row,
    "PersistentVolumeClaim": _persistent_volume_claim_row,
    "StorageClass": _storage_class_row,
    "Event": _event_row,
    "PriorityClass": _priority_class_row,
    "Lease": _lease_row,
    "ControllerRevision": _controller_revision_row,
}
