"""The Kubernetes API over HTTP, one cluster per path prefix: `/clusters/<cluster>/api/v1/…`
(as kcp serves logical clusters), so the real kubectl and the official Python client talk to a
playground cluster with nothing but a kubeconfig (`python manage.py kubeconfig`).

request → authenticate the bearer token (401) → the token's cluster and namespace (403) →
discovery, /version, or a resource verb (resources.py) → JSON, or a Status on failure.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from playground.store import clusters, quota
from playground.store.errors import StoreError
from playground.store.schemas import KUBERNETES_VERSION

from . import discovery, openapi, openapi_v2, protobuf, resources, status, tokens, watch
from . import logs as podlogs
from .models import Token
from .request_info import RequestInfo, request_info

ITEMS_PER_CHUNK = 500  # a list's items (a Table's rows) encoded at a time: kubectl's --chunk-size
VERSION = {
    "major": KUBERNETES_VERSION.split(".")[0],
    "minor": KUBERNETES_VERSION.split(".")[1],
    "gitVersion": f"v{KUBERNETES_VERSION}",
    "gitCommit": "",
    "gitTreeState": "clean",
    "buildDate": "",
    "goVersion": "",
    "compiler": "playground",
    "platform": "linux/amd64",
}


@csrf_exempt  # a bearer token, never a cookie, authenticates here: there is no session to forge
@login_not_required  # the token is the sign-in (web/signin.py asks the pages' visitors)
def serve(request: HttpRequest, cluster: str, path: str) -> HttpResponse:
    token = tokens.authenticate(request.headers.get("Authorization", ""))
    if token is None:
        return _answer(401, status.unauthorized())
    if token.cluster.name != cluster:
        return _answer(403, status.forbidden(f'this token is for cluster "{token.cluster.name}", not "{cluster}"'))
    wait = quota.retry_after(cluster, clusters.quota_of)
    if wait is not None:  # the cluster's requests per second: counted only once the token says whose they are
        response = _answer(429, status.too_many_requests(wait))
        response["Retry-After"] = str(wait)
        return response
    path = path.rstrip("/")
    if path == "version":
        return _answer(200, VERSION)
    if path == "openapi/v3":
        return _document(request, openapi.root())
    if path == "openapi/v2":  # kubectl validates a List's items itself against it (openapi_v2.py)
        return HttpResponse(openapi_v2.document_bytes(), content_type=openapi_v2.MEDIA_TYPE)
    if path.startswith("openapi/v3/"):
        return _openapi_document(request, path.removeprefix("openapi/v3/"))
    info = request_info(path, request.method or "GET", watch=request.GET.get("watch") in ("true", "1"))
    if info is None:
        return _discovery(request, path)
    return _resource(request, cluster, token, info)


def _discovery(request: HttpRequest, path: str) -> HttpResponse:
    parts = path.split("/")
    aggregated = discovery.wants_aggregated(request.headers.get("Accept", ""))
    if parts == ["api"]:
        if aggregated:
            return _document(request, discovery.aggregated(core=True), discovery.AGGREGATED)
        return _document(request, discovery.api_versions(request.get_host()))
    if parts == ["apis"]:
        if aggregated:
            return _document(request, discovery.aggregated(core=False), discovery.AGGREGATED)
        return _document(request, discovery.api_group_list())
    if parts == ["api", "v1"]:
        document = discovery.api_resource_list("", "v1")
    elif len(parts) == 2 and parts[0] == "apis":
        document = discovery.api_group(parts[1])
    elif len(parts) == 3 and parts[0] == "apis":
        document = discovery.api_resource_list(parts[1], parts[2])
    else:
        document = None
    if document is None:
        return _answer(404, status.not_found_resource())
    return _document(request, document)


def _openapi_document(request: HttpRequest, path: str) -> HttpResponse:
    found = openapi.find(path)
    if found is None:
        return _answer(404, status.not_found_resource())
    response = HttpResponse(openapi.document_bytes(*found), content_type="application/json")
    if request.GET.get("hash") == openapi.document_hash(*found):
        response["Cache-Control"] = "public, immutable"  # its URL names its content
    return response


def _resource(request: HttpRequest, cluster: str, token: Token, info: RequestInfo) -> HttpResponse:
    k = discovery.kind_for_resource(info.api_group, info.api_version, info.resource)
    served = {s.name for s in discovery.subresources(k)} if k else set()
    if k is None or (info.subresource and info.subresource not in served):
        return _answer(404, status.not_found_resource())
    namespace = info.namespace if k.namespaced else ""
    if token.namespace and info.namespace != token.namespace:
        where = f'in the namespace "{info.namespace}"' if info.namespace else "at the cluster scope"
        return _answer(403, status.forbidden(
            f'{k.resource} is forbidden: this token may {info.verb} only in the namespace "{token.namespace}", not {where}'))
    if info.verb in ("create", "update") and request.content_type not in ("application/json", "", protobuf.MEDIA_TYPE):
        return _answer(415, status.failure(415, "UnsupportedMediaType",
                                           "the body of the request was in an unknown format - accepted media types "
                                           f"include: application/json, {protobuf.MEDIA_TYPE}"))
    as_table = _wants_table(request.headers.get("Accept", ""))
    try:
        options = resources.WriteOptions.parse(request.GET.getlist("dryRun"), request.GET.get("fieldValidation"),
                                               request.GET.get("fieldManager") or _user_agent_manager(request),
                                               request.GET.get("force"))
        answer = _verb(request, cluster, token, k, namespace, info, as_table, options)
    except StoreError as e:
        return _answer(e.code, status.from_store_error(e, name=info.name, group=k.group, plural=k.plural))
    except RequestDataTooBig:
        # A guard: Django's own bound is never below the API's (settings.py), which BodyLimit holds first
        return _answer(413, status.failure(413, "RequestEntityTooLarge", "Request entity too large: limit is "
                                           f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE} (DATA_UPLOAD_MAX_MEMORY_SIZE)"))
    if isinstance(answer, HttpResponseBase):  # a stream, or a log's text
        return answer
    response = _answer(*answer)
    if options.warnings:
        response.headers["Warning"] = ", ".join(map(_warning, options.warnings))
    return response


def _user_agent_manager(request: HttpRequest) -> str:
    """The field manager of a write that names none: its client, as the API server takes it
    from the User-Agent (`kubectl/v1.32.4 (linux/amd64) …` → `kubectl`)."""
    return (request.headers.get("User-Agent") or "unknown").split("/")[0][:128]


def _warning(text: str) -> str:
    """An RFC 7234 warning as the API server sends it; kubectl prints `Warning: <text>`."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _verb(request: HttpRequest, cluster: str, token: Token, k: Any, namespace: str, info: RequestInfo,
          as_table: bool, options: resources.WriteOptions) -> tuple[int, dict] | HttpResponseBase:
    if info.subresource == "log":
        text, followed = podlogs.read(cluster, namespace, info.name, request.GET)
        if followed is not None:
            return StreamingHttpResponse(podlogs.follow(text, followed), content_type="text/plain")
        return HttpResponse(text, content_type="text/plain")
    if info.subresource == "eviction" and info.verb == "create":
        return resources.evict(cluster, namespace, info.name, request.body, request.content_type, options)
    if info.subresource == "scale":
        return _scale(request, cluster, k, namespace, info, options)
    if info.verb == "get":
        return resources.get(cluster, k, namespace, info.name, as_table=as_table)
    if info.verb == "watch":
        started = watch.start(cluster, k, namespace, request.GET, as_table=as_table, token=token.pk)
        return StreamingHttpResponse(watch.Response(started), content_type="application/json")
    if info.verb == "list":
        return _list_response(*resources.list_(cluster, k, namespace, request.GET, as_table=as_table))
    if info.verb == "create" and not info.name:
        return resources.create(cluster, k, namespace, request.body, options, request.content_type or "application/json")
    if not info.name and info.verb in ("update", "patch"):
        return _method_not_allowed()  # PUT and PATCH name an object: a collection takes neither
    if info.verb == "update":
        return resources.update(cluster, k, namespace, info.name, request.body, options, subresource=info.subresource,
                                content_type=request.content_type or "application/json")
    if info.verb == "patch" and request.content_type == resources.APPLY:
        if not request.GET.get("fieldManager"):
            return 400, status.bad_request("PATCH, application/apply-patch+yaml requires fieldManager to be set")
        return resources.server_side_apply(cluster, k, namespace, info.name, request.body, options,
                                           subresource=info.subresource)
    if info.verb == "patch":
        if request.content_type not in resources.PATCH_TYPES:
            return _unknown_patch_type()
        return resources.patch(cluster, k, namespace, info.name, request.body, request.content_type, options,
                               subresource=info.subresource)
    if info.verb == "delete":
        return resources.delete(cluster, k, namespace, info.name, request.body, request.GET, options)
    if info.verb == "deletecollection" and k.kind != "Namespace":
        return resources.delete_collection(cluster, k, namespace, request.body, request.GET, options)
    return _method_not_allowed()


def _scale(request: HttpRequest, cluster: str, k: Any, namespace: str, info: RequestInfo,
           options: resources.WriteOptions) -> tuple[int, dict]:
    if info.verb == "get":
        return resources.get_scale(cluster, k, namespace, info.name)
    if info.verb == "update":
        return resources.update_scale(cluster, k, namespace, info.name, request.body, options)
    if info.verb == "patch":
        if request.content_type not in resources.PATCH_TYPES:
            return _unknown_patch_type()
        return resources.patch_scale(cluster, k, namespace, info.name, request.body, request.content_type, options)
    return _method_not_allowed()


def _unknown_patch_type() -> tuple[int, dict]:
    return 415, status.failure(415, "UnsupportedMediaType", "the body of the request was in an unknown format - "
                               f"accepted media types include: {', '.join([*resources.PATCH_TYPES, resources.APPLY])}")


def _method_not_allowed() -> tuple[int, dict]:
    return 405, status.failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def _list_response(code: int, body: dict) -> tuple[int, dict] | HttpResponseBase:
    """A long list encoded and sent some items at a time, never as one string: a list asked
    without `limit` is answered whole, as the API server answers it (clients read it as
    complete), and encoded item by item as its StreamingCollectionEncodingToJSON (beta in
    1.33) encodes it, so its answer is never held whole in memory besides the objects."""
    key = "rows" if body.get("kind") == resources.TABLE else "items"
    if len(body[key]) <= ITEMS_PER_CHUNK:
        return code, body
    return StreamingHttpResponse(_encoded_by_chunks(body, key), status=code, content_type="application/json")


async def _encoded_by_chunks(body: dict, key: str) -> AsyncIterator[bytes]:
    """The JSON of `body`, its `key` last, a chunk of that list at a time."""
    head = json.dumps({k: v for k, v in body.items() if k != key}, separators=(",", ":"))
    yield f'{head[:-1]},"{key}":['.encode()
    items = body[key]
    for start in range(0, len(items), ITEMS_PER_CHUNK):
        chunk = json.dumps(items[start:start + ITEMS_PER_CHUNK], separators=(",", ":"))[1:-1]
        yield (("," if start else "") + chunk).encode()
    yield b"]}"


def _wants_table(accept: str) -> bool:
    """Whether the Accept header asks for a meta.k8s.io Table (kubectl get does, first)."""
    for media_range in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in media_range.split(";")[1:])
        if params.get("as") == resources.TABLE and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return True
    return False


def _document(request: HttpRequest, document: dict, content_type: str = "application/json") -> HttpResponse:
    """A discovery document, with an ETag: kubectl asks again with If-None-Match and gets 304."""
    body = json.dumps(document, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    # A 304 carries the document's Content-Type too: kubectl's HTTP cache takes the 304's headers
    # into the cached answer, and it reads aggregated discovery from the Content-Type's parameters
    not_modified = request.headers.get("If-None-Match") == etag
    response = HttpResponse(b"" if not_modified else body, status=304 if not_modified else 200, content_type=content_type)
    response["ETag"] = etag
    response["Vary"] = "Accept"
    return response


def _answer(code: int, body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body, separators=(",", ":")), status=code, content_type="application/json")
