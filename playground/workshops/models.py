"""A workshop (its join code, seats, lessons, and whether it takes newcomers) and its attendees,
each with a cluster of their own; and the budget of wrong join codes that bounds how fast a code is guessed."""
from __future__ import annotations

from django.db import models


class Workshop(models.Model):
    name = models.CharField(max_length=40, unique=True)  # a DNS label: the join link's address
    code = models.CharField(max_length=12)  # what an attendee types to join (workshops.rooms.new_code)
    seats = models.PositiveIntegerField()  # at most this many attendees
    lessons = models.JSONField(default=list)  # the lessons' slugs, in the order the instructor picked
    locked = models.BooleanField(default=False)  # no new attendee may join
    closed = models.BooleanField(default=False)  # over: its clusters deleted, nobody may join
    presenter = models.CharField(max_length=63, blank=True)  # the cluster the instructor drives and the room watches
    projected = models.CharField(max_length=63, blank=True)  # the cluster the projector page shows ("" none)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Attendee(models.Model):
    """One seat: a display name, a cluster of their own, and the learner id their lesson progress
    is kept under. `secret` is what the browser's signed session binding must repeat: a reset
    seat (the attendee row deleted) leaves every old session bound to nothing."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(max_length=40)
    cluster = models.CharField(max_length=63, unique=True)
    learner = models.CharField(max_length=64, unique=True)
    secret = models.CharField(max_length=64)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workshop", "name"], name="one_display_name_per_workshop")]
        ordering = ["joined_at", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.workshop_id})"


class JoinCodeBucket(models.Model):
    """The wrong join codes one client address may still send: a token bucket (store/quota.py's
    take_shared_token) kept in the database, taken in one statement, so every web process counts
    against one budget and tries made at one instant in several processes cannot overshoot it."""

    address = models.CharField(max_length=45, primary_key=True)
    tokens = models.FloatField()
    counted = models.FloatField()  # wall-clock seconds (time.time()): the processes share no monotonic clock
    took = models.BooleanField(default=True)  # whether the last try found a token

    def __str__(self) -> str:
        return f"{self.address}: {self.tokens:.2f} tries"
