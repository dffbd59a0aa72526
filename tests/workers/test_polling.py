"""Feed reliability through the real dispatch and poll steps, against the loopback server.

A feed disabled for sustained failures is retried once per ``disabled_retry_seconds`` and comes
back by itself when its site does; a feed gone with HTTP 410 or switched off by an operator is
never polled again. A dispatch takes at most ``dispatch_per_host`` feeds of one host. The retry
interval "passes" by moving ``next_poll_at`` into the past, so no test waits on the clock.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import col

from ingest.urls import host_of
from storage import feeds as feed_rows
from storage.db import session_scope
from storage.models import Feed
from storage.types import utcnow
from tests.support.hostile import Pipeline, database, item, make_settings, rss, xml_reply
from tests.support.server import LoopbackServer, Reply
from workers.polling import PollResult, dispatch, poll
from workers.settings import Settings

pytestmark = pytest.mark.integration

RETRY = timedelta(hours=1)
BROKEN = Reply(500, {"Content-Type": "text/plain"}, b"oops")


@pytest.fixture(params=["sqlite", "postgresql"])
def net(
    request: pytest.FixtureRequest, tmp_path: Path, http_server: LoopbackServer
) -> Iterator[Pipeline]:
    """The pipeline on both backends; four 500s (4 × 0.25) disable a feed, retried hourly."""
    with database(request.param) as url:
        settings = make_settings(
            tmp_path / "data",
            database_url=url,
            disable_after_failures=1.0,
            disabled_retry_seconds=int(RETRY.total_seconds()),
        )
        yield Pipeline(settings, http_server)


def good_feed(n: int = 2) -> Reply:
    return xml_reply(rss([item(f"Story {i}", f"/story/{i}") for i in range(n)]))


def dispatch_and_poll(pipe: Pipeline) -> dict[int, PollResult]:
    """One scheduled (not forced) dispatch, as beat runs it, and one poll per claim."""
    return {c.feed_id: poll(pipe.settings, c) for c in dispatch(pipe.settings)}


def time_passes(pipe: Pipeline, feed_id: int) -> None:
    """The feed's next poll (its retry, for a disabled feed) is now in the past."""
    with session_scope(pipe.settings.database) as s:
        s.execute(
            update(Feed)
            .where(col(Feed.id) == feed_id)
            .values(next_poll_at=utcnow() - timedelta(seconds=1))
        )


def fail_until_disabled(pipe: Pipeline, feed_id: int) -> Feed:
    for _ in range(4):
        assert pipe.poll(feed_id).reason == "http_500"
    return pipe.feed(feed_id)


def test_a_failing_feed_is_retried_after_the_interval_and_revived_when_its_site_is_back(
    net: Pipeline, caplog: pytest.LogCaptureFixture
) -> None:
    net.server.routes["/f"] = BROKEN
    fid = net.add_feed("/f")

    feed = fail_until_disabled(net, fid)
    assert (feed.enabled, feed.disabled_reason) == (False, "1 weighted failures: http_500")
    assert feed_rows.feed_state(feed) == "retrying"
    assert feed.next_poll_at - feed.last_polled_at == RETRY  # type: ignore[operator]
    # Not before its retry time, not even by a forced dispatch.
    assert dispatch_and_poll(net) == {} and net.poll_all() == {}
    assert net.server.hits("/f") == 4

    time_passes(net, fid)
    assert dispatch_and_poll(net)[fid].reason == "http_500"
    feed = net.feed(fid)
    assert (feed.enabled, feed.disabled_reason) == (False, "1.25 weighted failures: http_500")
    assert feed.next_poll_at - feed.last_polled_at == RETRY  # type: ignore[operator]
    assert dispatch_and_poll(net) == {}

    net.server.routes["/f"] = good_feed(2)
    time_passes(net, fid)
    with caplog.at_level(logging.INFO, logger="vistka.poll"):
        result = dispatch_and_poll(net)[fid]
    assert result.outcome == "ok" and len(result.new_article_ids) == 2
    feed = net.feed(fid)
    assert (feed.enabled, feed.disabled_reason, feed.consecutive_failures) == (True, None, 0.0)
    assert feed.last_error is None and feed_rows.feed_state(feed) == "enabled"
    # Back on its normal schedule (no publish times: the configured interval).
    interval = timedelta(seconds=net.settings.default_interval)
    assert feed.next_poll_at - feed.last_polled_at == interval  # type: ignore[operator]
    assert f"feed {fid} re-enabled" in caplog.text
    assert set(net.poll_all()) == {fid}


def test_a_retry_answered_304_revives_the_feed_too(net: Pipeline) -> None:
    net.server.routes["/f"] = Reply(
        200, {"ETag": '"v1"', "Content-Type": "application/rss+xml"}, good_feed(1).body
    )
    fid = net.add_feed("/f")
    assert net.poll(fid).outcome == "ok"
    net.server.routes["/f"] = BROKEN
    fail_until_disabled(net, fid)

    net.server.routes["/f"] = Reply(304, {"ETag": '"v1"'})
    time_passes(net, fid)
    assert dispatch_and_poll(net)[fid].outcome == "not_modified"
    feed = net.feed(fid)
    assert (feed.enabled, feed.disabled_reason, feed.consecutive_failures) == (True, None, 0.0)


def test_a_feed_gone_with_410_is_never_retried(net: Pipeline) -> None:
    net.server.routes["/gone"] = Reply(410, {"Content-Type": "text/plain"}, b"gone")
    fid = net.add_feed("/gone")
    assert net.poll(fid).reason == "http_410"
    assert feed_rows.feed_state(net.feed(fid)) == "gone"

    time_passes(net, fid)
    assert dispatch_and_poll(net) == {} and net.poll_all() == {}
    assert net.server.hits("/gone") == 1


def test_a_retry_answered_410_ends_the_retries(net: Pipeline) -> None:
    net.server.routes["/f"] = BROKEN
    fid = net.add_feed("/f")
    fail_until_disabled(net, fid)

    net.server.routes["/f"] = Reply(410, {"Content-Type": "text/plain"}, b"gone")
    time_passes(net, fid)
    assert dispatch_and_poll(net)[fid].reason == "http_410"
    assert net.feed(fid).disabled_reason == feed_rows.GONE_REASON

    time_passes(net, fid)
    assert dispatch_and_poll(net) == {}
    assert net.server.hits("/f") == 5


def test_an_operator_disabled_feed_is_never_retried_until_enabled(net: Pipeline) -> None:
    net.server.routes["/f"] = BROKEN
    fid = net.add_feed("/f")
    fail_until_disabled(net, fid)  # retrying, until the operator says otherwise
    with session_scope(net.settings.database) as s:
        feed = feed_rows.get_feed(s, fid)
        assert feed is not None
        feed_rows.disable_feed(s, feed)

    net.server.routes["/f"] = good_feed(1)
    time_passes(net, fid)
    assert dispatch_and_poll(net) == {} and net.poll_all() == {}
    assert feed_rows.feed_state(net.feed(fid)) == "disabled"
    assert net.server.hits("/f") == 4

    with session_scope(net.settings.database) as s:
        feed = feed_rows.get_feed(s, fid)
        assert feed is not None
        feed_rows.enable_feed(s, feed, utcnow())
    assert dispatch_and_poll(net)[fid].outcome == "ok"
    assert net.feed(fid).enabled


def test_no_retry_when_the_retry_interval_is_zero(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(disable_after_failures=1.0, disabled_retry_seconds=0)
    pipe.server.routes["/f"] = BROKEN
    fid = pipe.add_feed("/f")
    fail_until_disabled(pipe, fid)
    time_passes(pipe, fid)
    assert dispatch_and_poll(pipe) == {}


# --- per-host cap ---------------------------------------------------------------------------


def test_a_dispatch_takes_at_most_n_feeds_of_one_host(new_pipe: Callable[..., Pipeline]) -> None:
    pipe = new_pipe(dispatch_per_host=2)
    pipe.server.routes["/f"] = good_feed(1)
    other = f"http://localhost:{pipe.server.port}/f"  # the same server under another host name
    with session_scope(pipe.settings.database) as s:
        for n in range(5):
            feed_rows.add_feed(s, pipe.server.url(f"/f?n={n}"))
        for n in range(2):
            feed_rows.add_feed(s, f"{other}?n={n}")
    time_passes_for_all(pipe)

    cycles: list[Counter[str]] = []
    claims = []
    while batch := dispatch(pipe.settings):
        claims.extend(batch)
        with session_scope(pipe.settings.database) as s:
            cycles.append(Counter(host_of(s.get(Feed, c.feed_id).url) for c in batch))  # type: ignore[union-attr]
    assert cycles == [
        Counter({"127.0.0.1": 2, "localhost": 2}),
        Counter({"127.0.0.1": 2}),
        Counter({"127.0.0.1": 1}),
    ]
    assert all(poll(pipe.settings, c).outcome == "ok" for c in claims)
    # ``run --once`` forces a dispatch of everything: the cap does not apply to it.
    assert len(pipe.poll_all()) == 7


def time_passes_for_all(pipe: Pipeline) -> None:
    with session_scope(pipe.settings.database) as s:
        s.execute(update(Feed).values(next_poll_at=utcnow() - timedelta(seconds=1)))


def test_a_permanent_redirect_to_another_host_moves_the_feed_to_that_host(pipe: Pipeline) -> None:
    target = f"http://localhost:{pipe.server.port}/new"
    pipe.server.routes["/old"] = Reply(301, {"Location": target}, b"")
    pipe.server.routes["/new"] = good_feed(1)
    fid = pipe.add_feed("/old")
    assert pipe.feed(fid).host == "127.0.0.1"
    assert pipe.poll(fid).outcome == "ok"
    feed = pipe.feed(fid)
    assert (feed.url, feed.host) == (target, "localhost")


def test_the_default_cap_is_twice_the_per_host_concurrency(tmp_path: Path) -> None:
    default = Settings(_env_file=None, data_dir=tmp_path, host_concurrency=3)  # type: ignore[call-arg]
    assert default.dispatch_host_cap == 6
    explicit = Settings(_env_file=None, data_dir=tmp_path, dispatch_per_host=5)  # type: ignore[call-arg]
    assert explicit.dispatch_host_cap == 5
