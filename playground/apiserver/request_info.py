"""What an API request asks for, read from its path and method as the API server reads it.

staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, for resource requests:

    /api/{version}/{resource}[/{name}[/{subresource}]]
    /api/{version}/namespaces/{namespace}/{resource}[/{name}[/{subresource}]]
    /apis/{group}/{version}/...   (the same, in a named group)

`/api/v1/namespaces/{name}` is the Namespace itself (with `namespace` set to its name, as
Kubernetes sets it, so that a grant in a namespace covers reading that namespace), and so are
its `status` and `finalize` subresources; any other word after a namespace's name is a resource
in that namespace.
"""
from __future__ import annotations

from dataclasses import dataclass

NAMESPACE_SUBRESOURCES = {"status", "finalize"}


@dataclass(frozen=True)
class RequestInfo:
    verb: str  # get, list, watch, create, update, patch, delete, deletecollection
    api_group: str
    api_version: str
    resource: str
    namespace: str = ""
    name: str = ""
    subresource: str = ""


def request_info(path: str, method: str, *, watch: bool = False) -> RequestInfo | None:
    """The request a path under /api or /apis makes, or None for one that names no resource
    (discovery: /api, /apis, /api/v1, /apis/{group}/{version})."""
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or parts[0] not in ("api", "apis"):
        return None
    if parts[0] == "api":
        group, rest = "", parts[1:]
    else:
        group, rest = (parts[1] if len(parts) > 1 else ""), parts[2:]
    if len(rest) < 2:
        return None
    version, rest = rest[0], rest[1:]
    namespace = ""
    if rest[0] == "namespaces" and len(rest) > 1:
        namespace = rest[1]
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            rest = rest[2:]
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else ""
    subresource = rest[2] if len(rest) > 2 else ""
    return RequestInfo(_verb(method, bool(name), watch), group, version, resource, namespace, name, subresource)


def _verb(method: str, named: bool, watch: bool) -> str:
    if method in ("GET", "HEAD"):
        return "watch" if watch else ("get" if named else "list")
    if method == "DELETE":
        return "delete" if named else "deletecollection"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())
