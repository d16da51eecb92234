"""Bad input never crashes a turn, at the level of the pieces (the stack tests send the same
through the running servers): letter runs, deep JSON, control characters, commands."""

from __future__ import annotations

import pytest

from desk.channels.inputs import (
    BadInput,
    chat_text,
    conversation_id,
    json_object,
    phrase,
    public_text,
    sender_of,
)
from desk.language import detect


@pytest.mark.parametrize("text", ["a" * 300, "haha" * 2500, "zhang" * 2000, "a" * 10_000 + " b"])
def test_long_letter_runs_are_read_without_recursion(text: str) -> None:
    assert detect(text) in ("en", "zh")


def test_pinyin_is_still_chinese() -> None:
    assert detect("gongzuo xuke zenme banli") == "zh"
    assert detect("how do I apply for a work permit") == "en"


def test_deep_json_is_a_400() -> None:
    for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"a": ' + b"{" * 1500 + b"}" * 1501):
        with pytest.raises(BadInput) as error:
            json_object(raw, max_bytes=10**6)
        assert error.value.status == 400


def test_commands_from_the_public() -> None:
    for command in ("/restart", "/intent{\"a\": 1}", "/ask_port_visa{\"aspect\": \"x\"}junk", "/ask_", "/session_start"):
        with pytest.raises(BadInput):
            public_text(command)
        assert not chat_text(command).startswith("/")
    assert chat_text(" /restart ") == "restart"
    assert public_text('/ask_port_visa{"aspect": "materials"}') == '/ask_port_visa{"aspect": "materials"}'
    assert chat_text("/ask_talent_visa") == "/ask_talent_visa"


def test_control_characters_are_dropped() -> None:
    assert public_text("\x00口岸\x07签证\x1b[31m") == "口岸签证[31m"
    with pytest.raises(BadInput):
        public_text("\x00\x01 \x02")


def test_namespaces_and_phrases() -> None:
    assert conversation_id("rest", "call-1") != conversation_id("hotline", "call-1")
    assert sender_of("rest", conversation_id("rest", "call-1")) == "call-1"
    assert "12345" in phrase("unavailable", "口岸签证") and "Sorry" not in phrase("unavailable", "口岸签证")
    assert "12345" in phrase("unavailable", "port visa") and "Sorry" in phrase("unavailable", "port visa")
    both = phrase("unavailable")
    assert "抱歉" in both and "Sorry" in both
