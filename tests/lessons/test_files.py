"""Lesson files: a lesson loads from its folder's lesson.md; a mistake in one is refused naming the
file and the line; every shipped lesson loads."""
from __future__ import annotations

from pathlib import Path

import pytest

from playground.lessons.files import LessonError, load_lesson, load_lessons

GOOD = """---
title: Scaling
summary: A ReplicaSet keeps its pods.
start: start.yaml
---
What a ReplicaSet does.

## Scale it

Run `kubectl scale rs web --replicas=3`.

```step
picture: replicaset/default/web
task: Scale web to 3.
hints:
  - kubectl scale takes --replicas.
  - The ReplicaSet is called web.
checks:
  - expect: pods
    selector: app=web
    ready: 3
```

## On a real cluster

Try `kubectl scale` there.
"""


def lesson_in(tmp_path: Path, text: str, *, name: str = "01-scaling") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "lesson.md").write_text(text)
    (folder / "start.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: demo}\n")
    return folder


def refused(tmp_path: Path, text: str, **kwargs) -> str:
    folder = lesson_in(tmp_path, text, **kwargs)
    with pytest.raises(LessonError) as error:
        load_lesson(folder)
    return str(error.value).replace(str(folder / "lesson.md"), "lesson.md")


def test_a_lesson_is_its_header_its_steps_and_what_to_try_on_a_real_cluster(tmp_path):
    lesson = load_lesson(lesson_in(tmp_path, GOOD))

    assert (lesson.slug, lesson.title, lesson.summary) == ("01-scaling", "Scaling", "A ReplicaSet keeps its pods.")
    assert lesson.introduction == "What a ReplicaSet does." and "kind: Namespace" in lesson.start
    [step] = lesson.steps
    assert (step.number, step.title, step.task, str(step.picture)) == (1, "Scale it", "Scale web to 3.", "replicaset/default/web")
    assert step.text == "Run `kubectl scale rs web --replicas=3`." and len(step.hints) == 2
    assert [check.expect for check in step.checks] == ["pods"]
    assert lesson.real_cluster == "Try `kubectl scale` there."


@pytest.mark.parametrize("change, message", [
    (("---\ntitle", "title"), "lesson.md:1: a lesson starts with a YAML header"),
    (("title: Scaling", "title: [Scaling"), "lesson.md:3: the header is not valid YAML"),
    (("summary:", "sumary:"), "lesson.md:2: unknown header field sumary"),
    (("start: start.yaml", "start: ../../etc/passwd"), "lesson.md:2: start: '../../etc/passwd' is not a file"),
    (("## On a real cluster", "## Afterwards"), "the last section must be '## On a real cluster'"),
    (("```step", "```yaml"), "lesson.md:8: step 'Scale it' needs exactly one ```step block (found 0)"),
    (("picture: replicaset/default/web", "picture: replicaset/web"), "lesson.md:13: picture 'replicaset/web': expected replicaset/<namespace>/<name>"),
    (("picture: replicaset/default/web", "picture: movie"), "lesson.md:13: unknown picture 'movie'"),
    (("task: Scale web to 3.\n", ""), "lesson.md:13: step 'Scale it' needs a task"),
    (("  - expect: pods", "  - expect: podz"), "lesson.md:19: unknown check 'podz'"),
    (("    ready: 3", "    ready: 3\n    readdy: 2"), "lesson.md:19: check pods: unknown field readdy"),
    (("    ready: 3", "    ready: 3\n    hold: soon"), "lesson.md:19: check pods: hold is a number of simulated seconds"),
    (("hints:\n  - kubectl", "hints: 3\n  - kubectl"), "lesson.md:15: hints are a list of sentences"),
    (("    ready: 3", "    ready: [3"), "lesson.md:22: step 'Scale it' is not valid YAML"),
])
def test_a_mistake_in_a_lesson_names_the_file_and_line(tmp_path, change, message):
    old, new = change
    assert old in GOOD

    assert message in refused(tmp_path, GOOD.replace(old, new, 1))


def test_a_folder_name_that_is_no_address_is_refused(tmp_path):
    assert "lesson.md:1: the folder's name is the lesson's address" in refused(tmp_path, GOOD, name="My Lesson")


def test_every_shipped_lesson_loads_with_checked_steps():
    lessons = load_lessons()

    assert lessons, "no lesson is shipped"
    for lesson in lessons:
        assert len(lesson.steps) >= 3 and all(step.checks for step in lesson.steps), lesson.slug
        assert lesson.real_cluster, lesson.slug
