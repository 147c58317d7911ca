"""The shell a Dockerfile's RUN runs: playground.shell's, with commands that change files.

dockerfile.py's RUN → `RunShell(stage's Changes, environment, WORKDIR)` → `run_script` (the shell
form: `/bin/sh -c` with `&&`, `||`, `;`, `|`, `set -e`, redirections, variables, globs) or
`run_argv` (the exec form) → the commands write into the new layer (changes.py: copy-up for
changed files, whiteouts for deleted ones, so `rm` in a later RUN never makes the image
smaller). RUN does not start a process: the commands the playground knows run on the union
view — apt-get, apk, pip (the package catalog, packages.py), rm, mkdir, touch, echo/printf >
file, mv, cp, chmod, chown, ln -s, useradd — and other commands the image has (make, gcc,
npm, ...) run without changing files. A command the image lacks fails as sh would
(`/bin/sh: 1: curl: not found`, exit 127). The words are expanded before the script is split
(outside single quotes), so `$PACKAGES` splits into several package names, as in sh; if, for
and while blocks are not run (the build says so).
"""
from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from playground.shell import words
from playground.shell.budget import Budget
from playground.shell.interpreter import BUILTINS, Shell, ShellError, Stop, Text
from playground.shell.syntax import Node, ShellSyntaxError, parse, redirections, split_assignments

from . import catalog, packages
from .changes import Changes, account_id
from .instructions import BuildError, Instruction
from .layers import DIR, FILE, SYMLINK, FileEntry, directory, normpath

OWN_BUILTINS = {"cd", "umask"}  # builtins besides the shared shell's: not looked up on PATH
UNSUPPORTED = {"if", "then", "else", "fi", "for", "while", "do", "done", "case", "esac", "until", "function"}


class RunShell(Shell):
    """`/bin/sh -c SCRIPT` over a Changes: what the playground's RUN can do."""

    def __init__(self, changes: Changes, environment: Mapping[str, str], *, workdir: str,
                 instruction: Instruction, budget: Budget | None = None) -> None:
        self.changes = changes
        self.budget = budget
        self.env = dict(environment)
        self.env.setdefault("PATH", catalog.DEFAULT_PATH)
        self.env.setdefault("HOME", "/root")
        self.cwd = workdir or "/"
        self.instruction = instruction
        self.output: list[str] = []  # what the commands printed: the build log shows it
        self.message = ""  # what the last failed command printed
        self.written: list[str] = []  # a builtin's output, while it runs

    def fail(self, message: str, code: int) -> BuildError:
        shown = " ".join(self.instruction.arguments.split())
        return self.instruction.error(f"{message} (`{shown}` exited with code {code})")

    def require(self, program: str) -> None:
        if self.changes.lookup(program) is None:
            raise self.instruction.error(f'exec: "{program}": stat {program}: no such file or directory (the image has '
                                         "no shell; use the exec form RUN [\"...\"])")

    # Running ------------------------------------------------------------------------------------

    def run_argv(self, argv: list[str]) -> None:
        """The exec form, `RUN ["mkdir", "-p", "/app"]`: no shell splits or expands the words."""
        assignments, argv = split_assignments(argv)
        for name, value in assignments:
            self.assign(name, value)
        try:
            if argv:
                self.run(argv, redirect=None)
        except ShellError as failure:
            raise self.fail(str(failure), failure.code) from None
        except Stop:
            pass
        if self.status != 0:
            raise self.fail(self.message, self.status)

    def run_script(self, script: str) -> None:
        """The shell form: the script's status is the RUN's (the last command's, or the first
        failure's under `set -e`)."""
        try:
            node = parse(self.expanded(script))
        except ShellSyntaxError as error:
            raise self.instruction.error(f"/bin/sh: syntax error: {error}") from None
        try:
            self.execute(node)
        except Stop:
            pass
        if self.status != 0:
            raise self.fail(self.message, self.status)

    def expanded(self, script: str) -> str:
        """The script with its words expanded outside single quotes, before it is split; no
        longer than the budget's expansion length, before and after."""
        if self.budget is not None:
            self.budget.check_length(len(script), "the script")
        parts = re.split(r"('[^']*')", script)
        text = "".join(part if part.startswith("'") else "".join(map(str, words.expand(part, self, self.budget)))
                       for part in parts)
        if self.budget is not None:
            self.budget.check_length(len(text), "the expanded script")
        return text

    def expand(self, word: str) -> Text:
        return (word,)  # expanded before the script was split

    def substitution(self, command: str) -> Any:
        return "2" if command == "nproc" else ""  # `make -j$(nproc)`; other commands print nothing here

    def compound(self, node: Node) -> None:
        keyword = ("until" if node[3] else "while") if node[0] == "while" else node[0]
        raise self.unsupported(keyword)

    def unsupported(self, keyword: str) -> BuildError:
        return self.instruction.error(f"the playground's shell does not run '{keyword}' blocks; chain commands with && instead")

    def failed(self, status: int, message: str) -> None:
        self.status, self.message = status, message

    def builtin_exit(self, args: list[str]) -> None:
        try:
            super().builtin_exit(args)
        finally:
            self.message = f"exit {self.status}"

    def write(self, text: Text, *, newline: bool) -> None:
        self.written.append("".join(map(str, text)) + ("\n" if newline else ""))

    def file_test(self, operator: str, path: str) -> bool:
        found = self.changes.lookup(self.path(path))
        if found is None or operator not in ("-f", "-d"):
            return found is not None
        return (found.type == DIR) == (operator == "-d")

    # Commands ------------------------------------------------------------------------------------

    def command(self, words: list[str]) -> None:
        argv, redirect = redirections(words)
        if argv:
            self.run(argv, redirect=redirect)

    def run(self, argv: list[str], *, redirect: tuple[str, str] | None) -> None:
        name = argv[0]
        if name in UNSUPPORTED:
            raise self.unsupported(name)
        base = name.rsplit("/", 1)[-1]
        if base not in BUILTINS and base not in OWN_BUILTINS:
            self.which(name)
        self.written = []
        if self.builtin(base, argv[1:]):
            output = "".join(self.written)
        else:
            output = self.handler(base)(argv[1:]) or ""
            self.status = 0
        if redirect is not None and redirect[1] != "/dev/null":
            self.redirect(output, redirect)
        elif output and redirect is None:
            self.output.append(output)

    def handler(self, base: str) -> Callable[[list[str]], str | None]:
        """The command's effect on the files; a command the playground does not know changes none."""
        if base in ("python", "python3") or re.match(r"^python3\.\d+$", base):
            return self.cmd_python
        return getattr(self, "cmd_" + base.replace("-", "_").replace(".", "_"), lambda args: None)

    # Files --------------------------------------------------------------------------------------

    def path(self, name: str) -> str:
        return normpath(posixpath.join(self.cwd, name))

    def which(self, name: str) -> str:
        if "/" in name:
            found = self.changes.lookup(self.path(name))
            if found is None:
                raise ShellError(f"/bin/sh: 1: {name}: not found", 127)
            return name
        for folder in self.env.get("PATH", catalog.DEFAULT_PATH).split(":"):
            if folder and self.changes.lookup(posixpath.join(folder, name)) is not None:
                return posixpath.join(folder, name)
        raise ShellError(f"/bin/sh: 1: {name}: not found", 127)

    def redirect(self, text: str, redirect: tuple[str, str]) -> None:
        operator, target = redirect
        path = self.path(target)
        old = self.changes.lookup(path)
        if old is not None and old.type == DIR:
            raise ShellError(f"/bin/sh: 1: cannot create {target}: Is a directory", 2)
        if operator == ">>" and old is not None:
            if old.content is not None:
                content = old.content + text
                self.changes.write(replace(old, path=path, content=content, size=len(content.encode())), parents=False)
            else:
                self.changes.write(replace(old, path=path, size=old.size + len(text.encode())), parents=False)
            return
        self.changes.write(FileEntry(path, FILE, len(text.encode()), 0o644, content=text), parents=False)

    def cmd_cd(self, args: list[str]) -> None:
        target = self.path(args[0] if args else self.env.get("HOME", "/root"))
        found = self.changes.lookup(target)
        if found is None or found.type not in (DIR, SYMLINK):
            raise ShellError(f"/bin/sh: 1: cd: can't cd to {args[0] if args else target}", 2)
        self.cwd = target

    def cmd_mkdir(self, args: list[str]) -> None:
        parents = any(a.startswith("-") and "p" in a for a in args if not a.startswith("--")) or "--parents" in args
        mode = 0o755
        paths = []
        for index, arg in enumerate(args):
            if arg.startswith("-"):
                continue
            if index > 0 and args[index - 1] == "-m":
                mode = int(arg, 8) if arg.isdigit() else mode
                continue
            paths.append(arg)
        for path in paths:
            full = self.path(path)
            if self.changes.lookup(full) is not None:
                if parents:
                    continue
                raise ShellError(f"mkdir: cannot create directory '{path}': File exists")
            self.changes.mkdir(full, parents=parents, mode=mode)

    def cmd_touch(self, args: list[str]) -> None:
        for path in (a for a in args if not a.startswith("-")):
            full = self.path(path)
            old = self.changes.lookup(full)
            # touch changes the mtime: overlayfs copies the file up even though its bytes stay the same
            self.changes.write(replace(old, path=full) if old else FileEntry(full, FILE, 0, 0o644, content=""), parents=False)

    def cmd_rm(self, args: list[str]) -> None:
        flags = "".join(a[1:] for a in args if a.startswith("-") and not a.startswith("--"))
        recursive = "r" in flags or "R" in flags or "--recursive" in args
        force = "f" in flags or "--force" in args
        for path in (a for a in args if not a.startswith("-")):
            for match in self.glob(path):
                full = self.path(match)
                found = self.changes.lookup(full)
                if found is None:
                    if force:
                        continue
                    raise ShellError(f"rm: cannot remove '{match}': No such file or directory")
                if found.type == DIR and not recursive:
                    raise ShellError(f"rm: cannot remove '{match}': Is a directory")
                self.changes.delete(full)

    def glob(self, pattern: str) -> list[str]:
        """Shell globbing: `*`, `?`, `[...]` in the last component expand over the directory."""
        if not any(c in pattern for c in "*?["):
            return [pattern]
        folder, _, name = pattern.rpartition("/")
        base = folder if folder else "."
        full = self.path(base)
        if self.changes.lookup(full) is None:
            return [pattern]
        matches = [n for n in self.changes.children(full) if fnmatch.fnmatchcase(n, name) and not n.startswith(".")]
        return [f"{folder}/{m}" if folder else m for m in matches] or [pattern]

    def cmd_mv(self, args: list[str]) -> None:
        self.copy_or_move([a for a in args if not a.startswith("-")], move=True)

    def cmd_cp(self, args: list[str]) -> None:
        recursive = any(a.startswith("-") and any(c in a for c in "rRa") for a in args)
        self.copy_or_move([a for a in args if not a.startswith("-")], move=False, recursive=recursive)

    def copy_or_move(self, words: list[str], *, move: bool, recursive: bool = True) -> None:
        verb = "mv" if move else "cp"
        if len(words) < 2:
            raise ShellError(f"{verb}: missing destination file operand")
        *sources, destination = words
        target = self.path(destination)
        target_entry = self.changes.lookup(target)
        into = target_entry is not None and target_entry.type == DIR
        for source in [m for s in sources for m in self.glob(s)]:
            full = self.path(source)
            found = self.changes.lookup(full)
            if found is None:
                raise ShellError(f"{verb}: cannot stat '{source}': No such file or directory")
            if found.type == DIR and not recursive:
                raise ShellError(f"cp: -r not specified; omitting directory '{source}'")
            dest = posixpath.join(target, full.rsplit("/", 1)[-1]) if into else target
            if found.type == DIR and (dest + "/").startswith(full.rstrip("/") + "/"):
                shown = posixpath.join(destination, full.rsplit("/", 1)[-1]) if into else destination
                raise ShellError(f"cp: cannot copy a directory, '{source}', into itself, '{shown}'" if not move
                                 else f"mv: cannot move '{source}' to a subdirectory of itself, '{shown}'")
            self.copy_tree(full, dest)
            if move:
                self.changes.delete(full)

    def copy_tree(self, source: str, destination: str) -> None:
        found = self.changes.lookup(source)
        assert found is not None
        self.changes.write(replace(found, path=destination), parents=False)
        if found.type == DIR:
            for name in self.changes.children(source):
                self.copy_tree(f"{source}/{name}", f"{destination}/{name}")

    def cmd_chmod(self, args: list[str]) -> None:
        words = [a for a in args if not a.startswith("-") or re.match(r"^-[rwx]+$", a)]
        if len(words) < 2:
            raise ShellError("chmod: missing operand")
        mode, *paths = words
        for path in [m for p in paths for m in self.glob(p)]:
            full = self.path(path)
            found = self.changes.lookup(full)
            if found is None:
                raise ShellError(f"chmod: cannot access '{path}': No such file or directory")
            self.changes.write(replace(found, path=full, mode=_chmod(found.mode, mode)), parents=False)

    def cmd_chown(self, args: list[str]) -> None:
        words = [a for a in args if not a.startswith("-")]
        if len(words) < 2:
            raise ShellError("chown: missing operand")
        owner, *paths = words
        user, _, group = owner.partition(":")
        view = {p: (e, 0) for p, e in (("/etc/passwd", self.changes.lookup("/etc/passwd")),
                                        ("/etc/group", self.changes.lookup("/etc/group"))) if e is not None}
        uid = account_id(user, view, "/etc/passwd")
        gid = account_id(group, view, "/etc/group") if group else None
        if uid is None or (group and gid is None):
            raise ShellError(f"chown: invalid user: '{owner}'")
        recursive = any(a in ("-R", "--recursive") for a in args)
        for path in [m for p in paths for m in self.glob(p)]:
            self.chown_tree(self.path(path), uid, gid, recursive=recursive)

    def chown_tree(self, path: str, uid: int, gid: int | None, *, recursive: bool) -> None:
        found = self.changes.lookup(path)
        if found is None:
            raise ShellError(f"chown: cannot access '{path}': No such file or directory")
        self.changes.write(replace(found, path=path, uid=uid, gid=found.gid if gid is None else gid), parents=False)
        if recursive and found.type == DIR:
            for name in self.changes.children(path):
                self.chown_tree(f"{path}/{name}", uid, gid, recursive=True)

    def cmd_ln(self, args: list[str]) -> None:
        words = [a for a in args if not a.startswith("-")]
        if not any(a.startswith("-") and "s" in a for a in args):
            raise ShellError("ln: the playground makes symbolic links only (ln -s TARGET LINK)")
        if len(words) != 2:
            raise ShellError("ln: expected TARGET LINK")
        target, link = words
        full = self.path(link)
        existing = self.changes.lookup(full)
        if existing is not None and existing.type == DIR:
            full = posixpath.join(full, target.rsplit("/", 1)[-1])
        elif existing is not None and not any(a.startswith("-") and "f" in a for a in args):
            raise ShellError(f"ln: failed to create symbolic link '{link}': File exists")
        self.changes.write(FileEntry(full, SYMLINK, 0, 0o777, target=target), parents=False)

    def cmd_useradd(self, args: list[str]) -> None:
        self.add_account([a for a in args if not a.startswith("-")][-1:], home="-m" in args or "--create-home" in args)

    def cmd_adduser(self, args: list[str]) -> None:
        self.add_account([a for a in args if not a.startswith("-")][-1:], home="-H" not in args and "--no-create-home" not in args)

    def cmd_groupadd(self, args: list[str]) -> None:
        self.add_group([a for a in args if not a.startswith("-")][-1:])

    cmd_addgroup = cmd_groupadd

    def add_account(self, names: list[str], *, home: bool) -> None:
        if not names:
            raise ShellError("useradd: missing user name", 2)
        name = names[0]
        passwd = self.changes.lookup("/etc/passwd")
        content = (passwd.content if passwd else "") or ""
        if any(line.split(":")[0] == name for line in content.splitlines()):
            raise ShellError(f"useradd: user '{name}' already exists", 9)
        uid = 1000 + sum(1 for line in content.splitlines() if line.split(":")[2:3] and line.split(":")[2].isdigit()
                         and 1000 <= int(line.split(":")[2]) < 60000)
        line = f"{name}:x:{uid}:{uid}::/home/{name}:/bin/sh\n"
        self.changes.write(FileEntry("/etc/passwd", FILE, len((content + line).encode()), 0o644, content=content + line))
        self.add_group([name], gid=uid)
        if home:
            self.changes.mkdir(f"/home/{name}", parents=True)
            self.changes.write(replace(directory(f"/home/{name}"), uid=uid, gid=uid))

    def add_group(self, names: list[str], *, gid: int | None = None) -> None:
        if not names:
            raise ShellError("groupadd: missing group name", 2)
        group = self.changes.lookup("/etc/group")
        content = (group.content if group else "") or ""
        if any(line.split(":")[0] == names[0] for line in content.splitlines()):
            return
        gid = gid if gid is not None else 1000 + content.count("\n")
        text = content + f"{names[0]}:x:{gid}:\n"
        self.changes.write(FileEntry("/etc/group", FILE, len(text.encode()), 0o644, content=text))

    # package managers ---------------------------------------------------------------------------

    def cmd_apt_get(self, args: list[str]) -> str:
        words = [a for a in args if not a.startswith("-")]
        if not words:
            raise ShellError("E: Invalid operation", 100)
        operation, names = words[0], words[1:]
        if operation == "update":
            return self.apt_update()
        if operation == "install":
            return self.apt_install(names, yes=any(a in ("-y", "--yes", "-qy", "-yq", "--assume-yes", "-qqy") for a in args))
        if operation in ("clean", "autoclean"):
            for path in self.glob("/var/cache/apt/archives/*.deb") + self.glob("/var/cache/apt/*.bin"):
                if "*" not in path:
                    self.changes.delete(path)
            return ""
        if operation in ("remove", "purge", "autoremove"):
            return self.apt_remove(names)
        if operation in ("upgrade", "dist-upgrade", "full-upgrade"):
            return "0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n"
        raise ShellError(f"E: Invalid operation {operation}", 100)

    cmd_apt = cmd_apt_get

    def os_release(self) -> dict[str, str]:
        found = self.changes.lookup("/etc/os-release")
        pairs = [line.partition("=") for line in ((found.content or "") if found else "").splitlines()]
        return {k: v.strip('"') for k, _, v in pairs}

    def apt_update(self) -> str:
        release = self.os_release()
        for entry in packages.apt_lists(release.get("ID", "debian"), release.get("VERSION_CODENAME", "bookworm")):
            self.changes.write(entry)
        return "Reading package lists... Done\n"

    def apt_install(self, names: list[str], *, yes: bool) -> str:
        if "*" in self.glob("/var/lib/apt/lists/*Packages*")[0]:
            missing = names[0] if names else "?"
            raise ShellError(f"E: Unable to locate package {missing} (the package lists are empty: "
                             "run apt-get update first, in the same RUN)", 100)
        status = self.changes.lookup("/var/lib/dpkg/status")
        installed = packages.installed_names(status.content if status else "", packages.APT)
        try:
            chosen = packages.resolve(packages.APT, names, installed)
        except packages.UnknownPackage as unknown:
            raise ShellError(f"{unknown} (E: Unable to locate package {unknown.name})", 100) from None
        if not yes and len(chosen) > len(names):
            raise ShellError("Do you want to continue? [Y/n] Abort. (apt-get needs -y in a Dockerfile)", 1)
        keep_debs = self.changes.lookup("/etc/apt/apt.conf.d/docker-clean") is None
        for package in chosen:
            for entry in packages.apt_files(package):
                self.changes.write(entry)
            if keep_debs:
                self.changes.write(FileEntry(f"/var/cache/apt/archives/{package.name}_{package.version}_amd64.deb", FILE,
                                             int(package.size * 0.35), 0o644))
        text = packages.dpkg_status_after((status.content if status else "") or "", chosen)
        self.changes.write(FileEntry("/var/lib/dpkg/status", FILE, len(text.encode()), 0o644, content=text))
        return f"{len(chosen)} newly installed: {' '.join(p.name for p in chosen)}\n"

    def apt_remove(self, names: list[str]) -> str:
        status = self.changes.lookup("/var/lib/dpkg/status")
        installed = packages.installed_names(status.content if status else "", packages.APT)
        for name in names:
            package = packages.APT_PACKAGES.get(name)
            if name not in installed or package is None:
                continue
            for entry in packages.apt_files(package):
                if self.changes.lookup(entry.path) is not None:
                    self.changes.delete(entry.path)
        return ""

    def cmd_apk(self, args: list[str]) -> str:
        words = [a for a in args if not a.startswith("-")]
        if not words:
            raise ShellError("apk: missing command", 1)
        operation, names = words[0], words[1:]
        release = self.os_release().get("VERSION_ID", "3.20")
        if operation == "update":
            for entry in packages.apk_index(release):
                self.changes.write(entry)
            return ""
        if operation == "add":
            return self.apk_add(names, cache="--no-cache" not in args)
        if operation == "del":
            return ""
        raise ShellError(f"apk: unknown command '{operation}'", 1)

    def apk_add(self, names: list[str], *, cache: bool) -> str:
        database = self.changes.lookup("/lib/apk/db/installed")
        installed = packages.installed_names(database.content if database else "", packages.APK)
        try:
            chosen = packages.resolve(packages.APK, names, installed)
        except packages.UnknownPackage as unknown:
            raise ShellError(f"{unknown} (ERROR: unable to select packages: {unknown.name} (no such package))", 1) from None
        if cache:
            for entry in packages.apk_index(self.os_release().get("VERSION_ID", "3.20")):
                self.changes.write(entry)
        for package in chosen:
            for entry in packages.apk_files(package):
                self.changes.write(entry)
        text = packages.apk_installed_after((database.content if database else "") or "", chosen)
        self.changes.write(FileEntry("/lib/apk/db/installed", FILE, len(text.encode()), 0o644, content=text))
        world = self.changes.lookup("/etc/apk/world")
        world_text = ((world.content if world else "") or "") + "".join(f"{n}\n" for n in names)
        self.changes.write(FileEntry("/etc/apk/world", FILE, len(world_text.encode()), 0o644, content=world_text))
        return f"OK: {len(chosen)} packages installed\n"

    def cmd_pip(self, args: list[str]) -> str:
        if not args or args[0] != "install":
            return ""
        return self.pip_install(args[1:])

    cmd_pip3 = cmd_pip

    def cmd_python(self, args: list[str]) -> str:
        if len(args) >= 3 and args[:2] == ["-m", "pip"] and args[2] == "install":
            return self.pip_install(args[3:])
        return ""

    def python_site(self) -> tuple[str, bool]:
        """(site-packages folder, externally managed?) of the image's Python."""
        for minor in ("3.13", "3.12", "3.11", "3.10"):
            if self.changes.lookup(f"/usr/local/lib/python{minor}") is not None:
                return f"/usr/local/lib/python{minor}/site-packages", False
        for minor in ("3.12", "3.11"):
            if self.changes.lookup(f"/usr/lib/python{minor}/EXTERNALLY-MANAGED") is not None or \
                    self.changes.lookup(f"/usr/lib/x86_64-linux-gnu/python{minor}") is not None:
                return f"/usr/local/lib/python{minor}/dist-packages", True
        return "/usr/local/lib/python3.11/dist-packages", True

    def pip_install(self, args: list[str]) -> str:
        names: list[str] = []
        skip_next = False
        for index, arg in enumerate(args):
            if skip_next:
                skip_next = False
                continue
            if arg in ("-r", "--requirement"):
                names += self.requirements(args[index + 1] if index + 1 < len(args) else "")
                skip_next = True
            elif not arg.startswith("-"):
                names.append(arg)
        site, managed = self.python_site()
        if managed and "--break-system-packages" not in args and "--user" not in args:
            raise ShellError("error: externally-managed-environment: this Python is managed by the system package "
                             "manager (PEP 668); use a virtual environment, the python image, or --break-system-packages", 1)
        installed = {p.rsplit("/", 1)[-1].split("-")[0] for p in self.changes.children(site)} \
            if self.changes.lookup(site) else set()
        try:
            chosen = packages.resolve(packages.PIP, names, {n for n in packages.PIP_PACKAGES
                                                            if packages.PIP_PACKAGES[n].module in installed})
        except packages.UnknownPackage as unknown:
            raise ShellError(f"{unknown} (ERROR: No matching distribution found for {unknown.name})", 1) from None
        for package in chosen:
            for entry in packages.pip_files(package, site):
                self.changes.write(entry)
        no_cache = "--no-cache-dir" in args or self.env.get("PIP_NO_CACHE_DIR", "").lower() in ("1", "true", "on", "yes", "off")
        if not no_cache:
            for entry in packages.pip_cache_files(chosen, self.env.get("HOME", "/root")):
                self.changes.write(entry)
        return f"Successfully installed {' '.join(f'{p.name}-{p.version}' for p in chosen)}\n"

    def requirements(self, name: str) -> list[str]:
        found = self.changes.lookup(self.path(name))
        if found is None:
            raise ShellError(f"ERROR: Could not open requirements file: No such file or directory: '{name}'", 1)
        lines = ((found.content or "").splitlines())
        return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def _chmod(mode: int, change: str) -> int:
    if re.fullmatch(r"[0-7]{3,4}", change):
        return int(change, 8)
    match = re.fullmatch(r"([ugoa]*)([+-=])([rwx]+)", change)
    if not match:
        raise ShellError(f"chmod: invalid mode: '{change}'")
    who = match.group(1) or "a"
    bits = sum({"r": 4, "w": 2, "x": 1}[c] for c in match.group(3))
    mask = sum(bits << shift for letter, shift in (("u", 6), ("g", 3), ("o", 0)) if letter in who or who == "a")
    if match.group(2) == "+":
        return mode | mask
    if match.group(2) == "-":
        return mode & ~mask
    return mask
