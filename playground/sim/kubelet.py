"""The simulated kubelets: one agent per Node runs the pods bound to it.

A Node, or a pod bound to it, changes (or the time it asked for comes) → key `node name` →
reconcile: renew the node's Lease (the heartbeat the node lifecycle controller watches, every
10 s), report the node Ready, then `sync_pod` (pod_workers.py: sandbox, pulls, init containers,
containers, probes, restarts, termination) for each of its pods, with what this kubelet knows of
the cluster (`KubeletRuntimeHelper`), and write what changed in one store batch: pod statuses, the
kubelet's Events, the images now on the node (node.status.images), and the final delete of each
pod whose containers have all stopped.
A node whose kubelet is stopped (`python manage.py node stop`) does nothing at all.

The kubelet's memory of each pod (start times, back-off, probe counts) and the container logs
are kept in the sim's own tables (checkpoint.py, logs.py), as a node keeps them on its disk: a
playground that restarts finds its containers still running. A restarted container's writable
layer from before its previous run is removed, as the kubelet's container garbage collection
keeps one dead container per container (MaxPerPodContainer).
"""
from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any, Iterable, cast

from playground.images import catalog
from playground.runtime.cache import Key
from playground.runtime.controller import Controller, Result, Summary
from playground.runtime.events import EventRecorder
from playground.store import api as store
from playground.store import clusters
from playground.store.pods import is_ready

from . import checkpoint, config, containerfs, faults, logs, volumes
from .faults import KUBELET_STOPPED
from .pod_workers import sync_pod
from .programs import Program, image_defaults_for, parse_program
from .records import ContainerRecord, LogLine, PodRecord

Obj = dict[str, Any]
LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION_SECONDS = 40
LEASE_RENEW_SECONDS = 10.0  # nodeLeaseRenewIntervalFraction 0.25 of the 40 s lease
NODE_STATUS_REPORT_SECONDS = 300.0  # KubeletConfiguration nodeStatusReportFrequency: 5m
MICROSECOND = 1e-6
# When a pod's sync is next due, and whether only probe runs that can only pass again are
Wake = tuple[datetime.datetime, bool]
TRIM_SLACK = 200  # log lines a container may run over its limit before the old ones go


class Kubelet(Controller):
    kind = "Node"
    component = "kubelet"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pods: dict[str, PodRecord] = {}  # pod uid → the kubelet's memory of it
        self.remembered = False  # the checkpoints loaded (`remember`)
        self.synced: dict[str, tuple[str, Wake | None]] = {}  # pod uid → (resourceVersion seen, next wake)
        self.saved: dict[str, int] = {}  # pod uid → the hash of its state as last saved
        self.last_ip: dict[str, str] = {}  # node → the pod address it handed out last
        self.just_synced: list[tuple[str, Obj, Wake | None]] = []
        self.new_logs: list[tuple[str, str, list[LogLine]]] = []  # written after each pass
        self.old_runs: list[tuple[str, str, int]] = []  # (pod uid, container, run): layers before it go after each pass
        self.lines_written: dict[tuple[str, str], int] = defaultdict(int)  # since the last trim
        self.log_bytes = 0  # written since this kubelet started, or kept at its last trim to the quota
        self.recorders: dict[str, EventRecorder] = {}
        self.programs: dict[tuple[str, str, int], Program] = {}  # (pod uid, container, run) → what it runs
        self.config_changed: set[tuple[str, str]] = set()  # (node, namespace) whose ConfigMaps/Secrets changed
        self.faults_seen: dict[str, int] = {}  # node → faults.generation() when its faults were last read
        self.faults_read: dict[str, datetime.datetime] = {}  # node → when its faults were last read
        faults.register(self)

    def keys_for(self, obj: Obj, old: Obj | None) -> Iterable[Key]:
        if obj["kind"] == "Node" and not only_status_changed(obj, old):
            yield obj["metadata"]["name"]
        elif obj["kind"] in ("ConfigMap", "Secret"):
            # A container waiting for this one may start now
            namespace = obj["metadata"]["namespace"]
            nodes = {p["spec"]["nodeName"] for p in self.cache.list("Pod", namespace=namespace) if p["spec"].get("nodeName")}
            self.config_changed.update((node, namespace) for node in nodes)  # mounted copies may be stale now
            yield from nodes
        elif obj["kind"] == "Pod" and obj["spec"].get("nodeName") and not only_status_changed(obj, old):
            yield obj["spec"]["nodeName"]

    def reconcile(self, name: Key) -> Result:
        node = self.cache.get("Node", name)
        if node is None or (node["metadata"].get("annotations") or {}).get(KUBELET_STOPPED) == "true":
            return Result()
        now = self.now()
        recorder = self.recorder(name)
        pods = self.cache.pods_on(name)
        self.remember()
        self.take_faults(name, pods, now)
        # The kubelet's own memory first: a sandbox has its IP before the pod's status shows it
        used_ips = {p["status"]["podIP"] for p in pods if p.get("status", {}).get("podIP")}
        used_ips |= {state.sandbox.ip for p in pods if (state := self.pods.get(p["metadata"]["uid"])) and state.sandbox.ip}
        wakes: list[Wake] = []
        pulled: list[str] = []
        gone = self.pods_gone(pods)
        try:
            with store.batch(self.cluster) as batch:
                self.renew_lease(batch, node, now)
                reported = self.report_ready(batch, node, now)
                for pod in pods:
                    wake = self.sync(batch, recorder, reported, pod, now, used_ips, pulled)
                    if wake is not None:
                        wakes.append(wake)
                reported = self.report_images(reported, pulled)
                if reported is not node:  # one status update a pass, as tryUpdateNodeStatus sends one
                    batch.update_status(reported)
                # The kubelet's memory and the containers' new log lines commit with the statuses they
                # led to: a worker that takes the cluster over carries on from exactly there
                changed = self.changed_memory()
                if changed or gone or self.new_logs or self.old_runs:
                    batch.also(lambda: self.write_memory(changed, gone))
        except BaseException:
            self.forget_pass()
            raise
        self.config_changed = {seen for seen in self.config_changed if seen[0] != name}
        self.note_synced()
        self.drop_pods_gone(gone)
        # Back for the next thing a pod does, and in any case for the next heartbeat; an instant
        # clock jumps to it unless the pods wait only on probe runs that can only pass again
        until_pod = max(MICROSECOND, (min(at for at, _ in wakes) - now).total_seconds()) if wakes else None
        in_background = all(in_background for _, in_background in wakes)
        if until_pod is not None and until_pod < LEASE_RENEW_SECONDS:
            return Result(requeue_after=until_pod, background=in_background)
        return Result(requeue_after=LEASE_RENEW_SECONDS, background=in_background)

    def changed_memory(self) -> dict[str, str]:
        """The pod states (uid → JSON) this pass changed."""
        changed = {}
        for uid, _, _ in self.just_synced:
            if uid in self.pods and hash(state := json.dumps(self.pods[uid].to_json())) != self.saved.get(uid):
                changed[uid] = state
        return changed

    def write_memory(self, changed: dict[str, str], gone: list[str]) -> None:
        """In the pass's transaction: the changed pod states, the rows of the pods gone (their
        states, emptyDirs and writable layers), the new log lines, the old runs' layers."""
        checkpoint.save(self.cluster, changed)
        self.saved.update((uid, hash(state)) for uid, state in changed.items())
        checkpoint.forget(self.cluster, gone)
        volumes.forget_pod_volumes(self.cluster, gone)
        self.write_logs()
        volumes.forget_old_runs(self.cluster, self.old_runs)
        self.old_runs.clear()

    def write_logs(self) -> None:
        logs.append(self.cluster, self.new_logs)
        for uid, container, lines in self.new_logs:
            self.lines_written[(uid, container)] += len(lines)
            if self.lines_written[(uid, container)] > logs.MAX_LINES_PER_CONTAINER + TRIM_SLACK:
                logs.trim(self.cluster, uid, container)
                self.lines_written[(uid, container)] = logs.MAX_LINES_PER_CONTAINER
        written = sum(len(line.text) for _, _, lines in self.new_logs for line in lines)
        if written:
            self.keep_log_quota(written)
        self.new_logs.clear()

    def forget_pass(self) -> None:
        """A pass whose batch was refused (a Conflict, a fence) left nothing in the store, so its
        pods' memory goes too: the next pass loads them from their checkpoints, which were
        committed with the statuses, and does the same steps again (their Events included)."""
        for uid, _, _ in self.just_synced:
            self.pods.pop(uid, None)
            self.saved.pop(uid, None)
            self.synced.pop(uid, None)
        self.just_synced.clear()
        self.new_logs.clear()
        self.old_runs.clear()

    def note_synced(self) -> None:
        """After the batch: the resourceVersion each pod's write became, and when to look again."""
        for uid, written, wake in self.just_synced:
            self.synced[uid] = (written["metadata"]["resourceVersion"], wake)
        self.just_synced.clear()
    def keep_log_quota(self, written: int) -> None:
        """The cluster's logs kept within its quota (log_bytes): counted as they are written,
        trimmed to the newest that fit once the count passes the limit."""
        limit = clusters.quota_of(self.cluster).log_bytes
        if limit is None:
            return
        self.log_bytes += written
        if self.log_bytes > limit:
            self.log_bytes = logs.keep_within(self.cluster, limit)

    def sync(self, batch: store.Batch, recorder: EventRecorder, node: Obj, pod: Obj, now: datetime.datetime,
             used_ips: set[str], pulled: list[str]) -> Wake | None:
        uid, namespace = pod["metadata"]["uid"], pod["metadata"]["namespace"]
        seen, wake = self.synced.get(uid, (None, None))
        stale_volumes = (node["metadata"]["name"], namespace) in self.config_changed and volumes.has_projected_volumes(pod)
        if seen == pod["metadata"]["resourceVersion"] and (wake is None or wake[0] > now) and not stale_volumes:
            return wake  # nothing changed and nothing is due: a real kubelet's pod worker would be idle too
        state = self.pods.get(uid)
        helper = KubeletRuntimeHelper(self, pod, node, state)
        own_ips = {pod.get("status", {}).get("podIP"), state.sandbox.ip if state else None}
        result = sync_pod(pod, state, now=now, node=node, helper=helper, used_ips=used_ips - own_ips,
                          ip_after=self.last_ip.get(node["metadata"]["name"]))
        for message in helper.warnings:
            recorder.record(batch, pod, "Warning", config.INVALID_ENV_NAMES, message)
        self.old_runs.extend(earlier_runs(uid, state, result.state))
        wake_at, in_background = result.wake_at, result.wake_in_background
        volume_wake = self.sync_volumes(pod, result.state, node, now, helper.lookup)
        if volume_wake is not None:
            wake_at, in_background = min(volume_wake, wake_at or volume_wake), False
        wake = (wake_at, in_background) if wake_at is not None else None
        if result.state.sandbox.ip and result.state.sandbox.ip != (state.sandbox.ip if state else ""):
            self.last_ip[node["metadata"]["name"]] = result.state.sandbox.ip  # host-local's last_reserved_ip
        self.pods[uid] = result.state
        used_ips.update(ip for ip in (result.status.get("podIP"), result.state.sandbox.ip) if ip)
        pulled.extend(result.pulled_images)
        for container, lines in result.logs.items():
            self.new_logs.append((uid, container, lines))
        for event in result.events:
            recorder.record(batch, pod, event.type, event.reason, event.message, field_path=event.field_path, at=event.at)
        written = pod
        if result.can_delete:
            batch.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"], grace_period_seconds=0)
        elif result.status != pod.get("status"):
            written = batch.update_status({**pod, "status": result.status})  # its resourceVersion is set on commit
        self.just_synced.append((uid, written, wake))
        return wake

    def lookup_in(self, namespace: str) -> config.Lookup:
        return lambda kind, name: self.cache.get(kind, f"{namespace}/{name}")

    def environment(self, pod: Obj, node: Obj, container: Obj, pod_ip: str, warnings: list[str]) -> dict[str, str]:
        """The environment of a container being created (config.py), with the sandbox's IP."""
        namespace = pod["metadata"]["namespace"]
        services = self.cache.list("Service", namespace=namespace)
        if namespace != "default" and (master := self.cache.get("Service", "default/kubernetes")) is not None:
            services.append(master)
        status = dict(pod.get("status") or {})
        if pod_ip:
            status["podIP"], status["podIPs"] = pod_ip, [{"ip": pod_ip}]
        host_ip = next((a["address"] for a in node.get("status", {}).get("addresses") or [] if a.get("type") == "InternalIP"), "")
        if host_ip:
            status["hostIP"], status["hostIPs"] = host_ip, [{"ip": host_ip}]
        try:
            return config.container_environment({**pod, "status": status}, dict(container), self.lookup_in(namespace),
                                                services=services, node=node, warnings=warnings)
        except config.ConfigError:
            return {}  # container_config_error has kept it from starting

    def sync_volumes(self, pod: Obj, state: PodRecord, node: Obj, now: datetime.datetime,
                     lookup: config.Lookup) -> datetime.datetime | None:
        """The node's side of the pod's volumes: mounted ConfigMaps and Secrets refreshed on the
        periodic sync, and what the programs wrote put in their volumes or writable layers."""
        moment = now.timestamp()
        due = volumes.sync_volumes(state, pod, lookup, node, moment)
        volumes.flush_program_files(self.cluster, pod, state, lookup, moment,
                                    lambda container, record: self.program(pod, container, record))
        return datetime.datetime.fromtimestamp(due, datetime.timezone.utc) if due is not None else None

    def program(self, pod: Obj, container: Obj, record: ContainerRecord) -> Program:
        key = (pod["metadata"]["uid"], container["name"], record.instances)
        if key not in self.programs:
            spec = config.expand_command(container, record.env) if record.env is not None else container
            defaults = image_defaults_for(spec.get("image", ""), cluster=self.cluster)
            self.programs[key] = parse_program(spec, defaults, env=record.env, hostname=pod["metadata"]["name"])
            self.programs.pop((key[0], key[1], record.instances - 1), None)  # only the current run is asked for
        return self.programs[key]

    def probe_files(self, pod: Obj, state: PodRecord | None, lookup: config.Lookup) -> Any:
        """What an exec probe finds besides the program's own files: the image's, the init layer's
        (/etc/hosts, /etc/resolv.conf, /etc/hostname), mounted volumes and files written into the
        writable layer from the page (read once per sync, only if asked)."""
        found: dict[str, set[str]] = {}
        specs = {c["name"]: c for c in pod["spec"].get("containers") or []}

        def files(name: str, at: float) -> set[str]:
            if name not in found:
                record = state.containers.get(name) if state else None
                run = record.instances if record else 0
                spec = specs.get(name, {"name": name})
                changes = volumes.layer_changes(self.cluster, pod["metadata"]["uid"], name, run)
                paths = set(containerfs.image_paths(self.cluster, spec.get("image", ""))) | set(containerfs.INIT_PATHS)
                paths -= {path for path, _, _, whiteout in changes if whiteout}
                paths |= {path for path, _, _, whiteout in changes if not whiteout}
                found[name] = paths | volumes.mounted_paths(state, pod, spec, self.cluster, lookup)
            return found[name]
        return files

    def take_faults(self, node_name: str, pods: list[Obj], now: datetime.datetime) -> None:
        """Apply the faults injected from the page (faults.py) to the pods' kubelet memory."""
        generation = faults.generation()
        read = self.faults_read.get(node_name)
        if generation == self.faults_seen.get(node_name) and read is not None \
                and ((now - read).total_seconds() < LEASE_RENEW_SECONDS or not faults.pending_anywhere()):
            return  # nothing new in this process; other processes' faults are read every heartbeat
        self.faults_seen[node_name] = generation
        self.faults_read[node_name] = now
        by_uid = {p["metadata"]["uid"]: p for p in pods}
        for uid in faults.apply_pending(self.cluster, node_name, self.pods, by_uid):
            self.synced.pop(uid, None)  # sync it now, whatever its resourceVersion says

    def pull_seconds(self, node: Obj, reference: str) -> float | None:
        """Latency + the bytes of the layers this node lacks / its bandwidth; None: no such image."""
        image = catalog.find(reference, cluster=self.cluster)
        if image is None:
            return None
        present = catalog.layers_on_node(node, cluster=self.cluster)  # the layers of node.status.images
        return catalog.pull_seconds(image, present, bytes_per_second=catalog.node_pull_bandwidth(node))

    def renew_lease(self, batch: store.Batch, node: Obj, now: datetime.datetime) -> None:
        name = node["metadata"]["name"]
        lease = self.cache.get("Lease", f"{LEASE_NAMESPACE}/{name}")
        renew_time = store.micro_timestamp(now)
        if lease is None:
            if self.cache.get("Namespace", LEASE_NAMESPACE) is None:
                return  # a cluster without the lease namespace: nothing to renew in
            batch.create(new_lease(node, renew_time))
            return
        renewed = lease["spec"].get("renewTime")
        if renewed and (now - store.parse_timestamp(renewed)).total_seconds() < LEASE_RENEW_SECONDS:
            return
        batch.update({**lease, "spec": {**lease["spec"], "renewTime": renew_time}})

    def report_ready(self, batch: store.Batch, node: Obj, now: datetime.datetime) -> Obj:
        """After the kubelet comes back, the node reports itself healthy again; a healthy node
        rewrites its conditions' heartbeat every nodeStatusReportFrequency (tryUpdateNodeStatus),
        the Lease being the heartbeat in between. A node without its pod range is not Ready:
        the network plugin has nothing to configure pods with yet (node_conditions). Returns the
        node as it should be reported (the same object when nothing is due); the pass writes it
        once, with the images it pulled (two writes of one node in one batch conflict)."""
        conditions = node.get("status", {}).get("conditions", [])
        stamp = store.timestamp(now)
        wanted = node_conditions(node)
        if all(c["status"] == wanted.get(c["type"], ("False",))[0] for c in conditions):
            if not status_report_due(conditions, now):
                return node
            fresh = [{**c, "lastHeartbeatTime": stamp} for c in conditions]
            return {**node, "status": {**node["status"], "conditions": fresh}}
        fresh = [
            {**c, "status": status, "reason": reason, "message": message, "lastHeartbeatTime": stamp,
             "lastTransitionTime": stamp if c["status"] != status else c.get("lastTransitionTime", stamp)}
            for c in conditions
            for status, reason, message in [wanted.get(c["type"], (c["status"], c.get("reason", ""), c.get("message", "")))]
        ]
        ready = "NodeReady" if wanted["Ready"][0] == "True" else "NodeNotReady"
        self.recorder(node["metadata"]["name"]).record(batch, node, "Normal", ready,
                                                        f"Node {node['metadata']['name']} status is now: {ready}")
        return {**node, "status": {**node["status"], "conditions": fresh}}

    def report_images(self, node: Obj, pulled: list[str]) -> Obj:
        """The node with the images this pass pulled in its status.images (the same object when none is new)."""
        images = list(node.get("status", {}).get("images") or [])
        known = {name for entry in images for name in entry.get("names", [])}
        added = False
        for reference in pulled:
            image = catalog.find(reference, cluster=self.cluster)
            if image is None or reference in known:
                continue
            images.append({"names": [f"{catalog.repository_name(reference)}@{image.digest}", reference], "sizeBytes": image.size})
            known.add(reference)
            added = True
        return {**node, "status": {**node["status"], "images": images}} if added else node

    def recorder(self, node_name: str) -> EventRecorder:
        if node_name not in self.recorders:
            self.recorders[node_name] = EventRecorder(self.cluster, component="kubelet", host=node_name)
        return self.recorders[node_name]

    def remember(self) -> None:
        """Load what the cluster's kubelets knew of their pods before the process restarted (or
        the cluster's last worker, before this one took it over): every checkpoint, once, at the
        first pass. A pod that comes after it is new and has none: only these kubelets write
        them, under their worker's fence (a query for each new pod was 7% of their CPU)."""
        if self.remembered:
            return
        self.remembered = True
        node_of = {uid: obj["spec"]["nodeName"] for uid, obj in self.cache.by_uid.items()
                   if obj["kind"] == "Pod" and obj["spec"].get("nodeName")}
        loaded = {uid: found for uid, found in checkpoint.load_all(self.cluster).items() if uid in node_of}
        for uid, (state, saved) in loaded.items():
            self.pods[uid], self.saved[uid] = state, hash(saved)
        for node, ip in last_sandbox_ips({uid: state for uid, (state, _) in loaded.items()}, node_of).items():
            self.last_ip.setdefault(node, ip)

    def pods_gone(self, pods: list[Obj]) -> list[str]:
        """The pods this kubelet remembers that are gone from the cluster (`pods`: this node's)."""
        on_node = {p["metadata"]["uid"] for p in pods}
        # A set difference, not a loop over every node's pods in each node's pass
        return [uid for uid in self.pods.keys() - self.cache.by_uid.keys() if uid not in on_node]

    def drop_pods_gone(self, gone: list[str]) -> None:
        """Once the pass committed their rows' deletion: the pods gone leave the kubelet's memory."""
        if not gone:
            return
        for key in [k for k in self.programs if k[0] in gone]:
            del self.programs[key]
        for uid in gone:
            del self.pods[uid]
            self.synced.pop(uid, None)
            self.saved.pop(uid, None)
            for key in [k for k in self.lines_written if k[0] == uid]:
                del self.lines_written[key]

    def summarize(self, key: Key, node: Obj | None) -> Summary:
        if node is None:
            return super().summarize(key, node)
        pods = self.cache.pods_on(node["metadata"]["name"])
        ready = next((c["status"] for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"), "Unknown")
        observed = [["pods bound here", f"{len(pods)}, {sum(map(is_ready, pods))} ready"], ["Ready", ready]]
        return observed, [["pods", "each bound pod running as its spec says"]], "whatever each pod's containers need next"


class KubeletRuntimeHelper:
    """What this kubelet gives one pod's sync (pod_sync.RuntimeHelper): from its informer cache,
    the image catalog, its programs and the pod's volumes."""

    def __init__(self, kubelet: Kubelet, pod: Obj, node: Obj, state: PodRecord | None) -> None:
        self.kubelet, self.pod, self.node = kubelet, pod, node
        self.lookup = kubelet.lookup_in(pod["metadata"]["namespace"])
        self.warnings: list[str] = []  # envFrom keys that are not valid variable names
        self.files = kubelet.probe_files(pod, state, self.lookup)

    def pull_seconds(self, image: str) -> float | None:
        return self.kubelet.pull_seconds(self.node, image)

    def image_size(self, image: str) -> int | None:
        found = catalog.find(image, cluster=self.kubelet.cluster)
        return found.size if found else None

    def program(self, container: Mapping[str, Any], record: ContainerRecord) -> Program:
        return self.kubelet.program(self.pod, cast(Obj, container), record)

    def container_config_error(self, container: Mapping[str, Any]) -> str | None:
        return config.container_config_error(cast(Obj, container), self.pod["metadata"]["namespace"], self.lookup)

    def container_env(self, container: Mapping[str, Any], pod_ip: str) -> dict[str, str] | None:
        return self.kubelet.environment(self.pod, self.node, cast(Obj, container), pod_ip, self.warnings)

    def volume_mount_error(self) -> str | None:
        return volumes.mount_error(self.pod, self.lookup, self.node) if volumes.has_projected_volumes(self.pod) else None

    def container_files(self, container: str, at: float) -> Collection[str]:
        return self.files(container, at)


def earlier_runs(uid: str, before: PodRecord | None, after: PodRecord) -> list[tuple[str, str, int]]:
    """(pod uid, container, previous run) of each container this sync restarted: the writable
    layers of the runs before the previous one can go, as the container garbage collector
    keeps one dead container per container (`kubectl logs --previous`)."""
    runs = []
    for name, record in after.containers.items():
        was = before.containers[name].instances if before and name in before.containers else 0
        if record.instances > was and record.instances > 2:
            runs.append((uid, name, record.instances - 1))
    return runs


def last_sandbox_ips(states: Mapping[str, PodRecord], node_of: Mapping[str, str]) -> dict[str, str]:
    """Each node's newest sandbox address among these pods: host-local's last_reserved_ip, as
    near as the checkpoints tell it, for a kubelet that starts again (or on another worker)."""
    newest: dict[str, tuple[float, str]] = {}
    for uid, state in states.items():
        node, sandbox = node_of[uid], state.sandbox
        if sandbox.ip and (node not in newest or (sandbox.ready_at or 0) > newest[node][0]):
            newest[node] = (sandbox.ready_at or 0, sandbox.ip)
    return {node: ip for node, (_, ip) in newest.items()}


def only_status_changed(obj: Obj, old: Obj | None) -> bool:
    """A status write (often the kubelet's own): nothing for the kubelet to act on."""
    if old is None:
        return False
    strip = lambda o: {**{k: v for k, v in o.items() if k != "status"},  # noqa: E731
                       "metadata": {k: v for k, v in o["metadata"].items() if k != "resourceVersion"}}
    return strip(obj) == strip(old)


def new_lease(node: Obj, renew_time: str) -> Obj:
    name = node["metadata"]["name"]
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": name,
            "namespace": LEASE_NAMESPACE,
            "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name, "uid": node["metadata"]["uid"]}],
        },
        "spec": {"holderIdentity": name, "leaseDurationSeconds": LEASE_DURATION_SECONDS, "renewTime": renew_time},
    }


HEALTHY = {
    "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
}
# The runtime's NetworkReady=false, as the kubelet's Ready condition words it (setNodeReadyCondition)
# while the CNI plugin has no configuration: kindnet writes it from the node's podCIDR
NETWORK_NOT_READY = ("False", "KubeletNotReady", "container runtime network not ready: NetworkReady=false "
                     "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized")


def node_conditions(node: Obj) -> dict[str, tuple[str, str, str]]:
    """The conditions a running kubelet reports for its node: (status, reason, message) by type."""
    if not (node.get("spec") or {}).get("podCIDR"):
        return {**HEALTHY, "Ready": NETWORK_NOT_READY}
    return HEALTHY


def status_report_due(conditions: list[Obj], now: datetime.datetime) -> bool:
    """An unchanged node status is posted again once nodeStatusReportFrequency has passed since the
    last report (kubelet_node_status.go tryUpdateNodeStatus)."""
    beats = [c["lastHeartbeatTime"] for c in conditions if c.get("lastHeartbeatTime")]
    if not beats:
        return False
    last = max(store.parse_timestamp(beat) for beat in beats)
    return (now - last).total_seconds() >= NODE_STATUS_REPORT_SECONDS
