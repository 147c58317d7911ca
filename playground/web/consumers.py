"""The live pages' websockets: re-rendered fragments pushed as the cluster changes.

store commit → changes_committed (in the writing process) → apps.tell_pages, or the store's
notification (another process's commit, store/notify.py) → `heard` → the sockets of this process
that show the cluster (`show`, `tell`) → a consumer here → the live partial of its page, swapped
in place by htmx's ws extension (hx-swap-oob). A commit reaches every process from the store
itself, as each API server watches etcd: the channel layer carries only the rooms' and stages'
news (room_news.py). A page subscribes to what it shows: the cluster page to the
`nodes` partial of web/cluster.html, a Deployment page to the `live` partial of
web/deployment.html, a Pod page to the `live` partial of web/pod.html.

Changes are coalesced per socket: the first change after a quiet moment is drawn at once, the
ones that follow wait for the next frame, at most one every FRAME_SECONDS, and a frame is sent
only when the HTML changed, so a 1,000-pod scale-up is a handful of frames, not thousands of
messages. A socket resumes like a watch: the page carries the resourceVersion it shows
(`#live-version`, which static/live.js puts in the socket URL as `?since=`), and a socket that
connects after the cluster changed past it gets a fresh frame at once. The cluster page sends
only what changed (the tiles of pods whose state changed; a node whose pods came or went), and
its sockets share one render per resourceVersion, so fifty open pages cost one render.

Every page carries the cluster's clock. A clock is not an object: a Pause, a speed or a jump of
time writes nothing to the change log, so clock.clock_changed (this process) and the look at the
clusters' rows (another process's `manage.py clock`, watch_other_processes) send `clock.changed`, and each
socket swaps in its page's clock (web/cluster.html#clock-controls: time, mode, speeds, Step).

An attendee's page also shows their workshop's stage (the presenter link): it comes over the same
socket (group `workshop-stage.<name>`, workshop_views.stage_frame), one socket a page for a room.
"""
from __future__ import annotations

import asyncio
import datetime
import logging
from typing import Any
from urllib.parse import parse_qsl

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from playground.store import api as store
from playground.store import changelog, clusters, notify
from playground.store import clock as cluster_clock
from playground.store.errors import BadRequest, Gone, NotFound

from . import cluster_frames, tombstones
from .cluster_frames import NODES, shared_context, shared_frame, version_marker
from .room_news import stage_group
from .sender import Sender
from .workshop_views import PRESENTER_LINK, stage_frame
from .views import CLUSTER_PAGE_KINDS

log = logging.getLogger(__name__)

FRAME_SECONDS = 0.1  # about 10 frames a second at most
# A socket whose cluster or object does not exist is closed with this code (the 4000s are the
# application's own, RFC 6455 7.4.2): 4000 + HTTP's 404, as a Kubernetes watch answers NotFound
NOT_FOUND_CLOSE = 4404


# What a page's clock shows: its time (HH:MM:SS), mode, speed, and the moment it is held at (ms, or "")
ClockKey = tuple[str, str, str, str]


# --- who listens, in this process ----------------------------------------------------------------

_shown: dict[str, set[Any]] = {}  # cluster → the sockets of this process that show it (changed on their loop only)
_sockets_loop: asyncio.AbstractEventLoop | None = None  # the event loop the sockets run on


def listening(cluster: str) -> bool:
    """Whether a socket of this process shows the cluster (read from any thread)."""
    return cluster in _shown


def show(cluster: str, socket: Any) -> None:
    """From now on `socket` (on the sockets' loop) is told the cluster's news: its
    `cluster_changed` and `clock_changed` are called with each message (`tell`)."""
    global _sockets_loop
    _sockets_loop = asyncio.get_running_loop()
    _shown.setdefault(cluster, set()).add(socket)
    _start_watching_other_processes()


def hide(cluster: str, socket: Any) -> None:
    sockets = _shown.get(cluster, set())
    sockets.discard(socket)
    if not sockets:
        _shown.pop(cluster, None)


async def tell(cluster: str, message: dict[str, Any]) -> None:
    """The cluster's news (`cluster.changed`, `clock.changed`) to the sockets of this process that
    show it, on their loop (SENDER): each handler only notes it and wakes its socket."""
    for socket in list(_shown.get(cluster, ())):
        try:
            await getattr(socket, message["type"].replace(".", "_"))(message)
        except Exception:  # one socket's failure must not deafen the others
            log.exception("telling a socket of %s failed", cluster)


SENDER = Sender(tell)  # this process's commits (apps.tell_pages) and those heard from others (`heard`)


def sockets_loop() -> asyncio.AbstractEventLoop | None:
    """The running loop of this process's sockets, if any: a commit in another thread hands its
    message to it, because the in-memory layer's queues may only be filled from their own loop."""
    loop = _sockets_loop
    return loop if loop is not None and loop.is_running() else None


OTHER_PROCESSES_POLL_SECONDS = 1.0  # SQLite: another process's CLI; on PostgreSQL notify.FALLBACK_POLL_SECONDS
_announced: dict[str, int] = {}  # cluster → the newest resourceVersion this process's commits told its pages of
_clock_announced: dict[str, datetime.datetime] = {}  # cluster → when the clock this process told of was set
_seen: dict[str, changelog.ClusterState] = {}  # cluster → its state at this process's last look
_heard: set[str] = set()  # clusters another process committed to, told by the listener, not looked at yet
_heard_event: asyncio.Event | None = None  # set when _heard fills (the sockets' loop's)
_poller: asyncio.Task | None = None


def note_announced(cluster: str, resource_version: int) -> None:
    _announced[cluster] = max(_announced.get(cluster, 0), resource_version)


def note_clock_announced(cluster: str, anchor: datetime.datetime) -> None:
    known = _clock_announced.get(cluster)
    _clock_announced[cluster] = anchor if known is None else max(known, anchor)


def heard(told: notify.Told) -> None:
    """notify's receiver (the listener's thread): another process committed to the cluster, or
    set its clock. A commit is told to the cluster's sockets as this process's own are (SENDER:
    a burst of them wakes the loop once); a clock is looked at (watch_other_processes)."""
    loop, event = sockets_loop(), _heard_event
    if loop is None or not listening(told.cluster):
        return
    if told.resource_version is None:
        if event is not None:
            loop.call_soon_threadsafe(_note_heard, told.cluster, event)
        return
    note_announced(told.cluster, told.resource_version)
    SENDER.send(told.cluster, {"type": "cluster.changed", "resource_version": told.resource_version,
                               "cluster": told.cluster, "kinds": sorted(told.kinds or ())}, loop=loop)


def _note_heard(cluster: str, event: asyncio.Event) -> None:
    _heard.add(cluster)
    event.set()


async def watch_other_processes() -> None:
    """A write made in another process (a `runcontrollers` worker, another web process; `python
    manage.py apply` in a second terminal, with the clock paused) reaches this process's open
    pages. While sockets are open: on PostgreSQL the process's one listener (store/notify.py)
    tells each commit with its version and kinds (`heard`), and names the clusters whose clock
    another process set, looked at at once; and every cluster shown is looked at every
    OTHER_PROCESSES_POLL_SECONDS (FALLBACK_POLL_SECONDS when listening), in one query. A cluster
    whose version moved past what this process announced wakes its pages, and no other
    cluster's. The same look sees a clock set elsewhere (`python manage.py clock pause`): it was
    set later than any this process told of."""
    global _heard_event
    _heard_event = woken = asyncio.Event()
    notify.subscribe(heard)
    try:
        poll = notify.FALLBACK_POLL_SECONDS if notify.available() else OTHER_PROCESSES_POLL_SECONDS
        _seen.update(await database_sync_to_async(changelog.cluster_states)())
        while _shown:
            try:
                await asyncio.wait_for(woken.wait(), timeout=poll)
                clusters = [cluster for cluster in _heard if cluster in _shown]
            except TimeoutError:
                clusters = list(_shown)
            woken.clear()
            _heard.clear()
            states = await database_sync_to_async(changelog.cluster_states)(clusters)
            await _tell_of_other_processes(states)
    finally:
        notify.unsubscribe(heard)


async def _tell_of_other_processes(states: dict[str, changelog.ClusterState]) -> None:
    for cluster, state in states.items():
        before = _seen.get(cluster)
        _seen[cluster] = state
        if state.resource_version > max(before.resource_version if before else 0, _announced.get(cluster, 0)):
            await tell(cluster, {"type": "cluster.changed", "resource_version": state.resource_version, "cluster": cluster})
        told = _clock_announced.get(cluster)
        if told is not None and state.clock.anchor > told:
            note_clock_announced(cluster, state.clock.anchor)
            await tell(cluster, {"type": "clock.changed"})


def _start_watching_other_processes() -> None:
    global _poller
    running = _poller is not None and not _poller.done() and _poller.get_loop() is asyncio.get_running_loop()
    if not running:
        _poller = asyncio.ensure_future(watch_other_processes())


def resume_version(scope: dict[str, Any]) -> int | None:
    """The resourceVersion the page shows, from the socket URL's `?since=` (None: not given)."""
    since = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1"))).get("since", "")
    return int(since) if since.isdigit() else None


class NoRouteConsumer(AsyncWebsocketConsumer):
    """A socket URL no page opens (/ws/nope/, /ws/clusters/../../etc/): the handshake is refused,
    which the server answers 403, as Django answers an unknown page 404 (channels' URLRouter
    raises on a path it has no route for, which the server answers 500 and logs as an error)."""

    async def connect(self) -> None:
        await self.close()


class LiveConsumer(AsyncWebsocketConsumer):
    """A page's socket. A subclass renders its page's live partial in `render_frame` (a sync
    method, given the URL's kwargs); this class decides when, and sends what changed."""

    async def connect(self) -> None:
        self.cluster = self.scope["url_route"]["kwargs"]["cluster"]
        self.live = False
        if await self.refused():
            return
        self.live = True
        self.last_frame = ""
        self.clock: cluster_clock.ClockState | None = None  # the newest clock read (by when it was set)
        self.last_clock: ClockKey | None = None  # what the page's clock shows (the page drew it)
        self.clock_moved = False  # told the clock was set: read it before the next frame
        self.notified = 0  # the newest resourceVersion a change message told of
        self.wake = asyncio.Event()
        await database_sync_to_async(self.read_clock)()
        if self.clock is not None:  # the clock this page knows: one set later, elsewhere, is news (watch_other_processes)
            note_clock_announced(self.cluster, self.clock.anchor)
        show(self.cluster, self)
        if self.stage():
            await self.channel_layer.group_add(stage_group(self.stage()), self.channel_name)
        await self.accept()
        since = resume_version(self.scope)
        self.carries_version = since is not None  # the page shows #live-version: each frame moves it on
        self.sender = asyncio.ensure_future(self.send_frames(since))

    async def disconnect(self, code: int) -> None:
        sender = getattr(self, "sender", None)
        if sender is not None:
            sender.cancel()
        if getattr(self, "live", False):
            hide(self.cluster, self)
        if self.stage():
            await self.channel_layer.group_discard(stage_group(self.stage()), self.channel_name)

    def stage(self) -> str:
        """The workshop whose stage the page shows beside its own part: an attendee's page gets
        the presenter link over this socket, and opens no other (workshop_access.ClusterAccessGuard
        names the attendee's workshop in the scope; "" for anyone else)."""
        return self.scope.get("stage", "")

    async def refused(self) -> bool:
        """Whether what the socket shows is missing at connect: then it is accepted only to say
        so (the page's "not found" frame, where it has one) and closed with NOT_FOUND_CLOSE, after
        which htmx's ws extension does not reconnect; nothing stays open for a name that is not
        there. A page open while its object is deleted keeps its socket and shows it is gone."""
        frame = await database_sync_to_async(self.not_found_frame)()
        if frame is None:
            return False
        await self.accept()
        if frame:
            await self.send(text_data=frame)
        await self.close(code=NOT_FOUND_CLOSE)
        return True

    def not_found_frame(self) -> str | None:
        """None when what the socket shows exists; else the frame that says it does not."""
        message = self.missing()
        return None if message is None else self.missing_frame(message)

    def missing(self) -> str | None:
        """Why there is nothing to show (the NotFound message), or None. Here: the cluster."""
        try:
            clusters.id_of(self.cluster)
        except NotFound as e:
            return e.message
        return None

    def missing_frame(self, message: str) -> str:
        """What the page shows when its object is not there ("": nothing, the page stays as it is)."""
        return ""

    drawn_kinds: frozenset[str] | None = None  # the kinds the page draws (None: it may draw any)

    async def cluster_changed(self, event: dict[str, Any]) -> None:
        kinds = event.get("kinds")
        if kinds is not None and self.drawn_kinds is not None and self.drawn_kinds.isdisjoint(kinds):
            # Nothing the page draws (a node's Lease renewed, an Event; a render each, before):
            # only the clock is read again, for a hold its controllers' turn renewed unannounced
            if not self.renewal_may_have_come():
                return
            self.clock_moved = True
        else:
            self.notified = max(self.notified, int(event.get("resource_version") or 0))
        # Only a wake-up: the channel's messages are handled one at a time, so drawing here
        # would queue every change behind the last frame's render instead of folding them in
        self.wake.set()

    def renewal_may_have_come(self) -> bool:
        """Whether the cluster's clock may have moved since this socket read it, unannounced: a
        running clock's hold is renewed by its controller manager's turn only once the renewal
        is due (clock.renew), and every other setting of the clock is told (`clock_changed`).
        Until it is due a commit of nothing drawn reads nothing; a query each, before, for
        every Lease renewal and Event of every cluster with a page open."""
        due = None if self.clock is None else self.clock.wall_seconds_until_renewal()
        return due is None or due <= 0

    def clock_known(self) -> cluster_clock.ClockState | None:
        """The clock this socket read, while nothing can have moved it since (no setting told, its
        renewal not due): a frame draws with it instead of reading the clock again. None: read it."""
        if self.clock_moved or self.renewal_may_have_come():
            return None
        return self.clock

    async def clock_changed(self, event: dict[str, Any]) -> None:
        self.clock_moved = True
        self.wake.set()

    async def stage_changed(self, event: dict[str, Any]) -> None:
        await self.send(text_data=await database_sync_to_async(stage_frame)(self.stage(), PRESENTER_LINK))

    async def send_frames(self, since: int | None) -> None:
        """Frames, as long as the socket is open: one at once for the first change after a quiet
        moment, then at most one every FRAME_SECONDS while changes keep coming."""
        if since is not None:
            try:
                missed = await database_sync_to_async(self.resume)(since)
            except Exception:  # when in doubt, draw the page whole
                log.exception("resuming %s failed", self.scope.get("path", ""))
                missed = True
            if missed:
                self.wake.set()
        # The clock may have been set between the page's drawing and this socket joining its
        # cluster's group (that message went to the others): a page that says which clock it
        # drew (?clock=mode,speed, static/live.js) gets the clock as it is now if it differs
        drawn = query_params(self.scope).get("clock")
        if drawn:
            await database_sync_to_async(self.read_clock)()
            key, _ = self.clock_shown()
            if key is not None and f"{key[1]},{key[2]}" != drawn:
                self.last_clock = None
                await self.send(text_data=self.clock_frame())
        while True:
            await self.wake.wait()
            self.wake.clear()
            if self.clock_moved:
                self.clock_moved = False
                await database_sync_to_async(self.read_clock)()
            try:
                ready, html = self.ready_frame()
                if not ready:
                    html = await database_sync_to_async(self.next_frame)()
            except Exception:  # a page that failed to draw once must still draw the next change
                log.exception("live frame of %s failed", self.scope.get("path", ""))
                html = None
            clock = self.clock_frame()
            if html or clock:
                await self.send(text_data=(html or "") + clock)
            await asyncio.sleep(FRAME_SECONDS)  # what changes meanwhile waits for the next frame

    def resume(self, since: int) -> bool:
        """The page shows the cluster at resourceVersion `since`: whether it missed a change (or
        the change log no longer reaches back to it). If not, what it shows is the last frame."""
        try:
            if self.changed_since(since):
                return True
            self.baseline()
            if self.changed_since(since):
                # committed while the baseline was drawn: maybe in it, though the page lacks it
                self.forget_baseline()
                return True
            return False
        except NotFound:
            return False

    def changed_since(self, version: int) -> bool:
        try:
            return bool(changelog.changes(self.cluster, version, limit=1))
        except Gone:
            return True

    def baseline(self) -> None:
        """Take what the cluster looks like now as what the page shows."""
        self.next_frame()  # nothing is sent: the page shows this already
        self.last_clock = self.clock_shown()[0]

    def forget_baseline(self) -> None:
        """What the page shows is not known: the next frame is drawn whole."""
        self.last_frame = ""

    def read_clock(self) -> None:
        try:
            self.note_clock(cluster_clock.read(self.cluster))
        except NotFound:  # the cluster is gone: the frame says so
            pass

    def note_clock(self, state: cluster_clock.ClockState) -> None:
        """Keep the newer of two clocks: a context shared between sockets may have read it
        before the Pause this socket was just told of."""
        if self.clock is None or state.anchor >= self.clock.anchor:
            self.clock = state

    def clock_shown(self) -> tuple[ClockKey | None, dict[str, Any] | None]:
        """What the page's clock shows now (time, mode, speed, where it is held), and the
        context it is drawn from."""
        from .views import clock_display

        if self.clock is None:
            return None, None
        shown = clock_display(self.clock)
        return (shown["time"], shown["mode"], shown["speed"], str(shown["holds_at"])), shown

    def clock_frame(self) -> str:
        """The page's clock (its time, mode, speed, where it is held, and the Step button while
        paused), swapped in by its id when any of them changed since the last frame; "" when none
        did. A renewal of a held clock moves only where it is held: sent, the page's clock goes on.

        Only the time is sent while the mode and speed stay, as they do through a whole rollout
        on a running clock: the buttons are swapped only when they change. A button swapped
        between a click's press and its release loses the click (the two land on different
        elements), and a running clock's time moved with nearly every frame."""
        key, shown = self.clock_shown()
        if key is None or key == self.last_clock:
            return ""
        buttons_stay = self.last_clock is not None and key[1:3] == self.last_clock[1:3]
        self.last_clock = key
        if buttons_stay:
            return self.draw("web/cluster.html#clock-time", {"clock": shown, "oob_time": True})
        return self.draw("web/cluster.html#clock-controls", {"clock": shown, "oob": True})

    def ready_frame(self) -> tuple[bool, str | None]:
        """(True, the frame) when another socket already drew it: sent without a trip to the
        database thread, which fifty sockets would otherwise queue for one after another."""
        return False, None

    def next_frame(self) -> str | None:
        """The HTML to send now, or None when the page already shows it."""
        self.read_clock()
        version = self.resource_version() if self.carries_version else None  # first: the frame is at least as new
        html = self.render_frame()
        if html is None or html == self.last_frame:  # a Lease renewal changes nothing drawn
            return None
        self.last_frame = html
        return html + version_marker(version)

    def resource_version(self) -> int | None:
        try:
            return changelog.cluster_resource_version(self.cluster)
        except NotFound:
            return None

    def render_frame(self) -> str | None:
        """The HTML to push, or None for nothing (the cluster is gone)."""
        raise NotImplementedError

    def draw(self, template: str, context: dict[str, Any]) -> str:
        """A partial as this socket's page draws it: without the buttons of a read-only page
        (workshop_access.ClusterAccessGuard says so in the scope), as the page itself did."""
        return render_to_string(template, {**context, "read_only": bool(self.scope.get("read_only"))})


class ClusterConsumer(LiveConsumer):
    """/ws/clusters/<cluster>/?namespace=: the nodes and their pods, sent as what changed."""

    shown: dict[str, Any] | None = None  # the context the page shows (None: unknown, send it whole)
    drawn_kinds = CLUSTER_PAGE_KINDS

    def view(self) -> tuple[str, str]:
        """What the page shows: the cluster, and its namespace filter."""
        return (self.cluster, query_params(self.scope).get("namespace", ""))

    def context(self, version: int | None = None) -> dict[str, Any]:
        from .views import cluster_context  # the page and the socket render the same context

        return cluster_context(self.cluster, namespace=self.view()[1], version=version, clock=self.clock_known())

    def render_frame(self) -> str | None:
        try:
            return render_to_string(NODES, self.context())
        except NotFound:
            return None

    def baseline(self) -> None:
        try:
            self.shown = shared_context(self.view(), self.context)
            self.notified = max(self.notified, self.shown["resource_version"])  # a newer change is news
            self.note_clock(self.shown["clock_state"])
            self.last_clock = self.clock_shown()[0]
        except NotFound:
            pass

    def forget_baseline(self) -> None:
        self.shown = None

    def ready_frame(self) -> tuple[bool, str | None]:
        drawn = cluster_frames.drawn_already(self.view(), self.shown, at_least=self.notified)
        if drawn is None:
            return False, None
        context, frame = drawn
        self.shown = context
        self.note_clock(context["clock_state"])
        return True, frame or None

    def next_frame(self) -> str | None:
        try:
            context = shared_context(self.view(), self.context, at_least=self.notified)
        except NotFound:
            return None
        frame = shared_frame(self.view(), self.shown, context)
        self.shown = context
        self.notified = max(self.notified, context["resource_version"])
        self.note_clock(context["clock_state"])
        return frame or None


def forget_shared() -> None:
    """For tests: a new test database hands out the same resourceVersions again."""
    cluster_frames.forget()
    _announced.clear()
    _clock_announced.clear()


class ObjectConsumer(LiveConsumer):
    """A page about one namespaced object: its `template` with `context(namespace, name)`, or
    "not found" once the object is deleted while the page is open."""

    kind = ""
    template = ""

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def render_frame(self) -> str | None:
        kwargs = self.scope["url_route"]["kwargs"]
        try:
            return self.draw(self.template, self.context(kwargs["namespace"], kwargs["name"]))
        except NotFound as e:
            return self.missing_frame(e.message)

    def missing(self) -> str | None:
        kwargs = self.scope["url_route"]["kwargs"]
        try:
            store.get(self.cluster, self.kind, kwargs["name"], kwargs["namespace"])
        except NotFound as e:
            return e.message
        return None

    def missing_frame(self, message: str) -> str:
        kwargs = self.scope["url_route"]["kwargs"]
        message = tombstones.missing_message(self.cluster, self.kind, kwargs["name"], kwargs["namespace"], fallback=message)
        context = {"cluster": self.cluster, "namespace": kwargs["namespace"], "name": kwargs["name"], "missing": message}
        return render_to_string(self.template, context)


class DeploymentConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/deployments/<namespace>/<name>/: one Deployment and its revisions."""

    kind = "Deployment"
    template = "web/deployment.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import deployment_context  # the page and the socket render the same context

        return deployment_context(self.cluster, namespace, name)


class PodConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/pods/<namespace>/<name>/: one Pod, its containers, events and logs."""

    kind = "Pod"
    template = "web/pod.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .pod_views import pod_context

        return pod_context(self.cluster, namespace, name)


# --- the object pages of issues 5 and 7 -----------------------------------------------------------


def query_params(scope: dict[str, Any]) -> dict[str, str]:
    """The socket URL's query string (a page's filters), one value per name."""
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


class ReplicaSetConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/replicasets/<namespace>/<name>/: one ReplicaSet and its pods."""

    kind = "ReplicaSet"
    template = "web/replicaset.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import replica_set_context

        return replica_set_context(self.cluster, namespace, name)


class ServiceConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/services/<namespace>/<name>/: which pods receive its traffic."""

    kind = "Service"
    template = "web/service.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import service_context

        return service_context(self.cluster, namespace, name)


class StatefulSetConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/statefulsets/<namespace>/<name>/: its ordinals, claims and revisions."""

    kind = "StatefulSet"
    template = "web/statefulset.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import stateful_set_context

        return stateful_set_context(self.cluster, namespace, name)


class DaemonSetConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/daemonsets/<namespace>/<name>/: one row per node."""

    kind = "DaemonSet"
    template = "web/daemonset.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import daemon_set_context

        return daemon_set_context(self.cluster, namespace, name)


class ConfigMapConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/configmaps/<namespace>/<name>/: its keys and values, and who uses it."""

    kind = "ConfigMap"
    template = "web/configmap.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import config_map_context

        return config_map_context(self.cluster, namespace, name)


class SecretConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/secrets/<namespace>/<name>/: its keys, values always masked."""

    kind = "Secret"
    template = "web/secret.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .views import secret_context

        return secret_context(self.cluster, namespace, name)


class PersistentVolumeClaimConsumer(ObjectConsumer):
    """/ws/clusters/<cluster>/persistentvolumeclaims/<namespace>/<name>/: its volume and the pods that mount it."""

    kind = "PersistentVolumeClaim"
    template = "web/persistentvolumeclaim.html#live"

    def context(self, namespace: str, name: str) -> dict[str, Any]:
        from .storage_views import claim_context

        return claim_context(self.cluster, namespace, name)


class ClusterObjectConsumer(LiveConsumer):
    """A page about one cluster-scoped object (a Node, a Namespace): `template` with
    `context(name)`, or "not found" once the object is deleted while the page is open."""

    kind = ""
    template = ""

    def context(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def render_frame(self) -> str | None:
        try:
            return self.draw(self.template, self.context(self.scope["url_route"]["kwargs"]["name"]))
        except (NotFound, BadRequest) as e:  # deleted while the page is open, or a page token it did not make
            return self.missing_frame(e.message)

    def missing(self) -> str | None:
        try:
            store.get(self.cluster, self.kind, self.scope["url_route"]["kwargs"]["name"])
        except NotFound as e:
            return e.message
        return None

    def missing_frame(self, message: str) -> str:
        context = {"cluster": self.cluster, "name": self.scope["url_route"]["kwargs"]["name"], "missing": message}
        return render_to_string(self.template, context)


class NodeConsumer(ClusterObjectConsumer):
    """/ws/clusters/<cluster>/nodes/<name>/: its resources, heartbeat, pods and images."""

    kind = "Node"
    template = "web/node.html#live"

    def context(self, name: str) -> dict[str, Any]:
        from .views import node_context

        return node_context(self.cluster, name)


class PersistentVolumeConsumer(ClusterObjectConsumer):
    """/ws/clusters/<cluster>/persistentvolumes/<name>/: its claim, reclaim policy and where its data lives."""

    kind = "PersistentVolume"
    template = "web/persistentvolume.html#live"

    def context(self, name: str) -> dict[str, Any]:
        from .storage_views import volume_context

        return volume_context(self.cluster, name)


class NamespaceConsumer(ClusterObjectConsumer):
    """/ws/clusters/<cluster>/namespaces/<name>/: every object in it."""

    kind = "Namespace"
    template = "web/namespace.html#live"

    def context(self, name: str) -> dict[str, Any]:
        from .views import namespace_context

        return namespace_context(self.cluster, name, continue_=query_params(self.scope).get("continue", ""))


class FilteredConsumer(LiveConsumer):
    """A cluster-wide page whose socket URL carries the page's filters as its query string."""

    template = ""

    def context(self, query: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def render_frame(self) -> str | None:
        try:
            return self.draw(self.template, self.context(query_params(self.scope)))
        except NotFound:
            return None


class EventsConsumer(FilteredConsumer):
    """/ws/clusters/<cluster>/events/?namespace=&kind=&name=&type=&reason=: the timeline."""

    template = "web/events.html#live"

    def context(self, query: dict[str, str]) -> dict[str, Any]:
        from .views import EVENT_FILTERS, events_context

        return events_context(self.cluster, **{k: query.get(k, "") for k in EVENT_FILTERS}, before=query.get("before", ""))


class DnsConsumer(FilteredConsumer):
    """/ws/clusters/<cluster>/dns/?name=&namespace=&type=: the lookup and the namespace's names."""

    template = "web/dns.html#live"

    def context(self, query: dict[str, str]) -> dict[str, Any]:
        from .views import dns_context

        record_type = query.get("type", "A").upper()
        return dns_context(self.cluster, name=query.get("name", ""), namespace=query.get("namespace", "") or "default",
                           type=record_type if record_type in ("A", "SRV", "CNAME") else "A")


# --- the controller loop page (helper "loop") ------------------------------------------------------

LOOP_POLL_SECONDS = 0.5  # how often the loop socket looks for new reconcile records (any process)
LOOP_RENEW_SECONDS = 10.0  # how often it tells the controllers someone still watches


class LoopConsumer(LiveConsumer):
    """/ws/clusters/<cluster>/loop/?kind=&namespace=&name=: one object's reconciles, newest first.

    Reconcile records are not objects and send no change notification (a reconcile that finds
    nothing to do writes nothing), so besides the cluster's changes this socket looks at the
    record table every LOOP_POLL_SECONDS, and keeps the controllers publishing their ring of
    records to it while it is open (store/traces.py watch)."""

    async def connect(self) -> None:
        await super().connect()
        if self.live:
            self.seen_record = -1
            self.poller = asyncio.ensure_future(self.poll_records())

    async def disconnect(self, code: int) -> None:
        if getattr(self, "poller", None) is not None:
            self.poller.cancel()
        await super().disconnect(code)

    async def poll_records(self) -> None:
        from playground.store import traces

        renewed = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                if loop.time() - renewed >= LOOP_RENEW_SECONDS:
                    await database_sync_to_async(traces.watch)(self.cluster)
                    renewed = loop.time()
                newest = await database_sync_to_async(traces.last_id)(self.cluster)
            except NotFound:
                return  # the cluster is gone
            if newest != self.seen_record:
                self.seen_record = newest
                await self.cluster_changed({"type": "cluster.changed"})
            await asyncio.sleep(LOOP_POLL_SECONDS)

    def render_frame(self) -> str | None:
        from .loop_views import BadLoopQuery, loop_context, loop_query

        try:
            kind, namespace, name = loop_query(query_params(self.scope))
            return render_to_string("web/loop.html#live", loop_context(self.cluster, kind, namespace, name))
        except (BadLoopQuery, NotFound):
            return None
