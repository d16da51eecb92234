"""A crash of one part does not take the desk down: kill -9 of the Rasa backend or the action
server, through the real stack. Meanwhile every channel answers politely (no 500, no
connection refused, never silence on WeChat), and the part is back within the contract's
time (Rasa 60 s, action server 30 s)."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid

import httpx
import pytest

from desk.admin.processes import Supervisor
from desk.dialogue import texts
from tests.stack import RASA_TOKEN, Stack, build_stack
from tests.test_wechat import FakeWeChat, cdata, event_xml, text_xml, typed_xml

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    running = build_stack(tmp_path_factory.mktemp("recovery")).start()
    yield running
    running.stop()


def status(stack: Stack) -> dict:
    return httpx.get(f"{stack.api_url}/_gateway/status", headers={"Authorization": f"Bearer {RASA_TOKEN}"}).json()


def wait_for(condition, seconds: float) -> float:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if condition():
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"not within {seconds}s")


def test_a_killed_rasa_backend_is_replaced_and_users_hear_why(stack: Stack) -> None:
    who = f"r-{uuid.uuid4().hex[:6]}"
    assert stack.ask(who, "口岸签证需要什么材料？")["topic"] == "port_visa"
    pid = status(stack)["backends"][0]["pid"]
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)

    hotline = stack.hotline({"sender": who, "message": "那需要多久？"})
    assert hotline.status_code == 503 and hotline.json()["unavailable"] is True
    assert hotline.json()["language"] == "zh" and "12345" in hotline.json()["replies"][0]
    assert stack.hotline({"sender": who, "message": "hi"}, token="wrong").status_code == 401
    rest = httpx.post(f"{stack.url}/webhooks/rest/webhook", json={"sender": who, "message": "how long?"}, timeout=30)
    assert rest.status_code == 200 and "12345" in rest.json()[0]["text"] and "Sorry" in rest.json()[0]["text"]
    wechat = FakeWeChat(stack.url)
    reply = wechat.open_reply(wechat.post(text_xml("o" + uuid.uuid4().hex[:27], "口岸签证要多久")))
    assert "12345" in reply["Content"]
    # what needs no dialogue goes on: the subscribe welcome, the word on pictures, the URL check
    subscriber = "o" + uuid.uuid4().hex[:27]
    assert "欢迎" in wechat.open_reply(wechat.post(event_xml(subscriber, "subscribe")))["Content"]
    picture = typed_xml(subscriber, "image", f"<PicUrl>{cdata('http://mmbiz.qpic.cn/x')}</PicUrl>")
    assert "只能处理文字消息" in wechat.open_reply(wechat.post(picture))["Content"]
    # a menu tap gets the apology (never silence), a voice without transcript the request to type
    click = typed_xml(subscriber, "event", f"<Event>{cdata('CLICK')}</Event><EventKey>{cdata('work_permit')}</EventKey>",
                      msg_id=False)
    assert "12345" in wechat.open_reply(wechat.post(click))["Content"]
    voice = typed_xml(subscriber, "voice", f"<MediaId>{cdata('m1')}</MediaId><Format>{cdata('amr')}</Format>")
    assert texts.text("wechat", "voice_unrecognised", "zh") in wechat.open_reply(wechat.post(voice))["Content"]
    check = httpx.get(f"{stack.url}/webhooks/wechat/webhook", params={**wechat.params(), "echostr": "4193758204738"})
    assert (check.status_code, check.text) == (200, "4193758204738")
    assert httpx.get(f"{stack.url}/health").status_code == 503

    took = wait_for(lambda: httpx.get(f"{stack.url}/health").status_code == 200, 120)
    assert took < 60, took
    follow = stack.ask(who, "那需要多久？")  # the conversation goes on in context
    assert follow["topic"] == "port_visa" and follow["aspect"] == "duration"
    assert status(stack)["restarts"] == 1 and status(stack)["backends"][0]["pid"] != pid
    metrics = httpx.get(f"{stack.api_url}/metrics").text
    assert 'desk_restarts_total{component="rasa"} 1.0' in metrics


def test_a_killed_action_server_is_restarted(stack: Stack) -> None:
    supervisor = Supervisor([stack.servers["action"]])
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            supervisor.tick()
            time.sleep(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        who = f"a-{uuid.uuid4().hex[:6]}"
        os.kill(stack.servers["action"].process.pid, signal.SIGKILL)  # type: ignore[union-attr]
        time.sleep(0.3)
        answer = stack.hotline({"sender": who, "message": "口岸签证需要什么材料？"})
        assert answer.status_code in (200, 503)
        if answer.status_code == 503:
            assert answer.json()["unavailable"] is True and "12345" in answer.json()["replies"][0]

        def answers() -> bool:
            response = stack.hotline({"sender": who, "message": "口岸签证需要什么材料？"})
            return response.status_code == 200 and response.json()["topic"] == "port_visa"

        took = wait_for(answers, 60)
        assert took < 30, took
        assert supervisor.restarts["action server"] == 1
    finally:
        stop.set()
        watcher.join()
