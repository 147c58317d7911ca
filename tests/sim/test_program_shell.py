"""A container's `sh -c` runs the shell the image builder runs too (playground.shell): its
builtins set, export and unset are builtins here as well, not servers the playground does not know."""
from __future__ import annotations

from playground.sim.programs import parse_program


def script(text: str):
    return parse_program({"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", text]})


def test_export_sets_a_variable_the_next_command_sees():
    program = script("export GREETING=hello; echo $GREETING; unset GREETING; echo [$GREETING]")

    assert [line for _, line in program.logs(10)] == ["hello", "[]"]
    assert program.exited(0) == 0


def test_set_e_ends_the_script_at_the_first_failure():
    program = script("set -e; echo one; false; echo never")

    assert [line for _, line in program.logs(10)] == ["one"]
    assert program.exited(0) == 1


def test_a_default_value_and_backquotes_expand_as_in_sh():
    program = parse_program({"name": "main", "image": "busybox:1.36", "command": ["sh", "-c", "echo ${NAME:-world} `hostname`"]},
                            hostname="web-0")

    assert [line for _, line in program.logs(10)] == ["world web-0"]
