"""Lesson files: one folder per lesson under playground/lessons/content/, its `lesson.md` Markdown
with a small YAML header, so an instructor writes a lesson without Python.

lesson.md → `load_lesson` here → a Lesson (steps with their text, picture, task, hints and
checks.Check objects) → the lesson pages and the progress tracker. A mistake in the file is a
LessonError naming the file and the line, found when the lessons load (and by a test over every
shipped lesson), never while a learner is in it.

The shape of lesson.md:

    ---
    title: Deployments and rolling updates
    summary: One sentence for the lesson list.
    start: start.yaml          # optional: manifests in this folder applied to the learner's fresh cluster
    ---
    What the lesson is about (Markdown).

    ## Scale the Deployment     (a step: its text, then one ```step block)
    Text ... `kubectl scale deployment web --replicas=5` ...

    ```step
    picture: deployment/default/web   # the live picture beside the step: PICTURES below
    task: Scale web to 5 replicas.
    hints: [first hint, second hint]
    checks:
      - expect: object
        kind: Deployment
        name: web
        fields: {spec.replicas: 5}
        rollout: complete
    ```

    ## On a real cluster       (the last section, required: what to try there)

A field path with an index (`spec.containers[0].image`) is a key YAML's `{...}` flow style reads
as the start of a list: write such checks' fields in the block style, one per line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .checks import Check, CheckError, parse_check

CONTENT = Path(__file__).resolve().parent / "content"
LESSON_FILE = "lesson.md"
REAL_CLUSTER = "On a real cluster"
HEADER_FIELDS = {"title", "summary", "start"}
STEP_FIELDS = {"picture", "task", "hints", "checks"}
# The live pictures a step sits beside: page, then the object's namespace/name where it has one
PICTURES = {
    "cluster": 0, "objects": 0, "events": 0, "dns": 0, "images": 0, "loop": 3,
    "deployment": 2, "replicaset": 2, "statefulset": 2, "daemonset": 2, "service": 2, "pod": 2,
    "configmap": 2, "secret": 2, "node": 1, "image": 1, "fs": 3,  # fs/<namespace>/<pod>/<container>
}
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
STEP_BLOCK = re.compile(r"^```step[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


class LessonError(ValueError):
    """A mistake in a lesson file: `path:line: what is wrong`."""


@dataclass(frozen=True)
class Picture:
    page: str
    target: tuple[str, ...]  # the object's namespace/name (or the node's name, the image's reference)

    def __str__(self) -> str:
        return "/".join((self.page, *self.target))


@dataclass(frozen=True)
class Step:
    number: int  # 1-based
    title: str
    text: str  # Markdown
    picture: Picture
    task: str
    hints: tuple[str, ...]
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Lesson:
    slug: str  # the folder's name: "04-deployments"
    title: str
    summary: str
    introduction: str  # Markdown
    steps: tuple[Step, ...]
    real_cluster: str  # Markdown: what to try on a real cluster
    start: str  # manifests applied to a fresh cluster, or ""


def load_lessons(root: Path = CONTENT) -> list[Lesson]:
    """Every lesson under `root`, in the order of their folders' names."""
    return [load_lesson(folder) for folder in sorted(root.iterdir()) if (folder / LESSON_FILE).is_file()]


def load_lesson(folder: Path) -> Lesson:
    path = folder / LESSON_FILE
    if not SLUG.match(folder.name):
        raise LessonError(f"{path}:1: the folder's name is the lesson's address: lower-case letters, digits and -")
    text = path.read_text(encoding="utf-8")
    header, body, body_line = _split_header(path, text)
    sections = _sections(body, body_line)
    if not sections or sections[-1][0] != REAL_CLUSTER:
        raise LessonError(f"{path}:{body_line + body.count(chr(10))}: the last section must be '## {REAL_CLUSTER}'")
    introduction = sections.pop(0)[2] if sections[0][0] == "" else ""
    real_cluster = sections.pop()[2]
    if not sections:
        raise LessonError(f"{path}:{body_line}: a lesson needs at least one step ('## Title' and a ```step block)")
    steps = tuple(_step(path, number, *section) for number, section in enumerate(sections, start=1))
    start = _start(path, folder, header)
    return Lesson(folder.name, header["title"], header.get("summary", ""), introduction.strip(), steps,
                  real_cluster.strip(), start)


def _split_header(path: Path, text: str) -> tuple[dict[str, Any], str, int]:
    match = re.match(r"^---[ \t]*\n(.*?)^---[ \t]*\n", text, re.MULTILINE | re.DOTALL)
    if match is None:
        raise LessonError(f"{path}:1: a lesson starts with a YAML header between two '---' lines")
    header = _yaml(path, match.group(1), first_line=2, what="the header")
    if not isinstance(header, dict):
        raise LessonError(f"{path}:2: the header is a mapping (title, summary, start)")
    if unknown := sorted(set(header) - HEADER_FIELDS):
        raise LessonError(f"{path}:2: unknown header field {', '.join(unknown)} (expected {', '.join(sorted(HEADER_FIELDS))})")
    if not isinstance(header.get("title"), str) or not header["title"].strip():
        raise LessonError(f"{path}:2: the header needs a title")
    return header, text[match.end():], match.group(0).count("\n") + 1


def _sections(body: str, first_line: int) -> list[tuple[str, int, str]]:
    """(title, line, text) of each `## ` section; the text before the first is titled ""."""
    sections: list[tuple[str, int, str]] = [("", first_line, "")]
    in_code = False
    for offset, line in enumerate(body.splitlines(keepends=True)):
        in_code ^= line.startswith("```")
        if line.startswith("## ") and not in_code:
            sections.append((line[3:].strip(), first_line + offset, ""))
        else:
            title, start, text = sections[-1]
            sections[-1] = (title, start, text + line)
    return sections if sections[0][2].strip() else sections[1:]


def _step(path: Path, number: int, title: str, line: int, text: str) -> Step:
    blocks = list(STEP_BLOCK.finditer(text))
    if len(blocks) != 1:
        raise LessonError(f"{path}:{line}: step '{title}' needs exactly one ```step block (found {len(blocks)})")
    block = blocks[0]
    block_line = line + text[:block.start()].count("\n") + 2
    raw = _yaml(path, block.group(1), first_line=block_line, what=f"step '{title}'")
    if not isinstance(raw, dict):
        raise LessonError(f"{path}:{block_line}: the step block is a mapping ({', '.join(sorted(STEP_FIELDS))})")
    if unknown := sorted(set(raw) - STEP_FIELDS):
        raise LessonError(f"{path}:{block_line}: unknown step field {', '.join(unknown)} (expected {', '.join(sorted(STEP_FIELDS))})")
    lines = _key_lines(block.group(1), block_line)
    checks = raw.get("checks")
    if not isinstance(checks, list) or not checks:
        raise LessonError(f"{path}:{lines.get('checks', block_line)}: step '{title}' needs a list of checks")
    hints = raw.get("hints") or []
    if not isinstance(hints, list) or not all(isinstance(h, str) for h in hints):
        raise LessonError(f"{path}:{lines.get('hints', block_line)}: hints are a list of sentences")
    if not isinstance(raw.get("task"), str) or not raw["task"].strip():
        raise LessonError(f"{path}:{block_line}: step '{title}' needs a task (one sentence: what to do)")
    return Step(number, title, (text[:block.start()] + text[block.end():]).strip(),
                _picture(path, lines.get("picture", block_line), raw.get("picture")), raw["task"].strip(),
                tuple(hints), tuple(_check(path, lines, i, check) for i, check in enumerate(checks)))


def _check(path: Path, lines: dict[str, int], index: int, raw: Any) -> Check:
    try:
        return parse_check(raw)
    except CheckError as e:
        raise LessonError(f"{path}:{lines.get(f'checks[{index}]', lines.get('checks', 1))}: {e}") from None


def _picture(path: Path, line: int, raw: Any) -> Picture:
    page, *target = str(raw or "").split("/")
    if page not in PICTURES:
        raise LessonError(f"{path}:{line}: unknown picture {raw!r}: expected one of {', '.join(PICTURES)}")
    if len(target) != PICTURES[page] or not all(target):
        shape = "/".join([page, *["<namespace>", "<name>"][:PICTURES[page]]]) if page != "fs" else "fs/<namespace>/<pod>/<container>"
        raise LessonError(f"{path}:{line}: picture {raw!r}: expected {shape}")
    return Picture(page, tuple(target))


def _start(path: Path, folder: Path, header: dict[str, Any]) -> str:
    name = header.get("start")
    if not name:
        return ""
    manifest = (folder / str(name)).resolve()
    if manifest.parent != folder.resolve() or not manifest.is_file():
        raise LessonError(f"{path}:2: start: {name!r} is not a file in the lesson's folder")
    return manifest.read_text(encoding="utf-8")


def _yaml(path: Path, text: str, *, first_line: int, what: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        raise LessonError(f"{path}:{line}: {what} is not valid YAML: {getattr(e, 'problem', e)}") from None


def _key_lines(text: str, first_line: int) -> dict[str, int]:
    """The file's line of each top-level key of a step block, and of each of its checks."""
    node = yaml.compose(text)
    lines: dict[str, int] = {}
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key, value in node.value:
        lines[key.value] = first_line + key.start_mark.line
        if key.value == "checks" and isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                lines[f"checks[{index}]"] = first_line + item.start_mark.line
    return lines
