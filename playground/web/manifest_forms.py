"""Manifest ↔ form: the editor's form is one view of a manifest, the YAML the other.

YAML pane / form POST → here → a manifest → the store's admission (dry run) or apply. Pure
functions on dicts and strings, no database. `form_data(manifest)` turns a manifest into the
form's field values (strings keyed by field name); `apply_form(manifest, data)` writes posted
values back into a copy of the manifest. The form edits a manifest, it does not replace it:
a field whose posted text equals what the manifest already says is left untouched, so fields
the form does not know (and the exact shape of those it does) survive every round trip.

Field names are the form's; `paths` are the manifest's (as the API server's field errors spell
them), so an admission error such as `spec.template.spec.containers[0].image` lands on the
field `container-0-image`, and `line_of` finds the same path's line in the YAML text.
"""
from __future__ import annotations

import base64
import binascii
import copy
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from playground.kubectl.output import to_yaml
from playground.store.api import LAST_APPLIED

Obj = dict[str, Any]
SECRET_MASK, SECRET_MASK_BEFORE, SECRET_MASK_AFTER = "***", "*** (before)", "*** (after)"  # kubectl diff's Masker
FORM_KINDS = ("Deployment", "Pod", "Service", "ConfigMap", "Secret", "StatefulSet", "DaemonSet", "PersistentVolumeClaim")
POD_SPEC_PATH = {
    "Pod": "spec",
    "Deployment": "spec.template.spec",
    "StatefulSet": "spec.template.spec",
    "DaemonSet": "spec.template.spec",
}


class FormatError(ValueError):
    """Text a field cannot turn into its part of the manifest; the message says what it wants."""


@dataclass(frozen=True)
class FieldSpec:
    """One form field: where it lives in the manifest and how its text is read and written."""

    name: str  # the form's name for it: "replicas", "image"
    label: str
    paths: tuple[str, ...]  # its places in the manifest, relative to its item ("spec.replicas", "image")
    get: Callable[[Obj], str]
    set: Callable[[Obj, str], None]
    widget: str = "text"  # text | lines | number | choice | secret
    choices: tuple[str, ...] = ()
    group: str = ""  # fields of one group are written together when any of them changes
    placeholder: str = ""

    @property
    def path(self) -> str:
        return self.paths[0]


# -- Reading and writing a path -------------------------------------------------------------------


def dig(obj: Any, path: str) -> Any:
    """The value at a dotted path, or None."""
    for part in path.split(".") if path else []:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def put(obj: Obj, path: str, value: Any) -> None:
    """Set a dotted path (None removes it, and the maps it leaves empty)."""
    parts = path.split(".")
    parents = [obj]
    for part in parts[:-1]:
        child = parents[-1].get(part)
        if not isinstance(child, dict):
            if value is None:
                return
            child = parents[-1][part] = {}
        parents.append(child)
    if value is not None:
        parents[-1][parts[-1]] = value
        return
    parents[-1].pop(parts[-1], None)
    for parent, part in zip(reversed(parents[:-1]), reversed(parts[:-1])):
        if parent.get(part) == {} and part not in ("metadata", "spec", "template"):
            parent.pop(part)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


# -- Kinds of fields ------------------------------------------------------------------------------


def scalar(name: str, path: str, label: str, *, choices: tuple[str, ...] = (), group: str = "",
           placeholder: str = "") -> FieldSpec:
    def set_(obj: Obj, text: str) -> None:
        put(obj, path, text.strip() or None)

    return FieldSpec(name, label, (path,), lambda o: _text(dig(o, path)), set_, "choice" if choices else "text",
                     choices, group, placeholder)


def number(name: str, path: str, label: str, *, group: str = "", int_or_string: bool = False) -> FieldSpec:
    """A whole number; with `int_or_string`, also a percentage or a name (maxSurge: 25%)."""

    def set_(obj: Obj, text: str) -> None:
        put(obj, path, parse_number(text, int_or_string=int_or_string))

    widget = "text" if int_or_string else "number"
    return FieldSpec(name, label, (path,), lambda o: _text(dig(o, path)), set_, widget, (), group)


def parse_number(text: str, *, int_or_string: bool = False) -> int | str | None:
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if int_or_string:
        return text
    raise FormatError(f'"{text}" is not a whole number')


def mapping(name: str, path: str, label: str, *, group: str = "") -> FieldSpec:
    """A map of strings, one `key=value` a line (labels, selectors)."""

    def get(obj: Obj) -> str:
        value = dig(obj, path)
        return "\n".join(f"{k}={_text(v)}" for k, v in value.items()) if isinstance(value, dict) else ""

    def set_(obj: Obj, text: str) -> None:
        found = {}
        for number_, line in enumerate(_lines(text), start=1):
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise FormatError(f'line {number_}: "{line}" is not key=value')
            found[key.strip()] = value.strip()
        put(obj, path, found or None)

    return FieldSpec(name, label, (path,), get, set_, "lines", (), group, "app=web")


def strings(name: str, path: str, label: str, *, placeholder: str = "") -> FieldSpec:
    """A list of strings, one a line (command, args, access modes)."""

    def get(obj: Obj) -> str:
        value = dig(obj, path)
        return "\n".join(_text(v) for v in value) if isinstance(value, list) else ""

    return FieldSpec(name, label, (path,), get, lambda o, t: put(o, path, _lines(t) or None), "lines", (), "",
                     placeholder)


def items(name: str, path: str, label: str, *, show: Callable[[Obj], str], read: Callable[[str], Obj],
          placeholder: str = "") -> FieldSpec:
    """A list of objects, one a line in a short notation (`http:80/TCP`). A line the user left as
    it was keeps its item exactly, with the fields the notation does not show."""

    def get(obj: Obj) -> str:
        value = dig(obj, path)
        return "\n".join(show(i) for i in value if isinstance(i, dict)) if isinstance(value, list) else ""

    def set_(obj: Obj, text: str) -> None:
        old = [i for i in dig(obj, path) or [] if isinstance(i, dict)]
        kept = {}
        for item in old:
            kept.setdefault(show(item), []).append(item)
        new = []
        for number_, line in enumerate(_lines(text), start=1):
            if kept.get(line):
                new.append(kept[line].pop(0))
                continue
            try:
                new.append(read(line))
            except FormatError as e:
                raise FormatError(f"line {number_}: {e}") from None
        put(obj, path, new or None)

    return FieldSpec(name, label, (path,), get, set_, "lines", (), "", placeholder)


# -- Short notations for list items ---------------------------------------------------------------


def show_port(port: Obj) -> str:
    text = _text(port.get("containerPort"))
    if port.get("name"):
        text = f"{port['name']}:{text}"
    if port.get("protocol") and port["protocol"] != "TCP":
        text += f"/{port['protocol']}"
    return text


def read_port(line: str) -> Obj:
    match = re.fullmatch(r"(?:([a-z0-9-]+):)?(\d+)(?:/(TCP|UDP|SCTP))?", line, re.IGNORECASE)
    if not match:
        raise FormatError(f'"{line}" is not a port: write 80, http:80 or dns:53/UDP')
    port: Obj = {"containerPort": int(match.group(2))}
    if match.group(1):
        port = {"name": match.group(1), **port}
    if match.group(3):
        port["protocol"] = match.group(3).upper()
    return port


_ENV_SOURCES = {"configMapKeyRef": "configmap", "secretKeyRef": "secret", "fieldRef": "field", "resourceFieldRef": "resource"}


def show_env(env: Obj) -> str:
    source = env.get("valueFrom")
    if not isinstance(source, dict):
        return f"{env.get('name', '')}={_text(env.get('value'))}"
    for key, word in _ENV_SOURCES.items():
        ref = source.get(key)
        if isinstance(ref, dict):
            where = {"field": ref.get("fieldPath"), "resource": ref.get("resource")}.get(word)
            where = where or f"{ref.get('name', '')}/{ref.get('key', '')}"
            return f"{env.get('name', '')} from {word} {where}"
    return f"{env.get('name', '')} from ?"


def read_env(line: str) -> Obj:
    match = re.fullmatch(r"(\S+) from (configmap|secret|field|resource) (\S+)", line)
    if match:
        name, word, where = match.groups()
        key = {v: k for k, v in _ENV_SOURCES.items()}[word]
        if word == "field":
            return {"name": name, "valueFrom": {key: {"fieldPath": where}}}
        if word == "resource":
            return {"name": name, "valueFrom": {key: {"resource": where}}}
        ref_name, sep, ref_key = where.partition("/")
        if not sep:
            raise FormatError(f'"{line}": write NAME from {word} OBJECT/KEY')
        return {"name": name, "valueFrom": {key: {"name": ref_name, "key": ref_key}}}
    name, sep, value = line.partition("=")
    if not sep:
        raise FormatError(f'"{line}" is not NAME=value (or NAME from secret OBJECT/KEY)')
    return {"name": name.strip(), "value": value.strip()}


def show_env_from(source: Obj) -> str:
    for key, word in (("configMapRef", "configmap"), ("secretRef", "secret")):
        if isinstance(source.get(key), dict):
            return f"{source.get('prefix', '')}{'=' if source.get('prefix') else ''}{word} {source[key].get('name', '')}"
    return "?"


def read_env_from(line: str) -> Obj:
    match = re.fullmatch(r"(?:(\S+)=)?(configmap|secret) (\S+)", line)
    if not match:
        raise FormatError(f'"{line}" is not "configmap NAME" or "secret NAME"')
    prefix, word, name = match.groups()
    source: Obj = {"configMapRef" if word == "configmap" else "secretRef": {"name": name}}
    return {"prefix": prefix, **source} if prefix else source


def show_mount(mount: Obj) -> str:
    text = f"{mount.get('name', '')}:{mount.get('mountPath', '')}"
    return text + ":ro" if mount.get("readOnly") else text


def read_mount(line: str) -> Obj:
    name, sep, rest = line.partition(":")
    path, _, mode = rest.rpartition(":ro") if rest.endswith(":ro") else (rest, "", "")
    if not sep or not name or not path:
        raise FormatError(f'"{line}" is not VOLUME:/path (or VOLUME:/path:ro)')
    mount: Obj = {"name": name.strip(), "mountPath": path.strip()}
    if rest.endswith(":ro"):
        mount["readOnly"] = True
    return mount


_VOLUME_SOURCES = {
    "emptyDir": None,
    "configMap": "name",
    "secret": "secretName",
    "persistentVolumeClaim": "claimName",
    "hostPath": "path",
}


def show_volume(volume: Obj) -> str:
    for source, key in _VOLUME_SOURCES.items():
        if source in volume:
            ref = (volume.get(source) or {}).get(key) if key else None
            return f"{volume.get('name', '')}={source}" + (f":{ref}" if ref else "")
    other = next((k for k in volume if k != "name"), "?")
    return f"{volume.get('name', '')}={other}"


def read_volume(line: str) -> Obj:
    name, sep, rest = line.partition("=")
    source, _, ref = rest.partition(":")
    if not sep or source not in _VOLUME_SOURCES:
        raise FormatError(f'"{line}" is not NAME=emptyDir, NAME=configMap:NAME, NAME=secret:NAME, '
                          "NAME=persistentVolumeClaim:CLAIM or NAME=hostPath:/path")
    key = _VOLUME_SOURCES[source]
    if key and not ref:
        raise FormatError(f'"{line}": {source} needs a name after ":"')
    return {"name": name.strip(), source: {key: ref.strip()} if key else {}}


# -- Probes ---------------------------------------------------------------------------------------

PROBE_TYPES = ("", "httpGet", "tcpSocket", "exec", "grpc")


def probe_fields(which: str, label: str) -> list[FieldSpec]:
    """A liveness or readiness probe: its handler, port or command, delay and period."""
    key, group = f"{which}Probe", f"{which}-probe"

    def handler(obj: Obj) -> str:
        probe = obj.get(key)
        return next((t for t in PROBE_TYPES[1:] if isinstance(probe, dict) and t in probe), "")

    def set_handler(obj: Obj, text: str) -> None:
        if not text:
            obj.pop(key, None)
            return
        probe = obj.setdefault(key, {})
        for other in PROBE_TYPES[1:]:
            if other != text:
                probe.pop(other, None)
        probe.setdefault(text, {})

    def port(obj: Obj) -> str:
        kind = handler(obj)
        return _text((obj[key][kind] or {}).get("port")) if kind in ("httpGet", "tcpSocket", "grpc") else ""

    def set_port(obj: Obj, text: str) -> None:
        kind = handler(obj)
        if kind in ("httpGet", "tcpSocket", "grpc"):
            put(obj[key][kind], "port", parse_number(text, int_or_string=kind != "grpc"))

    def path(obj: Obj) -> str:
        return _text((obj[key]["httpGet"] or {}).get("path")) if handler(obj) == "httpGet" else ""

    def set_path(obj: Obj, text: str) -> None:
        if handler(obj) == "httpGet":
            put(obj[key]["httpGet"], "path", text.strip() or None)

    def command(obj: Obj) -> str:
        return "\n".join((obj[key]["exec"] or {}).get("command") or []) if handler(obj) == "exec" else ""

    def set_command(obj: Obj, text: str) -> None:
        if handler(obj) == "exec":
            put(obj[key]["exec"], "command", _lines(text) or None)

    def seconds(field: str) -> FieldSpec:
        def get(obj: Obj) -> str:
            return _text((obj.get(key) or {}).get(field)) if handler(obj) else ""

        def set_(obj: Obj, text: str) -> None:
            if handler(obj):
                put(obj[key], field, parse_number(text))

        words = {"initialDelaySeconds": "initial delay (s)", "periodSeconds": "period (s)"}
        return FieldSpec(f"{which}_{field}", f"{label} {words[field]}", (f"{key}.{field}",), get, set_, "number",
                         group=group)

    handlers = tuple(f"{key}.{t}.port" for t in ("httpGet", "tcpSocket", "grpc"))
    return [
        FieldSpec(f"{which}_probe", f"{label} probe", (key,), handler, set_handler, "choice", PROBE_TYPES, group),
        FieldSpec(f"{which}_port", f"{label} port", handlers, port, set_port, group=group, placeholder="80 or http"),
        FieldSpec(f"{which}_path", f"{label} path", (f"{key}.httpGet.path",), path, set_path, group=group,
                  placeholder="/healthz"),
        FieldSpec(f"{which}_command", f"{label} command", (f"{key}.exec.command",), command, set_command, "lines",
                  group=group),
        seconds("initialDelaySeconds"),
        seconds("periodSeconds"),
    ]


# -- The fields of each kind ----------------------------------------------------------------------

PULL_POLICIES = ("", "Always", "IfNotPresent", "Never")

CONTAINER_FIELDS: list[FieldSpec] = [
    scalar("name", "name", "name"),
    scalar("image", "image", "image", placeholder="nginx:1.27"),
    scalar("imagePullPolicy", "imagePullPolicy", "image pull policy", choices=PULL_POLICIES),
    strings("command", "command", "command (one argument a line)", placeholder="sh\n-c"),
    strings("args", "args", "args (one a line)"),
    items("ports", "ports", "ports", show=show_port, read=read_port, placeholder="80\nhttp:8080\ndns:53/UDP"),
    items("env", "env", "env", show=show_env, read=read_env, placeholder="MODE=demo\nPASSWORD from secret db/password"),
    items("envFrom", "envFrom", "env from", show=show_env_from, read=read_env_from,
          placeholder="configmap settings\nsecret db"),
    scalar("requests_cpu", "resources.requests.cpu", "requests: cpu", placeholder="100m"),
    scalar("requests_memory", "resources.requests.memory", "requests: memory", placeholder="128Mi"),
    scalar("limits_cpu", "resources.limits.cpu", "limits: cpu", placeholder="500m"),
    scalar("limits_memory", "resources.limits.memory", "limits: memory", placeholder="256Mi"),
    *probe_fields("liveness", "liveness"),
    *probe_fields("readiness", "readiness"),
    items("volumeMounts", "volumeMounts", "volume mounts", show=show_mount, read=read_mount,
          placeholder="html:/usr/share/nginx/html:ro"),
]

METADATA_FIELDS = [
    scalar("name", "metadata.name", "name"),
    scalar("namespace", "metadata.namespace", "namespace", placeholder="default"),
    mapping("labels", "metadata.labels", "labels"),
]

WORKLOAD_FIELDS = [
    mapping("selector", "spec.selector.matchLabels", "selector (match labels)"),
    mapping("template_labels", "spec.template.metadata.labels", "pod labels"),
]

KIND_FIELDS: dict[str, list[FieldSpec]] = {
    "Deployment": [
        number("replicas", "spec.replicas", "replicas"),
        *WORKLOAD_FIELDS,
        scalar("strategy", "spec.strategy.type", "strategy", choices=("", "RollingUpdate", "Recreate"), group="strategy"),
        number("max_surge", "spec.strategy.rollingUpdate.maxSurge", "max surge", group="strategy", int_or_string=True),
        number("max_unavailable", "spec.strategy.rollingUpdate.maxUnavailable", "max unavailable", group="strategy",
               int_or_string=True),
    ],
    "StatefulSet": [
        number("replicas", "spec.replicas", "replicas"),
        *WORKLOAD_FIELDS,
        scalar("service_name", "spec.serviceName", "service name"),
        scalar("pod_management_policy", "spec.podManagementPolicy", "pod management policy",
               choices=("", "OrderedReady", "Parallel")),
        scalar("update_strategy", "spec.updateStrategy.type", "update strategy", choices=("", "RollingUpdate", "OnDelete"),
               group="strategy"),
        number("partition", "spec.updateStrategy.rollingUpdate.partition", "partition", group="strategy"),
    ],
    "DaemonSet": [
        *WORKLOAD_FIELDS,
        scalar("update_strategy", "spec.updateStrategy.type", "update strategy", choices=("", "RollingUpdate", "OnDelete"),
               group="strategy"),
        number("max_unavailable", "spec.updateStrategy.rollingUpdate.maxUnavailable", "max unavailable",
               group="strategy", int_or_string=True),
    ],
    "Pod": [
        scalar("restart_policy", "spec.restartPolicy", "restart policy", choices=("", "Always", "OnFailure", "Never")),
    ],
    "Service": [
        scalar("service_type", "spec.type", "type", choices=("", "ClusterIP", "NodePort", "LoadBalancer", "ExternalName")),
        mapping("service_selector", "spec.selector", "selector"),
    ],
    "Secret": [
        scalar("secret_type", "type", "type", placeholder="Opaque"),
    ],
    "ConfigMap": [],
    "PersistentVolumeClaim": [
        strings("access_modes", "spec.accessModes", "access modes (one a line)", placeholder="ReadWriteOnce"),
        scalar("storage", "spec.resources.requests.storage", "storage request", placeholder="1Gi"),
        scalar("storage_class", "spec.storageClassName", "storage class", placeholder="standard"),
    ],
}

SERVICE_PORT_FIELDS = [
    scalar("name", "name", "name"),
    number("port", "port", "port"),
    number("targetPort", "targetPort", "target port", int_or_string=True),
    scalar("protocol", "protocol", "protocol", choices=("", "TCP", "UDP", "SCTP")),
    number("nodePort", "nodePort", "node port"),
]


def kind_fields(kind: str) -> list[FieldSpec]:
    """The top-level fields of a kind's form (its containers, ports and data come as rows)."""
    fields = METADATA_FIELDS + KIND_FIELDS.get(kind, [])
    if kind in POD_SPEC_PATH:
        spec = POD_SPEC_PATH[kind]
        fields.append(items("volumes", f"{spec}.volumes", "volumes", show=show_volume, read=read_volume,
                            placeholder="html=configMap:web-html\ndata=persistentVolumeClaim:data\ncache=emptyDir"))
    return fields


# -- Rows: containers, Service ports, ConfigMap and Secret data -----------------------------------


@dataclass(frozen=True)
class Rows:
    """A repeated part of the form: one row of `fields` per item of the list at `path`."""

    prefix: str  # "container": fields container-0-image, container-1-image, ...
    path: str
    fields: list[FieldSpec]
    label: str

    def items(self, manifest: Obj) -> list[Obj]:
        value = dig(manifest, self.path)
        return value if isinstance(value, list) else []

    def name(self, index: int, field: str) -> str:
        return f"{self.prefix}-{index}-{field}"

    def blank(self, count: int) -> Obj:
        return {"name": f"container-{count + 1}", "image": ""} if self.prefix == "container" else {}


def rows_of(kind: str) -> list[Rows]:
    if kind in POD_SPEC_PATH:
        return [Rows("container", f"{POD_SPEC_PATH[kind]}.containers", CONTAINER_FIELDS, "container")]
    if kind == "Service":
        return [Rows("port", "spec.ports", SERVICE_PORT_FIELDS, "port")]
    return []


def has_data(kind: str) -> bool:
    return kind in ("ConfigMap", "Secret")


def data_rows(manifest: Obj) -> list[dict[str, str]]:
    """ConfigMap or Secret data as rows of key, value and where it is kept: a Secret's `data`
    values are shown decoded (base64), its `stringData` as written; bytes that are not text
    stay base64 ("binary")."""
    rows = []
    secret = manifest.get("kind") == "Secret"
    for key, value in sorted((manifest.get("data") or {}).items()):
        source = "data"
        if secret and value == SECRET_MASK:  # a stored value the page does not hold: kept unless replaced
            value, source = "", "masked"
        elif secret:
            try:
                value = base64.b64decode(str(value), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                source = "binary"
        rows.append({"key": key, "value": _text(value), "source": source})
    if secret:
        rows += [{"key": k, "value": _text(v), "source": "stringData"} for k, v in sorted((manifest.get("stringData") or {}).items())]
    return rows


def _write_data(manifest: Obj, rows: list[dict[str, str]]) -> None:
    secret = manifest.get("kind") == "Secret"
    data: Obj = {}
    string_data: Obj = {}
    for row in rows:
        value = row["value"].replace("\r\n", "\n")
        if row["source"] == "stringData":
            string_data[row["key"]] = value
        elif row["source"] == "masked" and not value:
            data[row["key"]] = SECRET_MASK
        elif secret and row["source"] != "binary":
            data[row["key"]] = base64.b64encode(value.encode("utf-8")).decode("ascii")
        else:
            data[row["key"]] = value
    manifest.pop("data", None)
    manifest.pop("stringData", None)
    if data:
        manifest["data"] = data
    if string_data:
        manifest["stringData"] = string_data


# -- Manifest → form, form → manifest -------------------------------------------------------------


def form_data(manifest: Obj) -> dict[str, str]:
    """The text of every form field for this manifest."""
    kind = str(manifest.get("kind", ""))
    data = {f.name: f.get(manifest) for f in kind_fields(kind)}
    for rows in rows_of(kind):
        found = [i for i in rows.items(manifest)]
        data[f"{rows.prefix}-count"] = str(len(found))
        for index, item in enumerate(found):
            item = item if isinstance(item, dict) else {}
            data.update({rows.name(index, f.name): f.get(item) for f in rows.fields})
    if has_data(kind):
        entries = data_rows(manifest)
        data["data-count"] = str(len(entries))
        for index, row in enumerate(entries):
            data.update({f"data-{index}-{k}": v for k, v in row.items()})
    return data


def apply_form(manifest: Obj, posted: Mapping[str, str], *,
               before: Mapping[str, str] | None = None) -> tuple[Obj, dict[str, str]]:
    """A copy of `manifest` with the posted field values written in, and the errors of fields
    whose text could not be read (by field name). A field absent from `posted`, or posted as
    it was shown (`before`: the form's values when it was rendered, by default the manifest's
    own), changes nothing: so a YAML edited while the form was not looking keeps its edits."""
    kind = str(manifest.get("kind", ""))
    before = form_data(manifest) if before is None else before
    new = copy.deepcopy(manifest)
    errors: dict[str, str] = {}
    _write_fields(new, kind_fields(kind), posted, before, errors, name=lambda n: n)
    for rows in rows_of(kind):
        _write_rows(new, rows, posted, before, errors)
    if has_data(kind):
        _write_data_rows(new, posted, before, errors)
    return new, errors


def _write_fields(target: Obj, fields: Iterable[FieldSpec], posted: Mapping[str, str], before: Mapping[str, str],
                  errors: dict[str, str], *, name: Callable[[str], str]) -> None:
    fields = list(fields)
    changed = {f.group or f.name for f in fields if name(f.name) in posted and posted[name(f.name)] != before.get(name(f.name))}
    for f in fields:
        key = name(f.name)
        if (f.group or f.name) in changed and key in posted:
            try:
                f.set(target, posted[key])
            except FormatError as e:
                errors[key] = str(e)


def _write_rows(new: Obj, rows: Rows, posted: Mapping[str, str], before: Mapping[str, str], errors: dict[str, str]) -> None:
    old = rows.items(new)
    count = _count(posted, f"{rows.prefix}-count", len(old))
    result = []
    for index in range(count):
        item = old[index] if index < len(old) and isinstance(old[index], dict) else {}
        _write_fields(item, rows.fields, posted, before, errors, name=lambda n, i=index: rows.name(i, n))
        if index < len(old) or item:
            result.append(item)
    result += old[count:]  # items the form has not shown yet (added in the YAML) stay
    if len(result) != len(old) or any(a is not b for a, b in zip(result, old)):
        put(new, rows.path, result or None)


def _write_data_rows(new: Obj, posted: Mapping[str, str], before: Mapping[str, str], errors: dict[str, str]) -> None:
    """Each row the form drew and the user changed replaces the key it was drawn for; every other
    key (rows not drawn, not changed, or added in the YAML meanwhile) stays exactly as it is."""
    rows = data_rows(new)
    changed = False
    for index in range(int(before.get("data-count", "0"))):
        was = {k: before.get(f"data-{index}-{k}", "") for k in DATA_ROW_FIELDS}
        now = {k: posted.get(f"data-{index}-{k}", was[k]) for k in DATA_ROW_FIELDS}
        if now == was:
            continue
        changed = True
        at = next((i for i, r in enumerate(rows) if (r["key"], r["source"]) == (was["key"], was["source"])), len(rows))
        row = {**now, "key": now["key"].strip(), "source": now["source"] if now["source"] in DATA_SOURCES else "data"}
        if row["source"] == "masked" and row["value"]:
            row["source"] = "data"  # a new value typed over a masked one
        if not row["key"] and not row["value"]:
            rows[at:at + 1] = []
            continue
        if not row["key"]:
            errors[f"data-{index}-key"] = "a key is required"
        rows[at:at + 1] = [row]
    if changed:
        _write_data(new, rows)


DATA_ROW_FIELDS = ("key", "value", "source")
DATA_SOURCES = ("data", "stringData", "binary", "masked")


def _count(posted: Mapping[str, str], key: str, default: int) -> int:
    try:
        return max(0, min(int(posted.get(key, default)), 100))  # a row count, not a way to make work
    except (TypeError, ValueError):
        return default


def add_row(manifest: Obj, what: str) -> Obj:
    """The manifest with one more container, Service port or data key (the form's "add" buttons)."""
    new = copy.deepcopy(manifest)
    kind = str(new.get("kind", ""))
    if what == "data" and has_data(kind):
        entries = data_rows(new)
        key = next(f"key-{n}" for n in range(1, 1000) if f"key-{n}" not in {r["key"] for r in entries})
        _write_data(new, [*entries, {"key": key, "value": "", "source": "data"}])
        return new
    for rows in rows_of(kind):
        if rows.prefix == what:
            found = rows.items(new)
            put(new, rows.path, [*found, rows.blank(len(found))])
    return new


def remove_row(manifest: Obj, what: str, index: int, *, key: str = "") -> Obj:
    """The manifest without one container or Service port (by index) or data key (by key)."""
    new = copy.deepcopy(manifest)
    kind = str(new.get("kind", ""))
    if what == "data" and has_data(kind):
        _write_data(new, [r for r in data_rows(new) if r["key"] != key])
        return new
    for rows in rows_of(kind):
        found = rows.items(new)
        if rows.prefix == what and 0 <= index < len(found):
            put(new, rows.path, found[:index] + found[index + 1 :] or None)
    return new


# -- Errors at the field --------------------------------------------------------------------------


def field_paths(manifest: Obj) -> list[tuple[str, str]]:
    """(manifest path, form field name) for every field the form shows for this manifest."""
    kind = str(manifest.get("kind", ""))
    found = [(p, f.name) for f in kind_fields(kind) for p in f.paths]
    for rows in rows_of(kind):
        for index in range(len(rows.items(manifest))):
            found += [(f"{rows.path}[{index}].{p}", rows.name(index, f.name)) for f in rows.fields for p in f.paths]
            found.append((f"{rows.path}[{index}]", rows.name(index, rows.fields[0].name)))
    if has_data(kind):
        for index, row in enumerate(data_rows(manifest)):
            where = "stringData" if row["source"] == "stringData" else "data"
            found.append((f"{where}[{row['key']}]", f"data-{index}-key"))
    return found


def field_for_error(manifest: Obj, path: str) -> str | None:
    """The form field an admission error's path belongs to: the field at that path or above it
    (`spec.template.spec.containers[0].ports[1].containerPort` → `container-0-ports`), else one
    just below it (`spec.selector` → `selector`); None when the form does not show it."""
    best, best_length = None, -1
    below = None
    for field_path, name in field_paths(manifest):
        if path == field_path or path.startswith((field_path + ".", field_path + "[")):
            if len(field_path) > best_length:
                best, best_length = name, len(field_path)
        elif below is None and field_path.startswith((path + ".", path + "[")):
            below = name
    return best or below


# -- Lines in the YAML ----------------------------------------------------------------------------

_TOKEN = re.compile(r"\[([^\]]*)\]|([^.\[]+)")


def path_tokens(path: str) -> list[str | int]:
    """`spec.containers[0].image` → ["spec", "containers", 0, "image"]; `data[a.b]` keeps "a.b" whole."""
    tokens: list[str | int] = []
    for bracket, word in _TOKEN.findall(path):
        if word:
            tokens.append(word)
        else:
            tokens.append(int(bracket) if bracket.isdigit() else bracket)
    return tokens


def line_of(text: str, path: str) -> int | None:
    """The 1-based line of the field at `path` in a one-document YAML text (the line of the
    deepest part of the path the text has), or None if the text does not parse."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    return _line_in(node, path_tokens(path))


def line_in_stream(text: str, start_line: int, path: str) -> int | None:
    """The line of `path` in the document starting at `start_line` of a multi-document stream."""
    lines = text.splitlines(keepends=True)[start_line - 1 :]
    try:
        node = next(yaml.compose_all("".join(lines), Loader=yaml.SafeLoader), None)
    except yaml.YAMLError:
        return None
    line = _line_in(node, path_tokens(path))
    return None if line is None else line + start_line - 1


def _line_in(node: yaml.Node | None, tokens: list[str | int]) -> int | None:
    if node is None:
        return None
    line = node.start_mark.line + 1
    for token in tokens:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if str(key.value) == str(token):
                    line, child = key.start_mark.line + 1, value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            child = node.value[token]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


_LINE = re.compile(r"^line (\d+)")


def error_line(message: str) -> int | None:
    """The line a parse error names (`line 7, column 3: invalid YAML: ...`)."""
    match = _LINE.match(message)
    return int(match.group(1)) if match else None


# -- What is edited, what is shown ----------------------------------------------------------------


def manifest_yaml(manifest: Obj) -> str:
    """A manifest as the editor shows it: apiVersion, kind, metadata first, then the rest,
    in the block style kubectl writes (the last-applied annotation as a `|` block)."""
    order = ["apiVersion", "kind", "metadata"]
    ordered = {k: manifest[k] for k in order if k in manifest}
    ordered.update({k: v for k, v in manifest.items() if k not in order})
    return to_yaml(ordered, sort_keys=False)


def masked_secrets(live: Obj | None, merged: Obj) -> tuple[Obj | None, Obj]:
    """kubectl diff's Masker: every value of `data` becomes `***`, or `*** (before)` and
    `*** (after)` where the value changes, so the diff still shows which keys change but never
    what they hold. The last-applied annotation (the whole manifest, data included) is masked too."""
    before = copy.deepcopy(live) if live is not None else None
    after = copy.deepcopy(merged)
    old_data = (before or {}).get("data") or {}
    new_data = after.get("data") or {}
    for key in old_data:
        changed = key in new_data and new_data[key] != old_data[key]
        old_data[key] = SECRET_MASK_BEFORE if changed else SECRET_MASK
    for key in new_data:
        new_data[key] = SECRET_MASK_AFTER if old_data.get(key) == SECRET_MASK_BEFORE else SECRET_MASK
    for obj in (before, after):
        annotations = (obj or {}).get("metadata", {}).get("annotations") or {}
        if LAST_APPLIED in annotations:
            annotations[LAST_APPLIED] = SECRET_MASK
    return before, after


def diff_lines(live: Obj | None, merged: Obj, *, label: str) -> list[str]:
    """`kubectl diff`: the live object against what it would be after apply, as a unified diff
    of their YAML (`label` is group.version.Kind.namespace.name, as kubectl names the files);
    a Secret's values masked as kubectl's diff masks them."""
    if merged.get("kind") == "Secret":
        live, merged = masked_secrets(live, merged)
    before = to_yaml(live).splitlines(keepends=True) if live is not None else []
    after = to_yaml(merged).splitlines(keepends=True)
    return [line.rstrip("\n") for line in difflib.unified_diff(before, after, f"LIVE/{label}", f"MERGED/{label}")]


# -- New objects ----------------------------------------------------------------------------------


def _pod_template(name: str, *, port: int | None = 80, image: str = "nginx:1.27") -> Obj:
    container: Obj = {"name": name, "image": image}
    if port:
        container["ports"] = [{"containerPort": port}]
    return {"metadata": {"labels": {"app": name}}, "spec": {"containers": [container]}}


NEW_NAMES = {"Deployment": "nginx", "StatefulSet": "web", "DaemonSet": "node-agent", "Pod": "nginx", "Service": "nginx",
             "ConfigMap": "settings", "Secret": "db", "PersistentVolumeClaim": "data"}


def new_manifest(kind: str, *, name: str = "") -> Obj:
    """A sensible first manifest of each kind, as the Kubernetes documentation starts them, named
    `name` (by default the documentation's name); a workload's labels and selector follow its
    name, so that a second one never selects the pods of the first. The Service selects nginx's."""
    name = name or NEW_NAMES[kind]
    app = {"app": name}
    templates: dict[str, Obj] = {
        "Deployment": {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": dict(app)},
                       "spec": {"replicas": 3, "selector": {"matchLabels": dict(app)}, "template": _pod_template(name)}},
        "StatefulSet": {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
                        "spec": {"serviceName": "nginx", "replicas": 2, "selector": {"matchLabels": dict(app)},
                                 "template": _pod_template(name)}},
        "DaemonSet": {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name},
                      "spec": {"selector": {"matchLabels": dict(app)},
                               "template": _pod_template(name, port=None, image="busybox:1.36")}},
        "Pod": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": dict(app)},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}},
        "Service": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                    "spec": {"selector": {"app": "nginx"}, "ports": [{"port": 80, "targetPort": 80, "protocol": "TCP"}]}},
        "ConfigMap": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"mode": "demo"}},
        "Secret": {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, "type": "Opaque",
                   "data": {"password": base64.b64encode(b"s3cr3t").decode("ascii")}},
        "PersistentVolumeClaim": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
                                  "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
    }
    return templates[kind]
