"""Semantic validation: the rules the API server checks after defaulting, before storing.

Input → store admission: defaults → the schema (types, unknown fields; checked elsewhere) →
`validate(obj, old)` here → persist. Every rule is a small pure function on Kubernetes JSON that
returns `FieldError`s with the field path, type and message the API server uses, so a learner
reads here exactly what `kubectl apply` would print. Odd input (a list where a map belongs) gives
errors, never an exception.

It follows k8s.io/kubernetes: pkg/apis/core/validation/validation.go (pods, services, config,
storage, nodes, events), pkg/apis/apps/validation/validation.go, pkg/apis/batch/validation,
pkg/apis/storage/validation, the apps/batch registry strategies' update rules, and
k8s.io/apimachinery: pkg/api/validation/objectmeta.go, pkg/apis/meta/v1/validation (labels,
selectors) and pkg/util/validation/validation.go (names, ports, keys), whose regexes and messages
are copied verbatim.
"""
from __future__ import annotations

import binascii
import ipaddress
import json
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from playground.store.errors import (
    TYPE_INTERNAL,
    TYPE_NOT_FOUND,
    TYPE_TOO_MANY,
    FieldError,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    required,
    too_long,
)
from playground.store.kinds import KINDS
from playground.store.quantity import canonical_quantity, parse_quantity

Errors = list[FieldError]
NameFn = Callable[[str, bool], list[str]]

FIELD_IMMUTABLE = "field is immutable"
IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set"
IS_NEGATIVE = "must be greater than or equal to 0"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10)
MAX_SECRET_SIZE = 1 * 1024 * 1024  # ConfigMaps share the Secret limit
MAX_INT32 = 2**31 - 1
NODE_PORT_RANGE = (30000, 32767)  # the API server's default --service-node-port-range
FILE_MODE_ERROR = "must be a number between 0 and 0777 (octal), both inclusive"
SECRET_REDACTED = "<secret contents redacted>"


def validate(obj: dict, old: dict | None = None) -> list[FieldError]:
    """The field errors of an (already defaulted) object; `old` is the stored one on update."""
    if not isinstance(obj, dict):
        return [invalid("", obj, "must be an object")]
    try:
        kind = obj.get("kind")
        rules = _RULES.get(kind) if isinstance(kind, str) else None
        if rules is None:
            return []
        if isinstance(old, dict):
            return validate_object_meta_update(_meta(obj), _meta(old)) + rules.update(obj, old)
        return validate_object_meta(_meta(obj), namespaced=_namespaced(kind), name_fn=rules.name) + rules.create(obj)
    except Exception as error:  # a bug here must cost one object, never the writer
        return [FieldError(TYPE_INTERNAL, "", f"validation failed: {error!r}")]


# --- JSON access and paths ----------------------------------------------------------------------


def _map(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _seq(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _meta(obj: dict) -> dict:
    return _map(obj.get("metadata"))


def _spec(obj: dict) -> dict:
    return _map(obj.get("spec"))


def _namespaced(kind: str) -> bool:
    return KINDS[kind].namespaced if kind in KINDS else True


def _child(path: str, *names: str) -> str:
    for name in names:
        path = f"{path}.{name}" if path else name
    return path


def _index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _key(path: str, key: str) -> str:
    return f"{path}[{key}]"


def not_found(path: str, value: Any) -> FieldError:
    return FieldError(TYPE_NOT_FOUND, path, "", value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- names, keys and values (k8s.io/apimachinery/pkg/util/validation) ---------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
    "and must start and end with an alphanumeric character"
)
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERROR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_ERROR = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
CONFIG_MAP_KEY_ERROR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
PERCENT_FMT = "[0-9]+%"
PERCENT_ERROR = "a valid percent string must be a numeric string followed by an ending '%'"
RELAXED_ENV_VAR_NAME_ERROR = "a valid environment variable name must consist only of printable ASCII characters other than '='"
DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_MAX_LENGTH = 63

_DNS1123_LABEL = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(DNS1035_LABEL_FMT)
_QUALIFIED_NAME = re.compile(QUALIFIED_NAME_FMT)
_LABEL_VALUE = re.compile(LABEL_VALUE_FMT)
_CONFIG_MAP_KEY = re.compile(CONFIG_MAP_KEY_FMT)
_PERCENT = re.compile(PERCENT_FMT)
_PORT_NAME_CHARSET = re.compile("[-a-z0-9]+")
_PORT_NAME_ONE_LETTER = re.compile("[a-z]")


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, spacing quirks included."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    message += " (e.g. "
    for i, example in enumerate(examples):
        if i > 0:
            message += " or "
        message += f"'{example}', "
    return message + f"regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def inclusive_range_error(low: int, high: int) -> str:
    return f"must be between {low} and {high}, inclusive"


def _size(value: str) -> int:
    return len(value.encode())


def is_dns1123_label(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_LABEL_MAX_LENGTH)] if _size(value) > DNS1123_LABEL_MAX_LENGTH else []
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            errors.append("must not contain dots")  # a valid subdomain that is not a label has dots
        else:
            errors.append(regex_error(DNS1123_LABEL_ERROR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH)] if _size(value) > DNS1123_SUBDOMAIN_MAX_LENGTH else []
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(regex_error(DNS1123_SUBDOMAIN_ERROR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def is_dns1035_label(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_LABEL_MAX_LENGTH)] if _size(value) > DNS1123_LABEL_MAX_LENGTH else []
    if not _DNS1035_LABEL.fullmatch(value):
        errors.append(regex_error(DNS1035_LABEL_ERROR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def is_qualified_name(value: str) -> list[str]:
    """A label key: an optional DNS subdomain prefix and '/', then a name of at most 63 characters."""
    parts = value.split("/")
    errors: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            errors += ["prefix part " + message for message in is_dns1123_subdomain(prefix)]
    else:
        return [
            "a qualified name "
            + regex_error(QUALIFIED_NAME_ERROR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part must be non-empty")
    elif _size(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _QUALIFIED_NAME.fullmatch(name):
        errors.append("name part " + regex_error(QUALIFIED_NAME_ERROR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc"))
    return errors


def is_valid_label_value(value: str) -> list[str]:
    errors = [max_len_error(LABEL_VALUE_MAX_LENGTH)] if _size(value) > LABEL_VALUE_MAX_LENGTH else []
    if not _LABEL_VALUE.fullmatch(value):
        errors.append(regex_error(LABEL_VALUE_ERROR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def is_config_map_key(value: str) -> list[str]:
    errors = [max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH)] if _size(value) > DNS1123_SUBDOMAIN_MAX_LENGTH else []
    if not _CONFIG_MAP_KEY.fullmatch(value):
        errors.append(regex_error(CONFIG_MAP_KEY_ERROR, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name"))
    if value == ".":
        errors.append("must not be '.'")
    elif value == "..":
        errors.append("must not be '..'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


def is_valid_port_num(port: Any) -> list[str]:
    return [] if _is_int(port) and 1 <= port <= 65535 else [inclusive_range_error(1, 65535)]


def is_valid_port_name(port: str) -> list[str]:
    errors = [max_len_error(15)] if len(port) > 15 else []
    if not _PORT_NAME_CHARSET.fullmatch(port):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_ONE_LETTER.search(port):
        errors.append("must contain at least one letter (a-z)")
    if "--" in port:
        errors.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def is_valid_percent(value: str) -> list[str]:
    return [] if _PERCENT.fullmatch(value) else [regex_error(PERCENT_ERROR, PERCENT_FMT, "1%", "93%")]


def is_relaxed_env_var_name(value: str) -> list[str]:
    """RelaxedEnvironmentVariableValidation, on by default since Kubernetes 1.32."""
    errors = ["environment variable name must be non-empty"] if not value else []
    if any(ord(c) > 127 or not c.isprintable() or c == "=" for c in value):
        errors.append(RELAXED_ENV_VAR_NAME_ERROR)
    return errors


def is_valid_ip(value: str) -> list[str]:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    return []


def _mask_trailing_dash(name: str) -> str:
    """A generateName may end in '-': the random suffix follows it (maskTrailingDash)."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def _messages(path: str, value: str, messages: Iterable[str]) -> Errors:
    return [invalid(path, value, message) for message in messages]


def validate_dns1123_label(value: str, path: str) -> Errors:
    return _messages(path, value, is_dns1123_label(value))


def validate_qualified_name(value: str, path: str) -> Errors:
    return _messages(path, value, is_qualified_name(value))


def validate_nonnegative(value: Any, path: str) -> Errors:
    return [invalid(path, value, IS_NEGATIVE)] if _is_int(value) and value < 0 else []


def validate_immutable(new: Any, old: Any, path: str) -> Errors:
    return [] if new == old else [invalid(path, new, FIELD_IMMUTABLE)]


# --- ObjectMeta (apimachinery/pkg/api/validation/objectmeta.go) ---------------------------------


def validate_object_meta(meta: dict, *, namespaced: bool, name_fn: NameFn, path: str = "metadata") -> Errors:
    errors: Errors = []
    generate_name, name = meta.get("generateName"), meta.get("name")
    if isinstance(generate_name, str) and generate_name:
        errors += _messages(_child(path, "generateName"), generate_name, name_fn(generate_name, True))
    if isinstance(name, str) and name:
        errors += _messages(_child(path, "name"), name, name_fn(name, False))
    elif not (isinstance(generate_name, str) and generate_name):
        # with a generateName the store makes up the name before it stores the object
        errors.append(required(_child(path, "name"), "name or generateName is required"))
    errors += _validate_meta_namespace(meta, namespaced, path)
    errors += validate_nonnegative(meta.get("generation"), _child(path, "generation"))
    return errors + _validate_meta_common(meta, path)


def _validate_meta_namespace(meta: dict, namespaced: bool, path: str) -> Errors:
    namespace = _text(meta.get("namespace"))
    if namespaced and not namespace:
        return [required(_child(path, "namespace"))]
    if namespaced:
        return _messages(_child(path, "namespace"), namespace, is_dns1123_label(namespace))
    if namespace:
        return [forbidden(_child(path, "namespace"), "not allowed on this type")]
    return []


def _validate_meta_common(meta: dict, path: str) -> Errors:
    return (
        validate_labels(meta.get("labels"), _child(path, "labels"))
        + validate_annotations(meta.get("annotations"), _child(path, "annotations"))
        + validate_owner_references(meta.get("ownerReferences"), _child(path, "ownerReferences"))
        + validate_finalizers(meta.get("finalizers"), _child(path, "finalizers"))
    )


def validate_object_meta_update(new: dict, old: dict, path: str = "metadata") -> Errors:
    """ValidateObjectMetaUpdate, for the fields the store does not carry over itself."""
    errors: Errors = []
    if old.get("deletionTimestamp"):
        added = sorted(set(map(str, _seq(new.get("finalizers")))) - set(map(str, _seq(old.get("finalizers")))))
        if added:
            shown = "[]string{" + ", ".join(json.dumps(f) for f in added) + "}"
            errors.append(forbidden(
                _child(path, "finalizers"),
                f"no new finalizers can be added if the object is being deleted, found new finalizers {shown}",
            ))
    for field_name in ("name", "namespace"):
        errors += validate_immutable(_text(new.get(field_name)), _text(old.get(field_name)), _child(path, field_name))
    # An update that leaves these out keeps the stored values (rest.BeforeUpdate)
    for field_name in ("uid", "creationTimestamp"):
        if new.get(field_name):
            errors += validate_immutable(new.get(field_name), old.get(field_name), _child(path, field_name))
    return errors + _validate_meta_common(new, path)


def validate_labels(labels: Any, path: str) -> Errors:
    errors: Errors = []
    for key, value in _map(labels).items():
        errors += _messages(path, key, is_qualified_name(key))
        if not isinstance(value, str):
            errors.append(invalid(path, value, "must be a string"))
        else:
            errors += _messages(path, value, is_valid_label_value(value))
    return errors


def validate_annotations(annotations: Any, path: str) -> Errors:
    errors: Errors = []
    total = 0
    for key, value in _map(annotations).items():
        # annotation keys are qualified names in which case does not matter
        errors += _messages(path, key, is_qualified_name(key.lower()))
        total += _size(key) + (_size(value) if isinstance(value, str) else 0)
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_owner_references(references: Any, path: str) -> Errors:
    errors: Errors = []
    first_controller = ""
    for reference in map(_map, _seq(references)):
        api_version = _text(reference.get("apiVersion"))
        if not api_version.rpartition("/")[2]:
            errors.append(invalid(_child(path, "apiVersion"), api_version, "version must not be empty"))
        for field_name in ("kind", "name", "uid"):
            if not _text(reference.get(field_name)):
                errors.append(invalid(_child(path, field_name), _text(reference.get(field_name)), "must not be empty"))
        if (api_version, reference.get("kind")) == ("v1", "Event"):
            errors.append(invalid(path, reference, "/v1, Kind=Event is disallowed from being an owner"))
        if reference.get("controller") is True:
            current = f"{reference.get('kind')}/{reference.get('name')}"
            if first_controller:
                errors.append(invalid(path, references, (
                    'Only one reference can have Controller set to true. '
                    f'Found "true" in references for {first_controller} and {current}'
                )))
            else:
                first_controller = current
    return errors


def validate_finalizers(finalizers: Any, path: str) -> Errors:
    names = [_text(f) for f in _seq(finalizers)]
    errors: Errors = []
    for name in names:
        errors += _messages(path, name, is_qualified_name(name))
    if "orphan" in names and "foregroundDeletion" in names:
        errors.append(invalid(path, names, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errors


# --- label selectors (apimachinery/pkg/apis/meta/v1/validation, labels) -------------------------

SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> Errors:
    if not isinstance(selector, dict):
        return []
    errors = validate_labels(selector.get("matchLabels"), _child(path, "matchLabels"))
    for i, requirement in enumerate(_seq(selector.get("matchExpressions"))):
        errors += _validate_selector_requirement(_map(requirement), _index(_child(path, "matchExpressions"), i))
    return errors


def _validate_selector_requirement(requirement: dict, path: str) -> Errors:
    errors: Errors = []
    operator, values = requirement.get("operator"), _seq(requirement.get("values"))
    if operator in ("In", "NotIn") and not values:
        errors.append(required(_child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist") and values:
        errors.append(forbidden(_child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif operator not in SELECTOR_OPERATORS:
        errors.append(invalid(_child(path, "operator"), operator, "not a valid selector operator"))
    key = _text(requirement.get("key"))
    errors += _messages(_child(path, "key"), key, is_qualified_name(key))
    for i, value in enumerate(values):
        errors += _messages(_index(_child(path, "values"), i), _text(value), is_valid_label_value(_text(value)))
    return errors


class Selector:
    """labels.Selector as LabelSelectorAsSelector builds it: nothing, everything, or requirements."""

    def __init__(self, requirements: list[tuple[str, str, list[str]]] | None) -> None:
        self.requirements = requirements  # None selects nothing

    @property
    def empty(self) -> bool:
        return self.requirements == []

    def matches(self, labels: dict) -> bool:
        if self.requirements is None:
            return False
        return all(_requirement_matches(requirement, labels) for requirement in self.requirements)


def _requirement_matches(requirement: tuple[str, str, list[str]], labels: dict) -> bool:
    key, operator, values = requirement
    if operator in ("In", "Equals"):
        return key in labels and labels[key] in values
    if operator == "NotIn":
        return key not in labels or labels[key] not in values
    return (key in labels) == (operator == "Exists")


def label_selector_as_selector(selector: Any) -> Selector:
    """metav1.LabelSelectorAsSelector; ValueError where Kubernetes returns an error."""
    if selector is None:
        return Selector(None)
    selector = _map(selector)
    match_labels, expressions = _map(selector.get("matchLabels")), _seq(selector.get("matchExpressions"))
    requirements = [(key, "Equals", [value]) for key, value in match_labels.items()]
    for expression in map(_map, expressions):
        operator = expression.get("operator")
        if operator not in SELECTOR_OPERATORS:
            raise ValueError(f"{json.dumps(operator)} is not a valid label selector operator")
        requirements.append((_text(expression.get("key")), operator, [_text(v) for v in _seq(expression.get("values"))]))
    for key, operator, values in requirements:
        _check_requirement(key, operator, values)
    return Selector(requirements)


def _check_requirement(key: str, operator: str, values: list[str]) -> None:
    """labels.NewRequirement's checks."""
    if is_qualified_name(key):
        raise ValueError(f"invalid label key {json.dumps(key)}")
    if operator in ("In", "NotIn") and not values:
        raise ValueError("for 'in', 'notin' operators, values set can't be empty")
    if operator in ("Exists", "DoesNotExist") and values:
        raise ValueError("values set must be empty for exists and does not exist")
    for value in values:
        if is_valid_label_value(value):
            raise ValueError(f"invalid label value: {json.dumps(value)}")


def _selects_nothing_or_all(selector: Any) -> bool:
    selector = _map(selector)
    return len(_map(selector.get("matchLabels"))) + len(_seq(selector.get("matchExpressions"))) == 0


# --- quantities and resources ----------------------------------------------------------------------

STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


def _quantity(value: Any, path: str, errors: Errors) -> Decimal | None:
    """The value of a quantity field, or None after recording why it is not one."""
    try:
        return parse_quantity(value)
    except ValueError as error:
        errors.append(invalid(path, value, str(error)))
        return None


def _shown(value: Any) -> str:
    try:
        return canonical_quantity(value)
    except ValueError:
        return str(value)


def _validate_quantity_value(value: Any, path: str, errors: Errors) -> Decimal | None:
    quantity = _quantity(value, path, errors)
    if quantity is not None and quantity < 0:
        errors.append(invalid(path, _shown(value), IS_NEGATIVE))
        return None
    return quantity


def validate_resource_requirements(resources: Any, path: str) -> Errors:
    errors: Errors = []
    resources = _map(resources)
    limits_path, requests_path = _child(path, "limits"), _child(path, "requests")
    limits = {}
    for name, value in _map(resources.get("limits")).items():
        errors += _validate_container_resource_name(name, _key(limits_path, name))
        limits[name] = _validate_quantity_value(value, _key(limits_path, name), errors)
    for name, value in _map(resources.get("requests")).items():
        errors += _validate_container_resource_name(name, _key(requests_path, name))
        request = _validate_quantity_value(value, _key(requests_path, name), errors)
        limit = limits.get(name)
        if request is not None and limit is not None and request > limit:
            shown_limit = _shown(_map(resources.get("limits"))[name])
            errors.append(invalid(requests_path, _shown(value), f"must be less than or equal to {name} limit of {shown_limit}"))
    return errors


def _validate_container_resource_name(name: str, path: str) -> Errors:
    errors = validate_qualified_name(name, path)
    if errors:
        return errors
    if "/" not in name and name not in STANDARD_CONTAINER_RESOURCES and not name.startswith("hugepages-"):
        return [invalid(path, name, "must be a standard resource for containers")]
    return []


# --- pod specs (core validation: ValidatePodSpec and friends) ----------------------------------

VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore", "secret", "nfs",
    "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs",
    "quobyte", "downwardAPI", "fc", "azureFile", "vsphereVolume", "photonPersistentDisk",
    "portworxVolume", "azureDisk", "csi", "configMap", "scaleIO", "storageos", "projected", "ephemeral",
    "image",
)
HOST_PATH_TYPES = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"]
PORT_PROTOCOLS = ["SCTP", "TCP", "UDP"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"]
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")
PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
ENV_FIELD_PATHS = [
    "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName",
    "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs",
]
_SUBSCRIPTED_FIELD_PATH = re.compile(r"(metadata\.(?:labels|annotations))\['(.*)'\]")


def validate_pod_spec(spec: dict, path: str, *, is_pod: bool) -> Errors:
    errors: Errors = []
    if spec.get("terminationGracePeriodSeconds") is None:
        errors.append(required(_child(path, "terminationGracePeriodSeconds")))
    volumes, volume_errors = validate_volumes(spec.get("volumes"), _child(path, "volumes"))
    errors += volume_errors
    errors += _validate_containers(spec, volumes, path)
    errors += _validate_init_containers(spec, volumes, path)
    errors += _validate_host_network_ports(spec, path, is_pod=is_pod)
    errors += _validate_one_of(spec.get("restartPolicy"), RESTART_POLICIES, _child(path, "restartPolicy"))
    errors += _validate_one_of(spec.get("dnsPolicy"), DNS_POLICIES, _child(path, "dnsPolicy"))
    errors += validate_labels(spec.get("nodeSelector"), _child(path, "nodeSelector"))
    errors += validate_tolerations(spec.get("tolerations"), _child(path, "tolerations"))
    return errors + _validate_pod_spec_names(spec, path) + _validate_active_deadline(spec, path)


def _validate_one_of(value: Any, supported: list[str], path: str) -> Errors:
    if value in (None, ""):
        return [required(path)]
    return [] if value in supported else [not_supported(path, value, supported)]


def _validate_pod_spec_names(spec: dict, path: str) -> Errors:
    errors: Errors = []
    for field_name, check in (
        ("serviceAccountName", is_dns1123_subdomain),
        ("nodeName", is_dns1123_subdomain),
        ("hostname", is_dns1123_label),
        ("subdomain", is_dns1123_label),
    ):
        value = _text(spec.get(field_name))
        if value:
            errors += _messages(_child(path, field_name), value, check(value))
    return errors


def _validate_active_deadline(spec: dict, path: str) -> Errors:
    value = spec.get("activeDeadlineSeconds")
    if value is not None and (not _is_int(value) or not 1 <= value <= MAX_INT32):
        return [invalid(_child(path, "activeDeadlineSeconds"), value, inclusive_range_error(1, MAX_INT32))]
    return []


def validate_volumes(volumes: Any, path: str) -> tuple[dict[str, dict], Errors]:
    """The volumes by name (for volumeMounts to refer to) and their errors."""
    errors: Errors = []
    by_name: dict[str, dict] = {}
    for i, volume in enumerate(map(_map, _seq(volumes))):
        volume_path = _index(path, i)
        name = _text(volume.get("name"))
        errors += _validate_volume_source(volume, volume_path)
        if not name:
            errors.append(required(_child(volume_path, "name")))
        else:
            errors += validate_dns1123_label(name, _child(volume_path, "name"))
        if name in by_name:
            errors.append(duplicate(_child(volume_path, "name"), name))
        else:
            by_name[name] = volume
    return by_name, errors


def _validate_volume_source(volume: dict, path: str) -> Errors:
    sources = [source for source in VOLUME_SOURCES if volume.get(source) is not None]
    if not sources:
        return [required(path, "must specify a volume type")]
    errors = [forbidden(_child(path, source), "may not specify more than 1 volume type") for source in sources[1:]]
    source, value = sources[0], _map(volume.get(sources[0]))
    checks = {
        "hostPath": _validate_host_path,
        "emptyDir": _validate_empty_dir,
        "secret": _validate_secret_volume,
        "configMap": _validate_config_map_volume,
        "persistentVolumeClaim": _validate_claim_volume,
        "downwardAPI": _validate_downward_api_volume,
    }
    if source in checks:
        errors += checks[source](value, _child(path, source))
    return errors


def _validate_host_path(source: dict, path: str) -> Errors:
    errors = [] if _text(source.get("path")) else [required(_child(path, "path"))]
    host_path_type = source.get("type")
    if host_path_type is not None and host_path_type not in HOST_PATH_TYPES:
        errors.append(not_supported(_child(path, "type"), host_path_type, HOST_PATH_TYPES))
    return errors


def _validate_empty_dir(source: dict, path: str) -> Errors:
    errors: Errors = []
    if source.get("sizeLimit") is not None:
        size = _quantity(source["sizeLimit"], _child(path, "sizeLimit"), errors)
        if size is not None and size < 0:
            errors.append(forbidden(_child(path, "sizeLimit"), "SizeLimit field must be a valid resource quantity"))
    return errors


def _validate_file_mode(mode: Any, path: str) -> Errors:
    if mode is not None and (not _is_int(mode) or not 0 <= mode <= 0o777):
        return [invalid(path, mode, FILE_MODE_ERROR)]
    return []


def _validate_key_to_paths(items: Any, path: str) -> Errors:
    errors: Errors = []
    for i, item in enumerate(map(_map, _seq(items))):
        item_path = _index(path, i)
        if not _text(item.get("key")):
            errors.append(required(_child(item_path, "key")))
        errors += _validate_local_path(_text(item.get("path")), _child(item_path, "path"))
        errors += _validate_file_mode(item.get("mode"), _child(item_path, "mode"))
    return errors


def _validate_local_path(target: str, path: str) -> Errors:
    """validateLocalNonReservedPath: relative, no '..' element, not starting with '..'."""
    if not target:
        return [required(path)]
    errors: Errors = []
    if target.startswith("/"):
        errors.append(invalid(path, target, "must be a relative path"))
    if ".." in target.split("/"):
        errors.append(invalid(path, target, "must not contain '..'"))
    if target.startswith("..") and not target.startswith("../"):
        errors.append(invalid(path, target, "must not start with '..'"))
    return errors


def _validate_secret_volume(source: dict, path: str) -> Errors:
    errors = [] if _text(source.get("secretName")) else [required(_child(path, "secretName"))]
    errors += _validate_file_mode(source.get("defaultMode"), _child(path, "defaultMode"))
    return errors + _validate_key_to_paths(source.get("items"), _child(path, "items"))


def _validate_config_map_volume(source: dict, path: str) -> Errors:
    errors = [] if _text(source.get("name")) else [required(_child(path, "name"))]
    errors += _validate_file_mode(source.get("defaultMode"), _child(path, "defaultMode"))
    return errors + _validate_key_to_paths(source.get("items"), _child(path, "items"))


def _validate_claim_volume(source: dict, path: str) -> Errors:
    return [] if _text(source.get("claimName")) else [required(_child(path, "claimName"))]


def _validate_downward_api_volume(source: dict, path: str) -> Errors:
    errors = _validate_file_mode(source.get("defaultMode"), _child(path, "defaultMode"))
    for i, item in enumerate(map(_map, _seq(source.get("items")))):
        item_path = _index(_child(path, "items"), i)
        errors += _validate_local_path(_text(item.get("path")), _child(item_path, "path"))
        errors += _validate_file_mode(item.get("mode"), _child(item_path, "mode"))
    return errors


def _validate_containers(spec: dict, volumes: dict, path: str) -> Errors:
    containers_path = _child(path, "containers")
    containers = [_map(c) for c in _seq(spec.get("containers"))]
    if not containers:
        return [required(containers_path)]
    errors: Errors = []
    names: set[str] = set()
    for i, container in enumerate(containers):
        container_path = _index(containers_path, i)
        errors += validate_container(container, volumes, container_path)
        name = _text(container.get("name"))
        if name in names:
            errors.append(duplicate(_child(container_path, "name"), name))
        names.add(name)
        errors += _validate_probes(container, container_path)
        errors += _validate_lifecycle(container.get("lifecycle"), _child(container_path, "lifecycle"))
        if container.get("restartPolicy") is not None:
            errors.append(forbidden(_child(container_path, "restartPolicy"), "may not be set for non-init containers"))
    return errors + _validate_host_port_conflicts(containers, containers_path)


def _validate_init_containers(spec: dict, volumes: dict, path: str) -> Errors:
    init_path = _child(path, "initContainers")
    names = {_text(_map(c).get("name")) for c in _seq(spec.get("containers"))}
    errors: Errors = []
    for i, container in enumerate(map(_map, _seq(spec.get("initContainers")))):
        container_path = _index(init_path, i)
        errors += validate_container(container, volumes, container_path)
        restart_policy = container.get("restartPolicy")
        if restart_policy is not None and restart_policy != "Always":
            errors.append(not_supported(_child(container_path, "restartPolicy"), restart_policy, ["Always"]))
        name = _text(container.get("name"))
        if name in names:
            errors.append(duplicate(_child(container_path, "name"), name))
        elif name:
            names.add(name)
        errors += _validate_host_port_conflicts([container], init_path)
        if restart_policy == "Always":  # a sidecar: probes and hooks like a regular container
            errors += _validate_probes(container, container_path)
            errors += _validate_lifecycle(container.get("lifecycle"), _child(container_path, "lifecycle"))
            continue
        for field_name in ("lifecycle", *PROBES):
            if container.get(field_name) is not None:
                errors.append(forbidden(
                    _child(container_path, field_name), "may not be set for init containers without restartPolicy=Always"
                ))
    return errors


def validate_container(container: dict, volumes: dict, path: str) -> Errors:
    """validateContainerCommon: what every container, regular or init, must get right."""
    errors: Errors = []
    name = _text(container.get("name"))
    if not name:
        errors.append(required(_child(path, "name")))
    else:
        errors += validate_dns1123_label(name, _child(path, "name"))
    if not _text(container.get("image")):
        errors.append(required(_child(path, "image")))
    errors += _validate_one_of(
        container.get("terminationMessagePolicy"), TERMINATION_MESSAGE_POLICIES, _child(path, "terminationMessagePolicy")
    )
    errors += validate_container_ports(container.get("ports"), _child(path, "ports"))
    errors += validate_env(container.get("env"), _child(path, "env"))
    errors += _validate_env_from(container.get("envFrom"), _child(path, "envFrom"))
    errors += validate_volume_mounts(container.get("volumeMounts"), volumes, _child(path, "volumeMounts"))
    errors += _validate_one_of(container.get("imagePullPolicy"), PULL_POLICIES, _child(path, "imagePullPolicy"))
    return errors + validate_resource_requirements(container.get("resources"), _child(path, "resources"))


def validate_container_ports(ports: Any, path: str) -> Errors:
    errors: Errors = []
    names: set[str] = set()
    for i, port in enumerate(map(_map, _seq(ports))):
        port_path = _index(path, i)
        name = _text(port.get("name"))
        if name:
            messages = is_valid_port_name(name)
            if messages:
                errors += _messages(_child(port_path, "name"), name, messages)
            elif name in names:
                errors.append(duplicate(_child(port_path, "name"), name))
            names.add(name)
        container_port = port.get("containerPort")
        if container_port in (None, 0):
            errors.append(required(_child(port_path, "containerPort")))
        else:
            errors += _messages(_child(port_path, "containerPort"), container_port, is_valid_port_num(container_port))
        if port.get("hostPort") not in (None, 0):
            errors += _messages(_child(port_path, "hostPort"), port["hostPort"], is_valid_port_num(port["hostPort"]))
        errors += _validate_one_of(port.get("protocol"), PORT_PROTOCOLS, _child(port_path, "protocol"))
    return errors


def _validate_host_port_conflicts(containers: list[dict], path: str) -> Errors:
    errors: Errors = []
    seen: set[str] = set()
    for i, container in enumerate(containers):
        for j, port in enumerate(map(_map, _seq(container.get("ports")))):
            if port.get("hostPort") in (None, 0):
                continue
            key = f"{_text(port.get('protocol'))}/{_text(port.get('hostIP'))}/{port['hostPort']}"
            if key in seen:
                errors.append(duplicate(_child(_index(_child(_index(path, i), "ports"), j), "hostPort"), key))
            seen.add(key)
    return errors


def _validate_host_network_ports(spec: dict, path: str, *, is_pod: bool) -> Errors:
    if spec.get("hostNetwork") is not True:
        return []
    errors: Errors = []
    for i, container in enumerate(map(_map, _seq(spec.get("containers")))):
        for j, port in enumerate(map(_map, _seq(container.get("ports")))):
            host_port, container_port = port.get("hostPort") or 0, port.get("containerPort")
            # in a template an unset hostPort is fine: it is defaulted on the Pod
            if (is_pod or host_port != 0) and host_port != container_port:
                port_path = _index(_child(_index(_child(path, "containers"), i), "ports"), j)
                errors.append(invalid(_child(port_path, "hostPort"), host_port, "must match `containerPort` when `hostNetwork` is true"))
    return errors


def validate_env(env: Any, path: str) -> Errors:
    errors: Errors = []
    for i, variable in enumerate(map(_map, _seq(env))):
        variable_path = _index(path, i)
        name = _text(variable.get("name"))
        if not name:
            errors.append(required(_child(variable_path, "name")))
        else:
            errors += _messages(_child(variable_path, "name"), name, is_relaxed_env_var_name(name))
        errors += _validate_env_value_from(variable, _child(variable_path, "valueFrom"))
    return errors


def _validate_env_value_from(variable: dict, path: str) -> Errors:
    value_from = variable.get("valueFrom")
    if value_from is None:
        return []
    value_from = _map(value_from)
    sources = [s for s in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef") if value_from.get(s) is not None]
    errors: Errors = []
    if "fieldRef" in sources:
        errors += _validate_field_ref(_map(value_from["fieldRef"]), _child(path, "fieldRef"))
    for source in ("configMapKeyRef", "secretKeyRef"):
        if source in sources:
            errors += _validate_key_selector(_map(value_from[source]), _child(path, source))
    if not sources:
        errors.append(invalid(path, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
    elif _text(variable.get("value")):
        errors.append(invalid(path, "", "may not be specified when `value` is not empty"))
    elif len(sources) > 1:
        errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def _validate_field_ref(field_ref: dict, path: str) -> Errors:
    if not _text(field_ref.get("apiVersion")):
        return [required(_child(path, "apiVersion"))]
    field_path = _text(field_ref.get("fieldPath"))
    if not field_path:
        return [required(_child(path, "fieldPath"))]
    subscripted = _SUBSCRIPTED_FIELD_PATH.fullmatch(field_path)
    if subscripted:
        key = subscripted[2].lower() if subscripted[1] == "metadata.annotations" else subscripted[2]
        return validate_qualified_name(key, path)
    if field_path not in ENV_FIELD_PATHS:
        return [not_supported(_child(path, "fieldPath"), field_path, sorted(ENV_FIELD_PATHS))]
    return []


def _validate_key_selector(selector: dict, path: str) -> Errors:
    name, key = _text(selector.get("name")), _text(selector.get("key"))
    errors = _messages(_child(path, "name"), name, is_dns1123_subdomain(name))
    if not key:
        errors.append(required(_child(path, "key")))
    else:
        errors += _messages(_child(path, "key"), key, is_config_map_key(key))
    return errors


def _validate_env_from(env_from: Any, path: str) -> Errors:
    errors: Errors = []
    for i, source in enumerate(map(_map, _seq(env_from))):
        prefix = _text(source.get("prefix"))
        if prefix:
            errors += _messages(_child(_index(path, i), "prefix"), prefix, is_relaxed_env_var_name(prefix))
        refs = [r for r in ("configMapRef", "secretRef") if source.get(r) is not None]
        for ref in refs:
            name = _text(_map(source[ref]).get("name"))
            ref_path = _child(_index(path, i), ref, "name")
            errors += [required(ref_path)] if not name else _messages(ref_path, name, name_is_dns_subdomain(name, True))
        if not refs:
            errors.append(invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif len(refs) > 1:
            errors.append(invalid(path, "", "may not have more than one field specified at a time"))
    return errors


def validate_volume_mounts(mounts: Any, volumes: dict, path: str) -> Errors:
    errors: Errors = []
    mount_points: set[str] = set()
    for i, mount in enumerate(map(_map, _seq(mounts))):
        mount_path = _index(path, i)
        name, target = _text(mount.get("name")), _text(mount.get("mountPath"))
        if not name:
            errors.append(required(_child(mount_path, "name")))
        if name not in volumes:
            errors.append(not_found(_child(mount_path, "name"), name))
        if not target:
            errors.append(required(_child(mount_path, "mountPath")))
        if target in mount_points:
            errors.append(invalid(_child(mount_path, "mountPath"), target, "must be unique"))
        mount_points.add(target)
        sub_path = _text(mount.get("subPath"))
        if sub_path:
            errors += _validate_local_path(sub_path, _child(path, "subPath"))
    return errors


def _validate_probes(container: dict, path: str) -> Errors:
    errors: Errors = []
    for probe_name in PROBES:
        probe = container.get(probe_name)
        if probe is None:
            continue
        probe, probe_path = _map(probe), _child(path, probe_name)
        errors += validate_probe(probe, probe_path)
        if probe_name != "readinessProbe" and probe.get("successThreshold") != 1:
            errors.append(invalid(_child(probe_path, "successThreshold"), probe.get("successThreshold"), "must be 1"))
        if probe_name == "readinessProbe" and probe.get("terminationGracePeriodSeconds") is not None:
            errors.append(invalid(
                _child(probe_path, "terminationGracePeriodSeconds"),
                probe["terminationGracePeriodSeconds"], "must not be set for readinessProbes",
            ))
    return errors


def validate_probe(probe: dict, path: str) -> Errors:
    errors = _validate_handler(probe, PROBE_HANDLERS, path)
    for field_name in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        errors += validate_nonnegative(probe.get(field_name), _child(path, field_name))
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is not None and (not _is_int(grace) or grace <= 0):
        errors.append(invalid(_child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    return errors


def _validate_lifecycle(lifecycle: Any, path: str) -> Errors:
    errors: Errors = []
    for hook in ("postStart", "preStop"):
        handler = _map(lifecycle).get(hook)
        if handler is not None:
            errors += _validate_handler(_map(handler), LIFECYCLE_HANDLERS, _child(path, hook))
    return errors


def _validate_handler(handler: dict, kinds: tuple[str, ...], path: str) -> Errors:
    """Exactly one way to probe or hook: exec, httpGet, tcpSocket, grpc (or sleep for hooks)."""
    present = [kind for kind in kinds if handler.get(kind) is not None]
    if not present:
        return [required(path, "must specify a handler type")]
    errors = [forbidden(_child(path, kind), "may not specify more than 1 handler type") for kind in present[1:]]
    kind, action, action_path = present[0], _map(handler.get(present[0])), _child(path, present[0])
    if kind == "exec" and not _seq(action.get("command")):
        errors.append(required(_child(action_path, "command")))
    if kind == "httpGet":
        errors += _validate_http_get(action, action_path)
    if kind == "tcpSocket":
        errors += validate_port_num_or_name(action.get("port"), _child(action_path, "port"))
    if kind == "grpc":
        errors += _messages(_child(action_path, "port"), action.get("port"), is_valid_port_num(action.get("port")))
    return errors


def _validate_http_get(action: dict, path: str) -> Errors:
    errors = [] if _text(action.get("path")) else [required(_child(path, "path"))]
    errors += validate_port_num_or_name(action.get("port"), _child(path, "port"))
    if action.get("scheme") not in ("HTTP", "HTTPS"):
        errors.append(not_supported(_child(path, "scheme"), action.get("scheme"), ["HTTP", "HTTPS"]))
    return errors


def validate_port_num_or_name(port: Any, path: str) -> Errors:
    if isinstance(port, str):
        return _messages(path, port, is_valid_port_name(port))
    return _messages(path, port if port is not None else 0, is_valid_port_num(port if port is not None else 0))


def validate_tolerations(tolerations: Any, path: str) -> Errors:
    errors: Errors = []
    for i, toleration in enumerate(map(_map, _seq(tolerations))):
        toleration_path = _index(path, i)
        key, operator = _text(toleration.get("key")), toleration.get("operator") or ""
        value, effect = _text(toleration.get("value")), toleration.get("effect") or ""
        if key:
            errors += validate_qualified_name(key, _child(toleration_path, "key"))
        if not key and operator != "Exists":
            errors.append(invalid(
                _child(toleration_path, "operator"), operator,
                'operator must be Exists when `key` is empty, which means "match all values and all keys"',
            ))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            errors.append(invalid(_child(toleration_path, "effect"), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if operator in ("Equal", ""):
            messages = is_valid_label_value(value)
            if messages:
                errors.append(invalid(_child(toleration_path, "operator"), value, ";".join(messages)))
        elif operator == "Exists":
            if value:
                errors.append(invalid(_child(toleration_path, "operator"), toleration, "value must be empty when `operator` is 'Exists'"))
        else:
            errors.append(not_supported(_child(toleration_path, "operator"), operator, ["Equal", "Exists"]))
        if effect and effect not in TAINT_EFFECTS:
            errors.append(not_supported(_child(toleration_path, "effect"), effect, TAINT_EFFECTS))
    return errors


def validate_pod_template(template: Any, path: str) -> Errors:
    """ValidatePodTemplateSpec. Its labels are reported at `template.labels`, as Kubernetes does."""
    if not isinstance(template, dict):
        return [required(path)]
    metadata = _map(template.get("metadata"))
    errors = validate_labels(metadata.get("labels"), _child(path, "labels"))
    errors += validate_annotations(metadata.get("annotations"), _child(path, "annotations"))
    errors += validate_pod_spec(_map(template.get("spec")), _child(path, "spec"), is_pod=False)
    if _seq(_map(template.get("spec")).get("ephemeralContainers")):
        errors.append(forbidden(_child(path, "spec", "ephemeralContainers"), "ephemeral containers not allowed in pod template"))
    return errors


def _template_labels(spec: dict) -> dict:
    return _map(_map(_map(spec.get("template")).get("metadata")).get("labels"))


# --- Pod ----------------------------------------------------------------------------------------

POD_UPDATABLE_FIELDS = ",".join((
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
))


def validate_pod(pod: dict) -> Errors:
    spec = _spec(pod)
    errors = validate_pod_spec(spec, "spec", is_pod=True)
    for list_name in ("containers", "initContainers"):
        for i, container in enumerate(map(_map, _seq(spec.get(list_name)))):
            image = _text(container.get("image"))
            if image != image.strip():
                image_path = _child(_index(_child("spec", list_name), i), "image")
                errors.append(invalid(image_path, image, "must not have leading or trailing whitespace"))
    return errors


def validate_pod_update(pod: dict, old: dict) -> Errors:
    """ValidatePodUpdate: a Pod's spec is fixed once created, except for a few fields."""
    errors = validate_pod(pod)
    new_spec, old_spec = _spec(pod), _spec(old)
    for list_name in ("containers", "initContainers"):
        if len(_seq(new_spec.get(list_name))) != len(_seq(old_spec.get(list_name))):
            return errors + [forbidden(_child("spec", list_name), "pod updates may not add or remove containers")]
    deadline_errors = _validate_active_deadline_update(new_spec, old_spec)
    if deadline_errors:
        return errors + deadline_errors
    errors += _validate_only_added_tolerations(new_spec, old_spec)
    munged = _munged_pod_spec(new_spec, old_spec)
    if munged != old_spec:
        detail = f"pod updates may not change fields other than {POD_UPDATABLE_FIELDS}\n{_diff(old_spec, munged, 'spec')}"
        errors.append(forbidden("spec", detail))
    return errors


def _validate_active_deadline_update(new_spec: dict, old_spec: dict) -> Errors:
    new, old, path = new_spec.get("activeDeadlineSeconds"), old_spec.get("activeDeadlineSeconds"), "spec.activeDeadlineSeconds"
    if new is None:
        return [] if old is None else [invalid(path, None, "must not update from a positive integer to nil value")]
    if not _is_int(new) or not 0 <= new <= MAX_INT32:
        return [invalid(path, new, inclusive_range_error(0, MAX_INT32))]
    if _is_int(old) and old < new:
        return [invalid(path, new, "must be less than or equal to previous value")]
    return []


def _validate_only_added_tolerations(new_spec: dict, old_spec: dict) -> Errors:
    new_tolerations = [_map(t) for t in _seq(new_spec.get("tolerations"))]
    for old in map(_map, _seq(old_spec.get("tolerations"))):
        # tolerationSeconds may change; anything else about an existing toleration may not
        if not any(_same_toleration(old, new) for new in new_tolerations):
            return [forbidden("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds")]
    return []


def _same_toleration(old: dict, new: dict) -> bool:
    seconds = new.get("tolerationSeconds")
    return {**old, "tolerationSeconds": seconds} == {**new, "tolerationSeconds": seconds}


def _munged_pod_spec(new_spec: dict, old_spec: dict) -> dict:
    """The new spec with every field a Pod update may change set back to its old value."""
    munged = json.loads(json.dumps(new_spec))
    for list_name in ("containers", "initContainers"):
        for container, old_container in zip(_seq(munged.get(list_name)), _seq(old_spec.get(list_name))):
            if isinstance(container, dict) and isinstance(old_container, dict):
                _restore(container, old_container, "image")
    for field_name in ("activeDeadlineSeconds", "tolerations"):
        _restore(munged, old_spec, field_name)
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if _is_int(old_grace) and old_grace < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


def _restore(target: dict, source: dict, key: str) -> None:
    if key in source:
        target[key] = source[key]
    else:
        target.pop(key, None)


def _diff(old: Any, new: Any, path: str) -> str:
    """A short account of what changed, standing in for the Go cmp.Diff Kubernetes appends."""
    lines: list[str] = []
    _collect_diff(old, new, path, lines)
    return "\n".join(lines[:20])


def _collect_diff(old: Any, new: Any, path: str, lines: list[str]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            _collect_diff(old.get(key), new.get(key), _child(path, key), lines)
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (old_item, new_item) in enumerate(zip(old, new)):
            _collect_diff(old_item, new_item, _index(path, i), lines)
    elif old != new:
        lines.append(f"  {path}: {json.dumps(old)} -> {json.dumps(new)}")


# --- apps: ReplicaSet, Deployment, StatefulSet, DaemonSet ---------------------------------------


def _validate_selector_required(spec: dict, kind: str) -> Errors:
    """Deployments, ReplicaSets and StatefulSets must say which pods they own."""
    selector = spec.get("selector")
    if selector is None:
        return [required("spec.selector")]
    errors = validate_label_selector(selector, "spec.selector")
    if _selects_nothing_or_all(selector):
        errors.append(invalid("spec.selector", selector, f"empty selector is invalid for {kind}"))
    return errors


def _validate_template_matches(spec: dict, *, invalid_detail: str | None) -> Errors:
    """The selector must select the pods the template makes."""
    try:
        selector = label_selector_as_selector(spec.get("selector"))
    except ValueError:
        return [] if invalid_detail is None else [invalid("spec.selector", spec.get("selector"), invalid_detail)]
    if not selector.empty and not selector.matches(_template_labels(spec)):
        return [invalid("spec.template.metadata.labels", _template_labels(spec), "`selector` does not match template `labels`")]
    return []


def _validate_template_for_replicas(spec: dict, kind: str) -> Errors:
    """ValidatePodTemplateSpecForReplicaSet: a template for pods that run for ever."""
    errors = validate_pod_template(spec.get("template"), "spec.template")
    template_spec = _map(_map(spec.get("template")).get("spec"))
    restart_policy = template_spec.get("restartPolicy")
    if restart_policy != "Always":
        errors.append(not_supported("spec.template.spec.restartPolicy", restart_policy, ["Always"]))
    if template_spec.get("activeDeadlineSeconds") is not None:
        errors.append(forbidden("spec.template.spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind} is not Supported"))
    return errors


def validate_replica_set(replica_set: dict) -> Errors:
    spec = _spec(replica_set)
    errors = validate_nonnegative(spec.get("replicas"), "spec.replicas")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    # Kubernetes says "deployment" here too
    errors += _validate_selector_required(spec, "deployment")
    errors += _validate_template_matches(spec, invalid_detail="invalid label selector")
    return errors + _validate_template_for_replicas(spec, "ReplicaSet")


def validate_deployment(deployment: dict) -> Errors:
    spec = _spec(deployment)
    errors = validate_nonnegative(spec.get("replicas"), "spec.replicas")
    errors += _validate_selector_required(spec, "deployment")
    errors += _validate_template_matches(spec, invalid_detail="invalid label selector")
    errors += _validate_template_for_replicas(spec, "ReplicaSet")
    errors += validate_deployment_strategy(_map(spec.get("strategy")), "spec.strategy")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += validate_nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    return errors + _validate_progress_deadline(spec)


def _validate_progress_deadline(spec: dict) -> Errors:
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is None:
        return []
    errors = validate_nonnegative(deadline, "spec.progressDeadlineSeconds")
    min_ready = spec.get("minReadySeconds") or 0
    if _is_int(deadline) and _is_int(min_ready) and deadline <= min_ready:
        errors.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return errors


def validate_deployment_strategy(strategy: dict, path: str) -> Errors:
    strategy_type = strategy.get("type")
    if strategy_type == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [forbidden(_child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if strategy_type == "RollingUpdate":
        rolling_update = strategy.get("rollingUpdate")
        if rolling_update is None:
            return [required(_child(path, "rollingUpdate"), "this should be defaulted and never be nil")]
        return _validate_rolling_update_deployment(_map(rolling_update), _child(path, "rollingUpdate"))
    return [not_supported(path, strategy, ["Recreate", "RollingUpdate"])]


def _validate_rolling_update_deployment(rolling_update: dict, path: str) -> Errors:
    max_unavailable, max_surge = rolling_update.get("maxUnavailable"), rolling_update.get("maxSurge")
    unavailable_path = _child(path, "maxUnavailable")
    errors = validate_positive_int_or_percent(max_unavailable, unavailable_path)
    errors += validate_positive_int_or_percent(max_surge, _child(path, "maxSurge"))
    if int_or_percent_value(max_unavailable) == 0 and int_or_percent_value(max_surge) == 0:
        errors.append(invalid(unavailable_path, max_unavailable, "may not be 0 when `maxSurge` is 0"))
    return errors + is_not_more_than_100_percent(max_unavailable, unavailable_path)


def validate_positive_int_or_percent(value: Any, path: str) -> Errors:
    if isinstance(value, str):
        return _messages(path, value, is_valid_percent(value))
    if _is_int(value) or value is None:
        return validate_nonnegative(value, path)
    return [invalid(path, value, "must be an integer or percentage (e.g '5%')")]


def _percent(value: Any) -> int | None:
    if isinstance(value, str) and not is_valid_percent(value):
        return int(value[:-1])
    return None


def int_or_percent_value(value: Any) -> int:
    """getIntOrPercentValue: the number in "25%" or 25; a bad string counts as its Atoi (0)."""
    percent = _percent(value)
    if percent is not None:
        return percent
    if _is_int(value):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value):
        return int(value)
    return 0


def is_not_more_than_100_percent(value: Any, path: str) -> Errors:
    percent = _percent(value)
    return [invalid(path, value, "must not be greater than 100%")] if percent is not None and percent > 100 else []


def validate_stateful_set(stateful_set: dict) -> Errors:
    spec = _spec(stateful_set)
    errors = _validate_pod_management_policy(spec.get("podManagementPolicy"))
    errors += _validate_stateful_set_strategy(_map(spec.get("updateStrategy")))
    errors += _validate_claim_retention_policy(spec.get("persistentVolumeClaimRetentionPolicy"))
    errors += validate_nonnegative(spec.get("replicas"), "spec.replicas")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += validate_nonnegative(_map(spec.get("ordinals")).get("start"), "spec.ordinals.start")
    errors += _validate_selector_required(spec, "statefulset")
    errors += _validate_template_matches(spec, invalid_detail="")
    # Like Kubernetes, only the template's metadata is checked here (the TODO in
    # ValidatePodTemplateSpecForStatefulSet): a bad pod spec fails when the pods are created
    template_metadata = _map(_map(spec.get("template")).get("metadata"))
    errors += validate_labels(template_metadata.get("labels"), "spec.template.labels")
    errors += validate_annotations(template_metadata.get("annotations"), "spec.template.annotations")
    template_spec = _map(_map(spec.get("template")).get("spec"))
    if template_spec.get("restartPolicy") != "Always":
        errors.append(not_supported("spec.template.spec.restartPolicy", template_spec.get("restartPolicy"), ["Always"]))
    if template_spec.get("activeDeadlineSeconds") is not None:
        errors.append(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"))
    return errors


def _validate_pod_management_policy(policy: Any) -> Errors:
    if policy in (None, ""):
        return [required("spec.podManagementPolicy")]
    if policy not in ("OrderedReady", "Parallel"):
        return [invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'")]
    return []


def _validate_stateful_set_strategy(strategy: dict) -> Errors:
    path, strategy_type = "spec.updateStrategy", strategy.get("type")
    rolling_update = strategy.get("rollingUpdate")
    if strategy_type in (None, ""):
        return [required(path)]
    if strategy_type == "OnDelete":
        if rolling_update is not None:
            return [invalid(_child(path, "rollingUpdate"), rolling_update, "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if strategy_type != "RollingUpdate":
        return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
    if rolling_update is None:
        return []
    rolling_update = _map(rolling_update)
    errors = validate_nonnegative(rolling_update.get("partition"), _child(path, "rollingUpdate", "partition"))
    max_unavailable = rolling_update.get("maxUnavailable")
    if max_unavailable is not None:
        unavailable_path = _child(path, "rollingUpdate", "maxUnavailable")
        errors += validate_positive_int_or_percent(max_unavailable, unavailable_path)
        if int_or_percent_value(max_unavailable) == 0:
            errors.append(invalid(unavailable_path, max_unavailable, "cannot be 0"))
        errors += is_not_more_than_100_percent(max_unavailable, unavailable_path)
    return errors


def _validate_claim_retention_policy(policy: Any) -> Errors:
    errors: Errors = []
    path = "spec.persistentVolumeClaimRetentionPolicy"
    for field_name in ("whenDeleted", "whenScaled"):
        value = _map(policy).get(field_name)
        if policy is not None and value not in ("Retain", "Delete"):
            errors.append(not_supported(_child(path, field_name), value, ["Retain", "Delete"]))
    return errors


STATEFUL_SET_UPDATABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def validate_stateful_set_update(stateful_set: dict, old: dict) -> Errors:
    errors = validate_stateful_set(stateful_set)
    new_spec, old_spec = dict(_spec(stateful_set)), dict(_spec(old))
    for field_name in STATEFUL_SET_UPDATABLE:
        new_spec.pop(field_name, None)
        old_spec.pop(field_name, None)
    if new_spec != old_spec:
        errors.append(forbidden("spec", (
            "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
            "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
        )))
    return errors


def validate_daemon_set(daemon_set: dict) -> Errors:
    spec = _spec(daemon_set)
    errors = validate_label_selector(spec.get("selector"), "spec.selector")
    # A DaemonSet's missing selector selects nothing, so Kubernetes reports the mismatch
    errors += _validate_template_matches(spec, invalid_detail=None) if spec.get("selector") is not None else [
        invalid("spec.template.metadata.labels", _template_labels(spec), "`selector` does not match template `labels`")
    ]
    if spec.get("selector") is not None and _selects_nothing_or_all(spec.get("selector")):
        errors.append(invalid("spec.selector", spec.get("selector"), "empty selector is invalid for daemonset"))
    errors += validate_pod_template(spec.get("template"), "spec.template")
    template_spec = _map(_map(spec.get("template")).get("spec"))
    if template_spec.get("restartPolicy") != "Always":
        errors.append(not_supported("spec.template.spec.restartPolicy", template_spec.get("restartPolicy"), ["Always"]))
    if template_spec.get("activeDeadlineSeconds") is not None:
        errors.append(forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"))
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += _validate_daemon_set_strategy(_map(spec.get("updateStrategy")), "spec.updateStrategy")
    return errors + validate_nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")


def _validate_daemon_set_strategy(strategy: dict, path: str) -> Errors:
    strategy_type = strategy.get("type")
    if strategy_type == "OnDelete":
        return []
    if strategy_type != "RollingUpdate":
        return [not_supported(path, strategy, ["RollingUpdate", "OnDelete"])]
    if strategy.get("rollingUpdate") is None:
        return [required(_child(path, "rollingUpdate"))]
    rolling_update, path = _map(strategy["rollingUpdate"]), _child(path, "rollingUpdate")
    max_unavailable, max_surge = rolling_update.get("maxUnavailable"), rolling_update.get("maxSurge")
    errors = validate_positive_int_or_percent(max_unavailable, _child(path, "maxUnavailable"))
    errors += validate_positive_int_or_percent(max_surge, _child(path, "maxSurge"))
    errors += is_not_more_than_100_percent(max_unavailable, _child(path, "maxUnavailable"))
    errors += is_not_more_than_100_percent(max_surge, _child(path, "maxSurge"))
    has_unavailable, has_surge = int_or_percent_value(max_unavailable) != 0, int_or_percent_value(max_surge) != 0
    if has_unavailable and has_surge:
        errors.append(invalid(_child(path, "maxSurge"), max_surge, "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errors.append(required(_child(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    return errors


def _with_immutable_selector(validate_spec: Callable[[dict], Errors]) -> Callable[[dict, dict], Errors]:
    """apps/v1 update strategies: everything is re-validated and spec.selector may not change."""

    def validate_update(obj: dict, old: dict) -> Errors:
        return validate_spec(obj) + validate_immutable(_spec(obj).get("selector"), _spec(old).get("selector"), "spec.selector")

    return validate_update


# --- batch: Job ---------------------------------------------------------------------------------


def validate_job(job: dict) -> Errors:
    spec = _spec(job)
    errors: Errors = []
    for field_name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        errors += validate_nonnegative(spec.get(field_name), _child("spec", field_name))
    errors += _validate_completion_mode(spec)
    errors += _validate_job_selector(job, spec)
    errors += validate_pod_template(spec.get("template"), "spec.template")
    restart_policy = _map(_map(spec.get("template")).get("spec")).get("restartPolicy")
    if restart_policy not in ("OnFailure", "Never"):
        errors.append(not_supported("spec.template.spec.restartPolicy", restart_policy, ["OnFailure", "Never"]))
    return errors


def _validate_completion_mode(spec: dict) -> Errors:
    mode = spec.get("completionMode")
    if mode is None:
        return []
    if mode not in ("NonIndexed", "Indexed"):
        return [not_supported("spec.completionMode", mode, ["NonIndexed", "Indexed"])]
    if mode == "Indexed" and spec.get("completions") is None:
        return [required("spec.completions", "when completion mode is Indexed")]
    return []


def _validate_job_selector(job: dict, spec: dict) -> Errors:
    selector = spec.get("selector")
    if selector is None:
        if spec.get("manualSelector") is not True and not _meta(job).get("uid"):
            return []  # generated from the uid when the store creates the Job
        return [required("spec.selector")]
    errors = validate_label_selector(selector, "spec.selector")
    try:
        parsed = label_selector_as_selector(selector)
    except ValueError:
        return errors
    if parsed.empty:
        errors.append(required("spec.selector"))
    if not parsed.matches(_template_labels(spec)):
        errors.append(invalid("spec.template.metadata.labels", _template_labels(spec), "`selector` does not match template `labels`"))
    return errors


def validate_job_update(job: dict, old: dict) -> Errors:
    errors = validate_job(job)
    spec, old_spec = _spec(job), _spec(old)
    for field_name in ("selector", "template", "completionMode", "podFailurePolicy", "backoffLimitPerIndex"):
        errors += validate_immutable(spec.get(field_name), old_spec.get(field_name), _child("spec", field_name))
    # completions may follow parallelism in an Indexed Job (elastic indexed jobs)
    elastic = spec.get("completionMode") == "Indexed" and spec.get("completions") == spec.get("parallelism")
    if not elastic:
        errors += validate_immutable(spec.get("completions"), old_spec.get("completions"), "spec.completions")
    return errors


# --- Service ------------------------------------------------------------------------------------

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
SESSION_AFFINITIES = ["ClientIP", "None"]


def validate_service(service: dict) -> Errors:
    spec = _spec(service)
    service_type = spec.get("type")
    headless = spec.get("clusterIP") == "None"
    ports = [_map(p) for p in _seq(spec.get("ports"))]
    errors: Errors = []
    if not ports and not headless and service_type != "ExternalName":
        errors.append(required("spec.ports"))
    if service_type == "ExternalName":
        errors += _validate_external_name(spec)
    names: set[str] = set()
    for i, port in enumerate(ports):
        errors += _validate_service_port(port, _index("spec.ports", i), require_name=len(ports) > 1, names=names)
    if spec.get("selector") is not None:
        errors += validate_labels(spec.get("selector"), "spec.selector")
    errors += _validate_session_affinity(spec)
    errors += _validate_cluster_ip(spec)
    if service_type in (None, ""):
        errors.append(required("spec.type"))
    elif service_type not in SERVICE_TYPES:
        errors.append(not_supported("spec.type", service_type, SERVICE_TYPES))
    errors += _validate_node_ports(spec, ports)
    errors += _validate_duplicate_service_ports(ports)
    return errors + _validate_traffic_policies(spec)


def _validate_external_name(spec: dict) -> Errors:
    name = _text(spec.get("externalName")).removesuffix(".")
    if not name:
        return [required("spec.externalName")]
    return _messages("spec.externalName", name, is_dns1123_subdomain(name))


def _validate_service_port(port: dict, path: str, *, require_name: bool, names: set[str]) -> Errors:
    errors: Errors = []
    name = _text(port.get("name"))
    if require_name and not name:
        errors.append(required(_child(path, "name")))
    elif name:
        errors += validate_dns1123_label(name, _child(path, "name"))
        if name in names:
            errors.append(duplicate(_child(path, "name"), name))
        names.add(name)
    errors += _messages(_child(path, "port"), port.get("port"), is_valid_port_num(port.get("port")))
    errors += _validate_one_of(port.get("protocol"), PORT_PROTOCOLS, _child(path, "protocol"))
    errors += validate_port_num_or_name(port.get("targetPort"), _child(path, "targetPort"))
    if port.get("appProtocol") is not None:
        errors += validate_qualified_name(_text(port.get("appProtocol")), _child(path, "appProtocol"))
    return errors


def _validate_session_affinity(spec: dict) -> Errors:
    affinity = spec.get("sessionAffinity")
    errors = _validate_one_of(affinity, SESSION_AFFINITIES, "spec.sessionAffinity")
    if affinity == "None" and spec.get("sessionAffinityConfig") is not None:
        errors.append(forbidden("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    return errors


def _validate_cluster_ip(spec: dict) -> Errors:
    cluster_ip = _text(spec.get("clusterIP"))
    if cluster_ip in ("", "None"):
        return []
    return _messages("spec.clusterIP", cluster_ip, is_valid_ip(cluster_ip))


def _validate_node_ports(spec: dict, ports: list[dict]) -> Errors:
    errors: Errors = []
    seen: set[tuple[Any, Any]] = set()
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(ports):
        node_port, path = port.get("nodePort"), _child(_index("spec.ports", i), "nodePort")
        if node_port in (None, 0):
            continue
        if spec.get("type") == "ClusterIP":
            errors.append(forbidden(path, "may not be used when `type` is 'ClusterIP'"))
        elif spec.get("type") in ("NodePort", "LoadBalancer") and not (_is_int(node_port) and low <= node_port <= high):
            # the node-port allocator's message
            errors.append(invalid(path, node_port, f"provided port is not in the valid range. The range of valid ports is {low}-{high}"))
        key = (port.get("protocol"), node_port)
        if key in seen:
            errors.append(duplicate(path, node_port))
        seen.add(key)
    return errors


def _validate_duplicate_service_ports(ports: list[dict]) -> Errors:
    errors: Errors = []
    seen: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        key = (port.get("protocol"), port.get("port"))
        if key in seen:
            errors.append(duplicate(_index("spec.ports", i), {"port": port.get("port"), "protocol": port.get("protocol")}))
        seen.add(key)
    return errors


def _validate_traffic_policies(spec: dict) -> Errors:
    errors: Errors = []
    external = spec.get("externalTrafficPolicy")
    accessible = spec.get("type") in ("LoadBalancer", "NodePort") or (spec.get("type") == "ClusterIP" and bool(spec.get("externalIPs")))
    if not accessible and external not in (None, ""):
        errors.append(invalid("spec.externalTrafficPolicy", external, "may only be set for externally-accessible services"))
    elif accessible:
        errors += _validate_one_of(external, ["Cluster", "Local"], "spec.externalTrafficPolicy")
    internal = spec.get("internalTrafficPolicy")
    if spec.get("type") in ("ClusterIP", "NodePort", "LoadBalancer"):
        errors += _validate_one_of(internal, ["Cluster", "Local"], "spec.internalTrafficPolicy")
    return errors


def validate_service_update(service: dict, old: dict) -> Errors:
    errors = validate_service(service)
    spec, old_spec = _spec(service), _spec(old)
    new_ip, old_ip = _text(spec.get("clusterIP")), _text(old_spec.get("clusterIP"))
    # An update that leaves clusterIP out keeps the allocated one (the registry copies it over)
    if "ExternalName" not in (spec.get("type"), old_spec.get("type")) and old_ip and new_ip:
        errors += validate_immutable(new_ip, old_ip, "spec.clusterIP")
    return errors


# --- ConfigMap and Secret -----------------------------------------------------------------------


def validate_config_map(config_map: dict) -> Errors:
    errors: Errors = []
    data, binary_data = _map(config_map.get("data")), _map(config_map.get("binaryData"))
    total = 0
    for key, value in data.items():
        errors += _messages(_key("data", key), key, is_config_map_key(key))
        if key in binary_data:
            errors.append(invalid(_key("data", key), key, "duplicate of key present in binaryData"))
        if isinstance(value, str):
            total += _size(value)
        else:
            errors.append(invalid(_key("data", key), value, "must be a string"))
    for key, value in binary_data.items():
        errors += _messages(_key("binaryData", key), key, is_config_map_key(key))
        decoded = _decode_base64(value, _key("binaryData", key), errors)
        total += len(decoded or b"")
    if total > MAX_SECRET_SIZE:
        errors.append(too_long("", MAX_SECRET_SIZE))  # "" is the whole object, as in Kubernetes
    return errors


def _decode_base64(value: Any, path: str, errors: Errors) -> bytes | None:
    """[]byte fields arrive base64-encoded; Go's decoder rejects what this rejects."""
    if not isinstance(value, str):
        errors.append(invalid(path, SECRET_REDACTED, "must be a base64-encoded string"))
        return None
    position = go_base64_error(value)
    if position is not None:
        errors.append(invalid(path, SECRET_REDACTED, f"illegal base64 data at input byte {position}"))
        return None
    return binascii.a2b_base64(value.replace("\r", "").replace("\n", ""))


_BASE64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def go_base64_error(text: str) -> int | None:
    """The byte offset encoding/base64.StdEncoding reports as corrupt, or None if it decodes."""
    data, si, n = text.encode(), 0, len(text.encode())
    while si < n:
        quantum = 0
        while quantum < 4:
            while si < n and data[si] in b"\r\n":
                si += 1
            if si == n:
                return None if quantum == 0 else si - quantum
            char = data[si]
            si += 1
            if char in _BASE64_ALPHABET:
                quantum += 1
                continue
            if char != ord("=") or quantum < 2:
                return si - 1
            return _check_padding(data, si, quantum)
    return None


def _check_padding(data: bytes, si: int, quantum: int) -> int | None:
    """After a '=' at `quantum` (2 or 3): the rest must be the padding and newlines only."""
    n = len(data)
    if quantum == 2:
        while si < n and data[si] in b"\r\n":
            si += 1
        if si == n:
            return n
        if data[si] != ord("="):
            return si - 1
        si += 1
    while si < n and data[si] in b"\r\n":
        si += 1
    return si if si < n else None


SECRET_REQUIRED_KEYS = {
    "kubernetes.io/tls": ("tls.crt", "tls.key"),
    "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
    "kubernetes.io/dockercfg": (".dockercfg",),
}


def validate_secret(secret: dict) -> Errors:
    errors: Errors = []
    data = _map(secret.get("data"))
    decoded: dict[str, bytes] = {}
    total = 0
    for key, value in data.items():
        errors += _messages(_key("data", key), key, is_config_map_key(key))
        raw = _decode_base64(value, _key("data", key), errors)
        if raw is not None:
            decoded[key] = raw
            total += len(raw)
    for key in _map(secret.get("stringData")):
        errors += _messages(_key("data", key), key, is_config_map_key(key))
    if total > MAX_SECRET_SIZE:
        errors.append(too_long("data", MAX_SECRET_SIZE))
    return errors + _validate_secret_type(secret, data, decoded)


def _validate_secret_type(secret: dict, data: dict, decoded: dict[str, bytes]) -> Errors:
    secret_type = secret.get("type")
    if secret_type == "kubernetes.io/service-account-token":
        if not _text(_map(_meta(secret).get("annotations")).get("kubernetes.io/service-account.name")):
            return [required("metadata.annotations[kubernetes.io/service-account.name]")]
        return []
    if secret_type == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        return [required("data[username]"), required("data[password]")]
    if secret_type == "kubernetes.io/ssh-auth" and not decoded.get("ssh-privatekey"):
        return [required("data[ssh-privatekey]")]
    errors = [required(_key("data", key)) for key in SECRET_REQUIRED_KEYS.get(secret_type, ()) if key not in data]
    if secret_type in ("kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg") and not errors:
        key = SECRET_REQUIRED_KEYS[secret_type][0]
        errors += _validate_json(decoded.get(key), _key("data", key))
    return errors


def _validate_json(content: bytes | None, path: str) -> Errors:
    if content is None:
        return []  # undecodable: already reported
    if not content.strip():
        return [invalid(path, SECRET_REDACTED, "unexpected end of JSON input")]
    try:
        parsed = json.loads(content)
    except (ValueError, UnicodeDecodeError) as error:
        return [invalid(path, SECRET_REDACTED, str(error))]
    if not isinstance(parsed, dict):
        detail = f"json: cannot unmarshal {type(parsed).__name__} into Go value of type map[string]interface {{}}"
        return [invalid(path, SECRET_REDACTED, detail)]
    return []


def _validate_immutable_data(obj: dict, old: dict, data_fields: tuple[str, ...]) -> Errors:
    """An object stored with `immutable: true` keeps its data, and the flag, for ever."""
    if old.get("immutable") is not True:
        return []
    errors = [] if obj.get("immutable") is True else [forbidden("immutable", IMMUTABLE_WHEN_SET)]
    for field_name in data_fields:
        if obj.get(field_name) != old.get(field_name):
            errors.append(forbidden(field_name, IMMUTABLE_WHEN_SET))
    return errors


def validate_config_map_update(config_map: dict, old: dict) -> Errors:
    return _validate_immutable_data(config_map, old, ("data", "binaryData")) + validate_config_map(config_map)


def validate_secret_update(secret: dict, old: dict) -> Errors:
    errors = validate_immutable(secret.get("type"), old.get("type"), "type")
    return errors + _validate_immutable_data(secret, old, ("data",)) + validate_secret(secret)


# --- storage: PersistentVolumeClaim, PersistentVolume, StorageClass -----------------------------

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]
VOLUME_MODES = ["Block", "Filesystem"]
RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"]


def validate_claim_spec(spec: dict, path: str) -> Errors:
    access_modes = _seq(spec.get("accessModes"))
    errors: Errors = []
    if not access_modes:
        errors.append(required(_child(path, "accessModes"), "at least 1 access mode is required"))
    if spec.get("selector") is not None:
        errors += validate_label_selector(spec.get("selector"), _child(path, "selector"))
    for mode in access_modes:
        if mode not in ACCESS_MODES:
            errors.append(not_supported(_child(path, "accessModes"), mode, ACCESS_MODES))
    if "ReadWriteOncePod" in access_modes and any(m in ACCESS_MODES and m != "ReadWriteOncePod" for m in access_modes):
        errors.append(forbidden(_child(path, "accessModes"), "may not use ReadWriteOncePod with other access modes"))
    errors += _validate_storage_request(_map(_map(spec.get("resources")).get("requests")), _key(_child(path, "resources"), "storage"))
    class_name = _text(spec.get("storageClassName"))
    if class_name:
        errors += _messages(_child(path, "storageClassName"), class_name, is_dns1123_subdomain(class_name))
    if spec.get("volumeMode") is not None and spec.get("volumeMode") not in VOLUME_MODES:
        errors.append(not_supported(_child(path, "volumeMode"), spec.get("volumeMode"), VOLUME_MODES))
    return errors


def _validate_storage_request(requests: dict, path: str) -> Errors:
    if "storage" not in requests:
        return [required(path)]
    errors: Errors = []
    size = _quantity(requests["storage"], path, errors)
    if size is not None and size <= 0:
        errors.append(invalid(path, _shown(requests["storage"]), "must be greater than zero"))
    return errors


def validate_persistent_volume_claim(claim: dict) -> Errors:
    return validate_claim_spec(_spec(claim), "spec")


def validate_persistent_volume_claim_update(claim: dict, old: dict) -> Errors:
    errors = validate_persistent_volume_claim(claim)
    new_spec, old_spec = json.loads(json.dumps(_spec(claim))), json.loads(json.dumps(_spec(old)))
    if not old_spec.get("volumeName"):
        _restore(old_spec, new_spec, "volumeName")  # binding sets volumeName once
    if _map(claim.get("status")).get("phase") == "Bound":
        _restore(_map(_map(new_spec.get("resources")).get("requests")), _map(_map(old_spec.get("resources")).get("requests")), "storage")
    _restore(new_spec, old_spec, "volumeAttributesClassName")
    if new_spec != old_spec:
        errors.append(forbidden("spec", (
            "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n"
            + _diff(old_spec, new_spec, "spec")
        )))
    new_size, old_size = _storage_size(_spec(claim)), _storage_size(_spec(old))
    if new_size is not None and old_size is not None and new_size < old_size:
        errors.append(forbidden("spec.resources.requests.storage", "field can not be less than previous value"))
    return errors


def _storage_size(spec: dict) -> Decimal | None:
    try:
        return parse_quantity(_map(_map(spec.get("resources")).get("requests"))["storage"])
    except (KeyError, ValueError):
        return None


def validate_persistent_volume(volume: dict) -> Errors:
    spec = _spec(volume)
    errors: Errors = []
    if not _seq(spec.get("accessModes")):
        errors.append(required("spec.accessModes"))
    for mode in _seq(spec.get("accessModes")):
        if mode not in ACCESS_MODES:
            errors.append(not_supported("spec.accessModes", mode, ACCESS_MODES))
    errors += _validate_capacity(spec.get("capacity"))
    sources = [source for source in VOLUME_SOURCES if spec.get(source) is not None]
    if not sources:
        errors.append(required("spec", "must specify a volume type"))
    errors += [forbidden(_child("spec", source), "may not specify more than 1 volume type") for source in sources[1:]]
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy not in (None, "") and policy not in RECLAIM_POLICIES:
        errors.append(not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES))
    class_name = _text(spec.get("storageClassName"))
    if class_name:
        errors += _messages("spec.storageClassName", class_name, is_dns1123_subdomain(class_name))
    if spec.get("volumeMode") is not None and spec.get("volumeMode") not in VOLUME_MODES:
        errors.append(not_supported("spec.volumeMode", spec.get("volumeMode"), VOLUME_MODES))
    return errors


def _validate_capacity(capacity: Any) -> Errors:
    capacity = _map(capacity)
    if not capacity:
        return [required("spec.capacity")]
    errors: Errors = []
    if "storage" not in capacity or len(capacity) > 1:
        errors.append(not_supported("spec.capacity", capacity, ["storage"]))
    for name, value in capacity.items():
        size = _quantity(value, _key("spec.capacity", name), errors)
        if size is not None and size <= 0:
            errors.append(invalid(_key("spec.capacity", name), _shown(value), "must be greater than zero"))
    return errors


def validate_storage_class(storage_class: dict) -> Errors:
    provisioner = _text(storage_class.get("provisioner"))
    errors = [required("provisioner")] if not provisioner else validate_qualified_name(provisioner.lower(), "provisioner")
    policy = storage_class.get("reclaimPolicy")
    if policy is not None and policy not in ("Delete", "Retain"):
        errors.append(not_supported("reclaimPolicy", policy, ["Delete", "Retain"]))
    errors += _validate_one_of(storage_class.get("volumeBindingMode"), ["Immediate", "WaitForFirstConsumer"], "volumeBindingMode")
    return errors


def validate_storage_class_update(storage_class: dict, old: dict) -> Errors:
    errors = validate_storage_class(storage_class)
    for field_name in ("parameters", "provisioner", "reclaimPolicy"):
        if storage_class.get(field_name) != old.get(field_name):
            errors.append(forbidden(field_name, f"updates to {field_name} are forbidden."))
    return errors + validate_immutable(storage_class.get("volumeBindingMode"), old.get("volumeBindingMode"), "volumeBindingMode")


# --- Namespace, Node, Event and the rest --------------------------------------------------------


def validate_namespace(namespace: dict) -> Errors:
    errors: Errors = []
    for finalizer in _seq(_spec(namespace).get("finalizers")):
        name = _text(finalizer)
        messages = is_qualified_name(name)
        if messages:
            errors += _messages("spec.finalizers", name, messages)
        elif "/" not in name and name != "kubernetes":
            errors.append(invalid("spec.finalizers", name, "name is neither a standard finalizer name nor is it fully qualified"))
    return errors


def validate_node(node: dict) -> Errors:
    spec, status = _spec(node), _map(node.get("status"))
    errors = _validate_taints(spec.get("taints"), "spec.taints")
    for list_name in ("capacity", "allocatable"):
        for name, value in _map(status.get(list_name)).items():
            _validate_quantity_value(value, _key(_child("status", list_name), name), errors)
    return errors


def _validate_taints(taints: Any, path: str) -> Errors:
    errors: Errors = []
    seen: set[tuple[str, str]] = set()
    for i, taint in enumerate(map(_map, _seq(taints))):
        taint_path = _index(path, i)
        key, value, effect = _text(taint.get("key")), _text(taint.get("value")), _text(taint.get("effect"))
        errors += validate_qualified_name(key, _child(taint_path, "key"))
        errors += _messages(_child(taint_path, "value"), value, is_valid_label_value(value))
        errors += _validate_one_of(effect, TAINT_EFFECTS, _child(taint_path, "effect"))
        if (key, effect) in seen:
            error = duplicate(taint_path, taint)
            errors.append(FieldError(error.type, error.field, "taints must be unique by key and effect pair", taint))
        seen.add((key, effect))
    return errors


# --- EndpointSlice (pkg/apis/discovery/validation) ---------------------------------------------

ENDPOINT_SLICE_ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
ENDPOINT_SLICE_PROTOCOLS = ["SCTP", "TCP", "UDP"]
MAX_SLICE_ENDPOINTS, MAX_ENDPOINT_ADDRESSES, MAX_SLICE_PORTS = 1000, 100, 100


def _too_many(path: str, actual: int, maximum: int) -> FieldError:
    return FieldError(TYPE_TOO_MANY, path, f"must have at most {maximum} items", actual)


def validate_endpoint_slice(endpoint_slice: dict, *, address_types: list[str] = ENDPOINT_SLICE_ADDRESS_TYPES) -> Errors:
    address_type = _text(endpoint_slice.get("addressType"))
    errors: Errors = []
    if not address_type:
        errors.append(required("addressType"))
    elif address_type not in address_types:
        errors.append(not_supported("addressType", address_type, address_types))
    errors += _validate_slice_endpoints(_seq(endpoint_slice.get("endpoints")), address_type)
    return errors + _validate_slice_ports(_seq(endpoint_slice.get("ports")))


def validate_endpoint_slice_update(endpoint_slice: dict, old: dict) -> Errors:
    # "IP", deprecated, is kept on slices that already have it
    errors = validate_endpoint_slice(endpoint_slice, address_types=[*ENDPOINT_SLICE_ADDRESS_TYPES, "IP"])
    return errors + validate_immutable(endpoint_slice.get("addressType"), old.get("addressType"), "addressType")


def _validate_slice_endpoints(endpoints: list, address_type: str) -> Errors:
    if len(endpoints) > MAX_SLICE_ENDPOINTS:
        return [_too_many("endpoints", len(endpoints), MAX_SLICE_ENDPOINTS)]
    errors: Errors = []
    for i, endpoint in enumerate(map(_map, endpoints)):
        path = _child(_index("endpoints", i), "addresses")
        addresses = _seq(endpoint.get("addresses"))
        if not addresses:
            errors.append(required(path, "must contain at least 1 address"))
        elif len(addresses) > MAX_ENDPOINT_ADDRESSES:
            errors.append(_too_many(path, len(addresses), MAX_ENDPOINT_ADDRESSES))
        for j, address in enumerate(addresses):
            errors += _validate_slice_address(_text(address), address_type, _index(path, j))
        if isinstance(endpoint.get("hostname"), str):
            errors += validate_dns1123_label(endpoint["hostname"], _child(_index("endpoints", i), "hostname"))
    return errors


def _validate_slice_address(address: str, address_type: str, path: str) -> Errors:
    if address_type == "FQDN":
        return _messages(path, address, is_dns1123_subdomain(address))
    if address_type not in ("IPv4", "IPv6"):
        return []  # unknown types fall through unchecked, as in Kubernetes
    errors: Errors = []
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return [invalid(path, address, f"must be a valid {address_type} address"), invalid(path, address, "must be a valid IP address")]
    if ip.version != (4 if address_type == "IPv4" else 6):
        errors.append(invalid(path, address, f"must be a valid {address_type} address"))
    return errors + _validate_non_special_ip(ip, address, path)


def _validate_non_special_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, address: str, path: str) -> Errors:
    """ValidateNonSpecialIP: an endpoint may not be the unspecified, loopback or link-local address."""
    errors: Errors = []
    if ip.is_unspecified:
        errors.append(invalid(path, address, f"may not be unspecified ({address})"))
    if ip.is_loopback:
        errors.append(invalid(path, address, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if ip.is_link_local:
        errors.append(invalid(path, address, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    if ip in ipaddress.ip_network("224.0.0.0/24") or (ip.version == 6 and ip in ipaddress.ip_network("ff02::/16")):
        errors.append(invalid(path, address, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
    return errors


def _validate_slice_ports(ports: list) -> Errors:
    if len(ports) > MAX_SLICE_PORTS:
        return [_too_many("ports", len(ports), MAX_SLICE_PORTS)]
    errors: Errors = []
    names: set[str] = set()
    for i, port in enumerate(map(_map, ports)):
        path, name = _index("ports", i), _text(port.get("name"))
        if name:
            errors += validate_dns1123_label(name, _child(path, "name"))
        if name in names:
            errors.append(duplicate(_child(path, "name"), name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errors.append(required(_child(path, "protocol")))
        elif protocol not in ENDPOINT_SLICE_PROTOCOLS:
            errors.append(not_supported(_child(path, "protocol"), protocol, ENDPOINT_SLICE_PROTOCOLS))
        if isinstance(port.get("appProtocol"), str):
            errors += _messages(_child(path, "appProtocol"), port["appProtocol"], is_qualified_name(port["appProtocol"]))
    return errors


def validate_event(event: dict) -> Errors:
    """legacyValidateEvent for core/v1 Events."""
    namespace = _text(_meta(event).get("namespace"))
    involved = _map(event.get("involvedObject"))
    involved_namespace = _text(involved.get("namespace"))
    path = "involvedObject.namespace"
    if not event.get("eventTime"):
        if not involved_namespace and namespace not in ("", "default"):
            return [invalid(path, involved_namespace, "does not match event.namespace")]
        if involved_namespace and involved_namespace != namespace:
            return [invalid(path, involved_namespace, "does not match event.namespace")]
        return []
    errors: Errors = []
    if not involved_namespace and namespace not in ("default", "kube-system"):
        errors.append(invalid(path, involved_namespace, "does not match event.namespace"))
    # core/v1 calls the reporting controller "source" in these messages
    reporting_controller = _text(event.get("reportingComponent"))
    if not reporting_controller:
        errors.append(required("source"))
    errors += validate_qualified_name(reporting_controller, "source")
    for field_name in ("reportingInstance", "action", "reason"):
        if not _text(event.get(field_name)):
            errors.append(required(field_name))
    return errors


def _nothing(obj: dict) -> Errors:
    return []


class _Rules:
    """How one kind is checked: its name rule, on create, and on update."""

    def __init__(self, create: Callable[[dict], Errors], update: Callable[[dict, dict], Errors] | None = None,
                 name: NameFn = name_is_dns_subdomain) -> None:
        self.create = create
        self.update = update or (lambda obj, old: create(obj))
        self.name = name


_RULES: dict[str, _Rules] = {
    "Namespace": _Rules(validate_namespace, name=name_is_dns_label),
    "Node": _Rules(validate_node),
    "Pod": _Rules(validate_pod, validate_pod_update),
    "ReplicaSet": _Rules(validate_replica_set, _with_immutable_selector(validate_replica_set)),
    "Deployment": _Rules(validate_deployment, _with_immutable_selector(validate_deployment)),
    "StatefulSet": _Rules(validate_stateful_set, validate_stateful_set_update, name=name_is_dns_label),
    "DaemonSet": _Rules(validate_daemon_set, _with_immutable_selector(validate_daemon_set)),
    "Job": _Rules(validate_job, validate_job_update),
    "Service": _Rules(validate_service, validate_service_update, name=name_is_dns1035_label),
    "Endpoints": _Rules(_nothing),
    "EndpointSlice": _Rules(validate_endpoint_slice, validate_endpoint_slice_update),
    "ConfigMap": _Rules(validate_config_map, validate_config_map_update),
    "Secret": _Rules(validate_secret, validate_secret_update),
    "ServiceAccount": _Rules(_nothing),
    "PersistentVolume": _Rules(validate_persistent_volume),
    "PersistentVolumeClaim": _Rules(validate_persistent_volume_claim, validate_persistent_volume_claim_update),
    "StorageClass": _Rules(validate_storage_class, validate_storage_class_update),
    "Event": _Rules(validate_event),
    "Lease": _Rules(_nothing),
}
