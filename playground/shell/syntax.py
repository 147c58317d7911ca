"""The shell's syntax: a script → tokens → a tree of lists, and-or lists, pipelines and commands.

`tokenize` splits a script as sh does into words and operators (`;`, `&&`, `||`, `&`, `|`, `<`,
`>`, `>>`; a newline ends a command); `Parser` builds the tree the interpreter walks
(interpreter.py); `redirections`, `split_assignments` and `options` read a simple command's words.
Nodes are tuples, their first item the kind:

    ("seq", [node, ...])              a list: `a; b`, `a & b`, newlines
    ("and", left, right)              `left && right`
    ("or", left, right)               `left || right`
    ("bg", node)                      `node &`
    ("pipe", [node, ...])             `a | b | c`
    ("if", condition, then, else)     `if ...; then ...; [elif ...; | else ...;] fi`
    ("for", name, words, body)        `for name in words; do body; done`
    ("while", condition, body, until) `while|until condition; do body; done`
    ("cmd", words)                    a simple command, words not yet expanded

It follows the grammar of POSIX's Shell Command Language (2.10), without functions, case,
subshells and here-documents.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Node = tuple[Any, ...]
OPERATORS = frozenset({";", "&&", "||", "&", "|", ";;"})
REDIRECTIONS = frozenset({">", ">>", ">|", "<", "<<", ">&", "&>"})
OUTPUT_REDIRECTIONS = frozenset({">", ">>", ">|"})
ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")

# File descriptors: `2>&1` and `>&2` send stderr and stdout to the same place, `2>FILE` sends
# stderr (which neither user keeps) away, and `1>` is `>`: rewritten before splitting, as the
# digits would otherwise be words of the command.
_FD_DUPLICATION = re.compile(r"(?<![\w$])[12]?>&[12]\b|(?<![\w$])2>>?\s*[^\s;&|]+")
_STDOUT = re.compile(r"(?<![\w$])1>")


def _lexemes(operators: str) -> re.Pattern[str]:
    """The lexemes of a script, each matched once: blanks, a run of operator characters, a quoted
    string, a backslash and the character it escapes, unquoted text; a lone quote or backslash
    is unclosed."""
    operator = rf"|(?P<operator>[{operators}]+)" if operators else ""
    return re.compile(rf"""(?P<space>[ \t\r\n]+){operator}|(?P<single>'[^']*')|(?P<double>"(?:[^"\\]|\\.)*")"""
                      rf"""|(?P<escaped>\\.)|(?P<plain>[^ \t\r\n{operators}'"\\]+)|(?P<unclosed>['"\\])""", re.DOTALL)


_SCRIPT_LEXEMES = _lexemes(";&|<>")
_WORD_LEXEMES = _lexemes("")
_DOUBLE_QUOTED_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


MAX_NESTING = 100  # blocks (if, for, while) inside one another: a parser's recursion is bounded


class ShellSyntaxError(Exception):
    """The script cannot be split into words (an unbalanced quote): what sh calls a syntax error."""


def tokenize(script: str) -> list[str]:
    """Words (quotes removed) and operators; a newline is a `;`."""
    return _split(_STDOUT.sub(">", _FD_DUPLICATION.sub("", script)).replace("\n", " ; "), _SCRIPT_LEXEMES)


def split(text: str) -> list[str]:
    """Words as sh splits them, without operators: what Python's shlex.split gives, in linear time."""
    return _split(text, _WORD_LEXEMES)


def _split(script: str, lexemes: re.Pattern[str]) -> list[str]:
    """Each word is joined once from its pieces, so the time is linear in the script (shlex,
    which this replaces, adds a character at a time to a string attribute: 150 s for a 2 MB word)."""
    tokens: list[str] = []
    pieces: list[str] = []
    in_word = False  # `''` is a word, though empty
    for match in lexemes.finditer(script):
        kind, text = match.lastgroup, match[0]
        if kind in ("space", "operator"):
            if in_word:
                tokens.append("".join(pieces))
                pieces, in_word = [], False
            if kind == "operator":
                tokens.append(text)
            continue
        if kind == "unclosed":
            raise ShellSyntaxError("No escaped character" if text == "\\" else "No closing quotation")
        pieces.append(_unquoted(kind, text))
        in_word = True
    if in_word:
        tokens.append("".join(pieces))
    return tokens


def _unquoted(kind: str | None, text: str) -> str:
    """A piece of a word as sh reads it: inside double quotes a backslash escapes only `"` and
    itself (as Python's shlex in POSIX mode, which this replaces, reads it)."""
    if kind == "single":
        return text[1:-1]
    if kind == "double":
        return _DOUBLE_QUOTED_ESCAPE.sub(lambda m: m[1] if m[1] in '"\\' else m[0], text[1:-1])
    if kind == "escaped":
        return text[1]
    return text


def parse(script: str) -> Node:
    """The syntax tree of a script; ShellSyntaxError for an unbalanced quote."""
    return Parser(tokenize(script)).parse()


class Parser:
    """A recursive-descent parser over the tokens; nodes as the module docstring shows them."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def parse(self) -> Node:
        return self.sequence(set())

    @contextmanager
    def nested(self) -> Iterator[None]:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ShellSyntaxError(f"blocks nested more than {MAX_NESTING} deep")
        try:
            yield
        finally:
            self.depth -= 1

    def sequence(self, stops: set[str]) -> Node:
        with self.nested():
            return self.items(stops)

    def items(self, stops: set[str]) -> Node:
        items: list[Node] = []
        while self.peek() is not None and self.peek() not in stops:
            if self.peek() in (";", ";;"):
                self.take()
                continue
            node = self.and_or()
            if self.peek() == "&":
                self.take()
                node = ("bg", node)
            items.append(node)
        return ("seq", items)

    def and_or(self) -> Node:
        left = self.pipeline()
        while self.peek() in ("&&", "||"):
            operator = "and" if self.take() == "&&" else "or"
            left = (operator, left, self.pipeline())
        return left

    def pipeline(self) -> Node:
        commands = [self.compound()]
        while self.peek() == "|":
            self.take()
            commands.append(self.compound())
        return commands[0] if len(commands) == 1 else ("pipe", commands)

    def compound(self) -> Node:
        token = self.peek()
        if token in ("while", "until"):
            self.take()
            condition = self.sequence({"do"})
            self.expect("do")
            body = self.sequence({"done"})
            self.expect("done")
            return ("while", condition, body, token == "until")
        if token == "for":
            return self.for_clause()
        if token == "if":
            return self.if_clause()
        words = []
        while self.peek() is not None and self.peek() not in OPERATORS:
            words.append(self.take())
        return ("cmd", words)

    def for_clause(self) -> Node:
        self.take()
        name = self.take() if self.peek() is not None else ""
        words: list[str] = []
        if self.peek() == "in":
            self.take()
            while self.peek() not in (None, ";", "do"):
                words.append(self.take())
        self.skip(";")
        self.expect("do")
        body = self.sequence({"done"})
        self.expect("done")
        return ("for", name, words, body)

    def if_clause(self) -> Node:
        self.take()  # if / elif
        condition = self.sequence({"then"})
        self.expect("then")
        then = self.sequence({"else", "elif", "fi"})
        if self.peek() == "elif":
            with self.nested():  # an elif is an if inside the else
                return ("if", condition, then, self.if_clause())
        otherwise: Node = ("seq", [])
        if self.peek() == "else":
            self.take()
            otherwise = self.sequence({"fi"})
        self.expect("fi")
        return ("if", condition, then, otherwise)

    def skip(self, token: str) -> None:
        while self.peek() == token:
            self.take()

    def expect(self, word: str) -> None:
        self.skip(";")
        if self.peek() == word:
            self.take()


# --- a simple command's words ----------------------------------------------------------------------


def split_assignments(words: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """`A=1 B=2 cmd args` → ([(A, 1), (B, 2)], [cmd, args])."""
    count = 0
    while count < len(words) and ASSIGNMENT.match(words[count]):
        count += 1
    pairs = [(name, value) for name, _, value in (word.partition("=") for word in words[:count])]
    return pairs, words[count:]


def redirections(words: list[str]) -> tuple[list[str], tuple[str, str] | None]:
    """The command's words without its redirections, and where its output goes: (`>` or `>>`,
    target) of the last output redirection, None for the terminal; input redirections and the
    rest are left out (nothing the playground reads from them)."""
    argv: list[str] = []
    redirect = None
    index = 0
    while index < len(words):
        word = words[index]
        if word in REDIRECTIONS and index + 1 < len(words):
            if word in OUTPUT_REDIRECTIONS:
                redirect = (">>" if word == ">>" else ">", words[index + 1])
            index += 2
            continue
        argv.append(word)
        index += 1
    return argv, redirect


def options(words: list[str]) -> dict[str, str]:
    """--name value / --name=value / -x value pairs (flags without values map to "")."""
    found: dict[str, str] = {}
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-") and "=" in word:
            name, value = word.split("=", 1)
            found[name] = value
        elif word.startswith("-"):
            has_value = index + 1 < len(words) and not words[index + 1].startswith("-")
            found[word] = words[index + 1] if has_value else ""
            index += 1 if has_value else 0
        index += 1
    return found
