"""partner bus outbox: masked events not yet published to the partner exchange

Revision ID: 5d1e9a7c3b20
Revises: 6b7c9825ec6d
Create Date: 2026-12-07 05:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d1e9a7c3b20"
down_revision: str | Sequence[str] | None = "6b7c9825ec6d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create partner_bus_outbox."""
    op.create_table(
        "partner_bus_outbox",
        sa.Column("event_id", sa.String(length=64), primary_key=True),
        sa.Column("event_type", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_partner_bus_created", "partner_bus_outbox", ["created_at"])


def downgrade() -> None:
    """Drop partner_bus_outbox."""
    op.drop_index("ix_partner_bus_created", table_name="partner_bus_outbox")
    op.drop_table("partner_bus_outbox")
