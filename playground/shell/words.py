"""Word expansion: `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alternative}`, `$?`,
`$((arithmetic))`, `$(command)` and `` `command` ``, as sh expands them (POSIX 2.6).

interpreter.py's users → `expand(word, shell)` → the word's parts: strings, and whatever the
shell answers for a variable or a command substitution (sim/programs.py answers a loop counter
or `$(date)` with parts it renders later, on the timeline). `expand_parameters` is the part a
Dockerfile shares with sh: ENV, ARG and the other instructions substitute `$NAME`, `${NAME}`,
`${NAME:-default}` and `${NAME:+alternative}` the same way (BuildKit's shell lexer), but run no
command and no arithmetic.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from .budget import Budget

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PARAMETER = rf"\$\{{(?P<braced>{NAME})(?::?(?P<operator>[-+])(?P<word>[^}}]*))?\}}|\$(?P<name>{NAME})"
PARAMETER = re.compile(_PARAMETER)
# A command substitution or an arithmetic expansion is at most SUBSTITUTION_LENGTH characters
# long (a longer one stays as written): an unclosed `$(` then costs a bounded scan, not one to
# the end of the word, so a word of a million `$(` is expanded in linear time.
SUBSTITUTION_LENGTH = 512
EXPANSION = re.compile(rf"\$\(\((?P<arithmetic>.{{0,{SUBSTITUTION_LENGTH}}}?)\)\)"
                       rf"|\$\((?P<command>[^)]{{0,{SUBSTITUTION_LENGTH}}})\)|`(?P<backquoted>[^`]*)`"
                       rf"|{_PARAMETER}|\$(?P<status>\?)")
INT64 = 1 << 64  # sh's arithmetic is on signed 64-bit integers: it wraps around


class Expansions(Protocol):
    """What a shell answers while its words are expanded."""

    def variable(self, name: str) -> Any: ...

    def substitution(self, command: str) -> Any: ...

    def arithmetic(self, expression: str) -> int: ...


def expand(word: str, shell: Expansions, budget: Budget | None = None) -> tuple[Any, ...]:
    """The parts of `word` with every expansion replaced by the shell's answer (empty parts left
    out); BudgetExceeded as soon as the parts grow past the budget's expansion length."""
    parts: list[Any] = []
    length = position = 0
    for match in EXPANSION.finditer(word):
        parts += [word[position:match.start()], _answer(match, shell)]
        position = match.end()
        if budget is not None:
            length += sum(len(p) for p in parts[-2:] if isinstance(p, str))
            budget.check_length(length)
    parts.append(word[position:])
    return tuple(p for p in parts if p != "")


def _answer(match: re.Match[str], shell: Expansions) -> Any:
    if match["arithmetic"] is not None:
        return str(shell.arithmetic(match["arithmetic"]))
    if match["command"] is not None or match["backquoted"] is not None:
        return shell.substitution((match["command"] or match["backquoted"] or "").strip())
    if match["status"] is not None:
        return shell.variable("?")
    return _parameter(match, shell.variable)


def expand_parameters(text: str, variables: Mapping[str, str], budget: Budget | None = None) -> str:
    """$VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} in `text` (a Dockerfile's substitution: no
    commands, no arithmetic; an unset or empty variable is ""); BudgetExceeded as soon as the
    result grows past the budget's expansion length (`${A}${A}...` would double it each line)."""
    parts: list[str] = []
    length = position = 0
    for match in PARAMETER.finditer(text):
        parts += [text[position:match.start()], str(_parameter(match, lambda name: variables.get(name) or ""))]
        position = match.end()
        if budget is not None:
            length += len(parts[-2]) + len(parts[-1])
            budget.check_length(length)
    parts.append(text[position:])
    return "".join(parts)


def _parameter(match: re.Match[str], variable: Callable[[str], Any]) -> Any:
    value = variable(match["braced"] or match["name"])
    if match["operator"] == "-":
        return value if value else match["word"]
    if match["operator"] == "+":
        return match["word"] if value else ""
    return value


def arithmetic(expression: str, variable: Callable[[str], Any]) -> int:
    """`$((i + 1))`: integers, + - * / % and parentheses, wrapping around as sh's signed 64-bit
    integers do; a name (with or without `$`) is its value, 0 when it is not a number; anything
    else is 0, `**` too (not POSIX: dash refuses it; Python's would compute 9**9**9 for minutes)."""
    def value_of(name: re.Match[str]) -> str:
        value = str(variable(name[0].lstrip("$")))
        return str(_clamped(value)) if value.lstrip("-").isdigit() else "0"
    substituted = re.sub(rf"\$?{NAME}", value_of, expression)
    if not re.fullmatch(r"[\d\s+\-*/%()]*", substituted) or not substituted.strip() or "**" in substituted:
        return 0
    try:
        value = int(eval(substituted.replace("/", "//"), {"__builtins__": {}}))  # digits and operators only
    except (SyntaxError, ValueError, ZeroDivisionError, MemoryError, RecursionError):
        return 0
    return (value + INT64 // 2) % INT64 - INT64 // 2


def _clamped(digits: str) -> int:
    """A variable's value as dash reads it (strtoimax): past 64 bits, the largest (or smallest)
    number there is, so a variable of a million digits is no million-digit multiplication."""
    largest = INT64 // 2 - 1
    if len(digits.lstrip("-")) > len(str(largest)):
        return -largest - 1 if digits.startswith("-") else largest
    return max(-largest - 1, min(largest, int(digits)))
