"""Alembic environment: the URL comes from the caller (``storage.migrate``), never from a file."""

from __future__ import annotations

from typing import cast

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on the metadata)
from storage.db import get_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = get_engine(cast(str, url))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_object=lambda obj, name, type_, reflected, compare_to: (
            not (type_ == "table" and name == "alembic_version")
        ),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
