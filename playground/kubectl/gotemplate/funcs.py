"""The functions a template calls: text/template's builtins (funcs.go) with fmt's printf verbs,
and kubectl's two (`exists`, `base64decode`: k8s.io/cli-runtime/pkg/printers/template.go).

exec.py checks a call's argument count against ARITY, then calls FUNCS[name] with the argument
values; a function fails with CallError (`error calling NAME: ...`) or ArgumentError (at an
argument), which exec.py locates and words as Go does.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
import urllib.parse
from typing import Any

from .values import MISSING, GoInt, go_float, go_type, go_value, truth

class CallError(Exception):
    """`error calling NAME: MESSAGE`."""


class ArgumentError(Exception):
    """A wrong argument, reported at the argument (`at`: its index) or the command."""

    def __init__(self, message: str, at: int | None = None) -> None:
        super().__init__(message)
        self.at = at


def _arity(name: str, values: tuple[Any, ...], want: int) -> None:
    if len(values) != want:
        raise ArgumentError(f"wrong number of args for {name}: want {want} got {len(values)}")


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
        raise CallError("invalid type for comparison")
    if isinstance(value, (dict, list)):
        raise CallError(f"non-comparable type {go_value(value)}: {go_type(value)}")


def _eq(first: Any, *others: Any) -> bool:  # noqa: ANN401 - JSON
    if not others:
        raise CallError("missing argument for comparison")
    _comparable(first)
    for other in others:
        _comparable(other)
        if first is None or other is None:
            if first is None and other is None:
                return True
            continue
        if _kind(first) != _kind(other):
            raise CallError("incompatible types for comparison")
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
            raise CallError("invalid type for comparison")
    if _kind(left) != _kind(right):
        raise CallError("incompatible types for comparison")
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
        raise CallError("len of nil pointer" if value is None else "reflect: call of reflect.Value.Type on zero Value")
    raise CallError(f"len of type {go_type(value)}")


def _index(item: Any, *indices: Any) -> Any:  # noqa: ANN401 - JSON
    if item is MISSING:
        raise CallError("index of untyped nil")
    for index in indices:
        if item is None:
            raise CallError("index of nil pointer")
        if isinstance(item, dict):
            if not isinstance(index, str):
                raise CallError(f"value has type {go_type(index)}; should be string")
            item = item.get(index, MISSING)
        elif isinstance(item, (list, str)):
            if isinstance(index, bool) or not isinstance(index, int):
                raise CallError(f"cannot index slice/array with type {go_type(index)}")
            if not 0 <= index < len(item):
                raise CallError(f"index out of range: {index}")
            item = item[index] if isinstance(item, list) else GoInt(item.encode()[index])
        else:
            raise CallError(f"can't index item of type {go_type(item)}")
    return item


def _slice(item: Any, *indices: Any) -> Any:  # noqa: ANN401 - JSON
    if not isinstance(item, (list, str)):
        raise CallError(f"can't slice item of type {go_type(item)}")
    if len(indices) > 2:
        raise CallError(f"too many slice indexes: {len(indices)}")
    bounds = [int(i) for i in indices] + [len(item)] * (2 - len(indices))
    if not 0 <= bounds[0] <= bounds[1] <= len(item):
        raise CallError(f"invalid slice index: {bounds[0]} > {bounds[1]}" if bounds[0] > bounds[1]
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
            raise ArgumentError(f"expected string; found {go_value(value)}", at=0)
        raise ArgumentError(f"wrong type for value; expected string; got {go_type(value)}")
    try:
        return base64.b64decode(value.encode(), validate=True).decode(errors="replace")
    except (binascii.Error, ValueError):
        raise CallError(f"base64 decode failed: illegal base64 data at input byte {_bad_base64_byte(value)}") from None


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
        raise ArgumentError("wrong number of args for printf: want at least 1 got 0")
    form, args = values[0], list(values[1:])
    if not isinstance(form, str):
        raise ArgumentError(f"wrong type for value; expected string; got {go_type(form)}")
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
