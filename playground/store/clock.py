"""The simulated clock: one per cluster, persisted with it.

Every delay in the playground (image pulls, probe periods, back-off, grace periods) is in
simulated seconds read from here, and every timestamp the store writes (creationTimestamp,
deletionTimestamp, conditions, events) is simulated time, so that ages and back-offs agree
with what a learner watches. Modes: `running` at one of SPEEDS (0.25× … 10×), `paused`
(nothing happens by itself: each Step runs one reconcile, jumping to the next thing due if
nothing is ready, so a class can follow a rollout move by move; tests drive a paused clock
with `advance`), and `instant` (the controller manager jumps to the next thing due whenever the
cluster is idle: benchmarks).

Held: a running clock goes at most LEAD_SECONDS past the last turn its controller manager took
of the cluster, and each turn renews that lead (`renew`, from runtime/manager.py). A manager
that cannot keep up (a loaded server coming round to each of 200 clusters every few seconds, a
worker that died before another takes its lease) slows the clock rather than letting time
outrun the kubelets: on a real cluster the kubelets and the controllers run all the time, so a
node whose heartbeat is late in simulated time because the simulation was late would be a
NotReady, a taint and evictions that nothing real shows. Renewing moves the anchor to now and
keeps the time shown, so a clock held still goes on from where it stood, and every reader of
the row (pages, `clock show`, the API, the store's timestamps) computes the same "now".

Asleep: a cluster nobody has used (no page, socket, console, API request or watch, CLI command,
nor any write through the store but its own controllers': api.Batch) for PLAYGROUND_IDLE_AFTER
real seconds sleeps, whatever its mode, like a suspended VM: its time stands still where it was
(`clock_used` + the setting is the moment it stops), the controller manager drops its loops and
lease, and nothing is written. Falling asleep writes nothing: it is
read from the row. `use` wakes it with time going on from where it stopped (so no node misses a
heartbeat for the gap), and otherwise records the use at most once every few seconds per process.

It lives in the store layer, not in playground/sim, because the store stamps times on objects
and imports nothing above it. A clock is not an object and never enters the change log, so every
change of it (a mode, a speed, a jump of time) is told on commit by `clock_changed`, which the
web app hands to the cluster's open pages.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.dispatch import Signal

from . import notify
from .errors import BadRequest, NotFound
from .models import Cluster

MODES = ("running", "paused", "instant")
# The speeds a running clock has, the one list the pages' buttons and `clock --speed` both read:
# slow enough for a class to follow a rolling update pod by pod, fast enough to skip a wait
# (Instant, a mode, jumps to whatever is due next)
SPEEDS = (0.25, 0.5, 1.0, 10.0)
# How far a running clock goes past its controllers' last turn, in simulated seconds. Below the
# node monitor grace period less the kubelet's Lease renew interval (50 - 10 s: nodelifecycle.py,
# sim/kubelet.py), so however late the manager comes round, a renewal due is written before its
# node looks silent; far above a keeping-up manager's gap between turns (a few seconds)
LEAD_SECONDS = 30.0
RENEW_WHEN_LEFT = LEAD_SECONDS / 2  # a turn renews the lead once this little is left: a write per 15 s

clock_changed = Signal()  # sent on commit with `cluster` and `state`: its mode, speed or time moved


def speed_text(speed: float) -> str:
    """0.25 → "0.25×", 10.0 → "10×": how a speed is written on the pages and by the command."""
    return f"{speed:g}×"


def idle_text(seconds: float) -> str:
    """45 s, 5 min, 2 h 10 min: how long nobody has used a cluster."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


@dataclass(frozen=True)
class ClockState:
    """A cluster clock as read from its row: enough to tell the simulated time without a query."""

    origin: datetime.datetime
    seconds: float
    anchor: datetime.datetime
    speed: float
    mode: str
    asleep_at: datetime.datetime | None = None  # the wall time it falls asleep unless used; None: never

    def now(self, *, wall: datetime.datetime | None = None) -> datetime.datetime:
        return self.origin + datetime.timedelta(seconds=self.seconds + self.ran(wall=wall))

    def ran(self, *, wall: datetime.datetime | None = None) -> float:
        """Simulated seconds a running clock went since its anchor: the real time since, at its
        speed, until it fell asleep, and at most LEAD_SECONDS (held: its controllers are behind)."""
        if self.mode != "running":
            return 0.0
        wall = wall or _wall()
        if self.asleep_at is not None:
            wall = min(wall, self.asleep_at)  # asleep: time stands still where it was
        return min(max(0.0, (wall - self.anchor).total_seconds()) * self.speed, LEAD_SECONDS)

    def held(self, *, wall: datetime.datetime | None = None) -> bool:
        """Whether a running, awake clock stands still waiting for its controller manager."""
        return self.mode == "running" and not self.asleep(wall=wall) and self.ran(wall=wall) >= LEAD_SECONDS

    def holds_at(self) -> datetime.datetime | None:
        """The simulated moment a running clock is held at unless its controller manager renews
        the lead first; None for a clock that runs on no lead (paused, instant). The pages' clocks
        tick no further (static/clock.js), so a renewal never finds them ahead of the server."""
        if self.mode != "running":
            return None
        return self.origin + datetime.timedelta(seconds=self.seconds + LEAD_SECONDS)

    def held_seconds(self, *, wall: datetime.datetime | None = None) -> float:
        """Real seconds a held clock has stood still (0 if it is not held)."""
        if not self.held(wall=wall):
            return 0.0
        return ((wall or _wall()) - self.anchor).total_seconds() - LEAD_SECONDS / self.speed

    def wall_seconds_until_renewal(self, *, wall: datetime.datetime | None = None) -> float | None:
        """Real seconds until a turn of the controller manager should renew the lead (0: now);
        None for a clock that runs on no lead (paused, instant, asleep)."""
        if self.mode != "running" or self.speed <= 0 or self.asleep(wall=wall):
            return None
        return max(0.0, (LEAD_SECONDS - RENEW_WHEN_LEFT - self.ran(wall=wall)) / self.speed)

    def asleep(self, *, wall: datetime.datetime | None = None) -> bool:
        return self.asleep_at is not None and (wall or _wall()) >= self.asleep_at

    def idle_seconds(self, *, wall: datetime.datetime | None = None) -> float:
        """Real seconds since anyone used the cluster (0 if it never sleeps)."""
        if self.asleep_at is None:
            return 0.0
        return max(0.0, ((wall or _wall()) - self.asleep_at).total_seconds() + idle_after())

    def wall_seconds_until(self, moment: datetime.datetime) -> float | None:
        """Real seconds until the simulated `moment`, or None if the clock will not get there alone."""
        if self.mode != "running" or self.speed <= 0 or self.asleep():
            return None
        return max(0.0, (moment - self.now()).total_seconds() / self.speed)


def _wall() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def wall_now() -> datetime.datetime:
    """Real time, as the clocks read it (tests replace `_wall`)."""
    return _wall()


def read(cluster: str) -> ClockState:
    row = cluster_row(cluster)
    if row is None:
        raise NotFound(f'cluster "{cluster}" not found')
    return state_of(row)


CLUSTER_COLUMNS = ("clock_origin", "clock_seconds", "clock_anchor", "clock_speed", "clock_mode", "clock_used")  # what state_of reads
TIME_COLUMNS = frozenset({"clock_origin", "clock_anchor", "clock_used"})
# The row's quota too: a store batch admits with it (playground/store/quota.py) at no extra query
_CLUSTER_COLUMNS = ("id", *CLUSTER_COLUMNS, "quota")


def cluster_row(cluster: str) -> dict[str, Any] | None:
    """The cluster's id, clock and quota columns, or None. Plain SQL: every batch and every
    informer sync asks, and building the ORM query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(_CLUSTER_COLUMNS)} FROM {Cluster._meta.db_table} WHERE name = %s", [cluster])
        found = cursor.fetchone()
    return dict(zip(_CLUSTER_COLUMNS, found)) if found else None


def state_of(row: dict) -> ClockState:
    origin = _as_datetime(row["clock_origin"]) or _wall().replace(microsecond=0)
    anchor = _as_datetime(row["clock_anchor"]) or origin
    used, after = _as_datetime(row["clock_used"]), idle_after()
    asleep_at = used + datetime.timedelta(seconds=after) if used is not None and after > 0 else None
    return ClockState(origin, row["clock_seconds"], anchor, row["clock_speed"], row["clock_mode"], asleep_at)


def _as_datetime(value: datetime.datetime | str | None) -> datetime.datetime | None:
    """A timestamp column as a plain SQL read returns it: SQLite gives naive UTC text, and
    changelog.cluster_states reads PostgreSQL's as text too ("2026-12-08 02:13:31.5+00")."""
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def now(cluster: str) -> datetime.datetime:
    return read(cluster).now()


def set_mode(cluster: str, mode: str, *, speed: float | None = None) -> ClockState:
    """Pause, run (at a speed) or make instant, keeping the simulated time where it is."""
    if mode not in MODES:
        raise BadRequest(f'clock mode "{mode}" is not one of {", ".join(MODES)}')
    check_speed(speed)
    return _rewrite(cluster, mode=mode, speed=speed)


def check_speed(speed: float | None) -> None:
    if speed is not None and speed not in SPEEDS:
        known = ", ".join(speed_text(s) for s in SPEEDS)
        raise BadRequest(f"clock speed {speed:g} is not one of {known} (for no waiting at all: instant)")


def request_step(cluster: str, count: int = 1) -> None:
    """Ask the controller manager for `count` single reconciles of this paused cluster: Step."""
    if count < 1:
        raise BadRequest("a step is at least one reconcile")
    if not Cluster.objects.filter(name=cluster).update(clock_steps=F("clock_steps") + count):
        raise NotFound(f'cluster "{cluster}" not found')


def steps_waiting(cluster: str) -> int:
    """How many Step requests the controller manager has not yet taken."""
    return Cluster.objects.filter(name=cluster).values_list("clock_steps", flat=True).first() or 0


def take_step(cluster: str) -> bool:
    """Claim one waiting Step request, if there is one (the manager's side of request_step)."""
    return bool(Cluster.objects.filter(name=cluster, clock_steps__gt=0).update(clock_steps=F("clock_steps") - 1))


def advance(cluster: str, seconds: float) -> ClockState:
    """Move simulated time forward (whatever the mode): a step, or a test driving time."""
    if seconds < 0:
        raise BadRequest("the clock only moves forward")
    return _rewrite(cluster, add=seconds)


def advance_to(cluster: str, moment: datetime.datetime) -> ClockState:
    current = read(cluster)
    return advance(cluster, max(0.0, (moment - current.now()).total_seconds()))


def renew(cluster: str, state: ClockState, *, wall: datetime.datetime | None = None) -> ClockState:
    """The controller manager takes its turn of the cluster: a running clock may go LEAD_SECONDS
    past now. Written only once less than RENEW_WHEN_LEFT is left; time goes on from where it
    stands (held, or not). Only if nobody set the clock since `state` was read (a Pause, a jump
    of time: those renew it too); returns the clock as it is then."""
    wall = wall or _wall()
    due = state.wall_seconds_until_renewal(wall=wall)
    if due is None or due > 0:
        return state
    seconds = (state.now(wall=wall) - state.origin).total_seconds()
    renewed = Cluster.objects.filter(name=cluster, clock_mode="running", clock_anchor=state.anchor).update(
        clock_seconds=seconds, clock_anchor=wall)
    # The pages learn the new anchor with their next frame (every change, a Lease renewal too,
    # reads the clock again, and the moved hold sends it): nothing is told here, the time shown
    # goes on as it was, as far as the old hold at most
    return replace(state, seconds=seconds, anchor=wall) if renewed else read(cluster)


def _rewrite(cluster: str, *, mode: str | None = None, speed: float | None = None, add: float = 0.0) -> ClockState:
    with transaction.atomic():
        state = read(cluster)
        wall = _wall()
        elapsed = (state.now(wall=wall) - state.origin).total_seconds() + add
        Cluster.objects.filter(name=cluster).update(
            clock_origin=state.origin,
            clock_seconds=elapsed,
            clock_anchor=wall,
            clock_speed=speed if speed is not None else state.speed,
            clock_mode=mode or state.mode,
        )
        changed = read(cluster)
        notify.send(cluster)
        transaction.on_commit(lambda: clock_changed.send(sender=None, cluster=cluster, state=changed))
    return changed


# -- Asleep and awake ---------------------------------------------------------------------------

_recorded: dict[str, datetime.datetime] = {}  # cluster → the last use this process recorded


def idle_after() -> float:
    """PLAYGROUND_IDLE_AFTER: real seconds unused before a cluster sleeps; 0 never."""
    return settings.PLAYGROUND_IDLE_AFTER


def record_every() -> float:
    """How often a cluster in use has its use recorded, per process: often enough that it never
    falls asleep in between, rarely enough that a busy page costs no write per request."""
    return min(30.0, idle_after() / 4)


def use(cluster: str, *, wall: datetime.datetime | None = None) -> bool:
    """Someone uses the cluster (a page, a socket, the console, the API, the CLI): wake it if it
    sleeps, else note the use, writing only when this process last did more than record_every()
    ago. Returns whether it woke. A cluster that does not exist is left alone."""
    if idle_after() <= 0:
        return False
    wall = wall or _wall()
    if recorded_lately(cluster, wall=wall):
        return False  # so it is awake: no query at all
    # Awake (used within the idle time): one statement moves the moment it would fall asleep
    awake_since = wall - datetime.timedelta(seconds=idle_after())
    if Cluster.objects.filter(name=cluster, clock_used__gt=awake_since).update(clock_used=wall):
        _recorded[cluster] = wall
        return False
    woke = _wake(cluster, wall)
    _recorded[cluster] = wall
    return woke


def recorded_lately(cluster: str, *, wall: datetime.datetime | None = None) -> bool:
    """Whether this process recorded a use of the cluster less than record_every() ago."""
    last = _recorded.get(cluster)
    return last is not None and 0 <= ((wall or _wall()) - last).total_seconds() < record_every()


def _wake(cluster: str, wall: datetime.datetime) -> bool:
    """Time goes on from where it stood still: the clock's seconds are what it showed asleep,
    counted again from now."""
    with transaction.atomic():
        row = Cluster.objects.select_for_update().filter(name=cluster).values(*CLUSTER_COLUMNS).first()
        if row is None:
            return False
        state = state_of(row)
        asleep = state.asleep(wall=wall)  # or its use was never recorded: the same write, no jump
        Cluster.objects.filter(name=cluster).update(
            clock_seconds=(state.now(wall=wall) - state.origin).total_seconds(), clock_anchor=wall, clock_used=wall)
        woke = read(cluster)
        notify.send(cluster)  # the workers of other processes take it up at once
        # Told as a clock change: the pages redraw it, and this process's manager takes it up at once
        transaction.on_commit(lambda: clock_changed.send(sender=None, cluster=cluster, state=woke))
    return asleep


def forget_uses() -> None:
    """Forget the uses this process recorded (tests: a database rolled back)."""
    _recorded.clear()
