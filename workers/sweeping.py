"""Recovery and liveness: pending rows nobody works on, and the dispatcher's heartbeat."""

from __future__ import annotations

from datetime import timedelta

from storage import articles as article_rows
from storage.db import session_scope
from storage.models import ServiceState
from storage.types import utcnow
from storage.upsert import insert_stmt
from workers.settings import Settings


def stale_articles(settings: Settings, idle: float | None = None) -> list[tuple[int, str]]:
    seconds = settings.sweep_after if idle is None else idle
    with session_scope(settings.database) as s:
        return article_rows.stale_pending(s, idle=timedelta(seconds=seconds))


def heartbeat(settings: Settings, key: str, value: str) -> None:
    now = utcnow()
    with session_scope(settings.database) as s:
        stmt = insert_stmt(s, ServiceState).values(key=key, value=value, updated_at=now)
        s.execute(
            stmt.on_conflict_do_update(
                index_elements=["key"], set_={"value": value, "updated_at": now}
            )
        )
