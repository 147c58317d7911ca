"""Every shipped lesson solved end to end, as a learner would: each step's `kubectl` blocks typed
into the console as they are written in the lesson (and, where the lesson says to press a button
or build an image, that action); before a step's work its checks are red, an instant after it
still red (pods not yet Ready, or a state reached at once that has not held yet), and green once
the cluster is there and has stayed so for each check's hold, on the simulated clock."""
from __future__ import annotations

import re
from collections.abc import Callable

from playground.images import registry
from playground.kubectl.commandline.cmdutil import Captured
from playground.kubectl.console import HEREDOC, run_line
from playground.lessons import progress
from playground.lessons.files import Lesson, Step, load_lessons
from playground.lessons.models import LessonProgress
from playground.sim import faults, kind

LESSONS = {lesson.slug: lesson for lesson in load_lessons()}
CODE = re.compile(r"^```[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def commands_of(step: Step) -> list[str]:
    """The console commands of the step's code blocks: a block with a heredoc is one command,
    any other block one command a line; blocks that are not kubectl (a Dockerfile) are not typed."""
    commands = []
    for block in CODE.findall(step.text):
        if not block.startswith("kubectl "):
            continue
        lines = block.rstrip("\n").split("\n")
        commands += ["\n".join(lines)] if HEREDOC.search(lines[0]) else [line for line in lines if line.strip()]
    return commands


class LearnerWaiting(Captured):
    """The console's Output while the learner waits for a command that waits (`kubectl delete`
    until the pod is gone): the cluster lives on, a simulated second each time it looks for Ctrl-C."""

    def __init__(self, cluster) -> None:
        super().__init__()
        self.cluster, self.looks = cluster, 0

    def cancelled(self) -> bool:
        self.looks += 1
        if self.looks > MAX_WAITING_LOOKS:
            return True  # a command that never ends fails its step instead of hanging the test
        self.cluster.advance(1)
        return False


MAX_WAITING_LOOKS = 600


def typed(cluster, command: str) -> None:
    out = LearnerWaiting(cluster)
    assert run_line(cluster.name, command, out) == 0, (command, out.lines)
    assert out.looks <= MAX_WAITING_LOOKS, (command, "still waiting")


def verdicts(mine: LessonProgress, lesson: Lesson, step: Step) -> list[tuple[bool, str]]:
    """What the step's page shows now (its checks, each state's hold counted), as it looks at it."""
    return [(v.done, v.saw) for v in progress.verdicts(mine, lesson, step)]


def solve(cluster, lesson: Lesson, *, buttons: dict[int, Callable[[], object]] | None = None,
          done_at_once: frozenset[int] = frozenset()) -> None:
    """Type each step's commands, then press its `buttons` (what the lesson asks to do in a page);
    its checks must be red before, red an instant after (even a state the controllers reach in
    that instant has not held yet; but for the steps in `done_at_once`, whose checks are of facts),
    and green once the cluster is there and has stayed so for the checks' hold."""
    if lesson.start:
        cluster.apply_text(lesson.start)
        cluster.advance(60)
    mine = LessonProgress.objects.create(learner="solver", lesson=lesson.slug, cluster=cluster.name)
    for number in range(1, len(lesson.steps) + 1):
        step = progress.go_to(mine, lesson, number)  # what its checks compare with, remembered now
        assert not all(done for done, _ in verdicts(mine, lesson, step)), f"{step.title}: green before any work"
        for command in commands_of(step):
            typed(cluster, command)
        if buttons and step.number in buttons:
            buttons[step.number]()
        cluster.advance(0.5)
        if step.number not in done_at_once:
            assert not all(done for done, _ in verdicts(mine, lesson, step)), f"{step.title}: green too early"
        cluster.advance(180)  # a DaemonSet's rollout waits out each old pod's 30 s grace period
        verdicts(mine, lesson, step)
        cluster.advance(max(check.hold for check in step.checks))
        seen = verdicts(mine, lesson, step)
        assert all(done for done, _ in seen) and step.number in mine.done_steps, f"{step.title}: {seen}"


def pods_of(cluster, selector: str) -> list[str]:
    return sorted(p["metadata"]["name"] for p in cluster.list("Pod", namespace="default", label_selector=selector))


def dockerfile(step: Step) -> str:
    return next(block for block in CODE.findall(step.text) if block.startswith("FROM "))


def test_containers(cluster):
    solve(cluster, LESSONS["01-containers"])


def test_setting_up_a_cluster(cluster):
    solve(cluster, LESSONS["02-nodes"], buttons={4: lambda: kind.join_node(cluster.name)})  # Add a worker node


def test_images_are_layers(cluster):
    first, second, _ = LESSONS["03-images"].steps
    solve(cluster, LESSONS["03-images"], buttons={  # the Images page's Build
        1: lambda: registry.build(cluster.name, dockerfile(first), tag="myapp:1"),
        2: lambda: registry.build(cluster.name, dockerfile(second), tag="myapp:2"),
    }, done_at_once=frozenset({1, 2}))  # an image built is a fact: done when the build returns


def test_pods_and_their_pause_container(cluster):
    solve(cluster, LESSONS["04-pods"], buttons={2: lambda: faults.crash_container(cluster.name, "default", "site", "writer")})


def test_config_maps_and_secrets_as_files(cluster):
    solve(cluster, LESSONS["05-projected-volumes"])


def test_health_checks_and_restarts(cluster):
    def fail_one(probe: str, index: int) -> Callable[[], None]:
        def press() -> None:  # the pod page's Fail readiness / Fail liveness, once the pods are up
            cluster.advance(60)
            faults.fail_probe(cluster.name, "default", pods_of(cluster, "app=web")[index], "nginx", probe=probe, failing=True)
        return press

    def stop_worker() -> None:  # the Node page's Stop kubelet, then the clock run past the eviction
        cluster.advance(30)
        assert "playground-worker" in {p["spec"]["nodeName"] for p in cluster.list("Pod", namespace="default", label_selector="app=kept")}
        faults.set_kubelet_running(cluster.name, "playground-worker", running=False)
        cluster.advance(400)

    solve(cluster, LESSONS["06-health-checks"],
          buttons={2: fail_one("readiness", 0), 3: fail_one("liveness", 1), 4: stop_worker})


def test_the_controller_loop(cluster):
    solve(cluster, LESSONS["07-controller-loop"])


def test_replica_sets_and_scaling(cluster):
    solve(cluster, LESSONS["08-replicasets"])


def test_deployments_and_rolling_updates(cluster):
    solve(cluster, LESSONS["09-deployments"])


def test_stateful_sets(cluster):
    solve(cluster, LESSONS["10-statefulsets"])


def test_stateful_set_storage(cluster):
    solve(cluster, LESSONS["11-statefulset-storage"])


def test_daemon_sets(cluster):
    solve(cluster, LESSONS["12-daemonsets"])


SOLVED = {"01-containers": test_containers, "02-nodes": test_setting_up_a_cluster, "03-images": test_images_are_layers,
          "04-pods": test_pods_and_their_pause_container, "05-projected-volumes": test_config_maps_and_secrets_as_files,
          "06-health-checks": test_health_checks_and_restarts, "07-controller-loop": test_the_controller_loop,
          "08-replicasets": test_replica_sets_and_scaling,
          "09-deployments": test_deployments_and_rolling_updates, "10-statefulsets": test_stateful_sets,
          "11-statefulset-storage": test_stateful_set_storage, "12-daemonsets": test_daemon_sets}


def test_every_shipped_lesson_has_its_solution_here():
    assert set(LESSONS) == set(SOLVED), "a new lesson needs its end-to-end test in this file"
