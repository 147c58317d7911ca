"""The apps API group: ReplicaSet, Deployment, StatefulSet and DaemonSet.

`validate` (this package's __init__) calls these after ObjectMeta's rules; each checks its selector
against its pod template and its template with pods.py's rules. It follows k8s.io/kubernetes
pkg/apis/apps/validation/validation.go (ValidateReplicaSetSpec, ValidateDeploymentSpec,
ValidateStatefulSetSpec, ValidateDaemonSetSpec and their strategies) and the apps registry
strategies' ValidateUpdate (spec.selector is immutable in apps/v1).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playground.store.errors import forbidden, invalid, not_supported, required

from .field import Errors, as_map, child, invalid_each, is_int, spec_of
from .meta import (
    label_selector_as_selector,
    selects_nothing_or_all,
    validate_immutable,
    validate_label_selector,
    validate_nonnegative,
)
from .names import is_valid_percent
from .pods import (
    selector_mismatch,
    template_labels,
    validate_pod_template,
    validate_pod_template_metadata,
    validate_template_restarts_always,
)


def _validate_selector_required(spec: dict, kind: str) -> Errors:
    """Deployments, ReplicaSets and StatefulSets must say which pods they own."""
    selector = spec.get("selector")
    if selector is None:
        return [required("spec.selector")]
    return validate_label_selector(selector, "spec.selector") + _validate_selector_not_empty(selector, kind)


def _validate_selector_not_empty(selector: Any, kind: str) -> Errors:
    if selects_nothing_or_all(selector):
        return [invalid("spec.selector", selector, f"empty selector is invalid for {kind}")]
    return []


def _validate_template_matches(spec: dict, *, invalid_detail: str | None) -> Errors:
    """The selector must select the pods the template makes."""
    try:
        selector = label_selector_as_selector(spec.get("selector"))
    except ValueError:
        return [] if invalid_detail is None else [invalid("spec.selector", spec.get("selector"), invalid_detail)]
    if not selector.empty and not selector.matches(template_labels(spec)):
        return [selector_mismatch(spec)]
    return []


def _validate_template_for_replicas(spec: dict, kind: str) -> Errors:
    """ValidatePodTemplateSpecForReplicaSet: a template for pods that run for ever."""
    return validate_pod_template(spec.get("template"), "spec.template") + validate_template_restarts_always(spec, kind)


def validate_replica_set(replica_set: dict) -> Errors:
    spec = spec_of(replica_set)
    errors = validate_nonnegative(spec.get("replicas"), "spec.replicas")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    # Kubernetes says "deployment" here too
    errors += _validate_selector_required(spec, "deployment")
    errors += _validate_template_matches(spec, invalid_detail="invalid label selector")
    return errors + _validate_template_for_replicas(spec, "ReplicaSet")


def validate_deployment(deployment: dict) -> Errors:
    spec = spec_of(deployment)
    errors = validate_nonnegative(spec.get("replicas"), "spec.replicas")
    errors += _validate_selector_required(spec, "deployment")
    errors += _validate_template_matches(spec, invalid_detail="invalid label selector")
    errors += _validate_template_for_replicas(spec, "ReplicaSet")
    errors += validate_deployment_strategy(as_map(spec.get("strategy")), "spec.strategy")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += validate_nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")
    return errors + _validate_progress_deadline(spec)


def _validate_progress_deadline(spec: dict) -> Errors:
    deadline = spec.get("progressDeadlineSeconds")
    if deadline is None:
        return []
    errors = validate_nonnegative(deadline, "spec.progressDeadlineSeconds")
    min_ready = spec.get("minReadySeconds") or 0
    if is_int(deadline) and is_int(min_ready) and deadline <= min_ready:
        errors.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return errors


def validate_deployment_strategy(strategy: dict, path: str) -> Errors:
    strategy_type = strategy.get("type")
    if strategy_type == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [forbidden(child(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if strategy_type == "RollingUpdate":
        rolling_update = strategy.get("rollingUpdate")
        if rolling_update is None:
            return [required(child(path, "rollingUpdate"), "this should be defaulted and never be nil")]
        return _validate_rolling_update_deployment(as_map(rolling_update), child(path, "rollingUpdate"))
    return [not_supported(path, strategy, ["Recreate", "RollingUpdate"])]


def _validate_rolling_update_deployment(rolling_update: dict, path: str) -> Errors:
    max_unavailable, max_surge = rolling_update.get("maxUnavailable"), rolling_update.get("maxSurge")
    unavailable_path = child(path, "maxUnavailable")
    errors = validate_positive_int_or_percent(max_unavailable, unavailable_path)
    errors += validate_positive_int_or_percent(max_surge, child(path, "maxSurge"))
    if int_or_percent_value(max_unavailable) == 0 and int_or_percent_value(max_surge) == 0:
        errors.append(invalid(unavailable_path, max_unavailable, "may not be 0 when `maxSurge` is 0"))
    return errors + is_not_more_than_100_percent(max_unavailable, unavailable_path)


def validate_positive_int_or_percent(value: Any, path: str) -> Errors:
    if isinstance(value, str):
        return invalid_each(path, value, is_valid_percent(value))
    if is_int(value) or value is None:
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
    if is_int(value):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]+", value):
        return int(value)
    return 0


def is_not_more_than_100_percent(value: Any, path: str) -> Errors:
    percent = _percent(value)
    return [invalid(path, value, "must not be greater than 100%")] if percent is not None and percent > 100 else []


def validate_stateful_set(stateful_set: dict) -> Errors:
    spec = spec_of(stateful_set)
    errors = _validate_pod_management_policy(spec.get("podManagementPolicy"))
    errors += _validate_stateful_set_strategy(as_map(spec.get("updateStrategy")))
    errors += _validate_claim_retention_policy(spec.get("persistentVolumeClaimRetentionPolicy"))
    errors += validate_nonnegative(spec.get("replicas"), "spec.replicas")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += validate_nonnegative(as_map(spec.get("ordinals")).get("start"), "spec.ordinals.start")
    errors += _validate_selector_required(spec, "statefulset")
    errors += _validate_template_matches(spec, invalid_detail="")
    # Like Kubernetes, only the template's metadata is checked here (the TODO in
    # ValidatePodTemplateSpecForStatefulSet): a bad pod spec fails when the pods are created
    errors += validate_pod_template_metadata(spec.get("template"), "spec.template")
    return errors + validate_template_restarts_always(spec, "StatefulSet")


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
            return [invalid(child(path, "rollingUpdate"), rolling_update, "only allowed for updateStrategy 'RollingUpdate'")]
        return []
    if strategy_type != "RollingUpdate":
        return [invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'")]
    if rolling_update is None:
        return []
    rolling_update = as_map(rolling_update)
    errors = validate_nonnegative(rolling_update.get("partition"), child(path, "rollingUpdate", "partition"))
    max_unavailable = rolling_update.get("maxUnavailable")
    if max_unavailable is not None:
        unavailable_path = child(path, "rollingUpdate", "maxUnavailable")
        errors += validate_positive_int_or_percent(max_unavailable, unavailable_path)
        if int_or_percent_value(max_unavailable) == 0:
            errors.append(invalid(unavailable_path, max_unavailable, "cannot be 0"))
        errors += is_not_more_than_100_percent(max_unavailable, unavailable_path)
    return errors


def _validate_claim_retention_policy(policy: Any) -> Errors:
    errors: Errors = []
    path = "spec.persistentVolumeClaimRetentionPolicy"
    for field_name in ("whenDeleted", "whenScaled"):
        value = as_map(policy).get(field_name)
        if policy is not None and value not in ("Retain", "Delete"):
            errors.append(not_supported(child(path, field_name), value, ["Retain", "Delete"]))
    return errors


STATEFUL_SET_UPDATABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds")


def validate_stateful_set_update(stateful_set: dict, old: dict) -> Errors:
    errors = validate_stateful_set(stateful_set)
    new_spec, old_spec = dict(spec_of(stateful_set)), dict(spec_of(old))
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
    spec = spec_of(daemon_set)
    selector = spec.get("selector")
    errors = validate_label_selector(selector, "spec.selector")
    if selector is None:
        errors.append(selector_mismatch(spec))  # a DaemonSet's missing selector selects nothing
    else:
        errors += _validate_template_matches(spec, invalid_detail=None)
        errors += _validate_selector_not_empty(selector, "daemonset")
    errors += validate_pod_template(spec.get("template"), "spec.template")
    errors += validate_template_restarts_always(spec, "DaemonSet")
    errors += validate_nonnegative(spec.get("minReadySeconds"), "spec.minReadySeconds")
    errors += _validate_daemon_set_strategy(as_map(spec.get("updateStrategy")), "spec.updateStrategy")
    return errors + validate_nonnegative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit")


def _validate_daemon_set_strategy(strategy: dict, path: str) -> Errors:
    strategy_type = strategy.get("type")
    if strategy_type == "OnDelete":
        return []
    if strategy_type != "RollingUpdate":
        return [not_supported(path, strategy, ["RollingUpdate", "OnDelete"])]
    if strategy.get("rollingUpdate") is None:
        return [required(child(path, "rollingUpdate"))]
    rolling_update, path = as_map(strategy["rollingUpdate"]), child(path, "rollingUpdate")
    max_unavailable, max_surge = rolling_update.get("maxUnavailable"), rolling_update.get("maxSurge")
    errors = validate_positive_int_or_percent(max_unavailable, child(path, "maxUnavailable"))
    errors += validate_positive_int_or_percent(max_surge, child(path, "maxSurge"))
    errors += is_not_more_than_100_percent(max_unavailable, child(path, "maxUnavailable"))
    errors += is_not_more_than_100_percent(max_surge, child(path, "maxSurge"))
    has_unavailable, has_surge = int_or_percent_value(max_unavailable) != 0, int_or_percent_value(max_surge) != 0
    if has_unavailable and has_surge:
        errors.append(invalid(child(path, "maxSurge"), max_surge, "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        errors.append(required(child(path, "maxUnavailable"), "cannot be 0 when maxSurge is 0"))
    return errors


def _with_immutable_selector(validate_spec: Callable[[dict], Errors]) -> Callable[[dict, dict], Errors]:
    """apps/v1 update strategies: everything is re-validated and spec.selector may not change."""

    def validate_update(obj: dict, old: dict) -> Errors:
        return validate_spec(obj) + validate_immutable(spec_of(obj).get("selector"), spec_of(old).get("selector"), "spec.selector")

    return validate_update


validate_replica_set_update = _with_immutable_selector(validate_replica_set)
validate_deployment_update = _with_immutable_selector(validate_deployment)
validate_daemon_set_update = _with_immutable_selector(validate_daemon_set)
