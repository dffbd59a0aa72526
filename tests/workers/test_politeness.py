"""Per-host politeness against a real Redis: shared token bucket, semaphore, cool-down.

The limits must hold across processes (each Celery worker is one), so the bucket and semaphore
tests run separate OS processes, each with its own Redis connection, on the same host key.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import redis

from tests.support.hostile import Pipeline, fetch_transient, item, make_settings, rss, xml_reply
from tests.support.server import LoopbackServer, Reply
from tests.support.services import redis_url
from workers.politeness import (
    Limits,
    LocalLimiter,
    RedisLimiter,
    Throttled,
    host_key,
    limiter_for,
)

pytestmark = pytest.mark.integration

HOST = "news.example:443"
PAGE = b"<html><head><title>t</title></head><body><p>Text of the page.</p></body></html>"
CTX = multiprocessing.get_context("fork")


def _bucket_worker(url: str, start: float, seconds: float, out: Any) -> None:
    """Take as many tokens as the shared bucket gives until ``start + seconds``."""
    limiter = RedisLimiter(redis.Redis.from_url(url))
    limits = Limits(rate=2.0, burst=2, concurrency=100, lease=10.0)
    time.sleep(max(0.0, start - time.time()))
    grants = 0
    while (left := start + seconds - time.time()) > 0:
        try:
            limiter.release(limiter.acquire(HOST, limits))
            grants += 1
        except Throttled as busy:
            time.sleep(min(busy.wait, left))
    out.put(grants)


def test_token_bucket_is_shared_across_processes() -> None:
    url, seconds = redis_url(), 4.0
    out = CTX.Queue()
    start = time.time() + 0.5
    procs = [CTX.Process(target=_bucket_worker, args=(url, start, seconds, out)) for _ in range(3)]
    for p in procs:
        p.start()
    grants = [out.get(timeout=10) for _ in procs]
    for p in procs:
        p.join(5)
    expected = 2 + 2 * int(seconds)  # burst, then rate x time, for all three together
    # One bucket for all: three per-process buckets would grant about three times as many.
    # (A token bucket promises no fairness between takers, so no per-process share is checked.)
    assert expected - 1 <= sum(grants) <= expected + 1, grants


def _semaphore_worker(url: str, seconds: float, out: Any) -> None:
    """Hold a slot for 50 ms at a time; count holders in Redis to see how many overlap."""
    client = redis.Redis.from_url(url)
    limiter = RedisLimiter(client)
    limits = Limits(rate=1000.0, burst=1000, concurrency=2, lease=10.0)
    end, peak, grants = time.time() + seconds, 0, 0
    while time.time() < end:
        try:
            permit = limiter.acquire(HOST, limits)
        except Throttled:
            time.sleep(0.005)
            continue
        grants += 1
        peak = max(peak, int(client.incr("test:holders")))
        time.sleep(0.05)
        client.decr("test:holders")
        limiter.release(permit)
    out.put((peak, grants))


def test_semaphore_caps_concurrent_holders_across_processes() -> None:
    url = redis_url()
    out = CTX.Queue()
    procs = [CTX.Process(target=_semaphore_worker, args=(url, 1.5, out)) for _ in range(4)]
    for p in procs:
        p.start()
    results = [out.get(timeout=10) for _ in procs]
    for p in procs:
        p.join(5)
    assert max(peak for peak, _ in results) == 2, results
    assert sum(grants for _, grants in results) >= 20, results


def _crash_holding(url: str) -> None:
    limiter = RedisLimiter(redis.Redis.from_url(url))
    limiter.acquire(HOST, Limits(rate=100.0, burst=100, concurrency=1, lease=1.0))
    os._exit(0)  # dies without releasing, like a killed worker


def test_a_crashed_holder_lease_expires() -> None:
    url = redis_url()
    p = CTX.Process(target=_crash_holding, args=(url,))
    p.start()
    p.join(5)
    limiter = RedisLimiter(redis.Redis.from_url(url))
    limits = Limits(rate=100.0, burst=100, concurrency=1, lease=1.0)
    with pytest.raises(Throttled) as busy:
        limiter.acquire(HOST, limits)
    assert busy.value.reason == "host_busy"
    time.sleep(1.1)
    limiter.release(limiter.acquire(HOST, limits))


def test_local_limiter_has_the_same_rules() -> None:
    limiter = LocalLimiter()
    limits = Limits(rate=10.0, burst=2, concurrency=1, lease=0.2)
    first = limiter.acquire(HOST, limits)
    with pytest.raises(Throttled, match="host_busy"):
        limiter.acquire(HOST, limits)
    limiter.release(first)
    limiter.release(limiter.acquire(HOST, limits))
    with pytest.raises(Throttled, match="host_rate") as empty:
        limiter.acquire(HOST, limits)
    assert 0 < empty.value.wait <= 0.1
    limiter.release(limiter.acquire("other.example:443", limits))
    limiter.cool_down(HOST, 5.0)
    time.sleep(0.2)
    with pytest.raises(Throttled, match="host_cooldown"):
        limiter.acquire(HOST, limits)


# --- cool-down through the fetch step ------------------------------------------------------------


def _cooldown_seen(url: str, hosts: list[str], out: Any) -> None:
    limiter = RedisLimiter(redis.Redis.from_url(url))
    out.put([limiter.cooldown_left(h) for h in hosts])


@pytest.fixture
def redis_pipe(tmp_path: Path, http_server: LoopbackServer) -> Callable[..., Pipeline]:
    url = redis_url()

    def make(**overrides: Any) -> Pipeline:
        kwargs: dict[str, Any] = {"broker_url": url, "host_rate": 100.0, "host_burst": 100}
        kwargs.update(overrides)
        return Pipeline(make_settings(tmp_path / "data", **kwargs), http_server)

    return make


def test_429_cool_down_blocks_every_worker_for_that_host_only(
    redis_pipe: Callable[..., Pipeline],
) -> None:
    pipe = redis_pipe()
    server = pipe.server
    other = LoopbackServer().start()
    try:
        server.routes["/a"] = Reply(429, {"Retry-After": "3"}, b"slow down")
        server.routes["/b"] = Reply(200, {"Content-Type": "text/html"}, PAGE)
        other.routes["/c"] = Reply(200, {"Content-Type": "text/html"}, PAGE)
        server.routes["/feed.xml"] = xml_reply(
            rss([item("A", "/a"), item("B", "/b"), item("C", other.url("/c"))])
        )
        result = pipe.poll(pipe.add_feed("/feed.xml"))
        a, b, c = result.new_article_ids

        err = fetch_transient(pipe.settings, a)
        assert err is not None and err.reason == "http_429" and err.countdown == 3

        # Another worker process sees the cool-down in Redis; the other host has none.
        out = CTX.Queue()
        hosts = [host_key(server.base), host_key(other.base)]
        proc = CTX.Process(target=_cooldown_seen, args=(pipe.settings.broker, hosts, out))
        proc.start()
        here, elsewhere = out.get(timeout=10)
        proc.join(5)
        assert 2.0 < here <= 3.0 and elsewhere == 0.0

        # And its fetch step does not touch the host: the row is given back unspent.
        before = pipe.article(b).attempts
        err = fetch_transient(pipe.settings, b)
        assert err is not None and err.reason == "host_cooldown" and 2.0 < err.countdown <= 4.0
        art = pipe.article(b)
        assert (art.status, art.lease_until, art.attempts) == ("discovered", None, before)
        assert server.hits("/b") == 0

        assert fetch_transient(pipe.settings, c) is None  # other hosts are unaffected
        assert pipe.article(c).status == "fetched" and other.hits("/c") == 1

        time.sleep(max(0.0, limiter_for(pipe.settings).cooldown_left(hosts[0])) + 0.05)
        assert fetch_transient(pipe.settings, b) is None
        assert pipe.article(b).status == "fetched" and server.hits("/b") == 1
    finally:
        other.stop()


def test_empty_bucket_gives_rows_back_with_a_short_wait(
    redis_pipe: Callable[..., Pipeline],
) -> None:
    pipe = redis_pipe(host_rate=0.5, host_burst=2)
    server = pipe.server
    server.routes["/a"] = Reply(200, {"Content-Type": "text/html"}, PAGE)
    server.routes["/b"] = Reply(200, {"Content-Type": "text/html"}, PAGE)
    server.routes["/feed.xml"] = xml_reply(rss([item("A", "/a"), item("B", "/b")]))
    fid = pipe.add_feed("/feed.xml")
    a, b = pipe.poll(fid).new_article_ids  # the poll takes the first token
    assert fetch_transient(pipe.settings, a) is None  # the fetch the second

    before = pipe.article(b).attempts
    err = fetch_transient(pipe.settings, b)
    assert err is not None and err.reason == "host_rate" and 0 < err.countdown < 30
    art = pipe.article(b)
    assert (art.status, art.lease_until, art.attempts) == ("discovered", None, before)
    assert server.hits("/b") == 0

    polled = pipe.poll(fid)  # a throttled poll is not a failure of the feed
    assert (polled.outcome, polled.reason) == ("skipped", "host_rate")
    feed = pipe.feed(fid)
    assert feed.lease_until is None and feed.consecutive_failures == 0
    assert server.hits("/feed.xml") == 1
