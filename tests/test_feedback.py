"""Staff feedback (validation and storage), unit level on a real SQLite database; the
browser flow is in test_web.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from desk.channels.hotline import (
    MAX_NOTE_CHARS,
    BadRequest,
    FeedbackInput,
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


def test_feedback_is_stored_with_time_and_staff_name(db_url: str) -> None:
    row_id = store_feedback(parse_feedback(body()), db_url)
    with new_session(db_url) as session:
        row = session.execute(select(Feedback).where(Feedback.id == row_id)).scalar_one()
    assert (row.sender, row.staff_name, row.correct, row.topic, row.right_topic) == (
        "call-1", "王老师", False, "talent_visa", "port_visa",
    )
    assert row.note == "caller meant the port visa" and row.created_at is not None
