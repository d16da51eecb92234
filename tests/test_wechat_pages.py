"""The per-user store of a long WeChat answer's remaining pages, the rendering of a long answer
into pages, and the channel's replies to "more", menu clicks, voice and link messages, without a
Rasa server (the channel end to end is tested in test_wechat)."""

from __future__ import annotations

import asyncio
import itertools
import time
import xml.etree.ElementTree as ET
from typing import Any, Dict, List, Optional, Sequence

import pytest
from rasa.core.channels.channel import UserMessage

import desk.channels.wechat as wechat
from desk.channels.pages import PageStore, asks_for_more
from desk.channels.wechat import WeChatConfig, WeChatInput
from desk.dialogue import texts
from desk.dialogue.render import (
    WECHAT_SOURCES_MAX_BYTES,
    render_text,
    sources_line,
    split_block,
    wechat_pages,
    wechat_sources_line,
)


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


# --- rendering: overlong items, the sources line (desk.dialogue.render) ---------------------

LIMIT = 2048
SOURCES = [  # "line" as desk.dialogue.answer.source_line makes it
    {"id": "s1", "ref": "Pudong HR and Social Security Bureau reply No. 30 [2023] (浦人社提复〔2023〕30号)",
     "title": "Reply to CPPCC proposal No. 075", "date": "2023-05-09", "url": None,
     "line": "“Reply to CPPCC proposal No. 075” (Pudong HR and Social Security Bureau reply No. 30 [2023] "
             "(浦人社提复〔2023〕30号)), 2023-05-09"},
    {"id": "s2", "ref": "Team Relocations", "title": "Talent visa: confirmation letter processing time",
     "date": "2018-01-10", "url": None,
     "line": "“Talent visa: confirmation letter processing time” (Team Relocations), 2018-01-10"},
]
ZH_SOURCES = [
    {"id": "s1", "ref": "浦人社提复〔2023〕30号", "title": "浦东新区人社局对第075号提案的答复", "date": "2023-05-09",
     "url": None, "line": "浦人社提复〔2023〕30号《浦东新区人社局对第075号提案的答复》（2023-05-09）"},
    {"id": "s2", "ref": "Team Relocations", "title": "人才签证：确认函办理时间", "date": "2018-01-10", "url": None,
     "line": "Team Relocations《人才签证：确认函办理时间》（2018-01-10）"},
]


def answer_of(items: List[str], lang: str = "en", sources: Optional[List[Dict[str, Any]]] = None,
              steps: Sequence[str] = ()) -> Dict[str, Any]:
    """A hand-made answer object (desk.dialogue.answer's shape), no database needed."""
    def fact(text: str) -> Dict[str, Any]:
        return {"text": text, "sources": ["s1"], "until": None, "ended": False, "ended_warning": None}

    return {
        "kind": "answer", "language": lang, "topic": "work_permit", "aspect": "overview",
        "heading": "Foreigner's Work Permit — overview" if lang == "en" else "【外国人来华工作许可】概况",
        "status": "in_force", "warnings": [], "paragraphs": [], "items": [fact(t) for t in items],
        "steps": [fact(t) for t in steps], "materials": [], "missing": None, "contacts_intro": None,
        "contacts": [], "sources": SOURCES if sources is None else sources, "compared": [], "labels": {},
    }


def bodies(pages: List[str], answer: Dict[str, Any]) -> List[str]:
    """Each page's text between its heading and its note / sources line."""
    out = []
    for page in pages:
        lines = page.split("\n")[1:]
        out.append("\n".join(line for line in lines if not line.startswith(("…", "……", "Sources:", "来源："))))
    return out


def test_an_item_longer_than_a_page_is_split_at_sentences_and_nothing_is_lost() -> None:
    """The shopper's "What is a work permit?": one fact longer than a page was cut mid-word and
    its rest lost; now it comes on the next pages, split between sentences."""
    sentences = [f"Sentence {i} says that the Pudong office handles permit number {i} within ten working days."
                 for i in range(60)]
    answer = answer_of([" ".join(sentences)], steps=["Apply online.", "Collect the card."])
    assert len(answer["items"][0]["text"].encode()) > 5000
    pages = wechat_pages(answer)
    assert len(pages) >= 3 and all(len(p.encode("utf-8")) <= LIMIT for p in pages)
    text = "\n".join(pages)
    for sentence in sentences:
        assert sum(sentence in page for page in pages) == 1, sentence  # whole, on exactly one page
    assert "shortened" not in text and "1. Apply online." in text and "2. Collect the card." in text
    for body in bodies(pages, answer):
        assert body.rstrip().endswith("."), body[-80:]  # no page ends inside a sentence, let alone a word


def test_an_item_without_sentence_ends_is_split_between_words_or_characters() -> None:
    words = " ".join(f"word{i}" for i in range(900))
    pages = wechat_pages(answer_of([words]))
    assert all(len(p.encode("utf-8")) <= LIMIT for p in pages)
    assert " ".join(b.strip() for b in bodies(pages, answer_of([words]))) == words  # every word, whole
    chinese = "浦东国际人才服务窗口全程网上办理不见面审批" * 120  # no punctuation, no spaces: by characters
    zh = answer_of([chinese], lang="zh")
    pages = wechat_pages(zh)
    assert all(len(p.encode("utf-8")) <= LIMIT for p in pages)
    assert "".join(bodies(pages, zh)) == chinese


def test_chinese_sentences_are_split_after_their_full_stops() -> None:
    sentences = [f"第{i}条：外籍人才可在浦东国际人才港的服务窗口办理工作许可，一般十个工作日内办结。" for i in range(80)]
    pages = wechat_pages(answer_of(["".join(sentences)], lang="zh"))
    assert len(pages) >= 3 and all(len(p.encode("utf-8")) <= LIMIT for p in pages)
    for sentence in sentences:
        assert sum(sentence in page for page in pages) == 1, sentence


def test_split_block_never_breaks_a_utf8_character_and_keeps_small_blocks_whole() -> None:
    assert split_block(["short"], 500) == [["short"]]
    parts = split_block(["⚠ warning", "字" * 1000], 301)
    assert all(len("\n".join(p).encode()) <= 301 for p in parts)
    assert "".join(line for p in parts for line in p) == "⚠ warning" + "字" * 1000


def test_wechat_cites_each_source_with_its_reference_as_the_other_channels_do() -> None:
    """The blind tester's WeChat reply cited “Talent visa: confirmation letter processing time”,
    2018-01-10 with no word that it is an agent's note (Team Relocations), and Chinese replies lost
    浦人社提复〔2023〕30号: WeChat cites each source by reference, title and date, as REST does."""
    en = answer_of(["A short fact."])
    assert wechat_sources_line(en) == sources_line(en) == (
        "Sources: “Reply to CPPCC proposal No. 075” (Pudong HR and Social Security Bureau reply No. 30 [2023] "
        "(浦人社提复〔2023〕30号)), 2023-05-09; “Talent visa: confirmation letter processing time” (Team Relocations), "
        "2018-01-10")
    assert wechat_pages(en) == [render_text(en)]
    zh = answer_of(["一条简短的说明。"], lang="zh", sources=ZH_SOURCES)
    assert wechat_pages(zh)[0].split("\n")[-1] == sources_line(zh) == (
        "来源：浦人社提复〔2023〕30号《浦东新区人社局对第075号提案的答复》（2023-05-09）；"
        "Team Relocations《人才签证：确认函办理时间》（2018-01-10）")
    assert answer_of(["x"], sources=[])["sources"] == [] and wechat_sources_line(answer_of(["x"], sources=[])) == ""
    for lang in ("en", "zh"):  # a long answer: the same line on its first and its last page
        long = answer_of([f"Fact {i} is a fact that takes up some room on the page." for i in range(100)], lang=lang,
                         sources=SOURCES if lang == "en" else ZH_SOURCES)
        pages = wechat_pages(long)
        assert len(pages) > 2 and all(len(p.encode("utf-8")) <= LIMIT for p in pages)
        assert [p.split("\n")[-1] == sources_line(long) for p in pages] == [True] + [False] * (len(pages) - 2) + [True]
        assert "浦人社提复〔2023〕30号" in pages[0] and "Team Relocations" in pages[-1]


def test_many_sources_are_cited_by_reference_and_date_and_the_pages_still_fit() -> None:
    """A sources line that would take more than half a page keeps every reference and date and
    drops the titles, so the pages keep room for the answer; nothing is cut and each page fits."""
    many = [{"id": f"s{i}", "ref": f"Issuing office number {i} document No. {i} [2024]",
             "title": f"A rather long title of the notice number {i} about work permits for foreign talent",
             "date": f"2024-01-{i + 1:02d}", "url": None,
             "line": f"“A rather long title of the notice number {i} about work permits for foreign talent” "
                     f"(Issuing office number {i} document No. {i} [2024]), 2024-01-{i + 1:02d}"}
            for i in range(12)]
    sentences = [f"Fact {i} is a fact that takes up some room on the page." for i in range(60)]
    answer = answer_of(sentences, sources=many)
    assert len(sources_line(answer).encode("utf-8")) > WECHAT_SOURCES_MAX_BYTES
    line = wechat_sources_line(answer)
    assert len(line.encode("utf-8")) <= WECHAT_SOURCES_MAX_BYTES and "rather long title" not in line
    assert all(f"Issuing office number {i} document No. {i} [2024], 2024-01-{i + 1:02d}" in line for i in range(12))
    pages = wechat_pages(answer)
    assert len(pages) > 1 and all(len(p.encode("utf-8")) <= LIMIT for p in pages)
    assert pages[0].split("\n")[-1] == line == pages[-1].split("\n")[-1]
    assert all(sum(s in p for p in pages) == 1 for s in sentences)


# --- the channel: "more" after a one-page answer, menu clicks, voice and link messages ---------


class FakeDialogue:
    """Rasa's side for WeChatInput: records what reached the dialogue and answers with a desk
    payload in the language asked for (the answer object is composed by a stub)."""

    def __init__(self) -> None:
        self.heard: List[str] = []
        self.language = "zh"

    async def __call__(self, message: UserMessage) -> None:
        self.heard.append(message.text)
        message.output_channel.messages.append({"text": "ignored", "custom": {"desk": {"language": self.language}}})


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> WeChatInput:
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(wechat, "compose_answer",
                        lambda desk, repo: answer_of(["A short fact." if desk["language"] == "en" else "一条简短的说明。"],
                                                     lang=desk["language"]))
    monkeypatch.setattr(wechat, "shared_repository", lambda: StubRepository())
    monkeypatch.setattr(wechat, "live_topic_ids", lambda: None, raising=False)  # absent before menus
    return WeChatInput(WeChatConfig("test-token"))


class StubRepository:
    def ids(self) -> List[str]:
        return ["work_permit", "port_visa", "contact"]

    def all(self) -> list:
        return []


def inbound(msg_type: str, fields: str) -> Any:
    return wechat.parse((
        f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName><FromUserName><![CDATA[o-user]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{msg_type}]]></MsgType>{fields}"
        f"<MsgId>{next(MSG_IDS)}</MsgId></xml>").encode())


MSG_IDS = itertools.count(1)


def say(channel: WeChatInput, dialogue: FakeDialogue, msg_type: str, fields: str) -> str:
    xml = asyncio.run(channel._reply_xml(inbound(msg_type, fields), dialogue))
    return (ET.fromstring(xml).findtext("Content") or "") if xml else ""


def text(content: str) -> str:
    return f"<Content><![CDATA[{content}]]></Content>"


def click(key: str, event: str = "CLICK") -> str:
    return f"<Event><![CDATA[{event}]]></Event><EventKey><![CDATA[{key}]]></EventKey>"


def test_more_after_a_one_page_answer_says_that_was_all_in_its_language(channel: WeChatInput) -> None:
    dialogue = FakeDialogue()
    first = say(channel, dialogue, "text", text("more"))  # a first message "more": nothing to continue
    assert first == texts.text("wechat", "pages_end", "en") and dialogue.heard == []
    answer = say(channel, dialogue, "text", text("工作许可是什么"))
    assert "一条简短的说明" in answer
    assert say(channel, dialogue, "text", text("more")) == texts.text("wechat", "pages_end", "zh")
    assert dialogue.heard == ["工作许可是什么"]  # not repeated, not restarted in English
    again = say(channel, dialogue, "text", text("更多"))  # after the end word: the end word again
    assert again == texts.text("wechat", "pages_end", "zh") and dialogue.heard == ["工作许可是什么"]
    dialogue.language = "en"
    say(channel, dialogue, "text", text("what is a work permit"))
    assert say(channel, dialogue, "text", text("下一页")) == texts.text("wechat", "pages_end", "en")
    say(channel, dialogue, "text", text("and the port visa?"))  # only "more" right after an answer
    assert dialogue.heard[-1] == "and the port visa?"


def test_reply_pages_end_every_answer_with_the_end_word(channel: WeChatInput) -> None:
    """One page: the answer, then the end word kept for "more"; many pages: the word after the last."""
    short = wechat.reply_pages([{"text": "ignored"}, {"custom": {"desk": {"language": "en"}}}])
    assert short == [wechat_pages(answer_of(["A short fact."]))[0], texts.text("wechat", "pages_end", "en")]
    assert wechat.reply_pages([{"text": "plain"}]) == ["plain"]  # no answer object: nothing to end


@pytest.mark.parametrize("key, payload", [
    ("work_permit", "/ask_work_permit"), ("WORK_PERMIT", "/ask_work_permit"), ("topic_port_visa", "/ask_port_visa"),
    ("TOPIC:port_visa", "/ask_port_visa"), ("menu_work_permit", "/ask_work_permit"), ("contact", "/ask_contact"),
    ("menu_human", "/ask_contact"), ("handoff", "/ask_contact"), ("help", None), ("MENU", None), ("menu_help", None),
    ("unknown_topic", None), ("", None), (None, None), ("work_permit{\"x\": 1}", None),
])
def test_menu_keys(key: Optional[str], payload: Optional[str]) -> None:
    assert wechat.menu_payload(key, ["work_permit", "port_visa", "contact"]) == payload


def test_menu_clicks_ask_their_topic_or_get_the_welcome(channel: WeChatInput) -> None:
    dialogue = FakeDialogue()
    assert "一条简短的说明" in say(channel, dialogue, "event", click("TOPIC_work_permit"))
    assert say(channel, dialogue, "event", click("human"))
    assert dialogue.heard == ["/ask_work_permit", "/ask_contact"]
    welcome = wechat.welcome([])
    for key in ("help", "menu_menu", "something_else", ""):
        assert say(channel, dialogue, "event", click(key)) == welcome
    assert say(channel, dialogue, "event", click("https://example.com", event="VIEW")) == ""  # "success"
    assert dialogue.heard == ["/ask_work_permit", "/ask_contact"]


def test_voice_without_a_transcript_link_and_other_types(channel: WeChatInput) -> None:
    dialogue = FakeDialogue()
    unrecognised = "\n".join(texts.text("wechat", "voice_unrecognised", lang) for lang in ("zh", "en"))
    voice = "<MediaId><![CDATA[m]]></MediaId><Format><![CDATA[amr]]></Format>"
    assert say(channel, dialogue, "voice", voice) == unrecognised
    assert say(channel, dialogue, "voice", voice + "<Recognition><![CDATA[ ]]></Recognition>") == unrecognised
    assert "识别" in unrecognised and "recognise" in unrecognised
    link = ("<Title><![CDATA[工作许可办理指南]]></Title><Description><![CDATA[外籍人才怎么办工作许可]]></Description>"
            "<Url><![CDATA[https://example.gov.cn/a]]></Url>")
    assert "一条简短的说明" in say(channel, dialogue, "link", link)
    assert dialogue.heard == ["工作许可办理指南\n外籍人才怎么办工作许可"]
    only_text = "\n".join(texts.text("wechat", "text_only", lang) for lang in ("zh", "en"))
    assert say(channel, dialogue, "link", "<Url><![CDATA[https://example.gov.cn/a]]></Url>") == only_text
    assert say(channel, dialogue, "location", "<Location_X>31.2</Location_X><Location_Y>121.5</Location_Y>") == only_text
    assert say(channel, dialogue, "image", "<PicUrl><![CDATA[http://x/y]]></PicUrl><MediaId><![CDATA[m]]></MediaId>") == only_text
    assert say(channel, dialogue, "video", "<MediaId><![CDATA[m]]></MediaId>") == only_text
    assert len(dialogue.heard) == 1


def test_two_menu_taps_in_one_second_are_two_requests_and_a_retry_is_one() -> None:
    """WeChat keys events by sender and CreateTime; two different taps in the same second differ
    by their menu key, while a redelivered tap has the same key and is answered once."""
    def event(key: str) -> Any:
        return wechat.parse_message(
            "<xml><ToUserName>gh_0123456789ab</ToUserName><FromUserName>o-user</FromUserName>"
            f"<CreateTime>1765100000</CreateTime><MsgType>event</MsgType>{click(key)}</xml>")
    assert wechat.dedupe_key(event("work_permit")) != wechat.dedupe_key(event("port_visa"))
    assert wechat.dedupe_key(event("work_permit")) == wechat.dedupe_key(event("work_permit"))
