"""A page whose every attempt dies with its worker (OOM, a crash in a parser) is given up after
``max_attempts`` claims instead of being re-queued by the sweeper forever: Celery's own retry count
does not survive a whole-worker crash, the article row's ``attempts`` does."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

import pytest

from storage import articles as article_rows
from storage import feeds as feed_rows
from storage import migrate
from storage.articles import NewEntry
from storage.db import dispose_engines, session_scope
from storage.models import Article
from workers import sweeping
from workers.settings import Settings

pytestmark = [pytest.mark.faults]


def _entry(n: int) -> NewEntry:
    url = f"http://127.0.0.1:9/news/{n}.html"
    return NewEntry(entry_key=f"k{n}", guid=None, url=url, url_key=url, host="127.0.0.1")


def test_sweeper_gives_up_on_an_article_that_never_finishes(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, max_attempts=2)  # type: ignore[call-arg]
    migrate.upgrade(settings.database)
    try:
        with session_scope(settings.database) as s:
            feed, _ = feed_rows.add_feed(s, "http://127.0.0.1:9/feed.xml")
            assert feed.id is not None
            poison, other = article_rows.record_entries(
                s, feed.id, [_entry(1), _entry(2)]
            ).new_article_ids
        # Each claim is an attempt whose worker died with the lease still on the row.
        for _ in range(2):
            with session_scope(settings.database) as s:
                assert article_rows.claim(s, [poison], "discovered", timedelta(0), ())
        with session_scope(settings.database) as s:
            assert article_rows.claim(s, [other], "discovered", timedelta(0), ())
        time.sleep(0.05)

        assert sweeping.stale_articles(settings, idle=0) == [(other, "discovered")]
        with session_scope(settings.database) as s:
            row = s.get(Article, poison)
            assert row is not None
            assert row.status == "failed"
            assert (row.fail_reason or "").startswith("abandoned:")
    finally:
        dispose_engines()
