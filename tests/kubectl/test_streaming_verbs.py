"""The verbs that keep printing until Ctrl-C (get -w, logs -f), and exec: each as kubectl prints it.

A waiting verb is stopped as the console stops it (its Output's `cancelled()`); the changes it
waits for are made from its own output, so no test waits on the clock."""
from __future__ import annotations

from playground.kubectl.commandline.cmdutil import Captured
from playground.kubectl.console import run_line
from playground.sim import containerfs
from playground.store import api as store
from tests.commands.test_kubectl_commands import run
from tests.commands.test_logs_command import chatty
from tests.factories import config_map, deployment, pod
from tests.kubectl.test_console import console

MAX_POLLS = 50  # a verb that never stops fails its test instead of hanging it


class CtrlC(Captured):
    """The console's Output, with Ctrl-C pressed once `lines` lines came; `on_line(n)` runs as the
    verb prints its n-th line (a change the verb then sees)."""

    def __init__(self, lines: int, on_line=lambda n: None) -> None:
        super().__init__()
        self.wanted, self.on_line, self.polls = lines, on_line, 0

    def line(self, text: str) -> None:
        super().line(text)
        self.on_line(len(self.lines))
        self.stop = len(self.lines) >= self.wanted

    def cancelled(self) -> bool:
        self.polls += 1
        return self.stop or self.polls > MAX_POLLS


def printed(out: Captured) -> list[str]:
    return [text for stream, text in out.lines if stream == "out"]


def test_get_watch_prints_a_row_per_change_without_the_headers_again(cluster):
    cluster.apply(deployment("web", replicas=1))
    cluster.advance(30)

    def scale(n):
        if n == 2:  # the table is out: now the deployment changes
            store.patch(cluster.name, "Deployment", "web", "default", {"spec": {"replicas": 15}}, patch_type="merge")

    out = CtrlC(3, scale)
    assert run_line(cluster.name, "kubectl get deployments -w", out) == 0

    header, first, change = printed(out)
    assert header.split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert first.split()[:2] == ["web", "1/1"] and change.split()[:2] == ["web", "1/15"]
    assert change.index("1/15") == first.index("1/1")  # the columns stay where the table put them
    assert out.polls <= MAX_POLLS


def test_get_watch_of_an_empty_list_prints_the_headers_with_the_first_change(cluster):
    out = CtrlC(2, lambda n: None)

    def create_once():
        if not out.lines:
            cluster.create(config_map("late"))
        return Captured.cancelled(out) or len(out.lines) >= 2

    out.cancelled = create_once
    assert run_line(cluster.name, "kubectl get configmaps -l app!=x --watch", out) == 0

    assert [line.split()[0] for line in printed(out)][-2:] == ["NAME", "late"]
    assert console(cluster, "kubectl get pods,services -w")[2] == "error: you may only specify a single resource type"


def test_logs_follow_prints_new_lines_until_ctrl_c(cluster):
    cluster.create(chatty())
    cluster.advance(25)

    out = CtrlC(6, lambda n: cluster.advance(10))  # each printed line lets the container write another
    assert run_line(cluster.name, "kubectl logs -f chatty", out) == 0

    assert printed(out) == [f"line {i}" for i in range(6)]


def test_logs_follow_ends_with_the_container(cluster):
    obj = chatty("once", "echo one; sleep 5; echo two")
    obj["spec"]["restartPolicy"] = "Never"
    cluster.create(obj)
    cluster.advance(3)

    out = CtrlC(100, lambda n: cluster.advance(10))
    assert run_line(cluster.name, "kubectl logs pod/once --follow", out) == 0

    assert printed(out) == ["one", "two"] and not out.stop


def server():
    return pod("web", image="nginx:1.27")


def test_exec_prints_the_programs_answer_and_its_exit_code(cluster):
    cluster.create(server())
    cluster.advance(10)

    assert console(cluster, "kubectl exec web -- hostname") == (0, "web", "")
    code, out, err = console(cluster, "kubectl exec web -c main -- sh -c 'echo out; cat /nosuch; exit 3'")
    assert (code, out) == (1, "out")
    assert "No such file or directory" in err and err.endswith("\ncommand terminated with exit code 3")
    assert console(cluster, "kubectl exec web -i -- sh <<EOF\necho from a heredoc\nEOF")[1] == "from a heredoc"
    assert console(cluster, "kubectl exec web -- nosuch")[2] == (
        'error: Internal error occurred: error executing command in container: OCI runtime exec failed: exec failed: '
        'unable to start container process: exec: "nosuch": executable file not found in $PATH: unknown')
    assert console(cluster, "kubectl exec web -c nope -- ls")[2] == "error: container nope is not valid for pod web"
    assert console(cluster, "kubectl exec web")[2] == "error: you must specify at least one command for the container"


def test_exec_has_no_interactive_terminal_in_the_console(cluster):
    cluster.create(server())
    cluster.advance(10)

    code, _, err = console(cluster, "kubectl exec -it web -- sh")

    assert code == 1 and err.startswith("error: no terminal here (-t, -it)")


def test_exec_as_a_management_command(cluster):
    cluster.create(server())
    cluster.advance(10)

    assert run("exec", "web", "--", "hostname") == (0, "web\n", "")
    assert run("exec", "web", "--", "sh", "-c", "exit 2") == (1, "", "command terminated with exit code 2\n")


def test_get_watch_prints_each_change_through_a_jsonpath_or_custom_columns(cluster):
    cluster.apply(deployment("web", replicas=1))

    def scale_to(replicas, after):
        def scale(n):
            if n == after:  # what the watch printed first is out: now the deployment changes
                store.patch(cluster.name, "Deployment", "web", "default", {"spec": {"replicas": replicas}},
                            patch_type="merge")
        return scale

    jsonpath_out, columns_out = CtrlC(2, scale_to(4, after=1)), CtrlC(3, scale_to(6, after=2))
    assert run_line(cluster.name, "kubectl get deployment web -w -o jsonpath='{.spec.replicas} '", jsonpath_out) == 0
    assert run_line(cluster.name, "kubectl get deployments -w -o custom-columns=N:.metadata.name,R:.spec.replicas",
                    columns_out) == 0

    assert printed(jsonpath_out) == ["1 ", "4 "]
    assert [line.split() for line in printed(columns_out)] == [["N", "R"], ["web", "4"], ["web", "6"]]


def test_exec_redirects_echo_into_a_file_of_the_writable_layer(cluster):
    cluster.create(server())
    cluster.advance(30)

    script = "echo first > /tmp/f; echo second >> /tmp/f; cat /tmp/f"
    assert console(cluster, f"kubectl exec web -- sh -c '{script}'") == (0, "first\nsecond", "")
    assert console(cluster, "kubectl exec web -- cat /tmp/f") == (0, "first\nsecond", "")
    assert console(cluster, "kubectl exec web -- sh -c 'echo over > /tmp/f; cat /tmp/f'")[1] == "over"
    written = containerfs.container_filesystem(cluster.name, "default", "web", "main")
    assert containerfs.read_text(written, "/tmp/f") == "over\n"
    assert written.origin("/tmp/f") == len(written.layers) - 1  # the container's writable layer
    assert console(cluster, "kubectl exec web -- sh -c 'echo x > /etc'") == (
        1, "", "sh: can't create /etc: Is a directory\ncommand terminated with exit code 2")


class AdvancingClock(Captured):
    """The console's Output while the cluster lives on: each time the verb looks for Ctrl-C, the
    simulated clock moves `step` seconds (controllers and kubelets run); Ctrl-C after `ctrl_c` looks."""

    def __init__(self, cluster, step: float, ctrl_c: int = MAX_POLLS) -> None:
        super().__init__()
        self.cluster, self.step, self.ctrl_c, self.polls = cluster, step, ctrl_c, 0

    def cancelled(self) -> bool:
        self.polls += 1
        if self.polls >= self.ctrl_c:
            return True
        self.cluster.advance(self.step)
        return False


def sleeper(name="sleeper"):
    obj = pod(name, image="busybox:1.36")
    obj["spec"]["containers"][0]["command"] = ["sh", "-c", "sleep 3600"]  # sh as PID 1 ignores SIGTERM: the grace period runs out
    return obj


def test_delete_waits_until_the_pod_is_gone_after_its_grace_period(cluster):
    cluster.create(sleeper())
    cluster.advance(20)
    asked = cluster.now()

    out = AdvancingClock(cluster, step=10)
    assert run_line(cluster.name, "kubectl delete pod sleeper", out) == 0

    assert printed(out) == ['pod "sleeper" deleted']
    assert store.list(cluster.name, "Pod", namespace="default") == []
    assert (cluster.now() - asked).total_seconds() >= 30  # terminationGracePeriodSeconds, on the simulated clock


def test_delete_wait_false_returns_while_the_pod_terminates(cluster):
    cluster.create(sleeper())
    cluster.advance(20)

    out = AdvancingClock(cluster, step=10)
    assert run_line(cluster.name, "kubectl delete pod sleeper --wait=false", out) == 0

    assert printed(out) == ['pod "sleeper" deleted'] and out.polls == 0
    assert cluster.get("Pod", "sleeper", "default")["metadata"]["deletionTimestamp"]


def test_ctrl_c_stops_waiting_and_the_deletion_goes_on(cluster):
    cluster.create(sleeper())
    cluster.advance(20)

    out = AdvancingClock(cluster, step=1, ctrl_c=2)
    assert run_line(cluster.name, "kubectl delete pod sleeper", out) == 0

    assert printed(out) == ['pod "sleeper" deleted']
    assert cluster.get("Pod", "sleeper", "default")["metadata"]["deletionTimestamp"]
    cluster.advance(40)
    assert store.list(cluster.name, "Pod", namespace="default") == []


def test_delete_waits_for_a_finalizer_and_times_out_as_kubectl_does(cluster):
    kept = config_map("kept")
    kept["metadata"]["finalizers"] = ["example.com/keep"]
    cluster.create(kept)

    code, out, err = console(cluster, "kubectl delete configmap kept --timeout=1ms")

    assert (code, out) == (1, 'configmap "kept" deleted')
    assert err == "error: timed out waiting for the condition on configmaps/kept"
    assert cluster.get("ConfigMap", "kept", "default")["metadata"]["deletionTimestamp"]


def test_foreground_delete_waits_for_the_dependents(cluster):
    cluster.apply(deployment("web", replicas=2))
    cluster.advance(30)

    out = AdvancingClock(cluster, step=10)
    assert run_line(cluster.name, "kubectl delete deployment web --cascade=foreground", out) == 0

    assert printed(out) == ['deployment.apps "web" deleted']
    assert [store.list(cluster.name, kind, namespace="default") for kind in ("Deployment", "ReplicaSet", "Pod")] == [[], [], []]
