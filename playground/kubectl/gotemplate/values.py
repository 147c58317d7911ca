"""The template's values as Go sees and prints them: a missing key (an invalid reflect.Value), an
integer constant (Go's `int`), fmt's %v, and template.IsTrue.

The JSON kubectl hands over and the constants parse.py reads → here, for exec.py (what an action
prints, what `if` tests) and funcs.py (the types their errors name). Follows fmt's print.go (%v of
maps, slices and nil), strconv's FormatFloat ('g', -1) and text/template's exec.go (IsTrue).
"""
from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

SHORTEST_EXPONENT_PRECISION = 6  # strconv's 'g' at the shortest precision: 1e+06, 123456


class _Missing:
    """What a missing map key gives (an invalid reflect.Value): printed `<no value>`."""

    def __repr__(self) -> str:
        return "<no value>"


MISSING = _Missing()


class GoInt(int):
    """An integer constant of the template: Go's `int`, where a JSON number is an int64."""


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
