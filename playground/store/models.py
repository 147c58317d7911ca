"""The store's tables: clusters, one generic table of objects (as etcd holds them) and the change log.

Nothing outside playground/store writes these tables; every other layer calls the store's
functions (playground/store/api.py), which keep the object rows, the cluster's resourceVersion and
the change log consistent in one transaction.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class Cluster(models.Model):
    """A sandbox: its own nodes, namespaces and objects. Nothing is read or written across clusters."""

    name = models.CharField(max_length=63, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last resourceVersion handed out in the cluster (clusters.take_resource_versions): each
    # cluster counts its own, as each real cluster's etcd does, and its writers queue only here.
    resource_version = models.BigIntegerField(default=0)
    # Change-log entries at or below this resourceVersion are gone: a watch from before it is Gone (410).
    compacted_revision = models.BigIntegerField(default=0)
    # The simulated clock (playground/store/clock.py): simulated time = clock_origin + clock_seconds
    # + the wall time since clock_anchor times clock_speed, while running.
    clock_origin = models.DateTimeField(null=True)
    clock_seconds = models.FloatField(default=0.0)
    clock_anchor = models.DateTimeField(null=True)
    clock_speed = models.FloatField(default=1.0)
    clock_mode = models.CharField(max_length=8, default="running")  # running, paused or instant
    clock_steps = models.IntegerField(default=0)  # Step requests waiting for the controller manager
    # When someone last used the cluster (real time; recorded at most every few seconds): it
    # sleeps PLAYGROUND_IDLE_AFTER seconds after it. Existing clusters count as used at the upgrade
    clock_used = models.DateTimeField(null=True, default=timezone.now)
    # The cluster's own limits (playground/store/quota.py), JSON; "" takes the settings' defaults
    quota = models.TextField(blank=True, default="")
    # When a person last wrote to it (a page, the console, the API, a command; never its
    # controllers, whose writes carry a worker's fence): the cluster a learner works in now
    written_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name


class ResourceVersionCounter(models.Model):
    """One row: the highest resourceVersion any deleted cluster reached, or a new one began at.
    A new cluster begins above it (clusters.create), so a cluster made again under an old name
    never repeats a version an informer of the old one saw."""

    value = models.BigIntegerField(default=0)


class StoredObject(models.Model):
    """One Kubernetes object; `data` is its JSON as `kubectl get -o json` shows it."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    namespace = models.CharField(max_length=253, blank=True)  # "" for cluster-scoped kinds
    name = models.CharField(max_length=253)
    uid = models.CharField(max_length=36)
    resource_version = models.BigIntegerField()
    labels = models.TextField(default="{}")  # JSON; filtered before `data` is parsed
    data = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cluster", "kind", "namespace", "name"], name="one_object_per_name"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


class Change(models.Model):
    """One ADDED / MODIFIED / DELETED in the change log, with the object as it was then."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    resource_version = models.BigIntegerField()
    type = models.CharField(max_length=8)
    kind = models.CharField(max_length=64)
    namespace = models.CharField(max_length=253, blank=True)
    name = models.CharField(max_length=253)
    data = models.TextField()
    # The cluster's simulated time of the write, as Kubernetes writes a time (RFC 3339): an object
    # deleted outright keeps no timestamp of its own, and its page still says when it went.
    time = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["cluster", "resource_version"], name="change_by_version")]

    def __str__(self) -> str:
        return f"{self.resource_version} {self.type} {self.kind} {self.namespace}/{self.name}"


class ReconcileTrace(models.Model):
    """One reconcile as the controller loop page shows it (playground/store/traces.py): what the
    controller observed, what was desired, and the writes it made. Kept only while someone
    watches the cluster's loop, and only the last few hundred per cluster."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    controller = models.CharField(max_length=64)  # the component, e.g. "deployment-controller"
    kind = models.CharField(max_length=64)  # the kind its keys name
    key = models.CharField(max_length=600)  # namespace/name
    data = models.TextField()  # JSON: the whole record
    routine = models.BooleanField(default=False)  # a node's heartbeat: kept apart, fewer of them

    class Meta:
        indexes = [models.Index(fields=["cluster", "id"], name="trace_by_cluster")]

    def __str__(self) -> str:
        return f"{self.controller} {self.key}"


class TraceWatch(models.Model):
    """Someone has the controller loop page of this cluster open: record reconciles until `until`
    (wall time; the page renews it while its socket is open)."""

    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.cluster_id} until {self.until}"


class ClusterLease(models.Model):
    """Which controller worker (`runcontrollers`) holds a cluster, as a coordination.k8s.io Lease
    holds a shard, kept out of the clusters themselves: an attendee's `kubectl get leases -A`
    never shows the playground's own machinery (playground/store/leases.py). A row without a
    cluster is a worker's own lease, saying it is alive, so the others leave it its share.

    `lease_transitions` is the fencing epoch: it goes up each time the holder changes, and a
    write names the epoch its worker holds, so a worker that lost the cluster cannot write."""

    cluster = models.OneToOneField(Cluster, null=True, on_delete=models.CASCADE, related_name="+")
    holder_identity = models.CharField(max_length=253, blank=True)  # "" once released
    acquire_time = models.DateTimeField()
    renew_time = models.DateTimeField()
    lease_duration_seconds = models.FloatField()
    lease_transitions = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.cluster_id or 'worker'} held by {self.holder_identity or 'nobody'}"


class RequestBucket(models.Model):
    """A cluster's request budget (its quota's requests_per_second) when several web processes
    serve the pages and the API: the token bucket of playground/store/quota.py kept in the
    database, so the limit holds for the cluster however many processes its requests reach.
    `counted` is wall-clock seconds (time.time()): the processes share no monotonic clock."""

    cluster = models.OneToOneField(Cluster, primary_key=True, on_delete=models.CASCADE, related_name="+")
    tokens = models.FloatField()
    counted = models.FloatField()
    took = models.BooleanField(default=True)  # whether the last request found a token: one statement answers both

    def __str__(self) -> str:
        return f"{self.cluster_id}: {self.tokens:.2f} tokens"
