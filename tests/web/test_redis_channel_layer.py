"""The scale-out mode's channel layer: with REDIS_URL, the rooms' news in one process reach the
sockets served by another through Redis (channels-redis). .ci/run has a Redis on 127.0.0.1:6379
and requires this test; elsewhere it is skipped when no Redis answers."""
from __future__ import annotations

import asyncio
import os
import socket

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from playground.settings import redis_channel_layer

REDIS_URL = os.environ.get("PLAYGROUND_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not redis_answers() and os.environ.get("PLAYGROUND_REDIS_TESTS") != "required",
    reason="no Redis on 127.0.0.1:6379; .ci/run starts one",
)


@pytest.fixture
def redis_layer(settings):
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield get_channel_layer()
    channel_layers.backends.clear()


def test_the_room_views_news_reaches_a_socket_subscribed_through_redis(redis_layer):
    """An instructor's Reset in one web process redraws the room view served by another: the
    rooms' and stages' news go through the layer (commits reach every process from the store:
    tests/web/test_other_processes_heard.py)."""
    from playground.web.room_news import room_group, tell_room_of

    async def conversation() -> dict:
        channel = await redis_layer.new_channel()
        await redis_layer.group_add(room_group("k8s101"), channel)
        await sync_to_async(tell_room_of)("k8s101", 7)
        try:
            return await redis_layer.receive(channel)
        finally:
            await redis_layer.group_discard(room_group("k8s101"), channel)

    assert async_to_sync(conversation)() == {"type": "attendee.changed", "attendee": 7}


def test_a_socket_with_nothing_to_hear_keeps_waiting_past_redis_own_blocking_timeout(redis_layer):
    # Real seconds, as a quiet page waits: Redis answers a socket's blocking pop after 5 s at the
    # latest, and with redis-py 8's default read timeout of 5 s that wait ended in an error
    async def wait_past_the_blocking_timeout() -> str:
        channel = await redis_layer.new_channel()
        try:
            await asyncio.wait_for(redis_layer.receive(channel), timeout=redis_layer.brpop_timeout + 1)
        except TimeoutError:  # our own wait_for ran out: the socket was still waiting
            return "still waiting"
        return "a message"

    assert async_to_sync(wait_past_the_blocking_timeout)() == "still waiting"
