"""envelope cross-page seal: the firm's signature also seals across every page (骑缝章)

Existing envelopes keep the normal seal only (false).

Revision ID: 3f8a1c6e2d57
Revises: 31d6d03ffe76
Create Date: 2026-12-07 02:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3f8a1c6e2d57'
down_revision: Union[str, Sequence[str], None] = '31d6d03ffe76'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('cross_page_seal', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.drop_column('cross_page_seal')
