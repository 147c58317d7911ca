"""The room view's socket: an attendee's card redrawn as their clusters change, the whole grid
when someone joins or the instructor resets or closes seats.

/ws/workshops/<name>/room/ → RoomConsumer (the instructor's only) → the channel layer groups of
every attendee's clusters (`cluster.<name>`, as the live pages', apps.tell_pages) and of the
workshop (`workshop.<name>`, room_news.tell_room: joins, lessons started, resets) → room.room_cards →
templates/web/workshops/room.html#card / #grid, swapped in by id (hx-swap-oob).

The stage → group `workshop-stage.<name>` (room_news.tell_stage) → workshop_views.stage_frame: on
the attendees' pages their presenter link (it appears when the instructor starts presenting, goes
when they stop), on the projector page (an instructor's) the cluster sent to it. An attendee's
page with a live socket of its own (the cluster page, an object's, a lesson step's) gets the stage
over it (consumers.LiveConsumer), one socket a page for a room of 200; the projector page and an
attendee's page with no live part (the lessons list, the images) open /ws/workshops/<name>/stage/
→ StageConsumer.
"""
from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from playground.workshops import rooms
from playground.workshops.access import clusters_of, visitor_of
from playground.workshops.models import Workshop

from . import consumers
from .room import card, room_cards
from .room_news import room_group, stage_group
from .workshop_views import PRESENTER_LINK, PROJECTED, stage_frame


class RoomConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        self.name = self.scope["url_route"]["kwargs"]["workshop"]
        self.owners: dict[str, int] = {}  # cluster → the attendee (pk) it belongs to
        self.dirty: set[int] = set()  # attendees whose card must be redrawn
        self.whole = False  # the grid must be redrawn
        self.shown: dict[int, str] = {}  # attendee → the card the page shows (a Lease renewal changes nothing drawn)
        self.wake = asyncio.Event()
        if user is None or not user.is_staff or not await database_sync_to_async(self.find)():
            return await self.close()
        await self.channel_layer.group_add(room_group(self.name), self.channel_name)
        self.follow(await database_sync_to_async(self.owned_clusters)())
        await self.accept()
        self.sender = asyncio.ensure_future(self.send_frames())

    def find(self) -> bool:
        return Workshop.objects.filter(name=self.name).exists()

    def owned_clusters(self) -> dict[str, int]:
        workshop = rooms.find(self.name)
        return {cluster: seat.pk for seat in workshop.attendees.all() for cluster in clusters_of(seat)}

    def follow(self, owners: dict[str, int]) -> None:
        """Listen to the clusters of `owners` and no other (as a live page listens to its cluster)."""
        for cluster in set(self.owners) - set(owners):
            consumers.hide(cluster, self)
        for cluster in set(owners) - set(self.owners):
            consumers.show(cluster, self)
        self.owners = owners

    async def disconnect(self, code: int) -> None:
        sender = getattr(self, "sender", None)
        if sender is not None:
            sender.cancel()
        for cluster in list(getattr(self, "owners", {})):
            consumers.hide(cluster, self)
        await self.channel_layer.group_discard(room_group(self.name), self.channel_name)

    async def cluster_changed(self, event: dict[str, Any]) -> None:
        owner = self.owners.get(event.get("cluster", ""))
        if owner is not None:
            self.dirty.add(owner)
            self.wake.set()

    async def clock_changed(self, event: dict[str, Any]) -> None:
        pass  # the cards show no clock

    async def attendee_changed(self, event: dict[str, Any]) -> None:
        self.dirty.add(int(event["attendee"]))
        self.wake.set()

    async def workshop_changed(self, event: dict[str, Any]) -> None:
        self.whole = True
        self.wake.set()

    async def send_frames(self) -> None:
        while True:
            await self.wake.wait()
            self.wake.clear()
            whole, self.whole = self.whole, False
            dirty, self.dirty = self.dirty, set()
            if whole:
                self.follow(await database_sync_to_async(self.owned_clusters)())
            try:
                html = await database_sync_to_async(self.frame)(whole, dirty)
            except Exception:  # a frame that failed to draw once must not stop the next
                consumers.log.exception("room frame of %s failed", self.name)
                html = ""
            if html:
                await self.send(text_data=html)
            await asyncio.sleep(consumers.FRAME_SECONDS)

    def frame(self, whole: bool, dirty: set[int]) -> str:
        """The grid, or the cards of the attendees whose clusters changed (those that look different)."""
        workshop = rooms.find(self.name)
        if whole:
            self.shown = {}
            return render_to_string("web/workshops/room.html#grid", {"cards": room_cards(workshop), "workshop": workshop, "oob": True})
        seats = workshop.attendees.filter(pk__in=dirty)
        lessons_of = rooms.lesson_clusters([seat.learner for seat in seats])
        changed = []
        for seat in seats:
            html = render_to_string("web/workshops/room.html#card", {"card": card(seat, workshop, lessons_of[seat.learner]),
                                                                                "workshop": workshop, "oob": True})
            if self.shown.get(seat.pk) != html:
                self.shown[seat.pk] = html
                changed.append(html)
        return "".join(changed)


class StageConsumer(AsyncWebsocketConsumer):
    """What the whole room sees of the instructor's stage: on the projector page (an
    instructor's) the projected cluster, on an attendee's page that has no live socket of its
    own the presenter link (a live page's socket brings it: consumers.LiveConsumer.stage_changed).
    Anyone else is refused."""

    async def connect(self) -> None:
        self.name = self.scope["url_route"]["kwargs"]["workshop"]
        self.template = await database_sync_to_async(self.template_for)()
        if self.template is None:
            return await self.close()
        await self.channel_layer.group_add(stage_group(self.name), self.channel_name)
        await self.accept()

    def template_for(self) -> str | None:
        user = self.scope.get("user")
        if user is not None and user.is_staff:
            return PROJECTED if Workshop.objects.filter(name=self.name).exists() else None
        seat = visitor_of(self.scope.get("session")).attendee
        return PRESENTER_LINK if seat is not None and seat.workshop.name == self.name else None

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(stage_group(self.name), self.channel_name)

    async def stage_changed(self, event: dict[str, Any]) -> None:
        await self.send(text_data=await database_sync_to_async(stage_frame)(self.name, self.template))
