"""The extraction worker's pool: Celery's prefork pool, whose stop does not wait out the timer
thread's sleep, and which the worker still warms up before forking."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from celery import concurrency
from celery.concurrency.thread import TaskPool as ThreadPool
from kombu.asynchronous import Hub

from ingest.followups import places
from tests.support.backends import Backend, backend, worker_process
from tests.support.forked import frozen_after
from workers import app as celery_app
from workers import prefork
from workers.service import stop


def test_the_timer_thread_wakes_as_soon_as_the_pool_has_joined() -> None:
    hub = Hub()
    fired = threading.Event()
    hub.call_later(0, fired.set)
    stopped = threading.Event()
    # A period far longer than the test: a thread that slept it out would still be running.
    thread = threading.Thread(
        target=prefork.fire_timers_until, args=(stopped, hub, 600.0), daemon=True
    )
    thread.start()
    try:
        assert fired.wait(10), "the first pass did not fire the event loop's timers"
        stopped.set()
        thread.join(10)
        assert not thread.is_alive()
    finally:
        stopped.set()
        hub.close()


def test_the_extraction_worker_runs_this_pool() -> None:
    # ``--pool prefork`` on the command line resolves to the configured pool.
    configured = concurrency.get_implementation(celery_app.app.conf.worker_pool)
    assert configured is prefork.TaskPool


def test_the_pool_is_still_warmed_up_before_forking() -> None:
    """The warm-up receiver recognises the pool as a prefork one (it loads the extraction data,
    then freezes it), and still leaves the network worker's thread pool alone."""

    def warm_up(pool: type) -> bool:
        return frozen_after(
            lambda: celery_app._warm_up_before_fork(sender=SimpleNamespace(pool_cls=pool))
        )

    assert warm_up(prefork.TaskPool)
    assert not warm_up(ThreadPool)


@pytest.mark.integration
def test_the_extraction_worker_builds_its_gazetteer_once_and_stops_cleanly(
    tmp_path: Path,
) -> None:
    """A real extraction worker on Redis (whose event loop makes the pool's stop fire timers):
    its first start writes the gazetteer to the cache directory, the next reads it without
    writing it again, and each warm stop exits 0 with nothing logged about the timer thread."""
    cache = tmp_path / "cache"
    with backend("production", tmp_path) as b:
        b = Backend(b.name, {**b.env, "VISTKA_CACHE_DIR": str(cache)}, b.data_dir)
        written = cache / "gazetteer.json"
        modified = []
        for name in ("first", "second"):
            with worker_process(b, "--queues", "extract", log_name=name) as proc:
                # "ready" comes after the warm-up, which loads or writes the gazetteer.
                modified.append(written.stat().st_mtime_ns)
                assert stop(proc) == 0
            log = (b.data_dir / f"{name}.log").read_text("utf-8", "replace")
            assert "timer" not in log.lower(), log[-2000:]
        assert json.loads(written.read_text("utf-8"))["sources"] == places._sources()
        assert modified[1] == modified[0]
