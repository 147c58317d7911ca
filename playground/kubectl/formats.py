"""What `kubectl get -o ...` prints, and which formats the console refuses and why.

Get and `get -w` (commandline.py, watch.py) → `read_format(...)` → a Format → `documents(...)` for
the formats that print each object (or a List) as text: yaml, json, name, jsonpath, custom
columns. The table (the default and `-o wide`, with `--show-labels`, `-L`, `--no-headers`) is
printers.py's. Follows cli-runtime's PrintFlags (printers' allowed formats, their messages).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import jsonpath
from .errors import KubectlError
from .output import as_list, reference, to_json, to_yaml
from .printers import Labels, text_table

Obj = dict[str, Any]
ALLOWED = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
           "jsonpath-file,name,template,templatefile,wide,yaml")
# Formats kubectl has and this one does not, with the reason a learner is given
REFUSED = {
    "go-template": "Go templates need Go's template engine, which the playground does not have: "
                   "-o jsonpath=... reads the same fields, e.g. -o jsonpath='{.metadata.name}'",
    "template": "Go templates need Go's template engine, which the playground does not have: "
                "-o jsonpath=... reads the same fields, e.g. -o jsonpath='{.metadata.name}'",
    "go-template-file": "the console reads no files of the server: write the template after -o jsonpath=",
    "templatefile": "the console reads no files of the server: write the template after -o jsonpath=",
    "jsonpath-file": "the console reads no files of the server: write the template after -o jsonpath=",
    "custom-columns-file": "the console reads no files of the server: write the columns after -o custom-columns=",
}


@dataclass
class Format:
    """`-o NAME[=ARGUMENT]` and the table's own flags."""

    name: str = ""  # "" is the table
    argument: str = ""  # the template of jsonpath=, the columns of custom-columns=
    labels: Labels | None = None
    headers: bool = True
    columns: list[jsonpath.Column] = field(default_factory=list)

    @property
    def table(self) -> bool:
        return self.name in ("", "wide")


def read_format(output: str | None, *, show_labels: bool = False, label_columns: list[str] | None = None,
                no_headers: bool = False) -> Format:
    """The format `-o` names, or kubectl's error for one it does not know (or the console refuses)."""
    name, _, argument = (output or "").partition("=")
    if name in REFUSED:
        raise KubectlError(f"-o {name} is not in this console: {REFUSED[name]}")
    if name not in ("", "wide", "yaml", "json", "name", "jsonpath", "jsonpath-as-json", "custom-columns"):
        raise KubectlError(f'unable to match a printer suitable for the output format "{output}", '
                           f"allowed formats are: {ALLOWED}")
    if name.startswith("jsonpath") and not argument:
        raise KubectlError("template format specified but no template given")
    if show_labels and name not in ("", "wide"):
        raise KubectlError(f"--show-labels option cannot be used with {output} printer")
    labels = Labels(label_columns or [], show_labels) if (show_labels or label_columns) else None
    columns = jsonpath.columns(argument) if name == "custom-columns" else []
    if name.startswith("jsonpath"):
        jsonpath.parse_checked(argument)
    return Format(name, argument, labels, not no_headers, columns)


def documents(objects: list[Obj], fmt: Format, *, single: bool, headers: bool = True) -> str:
    """What a non-table format prints for these objects: one document (the object when one was
    named, else a List), a name a line, or custom columns."""
    if fmt.name == "name":
        return "\n".join(reference(obj) for obj in objects)
    if fmt.name == "custom-columns":
        rows = [jsonpath.column_cells(fmt.columns, obj) for obj in objects]
        return text_table([c.header for c in fmt.columns], rows, headers_shown=headers and fmt.headers).rstrip("\n")
    document = objects[0] if single else as_list(objects)
    if fmt.name == "jsonpath":
        return jsonpath.render(fmt.argument, document)
    if fmt.name == "jsonpath-as-json":
        return to_json(jsonpath.results(fmt.argument, document))
    return (to_yaml if fmt.name == "yaml" else to_json)(document).rstrip("\n")
