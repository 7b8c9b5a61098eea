"""letter page counts

Revision ID: 43e1a14010a3
Revises: 201819946774
Create Date: 2026-11-29 02:33:16.710966

"""
import io
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel  # noqa: F401


# revision identifiers, used by Alembic.
revision: str = '43e1a14010a3'
down_revision: Union[str, Sequence[str], None] = '201819946774'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _count_pages(content: bytes) -> int | None:
    # Inlined rather than imported from the app, so later code changes cannot alter this step.
    from pypdf import PdfReader

    try:
        return len(PdfReader(io.BytesIO(content)).pages) or None
    except Exception:  # noqa: BLE001 - an unreadable PDF simply keeps no count
        return None


def _backfill(column: str, sha_column: str) -> None:
    """Count the pages of the stored PDFs of letters approved or sealed before this revision."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(f"SELECT id, {sha_column} FROM letters WHERE {sha_column} IS NOT NULL")
    ).all()
    for letter_id, sha256 in rows:
        content = bind.execute(
            sa.text("SELECT content FROM letter_documents WHERE sha256 = :sha"), {"sha": sha256}
        ).scalar()
        count = _count_pages(content) if content is not None else None
        if count is not None:
            bind.execute(
                sa.text(f"UPDATE letters SET {column} = :n WHERE id = :id"),
                {"n": count, "id": letter_id},
            )


def upgrade() -> None:
    """Upgrade schema."""
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sealed_page_count', sa.Integer(), nullable=True))
    _backfill('page_count', 'document_sha256')
    _backfill('sealed_page_count', 'sealed_sha256')


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table('letters', schema=None) as batch_op:
        batch_op.drop_column('sealed_page_count')
        batch_op.drop_column('page_count')
