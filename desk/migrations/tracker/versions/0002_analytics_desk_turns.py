"""analytics: one row per question (desk_turns), written by the tracker store

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the tracker store creates the table on first use, so a database may already have it
    if sa.inspect(op.get_bind()).has_table('desk_turns'):
        return
    op.create_table('desk_turns',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('sender_id', sa.String(length=255), nullable=False),
    sa.Column('ts', sa.Float(), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('lang', sa.String(length=8), nullable=True),
    sa.Column('intent', sa.String(length=100), nullable=True),
    sa.Column('topic', sa.String(length=48), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('answer_ms', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk_turns', schema=None) as batch_op:
        batch_op.create_index('ix_desk_turns_rollup', ['day', 'topic', 'lang', 'channel', 'outcome', 'answer_ms'], unique=False)
        batch_op.create_index('ix_desk_turns_outcome', ['outcome', 'day'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('desk_turns', schema=None) as batch_op:
        batch_op.drop_index('ix_desk_turns_outcome')
        batch_op.drop_index('ix_desk_turns_rollup')
    op.drop_table('desk_turns')
