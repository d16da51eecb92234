"""The policy database and the tracker store on a real PostgreSQL server (production setup)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine

from desk.channels.stores import WINDOW_EVENTS, EnvSQLTrackerStore
from desk.policies.db import session_factory
from desk.policies.importer import import_paths
from desk.policies.repository import PolicyRepository
from desk.policies.schema import ImportError_
from tests.conftest import POLICIES, ROOT
from tests.postgres import postgres_bin, running_postgres

pytestmark = pytest.mark.skipif(
    postgres_bin() is None, reason="PostgreSQL is not installed (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def pg_url() -> str:
    with running_postgres() as url:
        yield url


def test_policy_database_on_postgres(pg_url: str, tmp_path: Path) -> None:
    sessions = session_factory(pg_url)
    with sessions() as session:
        report = import_paths(session, [str(POLICIES)], author="ci")
    assert len(report.added) + len(report.unchanged) >= 12
    repository = PolicyRepository(sessions, max_age=0)
    assert repository.get("talent_visa").sources
    broken = tmp_path / "broken.yml"
    broken.write_text("topics: [{id: port_visa, title: {zh: x}}]", encoding="utf-8")
    with sessions() as session, pytest.raises(ImportError_):
        import_paths(session, [str(broken)])
    assert repository.get("port_visa").title["zh"] != "x"


def test_per_fact_sources_and_migration_on_postgres(tmp_path: Path) -> None:
    """A PostgreSQL policy database at revision 0001 (DATE sources.date with data in it, no
    per-fact columns) is migrated to the head; per-fact citations then round-trip."""
    from alembic import command
    from sqlalchemy import text

    from desk.migrations import DATABASES, current_revision, head, pending_changes, upgrade
    from desk.policies.importer import all_records

    with running_postgres() as url:
        database = DATABASES["policies"]
        command.upgrade(database.config(url), "0001")
        engine = create_engine(url, future=True)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO topics (id, title_zh, title_en, status, summary_zh, summary_en, version, updated_at) "
                                    "VALUES ('old', 'a', 'b', 'in_force', 'a', 'b', 1, now())"))
            connection.execute(text("INSERT INTO sources (topic_id, position, ref, title, date) VALUES ('old', 0, 'r', 't', '2023-05-09')"))
        engine.dispose()
        upgrade(database, url)
        assert current_revision(database, url) == head(database) and pending_changes(database, url) == []
        sessions = session_factory(url)
        with sessions() as session:
            import_paths(session, [str(POLICIES)], author="ci")
        with sessions() as session:
            records = {r.id: r for r in all_records(session)}
        assert records["old"].sources[0].date == "2023-05-09"
        assert records["work_permit"].steps[3].sources == ["wp_card", "kpmg", "cas_qa", "h12333"]
        assert next(s for s in records["work_permit"].sources if s.id == "kpmg").date == "2024-12"
        with sessions() as session:
            assert import_paths(session, [str(POLICIES)], author="ci").changed == []


def test_tracker_store_on_postgres(pg_url: str) -> None:
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=pg_url)
    tracker = DialogueStateTracker.from_events(
        "pg-user",
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered("口岸签证要多久", {"name": "ask_port_visa", "confidence": 0.9}),
            SlotSet("topic", "port_visa"),
        ],
        slots=domain.slots,
    )
    asyncio.run(store.save(tracker))
    tracker.update(SlotSet("aspect", "duration"))
    asyncio.run(store.save(tracker))
    restored = asyncio.run(store.retrieve("pg-user"))
    assert restored is not None
    assert restored.get_slot("topic") == "port_visa" and restored.get_slot("aspect") == "duration"
    full = asyncio.run(store.retrieve_full_tracker("pg-user"))
    assert [e.as_dict()["event"] for e in full.events] == [e.as_dict()["event"] for e in tracker.events]


def test_windowed_tracker_on_postgres(pg_url: str) -> None:
    """The window query (LIMIT, GROUP BY, coalesce) on PostgreSQL, as on SQLite."""
    from tests.test_tracker_store import one_turn

    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=pg_url)
    for turn in range(40):
        one_turn(store, "pg-long", turn)
    windowed = asyncio.run(store.get_or_create_tracker("pg-long"))
    assert len(windowed.events) == WINDOW_EVENTS
    assert windowed.get_slot("language_preference") == "en" and windowed.get_slot("topic") == "talent_visa"
    assert windowed.get_slot("aspect") == "aspect-39"
    full = asyncio.run(store.retrieve_full_tracker("pg-long"))
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == [f"question {t}" for t in range(40)]
