"""The sweeper queues again only what is really lost: not rows waiting behind a backlog, and each
row at most once per ``sweep_after`` — on the filesystem broker and on Redis, with real messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from storage import articles as article_rows
from storage import feeds as feed_rows
from storage.articles import NewEntry
from storage.db import dispose_engines, session_scope
from tests.support.hostile import make_settings
from tests.support.services import redis_url
from workers import sweeping
from workers.app import create_app
from workers.queues import queue_depths
from workers.settings import Settings


def _entry(n: int) -> NewEntry:
    url = f"http://127.0.0.1:9/news/{n}.html"
    return NewEntry(entry_key=f"k{n}", guid=None, url=url, url_key=url, host="127.0.0.1")


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.integration)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    broker = redis_url() if request.param == "redis" else None
    yield make_settings(tmp_path / "data", broker_url=broker, sweep_after=1)
    dispose_engines()


def _discovered(settings: Settings, count: int) -> list[int]:
    with session_scope(settings.database) as s:
        feed, _ = feed_rows.add_feed(s, "http://127.0.0.1:9/feed.xml")
        assert feed.id is not None
        ids = article_rows.record_entries(s, feed.id, [_entry(n) for n in range(count)])
        return list(ids.new_article_ids)


def test_rows_behind_a_backlog_are_left_alone_until_it_drains(settings: Settings) -> None:
    ids = _discovered(settings, 3)
    app = create_app(settings)
    # A backlog in the fetch queue: messages nobody consumes (no worker runs in this test).
    for article_id in ids[:2]:
        app.send_task("vistka.fetch_article", (article_id,))
    app.pool.force_close_all()
    assert queue_depths(settings)["fetch"] == 2
    time.sleep(1.2)  # idle for longer than sweep_after

    assert sweeping.stale_articles(settings) == []  # waiting, not lost


def test_with_the_queue_drained_lost_rows_are_queued_again_once_per_period(
    settings: Settings,
) -> None:
    ids = _discovered(settings, 3)
    assert queue_depths(settings)["fetch"] == 0
    time.sleep(1.2)  # idle for longer than sweep_after

    first = sweeping.stale_articles(settings)
    assert first == [(i, "discovered") for i in ids]
    assert sweeping.stale_articles(settings) == []  # just handled: not queued twice
    time.sleep(1.2)  # idle for longer than sweep_after
    assert sweeping.stale_articles(settings) == first  # still nobody took them: again


def test_a_start_up_sweep_takes_every_pending_row_at_once(settings: Settings) -> None:
    """``run --once`` sweeps with ``idle=0`` before it starts: no backlog check, no waiting."""
    ids = _discovered(settings, 2)
    assert sweeping.stale_articles(settings, idle=0) == [(i, "discovered") for i in ids]
    with session_scope(settings.database) as s:
        assert article_rows.stale_pending(s, idle=timedelta(0)) == [(i, "discovered") for i in ids]
