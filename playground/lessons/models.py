"""A learner's progress through one lesson, on the cluster the lesson gave them."""
from __future__ import annotations

from django.db import models


class LessonProgress(models.Model):
    learner = models.CharField(max_length=64)  # a random id kept in the browser's session
    lesson = models.CharField(max_length=100)  # the lesson's folder name
    cluster = models.CharField(max_length=63, unique=True)  # the learner's own cluster for this lesson
    step = models.PositiveIntegerField(default=1)  # the step the learner is on
    done_steps = models.JSONField(default=list)  # step numbers whose checks all turned green
    hints_shown = models.JSONField(default=dict)  # step number → how many hints were revealed
    baselines = models.JSONField(default=dict)  # step number → what its checks remembered when it began
    # step number → {check index: simulated time (ISO) since which its state has been seen holding}
    holding_since = models.JSONField(default=dict)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "lesson"], name="one_progress_per_lesson")]
