"""The discovery API group: EndpointSlice, the Service endpoints the EndpointSlice controller writes.

`validate` (this package's __init__) calls these after ObjectMeta's rules. It follows
k8s.io/kubernetes pkg/apis/discovery/validation/validation.go (ValidateEndpointSlice, its address
and port rules, ValidateEndpointSliceUpdate) and core's ValidateNonSpecialIP for the addresses.
"""
from __future__ import annotations

import ipaddress

from playground.store.errors import duplicate, invalid, not_supported, required

from .core import PORT_PROTOCOLS
from .field import Errors, as_list, as_map, as_text, child, index, invalid_each, too_many
from .meta import validate_immutable
from .names import is_dns1123_subdomain, is_qualified_name, validate_dns1123_label

ENDPOINT_SLICE_ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
MAX_SLICE_ENDPOINTS, MAX_ENDPOINT_ADDRESSES, MAX_SLICE_PORTS = 1000, 100, 100



def validate_endpoint_slice(endpoint_slice: dict, *, address_types: list[str] = ENDPOINT_SLICE_ADDRESS_TYPES) -> Errors:
    address_type = as_text(endpoint_slice.get("addressType"))
    errors: Errors = []
    if not address_type:
        errors.append(required("addressType"))
    elif address_type not in address_types:
        errors.append(not_supported("addressType", address_type, address_types))
    errors += _validate_slice_endpoints(as_list(endpoint_slice.get("endpoints")), address_type)
    return errors + _validate_slice_ports(as_list(endpoint_slice.get("ports")))


def validate_endpoint_slice_update(endpoint_slice: dict, old: dict) -> Errors:
    # "IP", deprecated, is kept on slices that already have it
    errors = validate_endpoint_slice(endpoint_slice, address_types=[*ENDPOINT_SLICE_ADDRESS_TYPES, "IP"])
    return errors + validate_immutable(endpoint_slice.get("addressType"), old.get("addressType"), "addressType")


def _validate_slice_endpoints(endpoints: list, address_type: str) -> Errors:
    if len(endpoints) > MAX_SLICE_ENDPOINTS:
        return [too_many("endpoints", len(endpoints), MAX_SLICE_ENDPOINTS)]
    errors: Errors = []
    for i, endpoint in enumerate(map(as_map, endpoints)):
        path = child(index("endpoints", i), "addresses")
        addresses = as_list(endpoint.get("addresses"))
        if not addresses:
            errors.append(required(path, "must contain at least 1 address"))
        elif len(addresses) > MAX_ENDPOINT_ADDRESSES:
            errors.append(too_many(path, len(addresses), MAX_ENDPOINT_ADDRESSES))
        for j, address in enumerate(addresses):
            errors += _validate_slice_address(as_text(address), address_type, index(path, j))
        if isinstance(endpoint.get("hostname"), str):
            errors += validate_dns1123_label(endpoint["hostname"], child(index("endpoints", i), "hostname"))
    return errors


def _validate_slice_address(address: str, address_type: str, path: str) -> Errors:
    if address_type == "FQDN":
        return invalid_each(path, address, is_dns1123_subdomain(address))
    if address_type not in ("IPv4", "IPv6"):
        return []  # unknown types fall through unchecked, as in Kubernetes
    errors: Errors = []
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return [invalid(path, address, f"must be a valid {address_type} address"), invalid(path, address, "must be a valid IP address")]
    if ip.version != (4 if address_type == "IPv4" else 6):
        errors.append(invalid(path, address, f"must be a valid {address_type} address"))
    return errors + _validate_non_special_ip(ip, address, path)


def _validate_non_special_ip(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, address: str, path: str) -> Errors:
    """ValidateNonSpecialIP: an endpoint may not be the unspecified, loopback or link-local address."""
    errors: Errors = []
    if ip.is_unspecified:
        errors.append(invalid(path, address, f"may not be unspecified ({address})"))
    if ip.is_loopback:
        errors.append(invalid(path, address, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if ip.is_link_local:
        errors.append(invalid(path, address, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    if ip in ipaddress.ip_network("224.0.0.0/24") or (ip.version == 6 and ip in ipaddress.ip_network("ff02::/16")):
        errors.append(invalid(path, address, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))
    return errors


def _validate_slice_ports(ports: list) -> Errors:
    if len(ports) > MAX_SLICE_PORTS:
        return [too_many("ports", len(ports), MAX_SLICE_PORTS)]
    errors: Errors = []
    names: set[str] = set()
    for i, port in enumerate(map(as_map, ports)):
        path, name = index("ports", i), as_text(port.get("name"))
        if name:
            errors += validate_dns1123_label(name, child(path, "name"))
        if name in names:
            errors.append(duplicate(child(path, "name"), name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errors.append(required(child(path, "protocol")))
        elif protocol not in PORT_PROTOCOLS:
            errors.append(not_supported(child(path, "protocol"), protocol, PORT_PROTOCOLS))
        if isinstance(port.get("appProtocol"), str):
            errors += invalid_each(child(path, "appProtocol"), port["appProtocol"], is_qualified_name(port["appProtocol"]))
    return errors

