"""host page counts kept beside the host's line counts

Boilerplate learning reads how many pages a host has had counted with every article of that
host. It now reads it from a ``host_line`` row under the key ``#pages`` (kept up to date by the
same statement that counts the page's lines) instead of counting ``host_page`` rows; this
revision writes that row for the hosts counted so far. Internal tables only: the reader views
do not change.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 02:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO host_line (host, fingerprint, pages) "
        "SELECT host, '#pages', count(*) FROM host_page GROUP BY host "
        "ON CONFLICT (host, fingerprint) DO UPDATE SET pages = excluded.pages"
    )


def downgrade() -> None:
    op.execute("DELETE FROM host_line WHERE fingerprint = '#pages'")
