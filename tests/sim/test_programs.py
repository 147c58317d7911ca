"""Simulated programs: argv from the pod spec and image defaults, then behaviour over time."""
from __future__ import annotations

import datetime
import tracemalloc

import pytest

from playground.sim.programs import container_argv, parse_program, parse_size

T0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)


def program(image: str = "busybox:1.36", command: list[str] | None = None, args: list[str] | None = None, **extra):
    container = {"name": "main", "image": image, **extra}
    if command is not None:
        container["command"] = command
    if args is not None:
        container["args"] = args
    return parse_program(container)


def test_command_replaces_entrypoint_and_drops_cmd_args_replace_cmd():
    defaults = {"entrypoint": ["/docker-entrypoint.sh"], "cmd": ["nginx", "-g", "daemon off;"]}

    assert container_argv({"command": ["sleep", "5"]}, defaults) == ["sleep", "5"]
    assert container_argv({"args": ["nginx-debug"]}, defaults) == ["/docker-entrypoint.sh", "nginx-debug"]
    assert container_argv({}, defaults) == ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]


def test_nginx_serves_on_port_80_forever():
    nginx = program("nginx:1.27")

    assert nginx.exited(86_400) is None
    assert nginx.answers_on(80, 1) and not nginx.answers_on(8080, 1)
    assert nginx.http_status(80, "/", 1) == 200
    assert nginx.http_status(80, "/healthz", 1) == 404  # nginx's default site has no /healthz
    assert nginx.handles_sigterm


def test_busybox_without_a_command_runs_sh_which_exits_0_at_once():
    assert program("busybox").exited(0) == 0
    assert program("alpine:3.20").exited(0) == 0


def test_unknown_images_serve_forever_on_any_port():
    app = program("registry.example.com/team/app:2.0")

    assert app.exited(3600) is None
    assert app.answers_on(8080, 1)


def test_redis_answers_tcp_on_6379():
    redis = program("redis:7")

    assert redis.answers_on(6379, 1)
    assert redis.exec(["redis-cli", "ping"], 1) == (0, "PONG")


def test_sleep_then_exit_code():
    script = program(command=["sh", "-c", "echo start; sleep 5 && exit 3"])

    assert script.exited(4.9) is None
    assert script.exited(5) == 3
    assert [line for _, line in script.logs(10)] == ["start"]


def test_and_or_follow_exit_statuses():
    script = program(command=["sh", "-c", "false && echo never; false || echo fallback; true"])

    assert [line for _, line in script.logs(1)] == ["fallback"]
    assert script.exited(0) == 0


def test_echo_writes_a_line_and_exits_0():
    echo = program(command=["echo", "hello world"])

    assert echo.logs(0) == [(0.0, "hello world")]
    assert echo.exited(0) == 0


def test_a_loop_writes_its_lines_periodically_with_a_counter_and_the_date():
    counter = program(args=["/bin/sh", "-c", 'i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 2; done'])

    lines = counter.logs(5, started_at=T0)

    assert lines == [(0.0, "0: Wed Jan  1 00:00:00 UTC 2025"), (2.0, "1: Wed Jan  1 00:00:02 UTC 2025"),
                     (4.0, "2: Wed Jan  1 00:00:04 UTC 2025")]
    assert counter.exited(10_000) is None
    assert counter.next_log_after(4.0) == 6.0
    assert counter.logs(1001, since=999)[-1][1].startswith("500: ")  # no replay from the start needed


def test_the_docs_liveness_exec_example_removes_its_file_after_30_seconds():
    app = program(args=["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"])

    assert app.exec(["cat", "/tmp/healthy"], 10) == (0, "")
    assert app.exec(["cat", "/tmp/healthy"], 31) == (1, "cat: can't open '/tmp/healthy': No such file or directory")
    assert app.exited(630) == 0


def test_stress_holds_its_memory_a_second_after_starting():
    hog = program("polinux/stress", command=["stress"], args=["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"])

    assert hog.memory_bytes(0.5) == 0
    assert hog.memory_bytes(1) == 250 * 1024 * 1024
    assert hog.oom_at(100 * 1024 * 1024) == 1.0
    assert hog.oom_at(300 * 1024 * 1024) is None


def test_agnhost_liveness_answers_200_for_10_seconds_then_500():
    agnhost = program("registry.k8s.io/e2e-test-images/agnhost:2.40", args=["liveness"])

    assert agnhost.http_status(8080, "/healthz", 9) == 200
    assert agnhost.http_status(8080, "/healthz", 11) == 500


def test_what_answers_on_the_network_changes_when_a_server_starts_turns_unhealthy_or_exits():
    nginx = program("nginx:1.27")
    slow = program("nginx:alpine", command=["sh", "-c", "sleep 20 && exec nginx -g 'daemon off;'"])
    agnhost = program("registry.k8s.io/e2e-test-images/agnhost:2.40", args=["liveness"])
    brief = program("busybox:1.36", command=["sh", "-c", "nc -lk -p 8080 & sleep 30"])

    assert nginx.next_server_change(0.0) is None  # serves as it started, for ever
    assert slow.next_server_change(5.0) == 20.0 and slow.next_server_change(20.0) is None
    assert agnhost.next_server_change(3.0) == 10.0 and agnhost.next_server_change(10.0) is None
    assert brief.next_server_change(1.0) == 30.0


def test_a_server_started_after_a_sleep_refuses_connections_until_then():
    slow = program("nginx:alpine", command=["sh", "-c", "sleep 20 && exec nginx -g 'daemon off;'"])

    assert not slow.answers_on(80, 19)
    assert slow.answers_on(80, 20)


def test_shell_scripts_ignore_sigterm_unless_they_trap_it():
    assert not program(command=["sleep", "3600"]).handles_sigterm
    trapped = program(command=["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"])
    assert trapped.sigterm_exit_code == 0


def test_for_loops_and_if_statements():
    script = program(command=["sh", "-c", "for n in a b; do echo $n; sleep 1; done; if [ -f /nope ]; then exit 1; else exit 4; fi"])

    assert [line for _, line in script.logs(5)] == ["a", "b"]
    assert script.exited(2) == 4


def test_env_variables_and_hostname_are_expanded():
    app = parse_program({"name": "c", "image": "busybox", "command": ["sh", "-c", "echo $GREETING from $(hostname)"],
                         "env": [{"name": "GREETING", "value": "hello"}]}, hostname="web-0")

    assert [line for _, line in app.logs(0)] == ["hello from web-0"]


def test_replicas_of_one_template_share_what_they_run_but_their_hostname():
    """The kubelet keeps the program of each container's run: 10,000 replicas of a Deployment must
    not hold 10,000 copies of the same actions and environment (issue 12: peak memory)."""
    spec = {"name": "web", "image": "busybox", "command": ["sh", "-c", "echo $GREETING; while true; do echo tick; sleep 5; done"]}
    env = {"GREETING": "hello", "KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    a, b = (parse_program(spec, env=dict(env), hostname=name) for name in ("web-a", "web-b"))

    assert [line for _, line in a.logs(12)] == [line for _, line in b.logs(12)] == ["hello", "tick", "tick", "tick"]
    assert (dict(a.env)["HOSTNAME"], dict(b.env)["HOSTNAME"]) == ("web-a", "web-b")
    assert a.argv is b.argv and a.actions is b.actions and a.loop is b.loop
    assert all(mine is theirs for mine, theirs in zip(a.env, b.env) if mine[0] != "HOSTNAME")


def test_a_replica_s_program_costs_a_few_hundred_bytes():
    nginx = {"name": "web", "image": "nginx:1.27"}
    env = {f"KUBERNETES_{n}": "tcp://10.96.0.1:443" for n in ("PORT", "PORT_443_TCP", "SERVICE_HOST", "SERVICE_PORT")}
    names = [f"web-7cd7d5d8b9-{n:05d}" for n in range(500)]
    parse_program(nginx, env=dict(env), hostname="web-first")
    tracemalloc.start()
    try:
        kept = [parse_program(nginx, env=dict(env), hostname=name) for name in names]
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert all(p.answers_on(80, 1) for p in kept)
    assert held / len(kept) < 400  # bytes a replica: 1.2 KB when each held its own copy


@pytest.mark.parametrize(("text", "expected"), [("250M", 250 * 2**20), ("1G", 2**30), ("512K", 512 * 1024), ("10", 10)])
def test_stress_sizes(text, expected):
    assert parse_size(text) == expected
