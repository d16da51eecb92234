"""per-fact sources and freshness: meta JSON on topics/steps/materials, sources.key and
title_en, sources.date as text (partial dates such as 2015 or 2024-12)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 10:30:00

Idempotent on purpose: a database created on first use by the current models and then stamped
at the baseline already has these columns.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

NEW_COLUMNS = (
    ("topics", sa.Column("meta", sa.JSON(), nullable=True)),
    ("steps", sa.Column("meta", sa.JSON(), nullable=True)),
    ("materials", sa.Column("meta", sa.JSON(), nullable=True)),
    ("sources", sa.Column("key", sa.String(length=32), nullable=True)),
    ("sources", sa.Column("title_en", sa.Text(), nullable=True)),
)


def _columns(table: str) -> dict:
    return {c["name"]: c for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    for table, column in NEW_COLUMNS:
        if column.name not in _columns(table):
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.add_column(column)
    date = _columns("sources")["date"]
    if not isinstance(date["type"], sa.String):
        with op.batch_alter_table("sources", schema=None) as batch_op:
            batch_op.alter_column("date", existing_type=sa.Date(), type_=sa.String(length=10),
                                  existing_nullable=True, postgresql_using="date::text")


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.alter_column("date", existing_type=sa.String(length=10), type_=sa.Date(),
                              existing_nullable=True,
                              postgresql_using="CASE WHEN date ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN date::date END")
    for table, column in reversed(NEW_COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column.name)
