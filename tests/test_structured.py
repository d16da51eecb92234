"""The structured answer channels add to a stored bot turn (desk.dialogue.structured): the
action's payload stays small, the hotline gets answer, sources and the other-language copy,
composed from a real SQLite policy database."""

from __future__ import annotations

import copy
from typing import Any, Dict, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.actions as acts
import desk.policies.repository as repository_module
from desk.channels.hotline import build_reply
from desk.dialogue.structured import expand, expand_messages


@pytest.fixture(autouse=True)
def use_test_repository(repository, monkeypatch):
    monkeypatch.setattr(repository_module, "_shared", repository)


def answer(text: str, intent: str, domain, aspect: Optional[str] = None, slots=None) -> Dict[str, Any]:
    latest: Dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "intent_ranking": [{"name": intent, "confidence": 0.9}],
        "entities": [],
    }
    if aspect:
        latest["aspect"] = {"name": aspect, "confidence": 0.9}
    tracker = Tracker("t", slots or {}, latest, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    acts.ActionAnswer().run(dispatcher, tracker, domain)
    return dispatcher.messages[-1]


def test_stored_payload_is_small_and_expands_to_the_contract_fields(repository, domain) -> None:
    message = answer("口岸签证需要什么材料", "ask_port_visa", domain, aspect="materials")
    stored = message["custom"]["desk"]
    assert len(str(stored)) < 600, stored
    reply = build_reply("c", expand_messages([message], with_other_language=True, repo=repository))
    assert reply["topic"] == "port_visa" and reply["aspect"] == "materials" and reply["language"] == "zh"
    assert reply["answer"]["materials"] and reply["answer"]["title"].startswith("口岸签证")
    # exactly the sources of the materials shown, not the record's first three
    assert [s["id"] for s in reply["sources"]] == ["faq", "shine0520"]
    assert reply["answer_object"]["materials"] and reply["answer_object"]["sources"] == [
        {**s, "line": reply["answer_object"]["sources"][i]["line"]} for i, s in enumerate(reply["sources"])]
    other = reply["answer_other"]
    assert other["language"] == "en" and other["text"].startswith("Port visa")
    assert "Sources:" in other["text"] and "documents required" in other["text"]


def test_expanding_leaves_the_stored_turn_untouched(repository, domain) -> None:
    message = answer("what documents for a port visa", "ask_port_visa", domain, aspect="materials")
    before = copy.deepcopy(message)
    expanded = expand_messages([message], with_other_language=True, repo=repository)[0]["custom"]["desk"]
    assert message == before
    assert expanded["answer_other"]["language"] == "zh" and "来源：" in expanded["answer_other"]["text"]
    assert expanded["answer"]["title"].startswith("Port visa")


def test_only_staff_get_the_other_language(repository, domain) -> None:
    stored = answer("口岸签证需要什么材料", "ask_port_visa", domain)["custom"]["desk"]
    web = expand(stored, repo=repository)
    assert web["answer"] and web["sources"] and web["answer_other"] is None


def test_turns_without_a_known_topic_expand_to_nothing(repository) -> None:
    for stored in ({"topic": None, "language": "zh"}, {"topic": "no_such_topic", "language": "en"},
                   {"topic": "port_visa", "language": "fr"}):
        expanded = expand(stored, True, repository)
        assert expanded["answer"] is None and expanded["sources"] == [] and expanded["answer_other"] is None
    plain = [{"text": "hi"}, {"custom": {"other": 1}}]
    assert expand_messages(plain, True, repository) == plain
    assert build_reply("c", [{"text": "hi"}])["answer_other"] is None


def test_a_button_payload_keeps_the_conversation_language(domain) -> None:
    message = answer("/ask_port_visa", "ask_port_visa", domain, slots={"language": "zh"})
    assert message["custom"]["desk"]["language"] == "zh" and message["text"].startswith("【")
