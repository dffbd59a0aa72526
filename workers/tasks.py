"""Thin tasks: load ids, call one step, queue the next step after the step's commit.

Names are stable (``vistka.*``) because operators read them in Flower; arguments are short ids.
Database outages are retried with backoff; anything left pending is found again by the sweeper.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from celery.worker import state as worker_state
from sqlalchemy.exc import InterfaceError, OperationalError

from storage.feeds import Claim
from workers import fetching, logs, metrics, polling, sweeping
from workers.app import MAX_COUNTDOWN, app
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
    settings = get_settings()
    result = polling.poll(settings, Claim(feed_id, token))
    metrics.poll_done(result.outcome, result.reason, started)
    for batch in batches(result.new_article_ids, settings.articles_per_task):
        fetch_article.delay(batch)
    return result.outcome


def batches(ids: Sequence[int], size: int) -> list[int | list[int]]:
    """Messages for ``ids``: lists of up to ``size``, a lone id as itself."""
    return [_message(ids[i : i + size]) for i in range(0, len(ids), size)]


def _message(ids: Sequence[int]) -> int | list[int]:
    return ids[0] if len(ids) == 1 else list(ids)


def _stopping() -> bool:
    """True once this worker process has been asked to shut down (warm or cold)."""
    return any(
        flag is not None and flag is not False
        for flag in (worker_state.should_stop, worker_state.should_terminate)
    )


def _ids(article_id: int | list[int]) -> list[int]:
    return [int(i) for i in article_id] if isinstance(article_id, list) else [int(article_id)]


@app.task(name="vistka.fetch_article", **RETRYING)
def fetch_article(self: Task, article_id: int | list[int]) -> int:
    """Fetch one article, or several of one feed, as many at once as their host may serve
    (``fetching.download_batch``), and queue the extraction of those ready as one message.

    The batch is claimed in one statement and its outcomes written in one. A page to retry
    later is queued again alone; when the wait is the host's, the rest of the batch waits with
    it. The batch stops taking pages well inside the task's time limit, or when the worker is
    asked to stop (its warm shutdown waits only for the pages in flight), and queues what is left.
    Messages go out only after the outcomes are written, so none finds its article still leased.
    """
    settings = get_settings()
    budget = (app.conf.task_soft_time_limit or 90) - 2 * settings.fetch_deadline
    begun = time.monotonic()
    batch = fetching.Batch(fetching.claim(settings, _ids(article_id)))
    try:
        fetching.download_batch(
            settings,
            batch,
            keep_going=lambda: time.monotonic() - begun <= budget and not _stopping(),
            each=metrics.fetch_done,
        )
    finally:  # also on the time limit: what was fetched goes on, what was not is handed back
        done, rest = batch.close()
        fetching.write(settings, [*done, *map(fetching.give_back, rest)])
        ready = [d.article_id for d in done if d.ready]
        if ready:
            extract_article.delay(_message(ready))
    later = [(ids, min(countdown, MAX_COUNTDOWN)) for ids, countdown in batch.later]
    if len(batch.claimed) == 1 and later:  # a lone page: the same message again, as Celery's retry
        raise self.retry(countdown=later[0][1], max_retries=None)
    for ids, countdown in later:
        fetch_article.apply_async((_message(ids),), countdown=countdown)
    return len(ready)


@app.task(name="vistka.extract_article", **RETRYING)
def extract_article(self: Task, article_id: int | list[int]) -> str:
    # Imported here: the network worker never extracts, and trafilatura, the language data and
    # the near-duplicate library would add about a second of CPU to its start.
    from workers import extracting

    settings = get_settings()
    ids = _ids(article_id)
    outcomes: list[str] = []
    failures: list[Exception] = []
    started = time.monotonic()
    # The whole message is retried on a database outage or the time limit (the articles done
    # are skipped then); one article's own error does not hold up the others.
    results = extracting.extract_many(settings, ids, propagate=(SoftTimeLimitExceeded,))
    share = (time.monotonic() - started) / len(ids)
    for one, result in results:
        if isinstance(result, Exception):
            failures.append(result)
            continue
        with logs.article(one):
            metrics.extract_done(one, result.status, result.rule, share)
            log.info("extracted: %s", _told(result))
        outcomes.append(result.status)
    if failures:  # shown as the task's failure; the sweeper takes the article up again
        raise failures[0]
    return outcomes[0] if len(outcomes) == 1 else ",".join(outcomes)


def _told(result: Any) -> str:
    if result.duplicate_of is not None:
        return f"{result.status} of {result.duplicate_of} ({result.rule})"
    return str(result.status)


@app.task(name="vistka.sweep", max_retries=0)
def sweep() -> int:
    """Re-queue pending articles whose messages were lost (the database is the source of truth)."""
    settings = get_settings()
    analysed = sweeping.refresh_statistics(settings)
    if analysed:
        log.info("planner statistics refreshed: %s", ", ".join(analysed))
    stale = sweeping.stale_articles(settings)
    queue_steps(stale, settings.articles_per_task)
    return len(stale)


def queue_steps(pending: Sequence[tuple[int, str]], per_task: int) -> None:
    """Queue the next step of pending articles (fetch or extract, by status), in batches."""
    for status, task in (("discovered", fetch_article), ("fetched", extract_article)):
        for batch in batches([i for i, st in pending if st == status], per_task):
            task.delay(batch)


@app.task(name="vistka.report", bind=True, max_retries=3)
def report(self: Task) -> str:
    """Refresh event statuses and write the follow-up report files."""
    from workers import reporting

    return str(reporting.refresh_and_write(get_settings()))
