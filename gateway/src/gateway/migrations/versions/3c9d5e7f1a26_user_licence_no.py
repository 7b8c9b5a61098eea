"""user licence number: a lawyer's practising licence number (律师执业证号) in the profile

The letter form pre-fills the applying lawyer's licence number from here (before, only from
the lawyer's previous letter in the same browser). Nullable: not every user is a lawyer.

Revision ID: 3c9d5e7f1a26
Revises: 7b3e1f9c2a40
Create Date: 2026-12-07 06:55:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "3c9d5e7f1a26"
down_revision: str | Sequence[str] | None = "7b3e1f9c2a40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("users", sa.Column("licence_no", AutoString(length=17), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("users", "licence_no")
