"""The per-user store of a long WeChat answer's remaining pages (unit: the channel's use of it is
tested end to end in test_wechat)."""

from __future__ import annotations

import asyncio

import pytest

from desk.channels.pages import PageStore, asks_for_more


@pytest.mark.parametrize("text", ["更多", "more", "More!", " 继续 ", "next page", "下一页", "more pls"])
def test_more_is_asked(text: str) -> None:
    assert asks_for_more(text)


@pytest.mark.parametrize("text", ["more documents?", "tell me more about the R visa", "更多材料", "", "no more"])
def test_a_question_is_not_a_request_for_the_next_page(text: str) -> None:
    assert not asks_for_more(text)


def test_pages_are_taken_in_order_and_replaced_by_a_new_answer() -> None:
    async def run() -> None:
        store = PageStore()
        await store.keep("u1", ["p2", "p3"])
        assert await store.next_page("u1") == "p2"
        await store.keep("u1", ["q2"])  # a new long answer replaces the old one's pages
        assert await store.next_page("u1") == "q2"
        assert await store.next_page("u1") is None
        await store.keep("u2", ["x"])
        await store.keep("u2", [])  # a short answer clears them
        assert await store.next_page("u2") is None

    asyncio.run(run())


def test_pages_expire_and_the_store_is_bounded() -> None:
    async def run() -> None:
        old = PageStore(ttl=-1.0)
        await old.keep("u", ["p"])
        assert await old.next_page("u") is None
        small = PageStore(max_users=2)
        for user in ("a", "b", "c"):
            await small.keep(user, ["p"])
        assert await small.next_page("a") is None and await small.next_page("c") == "p"

    asyncio.run(run())
