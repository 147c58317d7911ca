"""kubectl's JSONPath templates (`get -o jsonpath=...`, `-o custom-columns=...`): text with
`{...}` actions holding paths (`.metadata.name`, `['a.b']`, `[0]`, `[-1:]`, `[*]`, `..image`,
`[?(@.type=="Ready")]`, unions `[0,2]`), quoted text and `{range ...}{end}` loops.

Get (commandline/viewing.py) → `render(template, obj)` / `custom_columns(spec, objects)` → text. Follows
staging/src/k8s.io/client-go/util/jsonpath (parser.go, jsonpath.go) as kubectl runs it
(cli-runtime printers/jsonpath.go and customcolumn.go): missing keys print nothing, the results
of one action are joined by spaces, maps and lists print as compact JSON (custom columns print
them as Go's %v does), an index out of bounds is an error.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import KubectlError
from .gotemplate import go_value

SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
DICT_KEY = re.compile(r"^'([^']*)'$")
FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$")
TERMINATORS = set(" \t\r\n.,[]$@{}")


class JSONPathError(KubectlError):
    pass


@dataclass
class Op:
    """One step of a path: field, wildcard, recursive, slice, union, filter, or a literal."""

    kind: str
    value: Any = None
    branches: list[list[Op]] = field(default_factory=list)  # a union's paths; a filter's left and right


def parse(template: str) -> list[str | list[Op]]:
    """The template as text pieces and actions (lists of steps). Raises JSONPathError."""
    parts: list[str | list[Op]] = []
    at = 0
    while at < len(template):
        start = template.find("{", at)
        if start < 0:
            parts.append(template[at:])
            break
        if start > at:
            parts.append(template[at:start])
        ops, at = _action(template, start + 1)
        parts.append(ops)
    return parts


def _action(text: str, at: int) -> tuple[list[Op], int]:
    """The steps of the action starting at `at` (after its `{`), and where it ends (after `}`)."""
    ops: list[Op] = []
    while True:
        if at >= len(text) or text[at] in "\r\n":
            raise JSONPathError("unclosed action")
        ch = text[at]
        if ch == "}":
            return ops, at + 1
        if text.startswith("[?(", at):
            at = _filter(text, at + 3, ops)
        elif text.startswith("..", at):
            ops.append(Op("recursive"))
            at += 2
            if at < len(text) and (text[at].isalnum() or text[at] == "_"):
                at = _field(text, at, ops)
        elif ch in " @$":
            at += 1
        elif ch == "[":
            at = _array(text, at + 1, ops)
        elif ch in "\"'":
            at = _quoted(text, at, ops)
        elif ch == ".":
            at = _field(text, at + 1, ops)
        elif ch in "+-" or ch.isdigit():
            match = re.match(r"[+-]?[\d.]*", text[at:])
            assert match is not None
            number = match.group()
            try:
                ops.append(Op("literal", int(number) if re.fullmatch(r"[+-]?\d+", number) else float(number)))
            except ValueError:
                raise JSONPathError(f"cannot parse number {number}") from None
            at += len(number)
        elif ch.isalnum() or ch == "_":
            end = at
            while end < len(text) and text[end] not in TERMINATORS:
                end += 1
            word = text[at:end]
            ops.append(Op("literal", word == "true") if word in ("true", "false") else Op("identifier", word))
            at = end
        else:
            raise JSONPathError(f"unrecognized character in action: {ch!r}")


def _field(text: str, at: int, ops: list[Op]) -> int:
    end = at
    while end < len(text) and text[end] not in TERMINATORS:
        end += 2 if text[end] == "\\" else 1
    name = text[at:end].replace("\\", "")
    ops.append(Op("wildcard") if name == "*" else Op("field", name))
    return end


def _quoted(text: str, at: int, ops: list[Op]) -> int:
    quote, end = text[at], at + 1
    while end < len(text) and not (text[end] == quote and text[end - 1] != "\\"):
        if text[end] == "\n":
            break
        end += 1
    if end >= len(text) or text[end] != quote:
        raise JSONPathError("unterminated quoted string")
    body = text[at + 1:end]
    ops.append(Op("literal", json.loads('"' + body.replace('"', '\\"').replace("\\'", "'") + '"')
                  if "\\" in body else body))
    return end + 1


def _array(text: str, at: int, ops: list[Op]) -> int:
    end = text.find("]", at)
    if end < 0 or "\n" in text[at:end]:
        raise JSONPathError("unterminated array")
    inside = text[at:end]
    inside = ":" if inside == "*" else inside
    if "," in inside:
        ops.append(Op("union", branches=[_action(f"[{part.strip()}]}}", 0)[0] for part in inside.split(",")]))
    elif key := DICT_KEY.match(inside):
        ops.append(Op("field", key.group(1)))
    elif match := SLICE.match(inside):
        ops.append(Op("slice", _slice_params(match.groups())))
    else:
        raise JSONPathError(f"invalid array index {inside}")
    return end + 1


def _slice_params(groups: tuple[str | None, ...]) -> tuple[int | None, int | None, int | None]:
    start_text, stop_text, step_text = groups[0], (groups[1] or "")[1:], (groups[2] or "")[1:]
    start = int(start_text) if start_text else None
    if groups[1] is None:  # `[3]`: one element, as parser.go derives the end from the start
        return start, ("derived" if start is not None else None), None  # type: ignore[return-value]
    return start, int(stop_text) if stop_text else None, int(step_text) if step_text else None


def _filter(text: str, at: int, ops: list[Op]) -> int:
    end, quote = at, ""
    while True:
        if end >= len(text) or text[end] == "\n":
            raise JSONPathError("unterminated filter")
        ch = text[end]
        if ch in "\"'" and (not quote or ch == quote) and text[end - 1] != "\\":
            quote = "" if quote else ch
        elif ch == ")" and not quote:
            break
        end += 1
    if not text.startswith("]", end + 1):
        raise JSONPathError("unclosed array expect ]")
    expression = text[at:end]
    compared = FILTER.match(expression)
    if compared is None:
        ops.append(Op("filter", "exists", [_action(expression + "}", 0)[0], []]))
    else:
        left, operator, right = compared.groups()
        ops.append(Op("filter", operator, [_action(left + "}", 0)[0], _action(right + "}", 0)[0]]))
    return end + 2


# -- Evaluation -----------------------------------------------------------------------------------


def evaluate(ops: list[Op], values: list[Any]) -> list[Any]:
    for op in ops:
        values = _step(op, values)
    return values


def _step(op: Op, values: list[Any]) -> list[Any]:
    if op.kind == "field":
        return [v[op.value] for v in values if isinstance(v, dict) and op.value in v]
    if op.kind == "wildcard":
        return [x for v in values for x in (list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else [])]
    if op.kind == "recursive":
        return [x for v in values for x in _descend(v)]
    if op.kind == "slice":
        return [x for v in values if v is not None for x in _slice(v, op.value)]
    if op.kind == "union":
        return [x for branch in op.branches for x in evaluate(branch, values)]
    if op.kind == "filter":
        return [x for v in values for x in _filtered(v, op)]
    if op.kind == "literal":
        return [op.value for _ in values]
    raise JSONPathError(f"unrecognized identifier {op.value}")


def _descend(value: Any) -> list[Any]:  # noqa: ANN401 - JSON
    children = list(value.values()) if isinstance(value, dict) else value if isinstance(value, list) else []
    return [value, *[x for child in children for x in _descend(child)]] if children else []


def _slice(value: Any, params: tuple[Any, Any, Any]) -> list[Any]:  # noqa: ANN401 - JSON
    if not isinstance(value, list):
        raise JSONPathError(f"{_go_type(value)} is not array or slice")
    length = len(value)
    start, stop, step = params
    start = 0 if start is None else start + length if start < 0 else start
    stop = start + 1 if stop == "derived" else length if stop is None else stop + length if stop < 0 else stop
    if stop != start:
        if start >= length:
            raise JSONPathError(f"array index out of bounds: index {start}, length {length}")
        if stop > length:
            raise JSONPathError(f"array index out of bounds: index {stop - 1}, length {length}")
    return value[start:stop:step]


def _filtered(value: Any, op: Op) -> list[Any]:  # noqa: ANN401 - JSON
    if not isinstance(value, list):
        raise JSONPathError(f"{_go_type(value)} is not array or slice and cannot be filtered")
    left_ops, right_ops = op.branches
    kept = []
    for item in value:
        lefts = evaluate(left_ops, [item])
        if op.value == "exists":
            if lefts:
                kept.append(item)
            continue
        rights = evaluate(right_ops, [item])
        if len(lefts) == 1 and len(rights) == 1 and _compare(lefts[0], op.value, rights[0]):
            kept.append(item)
    return kept


def _compare(left: Any, operator: str, right: Any) -> bool:  # noqa: ANN401 - JSON
    numbers = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (left, right))
    if operator in ("==", "!="):
        return (left == right if numbers or type(left) is type(right) else False) == (operator == "==")
    if not numbers and not (isinstance(left, str) and isinstance(right, str)):
        raise JSONPathError("incompatible types for comparison")
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}.get(operator, False)


def _go_type(value: Any) -> str:  # noqa: ANN401 - JSON
    return {dict: "map[string]interface {}", str: "string", bool: "bool", int: "int64", float: "float64"}.get(
        type(value), "interface {}")


# -- Printing -------------------------------------------------------------------------------------


def parse_checked(template: str) -> list[Any]:
    """The template, its ranges folded; kubectl's error for one that does not parse."""
    try:
        return _blocks(parse(template))
    except JSONPathError as e:
        raise JSONPathError(f"error parsing jsonpath {template}, {e}") from None


def render(template: str, obj: Any) -> str:  # noqa: ANN401 - JSON
    """`kubectl get -o jsonpath=TEMPLATE`: the template's text with each action's results."""
    parts = parse_checked(template)
    try:
        return _render(parts, obj)
    except JSONPathError as e:
        raise JSONPathError(f'error executing jsonpath "{template}": Error executing template: {e}.') from None


def results(template: str, obj: Any) -> list[Any]:  # noqa: ANN401 - JSON
    """`-o jsonpath-as-json=TEMPLATE`: every value the template's actions find, as one JSON list."""
    parts = parse_checked(template)
    try:
        return [v for part in parts if isinstance(part, list) for v in evaluate(part, [obj])]
    except JSONPathError as e:
        raise JSONPathError(f'error executing jsonpath "{template}": Error executing template: {e}.') from None


def _blocks(parts: list[Any]) -> list[Any]:
    """Parts with each `{range PATH}...{end}` folded into ("range", PATH, body)."""
    out: list[Any] = []
    stack: list[list[Any]] = [out]
    for part in parts:
        head = part[0] if isinstance(part, list) and part else None
        if head is not None and head.kind == "identifier" and head.value == "range":
            block: list[Any] = []
            stack[-1].append(("range", part[1:], block))
            stack.append(block)
        elif head is not None and head.kind == "identifier" and head.value == "end":
            if len(stack) == 1:
                raise JSONPathError("not in range, nothing to end")
            stack.pop()
        else:
            stack[-1].append(part)
    return out


def _render(parts: list[Any], data: Any) -> str:  # noqa: ANN401 - JSON
    text = []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
        elif isinstance(part, tuple):
            text.extend(_render(part[2], item) for item in evaluate(part[1], [data]))
        else:
            text.append(" ".join(_text(v) for v in evaluate(part, [data])))
    return "".join(text)


def _text(value: Any) -> str:  # noqa: ANN401 - JSON
    if isinstance(value, (dict, list)):  # as Go's json.Marshal: sorted keys, HTML characters escaped
        return (json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
                .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
    return go_value(value)


@dataclass
class Column:
    header: str
    path: list[Op]


def columns(spec: str) -> list[Column]:
    """`NAME:.metadata.name,IMAGE:.spec.containers[*].image` (customcolumn.go's NewCustomColumnsPrinterFromSpec)."""
    if not spec:
        raise KubectlError("custom-columns format specified but no custom columns given")
    found = []
    for part in spec.split(","):
        header, colon, path = part.partition(":")
        if not colon:
            raise KubectlError(f"unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>")
        found.append(Column(header, _action(_relaxed(path), 0)[0]))
    return found


def _relaxed(path: str) -> str:
    """RelaxedJSONPathExpression: `spec.replicas`, `.spec.replicas` and `{.spec.replicas}` alike."""
    inner = path[1:-1] if path.startswith("{") and path.endswith("}") else path
    return ("" if inner.startswith(".") else ".") + inner + "}"


def column_cells(cols: list[Column], obj: Any) -> list[str]:  # noqa: ANN401 - JSON
    return [",".join(go_value(v) for v in evaluate(c.path, [obj])) or "<none>" for c in cols]


def sorted_by(expression: str, objects: list[Any]) -> list[Any]:
    """`get --sort-by=.spec.replicas`: the objects in the order of the field (numbers as numbers,
    else as text; objects without it first), stably, as kubectl's RuntimeSort orders them."""
    try:
        path = _action(_relaxed(expression), 0)[0]
    except JSONPathError as e:
        raise JSONPathError(f"error parsing jsonpath {expression}, {e}") from None

    def key(obj: Any) -> tuple[int, float, str]:  # noqa: ANN401 - JSON
        found = evaluate(path, [obj])
        value = found[0] if found else None
        if value is None:
            return (0, 0.0, "")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return (1, float(value), "")
        return (2, 0.0, go_value(value))

    return sorted(objects, key=key)
