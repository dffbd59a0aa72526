"""Fetch article pages, without Celery: claim a batch, download with nothing open, keep the bytes.

A batch costs two transactions whatever its size: one claims every article, one writes every
outcome (the page kept, the failure and its reason, or the lease given back). Between them only
the network is used. A worker that dies in between leaves its articles leased; when the leases
expire the sweeper queues them again, and the pages are fetched once more.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from ingest.http import FetchError
from storage import articles as article_rows
from storage import raw_pages
from storage.db import session_scope
from storage.types import utcnow
from workers import politeness, robots_cache
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
