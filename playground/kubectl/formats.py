"""What `kubectl get -o ...` prints, and which formats the console refuses and why.

Get and `get -w` (commandline/viewing.py, watch.py) → `read_format(...)` → a Format → `documents(...)` for
the formats that print each object (or a List) as text: yaml, json, name, jsonpath, custom
columns, Go templates (gotemplate/; `-o go-template-file=` reads a file from the command line,
never in the console: console.py refuses it before this runs). The table (the default and `-o wide`, with `--show-labels`, `-L`, `--no-headers`) is
printers.py's. Follows cli-runtime's PrintFlags (printers' allowed formats, their messages).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import gotemplate, jsonpath
from .errors import KubectlError
from .output import as_list, reference, to_json, to_yaml
from .printers import Labels, text_table

Obj = dict[str, Any]
ALLOWED = ("custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
           "jsonpath-file,name,template,templatefile,wide,yaml")
# Formats kubectl has and this one does not, with the reason a learner is given
REFUSED = {
    "jsonpath-file": "the console reads no files of the server: write the template after -o jsonpath=",
    "custom-columns-file": "the console reads no files of the server: write the columns after -o custom-columns=",
}
# Read from a file named after `=` by the command line; the console refuses them (FILE_FORMATS)
TEMPLATE_FILES = {"go-template-file": "go-template", "templatefile": "go-template"}
FILE_FORMATS = {**TEMPLATE_FILES, "jsonpath-file": "jsonpath", "custom-columns-file": "custom-columns"}
CONSOLE_FILE_REFUSAL = "the console reads no files of the server: write the template after -o go-template="
TEMPLATE_FORMATS = ("go-template", "template", "go-template-file", "templatefile", "jsonpath", "jsonpath-as-json")
MAX_TEMPLATE_FILE = 64 * 1024  # bytes of a template file read


class TemplateFailed(KubectlError):
    """A Go template failed while executing: `printed` is what kubectl writes on stdout first
    (the template's output so far and its debugging dump), the message goes to stderr."""

    def __init__(self, message: str, printed: str) -> None:
        super().__init__(message)
        self.printed = printed


@dataclass
class Format:
    """`-o NAME[=ARGUMENT]` and the table's own flags."""

    name: str = ""  # "" is the table
    argument: str = ""  # the template of jsonpath=, the columns of custom-columns=
    labels: Labels | None = None
    headers: bool = True
    columns: list[jsonpath.Column] = field(default_factory=list)
    template: gotemplate.Tree | None = None  # -o go-template=, parsed when the printer is made
    allow_missing_keys: bool = True  # --allow-missing-template-keys

    @property
    def table(self) -> bool:
        return self.name in ("", "wide")


def read_format(output: str | None, *, template: str = "", show_labels: bool = False,
                label_columns: list[str] | None = None, no_headers: bool = False, allow_missing_keys: str = "true") -> Format:
    """The format `-o` names, or kubectl's error for one it does not know (or the console refuses);
    `--template` is the template (or its file) when `-o` names none, and alone means go-template."""
    name, _, argument = (output or ("go-template" if template else "")).partition("=")
    argument = argument or (template if name in TEMPLATE_FORMATS else "")
    if name in REFUSED:
        raise KubectlError(f"-o {name} is not in this console: {REFUSED[name]}")
    if name in TEMPLATE_FILES and argument:
        name, argument = TEMPLATE_FILES[name], read_template_file(argument)
    name = "go-template" if name in ("template", "templatefile", "go-template-file") else name
    if name not in ("", "wide", "yaml", "json", "name", "jsonpath", "jsonpath-as-json", "custom-columns", "go-template"):
        raise KubectlError(f'unable to match a printer suitable for the output format "{output}", '
                           f"allowed formats are: {ALLOWED}")
    if (name.startswith("jsonpath") or name == "go-template") and not argument:
        raise KubectlError("template format specified but no template given")
    if show_labels and name not in ("", "wide"):
        raise KubectlError(f"--show-labels option cannot be used with {output} printer")
    labels = Labels(label_columns or [], show_labels) if (show_labels or label_columns) else None
    columns = jsonpath.columns(argument) if name == "custom-columns" else []
    if name.startswith("jsonpath"):
        jsonpath.parse_checked(argument)
    if allow_missing_keys != "true" and name.startswith("jsonpath"):
        raise KubectlError("--allow-missing-template-keys=false is offered here for -o go-template only, not jsonpath")
    return Format(name, argument, labels, not no_headers, columns,
                  parsed_template(argument) if name == "go-template" else None, allow_missing_keys == "true")


def read_template_file(path: str) -> str:
    """`-o go-template-file=PATH`: the template in that file (kubectl's error when it cannot be read)."""
    try:
        with open(path, "rb") as stream:
            return stream.read(MAX_TEMPLATE_FILE).decode(errors="replace")
    except OSError as error:
        raise KubectlError(f"error reading --template {path}, {error}") from None


def parsed_template(template: str) -> gotemplate.Tree:
    try:
        return gotemplate.parse(template)
    except gotemplate.TemplateParseError as error:
        raise KubectlError(f"error parsing template {template}, {error}") from None


def go_template(fmt: Format, document: Obj) -> str:
    """What kubectl's GoTemplatePrinter prints: the template's output, or, when it fails, its
    debugging dump on stdout and the error (cli-runtime/pkg/printers/template.go PrintObj)."""
    assert fmt.template is not None
    try:
        return gotemplate.execute(fmt.template, document, missing_key_error=not fmt.allow_missing_keys)
    except gotemplate.TemplateExecError as error:
        raw = (json.dumps(document, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
               .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))
        dump = (f"{error.printed}Error executing template: {error}. Printing more information for debugging the template:\n"
                f"\ttemplate was:\n\t\t{fmt.argument}\n\traw data was:\n\t\t{raw}\n"
                f"\tobject given to template engine was:\n\t\t{gotemplate.go_value(document)}\n")
        quoted = json.dumps(fmt.argument, ensure_ascii=False)
        raise TemplateFailed(f"error executing template {quoted}: {error}", dump) from None


class Lines(Protocol):
    def line(self, text: str) -> None: ...


def print_documents(out: Lines, objects: list[Obj], fmt: Format, *, single: bool, headers: bool = True,
                    skip_empty: bool = False) -> None:
    """`documents` on `out`; a failing Go template prints what kubectl prints on stdout before its error.
    An empty text is no line with `skip_empty` (get -w) and for a Go template (kubectl printed nothing)."""
    try:
        text = documents(objects, fmt, single=single, headers=headers)
    except TemplateFailed as failure:
        out.line(failure.printed)
        raise KubectlError(str(failure)) from None
    if text or not (skip_empty or fmt.name == "go-template"):
        out.line(text)


def documents(objects: list[Obj], fmt: Format, *, single: bool, headers: bool = True) -> str:
    """What a non-table format prints for these objects: one document (the object when one was
    named, else a List), a name a line, or custom columns."""
    if fmt.name == "name":
        return "\n".join(reference(obj) for obj in objects)
    if fmt.name == "custom-columns":
        rows = [jsonpath.column_cells(fmt.columns, obj) for obj in objects]
        return text_table([c.header for c in fmt.columns], rows, headers_shown=headers and fmt.headers).rstrip("\n")
    document = objects[0] if single else as_list(objects)
    if fmt.name == "go-template":
        return go_template(fmt, document).removesuffix("\n")  # the console's line ends it, as kubectl's text did
    if fmt.name == "jsonpath":
        return jsonpath.render(fmt.argument, document)
    if fmt.name == "jsonpath-as-json":
        return to_json(jsonpath.results(fmt.argument, document))
    return (to_yaml if fmt.name == "yaml" else to_json)(document).rstrip("\n")
