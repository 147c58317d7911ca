"""kubectl's command line: each verb's flags and what it prints, one definition for the management
commands (`python manage.py get pods -o wide`) and the browser console (`kubectl get pods -o wide`).

argv → VERBS[verb]: its flags on an argparse parser → Verb.run(cluster, out, **options) → the store
(and, for logs, the pod's kubelet through runtime.kubelet_client, as the API server proxies
pods/log) → out.line(...) for stdout, out.error(...) for stderr. A verb that cannot go on raises
KubectlError (printed `error: ...`) or StoreError (`Error from server (Reason): ...`), as kubectl
prints them; `failure_line` words both.

The verbs are grouped as kubectl's reference groups them (its cheat sheet's sections), each module
following the staging/src/k8s.io/kubectl/pkg/cmd/<verb> packages it names: viewing.py (get,
describe, explain), creating.py (apply, create, run), deleting.py (delete and its --wait),
updating.py (scale, set image, rollout, cordon / uncordon / drain, label, annotate, patch, edit),
pods.py (logs, exec), over cmdutil.py (k8s.io/kubectl/pkg/cmd/util: Verb, Output and Captured,
failure_line, the flags and object arguments several verbs share). Here: the table of verbs and
the split of argv at `--`.
"""
from __future__ import annotations

from .cmdutil import Verb
from .creating import Apply, Create, Run
from .deleting import Delete
from .pods import Exec, Logs
from .updating import Edit, Label, Node, Patch, Rollout, Scale, Set
from .viewing import Describe, Explain, Get

VERBS: dict[str, Verb] = {verb.name: verb for verb in (
    Get(), Apply(), Create(), Run(), Delete(), Scale(), Set(), Rollout(), Logs(), Describe(), Label("label"), Label("annotate"),
    Patch(), Edit(), Exec(), Node("cordon", "Mark a node unschedulable (kubectl cordon NODE)."),
    Node("uncordon", "Mark a node schedulable again (kubectl uncordon NODE)."),
    Node("drain", "Cordon a node and evict its pods (kubectl drain NODE --ignore-daemonsets)."), Explain(),
)}


def split_at_dashes(args: list[str]) -> tuple[list[str], list[str] | None]:
    """The words before `--`, and those after it (the container's, for run and exec), which argparse
    would otherwise take for flags of the verb; None when there is no `--`."""
    if "--" not in args:
        return args, None
    return args[:args.index("--")], args[args.index("--") + 1:]
