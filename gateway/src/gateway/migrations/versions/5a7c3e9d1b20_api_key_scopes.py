"""api key scopes: what each partner key may do, chosen at creation

Revision ID: 5a7c3e9d1b20
Revises: 0e333c7106f5
Create Date: 2026-12-07 03:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a7c3e9d1b20"
down_revision: str | Sequence[str] | None = "0e333c7106f5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add api_keys.scopes; keys made before keep what they could do (manage webhooks)."""
    op.add_column(
        "api_keys",
        sa.Column(
            "scopes", sa.JSON(), nullable=False, server_default=sa.text("'[\"webhooks:manage\"]'")
        ),
    )


def downgrade() -> None:
    """Drop api_keys.scopes."""
    op.drop_column("api_keys", "scopes")
