"""Every shipped lesson solved end to end, as a learner would: before a step's work its checks
are red, right after it (pods not yet Ready) still red, and green once the cluster is there."""
from __future__ import annotations

from collections.abc import Callable

from playground.images import registry
from playground.kubectl import rollout, verbs
from playground.lessons.files import Lesson, Step, load_lessons
from playground.lessons.view import LiveView
from playground.sim import faults
from tests.factories import deployment, pod

LESSONS = {lesson.slug: lesson for lesson in load_lessons()}


def verdicts(cluster, step: Step, baseline: dict[str, str]) -> list[tuple[bool, str]]:
    view = LiveView(cluster.name)
    return [(v.done, v.saw) for v in (check.evaluate(view, baseline) for check in step.checks)]


def solve(cluster, lesson: Lesson, work: list[Callable[[], object]], *, done_at_once: frozenset[int] = frozenset()) -> None:
    """Do each step's work; its checks must be red before, red an instant after (but for the steps
    in `done_at_once`, whose end state the controllers reach in the same instant), green when settled."""
    if lesson.start:
        cluster.apply_text(lesson.start)
        cluster.advance(60)
    for step, do in zip(lesson.steps, work, strict=True):
        baseline = {k: v for check in step.checks for k, v in check.remember(LiveView(cluster.name)).items()}
        assert not all(done for done, _ in verdicts(cluster, step, baseline)), f"{step.title}: green before any work"
        do()
        cluster.advance(0.5)
        if step.number not in done_at_once:
            assert not all(done for done, _ in verdicts(cluster, step, baseline)), f"{step.title}: green too early"
        cluster.advance(180)  # a DaemonSet's rollout waits out each old pod's 30 s grace period
        seen = verdicts(cluster, step, baseline)
        assert all(done for done, _ in seen), f"{step.title}: {seen}"


REPLICA_SET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def test_replica_sets_and_scaling(cluster):
    solve(cluster, LESSONS["08-replicasets"], [
        lambda: cluster.apply_text(REPLICA_SET),
        lambda: verbs.scale(cluster.name, "ReplicaSet", "web", "default", 5),
        lambda: cluster.create(pod("extra", labels={"app": "web"})),
    ], done_at_once=frozenset({3}))  # the ReplicaSet deletes the extra pod before it starts: gone at once


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def test_deployments_and_rolling_updates(cluster):
    solve(cluster, LESSONS["09-deployments"], [
        lambda: cluster.apply_text(DEPLOYMENT),
        lambda: verbs.set_image(cluster.name, "Deployment", "web", "default", {"nginx": "nginx:1.28"}),
        lambda: rollout.undo(cluster.name, "web", "default"),
    ])


DAEMON_SET = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: agent, image: "busybox:1.36", command: ["sleep", "3600"]}]
"""
TOLERATE_CONTROL_PLANE = {"spec": {"template": {"spec": {"tolerations": [
    {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]}}}}


def test_daemon_sets(cluster):
    def only_on_ssd() -> None:
        cluster.patch("Node", "playground-worker", "", {"metadata": {"labels": {"disk": "ssd"}}}, patch_type="merge")
        cluster.patch("DaemonSet", "agent", "default", {"spec": {"template": {"spec": {"nodeSelector": {"disk": "ssd"}}}}},
                      patch_type="merge")

    solve(cluster, LESSONS["12-daemonsets"], [
        lambda: cluster.apply_text(DAEMON_SET),
        lambda: cluster.patch("DaemonSet", "agent", "default", TOLERATE_CONTROL_PLANE, patch_type="merge"),
        only_on_ssd,
    ])


STATEFUL_SET = """
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: redis, port: 6379}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: redis, image: "redis:7.4", ports: [{containerPort: 6379}]}]
"""


def test_stateful_sets(cluster):
    solve(cluster, LESSONS["10-statefulsets"], [
        lambda: cluster.apply_text(STATEFUL_SET),
        lambda: verbs.delete(cluster.name, "Pod", "db-1", "default"),
        lambda: verbs.scale(cluster.name, "StatefulSet", "db", "default", 5),
    ])


CLAIMING_STATEFUL_SET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: redis
        image: "redis:7.4"
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


def test_stateful_set_storage(cluster):
    solve(cluster, LESSONS["11-statefulset-storage"], [
        lambda: cluster.apply_text(CLAIMING_STATEFUL_SET),
        lambda: verbs.delete(cluster.name, "Pod", "db-0", "default"),
        lambda: verbs.scale(cluster.name, "StatefulSet", "db", "default", 1),
    ], done_at_once=frozenset({3}))  # redis exits on SIGTERM: db-1 may be gone within the instant


PROBED_DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: "nginx:1.27"
        readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
        livenessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 5}
"""


def test_health_checks_and_restarts(cluster):
    def web_pods() -> list[str]:
        return sorted(p["metadata"]["name"] for p in cluster.list("Pod", namespace="default", label_selector="app=web"))

    def fail_one_readiness() -> None:
        cluster.apply_text(PROBED_DEPLOYMENT)
        cluster.advance(60)
        faults.fail_probe(cluster.name, "default", web_pods()[0], "nginx", probe="readiness", failing=True)

    solve(cluster, LESSONS["06-health-checks"], [
        lambda: cluster.create(pod("crasher", image="playground/crasher:1.0")),
        fail_one_readiness,
        lambda: faults.fail_probe(cluster.name, "default", web_pods()[1], "nginx", probe="liveness", failing=True),
    ])


def run(name: str, image: str, *args: str, **container: object) -> dict:
    """The pod `kubectl run NAME --image=IMAGE [-- ARGS]` makes."""
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"run": name}},
            "spec": {"containers": [{"name": name, "image": image, **({"args": list(args)} if args else {}), **container}]}}


def test_containers(cluster):
    solve(cluster, LESSONS["01-containers"], [
        lambda: cluster.create(run("web", "nginx:1.27")),
        lambda: cluster.create(run("writer", "busybox:1.36", "sh", "-c", "echo hello > /tmp/greeting; sleep 3600")),
        lambda: cluster.create(run("hog", "stress:1.0", "--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1",
                                   resources={"limits": {"memory": "100Mi"}})),
    ])


CONFIGURED_POD = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data:
  greeting: hello
---
apiVersion: v1
kind: Pod
metadata: {name: app}
spec:
  containers:
  - name: app
    image: "busybox:1.36"
    command: ["sleep", "3600"]
    env:
    - name: GREETING
      valueFrom: {configMapKeyRef: {name: settings, key: greeting}}
    volumeMounts: [{name: config, mountPath: /etc/app}]
  volumes:
  - name: config
    configMap: {name: settings}
"""
SECRET_READER = """
apiVersion: v1
kind: Secret
metadata: {name: db}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: reader
    image: "busybox:1.36"
    command: ["sleep", "3600"]
    volumeMounts: [{name: db, mountPath: /etc/db, readOnly: true}]
  volumes:
  - name: db
    secret: {secretName: db}
"""


def test_config_maps_and_secrets_as_files(cluster):
    solve(cluster, LESSONS["05-projected-volumes"], [
        lambda: cluster.apply_text(CONFIGURED_POD),
        lambda: cluster.patch("ConfigMap", "settings", "default", {"data": {"greeting": "bonjour"}}, patch_type="merge"),
        lambda: cluster.apply_text(SECRET_READER),
    ])


ON_CONTROL_PLANE = """
apiVersion: v1
kind: Pod
metadata: {name: on-control-plane}
spec:
  nodeSelector: {node-role.kubernetes.io/control-plane: ""}
  tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
  containers: [{name: main, image: "nginx:1.27"}]
"""


def test_nodes(cluster):
    def cordon_then_deploy() -> None:
        verbs.set_unschedulable(cluster.name, "playground-worker2", unschedulable=True)
        cluster.create(deployment("web", replicas=3))  # as `kubectl create deployment web --replicas=3`

    def drain() -> None:
        verbs.set_unschedulable(cluster.name, "playground-worker2", unschedulable=False)
        verbs.drain(cluster.name, "playground-worker", ignore_daemonsets=True)

    solve(cluster, LESSONS["02-nodes"], [
        lambda: cluster.apply_text(ON_CONTROL_PLANE),
        cordon_then_deploy,
        drain,
    ])


WASTEFUL = """FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y curl
RUN rm -rf /var/lib/apt/lists/*
CMD ["sleep", "infinity"]
"""
LEAN = """FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
CMD ["sleep", "infinity"]
"""


def test_images_are_layers(cluster):
    solve(cluster, LESSONS["03-images"], [
        lambda: registry.build(cluster.name, WASTEFUL, tag="myapp:1"),
        lambda: registry.build(cluster.name, LEAN, tag="myapp:2"),
        lambda: cluster.create(run("app", "myapp:2")),
    ], done_at_once=frozenset({1, 2}))  # a build is done when it returns


SITE = """
apiVersion: v1
kind: Pod
metadata: {name: site}
spec:
  volumes: [{name: html, emptyDir: {}}]
  containers:
  - name: nginx
    image: "nginx:1.27"
    volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}]
  - name: writer
    image: "busybox:1.36"
    command: ["sh", "-c", "while true; do date > /html/index.html; sleep 10; done"]
    volumeMounts: [{name: html, mountPath: /html}]
"""
PREPARED = """
apiVersion: v1
kind: Pod
metadata: {name: prepared}
spec:
  volumes: [{name: html, emptyDir: {}}]
  initContainers:
  - name: prepare
    image: "busybox:1.36"
    command: ["sh", "-c", "echo ready > /html/index.html"]
    volumeMounts: [{name: html, mountPath: /html}]
  containers:
  - name: nginx
    image: "nginx:1.27"
    volumeMounts: [{name: html, mountPath: /usr/share/nginx/html}]
"""


def test_pods_and_their_pause_container(cluster):
    solve(cluster, LESSONS["04-pods"], [
        lambda: cluster.apply_text(SITE),
        lambda: faults.crash_container(cluster.name, "default", "site", "writer"),
        lambda: cluster.apply_text(PREPARED),
    ])


SOLVED = {"01-containers": test_containers, "02-nodes": test_nodes, "03-images": test_images_are_layers,
          "04-pods": test_pods_and_their_pause_container, "05-projected-volumes": test_config_maps_and_secrets_as_files, "06-health-checks": test_health_checks_and_restarts, "08-replicasets": test_replica_sets_and_scaling, "09-deployments": test_deployments_and_rolling_updates,
          "10-statefulsets": test_stateful_sets, "11-statefulset-storage": test_stateful_set_storage,
          "12-daemonsets": test_daemon_sets}


def test_every_shipped_lesson_has_its_solution_here():
    assert set(LESSONS) == set(SOLVED), "a new lesson needs its end-to-end test in this file"
