"""The reader contract: the views show the right rows on both backends, the reader role can read
the views and nothing else, and docs/schema.md documents every column a reader can see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from psycopg import errors
from sqlalchemy import make_url, text

from storage import contract, migrate
from storage.db import dispose_engines, get_engine, session_scope
from storage.models import Article, Event, Feed, FeedEntry, FollowUpRow
from tests.support.services import PG_ADMIN, postgres_database

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'vistka.db'}"
        migrate.upgrade(url)
        yield url
        dispose_engines()
        return
    with postgres_database() as url:
        migrate.upgrade(url)
        yield url


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        migrate.upgrade(url)
        yield url


def _rows(url: str, sql: str) -> list[dict[str, Any]]:
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql))]


def _seed(url: str) -> dict[str, int]:
    """A small world written as the service writes it: through the models, as the owner."""
    with session_scope(url) as s:
        busy = Feed(
            url="https://a.example/rss",
            title="A",
            language="uk",
            interval_seconds=900,
            last_success_at=NOW - timedelta(minutes=5),
            last_status=200,
            next_poll_at=NOW + timedelta(minutes=10),
        )
        broken = Feed(
            url="https://b.example/rss",
            interval_seconds=600,
            enabled=True,
            last_status=503,
            last_error="http_503: unavailable",
            last_error_at=NOW,
            consecutive_failures=3.0,
            next_poll_at=NOW - timedelta(hours=2),
        )
        gone = Feed(
            url="https://c.example/rss",
            enabled=False,
            disabled_reason="gone (HTTP 410)",
            next_poll_at=NOW - timedelta(days=3),
        )
        s.add_all([busy, broken, gone])
        s.flush()
        assert busy.id and broken.id and gone.id
        original = Article(
            url_key="k1",
            url="https://a.example/1",
            host="a.example",
            feed_id=busy.id,
            status="stored",
            title="Original",
            text="Body",
            canonical_url="https://a.example/1",
            tags='["energy"]',
            raw_html=b"<html>secret</html>",
            signature=b"\x00\x01",
            stored_at=NOW,
        )
        s.add(original)
        s.flush()
        assert original.id
        original.story_id = original.id
        copy = Article(
            url_key="k2",
            url="https://b.example/copy",
            host="b.example",
            feed_id=broken.id,
            status="duplicate",
            duplicate_of=original.id,
            duplicate_rule="near",
            similarity=0.93,
            story_id=original.id,
        )
        failed = Article(
            url_key="k3",
            url="https://a.example/404",
            host="a.example",
            feed_id=busy.id,
            status="failed",
            fail_reason="http_404: not found",
        )
        s.add_all([copy, failed])
        s.flush()
        for key, seen in (
            ("e1", NOW - timedelta(hours=1)),
            ("e2", NOW - timedelta(days=3)),
            ("e3", NOW - timedelta(days=10)),
        ):
            s.add(
                FeedEntry(
                    feed_id=busy.id, entry_key=key, rule="new", seen_at=seen, article_id=original.id
                )
            )
        event = Event(
            starts_on=date(2030, 5, 1),
            ends_on=date(2030, 5, 2),
            location="Kyiv",
            what="forum",
            status="postponed",
            postponed=True,
            previous_starts_on=date(2030, 4, 1),
            previous_ends_on=date(2030, 4, 2),
            confidence=0.8,
        )
        s.add(event)
        s.flush()
        s.add(
            FollowUpRow(
                article_id=original.id,
                event_id=event.id,
                starts_on=date(2030, 5, 1),
                ends_on=date(2030, 5, 2),
                location="Kyiv",
                what="forum",
                sentence="The forum moves to May.",
                confidence=0.8,
                change="postponed",
            )
        )
        assert copy.id and failed.id and event.id
        return {
            "busy": busy.id,
            "broken": broken.id,
            "gone": gone.id,
            "original": original.id,
            "copy": copy.id,
            "failed": failed.id,
            "event": event.id,
        }


# Contract version 1 as published: later versions may only add views and append columns.
PUBLISHED_V1 = {
    "articles": "id url canonical_url title text description author published_at language tags "
    "image feed_id status fail_reason duplicate_of duplicate_rule similarity story_id "
    "translation_of discovered_at stored_at extractor extractor_version",
    "feeds": "id url title language site_url enabled interval_seconds last_polled_at "
    "last_success_at last_status last_error last_error_at consecutive_failures disabled_reason "
    "entries_seen next_poll_at",
    "follow_ups": "id article_id event_id starts_on ends_on location what sentence confidence "
    "change",
    "events": "id starts_on ends_on location what status previous_starts_on covered_by confidence "
    "created_at updated_at",
    "feed_health": "feed_id url title enabled disabled_reason interval_seconds last_polled_at "
    "last_success_at last_status last_error last_error_at consecutive_failures entries_24h "
    "entries_7d next_poll_at overdue",
}


def test_the_contract_only_grows() -> None:
    v1 = {view.name: view.columns for view in contract.VIEWS_V1}
    assert v1 == {name: tuple(cols.split()) for name, cols in PUBLISHED_V1.items()}
    current = {view.name: view.columns for view in contract.CURRENT}
    for name, columns in v1.items():
        assert current[name][: len(columns)] == columns, name


def test_every_view_has_exactly_its_documented_columns(migrated_url: str) -> None:
    with get_engine(migrated_url).connect() as conn:
        for view in contract.CURRENT:
            result = conn.execute(text(f"SELECT * FROM {view.name}"))
            assert tuple(result.keys()) == view.columns, view.name


def test_articles_view_shows_every_state_and_hides_working_columns(migrated_url: str) -> None:
    ids = _seed(migrated_url)
    rows = {r["id"]: r for r in _rows(migrated_url, "SELECT * FROM articles")}
    assert set(rows) == {ids["original"], ids["copy"], ids["failed"]}
    assert rows[ids["original"]]["status"] == "stored"
    assert rows[ids["original"]]["story_id"] == ids["original"]
    assert rows[ids["original"]]["tags"] == '["energy"]'
    assert rows[ids["copy"]]["duplicate_of"] == ids["original"]
    assert rows[ids["copy"]]["duplicate_rule"] == "near"
    assert rows[ids["copy"]]["similarity"] == pytest.approx(0.93)
    assert rows[ids["failed"]]["fail_reason"] == "http_404: not found"
    for hidden in ("raw_html", "signature", "lease_until", "url_key", "attempts"):
        assert hidden not in rows[ids["original"]]


def test_feeds_and_feed_health_views(migrated_url: str) -> None:
    ids = _seed(migrated_url)
    feeds = {r["id"]: r for r in _rows(migrated_url, "SELECT * FROM feeds")}
    assert set(feeds) == {ids["busy"], ids["broken"], ids["gone"]}
    assert feeds[ids["broken"]]["last_error"] == "http_503: unavailable"
    assert not feeds[ids["gone"]]["enabled"]

    health = {r["feed_id"]: r for r in _rows(migrated_url, "SELECT * FROM feed_health")}
    busy, broken, gone = health[ids["busy"]], health[ids["broken"]], health[ids["gone"]]
    assert (busy["entries_24h"], busy["entries_7d"]) == (1, 2)
    assert (broken["entries_24h"], broken["entries_7d"]) == (0, 0)
    assert broken["consecutive_failures"] == 3.0
    assert broken["last_status"] == 503
    # Overdue: enabled and waiting longer than twice its interval; a disabled feed never is.
    assert (bool(busy["overdue"]), bool(broken["overdue"]), bool(gone["overdue"])) == (
        False, True, False)  # fmt: skip
    assert gone["disabled_reason"] == "gone (HTTP 410)"


def test_events_and_follow_ups_views(migrated_url: str) -> None:
    ids = _seed(migrated_url)
    [event] = _rows(migrated_url, "SELECT * FROM events")
    assert event["id"] == ids["event"]
    assert event["status"] == "postponed"
    assert str(event["previous_starts_on"]) == "2030-04-01"
    assert "terms" not in event
    [follow_up] = _rows(migrated_url, "SELECT * FROM follow_ups")
    assert follow_up["article_id"] == ids["original"]
    assert follow_up["event_id"] == ids["event"]
    assert follow_up["change"] == "postponed"
    assert str(follow_up["starts_on"]) == "2030-05-01"


def _as(url: str, role: str, password: str | None = None) -> psycopg.Connection[Any]:
    target = make_url(url)
    return psycopg.connect(
        host=target.host,
        port=target.port,
        dbname=target.database,
        user=role,
        password=password,
        autocommit=True,
    )


@pytest.mark.integration
def test_reader_role_reads_views_and_nothing_else(pg_url: str) -> None:
    _seed(pg_url)
    with _as(pg_url, contract.DEFAULT_READER_ROLE) as reader:
        assert reader.execute("SHOW default_transaction_read_only").fetchone() == ("on",)
        assert reader.execute("SHOW statement_timeout").fetchone() == ("30s",)
        for view in contract.CURRENT:
            reader.execute(f"SELECT * FROM {view.name}").fetchall()
        assert reader.execute("SELECT count(*) FROM articles").fetchone() == (3,)

        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("SELECT * FROM article")
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("SELECT * FROM alembic_version")
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("INSERT INTO feeds (url) VALUES ('https://x.example/rss')")
        with pytest.raises(errors.ReadOnlySqlTransaction):
            reader.execute("CREATE TABLE intruder (id int)")

        # Read-only is the session default, which the reader could switch off; privileges hold.
        reader.execute("SET default_transaction_read_only = off")
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("INSERT INTO feeds (url) VALUES ('https://x.example/rss')")
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("INSERT INTO feed (url) VALUES ('https://x.example/rss')")
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("UPDATE articles SET title = 'x'")
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("CREATE TABLE intruder (id int)")
    assert _rows(pg_url, "SELECT count(*) AS n FROM feed") == [{"n": 3}]


@pytest.mark.integration
def test_downgrade_revokes_but_keeps_the_shared_role(pg_url: str) -> None:
    migrate.downgrade(pg_url, "0001")  # below the views revision
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        assert admin.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (contract.DEFAULT_READER_ROLE,)
        ).fetchone() == (1,)
    with _as(pg_url, contract.DEFAULT_READER_ROLE) as reader:
        with pytest.raises(errors.InsufficientPrivilege):
            reader.execute("SELECT * FROM article")
        assert reader.execute(
            "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = current_user"
        ).fetchone() == (0,)


@pytest.mark.integration
def test_configured_role_with_password_is_created_once_for_many_databases() -> None:
    role = f"vistka_reader_t{uuid.uuid4().hex[:8]}"
    password = "it's 100%:secret"  # quotes, percent and colon must all survive quoting
    try:
        with postgres_database() as first, postgres_database() as second:
            for url in (first, second):
                cfg = migrate.alembic_config(url)
                cfg.attributes.update(reader_role=role, reader_password=password)
                command.upgrade(cfg, "head")
            with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
                stored = admin.execute(
                    "SELECT rolcanlogin, rolpassword IS NOT NULL FROM pg_authid WHERE rolname = %s",
                    (role,),
                ).fetchone()
                assert stored == (True, True)
            for url in (first, second):
                with _as(url, role, password) as reader:
                    reader.execute("SELECT * FROM feed_health").fetchall()
                    with pytest.raises(errors.InsufficientPrivilege):
                        reader.execute("SELECT * FROM feed_entry")
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


def test_reader_role_name_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VISTKA_READER_ROLE", raising=False)
    assert contract.reader_role() == "vistka_reader"
    assert contract.reader_role({"reader_role": "analytics"}) == "analytics"
    monkeypatch.setenv("VISTKA_READER_ROLE", "")
    assert contract.reader_role() is None
    with pytest.raises(ValueError):
        contract.reader_role({"reader_role": 'x"; DROP TABLE article; --'})


def test_schema_doc_documents_every_view_column() -> None:
    doc = (PROJECT_ROOT / "docs" / "schema.md").read_text("utf-8")
    sections = re.split(r"^### ", doc, flags=re.MULTILINE)
    for view in contract.CURRENT:
        [section] = [s for s in sections if s.startswith(f"`{view.name}`")]
        documented = set(re.findall(r"^\| `([a-z_0-9]+)` \|", section, flags=re.MULTILINE))
        assert documented == set(view.columns), view.name


def test_describe_lists_every_view() -> None:
    listing = contract.describe()
    for view in contract.CURRENT:
        assert f"{view.name}:" in listing
        assert ", ".join(view.columns) in listing
