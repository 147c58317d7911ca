"""A learner's progress: a cluster of their own in the lesson's starting state, steps opened in
order, each recorded done the first time its checks are green, hints one at a time, and a reset
that gives the cluster back as it was."""
from __future__ import annotations

import pytest

from playground.lessons import progress
from playground.lessons.files import load_lesson
from playground.store import api as store
from playground.store import clusters
from playground.store.errors import NotFound

LESSON = """---
title: Flags
start: start.yaml
---
## Make the flag

```step
picture: configmap/default/flag
task: Make a ConfigMap named flag.
hints: [It is a ConfigMap., Its name is flag.]
checks:
  - {expect: object, kind: ConfigMap, name: flag}
```

## Raise it

```step
picture: configmap/default/flag
task: Set its data.height to 2.
checks:
  - {expect: object, kind: ConfigMap, name: flag, fields: {data.height: 2}}
```

## On a real cluster

The same.
"""
START = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: given}\ndata: {a: b}\n"


def flag(height: str = "1") -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "flag", "namespace": "default"},
            "data": {"height": height}}


@pytest.fixture
def lesson(tmp_path):
    folder = tmp_path / "01-flags"
    folder.mkdir()
    (folder / "lesson.md").write_text(LESSON)
    (folder / "start.yaml").write_text(START)
    return load_lesson(folder)


def test_each_learner_gets_a_cluster_of_their_own_in_the_starting_state(db, lesson):
    mine = progress.start("alice", lesson)
    again = progress.start("alice", lesson)
    theirs = progress.start("bob", lesson)

    assert again.pk == mine.pk and theirs.cluster != mine.cluster
    assert store.get(mine.cluster, "ConfigMap", "given", "default")["data"] == {"a": "b"}
    assert {n["metadata"]["name"] for n in store.list(mine.cluster, "Node")} >= {"playground-control-plane"}
    assert store.list(mine.cluster, "Pod", namespace="kube-system"), "kube-system runs as on kind"


def test_steps_open_in_order_and_a_step_is_done_the_first_time_its_checks_are_green(db, lesson):
    mine = progress.start("alice", lesson)
    first, second = lesson.steps

    with pytest.raises(NotFound, match="step 2 of lesson \"01-flags\" is not open yet"):
        progress.go_to(mine, lesson, 2)
    assert [v.done for v in progress.verdicts(mine, lesson, first)] == [False]

    store.create(mine.cluster, flag())
    assert [v.done for v in progress.verdicts(mine, lesson, first)] == [True]
    store.delete(mine.cluster, "ConfigMap", "flag", "default")  # undone later: the step stays done

    assert progress.go_to(mine, lesson, 2) is second and mine.done_steps == [1] and mine.finished_at is None
    store.create(mine.cluster, flag("2"))
    progress.verdicts(mine, lesson, second)
    assert mine.done_steps == [1, 2] and mine.finished_at is not None


def test_hints_are_revealed_one_at_a_time_up_to_the_last(db, lesson):
    mine = progress.start("alice", lesson)

    shown = [progress.reveal_hint(mine, lesson.steps[0]) for _ in range(3)]

    assert shown == [1, 2, 2]


def test_a_reset_gives_the_cluster_back_as_it_was_and_the_lesson_from_its_start(db, lesson):
    mine = progress.start("alice", lesson)
    store.create(mine.cluster, flag())
    progress.verdicts(mine, lesson, lesson.steps[0])
    progress.go_to(mine, lesson, 2)

    progress.reset(mine, lesson)

    assert (mine.step, mine.done_steps, mine.hints_shown) == (1, [], {})
    assert [c["metadata"]["name"] for c in store.list(mine.cluster, "ConfigMap", namespace="default")
            if c["metadata"]["name"] in ("flag", "given")] == ["given"]


def test_a_learner_whose_cluster_was_deleted_gets_a_fresh_one(db, lesson):
    mine = progress.start("alice", lesson)
    clusters.delete(mine.cluster)

    again = progress.start("alice", lesson)

    assert again.pk == mine.pk and again.cluster != mine.cluster and clusters.exists(again.cluster)
