"""Recovery and liveness: pending rows nobody works on, and the dispatcher's heartbeat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col

from storage import articles as article_rows
from storage.db import session_scope
from storage.models import Article, ServiceState
from storage.types import utcnow
from storage.upsert import insert_stmt
from workers.settings import Settings


def stale_articles(settings: Settings, idle: float | None = None) -> list[tuple[int, str]]:
    seconds = settings.sweep_after if idle is None else idle
    with session_scope(settings.database) as s:
        give_up_exhausted(s, settings.max_attempts, timedelta(seconds=seconds))
        return article_rows.stale_pending(s, idle=timedelta(seconds=seconds))


def give_up_exhausted(session: Session, max_attempts: int, idle: timedelta) -> int:
    """Fail stale rows that used up their attempts, so a page that kills its worker every time is
    not re-queued forever (Celery's retry count does not survive a whole-worker crash; ours does).

    ``attempts`` counts claims of both steps, so a fetched row has had up to ``max_attempts``
    fetches before its extractions.
    """
    now = utcnow()
    status = col(Article.status)
    stmt = (
        update(Article)
        .where(
            or_(
                and_(status == "discovered", col(Article.attempts) >= max_attempts),
                and_(status == "fetched", col(Article.attempts) >= 2 * max_attempts),
            ),
            col(Article.updated_at) < now - idle,
            or_(col(Article.lease_until).is_(None), col(Article.lease_until) < now),
        )
        .values(
            status="failed",
            fail_reason=f"abandoned: {max_attempts} attempts of one step did not finish",
            lease_until=None,
            updated_at=now,
        )
    )
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]


def heartbeat(settings: Settings, key: str, value: str) -> None:
    now = utcnow()
    with session_scope(settings.database) as s:
        stmt = insert_stmt(s, ServiceState).values(key=key, value=value, updated_at=now)
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=["key"], set_={"value": value, "updated_at": now}
            )
        )
