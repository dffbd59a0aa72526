"""Fetch an article page, without Celery: claim, download with nothing open, keep the raw bytes."""

from __future__ import annotations

import hashlib
import zlib
from datetime import timedelta

from ingest.http import FetchError
from storage import articles as article_rows
from storage.db import session_scope
from storage.types import utcnow
from workers import politeness, robots_cache
from workers.http_client import TransientError, fetcher_for
from workers.settings import Settings

HTML_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")

# --- fetch ----------------------------------------------------------------------------------


def fetch(settings: Settings, article_id: int) -> bool:
    """Download one article page; True when it is ready for extraction."""
    lease = timedelta(seconds=settings.lease_seconds)
    with session_scope(settings.database) as s:
        claimed = article_rows.claim(s, [article_id], "discovered", lease, ("url", "attempts"))
    if not claimed:
        return False
    url, attempts = str(claimed[0].url), int(claimed[0].attempts)
    try:
        crawl_delay = robots_cache.check(settings, url)
        with politeness.polite(settings, url, crawl_delay):
            fetched = fetcher_for(settings).get(url)
    except politeness.Throttled as busy:
        # Not an attempt at the page: give the row back as it was and come back later.
        with session_scope(settings.database) as s:
            article_rows.update_article(s, article_id, lease_until=None, attempts=attempts - 1)
        raise TransientError(
            busy.reason, politeness.retry_countdown(busy.wait), host_wide=True
        ) from busy
    except FetchError as err:
        # A 429 is a request to slow down, not a verdict on the page: retry it like a 5xx.
        retryable = err.kind == "temporary" or err.status == 429
        retry = retryable and attempts < settings.max_attempts
        with session_scope(settings.database) as s:
            if retry:
                article_rows.release(s, article_id)
            else:
                article_rows.fail(s, article_id, f"{err.reason}: {err}"[:1000])
        if retry:  # raised after the commit: inside the scope it would roll the release back
            raise TransientError(
                err.reason,
                err.retry_after or min(60.0, 2.0**attempts),
                host_wide=isinstance(err, robots_cache.RobotsUnavailable),
            ) from err
        return False
    ctype = fetched.headers.get("content-type", "").split(";")[0].strip().lower()
    with session_scope(settings.database) as s:
        if ctype not in HTML_TYPES:
            article_rows.fail(s, article_id, f"not_html: {ctype}")
            article_rows.update_article(
                s,
                article_id,
                http_status=fetched.status,
                final_url=fetched.url,
                fetched_at=utcnow(),
            )
            return False
        article_rows.update_article(
            s,
            article_id,
            status="fetched",
            lease_until=None,
            final_url=fetched.url,
            http_status=fetched.status,
            fetched_at=utcnow(),
            content_type=fetched.headers.get("content-type"),
            raw_html=zlib.compress(fetched.body, 1),
            raw_sha256=hashlib.sha256(fetched.body).hexdigest(),
        )
    return True
