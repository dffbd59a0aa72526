"""reader views and the read-only reader role

Other systems read vistka's database; the views created here (articles, feeds, follow_ups,
events, feed_health) are what they may rely on (docs/schema.md), so the tables behind them stay
free to change. On PostgreSQL a read-only role gets SELECT on these views and nothing else.

The role's name comes from the Alembic config attribute ``reader_role``, else the environment
variable ``VISTKA_READER_ROLE`` (default ``vistka_reader``; empty: no role); its password from
``reader_password`` / ``VISTKA_READER_PASSWORD``. The role is cluster-wide and may serve other
databases, so the downgrade revokes its grants here but never drops it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:00:00
"""

from __future__ import annotations

from alembic import op

from storage import contract

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

VIEWS = contract.VIEWS_V1


def upgrade() -> None:
    bind = op.get_bind()
    contract.create_views(bind, VIEWS)
    if bind.dialect.name != "postgresql":
        return
    attributes = op.get_context().config.attributes  # type: ignore[union-attr]
    role = contract.reader_role(attributes)
    if role is None:
        return
    contract.ensure_reader_role(bind, role, contract.reader_password(attributes))
    contract.grant_reader(bind, role, VIEWS)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        role = contract.reader_role(op.get_context().config.attributes)  # type: ignore[union-attr]
        if role is not None:
            contract.revoke_reader(bind, role, VIEWS)
    contract.drop_views(bind, VIEWS)
