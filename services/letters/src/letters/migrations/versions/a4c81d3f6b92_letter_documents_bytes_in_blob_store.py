"""letter_documents: the bytes move to the blob store; the row keeps hash, size and date

New rows have ``content`` NULL: their bytes are in the service's blob store
(servicekit.blobs, ``documents/<sha256>.pdf``). Rows written earlier keep their bytes and
stay readable as they are.

Revision ID: a4c81d3f6b92
Revises: 40c3fcfccd5b
Create Date: 2026-12-07 05:30:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'a4c81d3f6b92'
down_revision: Union[str, Sequence[str], None] = '40c3fcfccd5b'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Let letter_documents.content be NULL (bytes in the blob store)."""
    with op.batch_alter_table('letter_documents', schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    """Make content required again (fails while a row's bytes live in the blob store)."""
    with op.batch_alter_table('letter_documents', schema=None) as batch_op:
        batch_op.alter_column('content', existing_type=sa.LargeBinary(), nullable=False)
