"""The reader contract: the views other systems query and the read-only role allowed to query them.

Tables are the service's working state and change whenever the pipeline needs them to. Views are
the stable promise to readers (docs/schema.md). Each version of the view definitions is frozen
here (``VIEWS_V1``, later ``VIEWS_V2``...), so a migration creates exactly the views of its own
revision however much the contract grows afterwards; ``CURRENT`` is the version at head.

SQLite checks views when a table is renamed, so a later migration that rebuilds a table a view
reads (``batch_alter_table``) must call :func:`drop_views` before and :func:`create_views` after.
The role and its grants exist on PostgreSQL only: an embedded SQLite file has no users.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Connection

DEFAULT_READER_ROLE = "vistka_reader"
READER_STATEMENT_TIMEOUT = "30s"
READER_CONNECTION_LIMIT = 20

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class View:
    """One reader view: its name, its columns in order, and its SELECT (portable SQL)."""

    name: str
    columns: tuple[str, ...]
    select: str

    def sql(self, dialect: str) -> str:
        """The SELECT with time cut-offs spelled the way ``dialect`` compares timestamps."""
        body = self.select
        for hours in (24, 168):
            body = body.replace(f"{{since_{hours}h}}", _since(dialect, f"{hours} hours"))
        return body.replace("{overdue_after}", _overdue_after(dialect))


def _since(dialect: str, span: str) -> str:
    # SQLite keeps timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, which compares correctly
    # as a string with datetime()'s 'YYYY-MM-DD HH:MM:SS'.
    if dialect == "sqlite":
        return f"datetime('now', '-{span}')"
    return f"(CURRENT_TIMESTAMP - INTERVAL '{span}')"


def _overdue_after(dialect: str) -> str:
    if dialect == "sqlite":
        return "datetime('now', '-' || (2 * f.interval_seconds) || ' seconds')"
    return "(CURRENT_TIMESTAMP - 2 * f.interval_seconds * INTERVAL '1 second')"


def _select(columns: tuple[str, ...], source: str, alias: str) -> str:
    return "SELECT " + ", ".join(f"{alias}.{c}" for c in columns) + f" FROM {source} {alias}"


_ARTICLE_COLUMNS = (
    "id", "url", "canonical_url", "title", "text", "description", "author", "published_at",
    "language", "tags", "image", "feed_id", "status", "fail_reason", "duplicate_of",
    "duplicate_rule", "similarity", "story_id", "translation_of", "discovered_at", "stored_at",
    "extractor", "extractor_version",
)  # fmt: skip
_FEED_COLUMNS = (
    "id", "url", "title", "language", "site_url", "enabled", "interval_seconds",
    "last_polled_at", "last_success_at", "last_status", "last_error", "last_error_at",
    "consecutive_failures", "disabled_reason", "entries_seen", "next_poll_at",
)  # fmt: skip
_FOLLOW_UP_COLUMNS = (
    "id", "article_id", "event_id", "starts_on", "ends_on", "location", "what", "sentence",
    "confidence", "change",
)  # fmt: skip
_EVENT_COLUMNS = (
    "id", "starts_on", "ends_on", "location", "what", "status", "previous_starts_on",
    "covered_by", "confidence", "created_at", "updated_at",
)  # fmt: skip
_FEED_HEALTH_COLUMNS = (
    "feed_id", "url", "title", "enabled", "disabled_reason", "interval_seconds",
    "last_polled_at", "last_success_at", "last_status", "last_error", "last_error_at",
    "consecutive_failures", "entries_24h", "entries_7d", "next_poll_at", "overdue",
)  # fmt: skip

_FEED_HEALTH_SELECT = """SELECT f.id AS feed_id, f.url, f.title, f.enabled, f.disabled_reason,
 f.interval_seconds, f.last_polled_at, f.last_success_at, f.last_status, f.last_error,
 f.last_error_at, f.consecutive_failures,
 (SELECT COUNT(*) FROM feed_entry e WHERE e.feed_id = f.id AND e.seen_at >= {since_24h})
   AS entries_24h,
 (SELECT COUNT(*) FROM feed_entry e WHERE e.feed_id = f.id AND e.seen_at >= {since_168h})
   AS entries_7d,
 f.next_poll_at,
 CASE WHEN f.enabled AND f.next_poll_at < {overdue_after} THEN TRUE ELSE FALSE END AS overdue
FROM feed f"""

# A published version is never edited (migration 0002 creates exactly this): a change copies it
# into VIEWS_V2 with new column tuples, adds only, and gets a migration of its own.
VIEWS_V1: tuple[View, ...] = (
    View("articles", _ARTICLE_COLUMNS, _select(_ARTICLE_COLUMNS, "article", "a")),
    View("feeds", _FEED_COLUMNS, _select(_FEED_COLUMNS, "feed", "f")),
    View("follow_ups", _FOLLOW_UP_COLUMNS, _select(_FOLLOW_UP_COLUMNS, "follow_up", "u")),
    View("events", _EVENT_COLUMNS, _select(_EVENT_COLUMNS, "event", "e")),
    View("feed_health", _FEED_HEALTH_COLUMNS, _FEED_HEALTH_SELECT),
)

CURRENT: tuple[View, ...] = VIEWS_V1


def create_views(conn: Connection, views: Iterable[View]) -> None:
    dialect = conn.dialect.name
    for view in views:
        conn.execute(text(f"CREATE VIEW {view.name} AS {view.sql(dialect)}"))


def drop_views(conn: Connection, views: Iterable[View]) -> None:
    for view in reversed(tuple(views)):
        conn.execute(text(f"DROP VIEW IF EXISTS {view.name}"))


def reader_role(attributes: Mapping[str, object] | None = None) -> str | None:
    """The reader role's name: the Alembic config attribute, else ``VISTKA_READER_ROLE``.

    An empty name means "no reader role" (for deployments whose DBA manages roles).
    """
    name = (attributes or {}).get("reader_role")
    if name is None:
        name = os.environ.get("VISTKA_READER_ROLE", DEFAULT_READER_ROLE)
    name = str(name).strip()
    if not name:
        return None
    if not _ROLE_NAME.match(name):
        raise ValueError(f"reader role {name!r}: use lower-case letters, digits and underscores")
    return name


def reader_password(attributes: Mapping[str, object] | None = None) -> str | None:
    value = (attributes or {}).get("reader_password")
    if value is None:
        value = os.environ.get("VISTKA_READER_PASSWORD")
    return str(value) if value else None


def _run(conn: Connection, template: str, *args: str) -> None:
    """Run a statement the server builds with format() (%I identifiers, %L literals).

    Quoting is exact for any name or password, and the finished statement goes to the driver
    untouched, so neither bind-parameter nor percent syntax inside a password is interpreted.
    """
    params = {f"a{i}": a for i, a in enumerate(args)}
    placeholders = "".join(f", CAST(:a{i} AS text)" for i in range(len(args)))
    built = conn.execute(text(f"SELECT format(:t{placeholders})"), {"t": template, **params})
    statement = str(built.scalar_one())
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def role_exists(conn: Connection, role: str) -> bool:
    found = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first()
    return found is not None


def ensure_reader_role(conn: Connection, role: str, password: str | None) -> None:
    """Create the role unless it exists (it is cluster-wide: many databases share it).

    LOGIN always: with a password it authenticates by password; without one it can log in only
    where pg_hba trusts the connection (development), and is refused everywhere else.
    """
    # Two databases migrating at once may race to create it: the loser's error is harmless.
    _run(
        conn,
        "DO $body$ BEGIN "
        "IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %L) THEN "
        "CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT "
        f"CONNECTION LIMIT {READER_CONNECTION_LIMIT}; "
        "END IF; "
        "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; "
        "END $body$",
        role,
        role,
    )
    if password is not None:
        _run(conn, "ALTER ROLE %I LOGIN PASSWORD %L", role, password)
    wanted = {
        "default_transaction_read_only": "on",
        "statement_timeout": READER_STATEMENT_TIMEOUT,
    }
    current = _role_settings(conn, role)
    for name, value in wanted.items():
        if current.get(name) != value:  # ALTER only when needed: concurrent ALTERs can collide
            _run(conn, f"ALTER ROLE %I SET {name} = %L", role, value)


def _role_settings(conn: Connection, role: str) -> dict[str, str]:
    rows = conn.execute(
        text(
            "SELECT unnest(s.setconfig) FROM pg_db_role_setting s "
            "JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = :r AND s.setdatabase = 0"
        ),
        {"r": role},
    ).scalars()
    return dict(str(item).split("=", 1) for item in rows)


def grant_reader(conn: Connection, role: str, views: Iterable[View]) -> None:
    """SELECT on the views only; the raw tables stay invisible to the role."""
    _run(conn, "GRANT CONNECT ON DATABASE %I TO %I", _database(conn), role)
    _run(conn, "GRANT USAGE ON SCHEMA %I TO %I", _schema(conn), role)
    for view in views:
        _run(conn, "GRANT SELECT ON %I TO %I", view.name, role)


def revoke_reader(conn: Connection, role: str, views: Iterable[View]) -> None:
    """Undo :func:`grant_reader` in this database; the role stays for other databases."""
    if not role_exists(conn, role):
        return
    for view in views:
        _run(conn, "REVOKE ALL ON %I FROM %I", view.name, role)
    _run(conn, "REVOKE USAGE ON SCHEMA %I FROM %I", _schema(conn), role)
    _run(conn, "REVOKE CONNECT ON DATABASE %I FROM %I", _database(conn), role)


def _database(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_database()")).scalar_one())


def _schema(conn: Connection) -> str:
    return str(conn.execute(text("SELECT current_schema()")).scalar_one())


def describe(views: Iterable[View] = CURRENT) -> str:
    """The views and their columns, plainly (what ``vistka schema`` prints without the docs)."""
    lines = ["Reader views (full documentation: docs/schema.md)", ""]
    for view in views:
        lines.append(f"{view.name}:")
        lines.append("  " + ", ".join(view.columns))
    return "\n".join(lines) + "\n"
