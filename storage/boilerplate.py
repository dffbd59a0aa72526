"""Per-host line statistics for boilerplate learning, counted once per page (idempotent)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlmodel import Session, col

from ingest.boilerplate import HostStats
from storage.models import HostLine, HostPage
from storage.upsert import insert_stmt


def record_page(session: Session, host: str, url_key: str, fingerprints: Sequence[str]) -> bool:
    """Count this page's lines for its host, unless the page was counted before."""
    inserted = session.execute(
        insert_stmt(session, HostPage)
        .values(host=host, url_key=url_key)
        .on_conflict_do_nothing(index_elements=["host", "url_key"])
        .returning(HostPage.__table__.c.host)  # type: ignore[attr-defined]
    ).first()
    if inserted is None:
        return False
    for fp in dict.fromkeys(fingerprints):
        stmt = insert_stmt(session, HostLine).values(host=host, fingerprint=fp, pages=1)
        stmt = stmt.on_conflict_do_update(
            index_elements=["host", "fingerprint"],
            set_={"pages": HostLine.__table__.c.pages + 1},  # type: ignore[attr-defined]
        )
        session.execute(stmt)
    return True


def host_stats(session: Session, host: str, fingerprints: Sequence[str]) -> HostStats:
    pages = session.scalar(
        select(func.count()).select_from(HostPage).where(col(HostPage.host) == host)
    )
    rows = session.execute(
        select(col(HostLine.fingerprint), col(HostLine.pages)).where(
            col(HostLine.host) == host, col(HostLine.fingerprint).in_(list(set(fingerprints)))
        )
    ).all()
    return HostStats(pages=int(pages or 0), line_pages={str(r[0]): int(r[1]) for r in rows})
