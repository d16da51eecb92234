"""Who holds a web chat session (desk.channels.sessions.Holders): a session held by a live
connection is not given to another one, in one process and, through Redis, across the Rasa
servers; a connection that went away frees it."""

from __future__ import annotations

import asyncio
import shutil
from typing import List, Set

import pytest
import redis

from desk.admin.processes import free_port
from desk.channels import sessions
from tests.redis_server import running_redis


async def closed(*holders: sessions.Holders) -> None:
    """Stop what the holders run in the background and close their Redis clients."""
    for holder in holders:
        if holder._renewing is not None:
            holder._renewing.cancel()
        if holder.redis is not None:
            await holder.redis.close()


def test_a_live_holder_keeps_its_session_in_one_process() -> None:
    live: Set[str] = {"a", "b", "c"}

    async def scenario() -> None:
        holders = sessions.Holders(lambda sid: sid in live)
        assert await holders.claim("n1", "a")
        assert await holders.claim("n1", "a")  # asking again on the same connection
        assert not await holders.claim("n1", "b", grace=0.3)
        await holders.release("a")  # its disconnect
        assert await holders.claim("n1", "b")
        live.discard("b")  # gone, its disconnect not handled yet: a reload's new page
        assert await holders.claim("n1", "c", grace=0.3)
        assert holders.held_by("c") == "n1" and holders.held_by("b") is None
        assert await holders.claim("n2", "c")  # a second request on one connection moves it
        assert holders.held_by("c") == "n2" and await holders.claim("n1", "a")

    asyncio.run(scenario())


def test_the_wait_lets_a_reloads_old_connection_go() -> None:
    live: Set[str] = {"old", "new"}

    async def scenario() -> None:
        holders = sessions.Holders(lambda sid: sid in live)
        assert await holders.claim("n", "old")

        async def old_page_closes() -> None:
            await asyncio.sleep(0.3)
            await holders.release("old")

        closing = asyncio.create_task(old_page_closes())
        assert await holders.claim("n", "new", grace=2.0)
        await closing

    asyncio.run(scenario())


def test_the_page_that_holds_a_session_takes_it_over_when_it_reconnects() -> None:
    live: Set[str] = {"old", "new", "tab", "stranger"}
    evicted: List[str] = []

    async def evict(sid: str) -> None:
        evicted.append(sid)
        live.discard(sid)

    async def scenario() -> None:
        holders = sessions.Holders(lambda sid: sid in live, evict=evict)
        assert await holders.claim("n", "old", page="p" * 32)
        assert not await holders.claim("n", "tab", grace=0.3, page="q" * 32)  # another tab of the id
        assert not await holders.claim("n", "stranger", grace=0.3)  # no key at all
        assert await holders.claim("n", "new", grace=0.3, page="p" * 32)  # the page, reconnected
        assert evicted == ["old"] and holders.held_by("new") == "n" and holders.held_by("old") is None
        await holders.release("old")  # the old connection's disconnect, arriving late: no effect
        assert holders.held_by("new") == "n"

    asyncio.run(scenario())


@pytest.mark.parametrize("value, key", [
    ("0123456789abcdef" * 2, "0123456789abcdef" * 2), ("A" * 32, ""), ("a" * 31, ""), (None, ""), (["a" * 32], ""),
])
def test_page_keys_are_32_hex_characters(value: object, key: str) -> None:
    assert sessions.page_key(value) == key


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_a_page_takes_its_session_over_from_another_server_through_redis() -> None:
    with running_redis() as url:
        async def scenario() -> None:
            first = sessions.Holders(lambda sid: True, url)  # the old connection reached this server
            second = sessions.Holders(lambda sid: True, url)
            try:
                assert await first.claim("n", "old", page="p" * 32)
                assert not await second.claim("n", "tab", grace=0.3, page="q" * 32)
                assert await second.claim("n", "new", grace=0.3, page="p" * 32)
                await first.release("old")  # its late disconnect does not free the new hold
                assert not await first.claim("n", "x", grace=0.3)
            finally:
                await closed(first, second)

        asyncio.run(scenario())


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")
def test_holds_are_shared_between_servers_through_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sessions, "HOLD_SECONDS", 1)  # renewed every third of a second
    with running_redis() as url:
        async def scenario() -> None:
            first = sessions.Holders(lambda sid: True, url)  # two Rasa servers
            second = sessions.Holders(lambda sid: True, url)
            try:
                assert await first.claim("n", "a")
                await asyncio.sleep(1.5)  # longer than a hold lasts unrenewed
                assert not await second.claim("n", "b", grace=0.3)
                await first.release("a")
                assert await second.claim("n", "b")
                assert not await first.claim("n", "c", grace=0.3)
            finally:
                await closed(first, second)

        asyncio.run(scenario())
        assert redis.Redis.from_url(url).get(sessions.KEY_PREFIX + "n") is not None
        assert redis.Redis.from_url(url).ttl(sessions.KEY_PREFIX + "n") <= 1  # lapses with its server


def test_without_redis_the_check_stays_in_the_process() -> None:
    async def scenario() -> None:
        holders = sessions.Holders(lambda sid: True, f"redis://127.0.0.1:{free_port()}/0")
        try:
            assert await holders.claim("n", "a")  # Redis down: a warning, and the chat goes on
            assert not await holders.claim("n", "b", grace=0.3)
            await holders.release("a")
        finally:
            await closed(holders)

    asyncio.run(scenario())
