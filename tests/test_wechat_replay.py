"""WeChat callbacks cannot be replayed or forged: ±5-minute timestamp window, nonce memory,
constant-time signature comparison (unit level, and through the running stack), and XML in
any declared encoding never gives a 500."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from desk.channels.wechat import NonceCache, Rejected, WeChatConfig, open_request, utf8_xml, verify_signature
from tests.stack import Stack, build_stack
from tests.test_wechat import TOKEN, FakeWeChat, sha1_sorted, text_xml


def signed(timestamp: int, nonce: str = "n1") -> dict:
    return {"signature": sha1_sorted(TOKEN, str(timestamp), nonce), "timestamp": str(timestamp), "nonce": nonce}


def test_timestamp_window() -> None:
    now = 1_800_000_000
    verify_signature(TOKEN, signed(now - 299), now=now)
    verify_signature(TOKEN, signed(now + 299), now=now)
    for stamp in (now - 301, now + 301, now - 86400):
        with pytest.raises(Rejected, match="window"):
            verify_signature(TOKEN, signed(stamp), now=now)


def test_a_nonce_is_accepted_once() -> None:
    nonces = NonceCache()
    now = int(time.time())
    verify_signature(TOKEN, signed(now, "abc"), nonces)
    with pytest.raises(Rejected, match="replay"):
        verify_signature(TOKEN, signed(now, "abc"), nonces)
    verify_signature(TOKEN, signed(now, "abd"), nonces)


def test_nonce_cache_forgets_after_its_time_and_is_bounded() -> None:
    cache = NonceCache(ttl=10, max_entries=3)
    assert cache.first_use("a", now=0) and not cache.first_use("a", now=5)
    assert cache.first_use("a", now=20)  # older than twice the window: cannot pass the timestamp check anyway
    for i in range(10):
        cache.first_use(str(i), now=21)
    assert len(cache._seen) <= 3


def test_bad_signatures() -> None:
    now = int(time.time())
    good = signed(now)
    for bad in ({**good, "signature": good["signature"].upper()}, {**good, "signature": "é" * 40},
                {**good, "signature": ""}, {**good, "nonce": "x" * 100}, {**good, "timestamp": "soon"}):
        with pytest.raises(Rejected):
            verify_signature(TOKEN, bad)


@pytest.mark.parametrize("encoding", ["GBK", "gb2312", "GB18030", "utf-8", "ISO-8859-1", "UTF-16"])
def test_declared_encodings_are_read(encoding: str) -> None:
    xml = text_xml("o-user", "口岸签证" if encoding.lower() not in ("iso-8859-1",) else "port visa")
    body = f'<?xml version="1.0" encoding="{encoding}"?>{xml}'.encode(encoding)
    if encoding == "UTF-16":  # a UTF-16 body cannot carry an ASCII declaration: refused, not a 500
        with pytest.raises(Rejected):
            open_request(WeChatConfig(TOKEN), signed(int(time.time()), uuid.uuid4().hex), body)
        return
    message = open_request(WeChatConfig(TOKEN), signed(int(time.time()), uuid.uuid4().hex), body).message
    assert message.content in ("口岸签证", "port visa")


def test_unknown_or_lying_encodings_are_a_400() -> None:
    for body in (b'<?xml version="1.0" encoding="x-nonsense"?><xml/>',
                 b'<?xml version="1.0" encoding="utf-8"?><xml><Content>\xff\xfe</Content></xml>',
                 '<?xml version="1.0" encoding="ascii"?><xml>签</xml>'.encode()):
        with pytest.raises(Rejected) as refused:
            open_request(WeChatConfig(TOKEN), signed(int(time.time()), uuid.uuid4().hex), body)
        assert refused.value.status == 400
    assert utf8_xml(b"<xml/>") == b"<xml/>"


# --- through the running stack --------------------------------------------------------------


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    running = build_stack(tmp_path_factory.mktemp("wechat-replay")).start()
    yield running
    running.stop()


@pytest.mark.stack
def test_replays_and_old_requests_are_refused_by_the_server(stack: Stack) -> None:
    wechat = FakeWeChat(stack.url)
    url = f"{stack.url}/webhooks/wechat/webhook"
    request = wechat.request(text_xml("o" + uuid.uuid4().hex[:27], "你好"))
    first = httpx.post(url, **request, timeout=30)
    assert first.status_code == 200 and "<xml>" in first.text
    replayed = httpx.post(url, **request, timeout=30)
    assert replayed.status_code == 403
    yesterday = int(time.time()) - 86400
    old = {"params": signed(yesterday, uuid.uuid4().hex), "content": request["content"]}
    assert httpx.post(url, **old, timeout=30).status_code == 403
    echo = httpx.get(url, params={**signed(yesterday, uuid.uuid4().hex), "echostr": "1"})
    assert echo.status_code == 403


@pytest.mark.stack
def test_gbk_xml_gets_an_answer(stack: Stack) -> None:
    wechat = FakeWeChat(stack.url)
    xml = '<?xml version="1.0" encoding="GBK"?>' + text_xml("o" + uuid.uuid4().hex[:27], "口岸签证需要什么材料？")
    response = wechat.post(xml.encode("gbk"))
    assert response.status_code == 200
    assert "口岸签证" in wechat.open_reply(response)["Content"]
