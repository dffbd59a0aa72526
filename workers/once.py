"""``vistka run --once``: poll every enabled feed once, process all that follows, summarise, exit.

It drives the real service — a worker process on the configured broker and database — and watches
the database (the source of truth) until no feed poll and no article step is pending.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select
from sqlmodel import col

from storage.articles import PENDING
from storage.db import session_scope
from storage.models import Article, Feed, FeedEntry
from storage.types import utcnow
from workers import polling, sweeping
from workers.service import WorkerProcess, stop_all
from workers.settings import Settings

CHECK_EVERY = 0.1  # seconds between two looks at the database's progress


@dataclass
class Summary:
    feeds_polled: int = 0
    feeds_failed: dict[str, str] = field(default_factory=dict)
    discovered: int = 0
    stored: int = 0
    duplicates: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    pending: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, object]:
        return {
            "feeds_polled": self.feeds_polled,
            "feeds_failed": self.feeds_failed,
            "discovered": self.discovered,
            "stored": self.stored,
            "duplicates": dict(self.duplicates),
            "failed": dict(self.failed),
            "pending": self.pending,
            "seconds": round(self.seconds, 2),
        }


def _progress_counts(settings: Settings, last: int, tokens: set[str]) -> tuple[int, int, int]:
    """(feeds still being polled, articles discovered since start, articles still pending), in
    one statement of index lookups: it runs ten times a second, on a database of any size."""
    feeds = select(func.count()).select_from(Feed).where(col(Feed.lease_token).in_(tokens))
    new = select(func.count()).select_from(Article).where(col(Article.id) > last)
    pending = select(func.count()).select_from(Article).where(col(Article.status).in_(PENDING))
    with session_scope(settings.database) as s:
        row = s.execute(
            select(feeds.scalar_subquery(), new.scalar_subquery(), pending.scalar_subquery())
        ).one()
    return int(row[0] or 0) if tokens else 0, int(row[1] or 0), int(row[2] or 0)


def _last_article_id(settings: Settings) -> int:
    with session_scope(settings.database) as s:
        return int(s.scalar(select(func.max(col(Article.id)))) or 0)


def run_once(
    settings: Settings,
    procs: Sequence[WorkerProcess],
    *,
    timeout: float = 900.0,
    show_progress: bool = True,
    begun: float | None = None,
) -> Summary:
    """Drive ``procs`` (``service.spawn_once_workers``, started by the caller before this
    module was even imported) through one pass, stop them, and summarise. ``begun``: the
    monotonic time the command started, which the summary's seconds count from."""
    started, t0 = utcnow(), time.monotonic() if begun is None else begun
    try:
        last_before = _last_article_id(settings)
        from workers.tasks import poll_feed, queue_steps

        claims = polling.dispatch(settings, force=True)
        for claim in claims:
            poll_feed.delay(claim.feed_id, claim.token)
        queue_steps(sweeping.stale_articles(settings, idle=0), settings.articles_per_task)
        tokens = {c.token for c in claims}
        next_analyze = time.monotonic() + 2.0
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            disable=not show_progress,
            transient=False,
        ) as bar:
            task = bar.add_task("polling feeds", total=max(1, len(claims)))
            while time.monotonic() - t0 < timeout:
                for proc in procs:
                    if proc.poll() is not None:
                        raise RuntimeError(
                            f"a worker exited early (code {proc.returncode}); see "
                            f"{settings.data_dir / 'run-once-*.log'}"
                        )
                feeds_left, discovered, pending = _progress_counts(settings, last_before, tokens)
                if feeds_left:
                    bar.update(
                        task,
                        description="polling feeds",
                        total=max(1, len(claims)),
                        completed=len(claims) - feeds_left,
                    )
                else:
                    bar.update(
                        task,
                        description="articles",
                        total=max(1, discovered),
                        completed=max(0, discovered - pending),
                    )
                    if pending == 0:
                        break
                # No beat here, so no sweeper does it. Often: the tables grow from nothing within
                # seconds, and a plan made on a near-empty table's statistics reads every line of
                # a host where it should look up a page's own (ANALYZE runs only once a tenth of
                # a table has changed, so most checks cost one look at pg_stat_user_tables).
                if time.monotonic() >= next_analyze:
                    sweeping.refresh_statistics(settings)
                    next_analyze = time.monotonic() + 2.0
                # The end is seen within a tenth of a second of the last article stored.
                time.sleep(CHECK_EVERY)
    finally:
        stop_all(procs)
    summary = summarise(settings, started, {c.feed_id for c in claims})
    summary.seconds = time.monotonic() - t0
    return summary


def summarise(settings: Settings, since: datetime, feed_ids: set[int]) -> Summary:
    out = Summary(feeds_polled=len(feed_ids))
    with session_scope(settings.database) as s:
        for feed in s.scalars(select(Feed).where(col(Feed.id).in_(feed_ids))):
            if feed.last_error and feed.last_error_at and feed.last_error_at >= since:
                out.feeds_failed[feed.url] = feed.last_error
        rows = s.execute(
            select(
                col(Article.status), col(Article.duplicate_rule), col(Article.fail_reason)
            ).where(col(Article.discovered_at) >= since)
        ).all()
        url_dups = s.scalar(
            select(func.count())
            .select_from(FeedEntry)
            .where(col(FeedEntry.rule) == "url", col(FeedEntry.seen_at) >= since)
        )
    for status, rule, reason in rows:
        out.discovered += 1
        if status == "stored":
            out.stored += 1
        elif status == "duplicate":
            out.duplicates[rule or "?"] += 1
        elif status == "failed":
            out.failed[(reason or "unknown").split(":")[0]] += 1
        else:
            out.pending += 1
    if url_dups:
        out.duplicates["url"] += int(url_dups)
    return out
