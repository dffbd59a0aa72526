"""Feed rows: add/list/remove, the atomic claim of due feeds, and fenced poll bookkeeping.

A claim sets a lease and a token in one UPDATE (PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite:
writers serialised by ``BEGIN IMMEDIATE``), so two dispatchers never hand out the same feed. The
poll's results are written only if the token still matches (fencing): a stale redelivery loses.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlmodel import Session, col

from storage.db import is_postgres
from storage.models import Feed
from storage.types import utcnow
from storage.upsert import insert_stmt


@dataclass(frozen=True)
class Claim:
    feed_id: int
    token: str


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


def claim_due(
    session: Session,
    *,
    now: datetime,
    limit: int,
    lease: timedelta,
    force: bool = False,
) -> list[Claim]:
    """Lease up to ``limit`` due, enabled, unleased feeds; ``force`` ignores the due time."""
    conditions = [
        col(Feed.enabled).is_(True),
        or_(col(Feed.lease_until).is_(None), col(Feed.lease_until) < now),
    ]
    if not force:
        conditions.append(col(Feed.next_poll_at) <= now)
    due = select(col(Feed.id)).where(*conditions).order_by(col(Feed.next_poll_at)).limit(limit)
    if is_postgres(session):
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


def holds_lease(session: Session, claim: Claim, now: datetime) -> Feed | None:
    """The feed if this claim still owns it (token matches, lease not expired)."""
    feed = session.get(Feed, claim.feed_id)
    if feed is None or feed.lease_token != claim.token:
        return None
    if feed.lease_until is not None and feed.lease_until < now:
        return None
    return feed


def finish_poll(session: Session, claim: Claim, **values: object) -> bool:
    """Write the poll's outcome and release the lease, only if the claim is still current."""
    values.setdefault("updated_at", utcnow())
    stmt = (
        update(Feed)
        .where(col(Feed.id) == claim.feed_id, col(Feed.lease_token) == claim.token)
        .values(lease_until=None, lease_token=None, **values)
    )
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def count_feeds(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Feed)) or 0)
