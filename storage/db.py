"""Engines and sessions from a URL, with the pragmas and pool hygiene each backend needs.

SQLite runs in WAL mode with a long busy timeout so several worker processes can write; pooled
connections are never shared across ``fork`` (workers call :func:`dispose_engines` in each child).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

_engines: dict[str, Engine] = {}

SQLITE_MIN = (3, 35, 0)  # UPSERT with RETURNING


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # let SQLAlchemy's begin events manage transactions
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # BEGIN IMMEDIATE serialises writers up front instead of failing on a lock upgrade later.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def get_engine(url: str) -> Engine:
    """One engine per URL per process."""
    engine = _engines.get(url)
    if engine is not None:
        return engine
    if url.startswith("sqlite"):
        if sqlite3.sqlite_version_info < SQLITE_MIN:
            raise RuntimeError(f"SQLite {sqlite3.sqlite_version} is too old; vistka needs 3.35+")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20)
    _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Forget pooled connections inherited from a parent process (call after fork)."""
    for engine in _engines.values():
        engine.dispose(close=False)
    _engines.clear()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error, always close."""
    session = Session(get_engine(url), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"
