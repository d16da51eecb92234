"""Staff feedback (validation and storage), unit level on a real SQLite database loaded with
the policies and Rasa's in-memory tracker store; the same through the running server is in
test_channel_errors.py, the browser flow in test_web.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from desk.channels.hotline import (
    MAX_NOTE_CHARS,
    BadRequest,
    FeedbackInput,
    check_asked,
    parse_feedback,
    store_feedback,
)
from desk.policies.db import new_session
from desk.policies.models import Feedback

GOOD = {
    "sender": "call-1",
    "question": "口岸签证需要什么材料？",
    "topic": "talent_visa",
    "correct": False,
    "right_topic": "port_visa",
    "note": "caller meant the port visa",
    "staff_name": "王老师",
}


def body(**changes: Any) -> bytes:
    data = {**GOOD, **changes}
    return json.dumps({k: v for k, v in data.items() if v is not ...}).encode()


def test_valid_feedback_is_trimmed() -> None:
    feedback = parse_feedback(body(staff_name="  王老师 ", note=" 说明 \n第二行 "))
    assert feedback == FeedbackInput(
        sender="call-1", question="口岸签证需要什么材料？", topic="talent_visa", correct=False,
        right_topic="port_visa", note="说明 \n第二行", staff_name="王老师",
    )


def test_optional_fields_may_be_missing_or_empty() -> None:
    feedback = parse_feedback(body(correct=True, right_topic=..., note="", topic=None))
    assert (feedback.correct, feedback.right_topic, feedback.note, feedback.topic) == (True, None, None, None)


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{not json", 400),
        (b"[]", 400),
        (b"\xff", 400),
        (b"{" + b" " * 200_000 + b"}", 413),
        (b'{"correct": true, "x": ' + b"[" * 1500 + b"]" * 1500 + b"}", 400),
        (body(correct="no"), 400),
        (body(correct=0), 400),
        (body(correct=...), 400),
        (body(sender=""), 400),
        (body(sender="x" * 129), 400),
        (body(question="   "), 400),
        (body(question=42), 400),
        (body(staff_name=...), 400),
        (body(staff_name="a\nb"), 400),
        (body(staff_name="x" * 101), 400),
        (body(topic=["port_visa"]), 400),
        (body(right_topic="x" * 101), 400),
        (body(note="x" * (MAX_NOTE_CHARS + 1)), 400),
        (body(note="bell\x07"), 400),
        (body(correct=True), 400),  # a right topic only goes with a wrong answer
    ],
)
def test_bad_feedback_is_refused(raw: bytes, status: int) -> None:
    with pytest.raises(BadRequest) as error:
        parse_feedback(raw)
    assert error.value.status == status


def test_feedback_is_stored_with_time_and_staff_name(db_url: str, loaded_sessions: sessionmaker) -> None:
    row_id = store_feedback(parse_feedback(body()), db_url)
    with new_session(db_url) as session:
        row = session.execute(select(Feedback).where(Feedback.id == row_id)).scalar_one()
    assert (row.sender, row.staff_name, row.correct, row.topic, row.right_topic) == (
        "call-1", "王老师", False, "talent_visa", "port_visa",
    )
    assert row.note == "caller meant the port visa" and row.created_at is not None


def feedback_rows(db_url: str) -> int:
    with new_session(db_url) as session:
        return int(session.scalar(select(func.count(Feedback.id))))


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"topic": "no_such_topic_xyz"}, "topic"),
        ({"topic": "no_such_topic_xyz", "correct": True, "right_topic": ...}, "topic"),
        ({"topic": "Port_Visa"}, "topic"),  # ids are exact
    ],
)
def test_feedback_naming_an_unknown_topic_stores_nothing(
    db_url: str, loaded_sessions: sessionmaker, changes: dict, field: str
) -> None:
    with pytest.raises(BadRequest) as error:
        store_feedback(parse_feedback(body(**changes)), db_url)
    assert error.value.status == 400 and f"'{field}' is not a known topic" in str(error.value)
    assert feedback_rows(db_url) == 0


def test_a_right_topic_the_catalogue_lacks_is_kept_as_a_gap(db_url: str, loaded_sessions: sessionmaker) -> None:
    store_feedback(parse_feedback(body(right_topic="social_insurance")), db_url)  # review waits for its import
    assert feedback_rows(db_url) == 1


def test_feedback_without_topics_needs_no_topic_check(db_url: str, loaded_sessions: sessionmaker) -> None:
    store_feedback(parse_feedback(body(topic=None, right_topic=None)), db_url)
    assert feedback_rows(db_url) == 1


def conversations(*asked: str) -> InMemoryTrackerStore:
    """A tracker store holding "hotline:call-1", in which ``asked`` were the caller's questions."""
    store = InMemoryTrackerStore(Domain.empty())
    events = [ActionExecuted("action_listen")] + [UserUttered(text) for text in asked]
    asyncio.run(store.save(DialogueStateTracker.from_events("hotline:call-1", events)))
    return store


def test_feedback_is_checked_against_the_conversation() -> None:
    store = conversations("你好", "口岸签证需要什么材料？")
    asyncio.run(check_asked(store, "hotline:call-1", "口岸签证需要什么材料？"))
    asyncio.run(check_asked(store, "hotline:call-1", " 口岸签证需要\x85什么材料？ "))  # as the channel cleaned it
    for conversation, question, words in [
        ("hotline:call-2", "口岸签证需要什么材料？", "'sender' has no hotline conversation"),
        ("rest:call-1", "口岸签证需要什么材料？", "'sender' has no hotline conversation"),
        ("hotline:call-1", "人才签证怎么办？", "'question' was not asked"),
    ]:
        with pytest.raises(BadRequest) as error:
            asyncio.run(check_asked(store, conversation, question))
        assert error.value.status == 400 and words in str(error.value)
