"""Schema migrations on SQLite and on a real PostgreSQL server: a fresh database is built by
the revisions alone and then matches the models exactly; a database that predates migrations
is stamped at the baseline; a second upgrade does nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import create_engine, inspect

from desk.migrations import DATABASES, current_revision, head, pending_changes, upgrade
from tests.postgres import postgres_bin, running_postgres


def tables(url: str) -> set[str]:
    engine = create_engine(url, future=True)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    with running_postgres() as url:
        yield url


@pytest.mark.parametrize("name", sorted(DATABASES))
def test_fresh_sqlite_database_is_built_by_the_revisions_alone(name: str, tmp_path: Path) -> None:
    database, url = DATABASES[name], f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(database, url)
    assert current_revision(database, url) == head(database)
    assert set(database.metadata().tables) <= tables(url)
    assert pending_changes(database, url) == []
    assert upgrade(database, url) == [f"{name}: at {head(database)}, nothing to do"]


def test_both_databases_share_one_postgres_database(pg_url: str) -> None:
    for database in DATABASES.values():
        upgrade(database, pg_url)
    for database in DATABASES.values():
        assert current_revision(database, pg_url) == head(database)
        assert pending_changes(database, pg_url) == []


def test_a_database_made_before_migrations_is_stamped_then_upgraded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    database = DATABASES["policies"]
    engine = create_engine(url, future=True)
    database.metadata().create_all(engine)  # what the servers did on first use before
    engine.dispose()
    report = upgrade(database, url)
    assert report[0].startswith("policies: existing tables stamped at the baseline")
    assert current_revision(database, url) == head(database)
    assert pending_changes(database, url) == []
