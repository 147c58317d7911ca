"""A learner's progress: a cluster of their own in the lesson's starting state, steps opened in
order, each recorded done the first time its checks are green, hints one at a time, and a reset
that gives the cluster back as it was."""
from __future__ import annotations

import pytest

from playground.lessons import progress
from playground.lessons.files import load_lesson
from playground.store import api as store
from playground.store import clock, clusters
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


def started(learner: str, lesson) -> progress.LessonProgress:
    """The learner's progress, its cluster's clock paused: time moves when the test says."""
    mine = progress.start(learner, lesson)
    clock.set_mode(mine.cluster, "paused")
    return mine


def test_steps_open_in_order_and_a_step_is_done_the_first_time_its_checks_are_green(db, lesson):
    mine = started("alice", lesson)
    first, second = lesson.steps

    with pytest.raises(NotFound, match="step 2 of lesson \"01-flags\" is not open yet"):
        progress.go_to(mine, lesson, 2)
    assert [v.done for v in progress.verdicts(mine, lesson, first)] == [False]

    store.create(mine.cluster, flag())
    progress.verdicts(mine, lesson, first)
    clock.advance(mine.cluster, 5)
    assert [v.done for v in progress.verdicts(mine, lesson, first)] == [True]
    store.delete(mine.cluster, "ConfigMap", "flag", "default")  # undone later: the step stays done

    assert progress.go_to(mine, lesson, 2) is second and mine.done_steps == [1] and mine.finished_at is None
    store.create(mine.cluster, flag("2"))
    progress.verdicts(mine, lesson, second)
    clock.advance(mine.cluster, 5)
    progress.verdicts(mine, lesson, second)
    assert mine.done_steps == [1, 2] and mine.finished_at is not None


def test_a_state_seen_for_an_instant_stays_red_and_one_that_holds_turns_green(db, lesson):
    mine = started("alice", lesson)
    first = lesson.steps[0]

    store.create(mine.cluster, flag())
    seen = progress.verdicts(mine, lesson, first)
    clock.advance(mine.cluster, 4)
    store.delete(mine.cluster, "ConfigMap", "flag", "default")  # gone before it held 5 s
    gone = progress.verdicts(mine, lesson, first)
    store.create(mine.cluster, flag())
    progress.verdicts(mine, lesson, first)  # the step's page looks at every change
    clock.advance(mine.cluster, 4)
    again = progress.verdicts(mine, lesson, first)  # 8 s since it first appeared, 4 s since it is back
    clock.advance(mine.cluster, 1)
    held = progress.verdicts(mine, lesson, first)

    assert [v.saw for v in seen] == ["configmap flag exists, for 0 of the 5 simulated seconds it must hold"]
    assert [v.saw for v in gone] == ["no configmap flag in namespace default"]
    assert [v.saw for v in again] == ["configmap flag exists, for 4 of the 5 simulated seconds it must hold"]
    assert [(v.done, v.saw) for v in held] == [(True, "configmap flag exists")]
    assert mine.done_steps == [1]


def test_a_paused_clock_holds_a_state_back_and_an_instant_one_skips_to_its_hold(db, lesson):
    mine = started("alice", lesson)
    first = lesson.steps[0]
    store.create(mine.cluster, flag())
    progress.verdicts(mine, lesson, first)

    paused = progress.verdicts(mine, lesson, first)  # no time has passed: not held yet
    due = progress.hold_due(mine, first)
    clock.set_mode(mine.cluster, "instant")
    skipped = progress.verdicts(mine, lesson, first)  # the clock jumps to when the hold is due
    after = progress.verdicts(mine, lesson, first)

    assert not paused[0].done and not skipped[0].done
    assert clock.now(mine.cluster) == due and after[0].done and progress.hold_due(mine, first) is None


def test_hints_are_revealed_one_at_a_time_up_to_the_last(db, lesson):
    mine = started("alice", lesson)

    shown = [progress.reveal_hint(mine, lesson.steps[0]) for _ in range(3)]

    assert shown == [1, 2, 2]


def test_a_reset_gives_the_cluster_back_as_it_was_and_the_lesson_from_its_start(db, lesson):
    mine = started("alice", lesson)
    store.create(mine.cluster, flag())
    progress.verdicts(mine, lesson, lesson.steps[0])
    clock.advance(mine.cluster, 5)
    progress.verdicts(mine, lesson, lesson.steps[0])
    progress.go_to(mine, lesson, 2)

    progress.reset(mine, lesson)

    assert (mine.step, mine.done_steps, mine.hints_shown, mine.holding_since) == (1, [], {}, {"1": {}})
    assert [c["metadata"]["name"] for c in store.list(mine.cluster, "ConfigMap", namespace="default")
            if c["metadata"]["name"] in ("flag", "given")] == ["given"]


def test_a_learner_whose_cluster_was_deleted_gets_a_fresh_one(db, lesson):
    mine = progress.start("alice", lesson)
    clusters.delete(mine.cluster)

    again = progress.start("alice", lesson)

    assert again.pk == mine.pk and again.cluster != mine.cluster and clusters.exists(again.cluster)
