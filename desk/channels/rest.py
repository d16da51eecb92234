"""Rasa's REST channel (`POST /webhooks/rest/webhook`) with the same request validation as
the hotline: stock RestInput answers a JSON list body with a 500, runs empty messages, files
sender-less messages under one shared "default" conversation and spends seconds on a
megabyte of text. Here such requests get a 4xx with a JSON error and never reach the bot."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from desk.channels.hotline import BadRequest, error, parse_request


class ValidatedRestInput(RestInput):
    """RestInput (name "rest", same URL and replies) behind request validation."""

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def validate(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            try:
                parse_request(request.body or b"")
            except BadRequest as exc:
                return error(exc.status, str(exc))
            return None

        return blueprint
