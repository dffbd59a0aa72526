"""Feed rows: add/list/remove, the atomic claim of due feeds, and fenced poll bookkeeping.

A claim sets a lease and a token in one UPDATE (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite:
writers serialised by ``BEGIN IMMEDIATE``), so two dispatchers never hand out the same feed. The
poll's results are written only if the token still matches (fencing): a stale redelivery loses.

A disabled feed is in one of three states, told apart by ``disabled_reason`` alone (no column of
its own, so the reader contract is unchanged): *gone* (HTTP 410, never polled again), *retrying*
(disabled for sustained failures: still claimed, rarely, so a site that comes back is picked up
again, as Media Cloud's rss-fetcher keeps re-checking dead feeds) and *disabled* (an operator's
decision, or any reason vistka did not write itself: never touched automatically).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    and_,
    func,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlmodel import Session, SQLModel, col

from ingest.urls import BadURL, host_of
from storage.db import is_postgres
from storage.models import Feed
from storage.types import utcnow
from storage.upsert import insert_stmt

GONE_REASON = "gone (HTTP 410)"
OPERATOR_REASON = "disabled by operator"
# Written between the weighted count and the reason code of the error that tipped the feed over.
_FAILING_MARK = " weighted failures: "

FeedState = Literal["enabled", "retrying", "gone", "disabled"]

_FEED = SQLModel.metadata.tables["feed"]


@dataclass(frozen=True)
class Claim:
    feed_id: int
    token: str


def feed_host(url: str) -> str | None:
    """The host the dispatcher's per-host cap counts a feed against; None for an unusable URL."""
    try:
        return host_of(url)[:255] or None
    except BadURL:
        return None


def add_feed(
    session: Session,
    url: str,
    *,
    title: str | None = None,
    language: str | None = None,
    interval: int = 900,
) -> tuple[Feed, bool]:
    """Insert a feed unless its URL is known; returns (feed, created)."""
    stmt = (
        insert_stmt(session, Feed)
        .values(
            url=url,
            host=feed_host(url),
            title=title,
            language=language,
            interval_seconds=interval,
            current_interval_seconds=interval,
            enabled=True,
            polls=0,
            consecutive_failures=0.0,
            entries_seen=0,
            next_poll_at=utcnow(),
            created_at=utcnow(),
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["url"])
        .returning(Feed.__table__.c.id)  # type: ignore[attr-defined]
    )
    created = session.execute(stmt).first() is not None
    feed = session.scalars(select(Feed).where(col(Feed.url) == url)).one()
    return feed, created


def get_feed(session: Session, ref: str | int) -> Feed | None:
    """A feed by id or by URL."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
        return session.get(Feed, int(ref))
    return session.scalars(select(Feed).where(col(Feed.url) == ref)).first()


def list_feeds(session: Session) -> Sequence[Feed]:
    return session.scalars(select(Feed).order_by(Feed.id)).all()  # type: ignore[arg-type]


def remove_feed(session: Session, feed: Feed) -> None:
    session.delete(feed)


# --- disabled states ------------------------------------------------------------------------


def failing_reason(failures: float, reason: str) -> str:
    """``disabled_reason`` of a feed disabled for sustained failures, e.g. ``30 weighted
    failures: http_503``; this shape is what marks the feed for the slow retry."""
    return f"{failures:g}{_FAILING_MARK}{reason}"


def is_retried(reason: str | None) -> bool:
    """True if a disabled feed with this reason is retried automatically (it was failing)."""
    return reason is not None and _FAILING_MARK in reason and not reason.startswith(OPERATOR_REASON)


def feed_state(feed: Feed) -> FeedState:
    """What will happen to the feed: polled, retried slowly, never again, or left to an operator."""
    if feed.enabled:
        return "enabled"
    if is_retried(feed.disabled_reason):
        return "retrying"
    return "gone" if feed.disabled_reason == GONE_REASON else "disabled"


def disable_feed(session: Session, feed: Feed, note: str | None = None) -> None:
    """The operator's off switch: never retried; a poll in flight loses its lease (fencing), so
    its late bookkeeping cannot turn the feed back on."""
    feed.enabled = False
    feed.disabled_reason = f"{OPERATOR_REASON}: {note}" if note else OPERATOR_REASON
    _release(feed)


def enable_feed(session: Session, feed: Feed, now: datetime) -> None:
    """The operator's on switch: a clean slate (no failures, no reason), due at ``now``."""
    feed.enabled = True
    feed.disabled_reason = None
    feed.consecutive_failures = 0.0
    feed.next_poll_at = now
    _release(feed)


def _release(feed: Feed) -> None:
    feed.lease_until = None
    feed.lease_token = None
    feed.updated_at = utcnow()


# --- claims ---------------------------------------------------------------------------------


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    force: bool = False,
    per_host: int | None = None,
    retry_disabled: bool = True,
) -> list[Claim]:
    """Lease up to ``limit`` due, unleased feeds, at most ``per_host`` of one host.

    Claimable are enabled feeds and, with ``retry_disabled``, feeds disabled for failures (see
    :func:`is_retried`). ``force`` ignores the due time of enabled feeds only: a failing feed
    is retried when its retry time comes, never because of a forced dispatch. The cap keeps one
    host with hundreds of feeds from filling a dispatch: its other feeds stay due, ahead of the
    queue, for the next one.
    """
    conditions = _claimable(_FEED, now, force=force, retry_disabled=retry_disabled)
    due = select(_FEED.c.id).where(*conditions)
    if per_host is not None:
        due = due.where(_FEED.c.id.in_(_first_per_host(now, force, retry_disabled, per_host)))
    due = due.order_by(_FEED.c.next_poll_at).limit(limit)
    if is_postgres(session):
        # The lock is taken on the capped, ordered candidates as they come (LockRows under
        # Limit), so a concurrent dispatcher skips this one's rows and takes the next ones.
        due = due.with_for_update(skip_locked=True)
    token = str(uuid.uuid4())
    stmt = (
        update(Feed)
        .where(col(Feed.id).in_(due.scalar_subquery()))
        .values(lease_until=now + lease, lease_token=token)
        .returning(col(Feed.id))
    )
    ids = [row[0] for row in session.execute(stmt).all()]
    return [Claim(feed_id=i, token=token) for i in sorted(ids)]


def _claimable(
    feed: FromClause, now: datetime, *, force: bool, retry_disabled: bool
) -> list[ColumnElement[bool]]:
    """Enabled and due (or forced), or retried and due; and not leased. Also spelled by
    :func:`is_retried`, in Python."""
    c = feed.c
    due = c.next_poll_at <= now
    wanted = and_(c.enabled.is_(True), true() if force else due)
    if retry_disabled:
        reason = c.disabled_reason
        retried = and_(
            c.enabled.is_(False),
            reason.like(f"%{_FAILING_MARK}%"),
            not_(reason.like(f"{OPERATOR_REASON}%")),
            due,
        )
        wanted = or_(wanted, retried)
    return [wanted, or_(c.lease_until.is_(None), c.lease_until < now)]


def _first_per_host(now: datetime, force: bool, retry_disabled: bool, per_host: int) -> Select:
    """Ids of each host's ``per_host`` most overdue claimable feeds (a window function: SQLite
    ≥ 3.25, PostgreSQL). A feed without a known host counts as a host of its own."""
    ranked_feed = _FEED.alias("ranked_feed")
    c = ranked_feed.c
    rank = func.row_number().over(
        partition_by=func.coalesce(c.host, c.url), order_by=(c.next_poll_at, c.id)
    )
    ranked = (
        select(c.id.label("id"), rank.label("host_rank"))
        .where(*_claimable(ranked_feed, now, force=force, retry_disabled=retry_disabled))
        .subquery("ranked")
    )
    return select(ranked.c.id).where(ranked.c.host_rank <= per_host)


@dataclass(frozen=True)
class Leased:
    """What a poll reads from the feed it holds the lease of."""

    url: str
    polls: int
    etag: str | None
    last_modified: str | None
    body_hash: str | None
    interval_seconds: int
    consecutive_failures: float
    enabled: bool
    disabled_reason: str | None


_LEASED = tuple(_FEED.c[name] for name in Leased.__dataclass_fields__)


def holds_lease(session: Session, claim: Claim, now: datetime) -> Leased | None:
    """The feed if this claim still owns it (token matches, lease not expired).

    A Core statement of the columns a poll reads, with the lease checked in it: a re-poll of an
    unchanged feed is two short statements, and loading the whole ORM row was most of its CPU.
    """
    row = session.execute(
        select(*_LEASED).where(
            _FEED.c.id == claim.feed_id,
            _FEED.c.lease_token == claim.token,
            or_(_FEED.c.lease_until.is_(None), _FEED.c.lease_until >= now),
        )
    ).first()
    return Leased(*row) if row is not None else None


def finish_poll(session: Session, claim: Claim, **values: object) -> bool:
    """Write the poll's outcome and release the lease, only if the claim is still current."""
    values.setdefault("updated_at", utcnow())
    stmt = (
        update(_FEED)
        .where(_FEED.c.id == claim.feed_id, _FEED.c.lease_token == claim.token)
        .values(lease_until=None, lease_token=None, **values)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def count_feeds(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Feed)) or 0)
