"""The kubelet's pod workers (pod_workers.py and the components it drives: runtime manager,
image manager, prober, status manager), driven by simulated time only: no database, no sleeping."""
from __future__ import annotations

import copy
import datetime
import json
import tracemalloc
from typing import Any

import pytest

from playground.sim.image_manager import normalize_image
from playground.sim.kuberuntime_manager import allocate_ip
from playground.sim.pod_sync import StandaloneHelper, go_duration
from playground.sim.pod_workers import SyncResult, sync_pod
from playground.sim.records import MAX_RECENT_RUNS, PodRecord, inject_fault
from playground.store.defaults import apply_defaults

T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
NODE = {
    "metadata": {"name": "playground-worker"},
    "spec": {"podCIDR": "10.244.1.0/24"},
    "status": {"addresses": [{"type": "InternalIP", "address": "172.18.0.3"}, {"type": "Hostname", "address": "w"}]},
}


def make_pod(*containers: dict, restart_policy: str = "Always", init: list[dict] | None = None, **spec: Any) -> dict:
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "namespace": "default", "uid": "0b5e-uid"},
           "spec": {"containers": list(containers), "restartPolicy": restart_policy, "nodeName": "playground-worker",
                    **spec}}
    if init:
        pod["spec"]["initContainers"] = init
    apply_defaults(pod)  # what the store holds
    return pod


class Kubelet:
    """Calls sync_pod at every wake_at, as the node's worker would, keeping what it returned."""

    def __init__(self, pod: dict, *, pulls: Any = 2.1, node: dict = NODE) -> None:
        self.pod, self.node = pod, node
        self.helper = StandaloneHelper(pulls if callable(pulls) else (lambda image: pulls),
                                       hostname=pod["metadata"]["name"])
        self.state: PodRecord | None = None
        self.now = T0
        self.result: SyncResult | None = None
        self.events: list = []
        self.history: list[tuple[float, dict]] = []
        self.logs: dict[str, list] = {}
        self.exits: dict[str, list[float]] = {}
        self.sync()

    def sync(self) -> SyncResult:
        result = sync_pod(self.pod, self.state, now=self.now, node=self.node, helper=self.helper)
        self.state, self.result = result.state, result
        self.pod["status"] = result.status
        self.events.extend(result.events)
        for name, lines in result.logs.items():
            self.logs.setdefault(name, []).extend(lines)
        self.history.append((self.seconds(), result.status))
        for name, record in result.state.containers.items():
            finished = round(record.term["finishedAt"] - T0.timestamp(), 6) if record.term else None
            if finished is not None and finished not in self.exits.setdefault(name, []):
                self.exits[name].append(finished)
        return result

    def run_until(self, seconds: float) -> SyncResult:
        """Follow wake_at until `seconds` after T0, then sync at exactly that moment."""
        deadline = T0 + datetime.timedelta(seconds=seconds)
        while self.result.wake_at is not None and self.result.wake_at <= deadline:
            self.now = self.result.wake_at
            self.sync()
        self.now = deadline
        return self.sync()

    def seconds(self) -> float:
        return (self.now - T0).total_seconds()

    def reasons(self) -> list[str]:
        return [event.reason for event in self.events]

    def container(self, name: str | None = None) -> dict:
        statuses = self.result.status["containerStatuses"]
        return statuses[0] if name is None else next(s for s in statuses if s["name"] == name)

    def condition(self, kind: str) -> dict:
        return next(c for c in self.result.status["conditions"] if c["type"] == kind)

    def event_times(self, reason: str) -> list[float]:
        return [(event.at - T0).total_seconds() for event in self.events if event.reason == reason]


def container(name: str = "web", image: str = "nginx:1.27", **fields: Any) -> dict:
    return {"name": name, "image": image, **fields}


# --- starting a pod -----------------------------------------------------------------------------


def test_a_pod_goes_container_creating_then_running_then_ready():
    kubelet = Kubelet(make_pod(container(readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5})))

    assert kubelet.result.status["phase"] == "Pending"
    assert kubelet.container()["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert "podIP" not in kubelet.result.status  # the sandbox is still being created

    kubelet.run_until(10)

    status = kubelet.result.status
    assert status["phase"] == "Running"
    assert status["podIP"] == "10.244.1.2" and status["podIPs"] == [{"ip": "10.244.1.2"}]
    assert status["hostIP"] == "172.18.0.3"
    assert kubelet.container()["ready"] is True and kubelet.container()["started"] is True
    assert kubelet.container()["image"] == "docker.io/library/nginx:1.27"
    assert kubelet.container()["containerID"].startswith("containerd://")
    assert kubelet.condition("Ready")["status"] == "True"
    assert kubelet.reasons() == ["Pulling", "Pulled", "Created", "Started"]
    assert [e.message for e in kubelet.events] == [
        'Pulling image "nginx:1.27"',
        'Successfully pulled image "nginx:1.27" in 2.1s (2.1s including waiting). Image size: 72000000 bytes.',
        "Created container: web",
        "Started container web",
    ]
    assert {e.field_path for e in kubelet.events} == {"spec.containers{web}"}


def test_the_sandbox_comes_first_and_the_pull_starts_when_it_is_ready():
    kubelet = Kubelet(make_pod(container()))

    assert kubelet.result.sandbox.state == "creating"
    kubelet.run_until(1)

    assert kubelet.result.sandbox.state == "ready"
    assert kubelet.event_times("Pulling") == [1.0]
    assert kubelet.condition("PodReadyToStartContainers")["status"] == "True"


def test_conditions_keep_their_transition_time_until_their_status_changes():
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(10)
    ready_since = kubelet.condition("Ready")["lastTransitionTime"]
    scheduled = kubelet.condition("PodScheduled")

    kubelet.run_until(100)

    assert kubelet.condition("Ready")["lastTransitionTime"] == ready_since == "2025-01-01T00:00:03Z"
    assert kubelet.condition("PodScheduled") == scheduled
    assert [c["type"] for c in kubelet.result.status["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]


def test_an_image_already_on_the_node_is_not_pulled_with_if_not_present():
    node = json.loads(json.dumps(NODE))
    node["status"]["images"] = [{"names": ["docker.io/library/nginx:1.27"], "sizeBytes": 72_000_000}]
    kubelet = Kubelet(make_pod(container()), node=node)

    kubelet.run_until(5)

    assert kubelet.reasons() == ["Pulled", "Created", "Started"]
    assert kubelet.events[0].message == 'Container image "nginx:1.27" already present on machine'
    assert kubelet.event_times("Started") == [1.0]


def test_pull_policy_never_without_the_image_is_err_image_never_pull():
    kubelet = Kubelet(make_pod(container(imagePullPolicy="Never")))

    kubelet.run_until(5)

    assert kubelet.container()["state"]["waiting"]["reason"] == "ErrImageNeverPull"
    assert "Pulling" not in kubelet.reasons()


def test_pull_policy_never_starts_once_the_image_is_on_the_node():
    """The pod worker retries the failed sync: the image another pod pulled meanwhile is found."""
    kubelet = Kubelet(make_pod(container(imagePullPolicy="Never")))
    kubelet.run_until(5)

    kubelet.node = json.loads(json.dumps(NODE))
    kubelet.node["status"]["images"] = [{"names": ["docker.io/library/nginx:1.27"], "sizeBytes": 72_000_000}]
    kubelet.run_until(30)

    assert "running" in kubelet.container()["state"]
    assert kubelet.reasons().count("ErrImageNeverPull") >= 1 and "Started" in kubelet.reasons()


def test_the_state_survives_a_json_round_trip():
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(2)

    kubelet.state = PodRecord.from_json(json.loads(json.dumps(kubelet.state.to_json())))
    kubelet.run_until(10)

    assert kubelet.result.status["phase"] == "Running"
    assert kubelet.reasons() == ["Pulling", "Pulled", "Created", "Started"]


def test_the_saved_state_keeps_its_fields_in_their_order():
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(10)

    saved = kubelet.state.to_json()
    assert list(saved["containers"]["web"])[:4] == ["name", "init", "phase", "instances"]
    assert saved["containers"]["web"]["phase"] == "running" and saved["sandbox"]["state"] == "ready"
    assert PodRecord.from_json(json.loads(json.dumps(saved))).to_json() == saved


def test_the_record_of_a_running_pod_costs_about_2_kb():
    """The kubelet keeps one record per pod it runs: 10,000 replicas, 10,000 records (issue 12)."""
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(10)
    tracemalloc.start()
    try:
        records = [copy.deepcopy(kubelet.state) for _ in range(200)]
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert all(r.containers["web"].phase == "running" for r in records)
    assert held / len(records) < 2_500  # bytes: 2.0 KB; 3.2 KB while each record and container kept a dict of its own


def test_a_late_sync_replays_what_happened_at_the_right_moments():
    punctual = Kubelet(make_pod(container(command=["sh", "-c", "echo hi; exit 1"], image="busybox:1.36")))
    punctual.run_until(200)
    late = Kubelet(make_pod(container(command=["sh", "-c", "echo hi; exit 1"], image="busybox:1.36")))
    late.now = T0 + datetime.timedelta(seconds=200)

    late.sync()

    assert [(e.reason, e.at) for e in late.events] == [(e.reason, e.at) for e in punctual.events]
    assert late.container()["restartCount"] == punctual.container()["restartCount"]


# --- restarts -----------------------------------------------------------------------------------


def restart_delays(kubelet: Kubelet, name: str = "web") -> list[float]:
    """Seconds from each exit to the next start."""
    starts = kubelet.event_times("Started")
    return [round(start - finished, 6) for finished, start in zip(kubelet.exits[name], starts[1:])]


def test_exit_1_with_restart_always_crash_loops_with_doubling_back_off():
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sh", "-c", "exit 1"])))

    kubelet.run_until(1300)

    # The first restart is immediate (one relist later), then 10 s doubling up to 300 s
    assert restart_delays(kubelet)[:8] == [1.0, 10.0, 20.0, 40.0, 80.0, 160.0, 300.0, 300.0]
    assert kubelet.result.status["phase"] == "Running"


def test_crash_loop_back_off_shows_in_the_container_state():
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sh", "-c", "echo boom; exit 1"])))

    kubelet.run_until(5.1)  # second exit at 4.1, noticed at 5.1

    state = kubelet.container()["state"]["waiting"]
    assert state["reason"] == "CrashLoopBackOff"
    assert state["message"] == "back-off 10s restarting failed container=web pod=web_default(0b5e-uid)"
    assert kubelet.container()["lastState"]["terminated"]["exitCode"] == 1
    assert kubelet.container()["lastState"]["terminated"]["reason"] == "Error"
    assert kubelet.container()["restartCount"] == 1
    back_off = next(e for e in kubelet.events if e.reason == "BackOff")
    assert (back_off.type, back_off.message) == ("Warning", "Back-off restarting failed container web in pod web_default(0b5e-uid)")
    assert [line.text for line in kubelet.logs["web"]] == ["boom", "boom"]
    assert [line.restart_count for line in kubelet.logs["web"]] == [0, 1]


def test_a_container_that_ran_more_than_10_minutes_starts_its_back_off_over():
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(10)
    for moment in (10, 12, 23, 45):  # crash at once after each restart: back-off grows to 40 s
        kubelet.now = T0 + datetime.timedelta(seconds=moment)
        inject_fault(kubelet.state, "web", "crash", at=kubelet.now)
        kubelet.sync()
        kubelet.run_until(moment + 1.5)
    kubelet.run_until(200)
    assert kubelet.state.containers["web"].backoff == 80.0

    kubelet.now = T0 + datetime.timedelta(seconds=900)  # running for more than 600 s
    inject_fault(kubelet.state, "web", "crash", at=kubelet.now)
    kubelet.sync()
    kubelet.run_until(901)

    assert kubelet.container()["state"].keys() == {"running"}  # restarted without waiting
    assert kubelet.state.containers["web"].backoff == 10.0


def test_a_liveness_failure_restarts_the_container_in_the_same_pod():
    pod = make_pod(container(livenessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 10}))
    kubelet = Kubelet(pod)
    kubelet.run_until(20)
    ip = kubelet.result.status["podIP"]

    inject_fault(kubelet.state, "web", "fail-liveness", at=kubelet.now)
    kubelet.run_until(60)

    assert kubelet.container()["restartCount"] == 1
    assert kubelet.result.status["podIP"] == ip
    assert kubelet.event_times("Unhealthy")[:3] == [23.1, 33.1, 43.1]  # failureThreshold 3, every 10 s
    assert kubelet.events[kubelet.reasons().index("Unhealthy")].message == \
        "Liveness probe failed: HTTP probe failed with statuscode: 500"
    killing = next(e for e in kubelet.events if e.reason == "Killing")
    assert (killing.message, killing.at) == ("Container web failed liveness probe, will be restarted",
                                             T0 + datetime.timedelta(seconds=43.1))
    assert kubelet.event_times("Started") == [3.1, 44.1]
    assert kubelet.container()["lastState"]["terminated"]["reason"] == "Completed"  # nginx exits 0 on SIGTERM


def test_a_liveness_kill_waits_the_grace_period_for_a_program_that_ignores_sigterm():
    kubelet = Kubelet(make_pod(container(
        "liveness", "busybox:1.36", args=["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
        livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5})))

    kubelet.run_until(100)

    assert kubelet.event_times("Killing") == [43.1]  # fails at 33.1, 38.1, 43.1
    assert kubelet.event_times("Started") == [3.1, 73.1]  # SIGKILL after 30 s
    last = kubelet.container("liveness")["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "Error")
    assert kubelet.events[kubelet.reasons().index("Unhealthy")].message == \
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory"


def test_a_pod_waits_in_the_background_only_on_probe_runs_that_can_only_pass_again():
    steady = Kubelet(make_pod(container(readinessProbe={"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                                        livenessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 10})))
    unhealthy_soon = Kubelet(make_pod(container(
        "liveness", "registry.k8s.io/e2e-test-images/agnhost:2.40", args=["liveness"],
        livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 3})))
    reads_files = Kubelet(make_pod(container(readinessProbe={"exec": {"command": ["cat", "/tmp/ready"]}})))

    for kubelet in (steady, unhealthy_soon, reads_files):
        kubelet.run_until(6)

    assert steady.result.wake_at is not None and steady.result.wake_in_background
    assert not unhealthy_soon.result.wake_in_background  # /healthz answers 500 from 10 s on
    assert not reads_files.result.wake_in_background  # kubectl exec may remove the file it reads

    inject_fault(steady.state, "web", "fail-readiness", at=steady.now)
    steady.sync()
    assert not steady.result.wake_in_background  # the next run fails: something will change
    steady.run_until(30)
    assert steady.container()["ready"] is False and not steady.result.wake_in_background


def test_a_readiness_failure_keeps_the_pod_running_but_not_ready():
    kubelet = Kubelet(make_pod(container(readinessProbe={"httpGet": {"path": "/healthz", "port": 80}, "periodSeconds": 5})))

    kubelet.run_until(30)

    assert kubelet.result.status["phase"] == "Running"
    assert kubelet.container()["ready"] is False
    assert kubelet.condition("Ready")["status"] == "False"
    assert kubelet.condition("Ready")["message"] == "containers with unready status: [web]"
    assert "Readiness probe failed: HTTP probe failed with statuscode: 404" in [e.message for e in kubelet.events]
    assert kubelet.container()["restartCount"] == 0


def test_readiness_comes_back_after_a_fault_heals():
    kubelet = Kubelet(make_pod(container(readinessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5})))
    kubelet.run_until(10)
    inject_fault(kubelet.state, "web", "fail-readiness", at=kubelet.now)
    kubelet.run_until(30)
    assert kubelet.container()["ready"] is False

    inject_fault(kubelet.state, "web", "heal", at=kubelet.now)
    kubelet.run_until(40)

    assert kubelet.container()["ready"] is True


def test_the_record_keeps_recent_probe_results_as_runs_of_equal_results():
    kubelet = Kubelet(make_pod(container(readinessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5})))
    kubelet.run_until(20)
    inject_fault(kubelet.state, "web", "fail-readiness", at=kubelet.now)
    kubelet.run_until(40)
    inject_fault(kubelet.state, "web", "heal", at=kubelet.now)

    kubelet.run_until(60)

    t0 = T0.timestamp()
    seen = [(p["ok"], p["count"], p["from"] - t0, p["to"] - t0) for p in kubelet.state.containers["web"].recent_probes]
    assert [(ok, count) for ok, count, _, _ in seen] == [(True, 4), (False, 4), (True, 4)]
    assert all(round(end - start) == 15 for _, _, start, end in seen)  # every 5 s: periodSeconds
    failed = kubelet.state.containers["web"].recent_probes[1]
    assert failed["kind"] == "readiness" and failed["output"] == "dial tcp 10.244.1.2:80: connect: connection refused"


def test_the_record_keeps_each_recent_run_and_the_back_off_wait_after_it():
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sh", "-c", "exit 1"])))

    kubelet.run_until(200)

    runs = kubelet.state.containers["web"].recent_runs
    waits = [round(r["backOffUntil"] - r["finishedAt"]) if "backOffUntil" in r else None for r in runs]
    assert waits[:5] == [None, 10, 20, 40, 80]  # the first restart is immediate, then the back-off doubles
    assert all((r["exitCode"], r["reason"]) == (1, "Error") for r in runs if "finishedAt" in r)
    assert [r["run"] for r in runs] == list(range(1, len(runs) + 1))


def test_the_recent_runs_are_bounded():
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sh", "-c", "exit 1"])))

    kubelet.run_until(4000)

    record = kubelet.state.containers["web"]
    assert len(record.recent_runs) == MAX_RECENT_RUNS
    assert record.recent_runs[-1]["run"] == record.instances  # the newest kept, the oldest dropped


def test_a_startup_probe_holds_back_liveness_and_readiness():
    slow = container(command=["sh", "-c", "sleep 20 && exec nginx -g 'daemon off;'"],
                     startupProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5, "failureThreshold": 30},
                     livenessProbe={"tcpSocket": {"port": 80}, "periodSeconds": 5, "failureThreshold": 1})
    kubelet = Kubelet(make_pod(slow))

    kubelet.run_until(15)
    assert kubelet.container()["started"] is False and kubelet.container()["ready"] is False

    kubelet.run_until(60)

    assert kubelet.container()["started"] is True and kubelet.container()["ready"] is True
    assert kubelet.container()["restartCount"] == 0
    assert all(e.message.startswith("Startup probe failed") for e in kubelet.events if e.reason == "Unhealthy")


def test_a_changed_image_restarts_the_container_with_it():
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(10)

    kubelet.pod["spec"]["containers"][0]["image"] = "nginx:1.28"  # kubectl set image pod/web web=nginx:1.28
    kubelet.sync()
    assert kubelet.container()["image"] == "docker.io/library/nginx:1.27"  # still the running container's
    kubelet.run_until(20)

    killing = next(e for e in kubelet.events if e.reason == "Killing")
    assert (killing.message, killing.at) == ("Container web definition changed, will be restarted",
                                             T0 + datetime.timedelta(seconds=10))
    assert 'Pulling image "nginx:1.28"' in [e.message for e in kubelet.events]
    assert kubelet.container()["image"] == "docker.io/library/nginx:1.28"
    assert kubelet.container()["restartCount"] == 1 and kubelet.container()["state"].keys() == {"running"}


# --- images ---------------------------------------------------------------------------------------


def test_an_unknown_image_gives_err_image_pull_then_image_pull_back_off():
    kubelet = Kubelet(make_pod(container(image="nosuch:1.0")), pulls=lambda image: None)

    kubelet.run_until(2)
    assert kubelet.container()["state"]["waiting"]["reason"] == "ErrImagePull"
    kubelet.run_until(3)
    waiting = kubelet.container()["state"]["waiting"]
    assert waiting["reason"] == "ImagePullBackOff"
    assert waiting["message"].startswith('Back-off pulling image "nosuch:1.0": ErrImagePull: ')

    kubelet.run_until(80)

    assert kubelet.event_times("Pulling") == [1.0, 12.0, 33.0, 74.0]  # back-off 10, 20, 40 s after each failure
    assert "Error: ErrImagePull" in [e.message for e in kubelet.events]
    assert kubelet.result.status["phase"] == "Pending"


def test_pulls_of_several_containers_happen_one_after_the_other():
    kubelet = Kubelet(make_pod(container(), container("cache", "redis:7")))

    kubelet.run_until(10)

    assert kubelet.event_times("Pulling") == [1.0, 3.1]
    assert kubelet.event_times("Started") == [3.1, 5.2]


# --- init containers and restart policies ---------------------------------------------------------


def test_init_containers_run_in_order_before_the_app_containers():
    init = [container("first", "busybox:1.36", command=["sh", "-c", "echo one; sleep 5"]),
            container("second", "busybox:1.36", command=["sh", "-c", "echo two; sleep 3"])]
    kubelet = Kubelet(make_pod(container(), init=init))

    kubelet.run_until(4)
    assert kubelet.result.status["phase"] == "Pending"
    assert kubelet.container()["state"]["waiting"]["reason"] == "PodInitializing"
    assert kubelet.condition("Initialized")["message"] == "containers with incomplete status: [first second]"

    kubelet.run_until(30)

    started = [(e.field_path, (e.at - T0).total_seconds()) for e in kubelet.events if e.reason == "Started"]
    assert started == [("spec.initContainers{first}", 3.1), ("spec.initContainers{second}", 8.1),
                       ("spec.containers{web}", 13.2)]
    assert kubelet.result.status["phase"] == "Running"
    assert kubelet.condition("Initialized")["status"] == "True"
    assert [s["state"]["terminated"]["reason"] for s in kubelet.result.status["initContainerStatuses"]] == ["Completed"] * 2


def test_a_failing_init_container_is_retried_with_back_off():
    init = [container("migrate", "busybox:1.36", command=["sh", "-c", "exit 1"])]
    kubelet = Kubelet(make_pod(container(), init=init))

    kubelet.run_until(40)

    assert kubelet.event_times("Started") == [3.1, 4.1, 14.1, 34.1]
    assert kubelet.result.status["phase"] == "Pending"
    assert kubelet.result.status["initContainerStatuses"][0]["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert kubelet.container()["state"]["waiting"]["reason"] == "PodInitializing"


def test_a_failing_init_container_with_restart_policy_never_fails_the_pod():
    init = [container("migrate", "busybox:1.36", command=["sh", "-c", "exit 2"])]
    kubelet = Kubelet(make_pod(container(), init=init, restart_policy="Never"))

    kubelet.run_until(30)

    assert kubelet.result.status["phase"] == "Failed"
    assert kubelet.event_times("Started") == [3.1]
    assert kubelet.condition("PodReadyToStartContainers")["status"] == "False"


def sidecar(command: list[str] | None = None, **fields: Any) -> dict:
    return container("logger", "busybox:1.36", command=command or ["sleep", "3600"], restartPolicy="Always", **fields)


def init_status(kubelet: Kubelet, name: str = "logger") -> dict:
    return next(s for s in kubelet.result.status["initContainerStatuses"] if s["name"] == name)


def test_a_sidecar_starts_before_the_app_containers_and_keeps_running_beside_them():
    kubelet = Kubelet(make_pod(container(), init=[sidecar()]))

    kubelet.run_until(20)

    assert kubelet.result.status["phase"] == "Running"
    logger = init_status(kubelet)
    assert logger["state"].keys() == {"running"} and logger["started"] is True and logger["ready"] is True
    assert kubelet.container()["state"].keys() == {"running"}
    assert kubelet.condition("Initialized")["status"] == kubelet.condition("Ready")["status"] == "True"
    started = [(e.field_path, (e.at - T0).total_seconds()) for e in kubelet.events if e.reason == "Started"]
    assert started == [("spec.initContainers{logger}", 3.1), ("spec.containers{web}", 5.2)]


def test_a_sidecar_that_exits_is_restarted_whatever_the_pods_restart_policy():
    kubelet = Kubelet(make_pod(container(), init=[sidecar(["sh", "-c", "sleep 10; exit 1"])], restart_policy="Never"))

    kubelet.run_until(30)

    assert init_status(kubelet)["restartCount"] >= 1
    assert kubelet.result.status["phase"] == "Running"
    assert kubelet.container()["restartCount"] == 0


def test_a_sidecar_is_stopped_once_the_app_containers_of_a_finished_pod_have_exited():
    job = container(image="busybox:1.36", command=["sh", "-c", "sleep 5"])
    kubelet = Kubelet(make_pod(job, init=[sidecar()], restart_policy="Never", terminationGracePeriodSeconds=5))

    kubelet.run_until(30)

    assert kubelet.result.status["phase"] == "Succeeded"
    assert [e.message for e in kubelet.events if e.reason == "Killing"] == ["Stopping container logger"]
    assert init_status(kubelet)["state"]["terminated"]["exitCode"] == 137  # sleep ignores SIGTERM
    assert kubelet.result.wake_at is None


def test_a_deleted_pod_stops_its_sidecars_after_its_app_containers():
    pod = make_pod(container(), init=[sidecar()])
    kubelet = Kubelet(pod)
    kubelet.run_until(10)

    pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:40Z"
    kubelet.sync()
    result = kubelet.run_until(45)

    killing = [(e.field_path, (e.at - T0).total_seconds()) for e in kubelet.events if e.reason == "Killing"]
    assert killing == [("spec.containers{web}", 10.0), ("spec.initContainers{logger}", 11.0)]  # nginx exits at 11
    assert init_status(kubelet)["state"]["terminated"]["finishedAt"] == "2025-01-01T00:00:40Z"  # the grace period's end
    assert result.can_delete is True


@pytest.mark.parametrize(("code", "phase", "reason"), [(0, "Succeeded", "Completed"), (1, "Failed", "Error")])
def test_restart_policy_never_ends_the_pod_with_the_container(code, phase, reason):
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sh", "-c", f"sleep 5; exit {code}"]),
                               restart_policy="Never"))

    kubelet.run_until(60)

    assert kubelet.result.status["phase"] == phase
    assert kubelet.container()["state"]["terminated"]["reason"] == reason
    assert kubelet.container()["state"]["terminated"]["exitCode"] == code
    assert kubelet.container()["restartCount"] == 0
    assert kubelet.condition("Ready")["reason"] == ("PodCompleted" if code == 0 else "PodFailed")
    assert kubelet.result.wake_at is None


def test_restart_policy_on_failure_restarts_failures_only():
    ok = Kubelet(make_pod(container(image="busybox:1.36", command=["true"]), restart_policy="OnFailure"))
    failing = Kubelet(make_pod(container(image="busybox:1.36", command=["false"]), restart_policy="OnFailure"))

    ok.run_until(30)
    failing.run_until(30)

    assert ok.result.status["phase"] == "Succeeded"
    assert failing.result.status["phase"] == "Running"
    assert failing.container()["restartCount"] >= 2


def test_a_container_over_its_memory_limit_is_oom_killed():
    hog = container("hog", "polinux/stress", command=["stress"],
                    args=["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
                    resources={"limits": {"memory": "100Mi"}})
    kubelet = Kubelet(make_pod(hog, restart_policy="Never"))

    kubelet.run_until(10)

    terminated = kubelet.container()["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "OOMKilled")
    assert kubelet.result.status["phase"] == "Failed"


def test_the_same_hog_under_a_bigger_limit_keeps_running():
    hog = container("hog", "polinux/stress", command=["stress"], args=["--vm", "1", "--vm-bytes", "150M"],
                    resources={"limits": {"memory": "200Mi"}})
    kubelet = Kubelet(make_pod(hog))

    kubelet.run_until(60)

    assert kubelet.container()["state"].keys() == {"running"}
    assert kubelet.result.status["qosClass"] == "Burstable"


# --- faults and termination -----------------------------------------------------------------------


def test_a_killed_sandbox_is_recreated_and_the_containers_restart():
    kubelet = Kubelet(make_pod(container()))
    kubelet.run_until(10)

    inject_fault(kubelet.state, None, "kill-sandbox", at=kubelet.now)
    kubelet.run_until(20)

    assert "SandboxChanged" in kubelet.reasons()
    assert kubelet.result.sandbox.attempt == 1
    assert kubelet.container()["restartCount"] == 1
    assert kubelet.container()["state"].keys() == {"running"}


def test_a_pod_whose_init_containers_rerun_in_a_new_sandbox_stays_running():
    init = [container("setup", "busybox:1.36", command=["sh", "-c", "sleep 5"])]
    kubelet = Kubelet(make_pod(container(), init=init))
    kubelet.run_until(20)
    assert kubelet.result.status["phase"] == "Running"

    inject_fault(kubelet.state, None, "kill-sandbox", at=kubelet.now)
    kubelet.sync()  # the kubelet reports each moment: the sandbox gone, setup re-running, web restarted
    kubelet.run_until(40)

    assert kubelet.event_times("Started")[-2:][0] > 20  # setup ran again before web restarted
    assert {status["phase"] for seconds, status in kubelet.history if seconds >= 20} == {"Running"}
    assert kubelet.container()["restartCount"] == 1


def test_a_deleting_pod_stops_within_its_grace_period():
    pod = make_pod(container(image="busybox:1.36", command=["sleep", "3600"]), terminationGracePeriodSeconds=30)
    kubelet = Kubelet(pod)
    kubelet.run_until(10)

    pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:40Z"
    pod["metadata"]["deletionGracePeriodSeconds"] = 30
    kubelet.sync()  # the kubelet sees the update at once
    result = kubelet.run_until(20)
    assert kubelet.events[-1].message == "Stopping container web"
    assert result.can_delete is False
    assert kubelet.container()["state"].keys() == {"running"}

    result = kubelet.run_until(40)

    assert result.can_delete is True
    terminated = kubelet.container()["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "Error")  # sleep ignores SIGTERM
    assert terminated["finishedAt"] == "2025-01-01T00:00:40Z"
    assert kubelet.container()["restartCount"] == 0
    assert result.status["phase"] == "Failed"


def test_a_server_that_handles_sigterm_stops_at_once_and_completes():
    pod = make_pod(container())
    kubelet = Kubelet(pod)
    kubelet.run_until(10)

    pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:40Z"
    kubelet.sync()
    result = kubelet.run_until(11)

    assert result.can_delete is True
    assert kubelet.container()["state"]["terminated"]["reason"] == "Completed"
    assert result.status["phase"] == "Succeeded"


def test_a_pod_past_its_active_deadline_is_killed_and_fails():
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sleep", "3600"]),
                               activeDeadlineSeconds=30, terminationGracePeriodSeconds=5))
    kubelet.run_until(29)
    assert kubelet.result.status["phase"] == "Running"

    kubelet.run_until(60)

    status = kubelet.result.status
    assert (status["phase"], status["reason"]) == ("Failed", "DeadlineExceeded")
    assert status["message"] == "Pod was active on the node longer than the specified deadline"
    deadline = next(e for e in kubelet.events if e.reason == "DeadlineExceeded")
    assert (deadline.type, deadline.message, deadline.field_path) == ("Normal", status["message"], "")
    assert kubelet.event_times("DeadlineExceeded") == kubelet.event_times("Killing") == [30.0]
    terminated = kubelet.container()["state"]["terminated"]
    assert (terminated["exitCode"], terminated["finishedAt"]) == (137, "2025-01-01T00:00:35Z")  # SIGKILL after 5 s
    assert kubelet.condition("Ready")["reason"] == "PodFailed"
    assert kubelet.result.wake_at is None


def test_a_pre_stop_hook_runs_before_sigterm_inside_the_grace_period():
    pod = make_pod(container(lifecycle={"preStop": {"exec": {"command": ["sleep", "20"]}}}))
    kubelet = Kubelet(pod)
    kubelet.run_until(10)

    pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:40Z"
    kubelet.sync()
    assert kubelet.run_until(30).can_delete is False  # still in its preStop
    result = kubelet.run_until(35)

    assert result.can_delete is True
    terminated = kubelet.container()["state"]["terminated"]
    assert (terminated["reason"], terminated["finishedAt"]) == ("Completed", "2025-01-01T00:00:31Z")  # SIGTERM at 30


def test_a_pre_stop_hook_longer_than_the_grace_period_leaves_two_seconds_before_sigkill():
    pod = make_pod(container(image="busybox:1.36", command=["sleep", "3600"],
                             lifecycle={"preStop": {"sleep": {"seconds": 60}}}), terminationGracePeriodSeconds=10)
    kubelet = Kubelet(pod)
    kubelet.run_until(10)

    pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:20Z"
    pod["metadata"]["deletionGracePeriodSeconds"] = 10
    kubelet.sync()
    kubelet.run_until(30)

    terminated = kubelet.container()["state"]["terminated"]
    assert (terminated["exitCode"], terminated["finishedAt"]) == (137, "2025-01-01T00:00:22Z")


def test_a_container_is_running_only_once_its_post_start_hook_returns():
    hooked = container(lifecycle={"postStart": {"exec": {"command": ["sh", "-c", "sleep 5"]}}})
    kubelet = Kubelet(make_pod(hooked, container("sidecar", "busybox:1.36", command=["sleep", "3600"])))

    kubelet.run_until(6)
    assert kubelet.container("web")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert kubelet.result.status["phase"] == "Pending"
    assert "Started" in kubelet.reasons() and kubelet.event_times("Started") == [3.1]  # sidecar waits for the hook

    kubelet.run_until(15)

    assert kubelet.container("web")["state"].keys() == {"running"}
    assert kubelet.event_times("Pulling") == [1.0, 8.1]  # the sidecar's pull begins once the hook returned
    assert kubelet.result.status["phase"] == "Running"


def test_a_failing_post_start_hook_kills_the_container():
    hooked = container(lifecycle={"postStart": {"exec": {"command": ["sh", "-c", "exit 1"]}}})
    kubelet = Kubelet(make_pod(hooked))

    kubelet.run_until(8)

    failed = next(e for e in kubelet.events if e.reason == "FailedPostStartHook")
    assert (failed.type, failed.message) == ("Warning", "PostStartHook failed")
    assert [e.message for e in kubelet.events if e.reason == "Killing"][0] == "FailedPostStartHook"
    assert kubelet.container()["restartCount"] >= 1


# --- helpers --------------------------------------------------------------------------------------


def test_allocate_ip_skips_the_gateway_and_used_addresses():
    assert allocate_ip("10.244.1.0/24", []) == "10.244.1.2"
    assert allocate_ip("10.244.1.0/24", ["10.244.1.2", "10.244.1.3"]) == "10.244.1.4"
    assert allocate_ip("10.244.1.0/30", ["10.244.1.2"]) is None


def test_a_full_pod_cidr_fails_the_sandbox():
    used = [f"10.244.1.{n}" for n in range(2, 255)]
    result = sync_pod(make_pod(container()), None, now=T0, node=NODE, helper=StandaloneHelper(lambda image: 1.0),
                      used_ips=used)

    assert result.events[0].reason == "FailedCreatePodSandBox"
    assert "no IP addresses available" in result.events[0].message
    assert result.status["containerStatuses"][0]["state"]["waiting"]["reason"] == "ContainerCreating"


@pytest.mark.parametrize(("seconds", "text"), [(2.1, "2.1s"), (0.5, "500ms"), (65.5, "1m5.5s"), (1.5617, "1.561s")])
def test_durations_print_like_go(seconds, text):
    assert go_duration(seconds) == text


def test_image_names_are_normalized_like_containerd():
    assert normalize_image("nginx:1.27") == "docker.io/library/nginx:1.27"
    assert normalize_image("bitnami/redis") == "docker.io/bitnami/redis:latest"
    assert normalize_image("registry.k8s.io/pause:3.10") == "registry.k8s.io/pause:3.10"


def test_addresses_are_handed_out_after_the_last_one_and_wrap_around():
    assert allocate_ip("10.244.1.0/29", [], after=None) == "10.244.1.2"
    assert allocate_ip("10.244.1.0/29", ["10.244.1.2"], after="10.244.1.2") == "10.244.1.3"
    assert allocate_ip("10.244.1.0/29", [], after="10.244.1.3") == "10.244.1.4"  # .2 is free, but comes later
    assert allocate_ip("10.244.1.0/29", ["10.244.1.3"], after="10.244.1.6") == "10.244.1.2"  # wrapped
    assert allocate_ip("10.244.1.0/30", ["10.244.1.2"], after="10.244.1.2") is None  # full
