"""Dispatch and poll, without Celery: claim due feeds; conditional GET, parse, record entries.

Each step opens short transactions, does its network work with none open, and returns what should
be queued next (the caller queues it after the commit). Every outcome is written on the feed row.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from ingest.feeds import NotAFeed, ParsedFeed, parse_feed
from ingest.http import FetchError
from ingest.schedule import FAILURE_WEIGHTS, adaptive_interval, failure_backoff, server_hint
from ingest.urls import BadURL, canonical_url, host_of, is_http_url, url_key
from storage import articles as article_rows
from storage import feeds as feed_rows
from storage.articles import NewEntry
from storage.db import session_scope
from storage.feeds import Claim
from storage.types import utcnow
from workers import politeness, robots_cache
from workers.http_client import bounds, fetcher_for
from workers.settings import Settings

log = logging.getLogger("vistka.poll")

# --- dispatch -------------------------------------------------------------------------------


def dispatch(settings: Settings, *, force: bool = False) -> list[Claim]:
    """Lease due feeds, a few per host; the caller queues one poll per claim.

    Feeds disabled for failures are leased too when their slow retry is due. A forced dispatch
    (``run --once``) asks for every feed at once, so the per-host cap does not apply to it;
    politeness still paces the requests.
    """
    with session_scope(settings.database) as s:
        return feed_rows.claim_due(
            s,
            now=utcnow(),
            limit=settings.dispatch_batch,
            lease=timedelta(seconds=settings.lease_seconds),
            force=force,
            per_host=None if force else settings.dispatch_host_cap,
            retry_disabled=settings.disabled_retry_seconds > 0,
        )


# --- poll -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PollResult:
    feed_id: int
    outcome: str  # "ok", "not_modified", "failed", "skipped"
    new_article_ids: tuple[int, ...] = ()
    url_duplicates: int = 0
    reason: str | None = None


def poll(settings: Settings, claim: Claim) -> PollResult:
    """Conditional GET, parse, record unseen entries; every outcome is written on the feed."""
    now = utcnow()
    with session_scope(settings.database) as s:
        leased = feed_rows.holds_lease(s, claim, now)
        if leased is None:
            return PollResult(claim.feed_id, "skipped", reason="lease_lost")
        base = timedelta(seconds=leased.interval_seconds)
        # A disabled feed is claimed only for its slow retry; a success below revives it.
        retrying = not leased.enabled
        if retrying and not feed_rows.is_retried(leased.disabled_reason):
            feed_rows.finish_poll(s, claim)
            return PollResult(claim.feed_id, "skipped", reason="disabled")

    url, failures = leased.url, leased.consecutive_failures
    conditional = leased.polls % settings.unconditional_every != 0
    headers: dict[str, str] = {}
    if conditional and leased.etag:
        headers["If-None-Match"] = leased.etag
    if conditional and leased.last_modified:
        headers["If-Modified-Since"] = leased.last_modified
    try:
        with politeness.polite(settings, url, robots_cache.cached_crawl_delay(settings, url)):
            fetched = fetcher_for(settings).get(url, headers=headers)
    except politeness.Throttled as busy:
        # The host is busy or cooling down: no poll happened, so nothing is counted against the
        # feed; it is handed back due after the wait and the next dispatch picks it up again.
        with session_scope(settings.database) as s:
            feed_rows.finish_poll(s, claim, next_poll_at=now + timedelta(seconds=busy.wait))
        return PollResult(claim.feed_id, "skipped", reason=busy.reason)
    except FetchError as err:
        failure = Failure(err.reason, str(err), err.kind, err.status, err.retry_after)
        return _poll_failed(settings, claim, failures, base, failure, retrying=retrying)

    common: dict[str, object] = {
        "polls": leased.polls + 1,
        "last_polled_at": now,
        "last_success_at": now,
        "last_status": fetched.status,
        "last_error": None,
        "last_error_kind": None,
        "consecutive_failures": 0.0,
    }
    if retrying:
        common.update(enabled=True, disabled_reason=None)
    if fetched.headers.get("etag"):
        common["etag"] = fetched.headers.get("etag")
    if fetched.headers.get("last-modified"):
        common["last_modified"] = fetched.headers.get("last-modified")
    hint = server_hint(fetched.headers, None, now)
    old_hash = leased.body_hash
    new_hash = hashlib.sha256(fetched.body).hexdigest() if fetched.status != 304 else old_hash
    if fetched.status == 304 or new_hash == old_hash:
        interval = max(base, hint or base)
        with session_scope(settings.database) as s:
            written = feed_rows.finish_poll(s, claim, next_poll_at=now + interval, **common)
        if retrying and written:
            _log_revived(claim.feed_id, failures)
        return PollResult(claim.feed_id, "not_modified")

    try:
        parsed = parse_feed(fetched.body, fetched.url, fetched.headers)
    except NotAFeed as err:
        failure = Failure(err.reason, str(err), "hard", fetched.status)
        return _poll_failed(settings, claim, failures, base, failure, retrying=retrying)

    entries = feed_entries(parsed)
    problems = [parsed.problem] if parsed.problem else []
    if not parsed.entries:
        problems.append("no entries")
    elif len(entries) < len(parsed.entries):
        dropped = len(parsed.entries) - len(entries)
        problems.append(f"{dropped} of {len(parsed.entries)} entries without an http(s) link")
    hint = server_hint(fetched.headers, parsed.ttl, now)
    times = [e.published_at for e in parsed.entries if e.published_at is not None]
    interval = adaptive_interval(base, times, now, bounds(settings), hint)
    with session_scope(settings.database) as s:
        outcome = article_rows.record_entries(s, claim.feed_id, entries)
        updates: dict[str, object] = dict(common)
        updates.update(
            body_hash=new_hash,
            parse_problem="; ".join(problems) or None,
            next_poll_at=now + interval,
            current_interval_seconds=int(interval.total_seconds()),
        )
        feed = s.get(feed_rows.Feed, claim.feed_id)
        if feed is not None:
            updates["entries_seen"] = (
                feed.entries_seen + len(outcome.new_article_ids) + outcome.url_duplicates
            )
            if not feed.title and parsed.title:
                updates["title"] = parsed.title[:500]
            if not feed.language and parsed.language:
                updates["language"] = parsed.language[:16]
            if not feed.site_url and parsed.site_url:
                updates["site_url"] = parsed.site_url
            moved = fetched.permanent_redirect
            if moved and moved != feed.url and feed_rows.get_feed(s, moved) is None:
                updates["url"] = moved
                updates["host"] = feed_rows.feed_host(moved)
        written = feed_rows.finish_poll(s, claim, **updates)
        if not written:
            # A newer claim owns the feed; entries recorded above are idempotent, keep them.
            log.info("feed %s: lease lost before bookkeeping", claim.feed_id)
    if retrying and written:
        _log_revived(claim.feed_id, failures)
    return PollResult(claim.feed_id, "ok", tuple(outcome.new_article_ids), outcome.url_duplicates)


def feed_entries(parsed: ParsedFeed) -> list[NewEntry]:
    """Feed items as rows to record: keyed by GUID (else canonical URL), non-web links dropped."""
    out: list[NewEntry] = []
    for e in parsed.entries:
        if not e.url or not is_http_url(e.url):
            continue
        try:
            canonical = canonical_url(e.url)
        except BadURL:
            continue
        identity = f"guid:{e.guid}" if e.guid else f"url:{canonical}"
        out.append(
            NewEntry(
                entry_key=hashlib.sha256(identity.encode("utf-8")).hexdigest(),
                guid=e.guid[:2000] if e.guid else None,
                url=canonical,
                url_key=url_key(canonical),
                host=host_of(canonical),
                title=e.title,
                summary=e.summary,
                published_at=e.published_at,
            )
        )
    return out


def _log_revived(feed_id: int, failures: float) -> None:
    log.info(
        "feed %s re-enabled: its retry poll succeeded after %g weighted failures",
        feed_id,
        failures,
    )


@dataclass(frozen=True)
class Failure:
    """Why a poll failed, as the feed row records it (``kind`` weighs it: FAILURE_WEIGHTS)."""

    reason: str
    message: str
    kind: str
    status: int | None = None
    retry_after: float | None = None


def _poll_failed(
    settings: Settings,
    claim: Claim,
    failures: float,
    base: timedelta,
    failure: Failure,
    *,
    retrying: bool = False,
) -> PollResult:
    """Count the failure, back off; disable on 410 (for good) or on sustained failures (with a
    slow retry, every ``disabled_retry_seconds``). A failed retry keeps the feed disabled."""
    now = utcnow()
    reason, kind, retry_after_s = failure.reason, failure.kind, failure.retry_after
    failures += FAILURE_WEIGHTS.get(kind, 1.0)
    delay = failure_backoff(failures, base, bounds(settings))
    hold = timedelta(0)
    if retry_after_s is not None:
        hold = min(timedelta(seconds=retry_after_s), timedelta(seconds=settings.max_interval))
    delay = max(delay, hold)
    updates: dict[str, object] = {
        "last_polled_at": now,
        "last_status": failure.status,
        "last_error": f"{reason}: {failure.message}"[:1000],
        "last_error_kind": kind,
        "last_error_at": now,
        "consecutive_failures": failures,
        "next_poll_at": now + delay,
    }
    if reason == "http_410":
        updates.update(enabled=False, disabled_reason=feed_rows.GONE_REASON)
    elif retrying or failures >= settings.disable_after_failures:
        retry = max(timedelta(seconds=settings.disabled_retry_seconds), hold)
        updates.update(
            enabled=False,
            disabled_reason=feed_rows.failing_reason(failures, reason),
            next_poll_at=now + retry,
        )
    with session_scope(settings.database) as s:
        feed = s.get(feed_rows.Feed, claim.feed_id)
        updates["polls"] = (feed.polls if feed else 0) + 1
        written = feed_rows.finish_poll(s, claim, **updates)
    log.warning("feed %s poll failed: %s", claim.feed_id, updates["last_error"])
    if written and updates.get("enabled") is False:
        log.warning(
            "feed %s %s: %s",
            claim.feed_id,
            "stays disabled" if retrying else "disabled",
            updates["disabled_reason"],
        )
    return PollResult(claim.feed_id, "failed", reason=reason)
