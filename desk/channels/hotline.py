"""Hotline answer assistant: ``POST /webhooks/hotline/webhook`` (CONTRACT.md).

Staff post the caller's question and get one JSON object with the bot's replies plus the
structured answer, sources and confidence the actions attach as a ``desk`` custom payload.
Bad requests get a 4xx with a JSON error and never reach the dialogue.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from desk import settings

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 16 * 1024
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128


class BadRequest(ValueError):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def bearer_ok(header: Optional[str], token: str) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())


def parse_request(body: bytes) -> tuple[str, str]:
    """The (sender, message) of a valid request body, else BadRequest."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(f"request body larger than {MAX_BODY_BYTES} bytes", 413)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest("body must be a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if not isinstance(message, str) or not message.strip():
        raise BadRequest("'message' must be a non-empty string")
    if len(message) > MAX_MESSAGE_CHARS:
        raise BadRequest(f"'message' must be at most {MAX_MESSAGE_CHARS} characters")
    return sender.strip(), message.strip()


def build_reply(sender: str, messages: List[Dict[str, Any]]) -> Dict[str, Any]:
    """Merge the collected bot messages into the contract's response object."""
    replies = [m["text"] for m in messages if m.get("text")]
    buttons = [b for m in messages for b in (m.get("buttons") or [])]
    desk: Dict[str, Any] = {}
    for m in messages:
        custom = m.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("desk"), dict):
            desk = custom["desk"]
    return {
        "sender": sender,
        "language": desk.get("language"),
        "replies": replies,
        "buttons": buttons,
        "topic": desk.get("topic"),
        "aspect": desk.get("aspect"),
        "intent": desk.get("intent") or {"name": None, "confidence": 0.0},
        "confidence": desk.get("confidence"),
        "alternatives": desk.get("alternatives") or [],
        "answer": desk.get("answer"),
        "sources": desk.get("sources") or [],
        "handoff": bool(desk.get("handoff", False)),
    }


class HotlineInput(InputChannel):
    """Bearer-token protected JSON endpoint for hotline staff."""

    @classmethod
    def name(cls) -> str:
        return "hotline"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        hotline = Blueprint("hotline_webhook", __name__)

        @hotline.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hotline.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not bearer_ok(request.headers.get("Authorization"), settings.secret("DESK_STAFF_TOKEN")):
                return error(401, "missing or wrong bearer token")
            try:
                sender, text = parse_request(request.body or b"")
            except BadRequest as exc:
                return error(exc.status, str(exc))
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender, input_channel=self.name())
                )
            except Exception:  # noqa: BLE001 - the caller gets a clean error, details go to the log
                logger.exception("hotline message from %s failed", sender)
                return error(503, "the assistant could not process the message; please retry")
            if not collector.messages:
                return error(503, "the assistant gave no answer; is the action server running?")
            return response.json(build_reply(sender, collector.messages))

        return hotline
