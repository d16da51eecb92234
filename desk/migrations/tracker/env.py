"""Alembic environment of this database: the shared one (desk/migrations/environment.py)."""

from desk.migrations.environment import run

run()
