"""A container's `sh -c` program is read within a budget: a hostile command is killed where it got
to (exit code 137) with a log line naming the limit, and the kubelet pass goes on."""
from __future__ import annotations

import pytest
from django.test import override_settings

from playground.sim.programs import parse_program
from tests.sim.test_pod_workers import Kubelet, container, make_pod

SMALL = {"PLAYGROUND_PROGRAM_MAX_STEPS": 1_000, "PLAYGROUND_PROGRAM_MAX_EXPANSION": 65_536}
TEN = " ".join("0123456789")
HOSTILE = [
    pytest.param("for a in {0}; do for b in {0}; do for c in {0}; do for d in {0}; do for e in {0}; do "
                 "echo x; done; done; done; done; done".format(TEN),
                 "more than 1,000 commands run, the limit (PLAYGROUND_PROGRAM_MAX_STEPS)", id="100000-passes-of-nested-for"),
    pytest.param("A=xxxxxxxx; " + "A=$A$A; " * 40 + "echo $A",
                 "an expansion is longer than 65,536 characters, the limit (PLAYGROUND_PROGRAM_MAX_EXPANSION)",
                 id="a-variable-doubled-40-times"),
    pytest.param(" && ".join(["true"] * 5_000), "more than 1,000 commands run, the limit (PLAYGROUND_PROGRAM_MAX_STEPS)",
                 id="5000-commands-chained"),
]


def sh(script: str):
    return parse_program({"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", script]})


@pytest.mark.parametrize("script, limit", HOSTILE)
@override_settings(**SMALL)
def test_a_hostile_script_is_killed_with_a_log_line_naming_the_limit(script, limit):
    program = sh(script)

    assert program.exited(0) == 137
    assert program.logs(1)[-1][1] == f"sh: stopped by the playground: {limit}"


@override_settings(**SMALL)
def test_a_hostile_exec_probe_fails_with_the_limit():
    program = sh("sleep infinity")

    code, output = program.exec(["sh", "-c", HOSTILE[0].values[0]], 1)

    assert (code, output) == (137, f"sh: stopped by the playground: {HOSTILE[0].values[1]}")


def test_arithmetic_has_no_power_and_wraps_at_64_bits():
    program = sh("echo $((9**9**9)) $((9223372036854775807 + 1))")

    assert program.logs(1) == [(0.0, "0 -9223372036854775808")]


@override_settings(**SMALL)
def test_the_kubelet_runs_a_hostile_container_as_one_killed_by_its_limit():
    kubelet = Kubelet(make_pod(container(image="busybox:1.36", command=["sh", "-c", HOSTILE[1].values[0]]),
                               restart_policy="Never"))

    kubelet.run_until(5)

    terminated = kubelet.container()["state"]["terminated"]
    assert (terminated["exitCode"], terminated["reason"]) == (137, "Error")
