"""outbox trace context: the W3C traceparent of the request that wrote an event

Revision ID: 77cdbb437d21
Revises: 838066876ea9
Create Date: 2026-12-07 05:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "77cdbb437d21"
down_revision: str | Sequence[str] | None = "838066876ea9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add outbox.trace_context (published as the message's traceparent header)."""
    op.add_column("outbox", sa.Column("trace_context", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop outbox.trace_context."""
    op.drop_column("outbox", "trace_context")
