"""Planner statistics: a hot table that changed a lot since its last ANALYZE is found and analysed
(PostgreSQL, whose shared test server runs with autovacuum off — the very case this is for);
SQLite has nothing to refresh."""

from __future__ import annotations

import time

from sqlalchemy import text

from storage import planner
from storage.db import is_postgres, session_scope


def _last_analyze(s: object, table: str) -> object:
    return s.execute(  # type: ignore[attr-defined]
        text("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = :t"), {"t": table}
    ).scalar()


def test_a_table_that_grew_is_analysed_once(db: str) -> None:
    with session_scope(db) as s:
        s.execute(
            text(
                "INSERT INTO host_line (host, fingerprint, pages) "
                + (
                    "SELECT 'h.example', 'l:' || g, 1 FROM generate_series(1, 500) AS g"
                    if is_postgres(s)
                    else "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g "
                    "WHERE n < 500) SELECT 'h.example', 'l:' || n, 1 FROM g"
                )
            )
        )
        postgres = is_postgres(s)
    if not postgres:
        with session_scope(db) as s:
            assert planner.stale_tables(s) == []
        return

    # The statistics collector reports changes shortly after the commit.
    deadline = time.monotonic() + 10
    while True:
        with session_scope(db) as s:
            stale = planner.stale_tables(s)
        if "host_line" in stale or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert "host_line" in stale
    with session_scope(db) as s:
        assert _last_analyze(s, "host_line") is None
        planner.analyze(s, stale)
    with session_scope(db) as s:
        assert _last_analyze(s, "host_line") is not None
        assert "host_line" not in planner.stale_tables(s)


def test_only_our_own_tables_are_ever_named_in_sql(db: str) -> None:
    with session_scope(db) as s:
        planner.analyze(s, ["host_line; DROP TABLE article", "pg_class"])  # ignored
        assert s.execute(text("SELECT count(*) FROM article")).scalar() == 0
