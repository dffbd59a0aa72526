"""``vistka run`` (worker with beat embedded) stopped with SIGTERM or Ctrl-C: it exits within 10 s
and no task is lost — a worker started afterwards, without beat and so without the sweeper,
finishes every pending article from the messages the broker kept."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.faults.conftest import (
    NewsSite,
    RedisServer,
    article_counts,
    fault_backend,
    service,
    settled,
    tail,
)
from tests.support.backends import group_alive, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.integration]

ARTICLES = 6


@pytest.mark.parametrize(
    ("kind", "how"),
    [("redis", "sigterm-main"), ("redis", "sigint-group"), ("embedded", "sigterm-main")],
    ids=[
        "redis, SIGTERM to the main process",
        "redis, SIGINT to the group (Ctrl-C)",
        "embedded, SIGTERM to the main process",
    ],
)
def test_run_stops_promptly_without_losing_a_task(
    tmp_path: Path, site: NewsSite, redis_aof: RedisServer, pg_database: str, kind: str, how: str
) -> None:
    feed = site.add_feed("stop", ARTICLES)
    paths = site.feeds["/feeds/stop.xml"]
    for path in paths:
        site.slow[path] = 2.0  # a fetch is under way when the signal arrives
    # One page of the host at a time, so that most of them are still to fetch when the signal
    # arrives (at once, the six would all be in before it).
    one_at_a_time = {"VISTKA_HOST_CONCURRENCY": "1"}
    # A long visibility timeout: a message left unacknowledged by the shutdown would not come back
    # in time, so only messages the shutdown handed back to the queue count.
    if kind == "redis":
        b = fault_backend(
            tmp_path,
            pg_database,
            redis_aof.url,
            VISTKA_VISIBILITY_TIMEOUT="3600",
            **one_at_a_time,
        )
    else:  # SQLite and the filesystem broker: `make run`
        b = fault_backend(tmp_path, None, None, **one_at_a_time)
    db = b.database_url
    with service(b, feed) as svc:
        run = svc.spawn("run", "run")
        wait_until(lambda: any(site.server.hits(p) for p in paths), timeout=60, every=0.1)
        time.sleep(0.5)
        started = time.monotonic()
        if how == "sigterm-main":
            os.kill(run.pid, signal.SIGTERM)
        else:
            os.killpg(run.pid, signal.SIGINT)
        try:
            code = run.wait(15)
        except Exception:
            raise AssertionError(tail(svc.log("run"), 80)) from None
        took = time.monotonic() - started
        assert took < 10, tail(svc.log("run"), 80)
        assert code in (0, 1, 130), tail(svc.log("run"), 80)
        leftovers = group_alive(run.pid)
        assert not leftovers, f"processes left behind: {leftovers}"
        before = article_counts(db)
        assert before.pending > 0  # there was work left to lose

        svc.worker("after")  # no beat: no dispatch, no sweeper, only what the broker kept
        try:
            wait_until(settled(db, ARTICLES), timeout=60)
        except AssertionError:
            raise AssertionError(
                tail(svc.log("run"), 60) + "\n---\n" + tail(svc.log("after"), 60)
            ) from None
    counts = article_counts(db)
    assert counts.by_status == {"stored": ARTICLES}
    assert counts.urls_twice == []
