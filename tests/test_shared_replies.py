"""WeChat de-duplication across Rasa servers, on a real Redis server: deliveries of one
message that reach different servers run the dialogue once and all get its reply."""

from __future__ import annotations

import asyncio
from typing import Iterator

import pytest

from desk.channels.pages import RedisPageStore
from desk.channels.shared_replies import RedisReplyCache
from desk.channels.wechat import ReplyCache
from tests.redis_server import running_redis


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with running_redis() as url:
        yield url


def servers(url: str, count: int = 2) -> list[RedisReplyCache]:
    """One shared cache per simulated Rasa server, each with its own local cache."""
    return [RedisReplyCache(url, ReplyCache(), ttl=60) for _ in range(count)]


def test_three_deliveries_to_two_servers_run_the_dialogue_once(redis_url: str) -> None:
    runs = []

    async def dialogue() -> str:
        runs.append(1)
        await asyncio.sleep(0.3)
        return "<xml>answer</xml>"

    async def scenario() -> list:
        a, b = servers(redis_url)
        deliveries = [a.answer("msg:u1:1", dialogue, 4.5), b.answer("msg:u1:1", dialogue, 4.5),
                      a.answer("msg:u1:1", dialogue, 4.5)]
        return await asyncio.gather(*deliveries)

    assert asyncio.run(scenario()) == ["<xml>answer</xml>"] * 3
    assert len(runs) == 1


def test_a_slow_reply_reaches_the_retry_on_another_server(redis_url: str) -> None:
    runs = []

    async def dialogue() -> str:
        runs.append(1)
        await asyncio.sleep(0.6)
        return "<xml>late</xml>"

    async def scenario() -> tuple:
        a, b = servers(redis_url)
        first = await a.answer("msg:u2:7", dialogue, 0.2)  # WeChat gives up; the task goes on
        await asyncio.sleep(0.6)
        retry = await b.answer("msg:u2:7", dialogue, 0.5)
        return first, retry

    assert asyncio.run(scenario()) == (None, "<xml>late</xml>")
    assert len(runs) == 1


def test_other_messages_are_not_confused(redis_url: str) -> None:
    async def scenario() -> list:
        a, b = servers(redis_url)

        def reply(text: str):  # noqa: ANN202
            async def run() -> str:
                return text
            return run

        return [await a.answer("msg:u3:1", reply("one"), 2), await b.answer("msg:u3:2", reply("two"), 2)]

    assert asyncio.run(scenario()) == ["one", "two"]


def test_unreachable_redis_still_answers() -> None:
    async def scenario() -> str | None:
        cache = RedisReplyCache("redis://127.0.0.1:1/0", ReplyCache(), ttl=60)

        async def dialogue() -> str:
            return "local"

        return await cache.answer("msg:u4:1", dialogue, 3)

    assert asyncio.run(scenario()) == "local"


def test_pages_kept_by_one_server_are_taken_by_another(redis_url: str) -> None:
    """A long WeChat answer's pages in Redis: any server takes the next one, once."""
    async def scenario() -> list:
        a, b = RedisPageStore(redis_url), RedisPageStore(redis_url)
        await a.keep("u-pages", ["p2", "p3"])
        taken = [await b.next_page("u-pages"), await a.next_page("u-pages"), await b.next_page("u-pages")]
        await a.keep("u-pages", ["x"])
        await b.keep("u-pages", [])  # a short answer on the other server clears them
        return taken + [await a.next_page("u-pages")]

    assert asyncio.run(scenario()) == ["p2", "p3", None, None]
