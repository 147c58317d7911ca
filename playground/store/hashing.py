"""The hashes and random names Kubernetes derives: Go's hash/fnv (FNV-1 and FNV-1a, 32 bits) and
apimachinery's util/rand alphabet (staging/src/k8s.io/apimachinery/pkg/util/rand/rand.go).

The store names `generateName` objects from the alphabet; the Deployment controller's
pod-template-hash (FNV-1a) and the StatefulSet and DaemonSet revisions' hashes (FNV-1) are
encoded with it.
"""
from __future__ import annotations

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # no vowels, no 0, 1, 3: no bad words, nothing misread
_FNV32_OFFSET, _FNV32_PRIME = 0x811C9DC5, 0x01000193


def fnv32(data: bytes) -> int:
    """FNV-1, 32 bits (hash/fnv New32, which HashControllerRevision uses)."""
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h * _FNV32_PRIME) & 0xFFFFFFFF) ^ byte
    return h


def fnv32a(data: bytes) -> int:
    """FNV-1a, 32 bits (hash/fnv New32a, which ComputeHash uses for pod-template-hash)."""
    h = _FNV32_OFFSET
    for byte in data:
        h = ((h ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return h


def safe_encode_string(s: str) -> str:
    """rand.SafeEncodeString: each character mapped into the alphabet."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in s)
