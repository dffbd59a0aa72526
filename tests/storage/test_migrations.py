"""Migrations on both backends: empty → head, one step back and forth, and models that match.

The schema is a public contract, so every revision must apply to an empty database, step back
cleanly and leave a schema autogenerate finds nothing to change in, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from storage import contract, migrate
from storage.db import dispose_engines, get_engine
from tests.support.services import postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'vistka.db'}"
        dispose_engines()
        return
    with postgres_database() as url:
        yield url


def _views(url: str) -> set[str]:
    return set(inspect(get_engine(url)).get_view_names())


def _tables(url: str) -> set[str]:
    return set(inspect(get_engine(url)).get_table_names())


HEAD = "0004"  # 0004: feed.host (per-host dispatch cap)


def test_head_is_the_host_page_counts_revision(tmp_path: Path) -> None:
    # migrate.HEAD is what every command checks the schema against, without loading Alembic
    assert migrate.head_revision(f"sqlite:///{tmp_path / 'x.db'}") == migrate.HEAD == HEAD


def test_upgrade_from_empty_then_down_below_the_views_and_up_again(empty_url: str) -> None:
    url = empty_url
    assert migrate.current_revision(url) is None

    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision(url) == HEAD
    names = {v.name for v in contract.CURRENT}
    assert _views(url) == names
    assert {"article", "feed", "feed_entry", "event", "follow_up"} <= _tables(url)
    assert not names & _tables(url)  # views are not tables (autogenerate must not see them)

    migrate.downgrade(url, "0001")
    assert migrate.current_revision(url) == "0001"
    assert _views(url) == set()
    assert "article" in _tables(url)

    migrate.upgrade(url)
    assert migrate.current_revision(url) == HEAD
    assert _views(url) == names
    with get_engine(url).connect() as conn:
        for view in contract.CURRENT:
            conn.execute(text(f"SELECT * FROM {view.name}")).all()


def test_down_to_empty_and_back(empty_url: str) -> None:
    url = empty_url
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    assert migrate.current_revision(url) is None
    assert _views(url) == set()
    assert _tables(url) <= {"alembic_version"}
    migrate.upgrade(url)
    assert migrate.current_revision(url) == HEAD


def test_models_match_the_migrated_schema(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    assert migrate.pending_differences(empty_url) == []


def test_models_match_after_stepping_back_and_forth(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    migrate.downgrade(empty_url, "-1")
    migrate.upgrade(empty_url)
    assert migrate.pending_differences(empty_url) == []


def test_a_table_rebuild_works_when_views_are_dropped_around_it(tmp_path: Path) -> None:
    """SQLite refuses to rename a table a view reads; later migrations drop views around batches."""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations
    from sqlalchemy import Column, Text

    url = f"sqlite:///{tmp_path / 'vistka.db'}"
    migrate.upgrade(url)
    with get_engine(url).begin() as conn:
        op = Operations(MigrationContext.configure(conn))
        contract.drop_views(conn, contract.CURRENT)
        with op.batch_alter_table("article", recreate="always") as batch:
            batch.add_column(Column("extra", Text))
        contract.create_views(conn, contract.CURRENT)
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT * FROM articles")).all()
    dispose_engines()


def test_host_page_counts_are_backfilled_and_removed(empty_url: str) -> None:
    """0003 writes each host's page count where boilerplate learning now reads it."""
    url = empty_url
    migrate.upgrade(url, "0002")
    with get_engine(url).begin() as conn:
        for host, key in (("a.example", "k1"), ("a.example", "k2"), ("b.example", "k1")):
            conn.execute(
                text("INSERT INTO host_page (host, url_key) VALUES (:h, :k)"), {"h": host, "k": key}
            )
    migrate.upgrade(url)
    counts = "SELECT host, pages FROM host_line WHERE fingerprint = '#pages' ORDER BY host"
    with get_engine(url).connect() as conn:
        assert [tuple(r) for r in conn.execute(text(counts))] == [
            ("a.example", 2),
            ("b.example", 1),
        ]
    migrate.downgrade(url, "0002")
    with get_engine(url).connect() as conn:
        assert conn.execute(text(counts)).all() == []
