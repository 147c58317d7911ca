"""`kubectl describe`: an object's sections as kubectl v1.32 prints them, ending with its Events.

Describe.run (commandline/viewing.py) → describe(cluster, obj) here → the store (the object's pods,
ReplicaSets, claims and Events, found as kubectl finds them) → text. It follows
staging/src/k8s.io/kubectl/pkg/describe/describe.go: a PrefixWriter (levels of two spaces) over
Go's text/tabwriter (minwidth 0, padding 2), so that `Name:\tweb` lines align as kubectl aligns
them; Events are those whose involvedObject has the object's kind, name, namespace and uid,
sorted by lastTimestamp. Node has its own module (describe_node.py), the text helpers both use
another (describe_text.py). A section the playground
cannot fill exactly is left out rather than invented.
"""
from __future__ import annotations

import base64
import datetime
from typing import Any, Callable

from playground.controllers import deployment_util
from playground.store import api as store
from playground.store import selectors
from playground.store.controller_ref import controller_of

from .describe_node import describe_node
from .describe_text import PrefixWriter, annotations_multiline, labels_multiline, rfc1123z, since
from .errors import KubectlError

Obj = dict[str, Any]
ENDPOINTS_SHOWN = 3  # formatEndpointSlices: the first three addresses, then "+ N more..."


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: list[Obj] | None, *, indent: str = "") -> None:
    w.write(0, f"{indent}{title}:\t")
    if not tolerations:
        w.write(0, "<none>\n")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        text = t.get("key", "") + (f"={t['value']}" if t.get("value") else "") + (f":{t['effect']}" if t.get("effect") else "")
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if t.get("key") or t.get("effect") else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(0, (f"{indent}\t" if i else "") + text + "\n")


def controlled_by(obj: Obj) -> str | None:
    owner = controller_of(obj)
    return f"{owner['kind']}/{owner['name']}" if owner else None


def selector_text(selector: Obj | None) -> str:
    return selectors.label_selector_string(selector) or "<none>"


def format_labels(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def go_bool(value: Any) -> str:
    """A *bool printed with %v: <nil>, true or false."""
    return "<nil>" if value is None else str(bool(value)).lower()


# --- Events -----------------------------------------------------------------------------------------


def events_of(cluster: str, obj: Obj) -> list[Obj]:
    """searchEvents: the Events whose involvedObject is this object (kind, name, namespace, uid)."""
    meta = obj["metadata"]
    namespace = meta.get("namespace") or None
    uids = {meta.get("uid"), meta["name"]} if obj["kind"] == "Node" else {meta.get("uid")}  # the kubelet names its node by name
    found = [
        e for e in store.list(cluster, "Event", namespace=namespace,
                              field_selector=f"involvedObject.name={meta['name']},involvedObject.kind={obj['kind']}")
        if e["involvedObject"].get("uid") in uids
    ]
    return sorted(found, key=lambda e: store.parse_timestamp(e.get("lastTimestamp") or e.get("eventTime"))
                  or datetime.datetime.min.replace(tzinfo=datetime.timezone.utc))


def describe_events(w: PrefixWriter, events: list[Obj], now: datetime.datetime) -> None:
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in events:
        first = since(e.get("eventTime") or e.get("firstTimestamp"), now)
        if e.get("series"):
            age = f"{since(e['series'].get('lastObservedTime'), now)} (x{e['series'].get('count')} over {first})"
        elif (e.get("count") or 1) > 1:
            age = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            age = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or "<unknown>"
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{age}\t{source}\t{(e.get('message') or '').strip()}\n")


# --- containers and volumes (a pod, and the pod template of a workload) -------------------------------


def describe_containers(w: PrefixWriter, label: str, containers: list[Obj], statuses: list[Obj] | None,
                        pod: Obj | None, space: str) -> None:
    by_name = {s["name"]: s for s in statuses or []}
    w.write(0, f"{space}{label}:\n" if containers else f"{space}{label}: <none>\n")
    for container in containers:
        status = by_name.get(container["name"]) if statuses is not None else None
        w.write(1, f"{' ' if space else ''}{container['name']}:\n")
        if status is not None:
            w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
        w.write(2, f"Image:\t{container.get('image', '')}\n")
        if status is not None:
            w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
        ports = container.get("ports") or []
        port_text = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in ports)
        host_text = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
        w.write(2, f"Ports:\t{port_text}\n" if "," in port_text else f"Port:\t{port_text or '<none>'}\n")
        w.write(2, f"Host Ports:\t{host_text}\n" if "," in host_text else f"Host Port:\t{host_text or '<none>'}\n")
        if container.get("restartPolicy"):
            w.write(2, f"Restart Policy:\t{container['restartPolicy']}\n")
        for key, title in (("command", "Command"), ("args", "Args")):
            if container.get(key):
                w.write(2, f"{title}:\n")
                for word in container[key]:
                    for part in str(word).split("\n"):
                        w.write(3, f"{part}\n")
        if status is not None:
            describe_state(w, "State", status.get("state") or {})
            if (status.get("lastState") or {}).get("terminated"):
                describe_state(w, "Last State", status["lastState"])
            w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
            w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")
        describe_resources(w, container.get("resources") or {})
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"), ("startupProbe", "Startup")):
            if container.get(key):
                w.write(2, f"{title}:\t{describe_probe(container[key])}\n")
        if container.get("envFrom"):
            describe_env_from(w, container["envFrom"])
        describe_env(w, container.get("env") or [], pod)
        mounts = sorted(container.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        w.write(2, "Mounts:\n" if mounts else "Mounts:\t<none>\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"] + ([f'path="{m["subPath"]}"'] if m.get("subPath") else [])
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


def describe_state(w: PrefixWriter, title: str, state: Obj) -> None:
    if "running" in state:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif "terminated" in state:
        t = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if t.get("signal"):
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")
        if (state.get("waiting") or {}).get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")


def describe_resources(w: PrefixWriter, resources: Obj) -> None:
    for key, title in (("limits", "Limits"), ("requests", "Requests")):
        if resources.get(key):
            w.write(2, f"{title}:\n")
            for name in sorted(resources[key]):
                w.write(3, f"{name}:\t{resources[key][name]}\n")


def describe_probe(probe: Obj) -> str:
    """DescribeProbe: the handler, then delay, timeout, period and thresholds."""
    attrs = (f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
             f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
             f"#failure={probe.get('failureThreshold', 3)}")
    if probe.get("exec") is not None:
        handler = f"exec [{' '.join(str(w) for w in (probe['exec'] or {}).get('command') or [])}]"
    elif probe.get("httpGet") is not None:
        get = probe["httpGet"]
        handler = f"http-get {str(get.get('scheme', 'HTTP')).lower()}://{get.get('host', '')}:{get.get('port', '')}{get.get('path', '')}"
    elif probe.get("tcpSocket") is not None:
        handler = f"tcp-socket {probe['tcpSocket'].get('host', '')}:{probe['tcpSocket'].get('port', '')}"
    elif probe.get("grpc") is not None:
        handler = f"grpc <pod>:{probe['grpc'].get('port', '')} {probe['grpc'].get('service', '')}".rstrip()
    else:
        handler = "unknown"
    return f"{handler} {attrs}"


def describe_env_from(w: PrefixWriter, sources: list[Obj]) -> None:
    w.write(2, "Environment Variables from:\n")
    for source in sources:
        ref, kind = (source["configMapRef"], "ConfigMap") if source.get("configMapRef") else (source.get("secretRef") or {}, "Secret")
        optional = str(bool(ref.get("optional"))).lower()
        prefix = f" with prefix '{source['prefix']}'" if source.get("prefix") else ""
        w.write(3, f"{ref.get('name', '')}\t{kind}{prefix}\tOptional: {optional}\n")


# EnvValueRetriever → fieldpath.ExtractFieldPathAsString: metadata only (spec.nodeName and
# status.podIP print an empty value, as kubectl prints them)
FIELD_VALUES: dict[str, Callable[[Obj], str]] = {
    "metadata.name": lambda p: p["metadata"]["name"],
    "metadata.namespace": lambda p: p["metadata"].get("namespace", ""),
    "metadata.uid": lambda p: p["metadata"].get("uid", ""),
}


def describe_env(w: PrefixWriter, env: list[Obj], pod: Obj | None) -> None:
    w.write(2, "Environment:\n" if env else "Environment:\t<none>\n")
    for e in env:
        source = e.get("valueFrom")
        if source is None:
            for i, part in enumerate(str(e.get("value", "")).split("\n")):
                w.write(3, f"{e['name']}:\t{part}\n" if i == 0 else f"\t{part}\n")
        elif source.get("fieldRef"):
            ref = source["fieldRef"]
            value = FIELD_VALUES.get(ref.get("fieldPath", ""), lambda _: "")(pod) if pod else ""
            w.write(3, f"{e['name']}:\t{value} ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath')})\n")
        elif source.get("secretKeyRef"):
            ref = source["secretKeyRef"]
            w.write(3, f"{e['name']}:\t<set to the key '{ref.get('key')}' in secret '{ref.get('name')}'>\t"
                       f"Optional: {str(bool(ref.get('optional'))).lower()}\n")
        elif source.get("configMapKeyRef"):
            ref = source["configMapKeyRef"]
            w.write(3, f"{e['name']}:\t<set to the key '{ref.get('key')}' of config map '{ref.get('name')}'>\t"
                       f"Optional: {str(bool(ref.get('optional'))).lower()}\n")


def describe_volumes(w: PrefixWriter, volumes: list[Obj], space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume['name']}:\n")
        for line in volume_source_lines(volume):
            w.write(2, line + "\n")


def volume_source_lines(volume: Obj) -> list[str]:
    if "hostPath" in volume:
        source = volume["hostPath"]
        return ["Type:\tHostPath (bare host directory volume)", f"Path:\t{source.get('path')}",
                f"HostPathType:\t{source.get('type') or '<none>'}"]
    if "emptyDir" in volume:
        source = volume["emptyDir"] or {}
        return ["Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)", f"Medium:\t{source.get('medium', '')}",
                f"SizeLimit:\t{source.get('sizeLimit') or '<unset>'}"]
    if "secret" in volume:
        return ["Type:\tSecret (a volume populated by a Secret)", f"SecretName:\t{volume['secret'].get('secretName')}",
                f"Optional:\t{str(bool(volume['secret'].get('optional'))).lower()}"]
    if "configMap" in volume:
        return ["Type:\tConfigMap (a volume populated by a ConfigMap)", f"Name:\t{volume['configMap'].get('name')}",
                f"Optional:\t{str(bool(volume['configMap'].get('optional'))).lower()}"]
    if "persistentVolumeClaim" in volume:
        claim = volume["persistentVolumeClaim"]
        return ["Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)",
                f"ClaimName:\t{claim.get('claimName')}", f"ReadOnly:\t{str(bool(claim.get('readOnly'))).lower()}"]
    if "projected" in volume:
        return ["Type:\tProjected (a volume that contains injected data from multiple sources)",
                *[line for source in volume["projected"].get("sources") or [] for line in projection_lines(source)]]
    if "downwardAPI" in volume:
        return ["Type:\tDownwardAPI (a volume populated by information about the pod)", "Items:",
                *[f"  {(i.get('fieldRef') or {}).get('fieldPath') or (i.get('resourceFieldRef') or {}).get('resource')} -> {i.get('path')}"
                  for i in volume["downwardAPI"].get("items") or []]]
    return ["<unknown>"]


def projection_lines(source: Obj) -> list[str]:
    if "secret" in source:
        return [f"SecretName:\t{source['secret'].get('name')}", f"SecretOptionalName:\t{go_bool(source['secret'].get('optional'))}"]
    if "downwardAPI" in source:
        return ["DownwardAPI:\ttrue"]
    if "configMap" in source:
        return [f"ConfigMapName:\t{source['configMap'].get('name')}",
                f"ConfigMapOptional:\t{go_bool(source['configMap'].get('optional'))}"]
    if "serviceAccountToken" in source:
        return [f"TokenExpirationSeconds:\t{source['serviceAccountToken'].get('expirationSeconds', 3600)}"]
    return []


def describe_pod_template(w: PrefixWriter, template: Obj) -> None:
    meta, spec = template.get("metadata") or {}, template.get("spec") or {}
    w.write(0, "Pod Template:\n")
    labels_multiline(w, "  Labels", meta.get("labels"))
    if meta.get("annotations"):
        annotations_multiline(w, "  Annotations", meta["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers(w, "Init Containers", spec["initContainers"], None, None, "  ")
    describe_containers(w, "Containers", spec.get("containers") or [], None, None, "  ")
    describe_volumes(w, spec.get("volumes") or [], "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


def pods_status(cluster: str, owner: Obj) -> str:
    """getPodStatusForController: the owner's pods counted by phase."""
    selector = selectors.label_selector_string((owner.get("spec") or {}).get("selector")) or ""
    pods = [p for p in store.list(cluster, "Pod", namespace=owner["metadata"]["namespace"], label_selector=selector)
            if (controller_of(p) or {}).get("uid") == owner["metadata"].get("uid")]
    phases = [(p.get("status") or {}).get("phase") for p in pods]
    return (f"{phases.count('Running')} Running / {phases.count('Pending')} Waiting / "
            f"{phases.count('Succeeded')} Succeeded / {phases.count('Failed')} Failed")


def conditions_with_reason(w: PrefixWriter, conditions: list[Obj] | None) -> None:
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in conditions:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")


def head(w: PrefixWriter, obj: Obj, *, namespace: bool = True) -> None:
    w.write(0, f"Name:\t{obj['metadata']['name']}\n")
    if namespace:
        w.write(0, f"Namespace:\t{obj['metadata'].get('namespace', '')}\n")


# --- one describer per kind --------------------------------------------------------------------------


def describe_pod(cluster: str, w: PrefixWriter, pod: Obj, now: datetime.datetime) -> None:
    meta, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    head(w, pod)
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    w.write(0, f"Node:\t{spec['nodeName']}/{status.get('hostIP', '')}\n" if spec.get("nodeName") else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status['startTime'])}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    if meta.get("deletionTimestamp") and status.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{meta.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    for key, title in (("reason", "Reason"), ("message", "Message")):
        if status.get(key):
            w.write(0, f"{title}:\t{status[key]}\n")
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    if status.get("podIPs"):
        w.write(0, "IPs:\n")
        for ip in status["podIPs"]:
            w.write(1, f"IP:\t{ip.get('ip')}\n")
    else:
        w.write(0, "IPs:\t<none>\n")
    if controlled_by(pod):
        w.write(0, f"Controlled By:\t{controlled_by(pod)}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        describe_containers(w, "Init Containers", spec["initContainers"], status.get("initContainerStatuses") or [], pod, "")
    describe_containers(w, "Containers", spec.get("containers") or [], status.get("containerStatuses") or [], pod, "")
    if status.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in status["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    describe_volumes(w, spec.get("volumes") or [], "")
    if status.get("qosClass"):
        w.write(0, f"QoS Class:\t{status['qosClass']}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))


def describe_deployment(cluster: str, w: PrefixWriter, d: Obj, now: datetime.datetime) -> None:
    spec, status = d["spec"], d.get("status") or {}
    head(w, d)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(d['metadata'].get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", d["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", d["metadata"].get("annotations"))
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | "
               f"{status.get('replicas', 0)} total | {status.get('availableReplicas', 0)} available | "
               f"{status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', 'RollingUpdate')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("type", "RollingUpdate") == "RollingUpdate":
        rolling = strategy.get("rollingUpdate") or {}
        w.write(0, f"RollingUpdateStrategy:\t{rolling.get('maxUnavailable', '25%')} max unavailable, "
                   f"{rolling.get('maxSurge', '25%')} max surge\n")
    describe_pod_template(w, spec.get("template") or {})
    conditions_with_reason(w, status.get("conditions"))
    replica_sets = deployment_util.owned_replica_sets(d, store.list(cluster, "ReplicaSet", namespace=d["metadata"]["namespace"]))
    new = deployment_util.find_new_replica_set(d, replica_sets)
    old, _ = deployment_util.find_old_replica_sets(d, replica_sets)
    w.write(0, f"OldReplicaSets:\t{replica_sets_text(old)}\n")
    w.write(0, f"NewReplicaSet:\t{replica_sets_text([new] if new else [])}\n")


def replica_sets_text(replica_sets: list[Obj]) -> str:
    return ", ".join(f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
                     f"{rs['spec'].get('replicas', 1)} replicas created)" for rs in replica_sets) or "<none>"


def describe_replica_set(cluster: str, w: PrefixWriter, rs: Obj, now: datetime.datetime) -> None:
    head(w, rs)
    w.write(0, f"Selector:\t{selector_text(rs['spec'].get('selector'))}\n")
    labels_multiline(w, "Labels", rs["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", rs["metadata"].get("annotations"))
    if controlled_by(rs):
        w.write(0, f"Controlled By:\t{controlled_by(rs)}\n")
    w.write(0, f"Replicas:\t{(rs.get('status') or {}).get('replicas', 0)} current / {rs['spec'].get('replicas', 1)} desired\n")
    w.write(0, f"Pods Status:\t{pods_status(cluster, rs)}\n")
    describe_pod_template(w, rs["spec"].get("template") or {})
    conditions_with_reason(w, (rs.get("status") or {}).get("conditions"))


def describe_stateful_set(cluster: str, w: PrefixWriter, sts: Obj, now: datetime.datetime) -> None:
    spec = sts["spec"]
    head(w, sts)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(sts['metadata'].get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", sts["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", sts["metadata"].get("annotations"))
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {(sts.get('status') or {}).get('replicas', 0)} total\n")
    strategy = spec.get("updateStrategy") or {"type": "RollingUpdate"}
    w.write(0, f"Update Strategy:\t{strategy.get('type', 'RollingUpdate')}\n")
    rolling = strategy.get("rollingUpdate")
    if rolling is not None or strategy.get("type", "RollingUpdate") == "RollingUpdate":
        rolling = rolling or {}
        w.write(1, f"Partition:\t{rolling.get('partition', 0)}\n")
        if rolling.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{rolling['maxUnavailable']}\n")
    w.write(0, f"Pods Status:\t{pods_status(cluster, sts)}\n")
    describe_pod_template(w, spec.get("template") or {})
    claims = spec.get("volumeClaimTemplates") or []
    w.write(0, "Volume Claims:\n" if claims else "Volume Claims:\t<none>\n")
    for claim in claims:
        meta, claim_spec = claim.get("metadata") or {}, claim.get("spec") or {}
        w.write(1, f"Name:\t{meta.get('name')}\n")
        w.write(1, f"StorageClass:\t{claim_class(claim)}\n")
        labels_multiline(w, "Labels", meta.get("labels"), indent="  ")
        labels_multiline(w, "Annotations", meta.get("annotations"), indent="  ")
        storage = ((claim_spec.get("resources") or {}).get("requests") or {}).get("storage")
        w.write(1, f"Capacity:\t{storage or '<default>'}\n")
        w.write(1, f"Access Modes:\t[{' '.join(claim_spec.get('accessModes') or [])}]\n")


def describe_daemon_set(cluster: str, w: PrefixWriter, ds: Obj, now: datetime.datetime) -> None:
    spec, status = ds["spec"], ds.get("status") or {}
    head(w, ds, namespace=False)
    w.write(0, f"Selector:\t{selector_text(spec.get('selector'))}\n")
    w.write(0, f"Node-Selector:\t{format_labels(((spec.get('template') or {}).get('spec') or {}).get('nodeSelector'))}\n")
    labels_multiline(w, "Labels", ds["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", ds["metadata"].get("annotations"))
    for title, key in (("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
                       ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
                       ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
                       ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
                       ("Number of Nodes Misscheduled", "numberMisscheduled")):
        w.write(0, f"{title}: {status.get(key, 0)}\n")
    w.write(0, f"Pods Status:\t{pods_status(cluster, ds)}\n")
    describe_pod_template(w, spec.get("template") or {})


def describe_service(cluster: str, w: PrefixWriter, svc: Obj, now: datetime.datetime) -> None:
    spec = svc["spec"]
    head(w, svc)
    labels_multiline(w, "Labels", svc["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", svc["metadata"].get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    service_type = spec.get("type", "ClusterIP")
    w.write(0, f"Type:\t{service_type}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if service_type == "ExternalName":
        w.write(0, f"External Name:\t{spec.get('externalName', '')}\n")
    slices = store.list(cluster, "EndpointSlice", namespace=svc["metadata"]["namespace"],
                        label_selector=f"kubernetes.io/service-name={svc['metadata']['name']}")
    for port in spec.get("ports") or []:
        name, protocol = port.get("name") or "<unset>", port.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{port.get('port')}/{protocol}\n")
        w.write(0, f"TargetPort:\t{port.get('targetPort', port.get('port'))}/{protocol}\n")
        if port.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
        w.write(0, f"Endpoints:\t{endpoints_text(slices, port.get('name') or '')}\n")
    if service_type in ("NodePort", "LoadBalancer"):
        w.write(0, f"External Traffic Policy:\t{spec.get('externalTrafficPolicy', 'Cluster')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")


def endpoints_text(slices: list[Obj], port_name: str) -> str:
    """formatEndpointSlices: ready addresses with the slice's port of that name, three at most."""
    if not slices:
        return "<none>"
    found = []
    for endpoint_slice in slices:
        for port in endpoint_slice.get("ports") or []:
            if (port.get("name") or "") != port_name:
                continue
            for endpoint in endpoint_slice.get("endpoints") or []:
                if (endpoint.get("conditions") or {}).get("ready", True) is not False:
                    found += [f"{address}:{port.get('port')}" for address in endpoint.get("addresses") or []]
    text = ",".join(found[:ENDPOINTS_SHOWN])
    return text + (f" + {len(found) - ENDPOINTS_SHOWN} more..." if len(found) > ENDPOINTS_SHOWN else "")


def describe_config_map(cluster: str, w: PrefixWriter, cm: Obj, now: datetime.datetime) -> None:
    head(w, cm)
    labels_multiline(w, "Labels", cm["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", cm["metadata"].get("annotations"))
    w.write(0, "\nData\n====\n")
    for key, value in sorted((cm.get("data") or {}).items()):
        w.write(0, f"{key}:\n----\n{value}\n\n")
    w.write(0, "\nBinaryData\n====\n")
    for key, value in sorted((cm.get("binaryData") or {}).items()):
        w.write(0, f"{key}: {len(base64.b64decode(value))} bytes\n")
    w.write(0, "\n")


def describe_secret(cluster: str, w: PrefixWriter, secret: Obj, now: datetime.datetime) -> None:
    head(w, secret)
    labels_multiline(w, "Labels", secret["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", secret["metadata"].get("annotations"))
    w.write(0, f"\nType:\t{secret.get('type', 'Opaque')}\n")
    w.write(0, "\nData\n====\n")
    sizes = {key: len(base64.b64decode(value)) for key, value in (secret.get("data") or {}).items()}
    sizes.update({key: len(str(value).encode()) for key, value in (secret.get("stringData") or {}).items()})
    for key in sorted(sizes):  # never the values: only how long each is
        w.write(0, f"{key}:\t{sizes[key]} bytes\n")


ACCESS_MODES = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}


def claim_class(claim: Obj) -> str:
    """GetPersistentVolumeClaimClass: the beta annotation first, then spec.storageClassName."""
    annotation = ((claim.get("metadata") or {}).get("annotations") or {}).get("volume.beta.kubernetes.io/storage-class")
    return annotation if annotation is not None else (claim.get("spec") or {}).get("storageClassName") or ""


def describe_claim(cluster: str, w: PrefixWriter, pvc: Obj, now: datetime.datetime) -> None:
    meta, spec, status = pvc["metadata"], pvc["spec"], pvc.get("status") or {}
    head(w, pvc)
    w.write(0, f"StorageClass:\t{claim_class(pvc)}\n")
    if meta.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {since(meta['deletionTimestamp'], now)})\n")
    else:
        w.write(0, f"Status:\t{status.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    labels_multiline(w, "Labels", meta.get("labels"))
    annotations_multiline(w, "Annotations", meta.get("annotations"))
    w.write(0, f"Finalizers:\t[{' '.join(meta.get('finalizers') or [])}]\n")
    bound = bool(spec.get("volumeName"))
    modes = [short for mode, short in ACCESS_MODES.items() if mode in (status.get("accessModes") or [])]
    w.write(0, f"Capacity:\t{(status.get('capacity') or {}).get('storage', '') if bound else ''}\n")
    w.write(0, f"Access Modes:\t{','.join(modes) if bound else ''}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    users = [p["metadata"]["name"] for p in store.list(cluster, "Pod", namespace=meta["namespace"])
             if any((v.get("persistentVolumeClaim") or {}).get("claimName") == meta["name"] for v in p["spec"].get("volumes") or [])]
    w.write(0, "Used By:\t")
    w.write(0, "\t".join(f"{name}\n" for name in users) or "<none>\n")


def describe_namespace(cluster: str, w: PrefixWriter, ns: Obj, now: datetime.datetime) -> None:
    head(w, ns, namespace=False)
    labels_multiline(w, "Labels", ns["metadata"].get("labels"))
    annotations_multiline(w, "Annotations", ns["metadata"].get("annotations"))
    w.write(0, f"Status:\t{(ns.get('status') or {}).get('phase', 'Active')}\n")


Describer = Callable[[str, PrefixWriter, Obj, datetime.datetime], None]
DESCRIBERS: dict[str, tuple[Describer, bool]] = {  # kind → (describer, whether it ends with the Events)
    "Pod": (describe_pod, True),
    "Deployment": (describe_deployment, True),
    "ReplicaSet": (describe_replica_set, True),
    "StatefulSet": (describe_stateful_set, True),
    "DaemonSet": (describe_daemon_set, True),
    "Service": (describe_service, True),
    "ConfigMap": (describe_config_map, True),
    "Secret": (describe_secret, False),  # describe.go's SecretDescriber prints no Events
    "PersistentVolumeClaim": (describe_claim, True),
    "Namespace": (describe_namespace, False),
    "Node": (describe_node, True),  # long enough for a module of its own
}


def describe(cluster: str, obj: Obj) -> str:
    """What `kubectl describe` prints for one object, without the final newline."""
    if obj["kind"] not in DESCRIBERS:
        raise KubectlError(f"describe is not available for {obj['kind']} in this playground (try kubectl get -o yaml)")
    describer, with_events = DESCRIBERS[obj["kind"]]
    now = store.now(cluster)
    w = PrefixWriter()
    describer(cluster, w, obj, now)
    if with_events:
        describe_events(w, events_of(cluster, obj), now)
    return w.text().rstrip("\n")
