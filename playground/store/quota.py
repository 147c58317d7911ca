"""Cluster quotas: how much one cluster may hold and ask for, so that one attendee's
`replicas: 100000` cannot slow a room of clusters on one server.

`clusters.set_quota` / `manage.py cluster quota` / a workshop → the cluster row's `quota` →
read with the cluster's id and clock by every store batch (no extra query) → `check_create` and
`check_replicas` in the batch's admission, before anything is stored. The other limits are read
where their work is done: the build budget and upload pages (dockerfile_bytes, upload_bytes),
the kubelet's container logs (log_bytes) and the request rate of pages and API
(requests_per_second).

The words are Kubernetes' own. An object count over its limit is refused as the ResourceQuota
admission plugin refuses it (staging/src/k8s.io/apiserver/pkg/admission/plugin/resourcequota/
controller.go, checkRequest): `pods "x" is forbidden: exceeded quota: cluster-quota, requested:
pods=1, used: pods=50, limited: pods=50`, a 403. Replicas per workload are a maximum per object,
which Kubernetes says with LimitRange's words (plugin/pkg/admission/limitranger, maxConstraint):
`deployments.apps "web" is forbidden: maximum replicas usage per Deployment is 50, but limit is
100000`. As a ResourceQuota lives in a namespace and the system's own pods are not the user's,
what kube-system, kube-public and kube-node-lease hold is not counted, nor are Events (the
recorder folds repeats into a count, and a refusal must still be able to say so).
"""
from __future__ import annotations

import dataclasses
import json
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from .errors import BadRequest, Forbidden

Obj = dict[str, Any]
QUOTA_NAME = "cluster-quota"  # the name the refusals give, as a ResourceQuota's name
UNLIMITED_CLUSTER = "default"  # the single user's own cluster: only what it sets itself
SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")
UNCOUNTED_KINDS = frozenset({"Event"})
WORKLOAD_KINDS = frozenset({"Deployment", "ReplicaSet", "StatefulSet"})
# The resource names of the counts, as the quota evaluators name them (pods; count/<resource>)
OBJECTS, PODS, NODES = "count/objects", "pods", "count/nodes"


@dataclass(frozen=True)
class Quota:
    """A cluster's limits; None is no limit."""

    objects: int | None = None  # objects of any kind but Events, outside the system namespaces
    pods: int | None = None  # pods that still count (not Succeeded or Failed)
    replicas: int | None = None  # spec.replicas of one Deployment, ReplicaSet or StatefulSet
    nodes: int | None = None
    dockerfile_bytes: int | None = None  # one Dockerfile, and what its build may write
    upload_bytes: int | None = None  # one upload (a manifest, an image archive)
    log_bytes: int | None = None  # what the cluster's containers' logs keep, all together
    requests_per_second: float | None = None  # pages and API requests, per web process

    def counts(self) -> bool:
        """Whether creating an object has a count to check: the batch reads the usage only then."""
        return any(limit is not None for limit in (self.objects, self.pods, self.nodes))

    def limits(self) -> dict[str, int | float]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


LIMITS = tuple(f.name for f in dataclasses.fields(Quota))
_INTEGER_LIMITS = frozenset(LIMITS) - {"requests_per_second"}


def parse(stored: str, cluster: str) -> Quota:
    """The quota a cluster row holds: its own limits over the defaults of the settings
    (PLAYGROUND_QUOTA_*), which every cluster but the default one takes."""
    own = json.loads(stored) if stored else {}
    defaults = {} if cluster == UNLIMITED_CLUSTER else settings.PLAYGROUND_QUOTA_DEFAULTS
    return Quota(**{**defaults, **own})


def merged(stored: str, changes: Mapping[str, Any]) -> str:
    """The row's limits with `changes` made: a number sets a limit, None says "unlimited"
    (over any default), and a name given "default" goes back to the settings' default."""
    own = json.loads(stored) if stored else {}
    for name, value in changes.items():
        if name not in LIMITS:
            raise BadRequest(f'quota "{name}" is not one of {", ".join(LIMITS)}')
        if value == "default":
            own.pop(name, None)
        else:
            own[name] = checked(name, value)
    return json.dumps(own, sort_keys=True) if own else ""


def checked(name: str, value: Any) -> int | float | None:
    if value is None:
        return None
    kind = int if name in _INTEGER_LIMITS else float
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or kind(value) != value:
        raise BadRequest(f"quota {name}: Invalid value: {value!r}: must be a non-negative {'integer' if kind is int else 'number'}")
    return kind(value)


# -- Object counts --------------------------------------------------------------------------------


def counted(kind: str, namespace: str) -> bool:
    return kind not in UNCOUNTED_KINDS and namespace not in SYSTEM_NAMESPACES


def still_counts(pod: Obj) -> bool:
    """QuotaV1Pod: a pod that has finished (Succeeded, Failed) no longer uses its quota."""
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def requested(kind: str, namespace: str) -> dict[str, int]:
    """What creating one object of `kind` in `namespace` adds to the counts."""
    if not counted(kind, namespace):
        return {}
    usage = {OBJECTS: 1}
    if kind == "Pod":
        usage[PODS] = 1
    elif kind == "Node":
        usage[NODES] = 1
    return usage


def check_create(quota: Quota, used: Mapping[str, int], kind: str, resource: str, name: str, namespace: str) -> dict[str, int]:
    """The counts after creating the object; raises Forbidden past a limit, naming only the
    resources exceeded, in the order of their names (the plugin's prettyPrint)."""
    wanted = requested(kind, namespace)
    hard = {OBJECTS: quota.objects, PODS: quota.pods, NODES: quota.nodes}
    exceeded = sorted(r for r, n in wanted.items() if hard[r] is not None and used.get(r, 0) + n > hard[r])
    if exceeded:
        def pretty(values: Mapping[str, Any]) -> str:
            return ",".join(f"{r}={values.get(r, 0)}" for r in exceeded)

        raise Forbidden(f'{resource} "{name}" is forbidden: exceeded quota: {QUOTA_NAME}, requested: {pretty(wanted)}, '
                        f"used: {pretty(used)}, limited: {pretty(hard)}")
    return {r: used.get(r, 0) + wanted.get(r, 0) for r in {*used, *wanted}}


def check_replicas(quota: Quota, obj: Obj, old: Obj | None, resource: str) -> None:
    """A workload asking for more replicas than one may have; one that already has more (its
    limit was lowered since) may keep them or go down, as a LimitRange only judges what changes."""
    if quota.replicas is None or obj.get("kind") not in WORKLOAD_KINDS:
        return
    replicas = (obj.get("spec") or {}).get("replicas")
    before = ((old or {}).get("spec") or {}).get("replicas")
    if isinstance(replicas, int) and replicas > quota.replicas and (before is None or replicas > before):
        raise Forbidden(f'{resource} "{obj["metadata"]["name"]}" is forbidden: maximum replicas usage per '
                        f'{obj["kind"]} is {quota.replicas}, but limit is {replicas}')


def usage_from_rows(rows: list[tuple[str, str, str]]) -> dict[str, int]:
    """The counts from (kind, namespace, pod JSON or "") rows of the cluster's counted objects."""
    used = {OBJECTS: 0, PODS: 0, NODES: 0}
    for kind, _namespace, data in rows:
        used[OBJECTS] += 1
        if kind == "Pod" and still_counts(json.loads(data)):
            used[PODS] += 1
        elif kind == "Node":
            used[NODES] += 1
    return used


def default_limits_from(environ: Mapping[str, str]) -> dict[str, int | float]:
    """PLAYGROUND_QUOTA_PODS=50 and so on: the defaults of the clusters that set nothing."""
    limits: dict[str, int | float] = {}
    for name in LIMITS:
        text = environ.get(f"PLAYGROUND_QUOTA_{name.upper()}", "").strip()
        if text:
            try:
                value = float(text) if name not in _INTEGER_LIMITS else int(text)
            except ValueError:
                raise BadRequest(f"PLAYGROUND_QUOTA_{name.upper()}: {text!r} is not a number") from None
            limits[name] = checked(name, value)  # type: ignore[assignment]
    return limits


# -- Requests per second ---------------------------------------------------------------------------


class RequestBudget:
    """A token bucket per cluster, as client-go's flowcontrol token bucket, held by the server:
    `rate` requests a second, bursts of up to one second's worth. Refilled by arithmetic when a
    request comes, so a cluster nobody asks anything of costs no timer."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # cluster → (tokens left, when counted)
        self._lock = threading.Lock()  # pages and API requests come in on several threads

    def take(self, cluster: str, rate: float) -> float:
        """Take one request's token: 0 when there was one, else the seconds until there is."""
        burst = max(1.0, rate)
        with self._lock:
            now = self.clock()
            tokens, counted = self._buckets.get(cluster, (burst, now))
            tokens = min(burst, tokens + (now - counted) * rate)
            if tokens >= 1.0:
                self._buckets[cluster] = (tokens - 1.0, now)
                return 0.0
            self._buckets[cluster] = (tokens, now)
            return (1.0 - tokens) / rate if rate > 0 else math.inf


class SharedRequestBudget:
    """The same token bucket kept in the database (models.RequestBucket), for several web
    processes: each take is `take_shared_token`'s one statement. A first request inserts the
    bucket, full but one."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock  # wall-clock seconds: the processes share no monotonic clock

    def take(self, cluster: str, rate: float) -> float:
        """Take one request's token: 0 when there was one, else the seconds until there is."""
        from .models import Cluster, RequestBucket  # here: settings import this module before the apps are ready

        key = f"(SELECT id FROM {Cluster._meta.db_table} WHERE name = %s)"
        # No such cluster: no bucket is made, and its page says so
        return take_shared_token(RequestBucket._meta.db_table, "cluster_id", key, [cluster],
                                 rate=rate, burst=max(1.0, rate), now=self.clock())


def take_shared_token(table: str, key_column: str, key: str, key_params: list[Any], *,
                      rate: float, burst: float, now: float) -> float:
    """Take a token from the bucket row of `table` whose `key_column` is the SQL `key`: 0 when
    there was one, else the seconds until there is. One UPDATE ... RETURNING refills, takes if it
    can and says whether it did, so two processes taking at once cannot both spend the last
    token (the row's write lock orders them, on SQLite and PostgreSQL alike), and a refusal
    costs no second query. A missing row is inserted full but one (none when `key` is NULL).
    The table has the columns `tokens`, `counted` (wall-clock seconds) and `took`."""
    from django.db import connection

    refill = [now, now, rate, burst, burst, now, now, rate]  # REFILLED's parameters
    with connection.cursor() as cursor:
        for _ in range(2):  # a second time only when another process inserted the bucket meanwhile
            # Every SET reads the row as it was (SQL's rule): `took` and `tokens` agree
            cursor.execute(f"UPDATE {table} SET took = {REFILLED} >= 1, tokens = CASE WHEN {REFILLED} >= 1 "
                           f"THEN {REFILLED} - 1 ELSE {REFILLED} END, counted = %s "
                           f"WHERE {key_column} = {key} RETURNING took, tokens",
                           [*refill, *refill, *refill, *refill, now, *key_params])
            found = cursor.fetchone()
            if found is not None:
                took, tokens = found
                return 0.0 if took else (1.0 - tokens) / rate if rate > 0 else math.inf
            cursor.execute(f"INSERT INTO {table} ({key_column}, tokens, counted, took) SELECT keyed.k, %s, %s, %s "
                           f"FROM (SELECT {key} AS k) keyed WHERE keyed.k IS NOT NULL ON CONFLICT ({key_column}) DO NOTHING",
                           [burst - 1.0, now, True, *key_params])
            if cursor.rowcount:
                return 0.0
    return 0.0  # no bucket for a NULL key: nothing to count


def give_back_shared_token(table: str, key_column: str, key: str, key_params: list[Any], *, burst: float) -> None:
    """A token taken by `take_shared_token` for a request that turned out not to count."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET tokens = CASE WHEN tokens + 1 > %s THEN %s ELSE tokens + 1 END "
                       f"WHERE {key_column} = {key}", [burst, burst, *key_params])


# Seconds since the bucket was counted, never negative (another host's clock may be ahead), and
# the tokens it holds now: refilled at `rate` a second up to the burst (min() is no SQL both speak)
ELAPSED = "(CASE WHEN %s > counted THEN %s - counted ELSE 0 END)"
REFILLED = f"(CASE WHEN tokens + {ELAPSED} * %s > %s THEN %s ELSE tokens + {ELAPSED} * %s END)"


QUOTA_CACHE_SECONDS = 1.0  # a quota set by `cluster quota` in another process counts within a second
_requests = RequestBudget()
_shared_requests = SharedRequestBudget()
_quotas: dict[str, tuple[Quota, float]] = {}


def retry_after(cluster: str, read: Callable[[str], Quota]) -> int | None:
    """None if the cluster may take one more request now; else the whole seconds to wait
    (Retry-After, at least 1), as the API server's 429 TooManyRequests says them."""
    now = time.monotonic()
    cached = _quotas.get(cluster)
    if cached is None or now - cached[1] > QUOTA_CACHE_SECONDS:
        cached = _quotas[cluster] = (read(cluster), now)
    rate = cached[0].requests_per_second
    if rate is None:
        return None
    budget = _shared_requests if settings.PLAYGROUND_SHARED_REQUEST_BUDGETS else _requests
    wait = budget.take(cluster, rate)
    return None if wait == 0 else max(1, math.ceil(min(wait, 3600)))


def forget_request_counts() -> None:
    """Tests: each starts with full buckets and reads the quotas again."""
    _requests._buckets.clear()
    _quotas.clear()
