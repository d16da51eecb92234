"""Request validation and reply assembly of the hotline channel (unit level; the running
server is exercised in test_stack.py)."""

import json

import pytest

from desk.channels.hotline import MAX_MESSAGE_CHARS, BadRequest, bearer_ok, build_reply, parse_request


def body(**data) -> bytes:
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    "raw, status",
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (body(sender="a"), 400),
        (body(sender="a", message="   "), 400),
        (body(sender="", message="hi"), 400),
        (body(sender="a", message=42), 400),
        (body(sender="a", message="x" * (MAX_MESSAGE_CHARS + 1)), 413),
        (b"\xff\xfe", 400),
        (b"{" + b" " * 200_000 + b"}", 413),
        (b'{"sender": "a", "message": "hi", "x": ' + b"[" * 1500 + b"]" * 1500 + b"}", 400),
        (b"[" * 1500 + b"]" * 1500, 400),
        (body(sender="a", message="/restart"), 400),
        (body(sender="a", message='/intent{"topic": "port_visa"}'), 400),
        (body(sender="a", message='/ask_port_visa{"aspect": "x", "y": 1}'), 400),
        (body(sender="a\x00b", message="hi"), 400),
        (b'{"sender": "\\ud800", "message": "hi"}', 400),  # a lone surrogate: no store can keep it
    ],
)
def test_bad_requests(raw: bytes, status: int) -> None:
    with pytest.raises(BadRequest) as error:
        parse_request(raw)
    assert error.value.status == status


def test_ten_thousand_characters_and_button_payloads_are_accepted() -> None:
    assert parse_request(body(sender="a", message="签" * MAX_MESSAGE_CHARS))[1] == "签" * MAX_MESSAGE_CHARS
    # an emoji is one character but twelve bytes escaped ("\ud83d\ude00"): 10,000 of them are still a message
    assert parse_request(body(sender="a", message="😀" * MAX_MESSAGE_CHARS))[1] == "😀" * MAX_MESSAGE_CHARS
    assert parse_request(body(sender="a", message="/ask_port_visa"))[1] == "/ask_port_visa"
    payload = '/ask_port_visa{"aspect": "materials"}'
    assert parse_request(body(sender="a", message=payload))[1] == payload
    assert parse_request(body(sender="a", message="hi\x00 there\x1b"))[1] == "hi there"


def test_good_request_is_trimmed() -> None:
    assert parse_request(body(sender=" call-1 ", message=" 你好 ")) == ("call-1", "你好")


def test_bearer_token() -> None:
    assert bearer_ok("Bearer s3cret", "s3cret")
    assert not bearer_ok("Bearer wrong", "s3cret")
    assert not bearer_ok("s3cret", "s3cret")
    assert not bearer_ok(None, "s3cret")


def test_build_reply_merges_texts_and_payload() -> None:
    reply = build_reply(
        "call-1",
        [
            {"recipient_id": "call-1", "text": "answer"},
            {"recipient_id": "call-1", "custom": {"desk": {"language": "en", "topic": "port_visa", "handoff": False}}},
        ],
    )
    assert reply["replies"] == ["answer"] and reply["topic"] == "port_visa" and reply["language"] == "en"
    assert reply["sources"] == [] and reply["handoff"] is False
