"""drop outbox and inbox: the gateway publishes and consumes no events

The first migration created the kit's three tables in every service, the gateway included;
the gateway only writes audit_log (and idempotency_keys). Its unit of work has no relay and it
has no consumer, so outbox and inbox stayed empty. Dropped here rather than edited out of
history, so existing databases upgrade.

Revision ID: 7b3e1f9c2a40
Revises: d4a02ec11302
Create Date: 2026-12-07 06:30:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "7b3e1f9c2a40"
down_revision: str | Sequence[str] | None = "d4a02ec11302"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Drop the outbox and the inbox."""
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")
    op.drop_table("outbox")
    op.drop_table("inbox")


def downgrade() -> None:
    """Create them again, as they were at d4a02ec11302 (empty)."""
    op.create_table(
        "inbox",
        sa.Column("event_id", AutoString(length=64), nullable=False),
        sa.Column("type", AutoString(length=128), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", AutoString(length=64), nullable=False),
        sa.Column("type", AutoString(length=128), nullable=False),
        sa.Column("subject", AutoString(length=128), nullable=False),
        sa.Column("correlation_id", AutoString(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trace_context", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at", "created_at"], unique=False)
