"""INSERT … ON CONFLICT for both backends: the one way vistka writes rows with natural keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import ARRAY, bindparam, func, select
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


def insert_rows(
    session: Session,
    table: Any,
    rows: Sequence[Mapping[str, object]],
    *,
    conflict: tuple[str, ...],
    add: str | None = None,
    returning: tuple[str, ...] = (),
    key_order: bool = True,
) -> list[tuple[Any, ...]]:
    """Several whole rows in one statement; a row whose ``conflict`` key exists is left alone,
    or, with ``add``, has that column raised by the new row's value (then no two rows may share
    a key: sum them first). Returns the ``returning`` columns of the rows inserted or updated.

    Rows are written in the order of their ``conflict`` key, so concurrent writers lock shared
    rows in one order (``key_order=False``: in the order given, when that order means something
    and a rare deadlock, retried by the task, is the better price). On PostgreSQL each column
    travels as one array parameter (``unnest``, which yields the arrays in lockstep), so the
    compiled statement is cached whatever the number of rows; SQLite, in-process, takes one
    statement per row.
    """
    if not rows:
        return []
    names = tuple(rows[0])
    # Key columns hold strings or integers, never None: their own order is one total order.
    ordered = sorted(rows, key=itemgetter(*conflict)) if key_order else rows
    dialect = session.get_bind().dialect.name
    target = getattr(table, "__table__", table)
    stmt = _rows_stmt(dialect, target, names, conflict, add, returning)
    if dialect != "postgresql":
        out: list[tuple[Any, ...]] = []
        for row in ordered:
            result = session.execute(stmt, dict(row))
            out += [tuple(r) for r in result.all()] if returning else []
        return out
    result = session.execute(stmt, {f"col_{n}": [row[n] for row in ordered] for n in names})
    return [tuple(r) for r in result.all()] if returning else []


@lru_cache(maxsize=64)
def _rows_stmt(
    dialect: str,
    target: Any,
    names: tuple[str, ...],
    conflict: tuple[str, ...],
    add: str | None,
    returning: tuple[str, ...],
) -> Any:
    if dialect == "postgresql":
        source = select(
            *[func.unnest(bindparam(f"col_{n}", type_=ARRAY(target.c[n].type))) for n in names]
        )
        stmt: Any = pg_insert(target).from_select(list(names), source)
    else:
        stmt = sqlite_insert(target)
    if add is None:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    else:
        stmt = stmt.on_conflict_do_update(
            index_elements=list(conflict), set_={add: target.c[add] + stmt.excluded[add]}
        )
    if returning:
        stmt = stmt.returning(*[target.c[n] for n in returning])
    return stmt
