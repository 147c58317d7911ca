"""A script's allowance: how many commands it may run, how long a word may grow, how much CPU.

images/dockerfile.py (a build: the PLAYGROUND_BUILD_* settings, with files, bytes and path depth
besides) and sim/programs.py (a container's `sh -c`: PLAYGROUND_PROGRAM_*) → a `Budget` → asked
where the work happens: the interpreter's loop (`step`), word expansion (`check_length`), a
build's file writes (`wrote`). The work asks; nothing interrupts it (no signal, no thread), so a
refused script stops between two whole steps and its caller stores nothing.

Each check also reads `cancelled` (the web page that asked for a build was closed) and
`STOPPING` (the server got SIGTERM), so a running build ends within one check of either.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

STOPPING = threading.Event()  # set once when the server stops: every running budget ends at its next check
CLOCK_EVERY = 64  # units of work between two reads of the clock (a read costs more than a step)


class BudgetExceeded(Exception):
    """Over a limit, or cancelled: the message says which limit and its setting's name."""


def _never() -> bool:
    return False


@dataclass
class Budget:
    """Limits, and what has been spent of them. `prefix` names the settings in messages."""

    prefix: str = "PLAYGROUND_BUILD"
    max_instructions: int = 1_000  # of a Dockerfile
    max_steps: int = 100_000  # commands run (and loop passes)
    max_expansion: int = 4 << 20  # characters one expanded word, value or script may have
    max_files: int = 100_000  # files written (a file written twice counts twice)
    max_bytes: int = 8 << 30  # bytes of the files written
    max_path_depth: int = 256  # directories in one path
    cpu_seconds: float = 30.0  # of this thread's CPU time
    cancelled: Callable[[], bool] = _never
    # Where a limit was set when not by its setting (a cluster's quota): MAX_BYTES → "the quota ..."
    set_by: dict[str, str] = field(default_factory=dict)
    clock: Callable[[], float] = time.thread_time  # the thread's own CPU time: other requests do not count
    steps: int = field(default=0, init=False)
    ticks: int = field(default=0, init=False)
    files: int = field(default=0, init=False)
    bytes: int = field(default=0, init=False)
    deadline: float | None = field(default=None, init=False)

    def setting(self, name: str) -> str:
        return self.set_by.get(name) or f"{self.prefix}_{name}"

    def step(self) -> None:
        """One more command."""
        self.steps += 1
        if self.steps > self.max_steps:
            raise BudgetExceeded(f"more than {self.max_steps:,} commands run, the limit "
                                 f"({self.setting('MAX_STEPS')})")
        self.tick()

    def tick(self) -> None:
        """A unit of work done: every CLOCK_EVERY of them, the clock and cancellation are read."""
        self.ticks += 1
        if self.ticks % CLOCK_EVERY == 0:
            self.check_time()

    def check_time(self) -> None:
        if STOPPING.is_set():
            raise BudgetExceeded("cancelled: the server is stopping")
        if self.cancelled():
            raise BudgetExceeded("cancelled: the client went away")
        now = self.clock()
        if self.deadline is None:
            self.deadline = now + self.cpu_seconds
        elif now > self.deadline:
            raise BudgetExceeded(f"more than {self.cpu_seconds:g} s of CPU time, the limit "
                                 f"({self.setting('CPU_SECONDS')})")

    def check_length(self, length: int, what: str = "an expansion") -> None:
        """`what` (an expansion so far, an environment) has `length` characters."""
        if length > self.max_expansion:
            raise BudgetExceeded(f"{what} is longer than {self.max_expansion:,} characters, the limit "
                                 f"({self.setting('MAX_EXPANSION')})")

    def check_depth(self, path: str) -> None:
        depth = path.count("/")
        if depth > self.max_path_depth:
            raise BudgetExceeded(f"a path {depth:,} directories deep, more than the limit of {self.max_path_depth:,} "
                                 f"({self.setting('MAX_PATH_DEPTH')})")

    def wrote(self, size: int) -> None:
        """One file of `size` bytes written."""
        self.files += 1
        self.bytes += size
        if self.files > self.max_files:
            raise BudgetExceeded(f"more than {self.max_files:,} files written, the limit ({self.setting('MAX_FILES')})")
        if self.bytes > self.max_bytes:
            raise BudgetExceeded(f"more than {self.max_bytes:,} bytes written, the limit ({self.setting('MAX_BYTES')})")
        self.tick()

