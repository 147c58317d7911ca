"""`kubectl exec POD -- COMMAND`: a command run inside a running container, against what that
container holds now — its environment as the kubelet started it, and its filesystem (the image's
layers, the mounts, the writable layer: sim/containerfs.py).

API server → runtime/kubelet_client.py → here (the kubelet's exec, pkg/kubelet/server and the
CRI's ExecSync) → (exit code, stdout, stderr). The command is found on the container's PATH in
its own filesystem, as the runtime finds it: a distroless image has no `sh`, and saying so is the
lesson. The shell is the one every simulated shell shares (playground/shell); the programs a
learner reaches for first are here: env, printenv, cat, ls, hostname, pwd, whoami, id, sleep.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import Any

from playground.images.layers import DIR, FILE
from playground.runtime.kubelet_client import ExecFailed, ExecResult
from playground.shell.interpreter import BUILTINS, Shell, Stop
from playground.shell.syntax import ShellSyntaxError, parse, redirections
from playground.store import api as store
from playground.store.errors import BadRequest

from . import containerfs, volumes

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SHELLS = ("sh", "bash", "ash", "dash")
MAX_LOOP_PASSES = 1_000  # a loop that would run on is stopped here: nothing waits in a simulation


def exec_in_container(cluster: str, namespace: str, pod_name: str, container: str | None, argv: list[str],
                      stdin: str | None = None) -> ExecResult:
    """Run `argv` in the container; with `stdin`, a shell reads its script from it (`kubectl exec
    -i POD -- sh < script`)."""
    pod = store.get(cluster, "Pod", pod_name, namespace)
    name = container or pod["spec"]["containers"][0]["name"]
    statuses = {s["name"]: s for s in (pod.get("status") or {}).get("containerStatuses") or []}
    if name not in {c["name"] for c in pod["spec"]["containers"]}:
        raise BadRequest(f"container {name} is not valid for pod {pod_name}")
    if "running" not in (statuses.get(name, {}).get("state") or {}):
        raise BadRequest(f"unable to upgrade connection: container not found (\"{name}\")")
    if not argv:
        raise BadRequest("you must specify at least one command for the container")
    filesystem = containerfs.container_filesystem(cluster, namespace, pod_name, name)
    env = containerfs.container_environment(cluster, namespace, pod_name, name) or {}
    shell = ExecShell(env={"PATH": DEFAULT_PATH, "HOSTNAME": containerfs.pod_hostname(pod), "HOME": "/root", **env},
                      tree=filesystem.tree, target=(cluster, namespace, pod_name, name))
    if shell.executable(argv[0]) is None:
        raise ExecFailed(f'OCI runtime exec failed: exec failed: unable to start container process: exec: '
                        f'"{argv[0]}": executable file not found in $PATH: unknown')
    try:
        if stdin is not None and posixpath.basename(argv[0]) in SHELLS and "-c" not in argv:
            shell.shell_script(["-c", stdin])
        else:
            shell.simple_command(argv)
    except Stop:
        pass
    return ExecResult(shell.status, "".join(shell.out), "".join(shell.err))


@dataclass(frozen=True)
class _Directory:
    type: str = DIR
    content: None = None


_IMPLIED_DIRECTORY = _Directory()


@dataclass
class ExecShell(Shell):
    env: dict[str, Any]
    tree: dict[str, tuple[Any, Any]]
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    target: tuple[str, str, str, str] | None = None  # (cluster, namespace, pod, container) a redirection writes to

    # The shell's effects --------------------------------------------------------------------------

    def command(self, words: list[str]) -> None:
        words, redirect = redirections(words)
        if not words:
            self.status = 0
            return
        if redirect is None:
            self.run_program(words)
            return
        before = len(self.out)
        self.run_program(words)
        written = "".join(self.out[before:])
        del self.out[before:]
        self.redirect(redirect[0], self.word(redirect[1]), written)

    def redirect(self, operator: str, path: str, text: str) -> None:
        """`echo x > /tmp/f` (`>>` appends): the output goes to the file, in the writable layer or
        the volume mounted there, as the container's own shell would write it; ash's message when it
        cannot (a read-only ConfigMap volume, a directory)."""
        if self.target is None:
            return
        if not path.startswith("/"):
            path = "/" + path  # the exec's working directory is /
        if operator == ">>":
            entry = self.entry(path)
            if entry is not None and entry.type == FILE:
                text = (entry.content or "") + text
        if len(text) > volumes.MAX_WRITTEN_FILE_BYTES:
            self.failed(1, "sh: write error: No space left on device")
            text = text[:volumes.MAX_WRITTEN_FILE_BYTES]
        try:
            containerfs.write_file(*self.target, path, text)
        except BadRequest as error:
            reason = str(error).rsplit(": ", 1)[-1]
            self.failed(2, f"sh: can't create {path}: {reason}")  # ash, like dash, fails a redirection with 2
            return
        cluster, namespace, pod, container = self.target
        self.tree = containerfs.container_filesystem(cluster, namespace, pod, container).tree  # what `cat` sees next

    def run_program(self, words: list[str]) -> None:
        name = words[0]
        if name in BUILTINS:
            self.builtin(name, words[1:])
            return
        path = self.executable(name)
        handler = getattr(self, "cmd_" + posixpath.basename(name), None) if path else None
        if handler is None:
            self.failed(127, f"sh: {name}: not found")
            return
        handler(words[1:])

    def write(self, text: tuple[Any, ...], *, newline: bool) -> None:
        self.out.append("".join(map(str, text)) + ("\n" if newline else ""))

    def failed(self, status: int, message: str) -> None:
        self.status = status
        self.err.append(message + "\n")

    def file_test(self, operator: str, path: str) -> bool:
        entry = self.entry(path)
        if operator == "-d":
            return entry is not None and entry.type == DIR
        if operator == "-f":
            return entry is not None and entry.type == FILE
        return entry is not None

    def while_loop(self, condition: Any, body: Any, *, until: bool) -> None:
        for _ in range(MAX_LOOP_PASSES):
            self.execute(condition)
            if (self.status == 0) == until:
                self.status = 0
                return
            self.execute(body)
        raise Stop

    # The filesystem -------------------------------------------------------------------------------

    def entry(self, path: str) -> Any:
        """The file at `path` (symlinks followed); a directory a layer lists only by what it
        holds is a directory all the same."""
        resolved = containerfs.resolve(self.tree, path)
        if resolved is None:
            return None
        found = self.tree.get(resolved)
        if found is not None:
            return found[0]
        prefix = resolved.rstrip("/") + "/"
        return _IMPLIED_DIRECTORY if resolved == "/" or any(p.startswith(prefix) for p in self.tree) else None

    def executable(self, name: str) -> str | None:
        """Where `name` is, as execvp finds it: a path as given, else the first PATH entry."""
        if name in BUILTINS:
            return name
        candidates = [name] if "/" in name else [f"{d}/{name}" for d in str(self.env.get("PATH", "")).split(":") if d]
        return next((c for c in candidates if (e := self.entry(c)) is not None and e.type == FILE), None)

    # Programs -------------------------------------------------------------------------------------

    def cmd_env(self, args: list[str]) -> None:
        if args:
            self.simple_command(args)
            return
        self.out.extend(f"{key}={value}\n" for key, value in self.env.items())
        self.status = 0

    def cmd_printenv(self, args: list[str]) -> None:
        missing = [name for name in args if name not in self.env]
        self.out.extend(f"{self.env[name]}\n" for name in args if name in self.env)
        if not args:
            self.cmd_env([])
        self.status = 1 if missing else 0

    def cmd_cat(self, args: list[str]) -> None:
        self.status = 0
        for path in args:
            entry = self.entry(path)
            if entry is None:
                self.failed(1, f"cat: {path}: No such file or directory")
            elif entry.type == DIR:
                self.failed(1, f"cat: {path}: Is a directory")
            else:
                self.out.append(entry.content if entry.content is not None else "")

    def cmd_ls(self, args: list[str]) -> None:
        paths = [a for a in args if not a.startswith("-")] or ["/" if not self.env.get("PWD") else self.env["PWD"]]
        self.status = 0
        for path in paths:
            resolved = containerfs.resolve(self.tree, path)
            entry = self.entry(path)
            if entry is None or resolved is None:
                self.failed(2, f"ls: cannot access '{path}': No such file or directory")
            elif entry.type != DIR:
                self.out.append(f"{path}\n")
            else:
                prefix = resolved.rstrip("/") + "/"
                names = sorted({p[len(prefix):].split("/")[0] for p in self.tree if p.startswith(prefix) and p != prefix})
                self.out.extend(f"{name}\n" for name in names if name and not name.startswith("."))

    def cmd_hostname(self, args: list[str]) -> None:
        self.out.append(f"{self.env.get('HOSTNAME', '')}\n")
        self.status = 0

    def cmd_pwd(self, args: list[str]) -> None:
        self.out.append("/\n")
        self.status = 0

    def cmd_whoami(self, args: list[str]) -> None:
        self.out.append("root\n")
        self.status = 0

    def cmd_id(self, args: list[str]) -> None:
        self.out.append("uid=0(root) gid=0(root) groups=0(root)\n")
        self.status = 0

    def cmd_sleep(self, args: list[str]) -> None:
        self.status = 0  # nothing waits in a simulation

    def shell_script(self, args: list[str]) -> None:
        if len(args) >= 2 and args[0] == "-c":
            try:
                self.execute(parse(args[1]))
            except ShellSyntaxError as error:
                self.failed(2, f"sh: syntax error: {error}")
            return
        self.status = 0  # no terminal, no stdin: an interactive shell reads nothing and exits

    cmd_sh = cmd_bash = cmd_ash = cmd_dash = shell_script
