"""The extraction worker's process pool: Celery's prefork pool, stopped without a needless wait.

While the pool drains, Celery's ``on_stop`` fires the event loop's timers (heartbeats) from a
thread that sleeps half a second between passes; once the pool has joined it sets a flag and
joins that thread, so every warm stop also waited out the rest of the thread's sleep, up to half
a second of each worker stop and of each ``run --once``. Here the thread waits on the flag
itself, and wakes the moment it is set. Everything else is Celery's own: the same passes, the
same final pass over the callbacks that acknowledge the last results.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from billiard.pool import CLOSE, RUN
from celery.concurrency import prefork
from kombu.asynchronous import get_event_loop

log = logging.getLogger(__name__)

# Between two passes of the timers while the pool drains: Celery's own period.
TIMER_PERIOD = 0.5


def fire_timers_until(stopped: threading.Event, hub: Any, period: float = TIMER_PERIOD) -> None:
    """Fire the event loop's timers and ready callbacks every ``period`` until ``stopped``,
    returning as soon as it is set."""
    while not stopped.is_set():
        try:
            hub.fire_timers()
            prefork._run_ready_callbacks(hub)
        except Exception:
            log.warning("timer pass failed while the pool stops", exc_info=True)
        stopped.wait(period)


class TaskPool(prefork.TaskPool):
    def on_stop(self) -> None:
        pool: Any = getattr(self, "_pool", None)
        hub = get_event_loop()
        if pool is None or pool._state not in (RUN, CLOSE) or hub is None:
            super().on_stop()
            return
        pool.close()
        stopped = threading.Event()
        timers = threading.Thread(
            target=fire_timers_until, args=(stopped, hub), daemon=True, name="prefork-timers"
        )
        timers.start()
        try:
            pool.join()
        finally:
            stopped.set()
            timers.join(timeout=1.0)
            if timers.is_alive():
                log.warning("the timer thread did not stop with the pool")
            else:
                # The results the join waited for queued their acknowledgements after the
                # thread's last pass.
                try:
                    prefork._run_ready_callbacks(hub)
                except Exception:
                    log.warning("ready callbacks failed after the pool joined", exc_info=True)
        self._pool = None
