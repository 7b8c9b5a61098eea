"""webhook failing since: a subscription whose delivery ran out of retries

Revision ID: 7b2e4d1c9a30
Revises: 399a49a0895a
Create Date: 2026-12-07 03:55:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b2e4d1c9a30"
down_revision: str | Sequence[str] | None = "399a49a0895a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add webhook_subscriptions.failing_since."""
    op.add_column(
        "webhook_subscriptions",
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Drop webhook_subscriptions.failing_since."""
    op.drop_column("webhook_subscriptions", "failing_since")
