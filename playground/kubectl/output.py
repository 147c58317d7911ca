"""`-o yaml`, `-o json` and `-o name` exactly as kubectl prints them.

kubectl prints unstructured objects: map keys sorted, JSON indented by 4, YAML from
sigs.k8s.io/yaml (block style, lists not indented under their key, multi-line strings such
as the last-applied-configuration annotation as `|` blocks).
"""
from __future__ import annotations

import json
from typing import Any

import yaml

from playground.store.kinds import KINDS

try:
    _Dumper: type = yaml.CSafeDumper
except AttributeError:
    _Dumper = yaml.SafeDumper


class _KubectlDumper(_Dumper):  # type: ignore[misc, valid-type]
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and value.strip() == value.rstrip("\n").strip() and not value.startswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_KubectlDumper.add_representer(str, _str)


def to_yaml(obj: Any, *, sort_keys: bool = True) -> str:
    """kubectl's YAML; with `sort_keys=False`, the maps' own order (the editor puts kind first)."""
    return yaml.dump(obj, Dumper=_KubectlDumper, sort_keys=sort_keys, default_flow_style=False, allow_unicode=True,
                     width=1 << 30)


def to_json(obj: Any) -> str:
    return json.dumps(obj, indent=4, sort_keys=True, ensure_ascii=False)


def reference(obj: dict[str, Any]) -> str:
    """`deployment.apps/web`: an object as kubectl names it in what it prints (`-o name`, created)."""
    return f"{KINDS[obj['kind']].kubectl_type}/{obj['metadata']['name']}"


def as_list(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Several objects as `kubectl get -o yaml` wraps them."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}
