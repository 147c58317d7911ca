"""The Dockerfile builder: a small Dockerfile and its build context → an image of layers.

`image build` / the images page → `parse(text)` → `build(...)` here → layers.Layer per
instruction that changes files (RUN, COPY, ADD, a WORKDIR that creates its directory), config
changes for the others (ENV, CMD, ENTRYPOINT, EXPOSE, LABEL, USER, ...: 0 B in `docker
history`) → catalog.Image → registry.py stores it for the cluster.

It follows BuildKit where a learner can see it: multi-stage builds (`FROM x AS build`,
`COPY --from=build`), the build cache (a step is reused when the chain of steps before it and
its own instruction — and, for COPY/ADD, the content it copies — are the same; the log says
`#5 CACHED`), ENTRYPOINT resetting an inherited CMD, and errors that name the line. RUN does
not start a process: a small shell (sh -c with `&&`, `||`, `;`, `|`, `set -e`, redirections,
variables, globs) runs the commands the playground knows on the union view — apt-get, apk,
pip (packages.py), rm, mkdir, touch, echo/printf > file, mv, cp, chmod, chown, ln -s, useradd
— and writes their changes into the new layer: copy-up for changed files, whiteouts for
deleted ones, so `rm` in a later RUN never makes the image smaller. A command the image lacks
fails as sh would (`/bin/sh: 1: curl: not found`, exit 127); other commands the image has
(make, gcc, npm, ...) run without changing files.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from . import catalog, packages
from .catalog import History, Image, ImageConfig
from .layers import (
    DIR, FILE, SYMLINK, FileEntry, Layer, View, ancestors, apply_layer, directory, layer, merge, normpath, parent,
)

INSTRUCTIONS = ("FROM", "RUN", "COPY", "ADD", "ENV", "WORKDIR", "USER", "CMD", "ENTRYPOINT", "EXPOSE", "LABEL", "ARG",
                "SHELL", "STOPSIGNAL", "VOLUME", "HEALTHCHECK", "MAINTAINER", "ONBUILD")
FILE_INSTRUCTIONS = ("RUN", "COPY", "ADD", "WORKDIR")  # the ones BuildKit shows as steps
STAGE_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")
BYTES_PER_SECOND = 60_000_000  # a simulated build's disk and network speed, for the log's timings
MAX_OUTPUT_LINES = 20  # of a RUN's output in the build log


class BuildError(Exception):
    """The build failed; the message names the line and the instruction. Nothing was stored."""


# --- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    line: int  # where it starts in the Dockerfile (1-based)
    keyword: str  # upper case
    arguments: str  # after the keyword and its flags, continuation lines joined
    flags: tuple[tuple[str, str], ...] = ()  # --from=build, --chown=app:app

    @property
    def text(self) -> str:
        flags = "".join(f"--{name}={value} " for name, value in self.flags)
        return f"{self.keyword} {flags}{self.arguments}".strip()

    def flag(self, name: str) -> str | None:
        return dict(self.flags).get(name)

    def error(self, message: str) -> BuildError:
        return BuildError(f"line {self.line}: {self.keyword}: {message}")


def parse(text: str) -> list[Instruction]:
    """The instructions of a Dockerfile: comments and blank lines dropped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction is dropped, as Docker does
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        instructions.append(_instruction(start, " ".join(p for p in pending if p)))
        pending = []
    if pending:
        instructions.append(_instruction(start, " ".join(p for p in pending if p)))
    return instructions


def _instruction(line: int, text: str) -> Instruction:
    keyword, _, rest = text.partition(" ")
    if keyword.upper() not in INSTRUCTIONS:
        raise BuildError(f"line {line}: unknown instruction: {keyword}")
    rest = rest.strip()
    flags = []
    while rest.startswith("--") and keyword.upper() in ("FROM", "COPY", "ADD", "RUN"):
        word, _, rest = rest.partition(" ")
        name, _, value = word[2:].partition("=")
        flags.append((name, value))
        rest = rest.strip()
    if not rest and keyword.upper() not in ("HEALTHCHECK",):
        raise BuildError(f"line {line}: {keyword.upper()}: requires at least one argument")
    return Instruction(line, keyword.upper(), rest, tuple(flags))


def json_form(arguments: str) -> list[str] | None:
    """`["nginx", "-g", "daemon off;"]` → the list; None for the shell form."""
    if not arguments.startswith("["):
        return None
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return [str(v) for v in value] if isinstance(value, list) else None


_VARIABLE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def substitute(text: str, variables: Mapping[str, str]) -> str:
    """$VAR, ${VAR}, ${VAR:-default}, ${VAR:+alt}, as the Dockerfile's ENV/ARG substitution does."""
    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        value = variables.get(name)
        if match.group(2) == "-":
            return value if value else match.group(3)
        if match.group(2) == "+":
            return match.group(3) if value else ""
        return value or ""
    return _VARIABLE.sub(one, text)


def key_values(arguments: str, keyword: str) -> list[tuple[str, str]]:
    """`A=1 B="two words"` (or the legacy `ENV A some value`) → pairs."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        if keyword == "ENV":
            return [(words[0], " ".join(words[1:]))]
        if keyword == "ARG":
            return [(words[0], "\0")]  # declared without a default
    pairs = []
    for word in words:
        name, equals, value = word.partition("=")
        pairs.append((name, value if equals else "\0"))
    return pairs


# --- the build cache -------------------------------------------------------------------------------


class BuildCache(Protocol):
    def get(self, key: str) -> Layer | None: ...

    def put(self, key: str, produced: Layer) -> None: ...


class MemoryCache:
    """A build cache in a dict (tests, benchmarks); registry.py keeps one per cluster in the database."""

    def __init__(self) -> None:
        self.layers: dict[str, Layer] = {}

    def get(self, key: str) -> Layer | None:
        return self.layers.get(key)

    def put(self, key: str, produced: Layer) -> None:
        self.layers[key] = produced


def chain(parent_key: str, *parts: str) -> str:
    return hashlib.sha256("\n".join((parent_key, *parts)).encode()).hexdigest()


# --- the result ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    number: int  # #N in the log
    stage: str
    instruction: Instruction
    cached: bool
    layer: Layer | None  # None: a config change or FROM
    seconds: float  # simulated


@dataclass
class BuildResult:
    image: Image
    steps: list[Step]
    log: list[str]
    new_cache: dict[str, Layer]  # cache entries this build made (registry.py stores them)

    @property
    def cached_steps(self) -> int:
        return sum(1 for s in self.steps if s.cached)


# --- the build -----------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    index: int
    base_reference: str
    layers: list[Layer]
    history: list[History]
    config: ImageConfig
    package_manager: str
    key: str  # the cache chain so far
    variables: dict[str, str]  # ARG values in scope (ENV lives in config)
    shell: tuple[str, ...] = ("/bin/sh", "-c")
    _view: View | None = None
    _children: dict[str, set[str]] | None = None

    @property
    def view(self) -> View:
        if self._view is None:
            self._view = merge(self.layers)
        return self._view

    def children_index(self) -> dict[str, set[str]]:
        """folder → names in it, over the view (kept up to date while layers only add files)."""
        if self._children is None:
            self._children = {}
            for path in self.view:
                _index_path(self._children, path)
        return self._children

    def changes(self) -> Changes:
        return Changes(self.view, self.children_index())

    def add_layer(self, produced: Layer) -> None:
        if self._view is not None:
            apply_layer(self._view, produced, len(self.layers))
        if self._children is not None:
            if produced.whiteouts or produced.opaque_dirs:
                self._children = None  # made again on next need
            else:
                for entry in produced.entries:
                    _index_path(self._children, entry.path)
        self.layers.append(produced)

    def environment(self) -> dict[str, str]:
        return {**self.variables, **self.config.environment}


class Builder:
    """One build: stages in order; `run()` gives the BuildResult or raises BuildError."""

    def __init__(self, instructions: Sequence[Instruction], *, files: Mapping[str, str | bytes] | None = None,
                 cache: BuildCache | None = None, cluster: str | None = None, build_args: Mapping[str, str] | None = None,
                 find: Callable[[str], Image | None] | None = None) -> None:
        self.instructions = list(instructions)
        self.context = {normpath(path).lstrip("/"): (v.decode("utf-8", "replace") if isinstance(v, bytes) else v)
                        for path, v in (files or {}).items()}
        self.cache = cache if cache is not None else MemoryCache()
        self.find = find or (lambda reference: catalog.find(reference, cluster=cluster))
        self.build_args = dict(build_args or {})
        self.global_args: dict[str, str] = {}
        self.stages: list[Stage] = []
        self.steps: list[Step] = []
        self.log: list[str] = []
        self.new_cache: dict[str, Layer] = {}
        self.step_totals: dict[int, int] = {}

    def run(self, repository: str, tag: str) -> BuildResult:
        self.count_steps()
        self.log += ["#1 [internal] load build definition from Dockerfile", "#1 DONE 0.0s"]
        for instruction in self.instructions:
            self.execute(instruction)
        if not self.stages:
            raise BuildError("the Dockerfile has no FROM instruction")
        final = self.stages[-1]
        image = Image(repository, tag, tuple(final.layers), final.config, tuple(final.history),
                      package_manager=final.package_manager, built=True)
        number = len(self.steps) + 2
        self.log += [f"#{number} exporting to image", f"#{number} writing image {image.id} done",
                     f"#{number} naming to {image.name} done", f"#{number} DONE 0.0s"]
        return BuildResult(image, self.steps, self.log, self.new_cache)

    def count_steps(self) -> None:
        stage = -1
        for instruction in self.instructions:
            if instruction.keyword == "FROM":
                stage += 1
                self.step_totals[stage] = 1
            elif instruction.keyword in FILE_INSTRUCTIONS and stage >= 0:
                self.step_totals[stage] += 1

    def execute(self, instruction: Instruction) -> None:
        if instruction.keyword == "FROM":
            self.from_(instruction)
            return
        if not self.stages:
            if instruction.keyword == "ARG":
                for name, value in key_values(instruction.arguments, "ARG"):
                    self.global_args[name] = self.build_args.get(name, "" if value == "\0" else value)
                return
            raise instruction.error("no FROM before it (a Dockerfile starts with FROM, after global ARGs)")
        stage = self.stages[-1]
        handler = getattr(self, f"do_{instruction.keyword.lower()}")
        handler(stage, instruction)

    # FROM ------------------------------------------------------------------------------------------

    def from_(self, instruction: Instruction) -> None:
        words = substitute(instruction.arguments, self.global_args).split()
        if len(words) not in (1, 3) or (len(words) == 3 and words[1].upper() != "AS"):
            raise instruction.error(f"expected 'FROM image [AS name]', got '{instruction.arguments}'")
        reference = words[0]
        name = words[2] if len(words) == 3 else str(len(self.stages))
        if len(words) == 3:
            if not STAGE_NAME.match(name):
                raise instruction.error(f"invalid stage name '{name}': it must start with a lower-case letter and hold "
                                        "only lower-case letters, digits, '.', '_' and '-'")
            if any(s.name == name for s in self.stages):
                raise instruction.error(f"duplicate stage name '{name}'")
        previous = next((s for s in self.stages if s.name == reference), None)
        if previous is not None:
            stage = Stage(name, len(self.stages), previous.base_reference, list(previous.layers), list(previous.history),
                          previous.config, previous.package_manager, previous.key, {})
        elif reference == "scratch":
            stage = Stage(name, len(self.stages), "scratch", [], [], ImageConfig(), "", chain("scratch"), {})
        else:
            image = self.find(reference)
            if image is None:
                found = catalog.parse_reference(reference)
                full = f"{found.registry}/{found.path}:{found.tag}" if found else reference
                raise instruction.error(f"image '{reference}' not found: failed to resolve source metadata for {full}")
            stage = Stage(name, len(self.stages), reference, list(image.layers), list(image.history), image.config,
                          image.package_manager, chain(image.id), {})
        self.stages.append(stage)
        shown = self.full_name(reference) if previous is None and reference != "scratch" else reference
        self.record(stage, instruction, cached=True, produced=None, title=f"FROM {shown}", seconds=0.0)

    def full_name(self, reference: str) -> str:
        parsed = catalog.parse_reference(reference)
        return f"{parsed.registry}/{parsed.path}:{parsed.tag}" if parsed else reference

    # config-only instructions --------------------------------------------------------------------

    def config_step(self, stage: Stage, instruction: Instruction, config: ImageConfig) -> None:
        stage.config = config
        stage.key = chain(stage.key, instruction.text)
        stage.history.append(History(self.history_text(stage, instruction), empty_layer=True))

    def history_text(self, stage: Stage, instruction: Instruction) -> str:
        """What `docker history` shows: RUN as written, the others with their variables expanded."""
        if instruction.keyword == "RUN":
            return f"RUN {' '.join(stage.shell)} {instruction.arguments} # buildkit"
        text = substitute(instruction.text, stage.environment())
        return f"{text} # buildkit" if instruction.keyword in ("COPY", "ADD") else text

    def do_env(self, stage: Stage, instruction: Instruction) -> None:
        pairs = key_values(substitute(instruction.arguments, stage.environment()), "ENV")
        self.config_step(stage, instruction, stage.config.with_env({k: v for k, v in pairs}))

    def do_arg(self, stage: Stage, instruction: Instruction) -> None:
        for name, value in key_values(instruction.arguments, "ARG"):
            if name in self.build_args:
                stage.variables[name] = self.build_args[name]
            elif value != "\0":
                stage.variables[name] = substitute(value, stage.environment())
            elif name in self.global_args:
                stage.variables[name] = self.global_args[name]
        stage.key = chain(stage.key, instruction.text, json.dumps(stage.variables, sort_keys=True))

    def do_label(self, stage: Stage, instruction: Instruction) -> None:
        pairs = key_values(substitute(instruction.arguments, stage.environment()), "LABEL")
        self.config_step(stage, instruction, stage.config.with_labels({k: ("" if v == "\0" else v) for k, v in pairs}))

    def do_maintainer(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, stage.config.with_labels({"maintainer": instruction.arguments}))

    def do_expose(self, stage: Stage, instruction: Instruction) -> None:
        ports = substitute(instruction.arguments, stage.environment()).split()
        for port in ports:
            number, _, protocol = port.partition("/")
            if not number.isdigit() or not 0 < int(number) < 65536 or protocol not in ("", "tcp", "udp", "sctp"):
                raise instruction.error(f"invalid port '{port}': expected NUMBER or NUMBER/tcp|udp")
        self.config_step(stage, instruction, stage.config.with_ports(ports))

    def do_user(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, replace(stage.config, user=substitute(instruction.arguments, stage.environment())))

    def do_cmd(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, replace(stage.config, cmd=tuple(self.command_form(stage, instruction))))

    def do_entrypoint(self, stage: Stage, instruction: Instruction) -> None:
        # An ENTRYPOINT resets the CMD the base image set (Dockerfile reference, "Understand how CMD and ENTRYPOINT interact")
        config = replace(stage.config, entrypoint=tuple(self.command_form(stage, instruction)), cmd=())
        self.config_step(stage, instruction, config)

    def command_form(self, stage: Stage, instruction: Instruction) -> list[str]:
        exec_form = json_form(instruction.arguments)
        return exec_form if exec_form is not None else [*stage.shell, instruction.arguments]

    def do_shell(self, stage: Stage, instruction: Instruction) -> None:
        exec_form = json_form(instruction.arguments)
        if not exec_form:
            raise instruction.error('SHELL requires the JSON form, e.g. SHELL ["/bin/bash", "-c"]')
        stage.shell = tuple(exec_form)
        self.config_step(stage, instruction, stage.config)

    def do_stopsignal(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, replace(stage.config, stop_signal=instruction.arguments))

    def do_volume(self, stage: Stage, instruction: Instruction) -> None:
        volumes = json_form(instruction.arguments) or instruction.arguments.split()
        self.config_step(stage, instruction, replace(stage.config, volumes=tuple(dict.fromkeys(stage.config.volumes + tuple(volumes)))))

    def do_healthcheck(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, stage.config)

    def do_onbuild(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, stage.config)

    # instructions that change files --------------------------------------------------------------

    def do_workdir(self, stage: Stage, instruction: Instruction) -> None:
        path = substitute(instruction.arguments, stage.environment())
        path = normpath(posixpath.join(stage.config.workdir or "/", path))
        stage.config = replace(stage.config, workdir=path)
        key = chain(stage.key, instruction.text)
        produced = self.cache.get(key)
        cached = produced is not None
        if produced is None:
            changes = stage.changes()
            if changes.lookup(path) is None:
                changes.mkdir(path, parents=True)
            produced = changes.layer(self.history_text(stage, instruction))
            self.new_cache[key] = produced
            self.cache.put(key, produced)
        stage.key = key
        if produced.empty:
            stage.history.append(History(self.history_text(stage, instruction), empty_layer=True))
            self.record(stage, instruction, cached=cached, produced=None, seconds=0.0)
            return
        self.commit(stage, instruction, produced, cached=cached)

    def do_run(self, stage: Stage, instruction: Instruction) -> None:
        environment = stage.environment()
        key = chain(stage.key, instruction.text, json.dumps(environment, sort_keys=True), stage.config.user,
                    stage.config.workdir)
        produced = self.cache.get(key)
        cached = produced is not None
        output: list[str] = []
        if produced is None:
            shell = Shell(stage.changes(), environment, stage, instruction, self.context)
            output = shell.output
            exec_form = json_form(instruction.arguments)
            if exec_form is not None:
                shell.run_argv(exec_form)
            else:
                shell.require(stage.shell[0])
                shell.run_script(instruction.arguments)
            produced = shell.changes.layer(self.history_text(stage, instruction))
            self.new_cache[key] = produced
            self.cache.put(key, produced)
        stage.key = key
        self.commit(stage, instruction, produced, cached=cached, output=output)

    def do_copy(self, stage: Stage, instruction: Instruction) -> None:
        self.copy(stage, instruction, add=False)

    def do_add(self, stage: Stage, instruction: Instruction) -> None:
        self.copy(stage, instruction, add=True)

    def copy(self, stage: Stage, instruction: Instruction, *, add: bool) -> None:
        words = json_form(instruction.arguments) or shlex.split(substitute(instruction.arguments, stage.environment()))
        if len(words) < 2:
            raise instruction.error("requires at least one source and a destination")
        *sources, destination = words
        source_files, whole = self.copy_sources(stage, instruction, sources, add=add)
        content_key = hashlib.sha256("\n".join(f"{p}\0{e.line()}" for p, e in source_files).encode()).hexdigest()
        key = chain(stage.key, instruction.text, content_key)
        produced = self.cache.get(key)
        cached = produced is not None
        if produced is None:
            changes = stage.changes()
            owner = self.owner(stage, instruction)
            mode = instruction.flag("chmod")
            target = normpath(posixpath.join(stage.config.workdir or "/", destination))
            existing = changes.lookup(target)
            into_directory = (whole or destination.endswith("/") or len(source_files) > 1
                              or (existing is not None and existing.type == DIR))
            for relative, entry in source_files:
                path = posixpath.join(target, relative) if into_directory else target
                changes.write(replace(entry, path=normpath(path), uid=owner[0], gid=owner[1],
                                      mode=int(mode, 8) if mode else entry.mode), parents=True)
            produced = changes.layer(self.history_text(stage, instruction))
            self.new_cache[key] = produced
            self.cache.put(key, produced)
        stage.key = key
        self.commit(stage, instruction, produced, cached=cached)

    def copy_sources(self, stage: Stage, instruction: Instruction, sources: list[str], *,
                     add: bool) -> tuple[list[tuple[str, FileEntry]], bool]:
        """(path relative to the destination, entry) for each file the sources name, and whether a
        source was a directory or a pattern (its files then go into the destination directory)."""
        origin = instruction.flag("from")
        if origin is not None:
            return self.sources_from(stage, instruction, origin, sources)
        whole = any(any(c in s for c in "*?[") or self.context_is_directory(s) for s in sources)
        found: list[tuple[str, FileEntry]] = []
        for source in sources:
            if add and re.match(r"^https?://", source):
                name = source.rstrip("/").rsplit("/", 1)[-1] or "index.html"
                size = 40_000 + int(hashlib.md5(source.encode()).hexdigest()[:5], 16)
                found.append((name, FileEntry("/" + name, FILE, size, 0o600)))
                continue
            matched = self.context_matches(source)
            if not matched:
                raise instruction.error(f'"{source}": not found in the build context (files given: '
                                        f'{", ".join(sorted(self.context)) or "none"})')
            found += matched
        return found, whole

    def context_is_directory(self, source: str) -> bool:
        pattern = normpath(source).lstrip("/")
        return pattern in ("", ".") or any(path.startswith(pattern + "/") for path in self.context)

    def context_matches(self, source: str) -> list[tuple[str, FileEntry]]:
        pattern = normpath(source).lstrip("/")
        result = []
        for path in sorted(self.context):
            content = self.context[path]
            entry = FileEntry("/" + path, FILE, len(content.encode()), 0o755 if content.startswith("#!") else 0o644,
                              content=content)
            if pattern in ("", "."):
                result.append((path, entry))
            elif path == pattern or fnmatch.fnmatchcase(path, pattern):
                result.append((path.rsplit("/", 1)[-1], entry))
            elif path.startswith(pattern + "/"):
                result.append((path[len(pattern) + 1:], entry))
        return result

    def sources_from(self, stage: Stage, instruction: Instruction, origin: str,
                     sources: list[str]) -> tuple[list[tuple[str, FileEntry]], bool]:
        other = next((s for s in self.stages[:-1] if s.name == origin), None)
        if other is not None:
            view = other.view
        else:
            image = self.find(origin) if not origin.isdigit() else None
            if image is None:
                raise instruction.error(f"--from={origin}: no stage of that name before this one, and no such image")
            view = merge(image.layers)
        found = []
        whole = False
        for source in sources:
            path = normpath(source)  # relative to the root of the stage or image, not its WORKDIR
            entry = view.get(path)
            if entry is not None and entry[0].type != DIR:
                found.append((path.rsplit("/", 1)[-1], entry[0]))
                continue
            whole = True
            prefix = path.rstrip("/") + "/"
            below = [(p[len(prefix):], e) for p, (e, _) in view.items() if p.startswith(prefix)]
            if entry is None and not below:
                raise instruction.error(f'"{source}": not found in stage or image "{origin}"')
            found += sorted(below, key=lambda item: item[0])
        return found, whole

    def owner(self, stage: Stage, instruction: Instruction) -> tuple[int, int]:
        chown = instruction.flag("chown")
        if not chown:
            return 0, 0
        user, _, group = chown.partition(":")
        view = stage.view
        uid = _id_of(user, view, "/etc/passwd")
        gid = _id_of(group, view, "/etc/group") if group else uid
        if uid is None or gid is None:
            raise instruction.error(f"--chown={chown}: unknown user or group (not in the image's /etc/passwd or /etc/group)")
        return uid, gid

    def commit(self, stage: Stage, instruction: Instruction, produced: Layer, *, cached: bool,
               output: Sequence[str] = ()) -> None:
        stage.add_layer(produced)
        stage.history.append(History(self.history_text(stage, instruction)))
        seconds = 0.0 if cached else round(0.1 + produced.size / BYTES_PER_SECOND, 1)
        self.record(stage, instruction, cached=cached, produced=produced, seconds=seconds, output=output)

    def record(self, stage: Stage, instruction: Instruction, *, cached: bool, produced: Layer | None, seconds: float,
               title: str | None = None, output: Sequence[str] = ()) -> None:
        if instruction.keyword not in FILE_INSTRUCTIONS and instruction.keyword != "FROM":
            return
        number = len(self.steps) + 2
        position = sum(1 for s in self.steps if s.stage == stage.name) + 1
        label = "" if len(self.step_totals) == 1 else f"{'stage-' if stage.name.isdigit() else ''}{stage.name} "
        self.steps.append(Step(number, stage.name, instruction, cached, produced, seconds))
        self.log.append(f"#{number} [{label}{position}/{self.step_totals[stage.index]}] {title or instruction.text}")
        lines = [line for text in output for line in text.splitlines()]
        self.log += [f"#{number} {0.1 + i * 0.01:.3f} {line}" for i, line in enumerate(lines[:MAX_OUTPUT_LINES])]
        if instruction.keyword == "FROM":
            self.log.append(f"#{number} DONE 0.0s")
        else:
            self.log.append(f"#{number} CACHED" if cached else f"#{number} DONE {seconds:.1f}s")


def _id_of(name: str, view: View, database: str) -> int | None:
    if name.isdigit():
        return int(name)
    found = view.get(database)
    for line in ((found[0].content or "") if found else "").splitlines():
        fields = line.split(":")
        if fields[0] == name and len(fields) > 2 and fields[2].isdigit():
            return int(fields[2])
    return None


def build(dockerfile: str, *, tag: str = "image:latest", files: Mapping[str, str | bytes] | None = None,
          cache: BuildCache | None = None, cluster: str | None = None, build_args: Mapping[str, str] | None = None,
          find: Callable[[str], Image | None] | None = None) -> BuildResult:
    """Build a Dockerfile: parse it, run every instruction (cached ones from `cache`), name the image."""
    reference = catalog.parse_reference(tag)
    if reference is None:
        raise BuildError(f"invalid tag '{tag}': expected NAME[:TAG] in lower case, e.g. myapp:1")
    builder = Builder(parse(dockerfile), files=files, cache=cache, cluster=cluster, build_args=build_args, find=find)
    return builder.run(reference.repository, reference.tag)


# --- the changes one instruction makes ----------------------------------------------------------------


class Changes:
    """A new layer being written over a union view: copy-up on write, whiteout on delete."""

    def __init__(self, lower: View, lower_children: dict[str, set[str]] | None = None) -> None:
        self.lower = lower
        self.upper: dict[str, FileEntry] = {}
        self.deleted: set[str] = set()  # paths (and their subtrees) deleted from the lower view
        self.opaque: set[str] = set()
        self._lower_children = lower_children  # folder → names in it (made on first need); only read
        self._upper_children: dict[str, set[str]] = {}

    def lookup(self, path: str) -> FileEntry | None:
        """What `path` is now (links in the directories above it followed), or None."""
        return self._get(self.resolve(path))

    def _get(self, path: str) -> FileEntry | None:
        if path == "/":
            return directory("/")
        if path in self.upper:
            return self.upper[path]
        if self.deleted and self._deleted(path):
            return None
        found = self.lower.get(path)
        if found is not None:
            return found[0]
        return directory(path) if self._has_children(path) else None

    def _deleted(self, path: str) -> bool:
        current = path
        while current != "/":
            if current in self.deleted:
                return True
            if current in self.opaque and current != path:
                return True  # an opaque directory hides everything the lower layers put under it
            current = parent(current)
        return False

    def _has_children(self, path: str) -> bool:
        return bool(self._upper_children.get(path)) or bool(self.lower_children().get(path))

    def lower_children(self) -> dict[str, set[str]]:
        """folder → the names directly in it, over the lower view (listed or implied folders)."""
        if self._lower_children is None:
            index: dict[str, set[str]] = {}
            for path in self.lower:
                _index_path(index, path)
            self._lower_children = index
        return self._lower_children

    def resolve(self, path: str, *, follow_last: bool = False) -> str:
        """The path with symbolic links in its directories followed (/bin/ls → /usr/bin/ls on Debian)."""
        path = normpath(path)
        parts = [p for p in path.split("/") if p]
        current = "/"
        for hops, index in enumerate(range(len(parts))):
            candidate = posixpath.join(current, parts[index])
            entry = self._get(candidate) if (index < len(parts) - 1 or follow_last) else None
            if entry is not None and entry.type == SYMLINK and hops < 40:
                target = entry.target if entry.target.startswith("/") else posixpath.join(current, entry.target)
                current = normpath(target)
            else:
                current = candidate
        return normpath(current)

    def children(self, path: str) -> list[str]:
        """The names directly in a directory."""
        path = self.resolve(path, follow_last=True)
        prefix = "/" if path == "/" else path + "/"
        names = self.lower_children().get(path, set()) | self._upper_children.get(path, set())
        return sorted(n for n in names if self._get(prefix + n) is not None)

    def write(self, entry: FileEntry, *, parents: bool = True) -> None:
        path = self.resolve(entry.path)
        entry = entry if path == entry.path else replace(entry, path=path)
        folder = parent(path)
        if self._get(folder) is None:
            if not parents:
                raise ShellError(f"cannot create '{entry.path}': No such file or directory")
            self.mkdir(folder, parents=True)
        _index_path(self._upper_children, path)
        if path in self.deleted:
            # deleted and written again in one step: a directory comes back empty (opaque), a file simply replaces
            self.deleted.discard(path)
            if entry.type == DIR:
                self.opaque.add(path)
        self.upper[path] = entry

    def mkdir(self, path: str, *, parents: bool, mode: int = 0o755) -> None:
        path = self.resolve(path)
        missing = []
        current = path
        while current != "/" and self._get(current) is None:
            missing.append(current)
            current = parent(current)
        if not parents and len(missing) > 1:
            raise ShellError(f"mkdir: cannot create directory '{path}': No such file or directory")
        for folder in reversed(missing):
            was_deleted = folder in self.deleted
            self.deleted.discard(folder)
            if was_deleted:
                self.opaque.add(folder)
            self.upper[folder] = directory(folder, mode=mode)
            _index_path(self._upper_children, folder)

    def delete(self, path: str) -> None:
        path = self.resolve(path)
        prefix = path + "/"
        removed = [k for k in self.upper if k == path or k.startswith(prefix)]
        for key in removed:
            del self.upper[key]
        if removed:
            self._upper_children = {}
            for key in self.upper:
                _index_path(self._upper_children, key)
        self.opaque.discard(path)
        if path in self.lower or self._lower_has_children(path):
            self.deleted.add(path)

    def _lower_has_children(self, path: str) -> bool:
        return bool(self.lower_children().get(path))

    def layer(self, created_by: str) -> Layer:
        """The layer: what was written, whiteouts for what was deleted below (top-most paths only)."""
        whiteouts = [p for p in self.deleted if not any(a in self.deleted for a in ancestors(p))]
        return layer(self.upper.values(), whiteouts=whiteouts, opaque_dirs=self.opaque, created_by=created_by)


def _index_path(index: dict[str, set[str]], path: str) -> None:
    """Record `path` and every folder above it in a folder → names index."""
    while path != "/":
        head, _, name = path.rpartition("/")
        head = head or "/"
        names = index.setdefault(head, set())
        if name in names:
            return  # the folders above are indexed already
        names.add(name)
        path = head


# --- the shell RUN uses ------------------------------------------------------------------------------


class ShellError(Exception):
    """A command failed: the message is what it printed, `code` its exit status."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


SHELL_BUILTINS = {"cd", "set", "export", "true", ":", "false", "exit", "echo", "printf", "unset", "umask", "test", "["}
UNSUPPORTED = {"if", "then", "else", "fi", "for", "while", "do", "done", "case", "esac", "until", "function"}
OPERATORS = {"&&", "||", ";", "|", "&", ";;"}
REDIRECTS = {">", ">>", "<", ">&", "&>", "<<", ">|"}


class Shell:
    """`/bin/sh -c SCRIPT` over a Changes: what the playground's RUN can do."""

    def __init__(self, changes: Changes, environment: Mapping[str, str], stage: Stage, instruction: Instruction,
                 context: Mapping[str, str]) -> None:
        self.changes = changes
        self.env = dict(environment)
        self.env.setdefault("PATH", catalog.DEFAULT_PATH)
        self.env.setdefault("HOME", "/root")
        self.cwd = stage.config.workdir or "/"
        self.stage = stage
        self.instruction = instruction
        self.errexit = False
        self.output: list[str] = []

    def fail(self, message: str, code: int) -> BuildError:
        shown = " ".join(self.instruction.arguments.split())
        return self.instruction.error(f"{message} (`{shown}` exited with code {code})")

    def require(self, program: str) -> None:
        if self.changes.lookup(program) is None:
            raise self.instruction.error(f'exec: "{program}": stat {program}: no such file or directory (the image has '
                                         "no shell; use the exec form RUN [\"...\"])")

    def run_argv(self, argv: list[str]) -> None:
        try:
            self.command(argv, redirect=None)
        except ShellError as failure:
            raise self.fail(str(failure), failure.code) from None

    def run_script(self, script: str) -> None:
        tokens = self.tokenize(script)
        status = 0
        for operator, pipeline in self.split(tokens):
            if (operator == "&&" and status != 0) or (operator == "||" and status == 0):
                continue
            status, message = self.pipeline(pipeline)
            if status != 0 and self.errexit and operator not in ("&&", "||"):
                raise self.fail(message, status)
            last_message = message
        if status != 0:
            raise self.fail(last_message, status)

    def tokenize(self, script: str) -> list[str]:
        script = re.sub(r"\$\(\s*nproc\s*\)", "2", script)
        script = re.sub(r"\$\([^)]*\)|`[^`]*`", "", script)
        # file descriptors: 2>&1 and >/dev/null change no file; 2>FILE is stderr (nothing the build writes)
        script = re.sub(r"(?<![\w$])[12]?>&[12]\b|(?<![\w$])[12]?>>?\s*/dev/null\b|(?<![\w$])2>>?\s*[^\s;&|]+", "", script)
        script = re.sub(r"(?<![\w$])1>", ">", script)
        lexer = shlex.shlex(_expand_outside_single_quotes(script, self.env), posix=True, punctuation_chars=";&|<>")
        lexer.whitespace_split = True
        lexer.commenters = ""
        try:
            return list(lexer)
        except ValueError as error:
            raise self.instruction.error(f"/bin/sh: syntax error: {error}") from None

    def split(self, tokens: list[str]) -> list[tuple[str, list[list[str]]]]:
        """[(operator before it, pipeline of commands)]."""
        result: list[tuple[str, list[list[str]]]] = []
        operator, pipeline, words = ";", [], []
        for token in tokens:
            if token in ("&&", "||", ";", "&", ";;"):
                pipeline.append(words)
                result.append((operator, [w for w in pipeline if w]))
                operator, pipeline, words = (";" if token in (";", "&") else token), [], []
            elif token == "|":
                pipeline.append(words)
                words = []
            else:
                words.append(token)
        pipeline.append(words)
        result.append((operator, [w for w in pipeline if w]))
        return [(op, p) for op, p in result if p]

    def pipeline(self, commands: list[list[str]]) -> tuple[int, str]:
        status, message = 0, ""
        for words in commands:
            argv, redirect = self.redirections(words)
            if not argv:
                continue
            try:
                self.command(argv, redirect=redirect)
                status, message = 0, ""
            except ShellError as failure:
                status, message = failure.code, str(failure)
        return status, message

    def redirections(self, words: list[str]) -> tuple[list[str], tuple[str, str] | None]:
        argv: list[str] = []
        redirect = None
        index = 0
        while index < len(words):
            word = words[index]
            if word in REDIRECTS and index + 1 < len(words):
                target = words[index + 1]
                if word in (">", ">>", ">|") and target != "/dev/null":
                    redirect = (">>" if word == ">>" else ">", target)
                index += 2
                continue
            argv.append(word)
            index += 1
        return argv, redirect

    # commands ------------------------------------------------------------------------------------

    def path(self, name: str) -> str:
        return normpath(posixpath.join(self.cwd, name))

    def command(self, argv: list[str], *, redirect: tuple[str, str] | None) -> None:
        while argv and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", argv[0]):
            name, _, value = argv.pop(0).partition("=")
            self.env[name] = value  # VAR=value before a command (or alone)
        if not argv:
            return
        name = argv[0]
        if name in UNSUPPORTED:
            raise self.instruction.error(f"the playground's shell does not run '{name}' blocks; chain commands with && instead")
        base = name.rsplit("/", 1)[-1]
        if base not in SHELL_BUILTINS:
            self.which(name)
        handler = getattr(self, "cmd_" + base.replace("-", "_").replace(".", "_"), None)
        if base in ("python", "python3") or re.match(r"^python3\.\d+$", base):
            handler = self.cmd_python
        if base in ("[",):
            handler = self.cmd_test
        output = handler(argv[1:]) if handler else None
        if redirect is not None:
            self.redirect(output or "", redirect)
        elif output:
            self.output.append(output)

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

    def cmd_set(self, args: list[str]) -> None:
        for arg in args:
            if arg.startswith("-") and "e" in arg[1:]:
                self.errexit = True
            if arg.startswith("+") and "e" in arg[1:]:
                self.errexit = False

    def cmd_cd(self, args: list[str]) -> None:
        target = self.path(args[0] if args else self.env.get("HOME", "/root"))
        found = self.changes.lookup(target)
        if found is None or found.type not in (DIR, SYMLINK):
            raise ShellError(f"/bin/sh: 1: cd: can't cd to {args[0] if args else target}", 2)
        self.cwd = target

    def cmd_export(self, args: list[str]) -> None:
        for arg in args:
            name, equals, value = arg.partition("=")
            if equals:
                self.env[name] = value

    def cmd_unset(self, args: list[str]) -> None:
        for arg in args:
            self.env.pop(arg, None)

    def cmd_exit(self, args: list[str]) -> None:
        code = int(args[0]) if args and args[0].isdigit() else 0
        if code:
            raise ShellError(f"exit {code}", code)

    def cmd_false(self, args: list[str]) -> None:
        raise ShellError("false", 1)

    def cmd_echo(self, args: list[str]) -> str:
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        elif args and args[0] in ("-e", "-ne", "-en"):
            newline, args = args[0] == "-e", [a.replace("\\n", "\n").replace("\\t", "\t") for a in args[1:]]
        return " ".join(args) + ("\n" if newline else "")

    def cmd_printf(self, args: list[str]) -> str:
        if not args:
            return ""
        text = args[0].replace("\\n", "\n").replace("\\t", "\t")
        values = list(args[1:])
        text = re.sub(r"%[sd]", lambda _: values.pop(0) if values else "", text)
        return text.replace("%%", "%")

    def cmd_test(self, args: list[str]) -> None:
        args = [a for a in args if a != "]"]
        if len(args) == 2 and args[0] in ("-f", "-d", "-e"):
            found = self.changes.lookup(self.path(args[1]))
            ok = found is not None and (args[0] == "-e" or (found.type == DIR) == (args[0] == "-d"))
            if not ok:
                raise ShellError("", 1)

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
        uid = _id_of(user, view, "/etc/passwd")
        gid = _id_of(group, view, "/etc/group") if group else None
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


def _expand_outside_single_quotes(script: str, env: Mapping[str, str]) -> str:
    parts = re.split(r"('[^']*')", script)
    return "".join(part if part.startswith("'") else substitute(part, env) for part in parts)
