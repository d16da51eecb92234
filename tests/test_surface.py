"""The public surface, private conversations and bad input, through the real stack (gateway,
Rasa server, action server, SQLite stores): what an outsider can reach and what they cannot
do with it (CONTRACT.md "Public surface")."""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Dict, List, Set, Tuple

import httpx
import pytest
import socketio

from desk.channels import sessions
from tests.stack import RASA_TOKEN, STAFF_TOKEN, Stack, build_stack

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    running = build_stack(tmp_path_factory.mktemp("surface")).start()
    yield running
    running.stop()


def sender() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def listening(pid: int) -> Set[Tuple[str, int]]:
    """(address, port) of the TCP sockets process ``pid`` listens on, from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A" or fields[9] not in inodes:  # 0A: LISTEN
                continue
            address, port = fields[1].split(":")
            if len(address) == 8:
                ip = socket.inet_ntoa(bytes.fromhex(address)[::-1])
            else:
                ip = "::" if set(address) == {"0"} else address
            found.add((ip, int(port, 16)))
    return found


def status(stack: Stack) -> Dict:
    return httpx.get(f"{stack.api_url}/_gateway/status", headers={"Authorization": f"Bearer {RASA_TOKEN}"}).json()


# --- surface -------------------------------------------------------------------------------


def test_public_port_serves_channels_only(stack: Stack) -> None:
    assert httpx.get(f"{stack.url}/health").json() == {"status": "ok"}
    token = {"token": RASA_TOKEN}
    for method, path in [
        ("GET", "/status"), ("GET", "/domain"), ("GET", "/version"), ("POST", "/model/parse"),
        ("PUT", "/model"), ("DELETE", "/model"), ("GET", "/conversations/hotline:x/tracker"),
        ("POST", "/conversations/x/messages"), ("GET", "/_gateway/status"), ("POST", "/_gateway/swap"),
        ("GET", "/metrics"), ("GET", "/%73tatus"), ("GET", "/webhooks/rest/../../status"),
        ("GET", "/webhooks/rest/%2e%2e/%2e%2e/status"), ("GET", "/webhooks/%72est/webhook"), ("GET", "/"),
    ]:
        response = httpx.request(method, f"{stack.url}{path}", params=token, json={"text": "hi"})
        assert response.status_code == 404, (method, path, response.status_code)
    assert httpx.get(f"{stack.url}/webhooks/rest/").status_code == 200
    assert httpx.get(f"{stack.api_url}/status", params=token).json()["model_file"]  # loopback admin side


def test_internal_servers_listen_on_loopback_only(stack: Stack) -> None:
    backend = status(stack)["backends"][0]["pid"]
    action = stack.servers["action"].process.pid  # type: ignore[union-attr]
    gateway = stack.servers["rasa"].process.pid  # type: ignore[union-attr]
    for pid in (backend, action):
        addresses = listening(pid)
        assert addresses and all(ip == "127.0.0.1" for ip, _ in addresses), (pid, addresses)
    gateway_addresses = listening(gateway)
    assert ("127.0.0.1", stack.admin_port) in gateway_addresses
    assert any(port == stack.rasa_port and ip in ("0.0.0.0", "::") for ip, port in gateway_addresses)


def test_tokens_are_not_on_command_lines_or_in_logs(stack: Stack) -> None:
    stack.ask(sender(), "你好")
    for pid in (status(stack)["backends"][0]["pid"], stack.servers["rasa"].process.pid):  # type: ignore[union-attr]
        assert RASA_TOKEN.encode() not in Path(f"/proc/{pid}/cmdline").read_bytes()
    for log in (stack.workdir / "logs").glob("*.log"):
        assert RASA_TOKEN not in log.read_text(errors="replace"), log


def test_cors_only_for_allowed_origins_and_never_with_credentials(stack: Stack) -> None:
    url = f"{stack.url}/webhooks/hotline/webhook"
    mine = "http://127.0.0.1:8080"  # the desk's own pages by default (DESK_WEB_ORIGIN)
    for origin in ("https://evil.example", "null", "http://127.0.0.1:8081", "http://evil.example:8080"):
        preflight = httpx.options(url, headers={"Origin": origin, "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in preflight.headers
        answer = httpx.post(url, json={"sender": sender(), "message": "hi"}, headers={"Origin": origin})
        assert "access-control-allow-origin" not in answer.headers
    preflight = httpx.options(url, headers={"Origin": mine, "Access-Control-Request-Method": "POST",
                                            "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.headers["access-control-allow-origin"] == mine
    assert "access-control-allow-credentials" not in preflight.headers
    answer = httpx.post(url, json={"sender": sender(), "message": "hi"},
                        headers={"Origin": mine, "Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=30)
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == mine


def test_metrics_on_the_admin_port(stack: Stack) -> None:
    stack.ask(sender(), "口岸签证需要什么材料？")
    text = httpx.get(f"{stack.api_url}/metrics").text
    assert 'desk_requests_total{channel="hotline",status="200"}' in text
    assert "desk_request_seconds_bucket" in text and "desk_model_info" in text
    assert 'desk_answers_total{channel="hotline",outcome="policy"}' in text


# --- conversations belong to their channel ---------------------------------------------------


def test_a_rest_caller_cannot_write_into_a_hotline_conversation(stack: Stack) -> None:
    call = sender()
    assert stack.ask(call, "口岸签证需要什么材料？")["topic"] == "port_visa"
    rest = httpx.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": call, "message": "永久居留需要什么条件"},
                      timeout=30)
    assert rest.status_code == 200 and all(m["recipient_id"] == call for m in rest.json())
    follow = stack.ask(call, "那需要多久？")
    assert follow["topic"] == "port_visa"  # the REST turn went to the REST conversation
    hotline_texts = [e["text"] for e in stack.events(f"hotline:{call}") if e["event"] == "user"]
    assert hotline_texts == ["口岸签证需要什么材料？", "那需要多久？"]
    assert [e["text"] for e in stack.events(f"rest:{call}") if e["event"] == "user"] == ["永久居留需要什么条件"]


async def _chat(url: str, session_id, messages: List[Dict]) -> Tuple[str, List[Dict]]:
    client = socketio.AsyncClient()
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    received: List[Dict] = []
    client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
    client.on("bot_uttered", lambda data: received.append(data))
    await client.connect(url, socketio_path="/socket.io", transports=["polling"])
    await client.emit("session_request", {"session_id": session_id})
    issued = await asyncio.wait_for(confirmed, 10)
    for message in messages:
        await client.emit("user_uttered", message if "session_id" in message else {**message, "session_id": issued})
        await asyncio.sleep(3)
    await client.disconnect()
    return issued, received


def test_web_chat_sessions_are_issued_by_the_server(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESK_SESSION_SECRET", stack.env["DESK_SESSION_SECRET"])
    made_up = "abc"
    issued, _ = asyncio.run(_chat(stack.url, made_up, []))
    assert issued != made_up and sessions.verify(issued)
    forged = issued.split(".")[0] + "." + "0" * 32
    other, _ = asyncio.run(_chat(stack.url, forged, []))
    assert other not in (forged, issued)
    # a client naming another's session in its messages still writes into its own
    mine, replies = asyncio.run(_chat(stack.url, None, [{"session_id": issued, "message": "你好"}]))
    assert replies  # the answer came back to this client
    victim = f"socketio:{issued.split('.')[0]}"
    own = f"socketio:{mine.split('.')[0]}"
    assert [e for e in stack.events(own) if e["event"] == "user"]
    response = httpx.get(f"{stack.api_url}/conversations/{victim}/tracker", params={"token": RASA_TOKEN})
    assert not [e for e in response.json()["events"] if e["event"] == "user"]
    # reconnecting with one's own signed id keeps the session
    again, _ = asyncio.run(_chat(stack.url, mine, []))
    assert again == mine


class ChatClient:
    """One socket.io client of the web chat channel, as a page is: asks for a session, then
    says things and collects every ``bot_uttered`` it is sent. (Over polling, the only
    transport python-socketio has here, a disconnect returns ~30 s after the server has it.)"""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient()
        self.received: List[Dict] = []
        self.session_id = ""
        self._arrived = asyncio.Event()
        self.client.on("bot_uttered", self._on_reply)

    def _on_reply(self, data: Dict) -> None:
        self.received.append(data)
        self._arrived.set()

    async def open(self, session_id=None, page_key=None) -> str:
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        self.client.on("session_confirm", lambda sid: confirmed.done() or confirmed.set_result(sid))
        await self.client.connect(self.url, socketio_path="/socket.io", transports=["polling"])
        await self.client.emit("session_request", {"session_id": session_id, "page_key": page_key})
        self.session_id = await asyncio.wait_for(confirmed, 10)
        return self.session_id

    async def say(self, text: str, answer: bool = True, timeout: float = 60) -> List[Dict]:
        """What came back for ``text``: up to its answer's ``desk`` payload (``answer``), else
        up to its first reply."""
        start = len(self.received)
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session_id})
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            replies = self.received[start:]
            if replies and (not answer or any("custom" in r for r in replies)):
                return replies
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), max(deadline - loop.time(), 0.01))

    async def close(self) -> None:
        await self.client.disconnect()


def desk_of(replies: List[Dict]) -> Dict:
    """The ``desk`` payload of a turn's replies."""
    return next(r["custom"]["desk"] for r in replies if "custom" in r)


def test_a_live_web_chat_session_cannot_be_joined_but_a_reload_resumes_it(stack: Stack) -> None:
    async def scenario() -> None:
        first = ChatClient(stack.url)
        issued = await first.open()
        assert desk_of(await first.say("口岸签证需要什么材料？"))["topic"] == "port_visa"
        # another client asks for that id while the first is connected: it gets its own
        other = ChatClient(stack.url)
        assert await other.open(issued) != issued
        heard = len(first.received)
        await other.say("那需要多久？")
        await asyncio.sleep(1)
        assert len(first.received) == heard  # nothing of the other's turn reached the first
        users = [e["text"] for e in stack.events(f"socketio:{issued.split('.')[0]}") if e["event"] == "user"]
        assert users == ["口岸签证需要什么材料？"]
        # the page reloads: its old connection closes, and the new page asks for its stored id
        closing = [asyncio.create_task(client.close()) for client in (other, first)]
        await asyncio.sleep(0.5)
        reloaded = ChatClient(stack.url)
        assert await reloaded.open(issued) == issued
        follow = desk_of(await reloaded.say("那需要多久？"))
        assert (follow["topic"], follow["aspect"]) == ("port_visa", "duration")
        await asyncio.gather(reloaded.close(), *closing)

    asyncio.run(scenario())


def test_a_page_that_reconnects_before_the_server_noticed_its_drop_keeps_its_conversation(stack: Stack) -> None:
    """A network drop: the page's new connection asks for its id while the server still holds
    the old one. The page's in-memory key shows it is the same page: it keeps its session and
    context, and the stale connection is closed. Another client with the id but not the key
    still gets a new one."""
    page, stranger = "a" * 32, "b" * 32

    async def scenario() -> None:
        before = ChatClient(stack.url)
        issued = await before.open(page_key=page)
        assert desk_of(await before.say("R签证要什么材料？"))["topic"] == "talent_visa"
        after = ChatClient(stack.url)  # the old connection is still up, as far as the server knows
        assert await after.open(issued, page_key=page) == issued
        follow = desk_of(await after.say("要多久？"))
        assert (follow["topic"], follow["aspect"]) == ("talent_visa", "duration")
        for _ in range(50):
            if not before.client.connected:
                break
            await asyncio.sleep(0.1)
        assert not before.client.connected  # the stale connection was closed by the server
        other = ChatClient(stack.url)
        assert await other.open(issued, page_key=stranger) != issued
        assert await ChatClient(stack.url).open(issued.replace(issued[0], "f" if issued[0] != "f" else "e", 1),
                                                page_key=page) != issued  # a made-up id: the key does not help
        await asyncio.gather(after.close(), other.close())

    asyncio.run(scenario())


def test_web_chat_answers_up_to_10000_characters_and_says_politely_when_longer(stack: Stack) -> None:
    question = " Our new engineer from Brazil arrives next week. How long does the work permit take to be approved?"
    filler = "We moved into the new office in Zhangjiang last month and the team is growing fast. " * 200
    longest = filler[: 10_000 - len(question)] + question
    assert len(longest) == 10_000

    async def scenario() -> None:
        chat = ChatClient(stack.url)
        await chat.open()
        answered = desk_of(await chat.say(longest))
        assert (answered["topic"], answered["aspect"]) == ("work_permit", "duration")
        polite = []
        for too_long in ("x" + longest, "签" * 10_100):
            polite += await chat.say(too_long, answer=False)
            await asyncio.sleep(1)  # and nothing after it
        assert len(polite) == 2 and chat.received[-2:] == polite
        assert "too long" in polite[0]["text"] and "太长" in polite[1]["text"]
        assert all("10,000" in r["text"] and "custom" not in r for r in polite)
        await chat.close()

    asyncio.run(scenario())


# --- bad input never crashes a turn ----------------------------------------------------------


def test_bad_input_through_the_stack(stack: Stack) -> None:
    rest = f"{stack.url}/webhooks/rest/webhook"
    for text in ("a" * 300, "hahaha" * 500, "x" * 9_999 + "签", "口岸\x00签证\x1b材料"):
        answer = stack.hotline({"sender": sender(), "message": text})
        assert answer.status_code == 200, (text[:20], answer.text[:200])
        assert answer.json()["replies"]
        assert httpx.post(rest, json={"sender": sender(), "message": text}, timeout=30).json()[0]["text"]
    deep = b'{"sender": "x", "message": "hi", "m": ' + b"[" * 1500 + b"]" * 1500 + b"}"
    assert stack.hotline(None, raw=deep).status_code == 400
    assert httpx.post(rest, content=deep, timeout=30).status_code == 400
    feedback = httpx.post(f"{stack.url}/webhooks/hotline/feedback", content=deep,
                          headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=30)
    assert feedback.status_code == 400
    who = sender()
    stack.ask(who, "口岸签证需要什么材料？")
    for command in ("/restart", '/intent{"topic": "x"}', "/session_start", "/ask_port_visa/restart"):
        assert stack.hotline({"sender": who, "message": command}).status_code == 400
        assert httpx.post(rest, json={"sender": who, "message": command}, timeout=30).status_code == 400
    assert stack.ask(who, "那需要多久？")["topic"] == "port_visa"  # nothing was restarted
    assert stack.ask(who, '/ask_talent_visa{"aspect": "materials"}')["topic"] == "talent_visa"
    assert stack.hotline({"sender": who, "message": "/ask_no_such_topic"}).status_code in (200, 503)
    assert stack.hotline({"sender": who, "message": "x" * 10_001}).status_code == 413
    log = (stack.workdir / "logs" / "action-server.log").read_text(errors="replace")
    assert "RecursionError" not in log


# --- the tracker database -----------------------------------------------------------------


def test_a_locked_tracker_database_is_a_clear_error_not_a_lost_turn(stack: Stack) -> None:
    who = sender()
    stack.ask(who, "口岸签证需要什么材料？")
    before = len(stack.events(f"hotline:{who}"))
    database = stack.env["DESK_TRACKER_URL"].split("///", 1)[1]
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        connection = sqlite3.connect(database, timeout=30)
        connection.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(60)
        connection.rollback()
        connection.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    try:
        locked.wait(10)
        started = time.monotonic()
        answer = stack.hotline({"sender": who, "message": "那需要多久？"})
        elapsed = time.monotonic() - started
        assert answer.status_code == 503 and answer.json()["unavailable"] is True
        assert "12345" in answer.json()["replies"][0] and answer.json()["language"] == "zh"
        assert elapsed < 25
        # the event loop was not blocked: the server answers other requests meanwhile
        quick = time.monotonic()
        assert httpx.get(f"{stack.url}/webhooks/rest/").status_code == 200
        assert time.monotonic() - quick < 1.0
    finally:
        release.set()
        holder.join()
    assert len(stack.events(f"hotline:{who}")) == before  # nothing half-stored, nothing in memory
    assert stack.ask(who, "那需要多久？")["topic"] == "port_visa"  # context intact afterwards


def test_errors_are_logged_short(stack: Stack) -> None:
    for path in (stack.workdir / "logs").glob("*.log"):
        for line in path.read_text(errors="replace").splitlines():
            assert len(line) < 5000, (path.name, line[:200])


def test_retention_cleanup(stack: Stack) -> None:
    from desk.channels.stores import cleanup

    who = sender()
    stack.ask(who, "你好")
    url = stack.env["DESK_TRACKER_URL"]
    assert cleanup(url, days=180) == 0
    assert cleanup(url, days=1, now=time.time() + 2 * 86400) >= 1
    response = httpx.get(f"{stack.api_url}/conversations/hotline:{who}/tracker", params={"token": RASA_TOKEN})
    assert not [e for e in response.json()["events"] if e["event"] == "user"]
