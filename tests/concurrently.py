"""Actions run at one moment on threads of their own, each with its own database connection: two
processes (or web workers) reaching the store at once."""
from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def run_together(*actions: Callable[[], object]) -> list[object]:
    """Run the actions on threads released at the same moment; what each returned or raised."""
    barrier = threading.Barrier(len(actions))
    outcomes: list[object] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = actions[index]()
        except Exception as e:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = e
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes
