"""English source references: sources.ref_en, so an English reply names a Chinese publisher or
document number in English (CONTRACT.md: an English reply is English throughout, a Chinese term
only in brackets after its English name). Empty means the reference reads the same in both.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 13:00:00

Idempotent like 0002: a database created on first use by the current models already has it.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _columns(table: str) -> dict:
    return {c["name"]: c for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    if "ref_en" not in _columns("sources"):
        with op.batch_alter_table("sources", schema=None) as batch_op:
            batch_op.add_column(sa.Column("ref_en", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("ref_en")
