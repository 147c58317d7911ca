"""A Dockerfile's instructions: the text → `Instruction`s, and the substitutions they share.

`image build` / the images page → dockerfile.build → `parse(text)` here → the builder
(dockerfile.py) runs the instructions in order. It follows BuildKit's Dockerfile frontend
(frontend/dockerfile/parser and instructions): comments and blank lines dropped, `\\`
continuations joined (a comment inside one too), the flags of FROM, COPY, ADD and RUN
(`--from=build`, `--chown=app:app`), the JSON (exec) form, and `$VAR` / `${VAR:-default}`
substitution in ENV, ARG, LABEL, WORKDIR, COPY, ... (the shell's own rule: playground.shell.words).
Errors name the line, as `docker build` does.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from playground.shell.budget import Budget
from playground.shell.syntax import split
from playground.shell.words import expand_parameters

INSTRUCTIONS = ("FROM", "RUN", "COPY", "ADD", "ENV", "WORKDIR", "USER", "CMD", "ENTRYPOINT", "EXPOSE", "LABEL", "ARG",
                "SHELL", "STOPSIGNAL", "VOLUME", "HEALTHCHECK", "MAINTAINER", "ONBUILD")


class BuildError(Exception):
    """The build failed; the message names the line and the instruction. Nothing was stored."""


@dataclass(frozen=True)
class Instruction:
    line: int  # where it starts in the Dockerfile (1-based)
    keyword: str  # upper case
    arguments: str  # after the keyword and its flags, continuation lines joined
    flags: tuple[tuple[str, str], ...] = ()  # --from=build, --chown=app:app

    @property
    def text(self) -> str:
        flags = "".join(f"--{name}={value} " for name, value in self.flags)
        return f"{self.keyword} {flags}{self.arguments}".strip()

    def flag(self, name: str) -> str | None:
        return dict(self.flags).get(name)

    def error(self, message: str) -> BuildError:
        return BuildError(f"line {self.line}: {self.keyword}: {message}")


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile: comments and blank lines dropped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction is dropped, as Docker does
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        instructions.append(_instruction(start, " ".join(p for p in pending if p)))
        pending = []
    if pending:
        instructions.append(_instruction(start, " ".join(p for p in pending if p)))
    return instructions


def _instruction(line: int, text: str) -> Instruction:
    keyword, _, rest = text.partition(" ")
    if keyword.upper() not in INSTRUCTIONS:
        raise BuildError(f"line {line}: unknown instruction: {keyword}")
    rest = rest.strip()
    flags = []
    while rest.startswith("--") and keyword.upper() in ("FROM", "COPY", "ADD", "RUN"):
        word, _, rest = rest.partition(" ")
        name, _, value = word[2:].partition("=")
        flags.append((name, value))
        rest = rest.strip()
    if not rest and keyword.upper() not in ("HEALTHCHECK",):
        raise BuildError(f"line {line}: {keyword.upper()}: requires at least one argument")
    return Instruction(line, keyword.upper(), rest, tuple(flags))


def json_form(arguments: str) -> list[str] | None:
    """`["nginx", "-g", "daemon off;"]` → the list; None for the shell form."""
    if not arguments.startswith("["):
        return None
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return [str(v) for v in value] if isinstance(value, list) else None


def substitute(text: str, variables: Mapping[str, str], budget: Budget | None = None) -> str:
    """$VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}, as the Dockerfile's ENV/ARG substitution does
    (BudgetExceeded past the budget's expansion length)."""
    return expand_parameters(text, variables, budget)


def key_values(arguments: str, keyword: str) -> list[tuple[str, str]]:
    """`A=1 B="two words"` (or the legacy `ENV A some value`) → pairs."""
    words = split(arguments)
    if words and "=" not in words[0]:
        if keyword == "ENV":
            return [(words[0], " ".join(words[1:]))]
        if keyword == "ARG":
            return [(words[0], "\0")]  # declared without a default
    pairs = []
    for word in words:
        name, equals, value = word.partition("=")
        pairs.append((name, value if equals else "\0"))
    return pairs
