"""Planner statistics kept fresh by vistka itself, for a PostgreSQL whose autovacuum is off or late.

Every hot lookup (band keys, exact keys, host lines) is an equality on a primary key, but
PostgreSQL picks an index only when its statistics say the table is large. Without them (a
server with ``autovacuum = off``, or the minutes after a bulk load) the band lookup becomes a
sequential scan of a table that grows by 58 rows per article, made under the dedup lock: the
pipeline slows down with every article stored. So the sweeper runs ``ANALYZE`` on a hot table
once a tenth of it has changed since its last analysis — autovacuum's own default rule.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from storage.db import is_postgres

HOT_TABLES = ("article", "article_band", "article_key", "host_line", "host_page", "feed_entry")
SCALE = 0.1  # autovacuum_analyze_scale_factor's default
THRESHOLD = 50  # autovacuum_analyze_threshold's default


def stale_tables(session: Session) -> list[str]:
    """Hot tables whose statistics lag behind their changes (PostgreSQL; none elsewhere)."""
    if not is_postgres(session):
        return []
    rows = session.execute(
        text(
            "SELECT relname FROM pg_stat_user_tables "
            "WHERE relname = ANY(:tables) AND schemaname = current_schema() "
            "AND n_mod_since_analyze > :threshold + :scale * greatest(n_live_tup, 0)"
        ),
        {"tables": list(HOT_TABLES), "threshold": THRESHOLD, "scale": SCALE},
    ).all()
    return sorted(str(r[0]) for r in rows)


def analyze(session: Session, tables: list[str]) -> None:
    for table in tables:
        if table in HOT_TABLES:  # names from our own list only: they are spliced into SQL
            session.execute(text(f"ANALYZE {table}"))
