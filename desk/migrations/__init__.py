"""Schema migrations (Alembic) of the desk's two databases, run by `desk db upgrade` (`make db`,
and the `migrate` job of a deployment): the policy database (DESK_DB_URL) and the tracker
store (DESK_TRACKER_URL). Each keeps its own version table, so both can live in one
PostgreSQL database.

A database made before migrations existed (its tables created on first use) is stamped at the
baseline revision, whose schema it has, and then upgraded like any other."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from sqlalchemy import Index, MetaData, create_engine, inspect
from sqlalchemy.engine import Engine, make_url

HERE = Path(__file__).resolve().parent
BASELINE = "0001"


def policy_metadata() -> MetaData:
    from desk.policies.models import Base

    return Base.metadata


def tracker_metadata() -> MetaData:
    """Rasa's events table (as Rasa's SQL tracker store defines it), the index the desk's
    store reads a conversation's window by (desk.channels.stores), and the desk's own tables."""
    from rasa.core.tracker_store import SQLTrackerStore

    metadata = MetaData()
    events = SQLTrackerStore.SQLEvent.__table__.to_metadata(metadata)
    Index("ix_events_sender_type", events.c.sender_id, events.c.type_name)
    return metadata


@dataclass(frozen=True)
class Database:
    name: str                      # folder of its revisions and suffix of its version table
    metadata: Callable[[], MetaData]

    @property
    def version_table(self) -> str:
        return f"alembic_version_{self.name}"

    def include_object(self, obj: object, name: str, type_: str, reflected: bool, compare_to: object) -> bool:
        """Compare only this database's own tables: the other database may share the schema."""
        return not (type_ == "table" and reflected and compare_to is None)

    def config(self, url: str) -> Config:
        config = Config()
        config.set_main_option("script_location", str(HERE / self.name))
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
        config.attributes["database"] = self
        return config


DATABASES: Dict[str, Database] = {
    "policies": Database("policies", policy_metadata),
    "tracker": Database("tracker", tracker_metadata),
}


def engine_for(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url, future=True)


def current_revision(database: Database, url: str) -> str | None:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"version_table": database.version_table})
            return context.get_current_revision()
    finally:
        engine.dispose()


def upgrade(database: Database, url: str) -> List[str]:
    """Bring one database to the newest revision; returns what was done, for the log."""
    done: List[str] = []
    config = database.config(url)
    if current_revision(database, url) is None and _has_tables(url, database):
        command.stamp(config, BASELINE)
        done.append(f"{database.name}: existing tables stamped at the baseline {BASELINE}")
    before = current_revision(database, url)
    command.upgrade(config, "head")
    after = current_revision(database, url)
    done.append(f"{database.name}: {before or 'empty'} -> {after}" if before != after else
                f"{database.name}: at {after}, nothing to do")
    return done


def head(database: Database) -> str:
    return ScriptDirectory.from_config(database.config("sqlite://")).get_current_head() or ""


def _has_tables(url: str, database: Database) -> bool:
    engine = engine_for(url)
    try:
        existing = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    return bool(existing & set(database.metadata().tables))


def pending_changes(database: Database, url: str) -> list:
    """What the models have that the migrated database lacks (autogenerate's comparison):
    empty when the revisions describe the models completely."""
    from alembic.autogenerate import compare_metadata

    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"version_table": database.version_table, "compare_type": True,
                                  "include_object": database.include_object}
            )
            return compare_metadata(context, database.metadata())
    finally:
        engine.dispose()


__all__ = ["DATABASES", "EnvironmentContext", "head", "pending_changes", "upgrade"]
