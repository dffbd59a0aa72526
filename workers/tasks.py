"""Thin tasks: load ids, call one step, queue the next step after the step's commit.

Names are stable (``vistka.*``) because operators read them in Flower; arguments are short ids.
Database outages are retried with backoff; anything left pending is found again by the sweeper.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import Task
from sqlalchemy.exc import InterfaceError, OperationalError

from storage.feeds import Claim
from workers import fetching, metrics, polling, sweeping
from workers.app import MAX_COUNTDOWN, app
from workers.http_client import TransientError
from workers.settings import get_settings

log = logging.getLogger("vistka.tasks")

DB_ERRORS = (OperationalError, InterfaceError)
RETRYING: dict[str, Any] = {
    "bind": True,
    "autoretry_for": DB_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 8,
    "acks_late": True,
}


@app.task(name="vistka.dispatch", max_retries=0)
def dispatch(force: bool = False) -> int:
    """Lease due feeds and queue one poll each (the lease expires if a message is lost)."""
    settings = get_settings()
    claims = polling.dispatch(settings, force=force)
    for claim in claims:
        poll_feed.apply_async((claim.feed_id, claim.token), expires=settings.lease_seconds)
    sweeping.heartbeat(settings, "dispatch", str(len(claims)))
    return len(claims)


@app.task(name="vistka.poll_feed", **RETRYING)
def poll_feed(self: Task, feed_id: int, token: str) -> str:
    started = time.monotonic()
    result = polling.poll(get_settings(), Claim(feed_id, token))
    metrics.poll_done(result.outcome, result.reason, started)
    for article_id in result.new_article_ids:
        fetch_article.delay(article_id)
    return result.outcome


@app.task(name="vistka.fetch_article", **RETRYING)
def fetch_article(self: Task, article_id: int) -> bool:
    started = time.monotonic()
    try:
        ready = fetching.fetch(get_settings(), article_id)
    except TransientError as err:
        metrics.fetch_done(article_id, None, started)
        raise self.retry(countdown=min(err.countdown, MAX_COUNTDOWN), max_retries=None) from err
    metrics.fetch_done(article_id, ready, started)
    if ready:
        extract_article.delay(article_id)
    return ready


@app.task(name="vistka.extract_article", **RETRYING)
def extract_article(self: Task, article_id: int) -> str:
    # Imported here: the network worker never extracts, and trafilatura, the language data and
    # the near-duplicate library would add about a second of CPU to its start.
    from workers import extracting

    started = time.monotonic()
    result = extracting.extract(get_settings(), article_id)
    metrics.extract_done(article_id, result.status, result.rule, started)
    return result.status


@app.task(name="vistka.sweep", max_retries=0)
def sweep() -> int:
    """Re-queue pending articles whose messages were lost (the database is the source of truth)."""
    settings = get_settings()
    analysed = sweeping.refresh_statistics(settings)
    if analysed:
        log.info("planner statistics refreshed: %s", ", ".join(analysed))
    stale = sweeping.stale_articles(settings)
    for article_id, status in stale:
        (fetch_article if status == "discovered" else extract_article).delay(article_id)
    return len(stale)


@app.task(name="vistka.report", bind=True, max_retries=3)
def report(self: Task) -> str:
    """Refresh event statuses and write the follow-up report files."""
    from workers import reporting

    return str(reporting.refresh_and_write(get_settings()))
