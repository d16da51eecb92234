"""Socket.IO channel for the web chat page: Rasa's stock ``socketio`` channel with fixes.

- Session ids are issued by the server (desk.channels.sessions: random + HMAC): a client
  that asks for a session it was not given gets a new one, and its messages always go to
  the conversation its socket was confirmed for (never to a ``session_id`` it writes into a
  message), so no client can join or write into another's conversation. A session held by
  a live connection is not given to another one either (``sessions.Holders``; across the Rasa
  servers through Redis when REDIS_URL is set): it gets a new id, as a made-up id does. A
  reloaded page asks for its id again once its old connection is gone, and so resumes; a page
  that reconnects after a network drop, before the server noticed, proves with its in-memory
  page key that it is the holder and takes its session over.
- With python-socketio 5.x ``AsyncServer.enter_room`` is a coroutine, and Rasa 3.6 calls it
  without ``await``: the client never joins its session's room, so with
  ``session_persistence`` no reply ever reaches the page. Here it is awaited.
- Rasa 3.6's ``SocketIOOutput.send_custom_json`` calls ``sio.emit(evt, **payload)``, so our
  ``{"desk": {...}}`` payload raises ``TypeError: emit() got an unexpected keyword argument
  'desk'``. The exception escapes after the text was sent and before the tracker is saved,
  so the conversation also loses its context. Here a custom payload goes out as one
  ``bot_uttered`` event ``{"custom": {...}}`` (the shape the page expects).
- A message is checked before it reaches the dialogue (string, length, control characters,
  no Rasa commands), so a bad client event is dropped with a log line instead of an
  exception in the server; a too long one gets a polite reply.
- The page shows every answer whole, so a "more" (更多) gets the word WeChat says after an
  answer's last page, in the language it was asked in, without a dialogue turn
  (desk.channels.pages.whole_answer_said); as a turn it repeated the last answer.

Replacing Rasa's handlers is a patch of Rasa internals and goes through desk.rasa_compat.

And one policy: a browser page may connect only from the desk's own pages (``DESK_WEB_ORIGIN``)
or a listed widget host (``DESK_WIDGET_ORIGINS``), checked on the ``Origin`` header at connect
(desk/web/origins.py). Rasa builds its server with CORS handling off (``--cors`` adds the
headers), so the check is a connect handler in front of Rasa's own.

Same credentials as Rasa's ``socketio`` channel (credentials.yml), same ``/socket.io`` path.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from desk import settings
from desk.channels import sessions
from desk.channels.inputs import (
    MAX_JSON_DEPTH,
    chat_text,
    clean_text,
    conversation_id,
    json_depth,
    phrase,
    short_error,
)
from desk.channels.pages import whole_answer_said
from desk.dialogue.structured import expand
from desk.rasa_compat import replace_socketio_handler
from desk.web.origins import origin_allowed, socket_origins

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = settings.MAX_MESSAGE_CHARS
MAX_SESSION_CHARS = sessions.MAX_SESSION_CHARS
MAX_METADATA_BYTES = 2048


class WebChatOutput(SocketIOOutput):
    """Sends custom payloads as ``{"custom": payload}`` to the conversation's room, and
    counts what it sent, so a turn that produced nothing can be answered politely."""

    sent = 0

    async def _send_message(self, socket_id: str, response: Any) -> None:
        await super()._send_message(socket_id, response)
        self.sent += 1

    async def send_custom_json(
        self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any
    ) -> None:
        desk = json_message.get("desk")
        if isinstance(desk, dict):
            json_message = {**json_message, "desk": expand(desk)}
        await self._send_message(recipient_id, {"custom": json_message})


def too_long(text: str) -> bool:
    """Over the limit, counted as the other channels count (inputs.public_text): without
    control characters and surrounding spaces, so what is answered is the same everywhere."""
    return len(clean_text(text)) > MAX_MESSAGE_CHARS


def message_fields(data: Any) -> Optional[tuple[str, str, Dict[str, Any]]]:
    """(session_id, text, metadata) of a valid ``user_uttered`` event, else None."""
    if not isinstance(data, dict):
        return None
    session_id, text = data.get("session_id"), data.get("message")
    if not isinstance(session_id, str) or not session_id.strip() or len(session_id) > MAX_SESSION_CHARS:
        return None
    if not isinstance(text, str) or not text.strip() or too_long(text):
        return None
    metadata = data.get("metadata")
    if not isinstance(metadata, dict) or json_depth(metadata, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        metadata = {}
    elif len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        metadata = {}
    return session_id.strip(), text.strip(), metadata


def origin_checked(sio: Any, namespace: Optional[str]) -> Callable[..., Awaitable[bool]]:
    """A connect handler that refuses browser pages from other origins, then runs the one
    Rasa registered (its JWT check, when configured). The allowed list is read once, at start;
    a malformed entry stops the start with a message naming it."""
    allowed = socket_origins()
    stock = sio.handlers.get(namespace or "/", {}).get("connect")

    async def connect(sid: str, environ: Dict[str, Any], auth: Optional[Dict[str, Any]] = None) -> bool:
        origin = environ.get("HTTP_ORIGIN")
        if not origin_allowed(origin, allowed):
            logger.warning("socket.io connection from origin %r refused: not the desk's pages "
                           "(DESK_WEB_ORIGIN) nor a widget host (DESK_WIDGET_ORIGINS)", origin)
            return False
        return bool(await stock(sid, environ, auth)) if stock else True

    return connect


class WebChatInput(SocketIOInput):
    """Rasa's socket.io input with the fixed output channel; needs ``session_persistence``
    (the page keeps its session id across reloads)."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> Optional[WebChatOutput]:
        return WebChatOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        assert sio is not None
        namespace = self.namespace or "/"
        async def evict(sid: str) -> None:
            await sio.disconnect(sid, namespace=namespace)

        holders = sessions.Holders(
            lambda sid: bool(sio.manager.is_connected(sid, namespace)), settings.redis_url(), evict
        )

        async def session_request(sid: str, data: Any) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            page = sessions.page_key(data.get("page_key") if isinstance(data, dict) else None)
            previous = holders.held_by(sid)
            nonce = sessions.verify(requested)
            if nonce and not await holders.claim(nonce, sid, page=page):
                logger.warning("web chat session asked for by %s is in use by another connection; "
                               "a new one is issued", sid)
                nonce = None
            session_id = requested if nonce else sessions.issue()
            if not nonce:
                nonce = str(sessions.verify(session_id))
                await holders.claim(nonce, sid, page=page)  # new and random: nobody holds it
            if not sio.manager.is_connected(sid, namespace):  # it left while we looked
                await holders.release(sid)
                return
            conversation = conversation_id(self.name(), nonce)
            await sio.save_session(sid, {"conversation": conversation}, namespace=self.namespace)
            if self.session_persistence:
                if previous and previous != nonce:  # a second request on one connection
                    await sio.leave_room(sid, conversation_id(self.name(), previous), namespace=self.namespace)
                await sio.enter_room(sid, conversation, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def disconnect(sid: str, reason: Any = None) -> None:
            """Frees the connection's session, for the same page's next connection."""
            await holders.release(sid)

        async def handle_message(sid: str, data: Any) -> None:
            if isinstance(data, dict) and isinstance(data.get("message"), str) and too_long(data["message"]):
                await sio.emit(self.bot_message_evt, {"text": phrase("too_long", data["message"][:200])},
                               room=sid, namespace=self.namespace)
                return
            fields = message_fields(data)
            if fields is None:
                logger.warning("socket.io message from %s ignored: needs session_id and message", sid)
                return
            _, text, metadata = fields
            text = chat_text(text)
            session = await sio.get_session(sid, namespace=self.namespace)
            conversation = session.get("conversation") if self.session_persistence else None
            if self.session_persistence and not conversation:
                logger.warning("socket.io message from %s ignored: no session_request first", sid)
                return
            if not text:
                return
            said = whole_answer_said(text)
            if said is not None:  # the page showed the last answer whole: there is no next page
                await sio.emit(self.bot_message_evt, {"text": said}, room=sid, namespace=self.namespace)
                return
            output = WebChatOutput(sio, self.bot_message_evt)
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        output,
                        conversation or conversation_id(self.name(), sid),
                        input_channel=self.name(),
                        metadata=metadata,
                    )
                )
            except Exception as exc:  # noqa: BLE001 - the user gets a polite reply, the log one line
                logger.error("web chat message from %s failed: %s", sid, short_error(exc))
            if not output.sent:
                await sio.emit(self.bot_message_evt, {"text": phrase("unavailable", text)},
                               room=sid, namespace=self.namespace)

        # replace the stock handlers registered by super().blueprint for the same events
        replace_socketio_handler(sio, "connect", self.namespace, origin_checked(sio, self.namespace))
        replace_socketio_handler(sio, "disconnect", self.namespace, disconnect)
        replace_socketio_handler(sio, "session_request", self.namespace, session_request)
        replace_socketio_handler(sio, self.user_message_evt, self.namespace, handle_message)
        return webhook
