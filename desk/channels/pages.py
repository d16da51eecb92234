"""The rest of a WeChat answer too long for one passive reply (2048 bytes), kept per user so
that replying "more" (更多) gets the next page. WeChat's passive reply is the only message the
desk may send without an access token, so a long answer is sent a page per "more".

The channels that show whole answers (web chat, REST) keep no pages: there a "more" gets
WeChat's word that that was the whole answer (``whole_answer_said``), not a dialogue turn
(which repeated the last answer).

Per process by default; shared through Redis when REDIS_URL is set, so a "more" that reaches
another Rasa server behind the load balancer still finds the rest. A new answer replaces the
pages kept for the user; kept pages expire after PAGES_TTL seconds.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import OrderedDict
from typing import List, Optional, Tuple

import redis.asyncio as aioredis

from desk.channels.shared_replies import redis_client
from desk.dialogue import texts
from desk.language import detect

logger = logging.getLogger(__name__)

PAGES_TTL = 1800.0  # seconds: a user reading a long answer may come back to it within half an hour
PAGES_MAX_USERS = 10_000
KEY_PREFIX = "desk:wechat:pages:"
# The whole message asks for the next page: "更多", "more", "继续", "next page", "more pls".
MORE_ASKED = re.compile(
    r"^\W*(更多|更多内容|更多內容|还有呢|還有呢|继续|繼續|下一页|下一頁|下页|下頁|"
    r"more|more please|more pls|next|next page|continue|show more|the rest|rest)\W*$",
    re.IGNORECASE,
)


def asks_for_more(text: str) -> bool:
    return bool(MORE_ASKED.match(text or ""))


def whole_answer_said(text: str) -> Optional[str]:
    """For a channel that shows every answer whole (web chat, REST): a message asking for the
    next page ("more", "更多") gets the word WeChat says after an answer's last page (data/texts.yml
    ``wechat.pages_end``), in the language it was asked in, instead of a dialogue turn, which
    answered it by repeating the last answer; None for any other message."""
    if not asks_for_more(text):
        return None
    lang = detect(text)
    return texts.text("wechat", "pages_end", lang if lang in texts.LANGUAGES else "en")


class PageStore:
    """Pages still to send, by WeChat user, in memory; bounded in size and age."""

    def __init__(self, ttl: float = PAGES_TTL, max_users: int = PAGES_MAX_USERS) -> None:
        self.ttl = ttl
        self.max_users = max_users
        self._pages: "OrderedDict[str, Tuple[float, List[str]]]" = OrderedDict()

    async def keep(self, user: str, pages: List[str]) -> None:
        """Keep ``pages`` for the user's next "more"; none clears what was kept."""
        self._pages.pop(user, None)
        if pages:
            self._pages[user] = (time.monotonic(), list(pages))
            while len(self._pages) > self.max_users:
                self._pages.popitem(last=False)

    async def next_page(self, user: str) -> Optional[str]:
        """The next kept page for the user (taken from the store), or None."""
        entry = self._pages.pop(user, None)
        if not entry or time.monotonic() - entry[0] > self.ttl:
            return None
        first, rest = entry[1][0], entry[1][1:]
        if rest:
            self._pages[user] = (entry[0], rest)
        return first


class RedisPageStore:
    """The same, in Redis; while Redis is unreachable no pages are kept, and "more" gets
    the word that that was all."""

    def __init__(self, url: str, ttl: float = PAGES_TTL) -> None:
        self.redis = redis_client(url)
        self.ttl = int(ttl)

    async def keep(self, user: str, pages: List[str]) -> None:
        try:
            if pages:
                await self.redis.set(KEY_PREFIX + user, json.dumps(pages, ensure_ascii=False), ex=self.ttl)
            else:
                await self.redis.delete(KEY_PREFIX + user)
        except (aioredis.RedisError, OSError) as exc:
            logger.warning("could not keep the WeChat pages for %s: %s", user, exc)

    async def next_page(self, user: str) -> Optional[str]:
        try:
            raw = await self.redis.getdel(KEY_PREFIX + user)
        except (aioredis.RedisError, OSError) as exc:
            logger.warning("could not read the WeChat pages for %s: %s", user, exc)
            return None
        pages = json.loads(raw) if raw else []
        if not pages:
            return None
        if pages[1:]:
            await self.keep(user, pages[1:])
        return str(pages[0])
