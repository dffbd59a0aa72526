"""Fetch article pages, without Celery: claim a batch, download with nothing open, keep the bytes.

A batch costs two transactions whatever its size: one claims every article, one writes every
outcome (the page kept, the failure and its reason, or the lease given back). Between them only
the network is used. A worker that dies in between leaves its articles leased; when the leases
expire the sweeper queues them again, and the pages are fetched once more.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from ingest.http import FetchError
from storage import articles as article_rows
from storage import raw_pages
from storage.db import session_scope
from storage.types import utcnow
from workers import logs, politeness, robots_cache
from workers.http_client import TransientError, fetcher_for
from workers.settings import Settings

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")


@dataclass(frozen=True)
class Claimed:
    """An article leased for its fetch."""

    article_id: int
    url: str
    attempts: int  # counting this one


@dataclass(frozen=True)
class Fetched:
    """What one fetch leaves on its article row, once written (``write``).

    ``ready``: the page is kept and extraction comes next. ``failure``: the article failed for
    good (the reason recorded). ``retry``: come back later (the lease is given back).
    """

    article_id: int
    values: dict[str, object] = field(repr=False)
    ready: bool = False
    failure: str | None = None
    retry: TransientError | None = None
    seconds: float = 0.0


def claim(settings: Settings, article_ids: Sequence[int]) -> list[Claimed]:
    """Lease those of the articles still waiting for their fetch, in one statement."""
    lease = timedelta(seconds=settings.lease_seconds)
    with session_scope(settings.database) as s:
        rows = article_rows.claim(s, article_ids, "discovered", lease, ("url", "attempts"))
    return [Claimed(int(r.id), str(r.url), int(r.attempts)) for r in rows]


def give_back(claimed: Claimed) -> Fetched:
    """Not fetched after all (the batch stopped, or the host must wait): as it was before."""
    values = {**article_rows.released(), "attempts": claimed.attempts - 1}
    return Fetched(claimed.article_id, values)


def write(settings: Settings, fetched: Sequence[Fetched]) -> None:
    """Every outcome of a batch in one transaction."""
    if not fetched:
        return
    with session_scope(settings.database) as s:
        article_rows.update_articles(s, [(one.article_id, one.values) for one in fetched])


def fetch(settings: Settings, article_id: int) -> bool:
    """One article, claimed, fetched and written; True when its page is ready for extraction.

    Raises TransientError, after the write, when it is to be fetched again later.
    """
    claimed = claim(settings, [article_id])
    if not claimed:
        return False
    result = download(settings, claimed[0])
    write(settings, [result])
    if result.retry is not None:
        raise result.retry
    return result.ready


class Batch:
    """A fetch task's batch as its pages are downloaded: the outcomes so far, what is to be
    queued again (ids, countdown), and the pages never started, which are handed back.

    Pages start in order. No page starts once ``keep_going`` says no (the task's time budget,
    or a worker asked to stop): those not started are queued again at once. A page whose host
    must wait (``host_wide``) stops the batch too, and the pages not started wait with it. An
    error stops it as well, and is raised once the pages in flight are back. Once ``close``d,
    nothing starts and an outcome that still comes in is dropped: its page keeps its lease, and
    the sweeper queues it again when that expires.
    """

    def __init__(self, claimed: Sequence[Claimed]) -> None:
        self.claimed = list(claimed)
        self.later: list[tuple[list[int], float]] = []
        self._done: list[Fetched] = []
        self._next = 0
        self._in_flight = 0
        self._stopped = False
        self._closed = False
        self._errors: list[Exception] = []
        self._changed = threading.Condition()

    def take(self, keep_going: Callable[[], bool]) -> Claimed | None:
        """The next page to download, or None when the batch is over for this caller."""
        with self._changed:
            if self._stopped or self._next >= len(self.claimed):
                return None
            if self._next and not keep_going():
                self._stop(0.0)
                return None
            self._next += 1
            self._in_flight += 1
            return self.claimed[self._next - 1]

    def settle(self, result: Fetched) -> None:
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()
            if self._closed:
                return
            self._done.append(result)
            if result.retry is None:
                return
            if result.retry.host_wide and not self._stopped:
                self._stop(result.retry.countdown, first=result.article_id)
            else:
                self.later.append(([result.article_id], result.retry.countdown))

    def fail(self, error: Exception) -> None:
        """A download raised: nothing more starts, and its page keeps its lease."""
        with self._changed:
            self._in_flight -= 1
            self._changed.notify_all()
            self._errors.append(error)
            self._stopped = True

    def wait_until_settled(self) -> None:
        """Until no page is in flight and none will start."""
        with self._changed:
            while self._in_flight:
                self._changed.wait()

    def close(self) -> tuple[list[Fetched], list[Claimed]]:
        """(outcomes, pages not started) as they stand; nothing changes them afterwards."""
        with self._changed:
            self._closed = self._stopped = True
            return list(self._done), self.claimed[self._next :]

    def raise_first_error(self) -> None:
        if self._errors:
            raise self._errors[0]

    def _stop(self, countdown: float, first: int | None = None) -> None:
        waiting = [c.article_id for c in self.claimed[self._next :]]
        ids = [first, *waiting] if first is not None else waiting
        self._stopped = True
        if ids:
            self.later.append((ids, countdown))


_helpers: list[ThreadPoolExecutor] = []
_helpers_lock = threading.Lock()


def _helper_pool(settings: Settings) -> ThreadPoolExecutor:
    """Threads of this process that help fetch batches, as many as the task threads: each
    keeps its own HTTP client (``fetcher_for``) and its connections from one batch to the next,
    where a thread per batch would set up a client and a connection for every page."""
    with _helpers_lock:
        if not _helpers:
            _helpers.append(
                ThreadPoolExecutor(settings.io_concurrency, thread_name_prefix="fetch-helper")
            )
        return _helpers[0]


def download_batch(
    settings: Settings,
    batch: Batch,
    keep_going: Callable[[], bool],
    each: Callable[[Fetched], object] = lambda _: None,
) -> None:
    """Download a batch's pages, as many at once as one host may serve (its concurrency
    setting): this thread, and helpers of the process's helper threads while they are free.

    The pages of a batch come from one feed, mostly one host, and each one waits on the
    network: one after another, a batch of eight took eight round trips before the extraction
    of any of them could start. The host's limits still hold, since each request takes its
    permit as before (a refused one stops the batch, see ``Batch``). Helpers run in a copy of
    the caller's context, so their log lines name the task and the article.
    """
    width = max(1, min(settings.host_concurrency, len(batch.claimed)))
    if width > 1:
        pool = _helper_pool(settings)
        for _ in range(width - 1):
            context = contextvars.copy_context()
            pool.submit(context.run, _take_turns, settings, batch, keep_going, each)
    _take_turns(settings, batch, keep_going, each)
    batch.wait_until_settled()
    batch.raise_first_error()


def _take_turns(
    settings: Settings,
    batch: Batch,
    keep_going: Callable[[], bool],
    each: Callable[[Fetched], object],
) -> None:
    """Download pages until the batch is over. An error stops the batch and is kept for the
    caller, which raises it once every page in flight is in. (Cut short by the task's time
    limit, the caller closes the batch instead, and the pages in flight keep their leases.)"""
    while (one := batch.take(keep_going)) is not None:
        try:
            with logs.article(one.article_id):
                result = download(settings, one)
        except Exception as err:
            batch.fail(err)
            return
        batch.settle(result)
        each(result)


def download(settings: Settings, claimed: Claimed) -> Fetched:
    """The network part of a fetch: robots.txt, politeness, the request. Touches no database."""
    started = time.monotonic()
    result = _download(settings, claimed)
    return Fetched(
        result.article_id,
        result.values,
        result.ready,
        result.failure,
        result.retry,
        time.monotonic() - started,
    )


def _download(settings: Settings, claimed: Claimed) -> Fetched:
    url, attempts = claimed.url, claimed.attempts
    try:
        crawl_delay = robots_cache.check(settings, url)
        with politeness.polite(settings, url, crawl_delay):
            fetched = fetcher_for(settings).get(url)
    except politeness.Throttled as busy:
        # Not an attempt at the page: give the row back as it was and come back later.
        retry = TransientError(busy.reason, politeness.retry_countdown(busy.wait), host_wide=True)
        return Fetched(claimed.article_id, give_back(claimed).values, retry=retry)
    except FetchError as err:
        # A 429 is a request to slow down, not a verdict on the page: retry it like a 5xx.
        retryable = err.kind == "temporary" or err.status == 429
        if retryable and attempts < settings.max_attempts:
            retry = TransientError(
                err.reason,
                err.retry_after or min(60.0, 2.0**attempts),
                host_wide=isinstance(err, robots_cache.RobotsUnavailable),
            )
            return Fetched(claimed.article_id, article_rows.released(), retry=retry)
        return _failed(claimed, f"{err.reason}: {err}"[:1000])
    ctype = fetched.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in HTML_TYPES:
        failed = _failed(claimed, f"not_html: {ctype}")
        failed.values.update(http_status=fetched.status, final_url=fetched.url, fetched_at=utcnow())
        return failed
    page: dict[str, object] = {
        "status": "fetched",
        "lease_until": None,
        "final_url": fetched.url,
        "http_status": fetched.status,
        "fetched_at": utcnow(),
        "content_type": fetched.headers.get("content-type"),
        "raw_html": raw_pages.pack(fetched.body),
        "raw_sha256": hashlib.sha256(fetched.body).hexdigest(),
    }
    return Fetched(claimed.article_id, page, ready=True)


def _failed(claimed: Claimed, reason: str) -> Fetched:
    return Fetched(claimed.article_id, article_rows.failed(reason), failure=reason)
