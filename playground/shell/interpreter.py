"""The interpreter both shells share: it walks syntax.py's tree and runs the builtins sh has.

images/run.py's `RunShell` (a Dockerfile's RUN) and sim/programs.py's `ProgramShell` (a
container's command) subclass `Shell`: they say what a simple command does (`command`), how a
word expands (`expand`: the builder's words arrive expanded, a program's expand on its timeline),
where output goes (`write`), what a file test sees (`file_test`) and what happens when the
script ends (`exit`), and its `budget` (budget.py: every command is a step of it, every word
expansion is measured against it). Everything else is here, once: `;`, `&&`, `||`, pipelines, `&`,
if/elif/else, for, `set -e`, variable assignments, and the builtins true, `:`, false, exit, set,
export, unset, echo, printf and test / `[`, as dash and busybox ash run them.
"""
from __future__ import annotations

import re
from typing import Any

from . import words as expansion
from .budget import Budget
from .syntax import Node, parse, split_assignments

Text = tuple[Any, ...]  # a word's parts after expansion (strings, or what a shell renders later)
BUILTINS = frozenset({"true", ":", "false", "exit", "set", "export", "unset", "echo", "printf", "test", "["})


class Stop(Exception):
    """The script ends here: `exit`, `set -e` after a failure, or a command that never returns."""


class ShellError(Exception):
    """A command failed: the message is what it printed on stderr, `code` its exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Shell:
    """sh's control flow and builtins over a subclass's effects; `status` is `$?`."""

    env: dict[str, Any]
    status: int = 0
    errexit: bool = False  # set -e
    budget: Budget | None = None  # None: unlimited (a subclass sets one for what it runs)

    # What a subclass gives ---------------------------------------------------------------------

    def command(self, words: list[str]) -> None:
        """Run one simple command (its assignments taken off: see `simple_command`); a failure
        sets `status`, or raises ShellError."""
        raise NotImplementedError

    def expand(self, word: str) -> Text:
        return expansion.expand(word, self, self.budget)

    def write(self, text: Text, *, newline: bool) -> None:
        """A builtin's output (echo, printf)."""
        raise NotImplementedError

    def file_test(self, operator: str, path: str) -> bool:
        """`test -f PATH` and the other file operators."""
        raise NotImplementedError

    def exit(self, status: int) -> None:
        self.status = status
        raise Stop

    def failed(self, status: int, message: str) -> None:
        """A builtin failed with `message` (what it would print on stderr)."""
        self.status = status

    def variable(self, name: str) -> Any:
        return str(self.status) if name == "?" else self.env.get(name, "")

    def substitution(self, command: str) -> Any:
        return ""

    def arithmetic(self, expression: str) -> int:
        return expansion.arithmetic(expression, lambda name: self.env.get(name, 0))

    def assign(self, name: str, value: str) -> None:
        self.env[name] = value

    # Walking the tree ---------------------------------------------------------------------------

    def run_script(self, script: str) -> None:
        """Parse and run; ShellSyntaxError (from syntax.py) for an unbalanced quote."""
        self.execute(parse(script))

    def execute(self, node: Node) -> None:
        if self.budget is not None:
            self.budget.step()  # BudgetExceeded ends the script here: a loop cannot outrun it
        kind = node[0]
        if kind == "seq":
            for child in node[1]:
                self.execute(child)
                if self.errexit and self.status != 0:
                    self.exit(self.status)
        elif kind in ("and", "or"):
            self.and_or(node)
        elif kind == "bg":
            self.background(node[1])
        elif kind == "pipe":
            self.pipeline(node[1])
        elif kind in ("if", "for", "while"):
            self.compound(node)
        else:
            self.simple_command(node[1])

    def and_or(self, node: Node) -> None:
        """`a && b || c`: the tree leans left, one node per operator; walked as a list, so a chain
        of thousands of `&&` is no deep recursion."""
        chain = []
        while node[0] in ("and", "or"):
            chain.append((node[0], node[2]))
            node = node[1]
        self.execute(node)
        for operator, right in reversed(chain):
            if (self.status == 0) == (operator == "and"):
                self.execute(right)

    def background(self, node: Node) -> None:
        """`node &`: nothing here waits, so it runs in line."""
        self.execute(node)

    def pipeline(self, nodes: list[Node]) -> None:
        """`a | b`: every command runs; the last one's status is the pipeline's."""
        for node in nodes:
            self.execute(node)

    def compound(self, node: Node) -> None:
        if node[0] == "if":
            self.execute(node[1])
            self.execute(node[2] if self.status == 0 else node[3])
        elif node[0] == "for":
            for word in node[2]:
                self.env[node[1]] = self.word(word)
                self.execute(node[3])
        else:
            self.while_loop(node[1], node[2], until=node[3])

    def while_loop(self, condition: Node, body: Node, *, until: bool) -> None:
        raise NotImplementedError

    def simple_command(self, words: list[str]) -> None:
        """`A=1 B=2` alone sets variables; before a command they are set for the rest of the
        script too (a simplification: sh sets them for that command only)."""
        assignments, rest = split_assignments(words)
        for name, value in assignments:
            self.assign(name, value)
        if not rest:
            self.status = 0
            return
        try:
            self.command(rest)
        except ShellError as failure:
            self.failed(failure.code, str(failure))

    def word(self, word: str) -> str:
        return "".join(str(part) for part in self.expand(word))

    # Builtins -----------------------------------------------------------------------------------

    def builtin(self, name: str, args: list[str]) -> bool:
        """Run `name` if it is one of the builtins both shells share; False if not."""
        if name not in BUILTINS:
            return False
        getattr(self, "builtin_" + {":": "true", "[": "test"}.get(name, name))(args)
        return True

    def builtin_true(self, args: list[str]) -> None:
        self.status = 0

    def builtin_false(self, args: list[str]) -> None:
        self.failed(1, "false")

    def builtin_exit(self, args: list[str]) -> None:
        code = self.word(args[0]) if args else str(self.status)
        self.exit(int(code) % 256 if code.lstrip("-").isdigit() else 2)

    def builtin_set(self, args: list[str]) -> None:
        for arg in args:
            if arg[:1] in ("-", "+") and "e" in arg[1:]:
                self.errexit = arg[0] == "-"
        self.status = 0

    def builtin_export(self, args: list[str]) -> None:
        for arg in args:
            name, equals, value = arg.partition("=")
            if equals:
                self.assign(name, value)
        self.status = 0

    def builtin_unset(self, args: list[str]) -> None:
        for arg in args:
            self.env.pop(arg, None)
        self.status = 0

    def builtin_echo(self, args: list[str]) -> None:
        newline, escapes = True, False
        while args and args[0] in ("-n", "-e", "-ne", "-en"):
            newline, escapes = newline and "n" not in args[0], escapes or "e" in args[0]
            args = args[1:]
        text = self.expand(" ".join(args))
        self.write(_escaped(text) if escapes else text, newline=newline)
        self.status = 0

    def builtin_printf(self, args: list[str]) -> None:
        if not args:
            self.failed(1, "printf: usage: printf format [arguments]")
            return
        values = iter(args[1:])
        formatted = re.sub(r"%[sd%]", lambda m: "%" if m[0] == "%%" else next(values, ""), args[0])
        self.write(_escaped(self.expand(formatted)), newline=False)
        self.status = 0

    def builtin_test(self, args: list[str]) -> None:
        args = [self.word(arg) for arg in args if arg != "]"]
        negate = bool(args) and args[0] == "!"
        args = args[1:] if negate else args
        if len(args) == 2 and args[0] in ("-f", "-e", "-s", "-r", "-d"):
            result = self.file_test(args[0], args[1])
        elif len(args) == 3 and args[1] in ("=", "=="):
            result = args[0] == args[2]
        elif len(args) == 3 and args[1] == "!=":
            result = args[0] != args[2]
        elif len(args) == 1:
            result = args[0] != ""
        else:
            result = True
        if result != negate:
            self.status = 0
        else:
            self.failed(1, "")


def _escaped(text: Text) -> Text:
    """echo -e's and printf's `\\n` and `\\t`."""
    return tuple(p.replace("\\n", "\n").replace("\\t", "\t") if isinstance(p, str) else p for p in text)
