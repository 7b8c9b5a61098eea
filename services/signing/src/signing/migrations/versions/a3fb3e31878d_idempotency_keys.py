"""idempotency keys: the first answer to a request made with an Idempotency-Key

Revision ID: a3fb3e31878d
Revises: 3f8a1c6e2d57
Create Date: 2026-12-07 02:45:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a3fb3e31878d"
down_revision: str | Sequence[str] | None = "3f8a1c6e2d57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table servicekit.idempotency keeps its keys and answers in."""
    op.create_table(
        "idempotency_keys",
        sa.Column("principal", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("route", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("request_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("principal", "key"),
    )


def downgrade() -> None:
    """Drop the idempotency keys."""
    op.drop_table("idempotency_keys")
