"""The Dockerfile builder: a small Dockerfile and its build context → an image of layers.

`image build` / the images page → `build(...)` here → instructions.parse(text) → a layers.Layer
per instruction that changes files (RUN: run.py's shell, COPY, ADD, a WORKDIR that creates its
directory: changes.py writes the layer), config changes for the others (ENV, CMD, ENTRYPOINT,
EXPOSE, LABEL, USER, ...: 0 B in `docker history`) → catalog.Image → registry.py stores it for
the cluster.

It follows BuildKit where a learner can see it: multi-stage builds (`FROM x AS build`,
`COPY --from=build`), the build cache (buildcache.py: a step is reused when the chain of steps
before it and its own instruction — and, for COPY/ADD, the content it copies — are the same;
the log says `#5 CACHED`), ENTRYPOINT resetting an inherited CMD, and errors that name the line.
"""
from __future__ import annotations

import fnmatch
import hashlib
import json
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace

from django.conf import settings

from playground.shell.budget import Budget, BudgetExceeded
from playground.store import clusters
from playground.store.errors import NotFound
from playground.shell.syntax import ShellSyntaxError, split

from . import catalog
from .buildcache import BuildCache, MemoryCache, chain
from .catalog import History, Image, ImageConfig
from .changes import Changes, account_id, index_path
from .instructions import BuildError, Instruction, json_form, key_values, parse, substitute
from .layers import DIR, FILE, MAX_LAYER_DEPTH, FileEntry, Layer, View, apply_layer, merge, normpath
from .run import RunShell

FILE_INSTRUCTIONS = ("RUN", "COPY", "ADD", "WORKDIR")  # the ones BuildKit shows as steps
STAGE_NAME = re.compile(r"^[a-z][a-z0-9._-]*$")
BYTES_PER_SECOND = 60_000_000  # a simulated build's disk and network speed, for the log's timings
MAX_OUTPUT_LINES = 20  # of a RUN's output in the build log


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
                index_path(self._children, path)
        return self._children

    def changes(self, budget: Budget) -> Changes:
        return Changes(self.view, self.children_index(), budget=budget)

    def add_layer(self, produced: Layer) -> None:
        if self._view is not None:
            apply_layer(self._view, produced, len(self.layers))
        if self._children is not None:
            if produced.whiteouts or produced.opaque_dirs:
                self._children = None  # made again on next need
            else:
                for entry in produced.entries:
                    index_path(self._children, entry.path)
        self.layers.append(produced)

    def environment(self) -> dict[str, str]:
        return {**self.variables, **self.config.environment}


class Builder:
    """One build: stages in order; `run()` gives the BuildResult or raises BuildError."""

    def __init__(self, instructions: Sequence[Instruction], *, files: Mapping[str, str | bytes] | None = None,
                 cache: BuildCache | None = None, cluster: str | None = None, build_args: Mapping[str, str] | None = None,
                 find: Callable[[str], Image | None] | None = None, budget: Budget | None = None) -> None:
        self.instructions = list(instructions)
        self.budget = budget if budget is not None else Budget()
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
        self.check_instructions()
        self.count_steps()
        self.log += ["#1 [internal] load build definition from Dockerfile", "#1 DONE 0.0s"]
        for instruction in self.instructions:
            try:
                self.budget.check_time()
                self.execute(instruction)
            except BudgetExceeded as exceeded:
                raise instruction.error(str(exceeded)) from None
            except ShellSyntaxError as error:  # an unbalanced quote in ENV, LABEL, COPY, ...
                raise instruction.error(f"syntax error: {error}") from None
        if not self.stages:
            raise BuildError("the Dockerfile has no FROM instruction")
        final = self.stages[-1]
        image = Image(repository, tag, tuple(final.layers), final.config, tuple(final.history),
                      package_manager=final.package_manager, built=True)
        number = len(self.steps) + 2
        self.log += [f"#{number} exporting to image", f"#{number} writing image {image.id} done",
                     f"#{number} naming to {image.name} done", f"#{number} DONE 0.0s"]
        return BuildResult(image, self.steps, self.log, self.new_cache)

    def check_instructions(self) -> None:
        """Refused before anything runs: a Dockerfile longer than the budget allows."""
        limit = self.budget.max_instructions
        if len(self.instructions) > limit:
            raise self.instructions[limit].error(f"more than {limit:,} instructions, the limit "
                                                 f"({self.budget.setting('MAX_INSTRUCTIONS')})")

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
        words = substitute(instruction.arguments, self.global_args, self.budget).split()
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
        text = substitute(instruction.text, stage.environment(), self.budget)
        return f"{text} # buildkit" if instruction.keyword in ("COPY", "ADD") else text

    def do_env(self, stage: Stage, instruction: Instruction) -> None:
        pairs = key_values(substitute(instruction.arguments, stage.environment(), self.budget), "ENV")
        self.config_step(stage, instruction, stage.config.with_env({k: v for k, v in pairs}))
        self.check_environment(stage)

    def check_environment(self, stage: Stage) -> None:
        """The variables together are bounded too, as execve's ARG_MAX bounds a process's environment."""
        size = sum(len(name) + len(value) + 2 for name, value in stage.environment().items())
        self.budget.check_length(size, "the environment")

    def do_arg(self, stage: Stage, instruction: Instruction) -> None:
        for name, value in key_values(instruction.arguments, "ARG"):
            if name in self.build_args:
                stage.variables[name] = self.build_args[name]
            elif value != "\0":
                stage.variables[name] = substitute(value, stage.environment(), self.budget)
            elif name in self.global_args:
                stage.variables[name] = self.global_args[name]
        self.check_environment(stage)
        stage.key = chain(stage.key, instruction.text, json.dumps(stage.variables, sort_keys=True))

    def do_label(self, stage: Stage, instruction: Instruction) -> None:
        pairs = key_values(substitute(instruction.arguments, stage.environment(), self.budget), "LABEL")
        self.config_step(stage, instruction, stage.config.with_labels({k: ("" if v == "\0" else v) for k, v in pairs}))

    def do_maintainer(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, stage.config.with_labels({"maintainer": instruction.arguments}))

    def do_expose(self, stage: Stage, instruction: Instruction) -> None:
        ports = substitute(instruction.arguments, stage.environment(), self.budget).split()
        for port in ports:
            number, _, protocol = port.partition("/")
            if not number.isdigit() or not 0 < int(number) < 65536 or protocol not in ("", "tcp", "udp", "sctp"):
                raise instruction.error(f"invalid port '{port}': expected NUMBER or NUMBER/tcp|udp")
        self.config_step(stage, instruction, stage.config.with_ports(ports))

    def do_user(self, stage: Stage, instruction: Instruction) -> None:
        self.config_step(stage, instruction, replace(stage.config, user=substitute(instruction.arguments, stage.environment(), self.budget)))

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
        path = substitute(instruction.arguments, stage.environment(), self.budget)
        path = normpath(posixpath.join(stage.config.workdir or "/", path))
        stage.config = replace(stage.config, workdir=path)
        key = chain(stage.key, instruction.text)
        produced = self.cache.get(key)
        cached = produced is not None
        if produced is None:
            changes = stage.changes(self.budget)
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
            shell = RunShell(stage.changes(self.budget), environment, workdir=stage.config.workdir,
                             instruction=instruction, budget=self.budget)
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
        words = json_form(instruction.arguments) or split(substitute(instruction.arguments, stage.environment(), self.budget))
        if len(words) < 2:
            raise instruction.error("requires at least one source and a destination")
        *sources, destination = words
        source_files, whole = self.copy_sources(stage, instruction, sources, add=add)
        content_key = hashlib.sha256("\n".join(f"{p}\0{e.line()}" for p, e in source_files).encode()).hexdigest()
        key = chain(stage.key, instruction.text, content_key)
        produced = self.cache.get(key)
        cached = produced is not None
        if produced is None:
            changes = stage.changes(self.budget)
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
        uid = account_id(user, view, "/etc/passwd")
        gid = account_id(group, view, "/etc/group") if group else uid
        if uid is None or gid is None:
            raise instruction.error(f"--chown={chown}: unknown user or group (not in the image's /etc/passwd or /etc/group)")
        return uid, gid

    def commit(self, stage: Stage, instruction: Instruction, produced: Layer, *, cached: bool,
               output: Sequence[str] = ()) -> None:
        if len(stage.layers) >= MAX_LAYER_DEPTH:
            raise instruction.error(
                f"max depth exceeded: an image holds at most {MAX_LAYER_DEPTH} layers and this would be layer "
                f"{len(stage.layers) + 1} (join RUN lines with && to make fewer layers)")
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


def build(dockerfile: str, *, tag: str = "image:latest", files: Mapping[str, str | bytes] | None = None,
          cache: BuildCache | None = None, cluster: str | None = None, build_args: Mapping[str, str] | None = None,
          find: Callable[[str], Image | None] | None = None, budget: Budget | None = None) -> BuildResult:
    """Build a Dockerfile: parse it, run every instruction (cached ones from `cache`), name the
    image; within `budget` (by default the settings' PLAYGROUND_BUILD_* limits)."""
    reference = catalog.parse_reference(tag)
    if reference is None:
        raise BuildError(f"invalid tag '{tag}': expected NAME[:TAG] in lower case, e.g. myapp:1")
    builder = Builder(parse(dockerfile), files=files, cache=cache, cluster=cluster, build_args=build_args, find=find,
                      budget=budget if budget is not None else build_budget(cluster))
    return builder.run(reference.repository, reference.tag)


_cancelled: ContextVar[Callable[[], bool]] = ContextVar("cancelled", default=lambda: False)


@contextmanager
def cancelled_when(check: Callable[[], bool]) -> Iterator[None]:
    """Builds started inside the block (also through registry.build) stop, refused with "cancelled",
    at their next check after `check()` turns true: the web page asks it when its client leaves."""
    token = _cancelled.set(check)
    try:
        yield
    finally:
        _cancelled.reset(token)


def build_budget(cluster: str | None = None) -> Budget:
    """A build's budget from the PLAYGROUND_BUILD_* settings; the bytes it may write lowered by
    the cluster's quota (dockerfile_bytes), if that is lower."""
    budget = Budget(
        max_instructions=settings.PLAYGROUND_BUILD_MAX_INSTRUCTIONS, max_steps=settings.PLAYGROUND_BUILD_MAX_STEPS,
        max_expansion=settings.PLAYGROUND_BUILD_MAX_EXPANSION, max_files=settings.PLAYGROUND_BUILD_MAX_FILES,
        max_bytes=settings.PLAYGROUND_BUILD_MAX_BYTES, max_path_depth=settings.PLAYGROUND_BUILD_MAX_PATH_DEPTH,
        cpu_seconds=settings.PLAYGROUND_BUILD_CPU_SECONDS, cancelled=_cancelled.get(),
    )
    try:
        allowed = clusters.quota_of(cluster).dockerfile_bytes if cluster else None
    except NotFound:
        allowed = None  # a build for no stored cluster (a test's, an example's): the settings alone
    if allowed is not None and allowed < budget.max_bytes:
        budget.max_bytes = allowed
        budget.set_by["MAX_BYTES"] = f"the quota dockerfile_bytes of cluster {cluster}"
    return budget
