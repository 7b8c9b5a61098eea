"""notification English text: the API answers in the reader's language

Revision ID: 9d4e6f1a2b53
Revises: 5d1e9a7c3b20
Create Date: 2026-12-07 06:20:00

Rows written before have no English text and stay readable: they are shown in Chinese.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d4e6f1a2b53"
down_revision: str | Sequence[str] | None = "5d1e9a7c3b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add notifications.title_en and body_en (nullable: old rows read in Chinese)."""
    op.add_column("notifications", sa.Column("title_en", sa.String(200), nullable=True))
    op.add_column("notifications", sa.Column("body_en", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop the English text."""
    op.drop_column("notifications", "body_en")
    op.drop_column("notifications", "title_en")
