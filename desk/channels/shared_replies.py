"""WeChat retry de-duplication shared by every Rasa server through Redis.

WeChat retries an unanswered message up to three times, and behind a load balancer each
delivery can reach another Rasa server. The in-process ``ReplyCache`` (desk.channels.wechat)
only knows the deliveries that reached its own process, so with several servers the same
message would run the dialogue once per server. Here the first server to see a message claims
it in Redis (``SET NX``) and runs the dialogue; the reply is stored under the message key, and a
delivery that reaches any other server waits for that reply instead of running the dialogue.
Deliveries inside the claiming process share its task through the local cache as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from typing import Awaitable, Callable, Optional, Protocol

import redis.asyncio as aioredis

logger = logging.getLogger(__name__)

KEY_PREFIX = "desk:wechat:"
POLL_SECONDS = 0.05  # how often a waiting server looks for the claiming server's reply
# A Redis that does not answer within this counts as down: WeChat waits only 5 s for a reply.
REDIS_TIMEOUT_SECONDS = 2.0


def redis_client(url: str) -> "aioredis.Redis":
    """The WeChat channel's Redis client (retries, nonces, pages), with its short timeouts."""
    return aioredis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS)


class LocalReplies(Protocol):
    """The in-process cache (desk.channels.wechat.ReplyCache)."""

    def has(self, key: str) -> bool: ...

    async def answer(self, key: str, start: Callable[[], Awaitable[str]], timeout: float) -> Optional[str]: ...


class RedisReplyCache:
    """Same interface as ``ReplyCache.answer``: the reply for a message key, or None when
    it is not ready within the timeout (WeChat then gets "success" and retries)."""

    def __init__(self, url: str, local: LocalReplies, ttl: float) -> None:
        self.redis = redis_client(url)
        self.local = local
        self.ttl = int(ttl)
        self.owner = f"{os.getpid()}:{uuid.uuid4().hex[:8]}"

    async def answer(self, key: str, start: Callable[[], Awaitable[str]], timeout: float) -> Optional[str]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        if self.local.has(key):  # a retry that came back to the claiming process
            return await self.local.answer(key, start, timeout)
        try:
            claimed = await self.redis.set(KEY_PREFIX + "claim:" + key, self.owner, nx=True, ex=self.ttl)
        except (aioredis.RedisError, OSError) as exc:
            # Redis down: answering twice is better than not answering at all
            logger.warning("Redis unreachable for WeChat de-duplication (%s); answering locally", exc)
            return await self.local.answer(key, start, timeout)
        if claimed:
            return await self.local.answer(key, self._storing(key, start), timeout)
        return await self._wait_for_reply(key, deadline)

    def _storing(self, key: str, start: Callable[[], Awaitable[str]]) -> Callable[[], Awaitable[str]]:
        async def run() -> str:
            reply = await start()
            try:
                await self.redis.set(KEY_PREFIX + "reply:" + key, reply, ex=self.ttl)
            except (aioredis.RedisError, OSError) as exc:
                logger.warning("could not share the WeChat reply for %s: %s", key, exc)
            return reply

        return run

    async def _wait_for_reply(self, key: str, deadline: float) -> Optional[str]:
        loop = asyncio.get_running_loop()
        while True:
            try:
                value = await self.redis.get(KEY_PREFIX + "reply:" + key)
            except (aioredis.RedisError, OSError):
                return None
            if value is not None:
                return value.decode("utf-8")
            if loop.time() + POLL_SECONDS > deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)


