"""the feed's host, for the dispatcher's per-host cap

``feed.host`` (``ingest.urls.host_of`` of the URL) lets one claim take at most N feeds of a host
(a window function partitioned by host), so a host with hundreds of feeds cannot fill a dispatch
cycle. Existing rows are backfilled from their URL. Internal table only: the reader views do not
change.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.add_column("feed", sa.Column("host", sa.String(length=255), nullable=True))
    _backfill(op.get_bind())


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite ≥ 3.35 has it): a batch rebuild of ``feed`` on SQLite would
    # drop the table under foreign_keys=ON and cascade-delete every feed's entries.
    op.execute("ALTER TABLE feed DROP COLUMN host")


def _backfill(bind: sa.Connection) -> None:
    from ingest.urls import BadURL, host_of

    def host(url: str) -> str | None:
        try:
            return host_of(url)[:255] or None
        except BadURL:
            return None

    rows = bind.execute(sa.text("SELECT id, url FROM feed")).all()
    update = sa.text("UPDATE feed SET host = :host WHERE id = :id")
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        bind.execute(update, [{"id": r.id, "host": host(r.url)} for r in batch])
