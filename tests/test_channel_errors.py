"""The channels' HTTP answers through the real stack (gateway, Rasa server, action server,
SQLite stores): staff feedback is stored only for a question asked in a hotline conversation
and only with topics the policy database has, since a verdict marked wrong reaches the admins'
review queue; and every error on the public port's ``/webhooks/*`` is JSON (a wrong method is a
405 with ``Allow``, an unknown path a 404, never the Rasa server's HTML page)."""

from __future__ import annotations

import uuid
from typing import Any, Dict, Iterator

import httpx
import pytest
from sqlalchemy import func, select

from desk.policies.db import new_session
from desk.policies.models import Feedback
from tests.stack import STAFF_TOKEN, Stack, build_stack
from tests.test_wechat import FakeWeChat

pytestmark = pytest.mark.stack

QUESTION = "口岸签证需要什么材料？"
AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}
WRONG_METHODS = ("GET", "PUT", "DELETE", "TRACE")


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    running = build_stack(tmp_path_factory.mktemp("channel-errors")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def call(stack: Stack) -> str:
    """A hotline conversation in which QUESTION was asked."""
    sender = f"call-{uuid.uuid4().hex[:8]}"
    stack.ask(sender, QUESTION)
    return sender


def verdict(sender: str, **changes: Any) -> Dict[str, Any]:
    data = {"sender": sender, "question": QUESTION, "topic": "talent_visa", "correct": False,
            "right_topic": "port_visa", "note": "caller meant the port visa", "staff_name": "王老师", **changes}
    return {key: value for key, value in data.items() if value is not ...}


def send_feedback(stack: Stack, body: Dict[str, Any]) -> httpx.Response:
    return httpx.post(f"{stack.url}/webhooks/hotline/feedback", json=body, headers=AUTH, timeout=30)


def stored(stack: Stack) -> int:
    with new_session(stack.env["DESK_DB_URL"]) as session:
        return int(session.scalar(select(func.count(Feedback.id))))


# --- feedback -------------------------------------------------------------------------------


def test_feedback_on_a_question_asked_in_the_call_is_stored(stack: Stack, call: str) -> None:
    before = stored(stack)
    answer = send_feedback(stack, verdict(call))
    assert answer.status_code == 201 and answer.json()["stored"] is True, answer.text
    right = send_feedback(stack, verdict(call, question=f"  {QUESTION} ", correct=True, right_topic=...))
    assert right.status_code == 201, right.text
    assert stored(stack) == before + 2


def test_made_up_feedback_is_a_json_400_and_stores_nothing(stack: Stack, call: str) -> None:
    rest_only = f"call-{uuid.uuid4().hex[:8]}"  # a REST conversation is not a hotline call
    reply = httpx.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": rest_only, "message": QUESTION},
                       timeout=30)
    assert reply.status_code == 200
    before = stored(stack)
    for body, words in [
        (verdict(call, topic="no_such_topic_xyz", correct=True, right_topic=...), "'topic' is not a known topic"),
        (verdict(f"never-{uuid.uuid4().hex[:8]}"), "'sender' has no hotline conversation"),
        (verdict(rest_only), "'sender' has no hotline conversation"),
        (verdict(call, question="a question nobody asked"), "'question' was not asked"),
    ]:
        answer = send_feedback(stack, body)
        assert answer.status_code == 400, (body, answer.status_code, answer.text)
        assert words in answer.json()["error"], answer.text
    assert stored(stack) == before


# --- errors on the channels' paths ----------------------------------------------------------


@pytest.mark.parametrize("path", ["/webhooks/hotline/webhook", "/webhooks/rest/webhook", "/webhooks/hotline/feedback"])
def test_a_wrong_method_is_a_json_405_with_allow(stack: Stack, path: str) -> None:
    for method in WRONG_METHODS:
        answer = httpx.request(method, f"{stack.url}{path}", headers=AUTH, timeout=30)
        assert answer.status_code == 405, (method, path, answer.status_code)
        assert answer.headers["content-type"].startswith("application/json"), (method, path, answer.text[:80])
        assert answer.headers["allow"] == "POST" and method in answer.json()["error"]


def test_the_wechat_callback_keeps_get_and_refuses_others_in_json(stack: Stack) -> None:
    url = f"{stack.url}/webhooks/wechat/webhook"
    wechat = FakeWeChat(stack.url)
    check = httpx.get(url, params={**wechat.params(), "echostr": "4193758204738"}, timeout=30)
    assert (check.status_code, check.text) == (200, "4193758204738")
    unsigned = httpx.get(url, params={"echostr": "1"}, timeout=30)
    assert unsigned.status_code == 403 and unsigned.json()["error"]
    for method in ("PUT", "DELETE", "TRACE"):
        answer = httpx.request(method, url, timeout=30)
        assert answer.status_code == 405 and answer.json()["error"], (method, answer.text[:80])
        assert {m.strip() for m in answer.headers["allow"].split(",")} == {"GET", "POST"}


def test_an_unknown_path_under_a_channel_is_a_json_404(stack: Stack) -> None:
    for path in ("/webhooks/rest/nope", "/webhooks/hotline/nope", "/webhooks/wechat/nope", "/webhooks/nope"):
        answer = httpx.get(f"{stack.url}{path}", headers=AUTH, timeout=30)
        assert (answer.status_code, answer.json()) == (404, {"error": "not found"}), path
