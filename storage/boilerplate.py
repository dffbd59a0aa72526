"""Per-host line statistics for boilerplate learning, counted once per page (idempotent).

The number of pages counted for a host is kept in ``host_line`` itself, under ``PAGES_KEY``
(a key no line fingerprint can take), and updated by the same statement as the lines: reading
it with the lines costs one indexed lookup, where ``count(*)`` over ``host_page`` would grow
with the host's history.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlmodel import Session, col

from ingest.boilerplate import HostStats
from storage.models import HostLine, HostPage
from storage.upsert import insert_keys, insert_stmt

PAGES_KEY = "#pages"


def record_page(session: Session, host: str, url_key: str, fingerprints: Sequence[str]) -> bool:
    """Count this page's lines for its host, unless the page was counted before.

    Keys are written in sorted order, so two workers counting pages of one host lock the
    shared rows in the same order and cannot deadlock.
    """
    inserted = session.execute(
        insert_stmt(session, HostPage)
        .values(host=host, url_key=url_key)
        .on_conflict_do_nothing(index_elements=["host", "url_key"])
        .returning(HostPage.__table__.c.host)  # type: ignore[attr-defined]
    ).first()
    if inserted is None:
        return False
    insert_keys(
        session,
        HostLine,
        "fingerprint",
        [*fingerprints, PAGES_KEY],
        {"host": host, "pages": 1},
        conflict=("host", "fingerprint"),
        increment="pages",
    )
    return True


def host_stats(session: Session, host: str, fingerprints: Sequence[str]) -> HostStats:
    keys = list(set(fingerprints) | {PAGES_KEY})
    rows = session.execute(
        select(col(HostLine.fingerprint), col(HostLine.pages)).where(
            col(HostLine.host) == host, col(HostLine.fingerprint).in_(keys)
        )
    ).all()
    counts = {str(r[0]): int(r[1]) for r in rows}
    return HostStats(pages=counts.pop(PAGES_KEY, 0), line_pages=counts)
