"""`python manage.py workshop create|list|reset|lock|unlock|close`: a room of attendees, each with
a cluster of their own (playground/workshops/rooms.py does the work; the instructor's pages too)."""
from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from playground.management.cli import CommandFailed, KubectlCommand
from playground.workshops import rooms
from playground.workshops.models import Workshop

NEEDS_NAME = ("create", "reset", "lock", "unlock", "close")


class Command(KubectlCommand):
    help = "Create, list, reset, lock, unlock or close workshops: one cluster per attendee, joined by link and code."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=("list", *NEEDS_NAME))
        parser.add_argument("name", nargs="?")
        parser.add_argument("--seats", type=int, default=40, help="create: at most this many attendees")
        parser.add_argument("--lesson", action="append", default=[], help="create: a lesson attendees get (repeat for more)")
        parser.add_argument("--attendee", help="reset: only this attendee's clusters (their display name)")
        parser.add_argument("--url", default="http://127.0.0.1:8000",
                            help="create: the address attendees open the playground at, for the join link")

    def cluster_used(self, **_: Any) -> str | None:
        return None  # a workshop, not a cluster: its attendees' clusters wake when they use them

    def run(self, *, action: str, name: str | None, **options: Any) -> None:
        if action == "list":
            return self.list()
        if not name:
            raise CommandFailed(f"workshop {action} needs a NAME")
        try:
            self.act(action, name, **options)
        except rooms.WorkshopError as e:
            raise CommandFailed(e.message) from None

    def act(self, action: str, name: str, *, seats: int, lesson: list[str], attendee: str | None, url: str, **_: Any) -> None:
        if action == "create":
            made = rooms.create(name, seats=seats, lessons=lesson)
            self.stdout.write(f'workshop "{made.name}" created: {made.seats} seats, {len(made.lessons)} lessons')
            self.stdout.write(f"join link: {url.rstrip('/')}/join/{made.name}/")
            self.stdout.write(f"join code: {made.code}")
            return
        workshop = rooms.find(name)
        if action == "reset":
            count = rooms.reset(workshop, only=rooms.attendee(workshop, attendee) if attendee else None)
            self.stdout.write(f'workshop "{name}": {count} attendee{"s" if count != 1 else ""} reset')
        elif action in ("lock", "unlock"):
            rooms.set_locked(workshop, locked=action == "lock")
            self.stdout.write(f'workshop "{name}" {action}ed')
        else:
            self.stdout.write(f'workshop "{name}" closed: {rooms.close(workshop)} clusters deleted')

    def list(self) -> None:
        self.stdout.write(f"{'NAME':<24}{'CODE':<10}{'ATTENDEES':<12}{'LESSONS':<9}STATE")
        for w in Workshop.objects.order_by("name"):
            state = "closed" if w.closed else "locked" if w.locked else "open"
            self.stdout.write(f"{w.name:<24}{w.code:<10}{f'{w.attendees.count()}/{w.seats}':<12}{len(w.lessons):<9}{state}")
