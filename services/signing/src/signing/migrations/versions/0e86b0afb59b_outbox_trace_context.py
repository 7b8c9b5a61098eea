"""outbox trace context: the W3C traceparent of the request that wrote an event

Revision ID: 0e86b0afb59b
Revises: 9590c7afe0e7
Create Date: 2026-12-07 05:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0e86b0afb59b"
down_revision: str | Sequence[str] | None = "9590c7afe0e7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add outbox.trace_context (published as the message's traceparent header)."""
    op.add_column("outbox", sa.Column("trace_context", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop outbox.trace_context."""
    op.drop_column("outbox", "trace_context")
