"""The scale-out mode on the real PostgreSQL and Redis: two `runcontrollers` workers share the
clusters, one is killed (SIGKILL) in the middle of a rollout and the other takes its clusters
over within the lease duration, carrying on from the kubelets' checkpoints; and a page open on
one web process is updated by a write made through another process.

Workers share clusters only over PostgreSQL (.ci/run's second run sets DATABASE_URL); Redis is
on 127.0.0.1:6379 (database 5 here), required when PLAYGROUND_REDIS_TESTS=required.
"""
from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from playground.store import api as store
from playground.store import changelog, clock
from playground.store.demo import create_demo_cluster
from playground.store.models import Cluster, ClusterLease
from tests.commands.test_playground import free_port
from tests.factories import deployment
from tests.web.test_redis_channel_layer import redis_answers

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
REDIS_URL = os.environ.get("PLAYGROUND_TEST_SCALE_OUT_REDIS_URL", "redis://127.0.0.1:6379/5")
# Short leases, so a takeover is seconds: duration > renew deadline > 1.2 × retry period
LEASES = {"PLAYGROUND_LEASE_DURATION_SECONDS": "4", "PLAYGROUND_LEASE_RENEW_DEADLINE_SECONDS": "3",
          "PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS": "1"}
CLUSTERS = ["default", "team-a", "team-b", "team-c"]
REPLICAS = 4
SPEED = 1.0  # real time: a takeover (seconds) stays well inside the 40 s a node may go unheard before it is NotReady

pytestmark = [
    pytest.mark.skipif(not POSTGRES, reason="workers share one database only on PostgreSQL: set DATABASE_URL=postgres://… (.ci/run's second run does)"),
    pytest.mark.django_db(transaction=True),  # the workers are other processes: they see only what is committed
]


def database_url() -> str:
    """The test database, for the processes the test starts."""
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def environment(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(data_dir), "DATABASE_URL": database_url(), **LEASES, **extra}
    env.pop("REDIS_URL", None)
    return env


def wait_for(condition: Callable[[], Any], what: str, *, deadline: float = 120.0) -> Any:
    """Poll until `condition` gives something true, or fail naming what never came, and how the rollouts stand."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if found := condition():
            return found
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what} after {deadline:.0f} s; {rollouts()}; leases {holders()}")


def rollouts() -> dict[str, Any]:
    """Each cluster's Deployment status and its pods' phases, for a failure's message."""
    shown = {}
    for name in CLUSTERS:
        with contextlib.suppress(Exception):
            d = store.get(name, "Deployment", "web", "default")
            pods = store.list(name, "Pod", namespace="default", label_selector="app=web")
            shown[name] = (d["metadata"]["generation"], d.get("status"),
                           [(p["metadata"]["name"], p["spec"].get("nodeName"), p.get("status", {}).get("phase")) for p in pods])
    return shown


@contextlib.contextmanager
def workers(data_dir: Path, count: int) -> Iterator[list[subprocess.Popen]]:
    started = []
    try:
        for n in range(count):
            log = open(data_dir / f"worker-{n}.log", "w")  # noqa: SIM115 - the worker's own, closed with it
            started.append(subprocess.Popen([sys.executable, "manage.py", "runcontrollers"], cwd=ROOT,
                                            env=environment(data_dir, LOG_LEVEL="INFO"), stdout=log, stderr=log))
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def holders() -> dict[str, str]:
    """Cluster → the worker holding it ("" when released)."""
    return dict(ClusterLease.objects.filter(cluster__isnull=False).values_list("cluster__name", "holder_identity"))


def shared_by_two() -> dict[str, str] | None:
    held = holders()
    by_worker = {h for h in held.values() if h}
    return held if len(held) == len(CLUSTERS) and len(by_worker) == 2 else None


def rolling_deployment(image: str) -> dict:
    obj = deployment("web", replicas=REPLICAS, image=image)
    obj["spec"]["minReadySeconds"] = 2
    obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    return obj


def converged(name: str, image: str) -> bool:
    """The Deployment says it is done, and exactly its replicas run the image, all ready."""
    d = store.get(name, "Deployment", "web", "default")
    status = d.get("status", {})
    pods = store.list(name, "Pod", namespace="default", label_selector="app=web")
    return (status.get("observedGeneration") == d["metadata"]["generation"]
            and status.get("updatedReplicas") == status.get("availableReplicas") == status.get("replicas") == REPLICAS
            and len(pods) == REPLICAS
            and all(p["spec"]["containers"][0]["image"] == image and p.get("status", {}).get("phase") == "Running"
                    for p in pods))


def rollout_under_way(name: str) -> bool:
    """The Deployment controller has begun: a ReplicaSet of the new template has pods, and the old one still has some."""
    sets = store.list(name, "ReplicaSet", namespace="default")
    new = [rs for rs in sets if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"]
    old = [rs for rs in sets if rs not in new]
    return bool(new and new[0].get("status", {}).get("replicas") and old and old[0].get("status", {}).get("replicas"))


def most_pods_at_once(name: str) -> int:
    """Replaying the cluster's change log: the most pods of the Deployment alive (not being
    deleted) at any one resourceVersion. A pod created twice (two workers, or a worker
    that forgot what it did) shows as one more than the rollout's surge allows."""
    alive: set[str] = set()
    most = 0
    since = Cluster.objects.get(name=name).compacted_revision  # the cluster's beginning
    for event in changelog.changes(name, since, limit=1_000_000):
        obj = event.object
        if obj["kind"] != "Pod" or (obj["metadata"].get("labels") or {}).get("app") != "web":
            continue
        if event.type == "DELETED" or obj["metadata"].get("deletionTimestamp"):
            alive.discard(obj["metadata"]["name"])
        else:
            alive.add(obj["metadata"]["name"])
        most = max(most, len(alive))
    return most


def starts_per_pod(name: str) -> dict[str, int]:
    """How many times the kubelet started each pod's container (its Started Events, counted)."""
    pods = {p["metadata"]["name"]: 0 for p in store.list(name, "Pod", namespace="default", label_selector="app=web")}
    for event in store.list(name, "Event", namespace="default"):
        involved = event["involvedObject"]
        if involved["kind"] == "Pod" and involved["name"] in pods and event["reason"] == "Started":
            pods[involved["name"]] += event.get("count", 1)
    return pods


def test_a_worker_killed_mid_rollout_has_its_clusters_taken_over_and_every_rollout_converges(tmp_path):
    for name in CLUSTERS:
        create_demo_cluster(name)
        clock.set_mode(name, "running", speed=SPEED)
        store.apply(name, rolling_deployment("nginx:1.27"))

    with workers(tmp_path, 2) as (first, second):
        held = wait_for(shared_by_two, "the two workers to share the clusters")
        wait_for(lambda: all(converged(name, "nginx:1.27") for name in CLUSTERS), "the first version everywhere")
        for name in CLUSTERS:
            store.apply(name, rolling_deployment("nginx:1.28"))
        victim = next(identity for identity in held.values() if identity)
        victims = [name for name, identity in held.items() if identity == victim]
        wait_for(lambda: any(rollout_under_way(name) for name in victims), "a rollout under way on the worker to kill")
        process = first if f"_{first.pid}_" in victim else second

        process.send_signal(signal.SIGKILL)
        process.wait()
        killed_at = time.monotonic()
        survivor = wait_for(lambda: (h := set(holders().values())) == {s for s in h if s != victim} and len(h) == 1 and h,
                            "the other worker to hold every cluster", deadline=60)
        taken_after = time.monotonic() - killed_at
        wait_for(lambda: all(converged(name, "nginx:1.28") for name in CLUSTERS), "the second version everywhere")

    print(f"\ntakeover: every cluster of the killed worker held by {survivor.pop()} {taken_after:.1f} s after SIGKILL"
          f" (lease duration {LEASES['PLAYGROUND_LEASE_DURATION_SECONDS']} s)")
    # Within the lease duration of its last renewal, give or take the survivor's retry period
    lease = float(LEASES["PLAYGROUND_LEASE_DURATION_SECONDS"]) + 2 * float(LEASES["PLAYGROUND_LEASE_RETRY_PERIOD_SECONDS"])
    assert taken_after <= lease + 1.0
    for name in CLUSTERS:
        assert most_pods_at_once(name) <= REPLICAS + 1, f"{name}: more pods at once than maxSurge allows"
        starts = starts_per_pod(name)
        assert set(starts.values()) == {1}, f"{name}: each pod's container started once, not {starts}"


@pytest.mark.skipif(not redis_answers() and os.environ.get("PLAYGROUND_REDIS_TESTS") != "required",
                    reason="no Redis on 127.0.0.1:6379; .ci/run starts one")
def test_a_page_on_one_web_process_is_updated_by_a_write_through_another(tmp_path):
    import websocket  # websocket-client: a page's socket as the browser opens it

    create_demo_cluster("default")
    port = free_port()
    env = environment(tmp_path, REDIS_URL=REDIS_URL)
    web = subprocess.Popen([sys.executable, "manage.py", "playground", "--no-controllers", "--port", str(port),
                            "--api-port", str(free_port())], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "Kubernetes Playground: http://" in web.stdout.readline()
        page = websocket.create_connection(f"ws://127.0.0.1:{port}/ws/clusters/default/", timeout=60,
                                           origin=f"http://127.0.0.1:{port}")
        manifest = tmp_path / "pod.json"
        manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod",
                                        "metadata": {"name": "written-elsewhere", "namespace": "default"},
                                        "spec": {"nodeName": "playground-worker",
                                                 "containers": [{"name": "main", "image": "nginx:1.27"}]}}))

        subprocess.run([sys.executable, "manage.py", "apply", "-f", str(manifest)], cwd=ROOT, env=env, check=True,
                       capture_output=True)

        frame = wait_for(lambda: (text := page.recv()) and "written-elsewhere" in text and text,
                         "the page's socket to show the pod")
        page.close()
    finally:
        web.send_signal(signal.SIGINT)
        web.wait(timeout=30)
    assert "written-elsewhere" in frame
