"""Web chat session ids issued by the server: a random part and an HMAC of it under
DESK_SESSION_SECRET, so a client can keep its session across reloads but cannot make one
up, or take over another's by guessing (128 random bits); and which connection holds each
session (``Holders``), so that knowing an id is not enough to join a session in use. Only the
page that holds it, reconnecting after a network drop, takes it over: it proves it is the same
page by a key it made at load and keeps in memory only (never stored, so not shared with other
tabs or whoever learnt the id)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from typing import Awaitable, Callable, Dict, Optional

import redis.asyncio as aioredis

from desk import settings
from desk.channels.shared_replies import redis_client

logger = logging.getLogger(__name__)

SEPARATOR = "."
RANDOM_BYTES = 16
MAX_SESSION_CHARS = 128
# A page's key: 32 hex characters (random, made by the page at load).
PAGE_KEY_CHARS = 32


def _signature(nonce: str) -> str:
    key = settings.secret("DESK_SESSION_SECRET").encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def _hex(text: str, length: int) -> bool:
    """Exactly ``length`` lower-case hex digits, as the server and the page make them."""
    return len(text) == length and all(c in "0123456789abcdef" for c in text)


def issue() -> str:
    """A new signed session id ``<random>.<signature>``."""
    nonce = secrets.token_hex(RANDOM_BYTES)
    return f"{nonce}{SEPARATOR}{_signature(nonce)}"


def verify(session_id: object) -> Optional[str]:
    """The random part of a session id this server issued, else None (compared in constant
    time, so the signature cannot be found byte by byte)."""
    if not isinstance(session_id, str) or len(session_id) > MAX_SESSION_CHARS or SEPARATOR not in session_id:
        return None
    nonce, signature = session_id.rsplit(SEPARATOR, 1)
    if not _hex(nonce, 2 * RANDOM_BYTES):
        return None
    return nonce if hmac.compare_digest(signature.encode(), _signature(nonce).encode()) else None


# --- who holds a session --------------------------------------------------------------------

KEY_PREFIX = "desk:webchat:held:"
# A hold in Redis is renewed every third of this, so a crashed server's holds lapse after it.
HOLD_SECONDS = 60
# How long a request for a held session waits for its holder to go: a reloaded page asks for
# its id again while the server may still be closing the old page's connection.
GRACE_SECONDS = 2.0
POLL_SECONDS = 0.1

# Renew our hold, or take it again if it lapsed (e.g. Redis restarted); never take another's.
RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then return 1 end
return 0
"""
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
# The same page reconnecting takes its hold over (from whichever server) when the value ends with its key.
TAKE_OVER = """
local held = redis.call('get', KEYS[1])
if held and string.sub(held, -string.len(ARGV[1])) == ARGV[1] then
  redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1
end
return 0
"""


def page_key(value: object) -> str:
    """A page's key as sent with its session request, or "" when missing or malformed."""
    return value if isinstance(value, str) and _hex(value, PAGE_KEY_CHARS) else ""


class Holders:
    """Which live socket.io connection holds each web chat session, so that an issued id is
    never given to a second connection while the first one is connected (CONTRACT.md, "Public
    surface": a session cannot be joined by another client). A reload still resumes: its old
    connection is gone (or goes within GRACE_SECONDS) before the page asks for its id again.

    Per process, and with ``redis_url`` (REDIS_URL: several Rasa servers, socket.io pinned per
    client address, so two clients may reach two servers) also in Redis under a key per
    session that this process renews while the connection lives and deletes when it closes.
    While Redis does not answer, the check falls back to this process's connections.

    A socket.io client that lost its network reconnects before the server notices (up to its
    ping timeout, ~45 s): its new connection brings the key of the page that holds the session
    and takes it over at once; the old connection is closed with ``evict``."""

    def __init__(
        self,
        connected: Callable[[str], bool],
        redis_url: Optional[str] = None,
        evict: Optional[Callable[[str], Awaitable[None]]] = None,
    ) -> None:
        self.connected = connected  # whether a socket.io sid is still connected here
        self.evict = evict  # closes a connection whose page has taken its session over
        self.by_session: Dict[str, str] = {}  # session nonce -> sid
        self.by_sid: Dict[str, str] = {}  # sid -> session nonce
        self.page_of: Dict[str, str] = {}  # sid -> the key of the page it belongs to
        self.redis = redis_client(redis_url) if redis_url else None
        self.owner = secrets.token_hex(8)  # this process, in the Redis values
        self._renewing: Optional["asyncio.Task[None]"] = None

    def held_by(self, sid: str) -> Optional[str]:
        """The session nonce connection ``sid`` holds, if any."""
        return self.by_sid.get(sid)

    async def claim(self, nonce: str, sid: str, grace: float = GRACE_SECONDS, page: str = "") -> bool:
        """Give session ``nonce`` to connection ``sid`` (which gives up any other it held),
        unless another live connection holds it for longer than ``grace`` seconds; a holder
        of the same ``page`` (the page reconnecting) gives it up at once."""
        if self.by_sid.get(sid) not in (None, nonce):
            await self.release(sid)
        if page:
            self.page_of[sid] = page
            if await self._take_over(nonce, sid, page):
                return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while True:
            holder = self.by_session.get(nonce)
            if holder == sid:
                return True
            if holder is not None and not self.connected(holder):
                await self.release(holder)  # its disconnect is still on its way
                holder = None
            if holder is None and await self._claim_shared(nonce, sid):
                self.by_session[nonce], self.by_sid[sid] = sid, nonce
                return True
            if loop.time() + POLL_SECONDS > deadline:
                return False
            await asyncio.sleep(POLL_SECONDS)

    async def release(self, sid: str) -> None:
        """Connection ``sid`` is gone (or moves to another session): free what it held."""
        value = self._value(sid)
        nonce = self.by_sid.pop(sid, None)
        self.page_of.pop(sid, None)
        if nonce is None:
            return
        if self.by_session.get(nonce) == sid:
            del self.by_session[nonce]
        if self.redis is not None:
            try:
                await self.redis.eval(RELEASE, 1, KEY_PREFIX + nonce, value)
            except (aioredis.RedisError, OSError) as exc:  # it lapses after HOLD_SECONDS
                logger.warning("could not release web chat session hold in Redis: %s", exc)

    def _value(self, sid: str) -> str:
        return f"{self.owner}:{sid}:{self._page_digest(self.page_of.get(sid, ''))}"

    @staticmethod
    def _page_digest(page: str) -> str:
        """What Redis keeps of a page's key: a digest, so the store never holds the key itself."""
        return hashlib.sha256(page.encode()).hexdigest()[:32] if page else "-"

    async def _take_over(self, nonce: str, sid: str, page: str) -> bool:
        """The same page reconnecting: the hold of its old connection is freed (and that
        connection closed) here, or moved to ``sid`` in Redis when another server has it.
        False when the session is not held by this page (the ordinary claim decides)."""
        holder = self.by_session.get(nonce)
        if holder == sid:
            return True
        if holder is not None:
            if self.page_of.get(holder) == page:
                await self.release(holder)
                if self.evict is not None and self.connected(holder):
                    await self.evict(holder)
            return False
        if self.redis is None:
            return False
        try:
            taken = await self.redis.eval(
                TAKE_OVER, 1, KEY_PREFIX + nonce, self._page_digest(page), self._value(sid), HOLD_SECONDS
            )
        except (aioredis.RedisError, OSError) as exc:
            logger.warning("Redis unreachable for web chat session holds (%s); checking this server only", exc)
            return False
        if not taken:
            return False
        self.by_session[nonce], self.by_sid[sid] = sid, nonce
        self._renew_soon()
        return True

    async def _claim_shared(self, nonce: str, sid: str) -> bool:
        if self.redis is None:
            return True
        try:
            claimed = await self.redis.set(KEY_PREFIX + nonce, self._value(sid), nx=True, ex=HOLD_SECONDS)
        except (aioredis.RedisError, OSError) as exc:
            logger.warning("Redis unreachable for web chat session holds (%s); checking this server only", exc)
            return True
        if claimed:
            self._renew_soon()
        return bool(claimed)

    def _renew_soon(self) -> None:
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.get_running_loop().create_task(self._renew())

    async def _renew(self) -> None:
        """Keep this process's holds alive in Redis while it has any."""
        assert self.redis is not None
        while self.by_session:
            await asyncio.sleep(HOLD_SECONDS / 3)
            held = list(self.by_session.items())
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for nonce, sid in held:
                        pipe.eval(RENEW, 1, KEY_PREFIX + nonce, self._value(sid), HOLD_SECONDS)
                    await pipe.execute()
            except (aioredis.RedisError, OSError) as exc:
                logger.warning("could not renew web chat session holds in Redis: %s", exc)
