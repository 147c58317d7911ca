"""How kubectl lays out the Table of `kubectl get`: headers, `-o wide`, `-A`, kind prefixes, and
the aligned text.

The server side decides the columns and the cells (playground/store/tables.py, as the API
server's TableConvertor does); this module is kubectl's side of it, used by the `get` and
`events` commands and by the pages that show kubectl's text. It follows
staging/src/k8s.io/cli-runtime/pkg/printers/tableprinter.go and tabwriter.go: kubectl
upper-cases headers, hides Priority 1 columns unless `-o wide`, adds NAMESPACE for `-A`,
prefixes names with `kind.group/` when several kinds are printed, truncates multi-line cells and
aligns columns (tabwriter: min width 6, padding 3, last column unpadded).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from playground.store import tables
from playground.store.kinds import KINDS

Obj = dict[str, Any]

# kubectl's tabwriter (cli-runtime printers.GetNewTabWriter)
TABWRITER_MIN_WIDTH = 6
TABWRITER_PADDING = 3
CELL_BREAK_CHARS = "\f\n\r"  # kubectl cuts a cell at the first of these and adds "..."


def columns(kind: str, *, wide: bool = False) -> list[str]:
    """The headers `kubectl get KIND` prints (with `-o wide` when `wide`)."""
    return [c.name.upper() for c in tables.column_definitions(kind) if _shown(c, wide)]


def row(obj: Obj, *, now: datetime.datetime, wide: bool = False) -> list[str]:
    """The cells of one object that kubectl shows, in the order of `columns(obj["kind"], wide=wide)`."""
    definitions = tables.column_definitions(obj.get("kind", ""))
    cells = tables.cells(obj, now=now, wide=wide)
    return [cell for cell, column in zip(cells, definitions) if _shown(column, wide)]


def table(
    objects: list[Obj],
    *,
    now: datetime.datetime,
    wide: bool = False,
    with_namespace: bool = False,
    with_kind: bool = False,
    labels: Labels | None = None,
    headers_shown: bool = True,
) -> str:
    """The text `kubectl get` prints for objects of one kind, ending in a newline.

    No objects print nothing: kubectl says "No resources found" on stderr, not in the table.
    """
    if not objects:
        return ""
    return print_table(
        tables.table(objects, now=now, wide=wide), wide=wide, with_namespace=with_namespace, with_kind=with_kind,
        labels=labels, headers_shown=headers_shown,
    )


@dataclass
class Labels:
    """`-L KEY` (a column per label key) and `--show-labels` (a LABELS column), as tableprinter's
    decorateTable adds them after the server's columns."""

    columns: list[str] = field(default_factory=list)
    show: bool = False

    def headers(self) -> list[str]:
        return [key.rsplit("/", 1)[-1].upper() for key in self.columns] + (["LABELS"] if self.show else [])

    def cells(self, obj: Obj) -> list[str]:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        shown = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "<none>"
        return [labels.get(key, "") for key in self.columns] + ([shown] if self.show else [])


def print_table(table: tables.Table, *, wide: bool = False, with_namespace: bool = False,
                with_kind: bool = False, headers_shown: bool = True, widths: list[int] | None = None,
                labels: Labels | None = None) -> str:
    """tableprinter.PrintObj: the text of a Table the server made. `kubectl get -w` prints its
    later rows without the headers, through a tabwriter that remembers its columns' `widths`."""
    shown = [i for i, column in enumerate(table.column_definitions) if _shown(column, wide)]
    headers = [table.column_definitions[i].name.upper() for i in shown]
    rows = [[r.cells[i] for i in shown] for r in table.rows]
    name_at = next((at for at, i in enumerate(shown) if table.column_definitions[i].format == "name"), None)
    if with_kind and name_at is not None and table.rows:
        prefix = _kind_prefix(table.rows[0].object)
        for cells in rows:
            cells[name_at] = f"{prefix}/{cells[name_at]}"
    if labels is not None:
        headers = [*headers, *labels.headers()]
        rows = [[*cells, *labels.cells(r.object)] for r, cells in zip(table.rows, rows)]
    if with_namespace:
        headers = ["NAMESPACE", *headers]
        rows = [[_namespace(r.object), *cells] for r, cells in zip(table.rows, rows)]
    return text_table(headers, rows, headers_shown=headers_shown, widths=widths)


def text_table(headers: list[str], rows: list[list[str]], *, headers_shown: bool = True,
               widths: list[int] | None = None) -> str:
    """Columns laid out as kubectl lays out its tables (custom columns), ending in a newline."""
    lines = [[_cell_text(c) for c in cells] for cells in rows]
    if not headers_shown:
        return _tabwrite(lines, widths) if lines else ""
    return _tabwrite([headers, *lines], widths)


def _shown(column: tables.ColumnDefinition, wide: bool) -> bool:
    return wide or column.priority == 0


def _namespace(obj: Obj) -> str:
    return (obj.get("metadata") or {}).get("namespace", "")


def _kind_prefix(obj: Obj) -> str:
    """`deployment.apps`, `pod`: strings.ToLower(GroupKind.String()), as `kubectl get all` shows."""
    kind = obj["kind"]
    api_version = obj.get("apiVersion") or (KINDS[kind].api_version if kind in KINDS else "")
    group = api_version.rpartition("/")[0]
    return f"{kind}.{group}".lower() if group else kind.lower()


def _cell_text(cell: str) -> str:
    # A newline would break the table, so kubectl shows only the first line of a cell
    cut = min((cell.find(ch) for ch in CELL_BREAK_CHARS if ch in cell), default=-1)
    return cell if cut < 0 else cell[:cut] + "..."


def _tabwrite(lines: list[list[str]], remembered: list[int] | None = None) -> str:
    """Go's text/tabwriter as kubectl sets it up: every cell but a line's last is a column cell.
    With `remembered` (cli-runtime's tabwriter RememberWidths, as `get -w` uses it) a column never
    narrows from one flush to the next, and the list keeps the widths for the next."""
    ncols = len(lines[0])
    widths = [
        max(TABWRITER_MIN_WIDTH, max(len(line[i]) for line in lines) + TABWRITER_PADDING)
        for i in range(ncols - 1)
    ]
    if remembered is not None:
        widths = [max(w, remembered[i]) if i < len(remembered) else w for i, w in enumerate(widths)]
        remembered[:] = widths
    out = []
    for line in lines:
        padded = [cell.ljust(width) for cell, width in zip(line, widths)]
        out.append(("".join(padded) + line[-1]).rstrip())
    return "\n".join(out) + "\n"
