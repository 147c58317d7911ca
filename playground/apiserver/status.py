"""Errors as the API server answers them: a `Status` object with Kubernetes' reason and code,
which kubectl turns into its usual `Error from server (NotFound): pods "x" not found`.
staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go and pkg/apis/meta/v1/types.go."""
from __future__ import annotations

from typing import Any

from playground.store import errors
from playground.store.errors import Invalid, StoreError

Obj = dict[str, Any]

# field.ErrorType → metav1.CauseType
CAUSE_TYPES = {
    errors.TYPE_NOT_FOUND: "FieldValueNotFound",
    errors.TYPE_REQUIRED: "FieldValueRequired",
    errors.TYPE_DUPLICATE: "FieldValueDuplicate",
    errors.TYPE_INVALID: "FieldValueInvalid",
    errors.TYPE_NOT_SUPPORTED: "FieldValueNotSupported",
    errors.TYPE_FORBIDDEN: "FieldValueForbidden",
    errors.TYPE_TOO_LONG: "FieldValueTooLong",
    errors.TYPE_TOO_MANY: "FieldValueTooMany",
    errors.TYPE_INTERNAL: "InternalError",
}


def failure(code: int, reason: str, message: str, details: Obj | None = None) -> Obj:
    status: Obj = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
                   "reason": reason, "code": code}
    if details:
        status["details"] = details
    return status


def success(details: Obj) -> Obj:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


def from_store_error(error: StoreError, *, name: str = "", group: str = "", plural: str = "") -> Obj:
    details: Obj = {k: v for k, v in (("name", name), ("group", group), ("kind", plural)) if v}
    if isinstance(error, Invalid):
        details["causes"] = [{"reason": CAUSE_TYPES[e.type], "message": e.body(), "field": e.field}
                             for e in error.errors]
    return failure(error.code, error.reason, error.message, details)


def not_found_resource() -> Obj:
    """A path that names no resource this server has (the real server's words)."""
    return failure(404, "NotFound", "the server could not find the requested resource", {})


def unauthorized() -> Obj:
    return failure(401, "Unauthorized", "Unauthorized")


def forbidden(message: str) -> Obj:
    return failure(403, "Forbidden", message)


def too_many_requests(retry_after_seconds: int) -> Obj:
    """errors.NewTooManyRequests: what a client that asks too often is told, and when to come back
    (kubectl and client-go wait that long and try again, up to ten times)."""
    return failure(429, "TooManyRequests", "Too many requests, please try again later.",
                   {"retryAfterSeconds": retry_after_seconds})


def bad_request(message: str) -> Obj:
    return failure(400, "BadRequest", message)
