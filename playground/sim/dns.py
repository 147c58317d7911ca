"""Cluster DNS: the answers CoreDNS's kubernetes plugin gives, from Services, Endpoints and Pods.

`python manage.py dns NAME` → cluster_resolve (reads one cluster's Services, Endpoints, Pods and
Namespaces from the store) → resolve: the name is expanded as a pod's resolver does it (search
list `<ns>.svc.cluster.local svc.cluster.local cluster.local`, ndots 5), and each candidate is
answered from those objects, nothing written. Follows the Kubernetes DNS-Based Service Discovery
specification (kubernetes/dns docs/specification.md) as CoreDNS implements it: plugin/kubernetes
parse.go (parseRequest), kubernetes.go (Records, findServices, findPods, endpointHostname),
handler.go (NXDOMAIN against NODATA) and plugin/backend_lookup.go (A, SRV, CNAME), configured as
kind's Corefile is (`pods insecure`, `ttl 30`); the search list follows glibc's res_search.
The `forward` plugin has no upstream here: a name outside cluster.local is NXDOMAIN.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from playground.store import api as store

Obj = dict[str, Any]
ZONE = "cluster.local"
TTL = 30  # kind's Corefile: `ttl 30`
NDOTS = 5  # the kubelet writes `options ndots:5` into a ClusterFirst pod's resolv.conf
NOERROR, NXDOMAIN = "NOERROR", "NXDOMAIN"
RECORD_TYPES = ("A", "SRV", "CNAME")
POD_MODES = ("insecure", "verified", "disabled")
MAX_CNAME_CHAIN = 7  # backend_lookup.A stops following CNAMEs after this many
NO_PORT: Obj = {}  # the sentinel port CoreDNS gives an endpoint of a Service without ports


@dataclass(frozen=True)
class Record:
    """One resource record of an answer; names are absolute, with the trailing dot."""

    name: str
    type: str
    ttl: int
    data: str

    def __str__(self) -> str:
        return f"{self.name}\t{self.ttl}\tIN\t{self.type}\t{self.data}"


@dataclass(frozen=True)
class Answer:
    """The reply to the last name asked: NXDOMAIN, or NOERROR with records (none is NODATA)."""

    name: str
    rcode: str
    records: tuple[Record, ...] = ()


@dataclass(frozen=True)
class Request:
    """parseRequest's pieces of `[_port._proto.|endpoint.]service.namespace.svc|pod`."""

    pod_or_svc: str = ""
    namespace: str = ""
    service: str = ""
    endpoint: str = ""
    port: str = ""
    protocol: str = ""


@dataclass(frozen=True)
class Backend:
    """CoreDNS's msg.Service: one address (or an ExternalName) behind the asked name."""

    domain: str  # the name the address is known by: an SRV record points at it
    host: str  # an IP, or the domain an ExternalName Service aliases
    port: int | None = None


@dataclass(frozen=True)
class World:
    """The objects CoreDNS's informers hold, indexed as it looks them up."""

    services: dict[tuple[str, str], Obj]
    endpoints: dict[tuple[str, str], Obj]
    pods: list[Obj]
    namespaces: frozenset[str] | None  # None: take every namespace to exist
    pod_mode: str


# -- The resolver of a pod ----------------------------------------------------------------------


def resolve(
    name: str,
    *,
    services: Iterable[Obj],
    endpoints: Iterable[Obj],
    pods: Iterable[Obj],
    namespace: str = "default",
    record_type: str = "A",
    namespaces: Iterable[str] | None = None,
    pod_mode: str = "insecure",
) -> Answer:
    """What `name` resolves to for a pod in `namespace`: the first candidate of its search list
    with records; else NODATA if some candidate exists, else NXDOMAIN (glibc's res_search)."""
    if record_type not in RECORD_TYPES:
        raise ValueError(f"record type {record_type!r} is not one of {', '.join(RECORD_TYPES)}")
    if pod_mode not in POD_MODES:
        raise ValueError(f"pod mode {pod_mode!r} is not one of {', '.join(POD_MODES)}")
    world = World(
        services={_key(s): s for s in services},
        endpoints={_key(e): e for e in endpoints},
        pods=list(pods),
        namespaces=frozenset(namespaces) if namespaces is not None else None,
        pod_mode=pod_mode,
    )
    nodata: Answer | None = None
    answer = Answer(name, NXDOMAIN)
    for candidate in search_candidates(name, namespace):
        answer = query(candidate, record_type, world)
        if answer.records:
            return answer
        if answer.rcode == NOERROR and nodata is None:
            nodata = answer
    return nodata or answer


def search_candidates(name: str, namespace: str) -> list[str]:
    """The absolute names a pod's resolver asks for, in order: a name with a trailing dot is
    asked as it is; one with at least ndots dots first as it is, any other after the search list."""
    name = name.lower()  # DNS names compare without case; CoreDNS matches with EqualFold
    if name.endswith("."):
        return [name]
    searched = [f"{name}.{domain}." for domain in (f"{namespace}.svc.{ZONE}", f"svc.{ZONE}", ZONE)]
    as_is = f"{name}."
    return [as_is, *searched] if name.count(".") >= NDOTS else [*searched, as_is]


# -- The kubernetes plugin ----------------------------------------------------------------------


def query(fqdn: str, record_type: str, world: World) -> Answer:
    """One question to CoreDNS, as its kubernetes plugin's ServeDNS answers it."""
    fqdn = fqdn.lower()
    backends = lookup(fqdn, world)
    if backends is None:
        return Answer(fqdn, NXDOMAIN)
    if record_type == "SRV":
        return Answer(fqdn, NOERROR, srv_records(fqdn, backends))
    if record_type == "CNAME":
        return Answer(fqdn, NOERROR, tuple(_cname(fqdn, b.host) for b in backends if _ip_version(b.host) is None))
    return Answer(fqdn, NOERROR, a_records(fqdn, backends, world, chain=()))


def lookup(fqdn: str, world: World) -> list[Backend] | None:
    """Records(): the backends behind a name of the zone; None is a name error (NXDOMAIN),
    an empty list a name that exists without addresses (NODATA)."""
    base = _trim_zone(fqdn)
    if base is None:
        return None  # not ours: the forward plugin would ask upstream, and there is none
    request = parse_request(base)
    if request is None:
        return None
    if not request.pod_or_svc:
        return []  # the zone's apex, svc.cluster.local or pod.cluster.local
    if world.namespaces is not None and request.namespace not in world.namespaces:
        return None  # namespaceExposed: a namespace that does not exist has no names
    if request.pod_or_svc == "pod":
        return find_pods(request, world)
    return find_services(request, world)


def parse_request(base: str) -> Request | None:
    """parseRequest on the name without its zone; None when it cannot be a cluster name."""
    if base in ("", "svc", "pod"):
        return Request()
    *rest, pod_or_svc = base.split(".")
    if pod_or_svc not in ("svc", "pod"):
        return None
    namespace = rest.pop() if rest else ""
    service = rest.pop() if rest else ""
    # One label left is an endpoint, two are _port._protocol, more is no name the spec defines
    if not rest:
        return Request(pod_or_svc, namespace, service)
    if len(rest) == 1:
        return Request(pod_or_svc, namespace, service, endpoint=rest[0])
    if len(rest) == 2:
        port, protocol = (label.removeprefix("_") for label in rest)
        return Request(pod_or_svc, namespace, service, port=port, protocol=protocol)
    return None


def find_services(request: Request, world: World) -> list[Backend] | None:
    """findServices: an ExternalName's alias, a headless Service's (or an endpoint query's)
    ready endpoints, or a ClusterIP Service's address once per matching port."""
    if not request.service:
        return []  # `<ns>.svc.cluster.local` exists once its namespace does
    service = world.services.get((request.namespace, request.service))
    if service is None:
        return None
    spec = service["spec"]
    domain = f"{request.service}.{request.namespace}.svc.{ZONE}."
    if spec.get("type") == "ExternalName":
        # An ExternalName has no endpoints, and an IP written as its name is no alias
        external = (spec.get("externalName") or "").lower().rstrip(".")
        if request.endpoint or not external or _ip_version(external) is not None:
            return None
        return [Backend(domain, external)]
    if spec.get("clusterIP") == "None" or request.endpoint:
        return endpoint_backends(service, world.endpoints.get((request.namespace, request.service)), request) or None
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    matching = [p for p in spec.get("ports") or [] if port_matches(request, p)]
    return [Backend(domain, ip, p["port"]) for p in matching for ip in ips] if matching else None


def endpoint_backends(service: Obj, endpoints: Obj | None, request: Request) -> list[Backend]:
    """Each ready address of the Service's Endpoints, once per port the request matches, known
    as `<hostname>.<service>.<ns>.svc.cluster.local`."""
    meta = service["metadata"]
    backends = []
    for subset in (endpoints or {}).get("subsets") or []:
        for address in ready_addresses(service, subset):
            hostname = endpoint_hostname(address)
            if request.endpoint and request.endpoint != hostname.lower():
                continue
            domain = f"{hostname}.{meta['name']}.{meta['namespace']}.svc.{ZONE}."
            for port in subset.get("ports") or [NO_PORT]:
                if port_matches(request, port):
                    backends.append(Backend(domain, address["ip"], port.get("port")))
    return backends


def ready_addresses(service: Obj, subset: Obj) -> list[Obj]:
    """The addresses DNS publishes: the ready ones, and the not-ready ones too when the Service
    asks for them (the endpoints controller already files those as ready; a hand-written
    Endpoints may not)."""
    if service["spec"].get("publishNotReadyAddresses"):
        return [*(subset.get("addresses") or []), *(subset.get("notReadyAddresses") or [])]
    return subset.get("addresses") or []


def endpoint_hostname(address: Obj) -> str:
    """endpointHostname: the address's hostname (a StatefulSet pod's name behind its governing
    Service), else its IP with dashes, the system-assigned name the spec allows."""
    if address.get("hostname"):
        return address["hostname"]
    return address["ip"].replace(".", "-").replace(":", "-")


def port_matches(request: Request, port: Obj) -> bool:
    """matchPortAndProtocol: an empty port or protocol in the request matches any."""
    if port is NO_PORT:
        return not request.port and not request.protocol
    name, protocol = (port.get("name") or "").lower(), port.get("protocol", "TCP").lower()
    return request.port in ("", name) and request.protocol in ("", protocol)


def find_pods(request: Request, world: World) -> list[Backend] | None:
    """findPods: `a-b-c-d.<ns>.pod.cluster.local` is a.b.c.d. In insecure mode (kind's) any IP
    answers; verified mode wants a pod of that namespace with that IP."""
    if world.pod_mode == "disabled":
        return None
    if not request.service:
        return []
    label = request.service  # CoreDNS reads the IP from this label even below an extra one
    dashed_v4 = label.count("-") == 3 and "--" not in label
    ip = label.replace("-", ".") if dashed_v4 else label.replace("-", ":")
    if _ip_version(ip) is None:
        return None
    if world.pod_mode == "verified" and not any(
        _pod_ip(p) == ip and p["metadata"].get("namespace") == request.namespace for p in world.pods
    ):
        return None
    return [Backend(f"{label}.{request.namespace}.pod.{ZONE}.", ip)]


# -- Records from backends (plugin/backend_lookup.go) -------------------------------------------


def a_records(fqdn: str, backends: list[Backend], world: World, *, chain: tuple[str, ...]) -> tuple[Record, ...]:
    """A: each IPv4 address once; an alias as a CNAME, followed inside the zone (and kept only
    if it leads somewhere), left to the missing upstream outside it."""
    records: list[Record] = []
    for backend in backends:
        version = _ip_version(backend.host)
        if version == 4:
            record = Record(fqdn, "A", TTL, backend.host)
            if record not in records:
                records.append(record)
        elif version is None:
            records.extend(_follow_alias(fqdn, backend.host, world, chain))
    return tuple(records)


def _follow_alias(fqdn: str, target: str, world: World, chain: tuple[str, ...]) -> list[Record]:
    target_fqdn = f"{target}."
    if target_fqdn == fqdn or target_fqdn in chain or len(chain) >= MAX_CNAME_CHAIN:
        return []  # a loop, or a chain too long to follow
    cname = _cname(fqdn, target)
    if _trim_zone(target_fqdn) is None:
        return [cname]
    followed = a_records(target_fqdn, lookup(target_fqdn, world) or [], world, chain=(*chain, fqdn))
    return [cname, *followed] if followed else []


def srv_records(fqdn: str, backends: list[Backend]) -> tuple[Record, ...]:
    """SRV: priority 0, the weight 100 shared out evenly, one record per target and port,
    aimed at the name each address is known by (an alias's own name, port 0)."""
    # An address without a port (a headless Service without ports, a pod) offers no service
    offered = [b for b in backends if b.port is not None or _ip_version(b.host) is None]
    weight = 100 // len(offered) if offered else 0
    records: list[Record] = []
    for backend in offered:
        target = backend.domain if _ip_version(backend.host) else f"{backend.host}."
        record = Record(fqdn, "SRV", TTL, f"0 {weight} {backend.port or 0} {target}")
        if record not in records:
            records.append(record)
    return tuple(records)


def _cname(fqdn: str, target: str) -> Record:
    return Record(fqdn, "CNAME", TTL, f"{target.rstrip('.')}.")


def _trim_zone(fqdn: str) -> str | None:
    """The labels in front of the cluster domain, or None for a name outside it."""
    name = fqdn.rstrip(".")
    if name == ZONE:
        return ""
    return name.removesuffix(f".{ZONE}") if name.endswith(f".{ZONE}") else None


def _ip_version(text: str) -> int | None:
    try:
        return ipaddress.ip_address(text).version
    except ValueError:
        return None


def _pod_ip(pod: Obj) -> str:
    return (pod.get("status") or {}).get("podIP") or ""


def _key(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


# -- One cluster of the store -------------------------------------------------------------------


def cluster_resolve(cluster: str, name: str, *, namespace: str = "default", record_type: str = "A") -> Answer:
    """`resolve` over what the store holds for one cluster now, as CoreDNS's informers see it."""
    return resolve(
        name,
        services=store.list(cluster, "Service"),
        endpoints=store.list(cluster, "Endpoints"),
        pods=store.list(cluster, "Pod"),
        namespaces=[n["metadata"]["name"] for n in store.list(cluster, "Namespace")],
        namespace=namespace,
        record_type=record_type,
    )


def answer_lines(answer: Answer, *, short: bool = False) -> Iterator[str]:
    """The answer section as `dig +noall +answer` prints it, or its data only as `dig +short`."""
    for record in answer.records:
        yield record.data if short else str(record)
