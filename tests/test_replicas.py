"""Two Rasa servers behind the gateway on PostgreSQL (tracker store) and Redis (locks, WeChat
de-duplication), as a scaled-out deployment runs them: any server answers any turn of any
conversation, one WeChat message delivered three times at once runs the dialogue once, and a
model swap replaces both servers without a failed request."""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Iterator, List

import httpx
import pytest

from desk.policies.db import new_session
from desk.policies.importer import import_paths
from tests.postgres import postgres_bin, running_postgres
from tests.redis_server import running_redis
from tests.stack import RASA_TOKEN, STAFF_TOKEN, Stack, build_stack
from tests.test_wechat import FakeWeChat, lengthened_topic, text_xml

pytestmark = [
    pytest.mark.stack,
    pytest.mark.skipif(postgres_bin() is None, reason="PostgreSQL is not installed (.ci/run installs it)"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    with running_postgres() as pg_url, running_redis() as redis_url:
        workdir = tmp_path_factory.mktemp("replicas")
        running = build_stack(workdir)
        running.env.update({"DESK_TRACKER_URL": pg_url, "REDIS_URL": redis_url, "DESK_RASA_REPLICAS": "2"})
        with new_session(running.env["DESK_DB_URL"]) as session:  # one answer long enough for pages
            import_paths(session, [str(lengthened_topic(workdir))], author="test")
        running.start()
        yield running
        running.stop()


def gateway_status(stack: Stack) -> dict:
    response = httpx.get(f"{stack.api_url}/_gateway/status", headers={"Authorization": f"Bearer {RASA_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()


def ask(base_url: str, sender: str, message: str) -> dict:
    response = httpx.post(f"{base_url}/webhooks/hotline/webhook", json={"sender": sender, "message": message},
                          headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


def test_turns_on_alternate_servers_keep_the_context(stack: Stack) -> None:
    backends = [b["url"] for b in gateway_status(stack)["backends"]]
    assert len(backends) == 2 and backends[0] != backends[1]
    sender = f"call-{uuid.uuid4().hex[:8]}"
    first = ask(backends[0], sender, "口岸签证需要什么材料？")
    second = ask(backends[1], sender, "那需要多久？")
    third = ask(backends[0], sender, "in English please")
    assert first["topic"] == second["topic"] == third["topic"] == "port_visa"
    assert second["aspect"] == "duration"
    assert third["language"] == "en"


def test_the_gateway_spreads_one_conversation_over_both_servers(stack: Stack) -> None:
    before = {b["url"]: b["served"] for b in gateway_status(stack)["backends"]}
    sender = f"call-{uuid.uuid4().hex[:8]}"
    topics = [ask(stack.url, sender, text)["topic"] for text in
              ("How do I apply for permanent residence?", "what documents?", "and how long does it take?",
               "where do I hand them in?")]
    assert topics == ["permanent_residence"] * 4
    after = {b["url"]: b["served"] for b in gateway_status(stack)["backends"]}
    assert all(after[url] > before[url] for url in after), (before, after)


def test_three_simultaneous_deliveries_run_the_dialogue_once(stack: Stack) -> None:
    wechat = FakeWeChat(stack.url)
    user = "o" + uuid.uuid4().hex[:27]
    xml = text_xml(user, "工作许可怎么申请？")

    async def three_at_once() -> List[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            requests = [wechat.request(xml) for _ in range(3)]
            return await asyncio.gather(*(client.post(f"{stack.url}/webhooks/wechat/webhook", **r) for r in requests))

    replies = [wechat.open_reply(r) for r in asyncio.run(three_at_once())]
    assert replies[0]["Content"] and all(r["Content"] == replies[0]["Content"] for r in replies)
    events = stack.events(f"wechat:{user}")  # the Rasa API is on the gateway's loopback admin port
    assert len([e for e in events if e["event"] == "user"]) == 1


def test_the_pages_of_a_long_answer_are_found_by_either_server(stack: Stack) -> None:
    """The rest of a long WeChat answer is kept in Redis: each "more", whichever server the gateway
    gives it to, gets the next page, and none of them is a dialogue turn."""
    wechat = FakeWeChat(stack.url)
    user = "o" + uuid.uuid4().hex[:27]
    pages = [wechat.open_reply(wechat.post(text_xml(user, "家属办证需要什么材料？")))["Content"]]
    while "回复“更多”" in pages[-1] and len(pages) < 10:
        pages.append(wechat.open_reply(wechat.post(text_xml(user, "更多")))["Content"])
    assert len(pages) >= 3 and len(set(pages)) == len(pages) and "回复“更多”" not in pages[-1]
    events = stack.events(f"wechat:{user}")
    assert len([e for e in events if e["event"] == "user"]) == 1


def test_a_swap_replaces_both_servers_without_a_failed_request(stack: Stack) -> None:
    old = {b["url"] for b in gateway_status(stack)["backends"]}
    failures: List[str] = []
    answered = [0]
    stop = threading.Event()

    def caller(n: int) -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.is_set():
                r = client.post(f"{stack.url}/webhooks/hotline/webhook",
                                json={"sender": f"swap-{n}-{answered[0] // 10}", "message": "R字签证有效期多久"},
                                headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
                if r.status_code != 200 or r.json().get("topic") != "talent_visa":
                    failures.append(f"{r.status_code} {r.text[:200]}")
                answered[0] += 1

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    try:
        swapped = httpx.post(f"{stack.api_url}/_gateway/swap", json={"model": stack.model},
                             headers={"Authorization": f"Bearer {RASA_TOKEN}"}, timeout=600)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["replicas"] == 2
    new = {b["url"] for b in gateway_status(stack)["backends"]}
    assert len(new) == 2 and not new & old
    assert answered[0] > 10 and failures == []
