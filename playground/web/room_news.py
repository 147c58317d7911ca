"""News for the room view's sockets (workshop_consumers.RoomConsumer): its grid changed shape.

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
