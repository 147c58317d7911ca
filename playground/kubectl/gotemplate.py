"""`kubectl get -o go-template=…` (and `-o template=`, `go-template-file=`): Go's text/template
over the object as kubectl hands it over, with kubectl's two extra functions.

formats.py → `parse(template)` once, when the printer is made (a template that does not parse
fails before anything is read) → `execute(tree, obj)` per document. Follows Go's text/template
(lex.go, parse.go, exec.go, funcs.go) and k8s.io/cli-runtime/pkg/printers/template.go, which
kubectl v1.32 builds: the object is JSON decoded by k8s.io/apimachinery's json (whole numbers are
int64, the others float64), options `missingkey=default` (kubectl's --allow-missing-template-keys
is true: a missing key prints `<no value>`), the functions `exists` and `base64decode` (no sprig
before 1.33). A subset of the language, written by hand (no maintained Python engine exists):
text, `{{- -}}`, comments, actions with pipelines, variables (`$x :=`, `$x =`, `range $i, $e :=`),
if / else if / else, range / else / break / continue, with / else with, and the functions and, or,
not, eq, ne, lt, le, gt, ge, len, index, slice, print, printf, println, html, urlquery, exists,
base64decode. Not here: define / template / block, call, js. Error texts are Go's.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import re
import urllib.parse
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .errors import KubectlError

NAME = "output"  # kubectl's template.New("output")
SHORTEST_EXPONENT_PRECISION = 6  # strconv's 'g' at the shortest precision: 1e+06, 123456


class TemplateParseError(KubectlError):
    """`template: output:LINE: MESSAGE`, as Go's parser words it."""


class TemplateExecError(Exception):
    """An error while executing; `printed` is what the template wrote before it."""

    def __init__(self, message: str, printed: str = "") -> None:
        super().__init__(message)
        self.printed = printed


class _Missing:
    """What a missing map key gives (an invalid reflect.Value): printed `<no value>`."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING = _Missing()


class GoInt(int):
    """An integer constant of the template: Go's `int`, where a JSON number is an int64."""


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


def _line(template: str, pos: int) -> int:
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
    line = _line(template, start)
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
            char = template[at]
            if char == '"' or char == "`":
                raise TemplateParseError(f"template: {NAME}:{_line(template, at)}: unterminated quoted string"
                                         if char == '"' else f"template: {NAME}:{_line(template, at)}: unterminated raw quoted string")
            raise TemplateParseError(f"template: {NAME}:{_line(template, at)}: unexpected {json.dumps(char)} in command")
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


FUNCTIONS = frozenset({"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice", "print",
                       "printf", "println", "html", "urlquery", "exists", "base64decode"})
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
            raise self.error(_line(self.template, len(self.template)), "unexpected EOF")
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
                raise self.error(_line(self.template, len(self.template)), "unexpected EOF")
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
        if text not in FUNCTIONS:
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


# -- Values as Go prints them ---------------------------------------------------------------------


def go_type(value: Any) -> str:  # noqa: ANN401 - JSON
    if isinstance(value, GoInt):
        return "int"
    if isinstance(value, bool):
        return "bool"
    return {dict: "map[string]interface {}", list: "[]interface {}", str: "string", int: "int64",
            float: "float64"}.get(type(value), "<nil>")


def go_float(value: float) -> str:
    """strconv.FormatFloat(f, 'g', -1, 64), as %v prints a float64: `3`, `0.1`, `1e+06`."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    shown = "".join(map(str, digits))
    exp = len(shown) + int(exponent) - 1
    minus = "-" if sign else ""
    if exp < -4 or exp >= SHORTEST_EXPONENT_PRECISION:
        mantissa = shown[0] + ("." + shown[1:] if len(shown) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    return minus + format(Decimal(repr(abs(value))).normalize(), "f")


def go_value(value: Any) -> str:  # noqa: ANN401 - JSON
    """fmt's %v: `map[app:web]`, `[a b]`, `true`, `<nil>`, `<no value>`."""
    if value is MISSING:
        return "<no value>"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{go_value(v)}" for k, v in sorted(value.items())) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, float):
        return go_float(value)
    return str(value)


def truth(value: Any) -> bool:  # noqa: ANN401 - JSON
    """template.IsTrue: false, 0, nil, an empty string, map or list are false."""
    if value is MISSING or value is None:
        return False
    return bool(value)


# -- Executing ------------------------------------------------------------------------------------


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


class _Failure(Exception):
    """An error at a node: exec.go's errorf, located and worded by `_Executor.fail`."""

    def __init__(self, node: Node | Command | None, message: str) -> None:
        super().__init__(message)
        self.node = node


@dataclass
class _Executor:
    tree: Tree
    out: list[str] = field(default_factory=list)
    variables: list[tuple[str, Any]] = field(default_factory=list)
    missing_key_error: bool = False  # missingkey=error: kubectl's --allow-missing-template-keys=false

    def run(self, nodes: list[Any], dot: Any) -> None:  # noqa: ANN401 - JSON
        for node in nodes:
            if isinstance(node, str):
                self.out.append(node)
            else:
                self.walk(node, dot)

    def walk(self, block: Block, dot: Any) -> None:  # noqa: ANN401 - JSON
        if block.kind == "break":
            raise _Break
        if block.kind == "continue":
            raise _Continue
        assert block.pipe is not None
        mark = len(self.variables)
        if block.kind == "action":
            value = self.pipeline(block.pipe, dot)
            if not block.pipe.variables:
                self.out.append(go_value(value))
            return
        try:
            if block.kind == "range":
                self.range(block, dot)
                return
            value = self.pipeline(block.pipe, dot)
            if truth(value):
                self.run(block.body, value if block.kind == "with" else dot)
            else:
                self.run(block.orelse, dot)
        finally:
            del self.variables[mark:]  # a variable lives until the {{end}} of the block that declares it

    def range(self, block: Block, dot: Any) -> None:  # noqa: ANN401 - JSON
        assert block.pipe is not None
        pipe = block.pipe
        value = self.pipeline(Pipe(pipe.commands, pos=pipe.pos), dot)
        if isinstance(value, dict):
            items = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list):
            items = list(enumerate(value))
        elif value is None or value is MISSING:
            items = []
        else:
            raise _Failure(pipe.commands[-1].args[0] if pipe.commands[-1].args else None,
                           f"range can't iterate over {go_value(value)}")
        if not items:
            self.run(block.orelse, dot)
            return
        mark = len(self.variables)
        for key, item in items:
            if len(pipe.variables) == 1:
                self.set(pipe.variables[0], item, assign=pipe.assign)
            elif len(pipe.variables) == 2:
                self.set(pipe.variables[0], key, assign=pipe.assign)
                self.set(pipe.variables[1], item, assign=pipe.assign)
            try:
                self.run(block.body, item)
            except _Break:
                break
            except _Continue:
                continue
            finally:
                del self.variables[mark + (0 if pipe.assign else len(pipe.variables)):]

    def set(self, name: str, value: Any, *, assign: bool) -> None:  # noqa: ANN401 - JSON
        if assign:
            for index in range(len(self.variables) - 1, -1, -1):
                if self.variables[index][0] == name:
                    self.variables[index] = (name, value)
                    return
        self.variables.append((name, value))

    def variable(self, name: str) -> Any:  # noqa: ANN401 - JSON
        for known, value in reversed(self.variables):
            if known == name:
                return value
        raise _Failure(None, f"undefined variable: {name}")

    def pipeline(self, pipe: Pipe, dot: Any) -> Any:  # noqa: ANN401 - JSON
        value: Any = MISSING
        for index, command in enumerate(pipe.commands):
            value = self.command(command, dot, value if index else MISSING, piped=index > 0)
        for name in pipe.variables:
            self.set(name, value, assign=pipe.assign)
        return value

    def command(self, command: Command, dot: Any, final: Any, *, piped: bool) -> Any:  # noqa: ANN401 - JSON
        first = command.args[0]
        if first.kind == "ident":
            return self.call(first.value, command, command.args[1:], dot, final, piped=piped)
        if len(command.args) > 1 or piped:
            if first.fields:  # exec.go evalField: a map's key is no method
                raise _Failure(first, f"{first.fields[-1]} is not a method but has arguments")
            if first.kind == "nil":
                raise _Failure(first, "nil is not a command")
            raise _Failure(first, f"can't give argument to non-function {first.text}")
        if first.kind == "nil":
            raise _Failure(first, "nil is not a command")
        return self.operand(first, dot)

    def operand(self, node: Node, dot: Any) -> Any:  # noqa: ANN401 - JSON
        if node.kind == "field":
            return self.fields(node, dot, node.fields)
        if node.kind == "dot":
            return dot
        if node.kind == "var":
            return self.fields(node, self.variable(node.value if node.value != "$" else "$"), node.fields)
        if node.kind == "pipe":
            return self.fields(node, self.pipeline(node.value, dot), node.fields)
        if node.kind == "nil":
            return None
        if node.kind == "ident":
            return self.call(node.value, Command([node], node.pos), [], dot, MISSING, piped=False)
        return node.value

    def fields(self, node: Node, receiver: Any, names: tuple[str, ...]) -> Any:  # noqa: ANN401 - JSON
        for name in names:
            if receiver is MISSING:
                return MISSING  # exec.go: a field of an invalid value is invalid too, no error
            if receiver is None:
                raise _Failure(node, f"nil pointer evaluating interface {{}}.{name}")
            if not isinstance(receiver, dict):
                raise _Failure(node, f"can't evaluate field {name} in type interface {{}}")
            if name not in receiver and self.missing_key_error:
                raise _Failure(node, f"map has no entry for key \"{name}\"")
            receiver = receiver.get(name, MISSING)
        return receiver

    def call(self, name: str, command: Command, args: list[Node], dot: Any, final: Any, *,  # noqa: ANN401 - JSON
             piped: bool) -> Any:
        if name in ("and", "or"):
            return self.and_or(name, command, args, dot, final, piped=piped)
        count = len(args) + (1 if piped else 0)
        least, most = ARITY[name]
        if not least <= count <= (most if most is not None else count):
            want = f"at least {least}" if most is None else str(least)
            raise _Failure(command.args[0], f"wrong number of args for {name}: want {want} got {count}")
        values = [self.operand(arg, dot) for arg in args] + ([final] if piped else [])
        if name not in REFLECTING:
            values = [None if v is MISSING else v for v in values]  # an interface{} parameter: a missing value is nil
        try:
            return FUNCS[name](*values)
        except _ArgumentError as error:
            raise _Failure(command if error.at is None else _nth(args, error.at), str(error)) from None
        except _CallError as error:
            raise _Failure(command, f"error calling {name}: {error}") from None

    def and_or(self, name: str, command: Command, args: list[Node], dot: Any, final: Any, *,  # noqa: ANN401 - JSON
               piped: bool) -> Any:
        """Go 1.18's and / or: they stop at the first argument that decides."""
        count = len(args) + (1 if piped else 0)
        if count < 1:
            raise _Failure(command, f"wrong number of args for {name}: want at least 1 got 0")
        value: Any = None
        for index in range(count):
            value = self.operand(args[index], dot) if index < len(args) else final
            if truth(value) != (name == "and"):
                return value
        return value

    def fail(self, failure: _Failure) -> TemplateExecError:
        node = failure.node
        if node is None:
            return TemplateExecError(f"template: {NAME}: executing \"{NAME}\": {failure}", "".join(self.out))
        template = self.tree.template
        line = _line(template, node.pos)
        column = node.pos - (template.rfind("\n", 0, node.pos) + 1)
        return TemplateExecError(f"template: {NAME}:{line}:{column}: executing \"{NAME}\" at <{node.text}>: {failure}",
                                 "".join(self.out))


def _nth(args: list[Node], index: int) -> Node | None:
    return args[index] if index < len(args) else None


def execute(tree: Tree, data: Any, *, missing_key_error: bool = False) -> str:  # noqa: ANN401 - JSON
    """What the template prints for `data`; TemplateExecError (with what it printed) if it fails.
    `missing_key_error`: a missing map key fails (missingkey=error) instead of printing `<no value>`."""
    executor = _Executor(tree, variables=[("$", data)], missing_key_error=missing_key_error)
    try:
        executor.run(tree.nodes, data)
    except _Failure as failure:
        raise executor.fail(failure) from None
    except (_Break, _Continue):
        pass
    return "".join(executor.out)


# -- Functions (funcs.go, and kubectl's) ------------------------------------------------------------


class _CallError(Exception):
    """`error calling NAME: MESSAGE`."""


class _ArgumentError(Exception):
    """A wrong argument, reported at the argument (`at`: its index) or the command."""

    def __init__(self, message: str, at: int | None = None) -> None:
        super().__init__(message)
        self.at = at


def _arity(name: str, values: tuple[Any, ...], want: int) -> None:
    if len(values) != want:
        raise _ArgumentError(f"wrong number of args for {name}: want {want} got {len(values)}")


def _kind(value: Any) -> str:  # noqa: ANN401 - JSON
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    return "other"


def _comparable(value: Any) -> None:  # noqa: ANN401 - JSON
    if value is MISSING:
        raise _CallError("invalid type for comparison")
    if isinstance(value, (dict, list)):
        raise _CallError(f"non-comparable type {go_value(value)}: {go_type(value)}")


def _eq(first: Any, *others: Any) -> bool:  # noqa: ANN401 - JSON
    if not others:
        raise _CallError("missing argument for comparison")
    _comparable(first)
    for other in others:
        _comparable(other)
        if first is None or other is None:
            if first is None and other is None:
                return True
            continue
        if _kind(first) != _kind(other):
            raise _CallError("incompatible types for comparison")
        if first == other:
            return True
    return False


def _ne(*values: Any) -> bool:  # noqa: ANN401 - JSON
    _arity("ne", values, 2)
    return not _eq(*values)


def _less(left: Any, right: Any) -> bool:  # noqa: ANN401 - JSON
    for value in (left, right):
        _comparable(value)
        if _kind(value) in ("bool", "other"):
            raise _CallError("invalid type for comparison")
    if _kind(left) != _kind(right):
        raise _CallError("incompatible types for comparison")
    return bool(left < right)


def _lt(*values: Any) -> bool:  # noqa: ANN401 - JSON
    _arity("lt", values, 2)
    return _less(*values)


def _le(*values: Any) -> bool:  # noqa: ANN401 - JSON
    _arity("le", values, 2)
    return _less(*values) or _eq(*values)


def _gt(*values: Any) -> bool:  # noqa: ANN401 - JSON
    _arity("gt", values, 2)
    return not _le(*values)


def _ge(*values: Any) -> bool:  # noqa: ANN401 - JSON
    _arity("ge", values, 2)
    return not _lt(*values)


def _not(*values: Any) -> bool:  # noqa: ANN401 - JSON
    _arity("not", values, 1)
    return not truth(values[0])


def _len(*values: Any) -> int:  # noqa: ANN401 - JSON
    _arity("len", values, 1)
    value = values[0]
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, (dict, list)):
        return len(value)
    if value is None or value is MISSING:
        raise _CallError("len of nil pointer" if value is None else "reflect: call of reflect.Value.Type on zero Value")
    raise _CallError(f"len of type {go_type(value)}")


def _index(item: Any, *indices: Any) -> Any:  # noqa: ANN401 - JSON
    if item is MISSING:
        raise _CallError("index of untyped nil")
    for index in indices:
        if item is None:
            raise _CallError("index of nil pointer")
        if isinstance(item, dict):
            if not isinstance(index, str):
                raise _CallError(f"value has type {go_type(index)}; should be string")
            item = item.get(index, MISSING)
        elif isinstance(item, (list, str)):
            if isinstance(index, bool) or not isinstance(index, int):
                raise _CallError(f"cannot index slice/array with type {go_type(index)}")
            if not 0 <= index < len(item):
                raise _CallError(f"index out of range: {index}")
            item = item[index] if isinstance(item, list) else GoInt(item.encode()[index])
        else:
            raise _CallError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: Any, *indices: Any) -> Any:  # noqa: ANN401 - JSON
    if not isinstance(item, (list, str)):
        raise _CallError(f"can't slice item of type {go_type(item)}")
    if len(indices) > 2:
        raise _CallError(f"too many slice indexes: {len(indices)}")
    bounds = [int(i) for i in indices] + [len(item)] * (2 - len(indices))
    if not 0 <= bounds[0] <= bounds[1] <= len(item):
        raise _CallError(f"invalid slice index: {bounds[0]} > {bounds[1]}" if bounds[0] > bounds[1]
                         else f"index out of range: {max(bounds)}")
    return item[bounds[0]:bounds[1]]


def _print(*values: Any) -> str:  # noqa: ANN401 - JSON
    """fmt.Sprint: a space between two operands when neither is a string."""
    text = ""
    for index, value in enumerate(values):
        if index and not isinstance(value, str) and not isinstance(values[index - 1], str):
            text += " "
        text += go_value(value)
    return text


def _println(*values: Any) -> str:  # noqa: ANN401 - JSON
    return " ".join(go_value(v) for v in values) + "\n"


def _html(*values: Any) -> str:  # noqa: ANN401 - JSON
    text = _print(*values)
    for char, entity in (("&", "&amp;"), ("'", "&#39;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("\0", "\uFFFD")):
        text = text.replace(char, entity)
    return text


def _urlquery(*values: Any) -> str:  # noqa: ANN401 - JSON
    return urllib.parse.quote_plus(_print(*values), safe="")


def _exists(item: Any, *indices: Any) -> bool:  # noqa: ANN401 - JSON
    """kubectl's exists: whether `index item indices…` would find something."""
    for index in indices:
        if isinstance(item, dict) and isinstance(index, str) and index in item:
            item = item[index]
        elif isinstance(item, list) and isinstance(index, int) and 0 <= index < len(item):
            item = item[index]
        else:
            return False
    return True


def _base64decode(*values: Any) -> str:  # noqa: ANN401 - JSON
    _arity("base64decode", values, 1)
    value = values[0]
    if not isinstance(value, str):
        if isinstance(value, GoInt) or value is None:
            raise _ArgumentError(f"expected string; found {go_value(value)}", at=0)
        raise _ArgumentError(f"wrong type for value; expected string; got {go_type(value)}")
    try:
        return base64.b64decode(value.encode(), validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        raise _CallError(f"base64 decode failed: illegal base64 data at input byte {_bad_base64_byte(value)}") from None


def _bad_base64_byte(text: str) -> int:
    """Where Go's decoder stops: the first byte outside the alphabet, else where the padding fails."""
    for index, char in enumerate(text):
        if not (char.isascii() and (char.isalnum() or char in "+/=")):
            return index
    padded = text.find("=")
    return padded if padded >= 0 and padded % 4 < 2 else len(text) - len(text) % 4


# -- printf ---------------------------------------------------------------------------------------

VERB = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


def _printf(*values: Any) -> str:  # noqa: ANN401 - JSON
    if not values:
        raise _ArgumentError("wrong number of args for printf: want at least 1 got 0")
    form, args = values[0], list(values[1:])
    if not isinstance(form, str):
        raise _ArgumentError(f"wrong type for value; expected string; got {go_type(form)}")
    used = 0
    out: list[str] = []
    at = 0
    for match in VERB.finditer(form):
        out.append(form[at:match.start()])
        at = match.end()
        flags, width, precision, verb = match.groups()
        if verb == "%":
            out.append("%")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_format(args[used], flags, width or "", precision, verb))
        used += 1
    out.append(form[at:])
    if used < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{go_type(a)}={go_value(a)}" for a in args[used:]) + ")")
    return "".join(out)


def _format(value: Any, flags: str, width: str, precision: str | None, verb: str) -> str:  # noqa: ANN401
    """One verb of fmt: %v %s %d %q %x %X %o %b %c %t %f %F %e %E %g %G %T, flags, width, precision."""
    spec = "%" + flags + width + ("." + precision if precision is not None else "")
    kind = _kind(value)
    if verb == "T":
        return _pad(go_type(value), flags, width)
    if verb == "v" or (verb == "s" and kind == "string") or (verb == "s" and isinstance(value, (dict, list))):
        text = go_value(value) if verb == "v" or kind != "string" else value
        if precision:
            text = text[:int(precision)]
        return _pad(text, flags, width)
    if verb == "q" and kind == "string":
        return _pad(json.dumps(value, ensure_ascii=False), flags, width)
    if verb == "t" and kind == "bool":
        return _pad("true" if value else "false", flags, width)
    if verb in "dxXobc" and kind == "int":
        if verb == "c":
            return _pad(chr(value), flags, width)
        return (spec + ("x" if verb == "x" else verb if verb != "b" else "d")) % value if verb != "b" else _pad(
            format(value, "b"), flags, width)
    if verb in "xX" and kind == "string":
        return _pad(value.encode().hex() if verb == "x" else value.encode().hex().upper(), flags, width)
    if verb in "eEfFgG" and kind in ("float", "int") and not (kind == "int" and not isinstance(value, float)):
        if verb in "gG" and precision is None:
            return _pad(go_float(float(value)), flags, width)
        return (spec + verb) % value
    return f"%!{verb}({go_type(value)}={_pad(go_value(value), flags, width)})"  # fmt's badVerb


def _pad(text: str, flags: str, width: str) -> str:
    if not width:
        return text
    return text.ljust(int(width)) if "-" in flags else text.rjust(int(width))


# How many arguments each function takes (Go checks before calling): (least, most); None: no most
ARITY: dict[str, tuple[int, int | None]] = {
    "and": (1, None), "or": (1, None), "not": (1, 1), "eq": (1, None), "ne": (2, 2), "lt": (2, 2), "le": (2, 2),
    "gt": (2, 2), "ge": (2, 2), "len": (1, 1), "index": (1, None), "slice": (1, None), "print": (0, None),
    "printf": (1, None), "println": (0, None), "html": (0, None), "urlquery": (0, None), "exists": (1, None),
    "base64decode": (1, 1),
}
# The builtins that take reflect.Values (Go 1.18+) and so see a missing value as missing; the others get nil
REFLECTING = frozenset({"and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "len", "index", "slice"})
FUNCS: dict[str, Any] = {
    "and": None, "or": None,  # evaluated lazily by the executor
    "not": _not, "eq": _eq, "ne": _ne, "lt": _lt, "le": _le, "gt": _gt, "ge": _ge, "len": _len, "index": _index,
    "slice": _slice, "print": _print, "printf": _printf, "println": _println, "html": _html, "urlquery": _urlquery,
    "exists": _exists, "base64decode": _base64decode,
}
