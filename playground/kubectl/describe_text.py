"""describe.go's way of writing text: a PrefixWriter (levels of two spaces) over Go's
text/tabwriter (minwidth 0, padding 2), and the lines every describer prints alike (labels,
annotations, timestamps). describe.py and describe_node.py write through it.
"""
from __future__ import annotations

import datetime

from playground.store import api as store
from playground.store import tables

SKIPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration",)
MAX_ANNOTATION_LEN = 140


def tabwrite(text: str, *, padding: int = 2) -> str:
    """Go's text/tabwriter (minwidth 0, padchar ' ', no flags): a tab ends a cell; a column is
    aligned over the block of consecutive lines that have a cell in it."""
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    widths: list[int] = []

    def write_lines(line0: int, line1: int) -> None:
        for cells in lines[line0:line1]:
            out.append("".join(cell.ljust(widths[j]) if j < len(widths) and j < len(cells) - 1 else cell
                               for j, cell in enumerate(cells)))

    def format_(line0: int, line1: int) -> None:
        column = len(widths)
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(line0, this)
            line0, width = this, 0
            while this < line1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            widths.append(width)
            format_(line0, this)
            widths.pop()
            line0 = this
        write_lines(line0, line1)

    format_(0, len(lines))
    return "\n".join(out)


class PrefixWriter:
    """describe.go's PrefixWriter: text at a level of indentation (two spaces a level)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, level: int, text: str) -> None:
        self.parts.append("  " * level + text)

    def text(self) -> str:
        return tabwrite("".join(self.parts))


# --- what describe.go prints the same way for every kind ------------------------------------------


def rfc1123z(text: str | None) -> str:
    moment = store.parse_timestamp(text)
    return moment.strftime("%a, %d %b %Y %H:%M:%S %z") if moment else "<unknown>"


def since(text: str | None, now: datetime.datetime) -> str:
    """translateTimestampSince."""
    moment = store.parse_timestamp(text)
    return tables.human_duration(now - moment) if moment else "<unknown>"


def labels_multiline(w: PrefixWriter, title: str, labels: dict[str, str] | None, *, indent: str = "") -> None:
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(sorted(labels)):
        if i:
            w.write(0, f"{indent}\t")
        w.write(0, f"{key}={labels[key]}\n")


def annotations_multiline(w: PrefixWriter, title: str, annotations: dict[str, str] | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k not in SKIPPED_ANNOTATIONS)
    if not keys:
        w.write(0, "<none>\n")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = annotations[key].removesuffix("\n")  # type: ignore[index]
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                short = part if len(part) <= MAX_ANNOTATION_LEN - 2 else part[:MAX_ANNOTATION_LEN - 2] + "..."
                w.write(0, f"\t  {short}\n")
        else:
            w.write(0, f"{key}: {value}\n")
