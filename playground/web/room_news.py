"""News for the room view's sockets (workshop_consumers.RoomConsumer): its grid changed shape,
or one attendee's lesson progress moved; and for the stage's (workshop_consumers.StageConsumer:
the attendees' pages and the projector page): the presenter cluster or the projected one changed.

The join page, the instructor's buttons and a lesson's Start → tell_room → the channel layer
group of the workshop. A module of its own, importing nothing of the pages, so any page may call it.
"""
from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer


def room_group(workshop: str) -> str:
    return f"workshop.{workshop}"


def tell_room(workshop: str) -> None:
    """The room view redraws its grid: someone joined or started a lesson (a cluster more to
    follow), or seats were reset or closed."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(room_group(workshop), {"type": "workshop.changed"})


def tell_room_of(workshop: str, attendee: int) -> None:
    """The room view redraws one attendee's card: a lesson step of theirs was recorded done, which
    no write in their cluster announces (a check may turn green only once its state has held)."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(room_group(workshop), {"type": "attendee.changed", "attendee": attendee})


def stage_group(workshop: str) -> str:
    return f"workshop-stage.{workshop}"


def tell_stage(workshop: str) -> None:
    """The attendees' pages redraw their presenter link, the projector page its cluster."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(stage_group(workshop), {"type": "stage.changed"})
