"""Kubernetes' protobuf as kubectl's typed clients send it, read into the JSON the store takes;
anything else is a clear 400, never a crash."""
from __future__ import annotations

import random

import pytest

from playground.apiserver import protobuf
from playground.store.kinds import KINDS


def varint(n: int) -> bytes:
    out = b""
    while True:
        low, n = n & 0x7F, n >> 7
        if not n:
            return out + bytes([low])
        out += bytes([low | 0x80])


def field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def text(number: int, value: str) -> bytes:
    return field(number, value.encode())


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    return protobuf.MAGIC + field(1, text(1, api_version) + text(2, kind)) + field(2, raw)


def test_a_config_map_with_its_metadata_and_data():
    metadata = text(1, "demo") + text(2, "") + field(11, text(1, "app") + text(2, "web"))  # name, generateName, labels
    config_map = field(1, metadata) + field(2, text(1, "a") + text(2, "b"))

    assert protobuf.decode(envelope("v1", "ConfigMap", config_map), KINDS["ConfigMap"]) == {
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "demo", "labels": {"app": "web"}},
        "data": {"a": "b"}}


def test_a_zero_is_kept_only_where_go_holds_a_pointer():
    # DeploymentSpec: replicas (1, *int32) is 0 on purpose; minReadySeconds (5, int32) is only unset
    spec = field(1, 0) + field(5, 0)
    deployment = field(1, text(1, "web")) + field(2, spec)

    decoded = protobuf.decode(envelope("apps/v1", "Deployment", deployment), KINDS["Deployment"])

    assert decoded["spec"] == {"replicas": 0}


def test_quantities_and_int_or_strings_take_their_json_forms():
    limits = field(1, text(1, "cpu") + field(2, text(1, "250m")))  # ResourceRequirements.limits
    port = field(4, field(1, 1) + text(3, "http"))  # ServicePort.targetPort as a string
    container = text(1, "web") + text(2, "nginx") + field(8, limits)
    pod = field(1, text(1, "p")) + field(2, field(2, container))
    service = field(1, text(1, "s")) + field(2, field(1, text(1, "http") + field(3, 80) + port))

    assert protobuf.decode(envelope("v1", "Pod", pod), KINDS["Pod"])["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "250m"}}
    assert protobuf.decode(envelope("v1", "Service", service), KINDS["Service"])["spec"]["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http"}]


@pytest.mark.parametrize("body, message", [
    (b'{"kind": "ConfigMap"}', "prefix"),
    (envelope("v1", "Secret", b""), "holds Secret v1, not ConfigMap v1"),
    (protobuf.MAGIC + b"\x0a\xff", "runs past the end"),
    (protobuf.MAGIC + b"\x0a\x05ab", "ends inside a field"),
    (protobuf.MAGIC + b"\x0f", "wire type 7"),
    (envelope("v1", "ConfigMap", field(1, 5)), "wire type 0"),
])
def test_a_body_that_is_not_one_is_refused_with_the_reason(body, message):
    with pytest.raises(protobuf.ProtobufError, match=message):
        protobuf.decode(body, KINDS["ConfigMap"])


def test_random_damage_is_refused_or_read_never_a_crash():
    base = envelope("v1", "ConfigMap", field(1, text(1, "demo")) + field(2, text(1, "a") + text(2, "b")))
    generator = random.Random(14)
    for _ in range(3000):
        body = bytearray(base)
        for _ in range(generator.randint(1, 4)):
            body[generator.randrange(4, len(body))] = generator.getrandbits(8)
        for kind in ("ConfigMap", "Pod", "Deployment"):
            try:
                protobuf.decode(bytes(body[:generator.randrange(4, len(body) + 1)]), KINDS[kind])
            except protobuf.ProtobufError:
                pass
