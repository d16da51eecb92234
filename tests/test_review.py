"""The review queue: fallbacks and low-confidence turns from the tracker store and staff
feedback marked wrong; accepting adds the question to a topic's examples with history."""

import asyncio

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from desk.admin.review import decide, queue
from desk.channels.stores import EnvSQLTrackerStore
from desk.policies import models
from desk.policies.importer import history
from desk.policies.schema import ImportError_
from tests.conftest import ROOT


def user(text: str, intent: str, confidence: float, ranking=()) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": confidence},
                       parse_data={"intent": {"name": intent, "confidence": confidence},
                                   "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking]})


@pytest.fixture
def tracker_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    monkeypatch.setenv("DESK_TRACKER_URL", url)
    domain = Domain.load(str(ROOT / "domain.yml"))
    store = EnvSQLTrackerStore(domain=domain, host=url)
    tracker = DialogueStateTracker.from_events("caller-1", [
        ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
        user("口岸签证要多久", "ask_port_visa", 0.95),
        user("my boss wants me to sort out the paperwork thing", "nlu_fallback", 0.3,
             [("nlu_fallback", 0.3), ("ask_work_permit", 0.22)]),
        user("hi", "greet", 0.2),
    ], slots=domain.slots)
    asyncio.run(store.save(tracker))
    return url


def test_queue_and_accept(loaded_sessions, tracker_url) -> None:
    with loaded_sessions() as session:
        session.add(models.Feedback(staff_name="lin", sender="call-9", question="我老婆的签证怎么办",
                                    topic="talent_visa", correct=False, right_topic="family_permits", note="spouse"))
        session.commit()
        items = {i.text: i for i in queue(session)}
    assert set(items) == {"my boss wants me to sort out the paperwork thing", "我老婆的签证怎么办"}
    fallback = items["my boss wants me to sort out the paperwork thing"]
    assert fallback.source == "fallback" and fallback.suggested_topic == "work_permit"
    assert items["我老婆的签证怎么办"].suggested_topic == "family_permits"

    with loaded_sessions() as session:
        with pytest.raises(ImportError_, match="no topic"):
            decide(session, fallback.id, "accepted", "no_such_topic", "admin")
        decide(session, fallback.id, "accepted", "work_permit", "admin")
        decide(session, items["我老婆的签证怎么办"].id, "dismissed", None, "admin")
    with loaded_sessions() as session:
        assert queue(session) == []
        topic = session.get(models.Topic, "work_permit")
        assert "my boss wants me to sort out the paperwork thing" in [e.text for e in topic.examples]
        assert history(session, "work_permit")[-1].action == "review"


def test_accepting_stops_at_the_import_limit_of_examples(loaded_sessions, tracker_url, monkeypatch) -> None:
    """Past the per-language limit an exported file would be refused on import: accepting says so."""
    import desk.admin.review as review

    with loaded_sessions() as session:
        fallback = next(i for i in queue(session) if i.source == "fallback")
        english = len([e for e in session.get(models.Topic, "work_permit").examples if e.lang == "en"])
        monkeypatch.setattr(review, "MAX_EXAMPLES", english)
        with pytest.raises(ImportError_, match="already has"):
            decide(session, fallback.id, "accepted", "work_permit", "admin")
    with loaded_sessions() as session:
        assert fallback.id in [i.id for i in queue(session)]  # still open, nothing added
