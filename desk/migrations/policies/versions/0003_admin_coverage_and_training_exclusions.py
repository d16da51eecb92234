"""admin: confirmed coverage of held-out questions and out-of-scope examples taken over by imports

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def _missing(name: str) -> bool:
    # the servers create tables on first use, so a database may already have them
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    if _missing('coverage_acceptances'):
        op.create_table('coverage_acceptances',
        sa.Column('question', sa.String(length=500), nullable=False),
        sa.Column('topic', sa.String(length=48), nullable=False),
        sa.Column('accepted_by', sa.String(length=100), nullable=False),
        sa.Column('accepted_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('question')
        )
    if _missing('training_exclusions'):
        op.create_table('training_exclusions',
        sa.Column('example', sa.String(length=500), nullable=False),
        sa.Column('topic', sa.String(length=48), nullable=False),
        sa.Column('excluded_by', sa.String(length=100), nullable=False),
        sa.Column('excluded_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('example')
        )


def downgrade() -> None:
    op.drop_table('training_exclusions')
    op.drop_table('coverage_acceptances')
