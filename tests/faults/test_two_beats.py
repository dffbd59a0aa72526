"""Two beat processes by mistake: dispatch runs twice per tick, but no feed is polled twice for one
due time (the claim is atomic), so the feed's server sees at most one request per interval."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from tests.faults.conftest import RedisServer, fault_backend, service, tail
from tests.support.backends import wait_until
from tests.support.server import LoopbackServer, Reply, Request

pytestmark = [pytest.mark.faults, pytest.mark.integration]

INTERVAL = 3  # seconds between polls of the feed
WINDOW = 10.0  # seconds of both beats running
FEED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    b"<title>Two beats</title><link>http://127.0.0.1/</link></channel></rss>"
)


def test_two_beats_never_poll_a_feed_twice_per_interval(
    tmp_path: Path, http_server: LoopbackServer, redis_aof: RedisServer, pg_database: str
) -> None:
    polled: list[float] = []

    def feed(req: Request) -> Reply:
        polled.append(time.monotonic())
        if req.headers.get("if-none-match") == '"tb"':
            return Reply(304, {"ETag": '"tb"'})
        return Reply(200, {"Content-Type": "application/rss+xml", "ETag": '"tb"'}, FEED)

    http_server.routes["/feeds/two-beats.xml"] = feed
    b = fault_backend(tmp_path, pg_database, redis_aof.url)
    with service(b, http_server.url("/feeds/two-beats.xml"), interval=INTERVAL) as svc:
        svc.worker("worker")
        beats = [svc.spawn(f"beat-{i}", "beat", ready="beat: Starting") for i in (1, 2)]
        wait_until(lambda: len(polled) >= 1, timeout=30, every=0.1)
        time.sleep(WINDOW)  # asserting that something does NOT happen: a second poll too early
        for beat in beats:
            assert beat.poll() is None, tail(svc.log("beat-2"))
        dispatches = [
            svc.log(f"beat-{i}")
            .read_text("utf-8", "replace")
            .count("Sending due task dispatch-due-feeds")
            for i in (1, 2)
        ]
    assert min(dispatches) >= WINDOW / 2  # both beats really dispatched, about once a second
    gaps = [b - a for a, b in itertools.pairwise(polled)]
    assert len(polled) >= WINDOW / INTERVAL - 1, f"feed polled only {len(polled)} times"
    assert len(polled) <= (polled[-1] - polled[0]) / INTERVAL + 1
    assert min(gaps) >= INTERVAL - 0.5, f"polled twice for one due time: gaps {gaps}"
