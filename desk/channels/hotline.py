"""Hotline answer assistant: ``POST /webhooks/hotline/webhook`` (CONTRACT.md).

Staff post the caller's question and get one JSON object with the bot's replies, what the
actions decided (the ``desk`` custom payload: topic, aspect, language, confidence) and the
structured answer, its sources and the other-language copy composed from the repository
(desk.dialogue.structured).
Bad requests get a 4xx with a JSON error and never reach the dialogue.

``GET /webhooks/hotline/auth`` (same token) answers 200 or 401, for the console's sign-in.
``POST /webhooks/hotline/feedback`` (same token) stores the staff's right/wrong verdict on
an answer in the ``feedback`` table, so wrong topics and missing ones can be found later. A
verdict marked wrong lands in the admins' review queue, where accepting it makes its question a
training example: so only a verdict on a question asked in an existing hotline conversation,
about an answer on a topic the policy database has, is stored (anything else is a 400 and stores
nothing). The right topic the staff name may be one the catalogue lacks (a gap to fill): the review
queue shows it, and accepting it waits until an admin imports that topic.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
from dataclasses import asdict, dataclass
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.events import UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session

from desk import settings
from desk.channels.inputs import (
    BadInput,
    clean_text,
    conversation_id,
    json_object,
    phrase,
    public_text,
    short_error,
)
from desk.dialogue.structured import expand_messages
from desk.language import detect
from desk.policies.db import new_session
from desk.policies.models import Feedback, Topic

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = settings.MAX_JSON_BODY_BYTES
MAX_MESSAGE_CHARS = settings.MAX_MESSAGE_CHARS
MAX_SENDER_CHARS = 128
MAX_TOPIC_CHARS = 100
MAX_NOTE_CHARS = 1000
MAX_STAFF_NAME_CHARS = 100
# control characters and lone surrogates (which no store can encode): refused in ids and fields
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")


BadRequest = BadInput  # the name the channels and tests know


def error(status: int, message: str) -> HTTPResponse:
    return response.json({"error": message}, status=status)


def bearer_ok(header: Optional[str], token: str) -> bool:
    if not header or not header.startswith("Bearer "):
        return False
    return hmac.compare_digest(header[len("Bearer ") :].strip().encode(), token.encode())


def parse_request(body: bytes) -> tuple[str, str]:
    """The (sender, message) of a valid request body, else BadRequest."""
    data = _json_object(body)
    sender, message = data.get("sender"), data.get("message")
    if not isinstance(sender, str) or not sender.strip():
        raise BadRequest("'sender' must be a non-empty string")
    if len(sender) > MAX_SENDER_CHARS:
        raise BadRequest(f"'sender' must be at most {MAX_SENDER_CHARS} characters")
    if CONTROL_CHARS.search(sender):
        raise BadRequest("'sender' contains control characters")
    if not isinstance(message, str):
        raise BadRequest("'message' must be a non-empty string")
    return sender.strip(), public_text(message)


def _json_object(body: bytes) -> Dict[str, Any]:
    return json_object(body, MAX_BODY_BYTES)


def unavailable_reply(sender: str, text: str) -> Dict[str, Any]:
    """The response object when the bot could not answer (a component is down): a polite
    reply in the caller's language, handed to a person."""
    reply = build_reply(sender, [{"text": phrase("unavailable", text)}])
    return {**reply, "language": detect(text), "handoff": True, "unavailable": True}


def _text(data: Dict[str, Any], key: str, limit: int, required: bool, single_line: bool = True) -> Optional[str]:
    """A trimmed string field within ``limit`` characters; None for an absent optional one."""
    value = data.get(key)
    if value is None or (not required and isinstance(value, str) and not value.strip()):
        if required:
            raise BadRequest(f"'{key}' must be a non-empty string")
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"'{key}' must be a non-empty string")
    value = value.strip()
    if len(value) > limit:
        raise BadRequest(f"'{key}' must be at most {limit} characters")
    if CONTROL_CHARS.search(value) or (single_line and "\n" in value):
        raise BadRequest(f"'{key}' contains control characters")
    return value


@dataclass(frozen=True)
class FeedbackInput:
    sender: str
    question: str
    topic: Optional[str]
    correct: bool
    right_topic: Optional[str]
    note: Optional[str]
    staff_name: str


def parse_feedback(body: bytes) -> FeedbackInput:
    """The staff verdict of a valid feedback body, else BadRequest. ``topic`` is what the bot
    answered (null when it gave no policy answer); ``right_topic`` only goes with a wrong one."""
    data = _json_object(body)
    correct = data.get("correct")
    if not isinstance(correct, bool):
        raise BadRequest("'correct' must be true or false")
    feedback = FeedbackInput(
        sender=_text(data, "sender", MAX_SENDER_CHARS, required=True),  # type: ignore[arg-type]
        question=_text(data, "question", MAX_MESSAGE_CHARS, required=True, single_line=False),  # type: ignore[arg-type]
        topic=_text(data, "topic", MAX_TOPIC_CHARS, required=False),
        correct=correct,
        right_topic=_text(data, "right_topic", MAX_TOPIC_CHARS, required=False),
        note=_text(data, "note", MAX_NOTE_CHARS, required=False, single_line=False),
        staff_name=_text(data, "staff_name", MAX_STAFF_NAME_CHARS, required=True),  # type: ignore[arg-type]
    )
    if correct and feedback.right_topic:
        raise BadRequest("'right_topic' is only for an answer marked wrong")
    return feedback


def check_topic(session: Session, feedback: FeedbackInput) -> None:
    """BadRequest when the topic the answer is said to have had is not in the policy database:
    no answer was ever given on it. Not ``right_topic``: staff may name a missing topic, and
    review refuses to file examples under a topic that does not exist (desk.admin.review.decide)."""
    if feedback.topic and session.get(Topic, feedback.topic) is None:
        raise BadRequest(f"'topic' is not a known topic: {feedback.topic!r}")


def same_question(text: str) -> str:
    """A question as compared with what the conversation stored: the channel dropped its
    control characters before the turn, and whitespace may differ between the two copies."""
    return " ".join(clean_text(text).split())


async def check_asked(tracker_store: TrackerStore, conversation: str, question: str) -> None:
    """BadRequest unless ``question`` was asked in the hotline ``conversation`` (any of its
    sessions): feedback on a call that never happened, or on a question nobody asked, would
    put invented examples in the review queue. A store that cannot be read raises its own
    error (the caller answers 503: nothing can be told then, so nothing is refused or stored)."""
    tracker = await tracker_store.retrieve_full_tracker(conversation)
    if tracker is None:
        raise BadRequest("'sender' has no hotline conversation")
    wanted = same_question(question)
    if not any(
        isinstance(event, UserUttered) and event.text and same_question(event.text) == wanted
        for event in tracker.events
    ):
        raise BadRequest("'question' was not asked in this hotline conversation")


def store_feedback(feedback: FeedbackInput, db_url: Optional[str] = None) -> int:
    """Insert one feedback row; returns its id. Its topics are checked in the same session,
    so a 400 stores nothing."""
    with new_session(db_url) as session:
        check_topic(session, feedback)
        row = Feedback(**asdict(feedback))
        session.add(row)
        session.commit()
        return int(row.id)


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
        "answer_other": desk.get("answer_other"),
        # the turn's answer object (desk.dialogue.answer): what the console renders
        "answer_object": desk.get("answer_object"),
    }


async def save_verdict(tracker_store: TrackerStore, conversation: str, verdict: FeedbackInput) -> int:
    """Store a verdict on a question asked in ``conversation`` (the policy database's own
    work off the event loop); BadRequest, storing nothing, for anything made up."""
    await check_asked(tracker_store, conversation, verdict.question)
    return await asyncio.get_running_loop().run_in_executor(None, store_feedback, verdict)


def tracker_store_of(request: Request) -> Optional[TrackerStore]:
    """The conversations' store of the Rasa server running this channel (its agent's, the one
    the turns are written to); None until the agent is loaded."""
    agent = getattr(request.app.ctx, "agent", None)
    return getattr(agent, "tracker_store", None)


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
                    UserMessage(text, collector, conversation_id(self.name(), sender), input_channel=self.name())
                )
            except Exception as exc:  # noqa: BLE001 - the caller gets a polite reply, the log one line
                logger.error("hotline message from %s failed: %s", sender, short_error(exc))
                return response.json(unavailable_reply(sender, text), status=503)
            if not collector.messages:
                logger.error("hotline message from %s got no answer (is the action server running?)", sender)
                return response.json(unavailable_reply(sender, text), status=503)
            return response.json(build_reply(sender, expand_messages(collector.messages, with_other_language=True)))

        @hotline.route("/auth", methods=["GET"])
        async def auth(request: Request) -> HTTPResponse:
            """Lets the staff console check a token at sign-in without sending a message."""
            if not bearer_ok(request.headers.get("Authorization"), settings.secret("DESK_STAFF_TOKEN")):
                return error(401, "missing or wrong bearer token")
            return response.json({"ok": True})

        @hotline.route("/feedback", methods=["POST"])
        async def feedback(request: Request) -> HTTPResponse:
            if not bearer_ok(request.headers.get("Authorization"), settings.secret("DESK_STAFF_TOKEN")):
                return error(401, "missing or wrong bearer token")
            try:
                verdict = parse_feedback(request.body or b"")
            except BadRequest as exc:
                return error(exc.status, str(exc))
            tracker_store = tracker_store_of(request)
            if tracker_store is None:
                return error(503, "the desk is starting; please retry")
            try:
                row_id = await save_verdict(tracker_store, conversation_id(self.name(), verdict.sender), verdict)
            except BadRequest as exc:
                return error(exc.status, str(exc))
            except Exception as exc:  # noqa: BLE001 - a database problem is the server's, not the caller's
                logger.error("feedback from %s not stored: %s", verdict.staff_name, short_error(exc))
                return error(503, "the feedback could not be stored; please retry")
            return response.json({"id": row_id, "stored": True}, status=201)

        return hotline
