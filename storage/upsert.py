"""INSERT … ON CONFLICT for both backends: the one way vistka writes rows with natural keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session


def insert_stmt(session: Session, table: Any) -> Any:
    """A dialect-specific INSERT that supports ``on_conflict_do_nothing/update``.

    Built on the model's Table, not the ORM class: a plain Core statement skips the ORM's bulk
    insert machinery, which costs more CPU than the statement itself on these small upserts.
    """
    dialect = session.get_bind().dialect.name
    target = getattr(table, "__table__", table)
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(target)
