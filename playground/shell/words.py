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

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_PARAMETER = rf"\$\{{(?P<braced>{NAME})(?::?(?P<operator>[-+])(?P<word>[^}}]*))?\}}|\$(?P<name>{NAME})"
PARAMETER = re.compile(_PARAMETER)
EXPANSION = re.compile(rf"\$\(\((?P<arithmetic>.*?)\)\)|\$\((?P<command>[^)]*)\)|`(?P<backquoted>[^`]*)`"
                       rf"|{_PARAMETER}|\$(?P<status>\?)")


class Expansions(Protocol):
    """What a shell answers while its words are expanded."""

    def variable(self, name: str) -> Any: ...

    def substitution(self, command: str) -> Any: ...

    def arithmetic(self, expression: str) -> int: ...


def expand(word: str, shell: Expansions) -> tuple[Any, ...]:
    """The parts of `word` with every expansion replaced by the shell's answer (empty parts left out)."""
    parts: list[Any] = []
    position = 0
    for match in EXPANSION.finditer(word):
        parts.append(word[position:match.start()])
        position = match.end()
        if match["arithmetic"] is not None:
            parts.append(str(shell.arithmetic(match["arithmetic"])))
        elif match["command"] is not None or match["backquoted"] is not None:
            parts.append(shell.substitution((match["command"] or match["backquoted"] or "").strip()))
        elif match["status"] is not None:
            parts.append(shell.variable("?"))
        else:
            parts.append(_parameter(match, shell.variable))
    parts.append(word[position:])
    return tuple(p for p in parts if p != "")


def expand_parameters(text: str, variables: Mapping[str, str]) -> str:
    """$VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt} in `text` (a Dockerfile's substitution: no
    commands, no arithmetic; an unset or empty variable is "")."""
    return PARAMETER.sub(lambda match: str(_parameter(match, lambda name: variables.get(name) or "")), text)


def _parameter(match: re.Match[str], variable: Callable[[str], Any]) -> Any:
    value = variable(match["braced"] or match["name"])
    if match["operator"] == "-":
        return value if value else match["word"]
    if match["operator"] == "+":
        return match["word"] if value else ""
    return value


def arithmetic(expression: str, variable: Callable[[str], Any]) -> int:
    """`$((i + 1))`: integers, + - * / % and parentheses; a name (with or without `$`) is its
    value, 0 when it is not a number; anything else is 0."""
    def value_of(name: re.Match[str]) -> str:
        value = variable(name[0].lstrip("$"))
        return str(value) if isinstance(value, int) or str(value).lstrip("-").isdigit() else "0"
    substituted = re.sub(rf"\$?{NAME}", value_of, expression)
    if not re.fullmatch(r"[\d\s+\-*/%()]*", substituted) or not substituted.strip():
        return 0
    try:
        return int(eval(substituted.replace("/", "//"), {"__builtins__": {}}))  # digits and operators only
    except (SyntaxError, ZeroDivisionError):
        return 0
