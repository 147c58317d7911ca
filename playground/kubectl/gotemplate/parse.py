"""The parse tree of a Go template: lex.go and parse.go of text/template/parse, as far as
kubectl's templates need them.

`parse(template)` (formats.py, when the printer is made) → `lex` splits text from actions, trim
markers applied → `_Parser` builds the Tree (text, actions, if / range / with blocks of pipelines of
commands) → exec.py walks it. A template that does not parse fails here, with Go's words.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import KubectlError
from .funcs import FUNCS
from .values import GoInt

NAME = "output"  # kubectl's template.New("output")


class TemplateParseError(KubectlError):
    """`template: output:LINE: MESSAGE`, as Go's parser words it."""

# -- Lexing ---------------------------------------------------------------------------------------

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<declare>:=)
  | (?P<char>[|(),=])
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<rune>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?)(?![\w.]))
  | (?P<variable>\$\w*)
  | (?P<field>\.\w*)
  | (?P<word>[A-Za-z_]\w*)
""", re.VERBOSE)
KEYWORDS = {"if", "else", "end", "range", "with", "break", "continue", "define", "template", "block", "nil", "true",
            "false"}


@dataclass
class Token:
    kind: str  # space declare char string raw rune number variable field word
    text: str
    pos: int  # byte offset in the template


@dataclass
class Action:
    tokens: list[Token]
    pos: int  # where `{{` is
    line: int
    end: int  # after `}}`


def line_number(template: str, pos: int) -> int:
    return template.count("\n", 0, pos) + 1


def lex(template: str) -> list[str | Action]:
    """The template as text and actions, trim markers applied (lex.go: `{{- ` and ` -}}`)."""
    parts: list[str | Action] = []
    at, trim_next = 0, False
    while True:
        start = template.find("{{", at)
        text = template[at:] if start < 0 else template[at:start]
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if start < 0:
            parts.append(text)
            return parts
        inner = start + 2
        if re.match(r"-[ \t\r\n]", template[inner:inner + 2]):  # `{{- `; `{{-3}}` is the number -3
            text, inner = text.rstrip(" \t\r\n"), inner + 2
        parts.append(text)
        action, trim_next = _action(template, start, inner)
        parts.append(action)
        at = action.end


def _action(template: str, start: int, at: int) -> tuple[Action, bool]:
    line = line_number(template, start)
    rest = template[at:].lstrip(" \t\r\n")
    if rest.startswith("/*"):
        close = template.find("*/", at)
        if close < 0:
            raise TemplateParseError(f"template: {NAME}:{line}: unclosed comment")
        after = template[close + 2:]
        trim = re.match(r"[ \t\r\n]-}}", after) is not None
        if not trim and not after.startswith("}}"):
            raise TemplateParseError(f"template: {NAME}:{line}: comment ends before closing delimiter")
        return Action([], start, line, close + 2 + (4 if trim else 2)), trim
    tokens: list[Token] = []
    while True:
        if template.startswith("}}", at):
            return Action(tokens, start, line, at + 2), False
        if re.match(r"[ \t\r\n]-}}", template[at:at + 4]):
            return Action(tokens, start, line, at + 4), True
        match = TOKEN.match(template, at)
        if at >= len(template):
            raise TemplateParseError(f"template: {NAME}:{line}: unclosed action")
        if match is None:
            char, where = template[at], f"template: {NAME}:{line_number(template, at)}"
            if char == '"' or char == "`":
                raise TemplateParseError(f"{where}: unterminated quoted string" if char == '"'
                                         else f"{where}: unterminated raw quoted string")
            raise TemplateParseError(f"{where}: unexpected {json.dumps(char)} in command")
        if match.lastgroup != "space":
            tokens.append(Token(match.lastgroup or "", match.group(), at))
        at = match.end()


# -- Parsing --------------------------------------------------------------------------------------


@dataclass
class Node:
    kind: str  # field var dot string number bool nil ident pipe
    value: Any = None  # the constant; the function's name; the variable's name; a parenthesized Pipe
    fields: tuple[str, ...] = ()  # `.a.b` after the operand
    pos: int = 0
    text: str = ""  # as parse's String() shows it


@dataclass
class Command:
    args: list[Node]
    pos: int

    @property
    def text(self) -> str:
        return " ".join(a.text for a in self.args)


@dataclass
class Pipe:
    commands: list[Command]
    variables: list[str] = field(default_factory=list)
    assign: bool = False  # `$x = …`, not `$x := …`
    pos: int = 0

    @property
    def text(self) -> str:
        head = ", ".join(self.variables) + (" = " if self.assign else " := ") if self.variables else ""
        return head + " | ".join(c.text for c in self.commands)


@dataclass
class Block:
    kind: str  # action if range with break continue
    pipe: Pipe | None = None
    body: list[Any] = field(default_factory=list)
    orelse: list[Any] = field(default_factory=list)
    line: int = 0


@dataclass
class Tree:
    template: str
    nodes: list[Any]


NOT_HERE = frozenset({"call", "js"})  # Go's, not written here: refused with a message saying so


class _Parser:
    def __init__(self, template: str) -> None:
        self.template = template
        self.parts = lex(template)
        self.at = 0
        self.scopes: list[set[str]] = [{"$"}]
        self.ranges = 0  # how many {{range}} the parser is in: break and continue need one

    def error(self, line: int, message: str) -> TemplateParseError:
        return TemplateParseError(f"template: {NAME}:{line}: {message}")

    def parse(self) -> list[Any]:
        nodes, stop = self.list_until()
        if stop is not None:
            word = "{{else}}" if stop[0] == "else" else "{{end}}"
            raise self.error(stop[1].line, f"unexpected {word}")
        return nodes

    def list_until(self) -> tuple[list[Any], tuple[str, Action, list[Token]] | None]:
        """Nodes up to an `{{else…}}` or `{{end}}` (returned with it), or to the end (None)."""
        nodes: list[Any] = []
        while self.at < len(self.parts):
            part = self.parts[self.at]
            self.at += 1
            if isinstance(part, str):
                if part:
                    nodes.append(part)
                continue
            if not part.tokens:
                continue  # a comment
            head = part.tokens[0]
            if head.kind == "word" and head.text in ("else", "end"):
                return nodes, (head.text, part, part.tokens[1:])
            nodes.append(self.action(part))
        return nodes, None

    def action(self, action: Action) -> Any:
        head = action.tokens[0]
        word = head.text if head.kind == "word" else ""
        if word in ("if", "with", "range"):
            return self.control(word, action, action.tokens[1:])
        if word in ("break", "continue"):
            if not self.ranges:
                raise self.error(action.line, f"{{{{{word}}}}} outside {{{{range}}}}")
            if len(action.tokens) > 1:
                raise self.error(action.line, f"unexpected {action.tokens[1].text} in {{{{{word}}}}}")
            return Block(word, line=action.line)
        if word in ("define", "template", "block"):
            raise self.error(action.line, f"{{{{{word}}}}} is not in this playground's Go templates")
        return Block("action", self.pipeline(action.tokens, action.line, "command"), line=action.line)

    def control(self, word: str, action: Action, tokens: list[Token]) -> Block:
        self.scopes.append(set())
        pipe = self.pipeline(tokens, action.line, word, ranging=word == "range")
        self.ranges += word == "range"
        body, stop = self.list_until()
        self.ranges -= word == "range"
        if stop is None:
            raise self.error(line_number(self.template, len(self.template)), "unexpected EOF")
        orelse: list[Any] = []
        kind, at, rest = stop
        if kind == "else":
            if rest and rest[0].kind == "word" and rest[0].text in ("if", "with") and word != "range":
                if rest[0].text != word:
                    raise self.error(at.line, f"unexpected {rest[0].text} in {{{{else}}}}")
                self.scopes.pop()
                orelse = [self.control(word, at, rest[1:])]  # `else if` ends with the outer block's {{end}}
                return Block(word, pipe, body, orelse, action.line)
            if rest:
                raise self.error(at.line, f"unexpected {rest[0].text} in else")
            orelse, stop = self.list_until()
            if stop is None:
                raise self.error(line_number(self.template, len(self.template)), "unexpected EOF")
            if stop[0] == "else":
                raise self.error(stop[1].line, "expected end; found {{else}}")
        self.scopes.pop()
        return Block(word, pipe, body, orelse, action.line)

    def pipeline(self, tokens: list[Token], line: int, context: str, *, ranging: bool = False) -> Pipe:
        variables, assign, tokens = self.declarations(tokens, line, ranging=ranging)
        commands: list[Command] = []
        current: list[Token] = []
        depth = 0
        for token in tokens:
            if token.text == "|" and token.kind == "char" and depth == 0:
                commands.append(self.command(current, line))
                current = []
                continue
            depth += {"(": 1, ")": -1}.get(token.text, 0) if token.kind == "char" else 0
            current.append(token)
        if current:
            commands.append(self.command(current, line))  # a `|` with nothing after it Go lets pass
        if not commands:
            raise self.error(line, f"missing value for {context}")
        return Pipe(commands, variables, assign, tokens[0].pos if tokens else 0)

    def declarations(self, tokens: list[Token], line: int, *, ranging: bool) -> tuple[list[str], bool, list[Token]]:
        """`$x :=`, `$x =`, and range's `$i, $e :=` before the pipeline."""
        if len(tokens) >= 2 and tokens[0].kind == "variable":
            if tokens[1].kind in ("declare", "char") and tokens[1].text in (":=", "="):
                self.declare([tokens[0].text], assign=tokens[1].text == "=", line=line)
                return [tokens[0].text], tokens[1].text == "=", tokens[2:]
            if ranging and len(tokens) >= 4 and tokens[1].text == "," and tokens[2].kind == "variable" \
                    and tokens[3].text in (":=", "="):
                names = [tokens[0].text, tokens[2].text]
                self.declare(names, assign=tokens[3].text == "=", line=line)
                return names, tokens[3].text == "=", tokens[4:]
            if tokens[1].text == ",":
                raise self.error(line, "too many declarations in command")
        return [], False, tokens

    def declare(self, names: list[str], *, assign: bool, line: int) -> None:
        for name in names:
            if assign and not any(name in scope for scope in self.scopes):
                raise self.error(line, f"undefined variable \"{name}\"")
            self.scopes[-1].add(name)

    def command(self, tokens: list[Token], line: int) -> Command:
        args: list[Node] = []
        index = 0
        while index < len(tokens):
            node, index = self.operand(tokens, index, line)
            args.append(node)
        return Command(args, tokens[0].pos)

    def operand(self, tokens: list[Token], index: int, line: int) -> tuple[Node, int]:
        token = tokens[index]
        if token.kind == "char" and token.text == "(":
            depth, end = 0, index
            for end in range(index, len(tokens)):
                depth += {"(": 1, ")": -1}.get(tokens[end].text, 0) if tokens[end].kind == "char" else 0
                if depth == 0:
                    break
            if depth != 0:
                raise self.error(line, "unclosed left paren")
            inner = self.pipeline(tokens[index + 1:end], line, "parenthesized pipeline")
            node = Node("pipe", inner, pos=token.pos, text=f"({inner.text})")
            return self.chained(node, tokens, end + 1)
        if token.kind == "char":
            raise self.error(line, f"unexpected \"{token.text}\" in operand")
        return self.chained(self.term(token, line), tokens, index + 1)

    def chained(self, node: Node, tokens: list[Token], index: int) -> tuple[Node, int]:
        """Fields after a variable or a parenthesized pipeline: `$x.a.b`, `(index . 0).name`."""
        fields = list(node.fields)
        first = index
        while index < len(tokens) and tokens[index].kind == "field" and tokens[index].pos == (
                tokens[index - 1].pos + len(tokens[index - 1].text)):
            fields.append(tokens[index].text[1:])
            index += 1
        if index == first:
            return node, index
        pos = tokens[first].pos if node.kind in ("field",) else node.pos
        return Node(node.kind, node.value, tuple(fields), pos, node.text + "".join(t.text for t in tokens[first:index])), index

    def term(self, token: Token, line: int) -> Node:
        kind, text = token.kind, token.text
        if kind == "field":
            if text == ".":
                return Node("dot", pos=token.pos, text=".")
            return Node("field", fields=(text[1:],), pos=token.pos, text=text)
        if kind == "variable":
            if not any(text in scope for scope in self.scopes):
                raise self.error(line, f"undefined variable \"{text}\"")
            return Node("var", text, pos=token.pos, text=text)
        if kind in ("string", "raw"):
            return Node("string", _unquote(text) if kind == "string" else text[1:-1], pos=token.pos, text=text)
        if kind == "rune":
            return Node("number", GoInt(ord(_unquote('"' + text[1:-1] + '"'))), pos=token.pos, text=text)
        if kind == "number":
            return Node("number", _number(text), pos=token.pos, text=text)
        if text in ("true", "false"):
            return Node("bool", text == "true", pos=token.pos, text=text)
        if text == "nil":
            return Node("nil", pos=token.pos, text=text)
        if text in KEYWORDS:
            raise self.error(line, f"unexpected <{text}> in command")
        if text in NOT_HERE:
            raise self.error(line, f"function \"{text}\" is Go's, not in this playground's templates")
        if text not in FUNCS:  # as Go's parser is handed the template's function map
            raise self.error(line, f"function \"{text}\" not defined")
        return Node("ident", text, pos=token.pos, text=text)


def _unquote(text: str) -> str:
    """A Go interpreted string literal: \\n \\t \\" \\\\ \\xNN \\uNNNN \\UNNNNNNNN and the octal ones."""
    def escape(match: re.Match[str]) -> str:
        body = match.group(1)
        simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a", "b": "\b",
                  "f": "\f", "v": "\v"}
        if body in simple:
            return simple[body]
        if body[0] in "xuU":
            return chr(int(body[1:], 16))
        return chr(int(body, 8))
    return re.sub(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", escape, text[1:-1])


def _number(text: str) -> Any:  # noqa: ANN401 - an int or a float, as Go's constant is
    clean = text.replace("_", "")
    try:
        return GoInt(int(clean, 0))
    except ValueError:
        pass
    if re.fullmatch(r"[+-]?0[0-7]+", clean):
        return GoInt(int(clean, 8))
    return float(clean)


def parse(template: str) -> Tree:
    """The template, parsed; TemplateParseError with Go's words for one that does not parse."""
    return Tree(template, _Parser(template).parse())
