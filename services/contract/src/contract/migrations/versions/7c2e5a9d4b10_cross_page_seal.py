"""cross-page seal: the lawyer's choice of the firm's seal across every page's right edge

Existing applications keep the normal seal only (false).

Revision ID: 7c2e5a9d4b10
Revises: d65b17773c5a
Create Date: 2026-12-07 02:20:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '7c2e5a9d4b10'
down_revision: Union[str, Sequence[str], None] = 'd65b17773c5a'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('cross_page_seal', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.drop_column('cross_page_seal')
