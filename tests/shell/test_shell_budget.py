"""The shell under hostile input: a linear tokenizer that reads words as shlex did, expansions and
commands counted against a budget, arithmetic that cannot run away, blocks nested to a bound."""
from __future__ import annotations

import itertools
import shlex

import pytest

from playground.shell.budget import Budget, BudgetExceeded
from playground.shell.syntax import ShellSyntaxError, parse, split, tokenize
from playground.shell.words import arithmetic, expand_parameters
from tests.shell.test_shell import Transcript

# Scripts whose words shlex (POSIX mode, `;&|<>` as operators) read: the tokenizer that replaced
# it reads them the same way
SCRIPTS = [
    "echo a;b&&c||d|e>f>>g<h", "a''b \"\" ''", "x=\"a \\\"q\\\" \\\\ \\$y\" 'it''s'", "a\\ b\\;c \\'",
    "echo \"two\nlines\"", "(a) {b} ~/x *.py ?[ab] -x=1", "a;;b &>f >|g",
]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_tokenizer_reads_words_as_shlex_did(script):
    lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split, lexer.commenters = True, ""

    assert tokenize(script) == list(lexer)


@pytest.mark.parametrize("text", ["A=1 B='two words' C=\"x\\\"y\" D=a\\ b", "a;b c&&d", "''", ""])
def test_split_is_shlex_split(text):
    assert split(text) == shlex.split(text)


@pytest.mark.parametrize("script, message", [("echo 'open", "No closing quotation"), ('echo "open', "No closing quotation"),
                                             ("echo open\\", "No escaped character")])
def test_an_unclosed_quote_is_a_syntax_error(script, message):
    with pytest.raises(ShellSyntaxError, match=message):
        tokenize(script)


def test_a_two_megabyte_word_is_one_token():
    assert tokenize("echo " + "a" * 2_000_000) == ["echo", "a" * 2_000_000]


def test_blocks_nest_at_most_a_hundred_deep():
    with pytest.raises(ShellSyntaxError, match="blocks nested more than 100 deep"):
        parse("if true; then " * 101 + "true" + "; fi" * 101)


def test_a_long_and_or_chain_runs_without_deep_recursion():
    shell = Transcript()

    shell.run_script(" && ".join(["ok a"] * 5_000) + " || ok never")

    assert shell.ran == ["ok a"] * 5_000


def test_every_command_is_a_step_of_the_budget():
    shell = Transcript()
    shell.budget = Budget(prefix="TEST", max_steps=50)

    with pytest.raises(BudgetExceeded, match=r"^more than 50 commands run, the limit \(TEST_MAX_STEPS\)$"):
        shell.run_script("for i in 1 2 3 4 5 6 7 8 9 10; do for j in 1 2 3 4 5 6 7 8 9 10; do ok $i$j; done; done")


def test_an_expansion_is_refused_as_soon_as_it_grows_past_the_limit():
    with pytest.raises(BudgetExceeded, match=r"^an expansion is longer than 1,000 characters, the limit "
                                             r"\(TEST_MAX_EXPANSION\)$"):
        expand_parameters("${A}" * 1_000_000, {"A": "x" * 100}, Budget(prefix="TEST", max_expansion=1_000))


def test_the_cpu_time_is_read_every_few_steps_and_refused_past_the_deadline():
    seconds = itertools.count()
    budget = Budget(prefix="TEST", cpu_seconds=10, clock=lambda: float(next(seconds)))

    with pytest.raises(BudgetExceeded, match=r"^more than 10 s of CPU time, the limit \(TEST_CPU_SECONDS\)$"):
        for _ in range(10_000):
            budget.step()
    assert budget.steps == 64 * 12  # the clock read once per 64 steps: deadline at the first read, past it 11 reads on


@pytest.mark.parametrize("expression, value", [("9**9**9", 0), ("9223372036854775807 + 1", -(2**63)),
                                               ("((((1+2))))*3", 9), ("7 / 2", 3), ("1 / 0", 0)])
def test_arithmetic_is_sh_s_64_bit_integers_without_power(expression, value):
    assert arithmetic(expression, lambda name: 0) == value


def test_a_variable_of_a_million_digits_is_read_as_the_largest_64_bit_number():
    # (2**63 - 1) cubed is 2**63 - 1 modulo 2**64; one more wraps round to the smallest
    assert arithmetic("A * A * A + 1", lambda name: "9" * 1_000_000) == -(2**63)
