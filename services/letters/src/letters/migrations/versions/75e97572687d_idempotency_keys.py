"""idempotency keys: the first answer to a request made with an Idempotency-Key

Revision ID: 75e97572687d
Revises: 43e1a14010a3
Create Date: 2026-12-07 02:45:00

"""

from collections.abc import Sequence

from alembic import op
from servicekit.migrations import create_idempotency_keys, drop_idempotency_keys

revision: str = "75e97572687d"
down_revision: str | Sequence[str] | None = "43e1a14010a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the table servicekit.idempotency keeps its keys and answers in."""
    create_idempotency_keys(op)


def downgrade() -> None:
    """Drop the idempotency keys."""
    drop_idempotency_keys(op)
