"""user token version

Revision ID: 5e1c0a7d2b90
Revises: 5a7c3e9d1b20
Create Date: 2026-12-07 02:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '5e1c0a7d2b90'
down_revision: Union[str, Sequence[str], None] = '5a7c3e9d1b20'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        'users', sa.Column('token_version', sa.Integer(), nullable=False, server_default='0')
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column('users', 'token_version')
