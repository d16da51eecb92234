"""What the public port answers while no Rasa backend can (it crashed and is being
restarted): each channel's own polite "temporarily unavailable, please try again or call
12345" in the user's language, never a 500 and never silence on WeChat. Requests are
checked exactly as the channels check them (token, body, WeChat signature and replay), so an
outage changes nothing about who may ask what."""

from __future__ import annotations

from typing import Dict, Mapping, Optional, Tuple

from aiohttp import web

from desk import settings
from desk.channels.hotline import bearer_ok, parse_request, unavailable_reply
from desk.channels.inputs import BadInput, phrase
from desk.channels.wechat import (
    SUBSCRIBE_EVENTS,
    NonceCache,
    Rejected,
    WeChatConfig,
    bilingual,
    open_request,
    verify_signature,
    welcome,
    words_of,
)
from desk.observability import WECHAT_TIMEOUTS

UNAVAILABLE = {"X-Desk-Unavailable": "1"}  # a 200 that is the apology (for the metrics)
_wechat: Optional[Tuple[WeChatConfig, NonceCache]] = None


def _json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def hotline(headers: Mapping[str, str], body: bytes, path: str) -> web.Response:
    if not bearer_ok(headers.get("Authorization"), settings.secret("DESK_STAFF_TOKEN")):
        return _json_error(401, "missing or wrong bearer token")
    if not path.endswith("/webhook"):
        return _json_error(503, "the desk is temporarily unavailable; please retry")
    try:
        sender, text = parse_request(body)
    except BadInput as exc:
        return _json_error(exc.status, str(exc))
    return web.json_response(unavailable_reply(sender, text), status=503, headers={"Retry-After": "5"})


def rest(body: bytes) -> web.Response:
    try:
        sender, text = parse_request(body)
    except BadInput as exc:
        return _json_error(exc.status, str(exc))
    return web.json_response([{"recipient_id": sender, "text": phrase("unavailable", text)}], headers=UNAVAILABLE)


def wechat(query: Dict[str, str], body: bytes, method: str) -> web.Response:
    """A signed passive reply with the apology (encrypted in safe mode)."""
    global _wechat
    from wechatpy.replies import create_reply

    if _wechat is None:
        _wechat = (WeChatConfig.from_env(), NonceCache())
    config, nonces = _wechat
    if method != "POST":
        # the server check of the callback URL needs no dialogue: answered as the channel answers it
        try:
            verify_signature(config.token, query, nonces)
        except Rejected as exc:
            return web.Response(status=exc.status, text=str(exc))
        echo = query.get("echostr")
        return web.Response(text=echo) if echo else web.Response(status=400, text="missing echostr")
    try:
        inbound = open_request(config, query, body, nonces)
    except Rejected as exc:
        return web.Response(status=exc.status, text=str(exc))
    message = inbound.message
    said = words_of(message)
    if said is not None:
        WECHAT_TIMEOUTS.inc()
        content = phrase("unavailable", said)
    elif message.type == "event" and message.event == "click":
        content = phrase("unavailable", None)  # a menu item tapped: the desk is down, say so (both languages)
    elif message.type == "event":
        content = _welcome_or_apology() if message.event in SUBSCRIBE_EVENTS else None
    elif message.type == "voice":
        content = bilingual("voice_unrecognised")  # as the channel answers it: type the question
    else:
        content = bilingual("text_only")  # as the channel answers a picture or a file: never silence
    if not content:
        return web.Response(text="success")
    xml = create_reply(content, message, render=True)
    if inbound.encrypted and config.crypto is not None:
        xml = config.crypto.encrypt_message(xml, query.get("nonce"))
    return web.Response(text=xml, content_type="application/xml", charset="utf-8", headers=UNAVAILABLE)


def _welcome_or_apology() -> str:
    """The subscribe welcome needs the catalogue, not Rasa; without the database either, the
    bilingual apology."""
    try:
        return welcome()
    except Exception:  # noqa: BLE001 - an outage of the database too: still never silence
        return "\n".join(phrase("unavailable", sample) for sample in ("您好", "hello"))


def unavailable(channel: str, request: web.Request, body: bytes) -> web.Response:
    """The channel's answer while no backend can take the request."""
    if channel == "hotline":
        return hotline(request.headers, body, request.path)
    if channel == "rest" and request.method == "POST":
        return rest(body)
    if channel == "wechat":
        return wechat(dict(request.query), body, request.method)
    return _json_error(503, "the desk is temporarily unavailable; please retry or call 12345")
