"""The live pages' websockets: re-rendered fragments pushed as the cluster changes.

store commit → changes_committed (in the writing process) → channel layer group
`cluster.<name>` → a consumer here → the live partial of its page, swapped in place by htmx's
ws extension (hx-swap-oob). A page subscribes to what it shows: the cluster page to the
`nodes` partial of web/cluster.html, a Deployment page to the `live` partial of
web/deployment.html, a Pod page to the `live` partial of web/pod.html. Changes are coalesced
per socket: at most one frame every FRAME_SECONDS, and only when the HTML changed, so a
1,000-pod scale-up is a handful of frames, not thousands of messages.
"""
from __future__ import annotations

import asyncio
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from playground.store.errors import NotFound

FRAME_SECONDS = 0.1  # about 10 frames a second at most


def group_name(cluster: str) -> str:
    return f"cluster.{cluster}"


class LiveConsumer(AsyncWebsocketConsumer):
    """A page's socket: on every change in its cluster, render (a sync method, given the URL's
    kwargs) at most once per frame, and send the HTML when it differs from the last frame."""

    async def connect(self) -> None:
        self.cluster = self.scope["url_route"]["kwargs"]["cluster"]
        self.frame_due = False
        self.last_frame = ""
        await self.channel_layer.group_add(group_name(self.cluster), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(group_name(self.cluster), self.channel_name)

    async def cluster_changed(self, event: dict[str, Any]) -> None:
        if self.frame_due:
            return  # a frame is already on its way: it will show this change too
        self.frame_due = True
        await asyncio.sleep(FRAME_SECONDS)
        self.frame_due = False
        html = await database_sync_to_async(self.render_frame)()
        if html is not None and html != self.last_frame:  # a Lease renewal changes nothing drawn
            self.last_frame = html
            await self.send(text_data=html)

    def render_frame(self) -> str | None:
        """The HTML to push, or None for nothing (the cluster is gone)."""
        raise NotImplementedError


class ClusterConsumer(LiveConsumer):
    """/ws/clusters/<cluster>/: the nodes and their pods."""

    def render_frame(self) -> str | None:
        from .views import cluster_context  # the page and the socket render the same context

        try:
            return render_to_string("web/cluster.html#nodes", cluster_context(self.cluster))
        except NotFound:
            return None


class ObjectConsumer(LiveConsumer):
    """A page about one namespaced object: its `template` with `context(namespace, name)`, or
    "not found" once the object is deleted while the page is open."""

    template = ""

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def render_frame(self) -> str | None:
        kwargs = self.scope["url_route"]["kwargs"]
        namespace, name = kwargs["namespace"], kwargs["name"]
        try:
            context = self.context(namespace, name)
        except NotFound as e:
            context = {"cluster": self.cluster, "namespace": namespace, "name": name, "missing": e.message}
        return render_to_string(self.template, context)


class DeploymentConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/deployments/<namespace>/<name>/: one Deployment and its revisions."""

    template = "web/deployment.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import deployment_context  # the page and the socket render the same context

        return deployment_context(self.cluster, namespace, name)


class PodConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/pods/<namespace>/<name>/: one Pod, its containers, events and logs."""

    template = "web/pod.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import pod_context

        return pod_context(self.cluster, namespace, name)
