"""The browser console's command line: one line of `kubectl ...` (with a heredoc for `-f -`), parsed
as a shell would split it but never given to one, run by the same verbs as the management commands.

console socket (web) → `read_line(text)` here → `run(cluster, command, out)`, in a thread of the
console's own (`run_line` does both) → a Verb of commandline/ → out. What is
not one of the verbs, is too long, or carries control characters is refused with a message and
changes nothing; the cluster is the console's own, never a flag. `complete` answers Tab with
verbs, resource types and object names.
"""
from __future__ import annotations

import argparse
import io
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from playground.store import api as store
from playground.store.errors import StoreError
from playground.store.kinds import KINDS, Kind, resolve

from .commandline import VERBS, split_at_dashes
from .commandline.cmdutil import Output, failure_line
from .errors import KubectlError
from .formats import CONSOLE_FILE_REFUSAL, FILE_FORMATS, REFUSED

MAX_LINE = 2_000  # characters of the command itself
MAX_STDIN = 256 * 1024  # bytes of a heredoc
HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*$")
POD_VERBS = ("logs", "exec")  # verbs whose first word is a pod's name
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
HELP = """This console runs kubectl against your cluster (nothing else: it is not a shell).

  kubectl get pods [-o wide|yaml|json|name] [-l app=web] [-A] [-w]    -w: a line per change
  kubectl get pod NAME -o jsonpath='{{.status.podIP}}'    -o custom-columns=NAME:.metadata.name
  kubectl edit deployment NAME    opens the editor (form and YAML) over the page
  kubectl describe pod NAME       kubectl describe deployments -l app=web
  kubectl apply -f - <<EOF        then the manifest, then EOF
  kubectl delete pod NAME         kubectl scale deployment NAME --replicas=N
  kubectl set image deployment/NAME CONTAINER=IMAGE
  kubectl rollout status|history|undo|restart|pause|resume deployment/NAME
  kubectl logs POD [-c CONTAINER] [--previous] [--tail N] [-f]
  kubectl exec POD [-c CONTAINER] -- COMMAND [ARGS...]    (no -it: one command, its answer)
  kubectl explain deployment.spec.strategy

Verbs: {verbs}. Add -h to a verb for its flags. Tab completes, Up and Down go through the
history, Ctrl-C stops a command that waits (get -w, logs -f, rollout status, delete until the objects are gone), `clear` clears the screen."""


class ConsoleParser(argparse.ArgumentParser):
    """argparse that reports a bad flag as kubectl does, instead of exiting the server."""

    def error(self, message: str) -> Any:  # noqa: ANN401 - argparse's signature
        raise KubectlError(message)

    def exit(self, status: int = 0, message: str | None = None) -> Any:  # noqa: ANN401
        raise KubectlError((message or "").strip() or "unexpected exit")


def parser_for(verb: str) -> ConsoleParser:
    parser = ConsoleParser(prog=f"kubectl {verb}", description=VERBS[verb].help, add_help=False)
    VERBS[verb].add_arguments(parser)
    return parser


def split(text: str) -> tuple[list[str], bytes | None]:
    """The command's words and, with a heredoc, what it feeds to stdin. Raises KubectlError for
    input the console refuses."""
    first, _, rest = text.partition("\n")
    if len(first) > MAX_LINE:
        raise KubectlError(f"the command is {len(first):,} characters long; the console takes at most {MAX_LINE:,}")
    if CONTROL.search(first) or CONTROL.search(rest.replace("\t", " ")):
        raise KubectlError("the command holds control characters; type it as text")
    stdin = None
    heredoc = HEREDOC.search(first)
    if heredoc:
        first = first[:heredoc.start()]
        lines = rest.split("\n")
        if heredoc.group(2) not in lines:
            raise KubectlError(f"the heredoc is not closed: end it with a line holding only {heredoc.group(2)}")
        body = "\n".join(lines[:lines.index(heredoc.group(2))]) + "\n"
        if len(body.encode()) > MAX_STDIN:
            raise KubectlError(f"the heredoc is larger than {MAX_STDIN // 1024} KB")
        stdin = body.encode()
    elif rest.strip():
        raise KubectlError("one command at a time (a manifest goes after `-f - <<EOF`)")
    lexer = shlex.shlex(first, posix=True, punctuation_chars=True)  # `pods;rm` is three words, as in a shell
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError as e:
        raise KubectlError(f"cannot read the command: {e}") from None
    if any(set(w) <= set(lexer.punctuation_chars) for w in words):
        raise KubectlError("this console runs one kubectl command; pipes, redirections and `;` are a shell's")
    return words, stdin


@dataclass
class Command:
    """One console line, read: a verb and its options, or what the console answers itself (help)."""

    verb: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    stdin: bytes | None = None
    answer: str = ""  # help, `-h`: printed, nothing run

    @property
    def waits(self) -> bool:
        """Whether it waits for changes until Ctrl-C (get -w, logs -f, rollout status, delete --wait)."""
        return bool(self.verb) and VERBS[self.verb].waits(**self.options)


def read_line(text: str) -> Command:
    """What a console line asks for, read without touching the cluster. Raises KubectlError for
    input the console refuses."""
    words, stdin = split(text)
    if not words:
        return Command()
    if words[0] == "help" or words == ["kubectl"] or words[:2] == ["kubectl", "help"]:
        return Command(answer=HELP.format(verbs=", ".join(VERBS)))
    if words[0] != "kubectl":
        raise KubectlError(f"{words[0]!r} is not a kubectl command: this console runs kubectl only (try `help`)")
    if len(words) < 2 or words[1] not in VERBS:
        raise KubectlError(f'unknown command "{words[1] if len(words) > 1 else ""}" for "kubectl"'
                           f" (this console knows {', '.join(VERBS)})")
    verb, args = words[1], words[2:]
    parser = parser_for(verb)
    if "-h" in args or "--help" in args:
        return Command(answer=parser.format_help().rstrip())
    args, after = split_at_dashes(args)
    options = vars(parser.parse_intermixed_args(args))  # as cobra: flags anywhere among the words
    printer = (options.get("output") or "").partition("=")[0]
    if printer in FILE_FORMATS:  # the server's files are not the learner's
        raise KubectlError(f"-o {printer} is not in this console: {REFUSED.get(printer, CONSOLE_FILE_REFUSAL)}")
    if any(name != "-" for name in options.get("filename") or []):
        # The server's files are not the learner's: a manifest comes from the console itself
        raise KubectlError("the console reads manifests from what you type: use -f - <<EOF, the manifest, then EOF")
    if after is not None:
        if not VERBS[verb].after_dashes:
            raise KubectlError(f"kubectl {verb} takes no arguments after --")
        options[VERBS[verb].after_dashes] = after
    return Command(verb, options, stdin)


def run(cluster: str, command: Command, out: Output) -> int:
    """Run a command read by `read_line`; its exit code (0 done, 1 failed)."""
    if command.answer:
        out.line(command.answer)
    if not command.verb:
        return 0
    out.stdin = io.BytesIO(command.stdin or b"")
    try:
        VERBS[command.verb].run(cluster, out, **command.options)
    except (KubectlError, StoreError) as e:
        out.error(failure_line(e))
    return 1 if getattr(out, "failed", False) else 0


def run_line(cluster: str, text: str, out: Output) -> int:
    """Read and run one console line; its exit code (0 done, 1 failed)."""
    try:
        command = read_line(text)
    except KubectlError as e:
        out.error(failure_line(e))
        return 1
    return run(cluster, command, out)


def complete(cluster: str, text: str, *, limit: int = 50) -> list[str]:
    """What Tab offers for the last word of `text`: a verb, a verb's action (rollout status), a
    resource type, or an object's name (also after `TYPE/`)."""
    words = text.split(" ")
    current, before = words[-1], [w for w in words[:-1] if w]
    if not before:
        return [w for w in ("kubectl", "help", "clear") if w.startswith(current)]
    if before == ["kubectl"]:
        return sorted(v for v in VERBS if v.startswith(current))
    verb = VERBS.get(before[1])
    if verb is None:
        return []
    positional = [w for w in before[2:] if not w.startswith("-")]
    if verb.actions and not positional:
        return [a for a in verb.actions if a.startswith(current)]
    if "/" in current:
        kind_name, _, prefix = current.partition("/")
        kind = resolve(kind_name)
        return [f"{kind_name}/{n}" for n in _names(cluster, kind, before, prefix, limit)] if kind else []
    positional = positional[1:] if verb.actions else positional  # after `rollout status`: TYPE NAME
    if before[1] in POD_VERBS:
        kind = KINDS["Pod"] if not positional else None  # logs POD, exec POD: the pod's name comes first
    elif not positional:
        types = sorted({k.plural for k in KINDS.values()} | {n for k in KINDS.values() for n in k.short_names})
        return [t for t in types if t.startswith(current)][:limit]
    else:
        kind = resolve(positional[-1].split(",")[0])
    return _names(cluster, kind, before, current, limit) if kind else []


def _names(cluster: str, kind: Kind, before: list[str], prefix: str, limit: int) -> list[str]:
    """The names of the kind's objects that start with `prefix`, in the namespace `-n` names."""
    namespace = _flag(before, "-n", "--namespace") or "default"
    try:
        names = [o["metadata"]["name"] for o in store.list(cluster, kind.kind, namespace=namespace if kind.namespaced else None)]
    except StoreError:
        return []
    return [n for n in names if n.startswith(prefix)][:limit]


def _flag(words: list[str], short: str, long: str) -> str:
    for i, word in enumerate(words):
        if word in (short, long) and i + 1 < len(words):
            return words[i + 1]
        if word.startswith(long + "="):
            return word.split("=", 1)[1]
    return ""
