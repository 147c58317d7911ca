"""ObjectMeta, labels and label selectors: the rules every kind shares, before its own.

`validate` (this package's __init__) runs `validate_object_meta` (or `_update`) on every object,
then the kind's rules, which check their selectors, templates' labels and immutable fields with
the helpers here. It follows k8s.io/apimachinery: pkg/api/validation/generic.go (name functions,
ValidateNonnegativeField), pkg/api/validation/objectmeta.go (ObjectMeta, annotations, owner
references, finalizers, ValidateImmutableField), pkg/apis/meta/v1/validation (labels,
LabelSelector) and pkg/labels (LabelSelectorAsSelector and the requirements it builds).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from playground.store.errors import forbidden, invalid, required, too_long

from .field import Errors, as_list, as_map, as_text, child, index, invalid_each, is_int
from .names import byte_size, is_dns1035_label, is_dns1123_label, is_dns1123_subdomain, is_qualified_name, is_valid_label_value

NameFn = Callable[[str, bool], list[str]]  # ValidateNameFunc: (name, prefix) → messages

FIELD_IMMUTABLE = "field is immutable"
IS_NEGATIVE = "must be greater than or equal to 0"
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10)


# --- names and generic fields (apimachinery/pkg/api/validation/generic.go) ----------------------


def _mask_trailing_dash(name: str) -> str:
    """A generateName may end in '-': the random suffix follows it (maskTrailingDash)."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)

def validate_nonnegative(value: Any, path: str) -> Errors:
    return [invalid(path, value, IS_NEGATIVE)] if is_int(value) and value < 0 else []


def validate_immutable(new: Any, old: Any, path: str) -> Errors:
    return [] if new == old else [invalid(path, new, FIELD_IMMUTABLE)]


# --- ObjectMeta (apimachinery/pkg/api/validation/objectmeta.go) ---------------------------------


def validate_object_meta(meta: dict, *, namespaced: bool, name_fn: NameFn, path: str = "metadata") -> Errors:
    errors: Errors = []
    generate_name, name = meta.get("generateName"), meta.get("name")
    if isinstance(generate_name, str) and generate_name:
        errors += invalid_each(child(path, "generateName"), generate_name, name_fn(generate_name, True))
    if isinstance(name, str) and name:
        errors += invalid_each(child(path, "name"), name, name_fn(name, False))
    elif not (isinstance(generate_name, str) and generate_name):
        # with a generateName the store makes up the name before it stores the object
        errors.append(required(child(path, "name"), "name or generateName is required"))
    errors += _validate_meta_namespace(meta, namespaced, path)
    errors += validate_nonnegative(meta.get("generation"), child(path, "generation"))
    return errors + _validate_meta_common(meta, path)


def _validate_meta_namespace(meta: dict, namespaced: bool, path: str) -> Errors:
    namespace = as_text(meta.get("namespace"))
    if namespaced and not namespace:
        return [required(child(path, "namespace"))]
    if namespaced:
        return invalid_each(child(path, "namespace"), namespace, is_dns1123_label(namespace))
    if namespace:
        return [forbidden(child(path, "namespace"), "not allowed on this type")]
    return []


def _validate_meta_common(meta: dict, path: str) -> Errors:
    return (
        validate_labels(meta.get("labels"), child(path, "labels"))
        + validate_annotations(meta.get("annotations"), child(path, "annotations"))
        + validate_owner_references(meta.get("ownerReferences"), child(path, "ownerReferences"))
        + validate_finalizers(meta.get("finalizers"), child(path, "finalizers"))
    )


def validate_object_meta_update(new: dict, old: dict, path: str = "metadata") -> Errors:
    """ValidateObjectMetaUpdate, for the fields the store does not carry over itself."""
    errors: Errors = []
    if old.get("deletionTimestamp"):
        added = sorted(set(map(str, as_list(new.get("finalizers")))) - set(map(str, as_list(old.get("finalizers")))))
        if added:
            shown = "[]string{" + ", ".join(json.dumps(f) for f in added) + "}"
            errors.append(forbidden(
                child(path, "finalizers"),
                f"no new finalizers can be added if the object is being deleted, found new finalizers {shown}",
            ))
    for field_name in ("name", "namespace"):
        errors += validate_immutable(as_text(new.get(field_name)), as_text(old.get(field_name)), child(path, field_name))
    # An update that leaves these out keeps the stored values (rest.BeforeUpdate)
    for field_name in ("uid", "creationTimestamp"):
        if new.get(field_name):
            errors += validate_immutable(new.get(field_name), old.get(field_name), child(path, field_name))
    return errors + _validate_meta_common(new, path)


def validate_labels(labels: Any, path: str) -> Errors:
    errors: Errors = []
    for key, value in as_map(labels).items():
        errors += invalid_each(path, key, is_qualified_name(key))
        if not isinstance(value, str):
            errors.append(invalid(path, value, "must be a string"))
        else:
            errors += invalid_each(path, value, is_valid_label_value(value))
    return errors


def validate_annotations(annotations: Any, path: str) -> Errors:
    errors: Errors = []
    total = 0
    for key, value in as_map(annotations).items():
        # annotation keys are qualified names in which case does not matter
        errors += invalid_each(path, key, is_qualified_name(key.lower()))
        total += byte_size(key) + (byte_size(value) if isinstance(value, str) else 0)
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_owner_references(references: Any, path: str) -> Errors:
    errors: Errors = []
    first_controller = ""
    for reference in map(as_map, as_list(references)):
        api_version = as_text(reference.get("apiVersion"))
        if not api_version.rpartition("/")[2]:
            errors.append(invalid(child(path, "apiVersion"), api_version, "version must not be empty"))
        for field_name in ("kind", "name", "uid"):
            if not as_text(reference.get(field_name)):
                errors.append(invalid(child(path, field_name), as_text(reference.get(field_name)), "must not be empty"))
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
    names = [as_text(f) for f in as_list(finalizers)]
    errors: Errors = []
    for name in names:
        errors += invalid_each(path, name, is_qualified_name(name))
    if "orphan" in names and "foregroundDeletion" in names:
        errors.append(invalid(path, names, "finalizer orphan and foregroundDeletion cannot be both set"))
    return errors


# --- label selectors (apimachinery/pkg/apis/meta/v1/validation, labels) -------------------------

SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_label_selector(selector: Any, path: str) -> Errors:
    if not isinstance(selector, dict):
        return []
    errors = validate_labels(selector.get("matchLabels"), child(path, "matchLabels"))
    for i, requirement in enumerate(as_list(selector.get("matchExpressions"))):
        errors += _validate_selector_requirement(as_map(requirement), index(child(path, "matchExpressions"), i))
    return errors


def _validate_selector_requirement(requirement: dict, path: str) -> Errors:
    errors: Errors = []
    operator, values = requirement.get("operator"), as_list(requirement.get("values"))
    if operator in ("In", "NotIn") and not values:
        errors.append(required(child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"))
    elif operator in ("Exists", "DoesNotExist") and values:
        errors.append(forbidden(child(path, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif operator not in SELECTOR_OPERATORS:
        errors.append(invalid(child(path, "operator"), operator, "not a valid selector operator"))
    key = as_text(requirement.get("key"))
    errors += invalid_each(child(path, "key"), key, is_qualified_name(key))
    for i, value in enumerate(values):
        errors += invalid_each(index(child(path, "values"), i), as_text(value), is_valid_label_value(as_text(value)))
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
    selector = as_map(selector)
    match_labels, expressions = as_map(selector.get("matchLabels")), as_list(selector.get("matchExpressions"))
    requirements = [(key, "Equals", [value]) for key, value in match_labels.items()]
    for expression in map(as_map, expressions):
        operator = expression.get("operator")
        if operator not in SELECTOR_OPERATORS:
            raise ValueError(f"{json.dumps(operator)} is not a valid label selector operator")
        requirements.append((as_text(expression.get("key")), operator, [as_text(v) for v in as_list(expression.get("values"))]))
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


def selects_nothing_or_all(selector: Any) -> bool:
    selector = as_map(selector)
    return len(as_map(selector.get("matchLabels"))) + len(as_list(selector.get("matchExpressions"))) == 0

