"""Byte counts as the pages print them, in one way everywhere: decimal units as `docker images`
prints them (1.6 kB, 74.8 MB, never "0.0 MB"). Which bytes a number counts is said beside it:
an image is *pulled* compressed (what the kubelet reports in node.status.images sizeBytes) and
*unpacked* on disk (`docker images` SIZE); see playground/images/catalog.py."""
from __future__ import annotations


def human(size: int) -> str:
    """Bytes as `docker images` prints them: decimal units, three significant digits."""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.3g} {unit}"
        value /= 1000
    return f"{size} B"
