"""The kinds the store knows: their API group/version, REST names and scope.

Input → here → admission and the CLI: every layer that turns "deploy", "deployments" or
"Deployment" into a kind asks this table, the way kubectl asks the API server's discovery
(`kubectl api-resources`). The schema file names are those of the kubernetes-validate package.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    kind: str
    api_version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    has_status: bool = True  # has a status subresource: a main-resource write keeps status

    @property
    def group(self) -> str:
        return self.api_version.rpartition("/")[0] if "/" in self.api_version else ""

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def plural_kind(self) -> str:
        """The kind in the plural as a heading says it: StorageClasses, Endpoints, NetworkPolicies.
        Spelled from the API's own plural (`storageclasses`), never by adding an "s"."""
        same = 0
        while same < min(len(self.kind), len(self.plural)) and self.kind[same].lower() == self.plural[same]:
            same += 1
        return self.kind[:same] + self.plural[same:]

    @property
    def schema_file(self) -> str:
        group = self.group.split(".")[0]
        version = self.api_version.rpartition("/")[2]
        return f"{self.kind.lower()}-{group + '-' if group else ''}{version}.json"

    @property
    def kubectl_type(self) -> str:
        """`deployment.apps`: how kubectl names the type in `deployment.apps/nginx created`."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def resource(self) -> str:
        """`deployments.apps`, as the API server names a resource in its messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def qualified(self) -> str:
        """`Deployment.apps`, as the API server names a kind in its errors."""
        return f"{self.kind}.{self.group}" if self.group else self.kind


KINDS: dict[str, Kind] = {
    k.kind: k
    for k in (
        Kind("Namespace", "v1", "namespaces", False, ("ns",)),
        Kind("Node", "v1", "nodes", False, ("no",)),
        Kind("Pod", "v1", "pods", True, ("po",)),
        Kind("ReplicaSet", "apps/v1", "replicasets", True, ("rs",)),
        Kind("Deployment", "apps/v1", "deployments", True, ("deploy",)),
        Kind("StatefulSet", "apps/v1", "statefulsets", True, ("sts",)),
        Kind("DaemonSet", "apps/v1", "daemonsets", True, ("ds",)),
        Kind("ControllerRevision", "apps/v1", "controllerrevisions", True, has_status=False),
        Kind("Job", "batch/v1", "jobs", True),
        Kind("Service", "v1", "services", True, ("svc",)),
        Kind("Endpoints", "v1", "endpoints", True, ("ep",), has_status=False),
        Kind("EndpointSlice", "discovery.k8s.io/v1", "endpointslices", True, has_status=False),
        Kind("ConfigMap", "v1", "configmaps", True, ("cm",), has_status=False),
        Kind("Secret", "v1", "secrets", True, has_status=False),
        Kind("ServiceAccount", "v1", "serviceaccounts", True, ("sa",), has_status=False),
        Kind("PersistentVolume", "v1", "persistentvolumes", False, ("pv",)),
        Kind("PersistentVolumeClaim", "v1", "persistentvolumeclaims", True, ("pvc",)),
        Kind("StorageClass", "storage.k8s.io/v1", "storageclasses", False, ("sc",), has_status=False),
        Kind("PriorityClass", "scheduling.k8s.io/v1", "priorityclasses", False, ("pc",), has_status=False),
        Kind("Event", "v1", "events", True, ("ev",), has_status=False),
        Kind("Lease", "coordination.k8s.io/v1", "leases", True, has_status=False),
    )
}

_BY_NAME: dict[str, Kind] = {}
for _k in KINDS.values():
    for _name in (_k.kind.lower(), _k.plural, _k.singular, *_k.short_names):
        _BY_NAME[_name] = _k
        if _k.group:
            _BY_NAME[f"{_name}.{_k.group}"] = _k


def kind_for(api_version: str, kind: str) -> Kind | None:
    """The Kind of a manifest's apiVersion and kind, or None if the store does not serve it."""
    known = KINDS.get(kind)
    return known if known is not None and known.api_version == api_version else None


def resolve(resource: str) -> Kind | None:
    """What `kubectl get RESOURCE` means: `deploy`, `deployments`, `Deployment`, `deployments.apps`."""
    return _BY_NAME.get(resource.lower())
