"""webhook previous secret: the old secret keeps signing for an overlap after a rotation

Revision ID: 8c3f5e2d0b41
Revises: 7b2e4d1c9a30
Create Date: 2026-12-07 04:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c3f5e2d0b41"
down_revision: str | Sequence[str] | None = "7b2e4d1c9a30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add webhook_subscriptions.previous_secret and previous_secret_until."""
    op.add_column(
        "webhook_subscriptions", sa.Column("previous_secret", sa.String(200), nullable=True)
    )
    op.add_column(
        "webhook_subscriptions",
        sa.Column("previous_secret_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    """Drop the previous secret columns."""
    op.drop_column("webhook_subscriptions", "previous_secret_until")
    op.drop_column("webhook_subscriptions", "previous_secret")
