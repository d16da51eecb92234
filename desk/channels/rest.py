"""The REST channel (`POST /webhooks/rest/webhook` `{"sender", "message"}`, Rasa's URL and
reply shape: a JSON list of ``{"recipient_id", "text", ...}``) with the hotline's request
validation. Stock RestInput answers a JSON list body with a 500, runs empty messages, files
sender-less messages under one shared "default" conversation, spends seconds on a megabyte
of text, takes ``input_channel`` and ``metadata`` from the caller and, on any error,
answers an empty list. Here bad requests get a 4xx with a JSON error and never reach the
bot, the conversation lives in the REST channel's own id namespace, and a turn the bot
could not answer gets a polite reply in the user's language, as does a message over the length
limit (a chat channel: CONTRACT.md keeps the 413 for the hotline API and for bodies too large to
read). A REST client gets every answer whole, so a "more" (更多) gets the word WeChat says after
an answer's last page, without a dialogue turn (as a turn it repeated the last answer).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from desk.channels.hotline import BadRequest, error, parse_request
from desk.channels.inputs import MessageTooLong, conversation_id, json_object, phrase, short_error
from desk.channels.pages import whole_answer_said

logger = logging.getLogger(__name__)


def public_messages(sender: str, messages: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The collected messages addressed to the caller's own sender id."""
    return [{**message, "recipient_id": sender} for message in messages]


def _sender(body: bytes) -> str:
    """The sender of a request already parsed once (only its message was too long)."""
    return str(json_object(body, len(body)).get("sender")).strip()


class ValidatedRestInput(RestInput):
    """Rasa's REST channel (name "rest", same URL and replies) behind request validation."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        rest = Blueprint("custom_webhook_ValidatedRestInput", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text = parse_request(request.body or b"")
            except MessageTooLong as exc:
                # a chat channel: the user gets a reply saying so, and the conversation no turn
                sender = _sender(request.body or b"")
                return response.json([{"recipient_id": sender, "text": phrase("too_long", exc.start)}])
            except BadRequest as exc:
                return error(exc.status, str(exc))
            said = whole_answer_said(text)
            if said is not None:  # the last answer came whole: there is no next page
                return response.json([{"recipient_id": sender, "text": said}])
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, conversation_id(self.name(), sender), input_channel=self.name())
                )
            except Exception as exc:  # noqa: BLE001 - the user gets a polite reply, the log one line
                logger.error("REST message from %s failed: %s", sender, short_error(exc))
                collector.messages = []
            if not collector.messages:
                return response.json([{"recipient_id": sender, "text": phrase("unavailable", text)}])
            return response.json(public_messages(sender, collector.messages))

        return rest
