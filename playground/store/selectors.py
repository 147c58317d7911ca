"""Label and field selectors: `kubectl get -l 'app=web,tier in (front,back)'`, `--field-selector`.

CLI / API / controllers → here → a predicate the store's list and the informer cache apply.
Follows k8s.io/apimachinery/pkg/labels/selector.go (the string grammar), and LabelSelector
(matchLabels / matchExpressions) as metav1.LabelSelectorAsSelector reads it.
"""
from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable

from .errors import BadRequest

Labels = dict[str, str]
Predicate = Callable[[Labels], bool]

_REQUIREMENT = re.compile(
    r"""^\s*(?P<not>!)?\s*(?P<key>[A-Za-z0-9][-A-Za-z0-9_./]*)\s*
        (?:(?P<op>==|=|!=|>|<)\s*(?P<value>[-A-Za-z0-9_.]*)
          |\s(?P<setop>in|notin)\s*\((?P<values>[^()]*)\)
        )?\s*$""",
    re.VERBOSE,
)
def _involved_object(field: str, event: dict[str, Any]) -> str:
    return str((event.get("involvedObject") or {}).get(field, ""))


# Pods may be selected on these fields; every kind on metadata.name and metadata.namespace.
FIELDS = {
    "metadata.name": lambda o: o["metadata"].get("name", ""),
    "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
    "spec.nodeName": lambda o: (o.get("spec") or {}).get("nodeName", ""),
    "status.phase": lambda o: (o.get("status") or {}).get("phase", ""),
    # Events, as `kubectl describe` finds an object's (pkg/apis/core/v1/conversion.go)
    **{f"involvedObject.{name}": functools.partial(_involved_object, name)
       for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
    "reason": lambda o: o.get("reason", ""),
    "type": lambda o: o.get("type", ""),
    "source": lambda o: (o.get("source") or {}).get("component", ""),
    "reportingComponent": lambda o: o.get("reportingComponent", ""),
}


def parse_label_selector(text: str) -> Predicate | None:
    """A predicate on labels for a selector string; None for the empty selector (everything)."""
    if not text.strip():
        return None
    checks = [_requirement(part) for part in _split_requirements(text)]
    return lambda labels: all(check(labels) for check in checks)


def _split_requirements(text: str) -> list[str]:
    """Split on commas outside parentheses: `a in (x,y),b` is two requirements."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _requirement(text: str) -> Predicate:
    m = _REQUIREMENT.match(text)
    if m is None or (m["not"] and (m["op"] or m["setop"])):
        raise BadRequest(f'unable to parse requirement: "{text.strip()}" is not a valid label selector')
    key = m["key"]
    if m["not"]:
        return lambda labels: key not in labels
    if m["setop"]:
        values = {v.strip() for v in m["values"].split(",") if v.strip()}
        if m["setop"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    op, value = m["op"], m["value"]
    if op is None:
        return lambda labels: key in labels
    if op in ("=", "=="):
        return lambda labels: labels.get(key) == value
    if op == "!=":
        return lambda labels: labels.get(key) != value
    return _numeric(key, op, value)


def _numeric(key: str, op: str, value: str) -> Predicate:
    try:
        bound = int(value)
    except ValueError:
        raise BadRequest(f"unable to parse requirement: for '{op}' operator, the value must be an integer") from None

    def check(labels: Labels) -> bool:
        try:
            number = int(labels[key])
        except (KeyError, ValueError):
            return False
        return number > bound if op == ">" else number < bound

    return check


def parse_field_selector(text: str) -> Callable[[dict[str, Any]], bool] | None:
    """A predicate on whole objects for `--field-selector`; None when empty."""
    if not text.strip():
        return None
    checks = []
    for part in text.split(","):
        m = re.match(r"^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$", part)
        if m is None:
            raise BadRequest(f'invalid selector: "{text}"; can\'t understand "{part}"')
        field, op, value = m.groups()
        if field not in FIELDS:
            raise BadRequest(f'field label not supported: {field}')
        checks.append((FIELDS[field], op != "!=", value))
    return lambda obj: all((read(obj) == value) is equal for read, equal, value in checks)


STORED_STRING_FIELDS = ("reason", "type", "reportingComponent")  # top-level strings of an Event


def stored_text_hints(text: str) -> list[str]:
    """What the stored JSON (compact, as the store writes it) of every object the field selector
    selects must contain: `"reason":"BackOff"` for reason=BackOff. The store filters rows on it
    before decoding any, so listing one reason's Events does not decode all of them."""
    hints = []
    for part in text.split(","):
        m = re.match(r"^\s*([A-Za-z.]+)\s*(==|=)\s*(.+?)\s*$", part)
        if m is not None and m.group(1) in STORED_STRING_FIELDS:
            hints.append(f'"{m.group(1)}":{json.dumps(m.group(3))}')
    return hints


def label_selector_matches(selector: dict[str, Any] | None, labels: Labels) -> bool:
    """Whether a LabelSelector object (matchLabels, matchExpressions) selects these labels.
    An empty selector selects everything; a missing one (None) nothing, as in Kubernetes."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    return all(_expression_matches(e, labels) for e in selector.get("matchExpressions") or [])


def _expression_matches(expression: dict[str, Any], labels: Labels) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    return False


def label_selector_string(selector: dict[str, Any] | None) -> str | None:
    """metav1.LabelSelectorAsSelector(...).String(); None for an operator it does not know."""
    if not selector:
        return ""
    match_labels = selector.get("matchLabels") or {}
    requirements = [(key, f"{key}={value}") for key, value in match_labels.items()]
    for expr in selector.get("matchExpressions") or []:
        key, operator, values = expr.get("key", ""), expr.get("operator"), expr.get("values") or []
        if operator in ("In", "NotIn"):
            word = "in" if operator == "In" else "notin"
            requirements.append((key, f"{key} {word} ({','.join(sorted(values))})"))
        elif operator == "Exists":
            requirements.append((key, key))
        elif operator == "DoesNotExist":
            requirements.append((key, f"!{key}"))
        else:
            return None
    return ",".join(text for _, text in sorted(requirements, key=lambda r: r[0]))
