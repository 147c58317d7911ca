"""The one small sh both the image builder's RUN and the containers' programs run: its tokens,
its syntax tree, its word expansion, and the control flow and builtins they share (tested here on
a shell whose effects are a transcript, without a database)."""
from __future__ import annotations

import pytest

from playground.shell.interpreter import Shell, ShellError, Stop
from playground.shell.syntax import ShellSyntaxError, options, parse, redirections, split_assignments, tokenize
from playground.shell.words import expand_parameters


class Transcript(Shell):
    """A shell whose commands are written down: `ok NAME` succeeds, `fail NAME` fails."""

    def __init__(self, env: dict[str, str] | None = None, files: set[str] = frozenset()) -> None:
        self.env = dict(env or {})
        self.files = set(files)
        self.ran: list[str] = []
        self.printed: list[str] = []

    def command(self, words: list[str]) -> None:
        if self.builtin(words[0], words[1:]):
            return
        self.ran.append(" ".join(self.word(w) for w in words))
        if words[0] == "fail":
            raise ShellError(f"{words[1]} failed", 3)
        self.status = 0

    def write(self, text, *, newline: bool) -> None:
        self.printed.append("".join(map(str, text)) + ("\n" if newline else ""))

    def file_test(self, operator: str, path: str) -> bool:
        return path in self.files


def run(script: str, **kwargs) -> Transcript:
    shell = Transcript(**kwargs)
    try:
        shell.run_script(script)
    except Stop:  # exit, or set -e after a failure
        shell.ran.append(f"<Stop {shell.status}>")
    return shell


# --- tokens and the tree -----------------------------------------------------------------------------


def test_it_splits_words_and_operators_as_sh_does():
    assert tokenize("a 'b c' \"d\"&&e||f;g|h > out\nnext") == \
        ["a", "b c", "d", "&&", "e", "||", "f", ";", "g", "|", "h", ">", "out", ";", "next"]


def test_stderr_and_fd_duplications_are_left_out_and_1_is_stdout():
    assert tokenize("ls /x 2>/dev/null 2>&1 >&2 1>out") == ["ls", "/x", ">", "out"]


def test_an_unbalanced_quote_is_a_syntax_error():
    with pytest.raises(ShellSyntaxError):
        tokenize("echo 'open")


def test_the_tree_has_and_or_lists_pipelines_and_compound_commands():
    assert parse("a && b || c; d | e &") == ("seq", [
        ("or", ("and", ("cmd", ["a"]), ("cmd", ["b"])), ("cmd", ["c"])),
        ("bg", ("pipe", [("cmd", ["d"]), ("cmd", ["e"])])),
    ])
    assert parse("for x in 1 2; do echo $x; done")[1] == [("for", "x", ["1", "2"], ("seq", [("cmd", ["echo", "$x"])]))]
    assert parse("until false; do :; done")[1][0][0:1] == ("while",) and parse("until false; do :; done")[1][0][3] is True


def test_a_simple_commands_words_give_assignments_redirections_and_options():
    assert split_assignments(["A=1", "B=", "cmd", "C=3"]) == ([("A", "1"), ("B", "")], ["cmd", "C=3"])
    assert redirections(["echo", "hi", "<", "in", ">", "a", ">>", "b"]) == (["echo", "hi"], (">>", "b"))
    assert options(["--vm", "1", "--vm-bytes=250M", "-l"]) == {"--vm": "1", "--vm-bytes": "250M", "-l": ""}


# --- expansion ----------------------------------------------------------------------------------------


def test_parameters_expand_as_in_a_dockerfile_and_in_sh():
    variables = {"A": "1", "EMPTY": ""}
    assert expand_parameters("$A ${A} ${EMPTY:-d} ${NOPE-d} ${A:+alt} ${EMPTY:+alt}.", variables) == "1 1 d d alt ."


def test_a_shell_expands_status_arithmetic_and_command_substitution():
    shell = run("i=4; false; echo $? $((i * 2 + 1)) [$(anything)] [`more`]")

    assert shell.printed == ["1 9 [] []\n"]


# --- control flow ---------------------------------------------------------------------------------------


def test_and_or_lists_run_left_to_right_on_the_status():
    assert run("fail a && ok b || ok c; ok d").ran == ["fail a", "ok c", "ok d"]


def test_set_e_ends_the_script_at_a_failing_list_but_not_at_one_rescued_by_or():
    assert run("set -e; fail a || ok b; ok c").ran == ["fail a", "ok b", "ok c"]
    assert run("set -e; ok a && fail b; ok c").ran == ["ok a", "fail b", "<Stop 3>"]


def test_exit_ends_the_script_with_its_status():
    shell = run("ok a; exit 300; ok b")

    assert shell.ran == ["ok a", "<Stop 44>"]  # 300 % 256


def test_if_and_for_run_as_in_sh():
    shell = run("if [ -f /ready ]; then ok ready; elif [ a = b ]; then ok odd; else ok waiting; fi; "
                "for n in 1 2; do ok $n; done", files={"/ready"})

    assert shell.ran == ["ok ready", "ok 1", "ok 2"]


# --- builtins ---------------------------------------------------------------------------------------------


def test_echo_and_printf_write_what_sh_writes():
    shell = run("echo -n a; echo -e 'b\\tc'; printf '%s=%d%%\\n' x 5")

    assert shell.printed == ["a", "b\tc\n", "x=5%\n"]


def test_export_unset_and_test_work_on_variables():
    shell = run("export A=1 B; unset C; [ \"$A\" = 1 ] && ok equal; [ ! 1 = 1 ] || ok negated; test $A != 1 || ok same",
                env={"C": "3"})

    assert shell.env == {"A": "1"} and shell.ran == ["ok equal", "ok negated", "ok same"]
