"""WeChat Official Account channel, end to end: the test plays WeChat's servers against the
real Rasa server (plaintext and AES safe mode, retries, events, hostile XML, long answers).

Signing and the AES message format are implemented here from WeChat's documentation, not
taken from the channel (or wechatpy), so the two are checked against each other.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import struct
import time
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

import httpx
import pytest
import yaml
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from desk.channels.wechat import (
    REPLY_LIMIT_BYTES,
    Rejected,
    ReplyCache,
    WeChatConfig,
    fit_reply,
    open_request,
    reply_text,
    welcome,
)
from desk.dialogue import texts
from desk.policies.db import new_session
from desk.policies.importer import import_paths
from tests.stack import RASA_TOKEN, ROOT, Stack, build_stack

pytestmark = pytest.mark.stack

TOKEN = "test-wechat-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = base64.b64encode(bytes(range(32))).decode().rstrip("=")  # 43 characters, as WeChat issues
ACCOUNT = "gh_0123456789ab"
LONG_TOPIC = "family_permits"


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


def text_xml(openid: str, content: str, msg_id: Optional[str] = None) -> str:
    msg_id = msg_id or str(secrets.randbits(63))
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>{cdata('text')}</MsgType>"
        f"<Content>{cdata(content)}</Content><MsgId>{msg_id}</MsgId></xml>"
    )


def typed_xml(openid: str, msg_type: str, extra: str = "", msg_id: bool = True) -> str:
    msg = f"<MsgId>{secrets.randbits(63)}</MsgId>" if msg_id else ""
    return (
        f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><FromUserName>{cdata(openid)}</FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType>{cdata(msg_type)}</MsgType>{extra}{msg}</xml>"
    )


def event_xml(openid: str, event: str) -> str:
    return typed_xml(openid, "event", f"<Event>{cdata(event)}</Event><EventKey>{cdata('')}</EventKey>", msg_id=False)


@dataclass
class FakeWeChat:
    """WeChat's side of the callback protocol: signed (and optionally encrypted) requests,
    decrypted and verified replies."""

    url: str
    token: str = TOKEN
    app_id: str = APP_ID
    aes_key: str = AES_KEY
    client: Optional[httpx.Client] = None  # one kept-alive connection, as WeChat's servers may use

    @property
    def key(self) -> bytes:
        return base64.b64decode(self.aes_key + "=")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str) -> str:
        data = xml.encode("utf-8")
        plain = os.urandom(16) + struct.pack(">I", len(data)) + data + self.app_id.encode()
        pad = 32 - len(plain) % 32
        plain += bytes([pad]) * pad
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
        plain = plain[: -plain[-1]]
        (length,) = struct.unpack(">I", plain[16:20])
        assert plain[20 + length :].decode() == self.app_id, "reply encrypted for another AppID"
        return plain[20 : 20 + length].decode("utf-8")

    def params(self, token: Optional[str] = None) -> Dict[str, str]:
        timestamp, nonce = str(int(time.time())), str(secrets.randbelow(10**9))
        return {"signature": sha1_sorted(token or self.token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}

    def request(self, xml: str, aes: bool = False, token: Optional[str] = None) -> Dict[str, Any]:
        """Query and body of a callback; in safe mode the body is the encrypted envelope."""
        params = self.params(token)
        if not aes:
            return {"params": params, "content": xml.encode("utf-8")}
        encrypted = self.encrypt(xml)
        params.update(
            encrypt_type="aes", openid="o-test",
            msg_signature=sha1_sorted(token or self.token, params["timestamp"], params["nonce"], encrypted),
        )
        body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName><Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        return {"params": params, "content": body.encode("utf-8")}

    def post(self, xml: str | bytes, aes: bool = False, token: Optional[str] = None) -> httpx.Response:
        if isinstance(xml, bytes):
            kwargs = {"params": self.params(token), "content": xml}
        else:
            kwargs = self.request(xml, aes, token)
        return (self.client or httpx).post(f"{self.url}/webhooks/wechat/webhook", timeout=30, **kwargs)  # type: ignore[attr-defined]

    def open_reply(self, response: httpx.Response, aes: bool = False) -> Dict[str, str]:
        """The reply's fields; in safe mode after checking its signature and decrypting it."""
        assert response.status_code == 200, response.text
        root = ET.fromstring(response.text)
        if aes:
            encrypted = root.findtext("Encrypt")
            expected = sha1_sorted(self.token, root.findtext("TimeStamp"), root.findtext("Nonce"), encrypted)
            assert root.findtext("MsgSignature") == expected, "reply signature does not verify"
            root = ET.fromstring(self.decrypt(encrypted))
        return {child.tag: child.text or "" for child in root}


def lengthened_topic(workdir: Path) -> Path:
    """An admin's update of one topic with many more materials, so its answer exceeds
    WeChat's reply limit."""
    data = yaml.safe_load((ROOT / "data" / "policies" / f"{LONG_TOPIC}.yml").read_text(encoding="utf-8"))
    topic = data["topics"][0]
    for i in range(1, 31):
        topic["materials"].append({
            "zh": f"补充材料第{i}项：与申请人关系的公证证明及其中文译本",
            "en": f"Additional document {i}: notarised proof of the relationship with the applicant, with a Chinese translation",
            "required": False,
            "note": {"zh": "视具体情况由出入境部门要求提供", "en": "Only if the exit-entry office asks for it"},
        })
    path = workdir / f"{LONG_TOPIC}-long.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    workdir = tmp_path_factory.mktemp("wechat")
    running = build_stack(workdir)
    running.env.update({"WECHAT_APPID": APP_ID, "WECHAT_AES_KEY": AES_KEY})
    with new_session(running.env["DESK_DB_URL"]) as session:
        import_paths(session, [str(lengthened_topic(workdir))], author="test")
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def wechat(stack: Stack) -> FakeWeChat:
    return FakeWeChat(stack.url)


def openid() -> str:
    return "o" + uuid.uuid4().hex[:27]


def user_turns(stack: Stack, sender: str) -> List[Dict[str, Any]]:
    response = httpx.get(f"{stack.api_url}/conversations/wechat:{sender}/tracker", params={"token": RASA_TOKEN},
                         timeout=10)
    assert response.status_code == 200, response.text
    return [e for e in response.json()["events"] if e["event"] == "user"]


# --- GET verification --------------------------------------------------------------------


def test_get_verification(wechat: FakeWeChat) -> None:
    url = f"{wechat.url}/webhooks/wechat/webhook"
    ok = httpx.get(url, params={**wechat.params(), "echostr": "4193758204738"})
    assert ok.status_code == 200 and ok.text == "4193758204738"
    wrong = httpx.get(url, params={**wechat.params(token="not-the-token"), "echostr": "1"})
    assert wrong.status_code == 403 and "1" != wrong.text
    assert httpx.get(url, params={"echostr": "1"}).status_code == 403


# --- text messages -----------------------------------------------------------------------


def test_plaintext_message_and_follow_up(stack: Stack, wechat: FakeWeChat) -> None:
    user = openid()
    first = wechat.open_reply(wechat.post(text_xml(user, "口岸签证需要什么材料？")))
    assert (first["ToUserName"], first["FromUserName"], first["MsgType"]) == (user, ACCOUNT, "text")
    assert "口岸签证" in first["Content"] and "来源" in first["Content"]
    assert int(first["CreateTime"]) > 0

    follow = wechat.open_reply(wechat.post(text_xml(user, "那需要多久？")))
    assert "口岸签证" in follow["Content"] and "时限" in follow["Content"] and "来源" in follow["Content"]
    turns = user_turns(stack, user)
    assert [t["text"] for t in turns] == ["口岸签证需要什么材料？", "那需要多久？"]
    assert turns[0]["input_channel"] == "wechat"


def test_a_clarifying_question_is_answered_by_its_number(stack: Stack, wechat: FakeWeChat) -> None:
    """WeChat shows no buttons: the options come numbered, and "2" gets the second option's answer."""
    user = openid()
    asked = wechat.open_reply(wechat.post(text_xml(user, "我想问一下签证的事")))["Content"]
    options = dict(line.split(". ", 1) for line in asked.splitlines() if line[:1].isdigit() and ". " in line)
    assert set(options) >= {"1", "2"} and "序号" in asked, asked
    answer = wechat.open_reply(wechat.post(text_xml(user, "2")))["Content"]
    assert options["2"] in answer.splitlines()[0] and "来源" in answer, answer
    nothing = wechat.open_reply(wechat.post(text_xml(user, "123")))["Content"]
    assert "来源" not in nothing and options["2"] not in nothing.splitlines()[0], nothing


def test_aes_safe_mode(stack: Stack, wechat: FakeWeChat) -> None:
    user = openid()
    response = wechat.post(text_xml(user, "What documents do I need for a work permit?"), aes=True)
    assert "Encrypt" in response.text and "Source" not in response.text  # the answer is not in clear
    reply = wechat.open_reply(response, aes=True)
    assert (reply["ToUserName"], reply["FromUserName"], reply["MsgType"]) == (user, ACCOUNT, "text")
    assert "Work Permit" in reply["Content"] and "Sources:" in reply["Content"]

    follow = wechat.open_reply(wechat.post(text_xml(user, "and for my kids?"), aes=True), aes=True)
    assert "family" in follow["Content"].lower()


def test_aes_bad_msg_signature_or_app_id_is_refused(stack: Stack, wechat: FakeWeChat) -> None:
    user = openid()
    request = wechat.request(text_xml(user, "人才签证是什么"), aes=True)
    request["params"]["msg_signature"] = "0" * 40
    response = httpx.post(f"{wechat.url}/webhooks/wechat/webhook", **request)
    assert response.status_code == 403

    other_app = FakeWeChat(wechat.url, app_id="wx_other_app")
    assert other_app.post(text_xml(user, "人才签证是什么"), aes=True).status_code == 400
    assert user_turns(stack, user) == []


def test_retries_get_one_answer(stack: Stack, wechat: FakeWeChat) -> None:
    user = openid()
    xml = text_xml(user, "永久居留需要什么条件？")
    replies = [wechat.open_reply(wechat.post(xml)) for _ in range(3)]
    assert replies[0]["Content"] and "来源" in replies[0]["Content"]
    assert all(r == replies[0] for r in replies)
    assert len(user_turns(stack, user)) == 1

    async def three_at_once(xml: str) -> List[httpx.Response]:
        async with httpx.AsyncClient(timeout=30) as client:
            requests = [wechat.request(xml) for _ in range(3)]
            return await asyncio.gather(
                *(client.post(f"{wechat.url}/webhooks/wechat/webhook", **r) for r in requests)
            )

    concurrent = [wechat.open_reply(r) for r in asyncio.run(three_at_once(text_xml(user, "那在哪里办？")))]
    assert concurrent[0]["Content"] and all(r == concurrent[0] for r in concurrent)
    assert [t["text"] for t in user_turns(stack, user)] == ["永久居留需要什么条件？", "那在哪里办？"]

    aes_xml = text_xml(user, "要多久？")
    aes_replies = [wechat.open_reply(wechat.post(aes_xml, aes=True), aes=True) for _ in range(3)]
    assert all(r["Content"] == aes_replies[0]["Content"] for r in aes_replies)
    assert len(user_turns(stack, user)) == 3


def test_long_answer_fits_and_keeps_its_source(wechat: FakeWeChat) -> None:
    """The sources line names each source's reference (its publisher, document number) in the
    reply's language, as the other channels do: 浦人社提复〔2023〕30号 was missing from WeChat's
    citations, so an official reply could not be told from an agent's note."""
    for question, source, ref in (
        ("家属办证需要什么材料？", "来源：", "浦人社提复〔2023〕30号"),
        ("What documents does my family need for their permits?", "Sources:",
         "Pudong HR and Social Security Bureau reply No. 30 [2023] (浦人社提复〔2023〕30号)"),
    ):
        reply = wechat.open_reply(wechat.post(text_xml(openid(), question)))
        content = reply["Content"]
        assert len(content.encode("utf-8")) <= REPLY_LIMIT_BYTES
        lines = content.split("\n")
        assert lines[-1].startswith(source) and "2023-05-09" in lines[-1], content
        assert ref in lines[-1], lines[-1]


def test_a_long_answer_comes_in_pages_on_more(stack: Stack, wechat: FakeWeChat) -> None:
    """An answer over 2048 bytes is sent a page at a time: each page within the limit, with its
    heading, the sources on the first and the last; "更多"/"more" gets the next page without a
    dialogue turn, the last page has no note, the next "more" a word that that was all, and so
    does a "more" with nothing kept, never a dialogue turn (which repeated the answer)."""
    for question, more, note, continued in (
        ("家属办证需要什么材料？", "更多", "回复“更多”", "（续）"),
        ("What documents does my family need for their permits?", "more", "reply “more”", " (continued)"),
    ):
        user = openid()
        pages = [wechat.open_reply(wechat.post(text_xml(user, question)))["Content"]]
        assert note in pages[0], "the answer is long enough to need pages"
        while note in pages[-1]:
            assert len(pages) < 12
            pages.append(wechat.open_reply(wechat.post(text_xml(user, more)))["Content"])
        assert len(user_turns(stack, user)) == 1  # the pages came from the channel, not the dialogue
        heading = pages[0].split("\n")[0]
        bodies = []
        for number, page in enumerate(pages):
            lines = page.split("\n")
            assert len(page.encode("utf-8")) <= REPLY_LIMIT_BYTES
            assert lines[0] == (heading if number == 0 else heading + continued)
            assert ("2023-05-09" in lines[-1]) == (number in (0, len(pages) - 1))  # the sources line
            assert ("浦人社提复〔2023〕30号" in lines[-1]) == (number in (0, len(pages) - 1))  # with its reference
            bodies.append([line for line in lines[1:] if line.startswith("• ")])
        every = [line for body in bodies for line in body]
        assert all(bodies) and len(every) == len(set(every)), "each page goes on where the last stopped"
        end = wechat.open_reply(wechat.post(text_xml(user, more)))["Content"]
        assert end == texts.text("wechat", "pages_end", "zh" if more == "更多" else "en")
        assert len(user_turns(stack, user)) == 1
        again = wechat.open_reply(wechat.post(text_xml(user, more)))["Content"]  # nothing kept
        assert again == end and len(user_turns(stack, user)) == 1  # the same word, still no turn


# --- events and other message types ------------------------------------------------------


def test_events_and_other_types(stack: Stack, wechat: FakeWeChat) -> None:
    user = openid()
    subscribe = event_xml(user, "subscribe")
    welcome = wechat.open_reply(wechat.post(subscribe))["Content"]
    assert wechat.open_reply(wechat.post(subscribe))["Content"] == welcome  # a retried event
    assert "欢迎" in welcome and "Welcome" in welcome and welcome.index("欢迎") < welcome.index("Welcome")
    assert "工作许可" in welcome and "Work Permit" in welcome  # topic titles from the catalogue

    for msg_type, extra in (
        ("image", f"<PicUrl>{cdata('http://mmbiz.qpic.cn/x')}</PicUrl><MediaId>{cdata('m1')}</MediaId>"),
        ("location", "<Location_X>31.2</Location_X><Location_Y>121.5</Location_Y><Scale>15</Scale>"),
        ("file", f"<Title>{cdata('cv.pdf')}</Title><FileKey>{cdata('k')}</FileKey>"),  # a type wechatpy does not know
    ):
        polite = wechat.open_reply(wechat.post(typed_xml(user, msg_type, extra)))
        assert polite["ToUserName"] == user
        assert "只能处理文字消息" in polite["Content"] and "text messages" in polite["Content"]

    voice = wechat.open_reply(wechat.post(typed_xml(user, "voice", f"<MediaId>{cdata('m2')}</MediaId><Format>{cdata('amr')}</Format>")))
    assert "未能识别这条语音消息" in voice["Content"] and "could not recognise that voice message" in voice["Content"]
    assert wechat.open_reply(wechat.post(event_xml(user, "CLICK")))["Content"] == welcome  # a menu key we do not know
    for xml in (event_xml(user, "unsubscribe"), event_xml(user, "VIEW")):
        response = wechat.post(xml)
        assert response.status_code == 200 and response.text == "success"
    assert user_turns(stack, user) == []


def test_menu_click_link_and_more_after_a_short_answer(stack: Stack, wechat: FakeWeChat) -> None:
    """A menu item keyed by a topic id asks its overview as a clarify button would; a shared link
    is read as its title and description; "more" after an answer that fitted one page says that
    was all, in that answer's language, without a dialogue turn."""
    user = openid()
    click = typed_xml(user, "event", f"<Event>{cdata('CLICK')}</Event><EventKey>{cdata('TOPIC_port_visa')}</EventKey>",
                      msg_id=False)
    assert "口岸签证" in wechat.open_reply(wechat.post(click))["Content"]
    short = wechat.open_reply(wechat.post(text_xml(user, "口岸签证要多久")))["Content"]
    assert "来源" in short and "更多" not in short
    assert wechat.open_reply(wechat.post(text_xml(user, "more")))["Content"] == texts.text("wechat", "pages_end", "zh")
    link = f"<Title>{cdata('人才签证是什么')}</Title><Description>{cdata('R字签证')}</Description><Url>{cdata('https://a.b/c')}</Url>"
    assert "人才签证" in wechat.open_reply(wechat.post(typed_xml(user, "link", link)))["Content"]
    assert [t["text"] for t in user_turns(stack, user)] == ["/ask_port_visa", "口岸签证要多久", "人才签证是什么\nR字签证"]


def test_a_voice_message_with_a_transcript_is_answered(stack: Stack, wechat: FakeWeChat) -> None:
    """With speech recognition on, WeChat sends what was said (Recognition): that is the question."""
    user = openid()
    extra = f"<MediaId>{cdata('m3')}</MediaId><Format>{cdata('amr')}</Format><Recognition>{cdata('工作许可需要什么材料')}</Recognition>"
    answer = wechat.open_reply(wechat.post(typed_xml(user, "voice", extra)))["Content"]
    assert "工作许可" in answer and "只能处理文字消息" not in answer
    assert [t["text"] for t in user_turns(stack, user)] == ["工作许可需要什么材料"]


# --- refused requests --------------------------------------------------------------------


def test_bad_signature_is_refused_and_changes_nothing(stack: Stack, wechat: FakeWeChat) -> None:
    user = openid()
    wechat.open_reply(wechat.post(text_xml(user, "人才驿站可以住几天")))
    before = user_turns(stack, user)
    url = f"{wechat.url}/webhooks/wechat/webhook"
    body = text_xml(user, "工作许可怎么申请").encode()
    assert wechat.post(body, token="not-the-token").status_code == 403
    assert httpx.post(url, content=body).status_code == 403
    params = {**wechat.params(), "timestamp": "1"}  # signed over another timestamp
    assert httpx.post(url, params=params, content=body).status_code == 403
    assert user_turns(stack, user) == before


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o-bomb]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&lol9;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o-xxe]]></FromUserName>
<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content>&xxe;</Content><MsgId>2</MsgId></xml>"""


@pytest.mark.parametrize(
    "name, body, status",
    [
        ("billion laughs", BILLION_LAUGHS, 400),
        ("external entity", EXTERNAL_ENTITY, 400),
        ("malformed", b"<xml><ToUserName><![CDATA[gh_x]]></ToUserName><MsgType>text", 400),
        ("not xml", b"\xff\xfe garbage", 400),
        ("wrong root", b"<message><MsgType>text</MsgType></message>", 400),
        ("no MsgType", b"<xml><FromUserName>o-x</FromUserName><ToUserName>gh_x</ToUserName></xml>", 400),
        ("nested MsgType", b"<xml><FromUserName>o-x</FromUserName><ToUserName>gh_x</ToUserName><MsgType><a>1</a></MsgType></xml>", 400),
        ("empty", b"", 400),
        ("huge body", b"<xml><Content>" + b"a" * 2_000_000 + b"</Content></xml>", 413),
    ],
)
def test_hostile_xml_is_refused_quickly(wechat: FakeWeChat, name: str, body: bytes, status: int) -> None:
    started = time.perf_counter()
    response = wechat.post(body)
    elapsed = time.perf_counter() - started
    assert response.status_code == status, (name, response.text)
    assert "root:" not in response.text and elapsed < 1.0, (name, elapsed)
    alive = wechat.open_reply(wechat.post(text_xml(openid(), "你好")))
    assert alive["Content"]


def test_hostile_xml_inside_the_aes_envelope_is_refused(wechat: FakeWeChat) -> None:
    for body in (BILLION_LAUGHS, EXTERNAL_ENTITY):
        started = time.perf_counter()
        response = wechat.post(body.decode(), aes=True)
        assert response.status_code == 400 and time.perf_counter() - started < 1.0


# --- the parts that need no server -------------------------------------------------------


def test_safe_mode_without_a_key_is_a_clear_400() -> None:
    fake = FakeWeChat("http://unused")
    request = fake.request(text_xml("o-user", "你好"), aes=True)
    with pytest.raises(Rejected) as refused:
        open_request(WeChatConfig(TOKEN), request["params"], request["content"])
    assert refused.value.status == 400 and "WECHAT_AES_KEY" in str(refused.value)


def test_fit_reply_cuts_plain_text_at_a_line() -> None:
    body = "\n".join(f"• 第{i}项：一段相当长的说明，用来把回复撑过微信的字节上限" for i in range(100))
    fitted = fit_reply(body)
    assert len(fitted.encode()) <= REPLY_LIMIT_BYTES and fitted.endswith("\n…")
    assert fit_reply("short\nline") == "short\nline"
    assert len(fit_reply("字" * 5000).encode()) <= REPLY_LIMIT_BYTES


def test_welcome_fits_however_many_topics_are_imported() -> None:
    """A subscribe greeting listing a thousand imported topics keeps both languages' greetings
    within WeChat's 2048 bytes."""
    titles = [{"zh": f"第{i}项人才服务政策", "en": f"Talent service policy number {i}"} for i in range(1000)]
    text = welcome(titles)
    assert len(text.encode()) <= REPLY_LIMIT_BYTES
    assert "欢迎" in text and "Welcome" in text and "第0项人才服务政策" in text and "policy number 0" in text
    assert welcome(titles[:3]) == welcome(titles[:3]) and "…" not in welcome(titles[:3])


def test_reply_text_joins_texts_and_lists_buttons() -> None:
    text = reply_text([
        {"text": "您想了解的是哪一项？"},
        {"custom": {"desk": {}}},
        {"text": "请选择：", "buttons": [{"title": "口岸签证", "payload": "/ask_port_visa"}]},
    ])
    assert text == "您想了解的是哪一项？\n\n请选择：\n1. 口岸签证"
    assert reply_text([{"custom": {"desk": {}}}]) is None


async def test_reply_cache_runs_once_and_survives_a_timeout() -> None:
    calls: List[int] = []

    async def slow_dialogue() -> str:
        calls.append(1)
        await asyncio.sleep(0.2)
        return "<xml>answer</xml>"

    cache = ReplyCache(ttl=60)
    first, retry = await asyncio.gather(
        cache.answer("msg:o:1", slow_dialogue, timeout=0.05),  # WeChat's deadline passes
        cache.answer("msg:o:1", slow_dialogue, timeout=1.0),  # a retry while it still runs
    )
    assert first is None and retry == "<xml>answer</xml>"
    assert await cache.answer("msg:o:1", slow_dialogue, timeout=0) == "<xml>answer</xml>"
    assert len(calls) == 1

    small = ReplyCache(ttl=60, max_entries=2)
    for i in range(5):
        await small.answer(f"k{i}", slow_dialogue, timeout=1.0)
    assert len(small) == 2
