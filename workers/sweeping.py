"""Recovery and liveness: pending rows nobody works on, and the dispatcher's heartbeat."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col

from storage import articles as article_rows
from storage import planner
from storage.db import session_scope
from storage.models import Article, ServiceState
from storage.types import utcnow
from storage.upsert import insert_stmt
from workers.queues import queue_depths
from workers.settings import Settings

# The queue each pending status waits in.
STEP_QUEUES = {"discovered": "fetch", "fetched": "extract"}


def stale_articles(settings: Settings, idle: float | None = None) -> list[tuple[int, str]]:
    """Pending rows to queue again (their message is presumed lost), each marked as handled.

    A row waiting behind a backlog looks exactly like a lost one, so a status whose queue still
    holds messages is left alone: under load the sweeper would otherwise queue every waiting
    article again on every sweep and multiply the backlog. Lost messages are found once the
    queue has drained (an unreadable broker counts as drained). Marking the rows means a row is
    queued again at most once per ``sweep_after``.
    """
    seconds = settings.sweep_after if idle is None else idle
    depths = queue_depths(settings) if idle is None else {}
    statuses = [st for st, q in STEP_QUEUES.items() if not depths.get(q)]
    with session_scope(settings.database) as s:
        give_up_exhausted(s, settings.max_attempts, timedelta(seconds=seconds))
        stale = article_rows.stale_pending(s, idle=timedelta(seconds=seconds), statuses=statuses)
        article_rows.touch(s, [article_id for article_id, _ in stale])
    return stale


def refresh_statistics(settings: Settings) -> list[str]:
    """ANALYZE the hot tables that changed a lot since their last analysis (``storage.planner``)."""
    with session_scope(settings.database) as s:
        tables = planner.stale_tables(s)
        planner.analyze(s, tables)
    return tables


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
