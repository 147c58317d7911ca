"""The batch API group: Job.

`validate` (this package's __init__) calls these after ObjectMeta's rules. A Job's pods run to
completion (restartPolicy OnFailure or Never), and its selector is usually generated from its uid
when the store creates it. It follows k8s.io/kubernetes pkg/apis/batch/validation/validation.go
(ValidateJob, validateJobPodTemplate, ValidateJobSpecUpdate) and the job registry strategy.
"""
from __future__ import annotations

from playground.store.errors import not_supported, required

from .field import Errors, as_map, child, meta_of, spec_of
from .meta import label_selector_as_selector, validate_immutable, validate_label_selector, validate_nonnegative
from .pods import selector_mismatch, template_labels, validate_pod_template


def validate_job(job: dict) -> Errors:
    spec = spec_of(job)
    errors: Errors = []
    for field_name in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished"):
        errors += validate_nonnegative(spec.get(field_name), child("spec", field_name))
    errors += _validate_completion_mode(spec)
    errors += _validate_job_selector(job, spec)
    errors += validate_pod_template(spec.get("template"), "spec.template")
    restart_policy = as_map(as_map(spec.get("template")).get("spec")).get("restartPolicy")
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
        if spec.get("manualSelector") is not True and not meta_of(job).get("uid"):
            return []  # generated from the uid when the store creates the Job
        return [required("spec.selector")]
    errors = validate_label_selector(selector, "spec.selector")
    try:
        parsed = label_selector_as_selector(selector)
    except ValueError:
        return errors
    if parsed.empty:
        errors.append(required("spec.selector"))
    if not parsed.matches(template_labels(spec)):
        errors.append(selector_mismatch(spec))
    return errors


def validate_job_update(job: dict, old: dict) -> Errors:
    errors = validate_job(job)
    spec, old_spec = spec_of(job), spec_of(old)
    for field_name in ("selector", "template", "completionMode", "podFailurePolicy", "backoffLimitPerIndex"):
        errors += validate_immutable(spec.get(field_name), old_spec.get(field_name), child("spec", field_name))
    # completions may follow parallelism in an Indexed Job (elastic indexed jobs)
    elastic = spec.get("completionMode") == "Indexed" and spec.get("completions") == spec.get("parallelism")
    if not elastic:
        errors += validate_immutable(spec.get("completions"), old_spec.get("completions"), "spec.completions")
    return errors


