"""envelope page geometry: each page's MediaBox and /Rotate, kept when the QR is stamped

NULL for envelopes prepared earlier: the API computes theirs from the stored PDF.

Revision ID: eb1cc8ab01c0
Revises: bc336abae95e
Create Date: 2026-11-29 02:35:00.599974

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = 'eb1cc8ab01c0'
down_revision: Union[str, Sequence[str], None] = 'bc336abae95e'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pages', sa.JSON(), nullable=True))


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('envelopes', schema=None) as batch_op:
        batch_op.drop_column('pages')
