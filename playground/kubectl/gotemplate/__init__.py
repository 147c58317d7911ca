"""`kubectl get -o go-template=…` (and `-o template=`, `go-template-file=`): Go's text/template
over the object as kubectl hands it over, with kubectl's two extra functions.

formats.py → `parse(template)` once, when the printer is made (a template that does not parse
fails before anything is read) → `execute(tree, obj)` per document. Follows Go's text/template
(lex.go, parse.go, exec.go, funcs.go) and k8s.io/cli-runtime/pkg/printers/template.go, which
kubectl v1.32 builds: the object is JSON decoded by k8s.io/apimachinery's json (whole numbers are
int64, the others float64), options `missingkey=default` (kubectl's --allow-missing-template-keys
is true: a missing key prints `<no value>`), the functions `exists` and `base64decode` (no sprig
before 1.33). A subset of the language, written by hand (no maintained Python engine exists):
text, `{{- -}}`, comments, actions with pipelines, variables (`$x :=`, `$x =`, `range $i, $e :=`),
if / else if / else, range / else / break / continue, with / else with, and the functions and, or,
not, eq, ne, lt, le, gt, ge, len, index, slice, print, printf, println, html, urlquery, exists,
base64decode. Not here: define / template / block, call, js. Error texts are Go's.

The package is laid out as Go's is: parse.py the lexer and the parse tree (text/template/parse),
exec.py the executor (exec.go), funcs.py the functions with fmt's printf verbs (funcs.go), over
values.py, the values as Go sees and prints them. Callers use only what this module names.
"""
from __future__ import annotations

from .exec import TemplateExecError, execute
from .parse import TemplateParseError, Tree, parse
from .values import go_value

__all__ = ["TemplateExecError", "TemplateParseError", "Tree", "execute", "go_value", "parse"]
