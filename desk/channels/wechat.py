"""WeChat Official Account callback: ``GET`` and ``POST /webhooks/wechat/webhook``
(CONTRACT.md), speaking WeChat's own protocol through wechatpy.

- GET answers WeChat's URL check (``signature``, ``timestamp``, ``nonce``, ``echostr``).
- POST carries one message as XML, in plaintext mode or AES safe mode
  (``encrypt_type=aes`` + ``msg_signature``); the reply is a passive XML reply, encrypted
  and signed in safe mode, or the plain body ``success`` when there is nothing to say.

WeChat waits 5 seconds and then retries the same message up to 3 times, so every message
is answered at most once (a cache of in-flight and finished replies keyed by MsgId) and the
dialogue is bounded well inside that limit. A request that fails the signature check is
refused before its body is looked at; XML with a DTD or entities is refused before wechatpy
(whose xmltodict would expand entities) sees it.

Replays: a signature is only accepted with a timestamp within ±5 minutes of the server's
clock and a nonce not seen before in that window (CONTRACT.md), and it is compared in
constant time (wechatpy's ``check_signature`` uses ``!=``). An XML declaration naming
another encoding (WeChat sends UTF-8) is honoured by re-encoding, or refused with a 400.
"""

from __future__ import annotations

import asyncio
import codecs
import hashlib
import hmac
import logging
import os
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterable, List, Mapping, Optional, Tuple
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy import parse_message
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import create_reply

from desk import settings
from desk.channels.inputs import BUTTON_PAYLOAD, chat_text, conversation_id, phrase, short_error
from desk.channels.pages import PageStore, RedisPageStore, asks_for_more, whole_answer_said
from desk.channels.shared_replies import RedisReplyCache, redis_client
from desk.dialogue import texts
from desk.dialogue.answer import compose_answer
from desk.dialogue.render import option_lines, wechat_pages
from desk.dialogue.topic_ids import CONTACT_TOPIC
from desk.policies.published import advertised_titles, live_topic_ids
from desk.policies.repository import PolicyRepository, shared_repository

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 128 * 1024  # a 10,000-character message, AES-encrypted and base64-encoded
MAX_MESSAGE_CHARS = settings.MAX_MESSAGE_CHARS
TIMESTAMP_WINDOW = 300  # seconds either side of the server's clock (CONTRACT.md)
NONCE_MAX = 100_000
REPLY_LIMIT_BYTES = 2048  # WeChat's limit for a passive text reply
REPLY_TIMEOUT = 4.5  # seconds; WeChat gives up (and retries) after 5
DEDUPE_TTL = 300.0  # WeChat's retries come within ~15 s; keep answers a while longer
DEDUPE_MAX = 4096
SUCCESS = "success"  # WeChat's "received, no reply" body
ELLIPSIS = "…"
SUBSCRIBE_EVENTS = frozenset({"subscribe", "subscribe_scan", "subscribe_scan_product"})
MENU_PREFIXES = ("topic_", "topic:", "menu_")  # optional, on a menu item's EventKey
MENU_CONTACT_KEYS = frozenset({"contact", "human", "handoff"})
USER_ID = re.compile(r"^[A-Za-z0-9_\-@.]{1,128}$")  # OpenIDs and gh_ account ids

def welcome(titles: Optional[List[Dict[str, str]]] = None) -> str:
    """The subscribe greeting in both languages, topics from the catalogue, each language within
    half of WeChat's byte limit (a long catalogue is cut, not the whole reply)."""
    if titles is None:
        titles = advertised_titles(shared_repository().all())
    half = (REPLY_LIMIT_BYTES - 2) // 2
    return "\n\n".join(fit_reply(texts.text("wechat", "welcome", lang, topics=texts.topic_list(titles, lang)), half)
                       for lang in ("zh", "en"))


def words_of(message: BaseMessage) -> Optional[str]:
    """What a message says in words: a text's content, the transcript WeChat adds to a voice
    message when speech recognition is on, or a shared link's title and description (a user
    forwarding a policy article asks about it); None for a picture, a file, an event, an
    untranscribed voice message or a link with neither. The channel and the gateway's outage
    replies both read it."""
    if message.type == "text":
        return message.content or ""
    if message.type == "voice":
        return (getattr(message, "recognition", None) or "").strip() or None
    if message.type == "link":
        said = [message._data.get(k) for k in ("Title", "Description")]
        return "\n".join(part.strip() for part in said if isinstance(part, str) and part.strip()) or None
    return None


def menu_payload(key: Optional[str], topics: Iterable[str]) -> Optional[str]:
    """What a menu click (CLICK event) asks the dialogue, by its EventKey (README, WeChat): a topic
    id (``work_permit``, ``TOPIC_work_permit``, ``topic:work_permit``, ``menu_work_permit``) asks
    that topic as its clarify button would (``/ask_<topic>``), ``contact``/``human``/``handoff``
    the contact topic; None for ``help``/``menu`` and any other key, which get the welcome."""
    name, known = (key or "").strip().lower(), set(topics)
    for prefix in MENU_PREFIXES:
        if name.startswith(prefix) and name not in known:
            name = name[len(prefix):].strip()
            break
    if name in MENU_CONTACT_KEYS:
        name = CONTACT_TOPIC
    if name in known and BUTTON_PAYLOAD.match(f"/ask_{name}"):
        return f"/ask_{name}"
    return None


def menu_topics() -> List[str]:
    """The topic ids a menu key may name: those in the database the served model knows (a topic
    imported but not yet published has no intent to ask)."""
    live = live_topic_ids()
    return [t for t in shared_repository().ids() if live is None or t in live]


def bilingual(key: str) -> str:
    return "\n".join(texts.text("wechat", key, lang, hotline=texts.hotline()) for lang in ("zh", "en"))


XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"'][^>]*\?>")


class Rejected(ValueError):
    """A request refused before it reaches the dialogue, with the status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class WeChatConfig:
    """Callback token, and AppID + EncodingAESKey when safe mode is set up."""

    token: str
    crypto: Optional[WeChatCrypto] = None

    @classmethod
    def from_env(cls) -> "WeChatConfig":
        token = settings.secret("WECHAT_TOKEN")
        app_id = os.environ.get("WECHAT_APPID", "").strip()
        aes_key = os.environ.get("WECHAT_AES_KEY", "").strip()
        return cls(token, _crypto(token, app_id, aes_key))


def _crypto(token: str, app_id: str, aes_key: str) -> Optional[WeChatCrypto]:
    """None when safe mode is not (correctly) configured: requests asking for it get a 400
    instead of the server failing to start or answering 500."""
    if not (app_id and aes_key):
        return None
    try:
        return WeChatCrypto(token, aes_key, app_id)
    except (AssertionError, ValueError):  # wechatpy asserts a 32-byte key; base64 errors are ValueError
        logger.error("WECHAT_AES_KEY is not a valid 43-character EncodingAESKey; safe mode is off")
        return None


@dataclass(frozen=True)
class Inbound:
    message: BaseMessage
    encrypted: bool


# --- reading a request -------------------------------------------------------------------


class NonceCache:
    """Nonces seen within the timestamp window (per process), so a signed request cannot be
    replayed. Entries older than twice the window can no longer pass the timestamp check and
    are dropped; the cache is bounded."""

    def __init__(self, ttl: float = 2 * TIMESTAMP_WINDOW, max_entries: int = NONCE_MAX) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._seen: "OrderedDict[str, float]" = OrderedDict()

    def first_use(self, nonce: str, now: Optional[float] = None) -> bool:
        """True the first time ``nonce`` is seen (and remembers it), False for a replay."""
        now = time.monotonic() if now is None else now
        while self._seen and (len(self._seen) >= self.max_entries or now - next(iter(self._seen.values())) > self.ttl):
            self._seen.popitem(last=False)
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        return True


class SharedNonces:
    """The nonce memory shared by every Rasa process through Redis (REDIS_URL), so a replay
    sent to another replica is refused too. If Redis cannot be asked, the per-process cache
    still applies (and a warning is logged)."""

    PREFIX = "desk:wechat:nonce:"

    def __init__(self, url: str) -> None:
        self.redis = redis_client(url)

    async def first_use(self, nonce: str) -> bool:
        try:
            return bool(await self.redis.set(self.PREFIX + nonce, 1, nx=True, ex=2 * TIMESTAMP_WINDOW))
        except Exception as exc:  # noqa: BLE001 - redis errors and OSError alike
            logger.warning("WeChat nonce check in Redis failed (%s); per-process check only", short_error(exc))
            return True


def signature_of(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode("utf-8")).hexdigest()


def verify_signature(token: str, args: Mapping[str, str], nonces: Optional[NonceCache] = None,
                     now: Optional[float] = None) -> None:
    """WeChat signs every callback (both modes) over token, timestamp and nonce. The
    signature is compared in constant time; a timestamp outside ±TIMESTAMP_WINDOW or a nonce
    already seen (when ``nonces`` is given) is refused."""
    signature, timestamp, nonce = (args.get(k) for k in ("signature", "timestamp", "nonce"))
    if not (signature and timestamp and nonce) or len(nonce) > 64 or len(timestamp) > 20:
        raise Rejected(403, "missing signature")
    if not hmac.compare_digest(signature.encode("utf-8", "replace"),
                               signature_of(token, timestamp, nonce).encode()):
        raise Rejected(403, "bad signature")
    if not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > TIMESTAMP_WINDOW:
        raise Rejected(403, "timestamp outside the accepted window")
    if nonces is not None and not nonces.first_use(nonce):
        raise Rejected(403, "replayed request (nonce already used)")


def utf8_xml(data: bytes) -> bytes:
    """The body as UTF-8 XML without a declaration: expat (under defusedxml and wechatpy's
    xmltodict) cannot read multi-byte encodings such as GBK and raised a 500. A declared
    encoding Python knows is decoded; an unknown one, or bytes not in it, is a 400."""
    match = XML_DECLARATION.match(data)
    if not match:
        return data
    name = match.group(1).decode("ascii")
    try:
        codec = codecs.lookup(name)
        text = data[match.end():].decode(codec.name)
    except (LookupError, UnicodeDecodeError):
        raise Rejected(400, f"cannot read XML declared as {name!r}") from None
    return text.encode("utf-8")


def safe_xml(data: bytes) -> Element:
    """Parse with DTDs and entities forbidden, so entity bombs and external entities are
    refused before any parser expands them."""
    try:
        root = defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise Rejected(400, "XML with a DTD or entities is not accepted") from None
    except (ParseError, ValueError, LookupError, RecursionError):  # ValueError: unsupported encodings
        raise Rejected(400, "malformed XML") from None
    if root.tag != "xml":
        raise Rejected(400, "the root element must be <xml>")
    return root


def decrypt(crypto: Optional[WeChatCrypto], root: Element, args: Mapping[str, str]) -> bytes:
    """The inner message XML of a safe-mode request, after its msg_signature is checked."""
    if crypto is None:
        raise Rejected(400, "AES safe mode requested but WECHAT_APPID / WECHAT_AES_KEY are not configured")
    encrypted = root.findtext("Encrypt")
    msg_signature = args.get("msg_signature")
    if not encrypted or not msg_signature:
        raise Rejected(400, "safe mode needs msg_signature and an <Encrypt> element")
    expected = hashlib.sha1("".join(sorted([crypto.token, args.get("timestamp") or "", args.get("nonce") or "",
                                            encrypted])).encode("utf-8")).hexdigest()
    if not hmac.compare_digest(msg_signature.encode("utf-8", "replace"), expected.encode()):
        raise Rejected(403, "bad msg_signature")  # checked here in constant time, before wechatpy's "!="
    try:
        inner = crypto.decrypt_message(
            {"Encrypt": encrypted}, msg_signature, args.get("timestamp"), args.get("nonce")
        )
    except InvalidSignatureException:
        raise Rejected(403, "bad msg_signature") from None
    except Exception:  # noqa: BLE001 - bad base64, padding, length or AppID are all bad input
        raise Rejected(400, "cannot decrypt the message") from None
    return inner.encode("utf-8")


def parse(xml: bytes) -> BaseMessage:
    """wechatpy's message object for XML already checked by safe_xml."""
    try:
        message = parse_message(xml)
    except Exception:  # noqa: BLE001 - wechatpy raises Key/Type/AttributeError on odd shapes
        raise Rejected(400, "not a WeChat message") from None
    if not USER_ID.match(str(message.source or "")) or not USER_ID.match(str(message.target or "")):
        raise Rejected(400, "FromUserName / ToUserName missing or malformed")
    if message.type == "text" and not isinstance(message.content, str):
        raise Rejected(400, "a text message needs a text Content")
    return message


def open_request(config: WeChatConfig, args: Mapping[str, str], body: bytes,
                 nonces: Optional[NonceCache] = None) -> Inbound:
    """Check, decrypt and parse one callback; nothing here touches the dialogue."""
    verify_signature(config.token, args, nonces)
    if len(body) > MAX_BODY_BYTES:
        raise Rejected(413, f"request body larger than {MAX_BODY_BYTES} bytes")
    encrypt_type = (args.get("encrypt_type") or "raw").lower()
    if encrypt_type not in ("raw", "aes"):
        raise Rejected(400, f"unsupported encrypt_type {encrypt_type!r}")
    body = utf8_xml(body)
    root = safe_xml(body)
    if encrypt_type == "aes":
        inner = utf8_xml(decrypt(config.crypto, root, args))
        safe_xml(inner)
        return Inbound(parse(inner), encrypted=True)
    return Inbound(parse(body), encrypted=False)


# --- composing the reply -----------------------------------------------------------------


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _cut(text: str, limit: int) -> str:
    """The longest prefix of text within limit bytes, never splitting a character."""
    return text.encode("utf-8")[:limit].decode("utf-8", errors="ignore")


def fit_reply(text: str, limit: int = REPLY_LIMIT_BYTES) -> str:
    """A plain text (no answer object) within WeChat's byte limit, cut at a line boundary."""
    text = text.strip()
    if _size(text) <= limit:
        return text
    budget = limit - _size("\n" + ELLIPSIS)
    kept: List[str] = []
    for line in text.split("\n"):
        if _size("\n".join([*kept, line])) > budget:
            break
        kept.append(line)
    return ("\n".join(kept) or _cut(text, budget)) + "\n" + ELLIPSIS


def reply_text(messages: List[Dict[str, Any]], repo: Optional[PolicyRepository] = None) -> Optional[str]:
    """The bot's turn as one WeChat text (the first page of ``reply_pages``)."""
    pages = reply_pages(messages, repo)
    return pages[0] if pages else None


def reply_pages(messages: List[Dict[str, Any]], repo: Optional[PolicyRepository] = None) -> List[str]:
    """The bot's turn as WeChat texts: the reply, then what the user gets by replying "more":
    the pages of an answer too long for one, and after the last, or right after an answer that
    fitted, a word that that was all, in the answer's language (a "more" after a one-page answer
    repeated it, or restarted in English). A message with a ``desk`` decision is rendered from
    its answer object (composed by the one composition function) in pages of whole items, never
    without the warnings or the sources line; other messages as their text. Button titles become
    bullet lines (WeChat text replies have no buttons)."""
    parts: List[str] = []
    later: List[str] = []
    end_language: Optional[str] = None  # of the answer whose pages are kept, else of the last one
    pending: Optional[Dict[str, Any]] = None  # a text message waiting for its desk payload
    for message in messages:
        custom = message.get("custom")
        desk = custom.get("desk") if isinstance(custom, dict) else None
        if isinstance(desk, dict) and desk.get("language") in ("zh", "en"):
            buttons = (pending or {}).get("buttons") or message.get("buttons") or []
            answer = compose_answer(desk, repo or shared_repository())
            budget = REPLY_LIMIT_BYTES - _size("\n\n".join(parts)) - (2 if parts else 0)
            pages = wechat_pages(answer, buttons, first_limit=max(budget, 0))
            parts.append(pages[0])
            if len(pages) > 1 and not later:
                later, end_language = pages[1:], answer["language"]
            elif not later:
                end_language = answer["language"]
            pending = None
            continue
        if pending is not None:
            parts.append(_plain(pending))
        pending = message if (message.get("text") or message.get("buttons")) else None
    if pending is not None:
        parts.append(_plain(pending))
    parts = [p for p in parts if p]
    if not parts:
        return []
    first = fit_reply("\n\n".join(parts))
    end = [texts.text("wechat", "pages_end", end_language)] if end_language else []
    return [_cdata_safe(page) for page in [first, *later, *end]]


def _cdata_safe(text: str) -> str:
    return text.replace("]]>", "]] >")  # wechatpy writes it into CDATA


def _plain(message: Dict[str, Any]) -> str:
    lines = [message["text"]] if message.get("text") else []
    lines += option_lines(message.get("buttons") or [])
    return "\n".join(lines)


def dedupe_key(message: BaseMessage) -> str:
    """WeChat's advice: messages by MsgId, events by FromUserName + CreateTime. An event's key
    also names its menu key, so two different taps within one second are two requests."""
    data = message._data  # raw strings: wechatpy's int conversion would raise on odd input
    if message.type == "event" or not data.get("MsgId"):
        return f"event:{message.source}:{data.get('CreateTime')}:{data.get('Event')}:{data.get('EventKey')}"
    return f"msg:{message.source}:{data.get('MsgId')}"


class ReplyCache:
    """In-flight and finished replies by message key, so that a retried message is answered
    from the same task (awaited if still running) and never reaches the dialogue twice.
    Bounded in size and age; entries are in creation order, so the oldest go first."""

    def __init__(self, ttl: float = DEDUPE_TTL, max_entries: int = DEDUPE_MAX) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: "OrderedDict[str, Tuple[float, asyncio.Future[str]]]" = OrderedDict()

    def _prune(self, now: float) -> None:
        while self._entries:
            created, _ = next(iter(self._entries.values()))
            if now - created <= self.ttl and len(self._entries) < self.max_entries:
                return
            self._entries.popitem(last=False)

    def task(self, key: str, start: Callable[[], Awaitable[str]]) -> "asyncio.Future[str]":
        """The reply task for key, started on first sight."""
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry and now - entry[0] <= self.ttl:
            return entry[1]
        self._entries.pop(key, None)
        self._prune(now)
        future = asyncio.ensure_future(start())
        self._entries[key] = (now, future)
        return future

    async def answer(self, key: str, start: Callable[[], Awaitable[str]], timeout: float) -> Optional[str]:
        """The reply for key, or None if it is not ready within timeout. The task is
        shielded: it finishes anyway, and a later retry gets its result."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.task(key, start)), max(timeout, 0.0))
        except asyncio.TimeoutError:
            return None
        except Exception:  # noqa: BLE001 - a failed reply is answered with "success", not a 500
            logger.exception("WeChat reply for %s failed", key)
            return None

    def has(self, key: str) -> bool:
        entry = self._entries.get(key)
        return bool(entry) and time.monotonic() - entry[0] <= self.ttl

    def __len__(self) -> int:
        return len(self._entries)


def reply_cache() -> "ReplyCache | RedisReplyCache":
    """Per process by default; shared through Redis when REDIS_URL is set, so that WeChat's
    retries of one message reaching different Rasa servers run the dialogue once."""
    local = ReplyCache()
    url = settings.redis_url()
    return RedisReplyCache(url, local, DEDUPE_TTL) if url else local


def page_store() -> "PageStore | RedisPageStore":
    """The rest of long answers: per process, or shared through Redis when REDIS_URL is set."""
    url = settings.redis_url()
    return RedisPageStore(url) if url else PageStore()


# --- the channel -------------------------------------------------------------------------


def _xml_response(body: str) -> HTTPResponse:
    return response.text(body, content_type="application/xml; charset=utf-8")


class WeChatInput(InputChannel):
    """WeChat Official Account server callback (plaintext and AES safe mode)."""

    def __init__(self, config: Optional[WeChatConfig] = None, reply_timeout: float = REPLY_TIMEOUT) -> None:
        self.config = config or WeChatConfig.from_env()
        self.reply_timeout = reply_timeout
        self.replies = reply_cache()
        self.pages = page_store()
        self.nonces = NonceCache()
        redis_url = settings.redis_url()
        self.shared_nonces = SharedNonces(redis_url) if redis_url else None

    async def _shared_first_use(self, args: Mapping[str, Optional[str]]) -> None:
        if self.shared_nonces and not await self.shared_nonces.first_use(str(args.get("nonce"))):
            raise Rejected(403, "replayed request (nonce already used)")

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        return cls()

    async def _dialogue(self, message: BaseMessage, said: str, on_new_message: OnNewMessage) -> Optional[str]:
        """Run one text message (or a voice message's transcript) through Rasa; the OpenID (in
        the WeChat channel's own namespace) is the conversation id."""
        text = chat_text(said)
        if not text:
            return None
        if asks_for_more(text):
            # the next page of the last answer, without a dialogue turn; with nothing kept (a first
            # message, or after the end word) the word that that was all, as on the web chat: as a
            # turn it repeated the last answer
            return await self.pages.next_page(message.source) or whole_answer_said(text)
        if len(text) > MAX_MESSAGE_CHARS:
            return phrase("too_long", text[:200])
        said_in = None if BUTTON_PAYLOAD.match(text) else text  # a menu's payload has no language
        collector = CollectingOutputChannel()
        try:
            await on_new_message(
                UserMessage(text, collector, conversation_id(self.name(), message.source), input_channel=self.name())
            )
        except Exception as exc:  # noqa: BLE001 - the user gets an apology, the log one short line
            logger.error("WeChat message %s from %s failed: %s", message._data.get("MsgId"), message.source,
                         short_error(exc))
            return phrase("unavailable", said_in)
        pages = reply_pages(collector.messages)
        await self.pages.keep(message.source, pages[1:])
        return (pages[0] if pages else None) or phrase("unavailable", said_in)

    async def _reply_xml(self, message: BaseMessage, on_new_message: OnNewMessage) -> str:
        """The rendered passive reply for a message, or "" for "success"."""
        said = words_of(message)
        if said is not None:
            content = await self._dialogue(message, said, on_new_message)
        elif message.type == "event" and message.event == "click":
            # a menu item the user tapped: its topic through the dialogue, else the welcome (never silence)
            payload = menu_payload(message._data.get("EventKey"), menu_topics())
            content = await self._dialogue(message, payload, on_new_message) if payload else welcome()
        elif message.type == "event":
            content = welcome() if message.event in SUBSCRIBE_EVENTS else None  # VIEW, unsubscribe: none
        elif message.type == "voice":
            content = bilingual("voice_unrecognised")  # speech recognition off or it heard nothing
        else:
            # a picture, a location, a file, a mini-program card, a type WeChat adds later: a user
            # sent it, so a polite word that the desk reads text, never silence
            content = bilingual("text_only")
        return create_reply(content, message, render=True) if content else ""

    def _respond(self, xml: Optional[str], inbound: Inbound, args: Mapping[str, str]) -> HTTPResponse:
        if not xml:
            return response.text(SUCCESS)
        if inbound.encrypted and self.config.crypto is not None:
            return _xml_response(self.config.crypto.encrypt_message(xml, args.get("nonce")))
        return _xml_response(xml)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        wechat = Blueprint("wechat_webhook", __name__)

        @wechat.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wechat.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            args = {k: request.args.get(k) for k in ("signature", "timestamp", "nonce", "echostr")}
            try:
                verify_signature(self.config.token, args, self.nonces)
                await self._shared_first_use(args)
            except Rejected as exc:
                return response.text(str(exc), status=exc.status)
            if not args["echostr"]:
                return response.text("missing echostr", status=400)
            return response.text(args["echostr"])

        @wechat.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            args = {k: request.args.get(k) for k in request.args}
            try:
                inbound = open_request(self.config, args, request.body or b"", self.nonces)
                await self._shared_first_use(args)
            except Rejected as exc:
                logger.info("WeChat callback refused (%s): %s", exc.status, exc)
                return response.text(str(exc), status=exc.status)
            remaining = self.reply_timeout - (time.monotonic() - started)
            xml = await self.replies.answer(
                dedupe_key(inbound.message),
                lambda: self._reply_xml(inbound.message, on_new_message),
                remaining,
            )
            if xml is None:
                logger.warning("reply to %s not ready in time; answered success", inbound.message.source)
            return self._respond(xml, inbound, args)

        return wechat
