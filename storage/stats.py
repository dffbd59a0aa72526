"""Operational counts for ``vistka stats``: articles by state per day, and recent throughput."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session, col

from storage.models import Article


def per_day(session: Session, since: datetime) -> dict[str, dict[str, int]]:
    """Articles discovered per UTC day since ``since``, by their current state."""
    day = func.date(col(Article.discovered_at))
    rows = session.execute(
        select(day, col(Article.status), func.count())
        .where(col(Article.discovered_at) >= since)
        .group_by(day, col(Article.status))
    ).all()
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for d, status, n in rows:
        out[str(d)][str(status)] = int(n)
    return dict(sorted(out.items()))


def throughput(session: Session, now: datetime) -> dict[str, float]:
    """Articles finished (stored or duplicate) in the last minute, hour and day."""
    done = col(Article.status).in_(("stored", "duplicate"))
    out: dict[str, float] = {}
    for label, span in (
        ("last_minute", timedelta(minutes=1)),
        ("last_hour", timedelta(hours=1)),
        ("last_day", timedelta(days=1)),
    ):
        n = session.scalar(
            select(func.count())
            .select_from(Article)
            .where(done, col(Article.stored_at) >= now - span)
        )
        out[label] = int(n or 0)
    out["per_minute_last_hour"] = round(out["last_hour"] / 60, 2)
    return out
