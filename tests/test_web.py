"""The web chat page, the widget on other sites' pages and the staff console in a real
headless Chromium (Debian's, driven by Playwright; no browser is downloaded) against the real
Rasa and action servers and the static server; every page is checked with axe-core (from npm,
node_modules/axe-core; `make test` installs it). Screenshots go to screenshots/ (git-ignored)
for a person to look at."""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, Iterator, List

import httpx
import pytest
from sqlalchemy import select

from desk.admin.processes import free_port
from desk.dialogue import texts
from desk.policies.db import new_session
from desk.policies.models import Feedback
from tests.browser import (
    DESKTOP,
    PHONE,
    assert_accessible,
    assert_buttons_keep_contrast,
    chromium,
    open_page,
    serving_web,
    shot,
    sync_api,
    wait_for_held,
)
from tests.stack import STAFF_TOKEN, Stack, build_stack

pytestmark = pytest.mark.stack

ANSWER_TIMEOUT_MS = 30_000
ANSWERS = "#log .msg.bot[data-lang]"


@pytest.fixture(scope="module")
def ports() -> Dict[str, int]:
    """The desk's pages, a host site listed in DESK_WIDGET_ORIGINS, and one that is not."""
    return {"web": free_port(), "host": free_port(), "stranger": free_port()}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, ports: Dict[str, int]) -> Iterator[Stack]:
    running = build_stack(tmp_path_factory.mktemp("web-stack"))
    running.env["DESK_WEB_ORIGIN"] = f"http://127.0.0.1:{ports['web']}"
    running.env["DESK_WIDGET_ORIGINS"] = f"http://127.0.0.1:{ports['host']}"
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def web(stack: Stack, ports: Dict[str, int]) -> Iterator[str]:
    with serving_web(stack, ports["web"]) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    with chromium() as running:
        yield running


def wait_answers(page, count: int):
    """The ``count``-th bot answer carrying its desk payload (text + custom arrived)."""
    page.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length >= n",
        arg=[ANSWERS, count], timeout=ANSWER_TIMEOUT_MS,
    )
    return page.locator(ANSWERS).nth(count - 1)


def say(page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


DEEP_FOCUS_MATCHES = """s => { let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return !!a && a.matches(s); }"""


def tab_to(page, selector: str, limit: int = 12) -> None:
    """Tab from the top of the page until ``selector`` (looked up inside shadow roots too,
    e.g. ".launcher" of the widget) has the focus."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(DEEP_FOCUS_MATCHES, selector):
            return
    raise AssertionError(f"{selector} not reached by Tab")


def assert_log_scrolls_by_keyboard(page) -> None:
    """The message log is a labelled role=log in the Tab order, and the arrow keys scroll it."""
    log = page.locator("#log")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-label")
    assert page.evaluate("(l => l.scrollHeight > l.clientHeight)(document.getElementById('log'))"), "log does not overflow"
    tab_to(page, "#log")
    bottom = page.evaluate("document.getElementById('log').scrollTop")
    for _ in range(3):
        page.keyboard.press("ArrowUp")
    page.wait_for_function("top => document.getElementById('log').scrollTop < top", arg=bottom)


# ---------------------------------------------------------------- static server


def test_static_server_config_and_headers(web: str, stack: Stack, ports: Dict[str, int]) -> None:
    page = httpx.get(f"{web}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["x-content-type-options"] == "nosniff"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and f"http://127.0.0.1:{stack.rasa_port}" in csp
    assert csp.endswith(f"frame-ancestors 'self' http://127.0.0.1:{ports['host']}")
    assert f"ws://127.0.0.1:{stack.rasa_port}" in csp
    config = httpx.get(f"{web}/config.js")
    assert '"talent_visa": {"zh": "人才签证' in config.text  # the staff console's topic labels
    assert config.text.startswith(f'window.DESK_CONFIG = {{"rasaUrl": "http://127.0.0.1:{stack.rasa_port}", "texts": ')
    staff = httpx.get(f"{web}/staff")
    assert staff.status_code == 200 and "frame-ancestors 'none'" in staff.headers["content-security-policy"]
    assert httpx.get(f"{web}/vendor/").status_code == 404
    assert httpx.get(f"{web}/../pyproject.toml").status_code == 404
    assert "cdn" not in page.text.lower()
    widget = httpx.get(f"{web}/widget.js")
    assert widget.status_code == 200 and widget.headers["content-type"] == "text/javascript; charset=utf-8"
    assert f'var CONFIG = {{"origins": ["http://127.0.0.1:{ports["host"]}"]}};' in widget.text
    assert "cdn" not in widget.text.lower()


# ---------------------------------------------------------------- web chat


def session_requests(page) -> List[str]:
    """The page keys the page sends with its session requests (polling or WebSocket frames)."""
    keys: List[str] = []

    def look(payload) -> None:
        if isinstance(payload, str) and "session_request" in payload:
            keys.extend(re.findall(r'"page_key":"([^"]*)"', payload))

    page.on("request", lambda request: look(request.post_data))
    page.on("websocket", lambda ws: ws.on("framesent", look))
    return keys


def test_chat_in_chinese_survives_a_reload_and_keeps_context(browser, web: str) -> None:
    with open_page(browser, PHONE, "zh-CN") as page:
        keys = session_requests(page)
        page.goto(f"{web}/")
        say(page, "口岸签证需要什么材料？")
        first = wait_answers(page, 1)
        assert first.get_attribute("data-topic") == "port_visa" and first.get_attribute("data-lang") == "zh"
        assert "english.shanghai.gov.cn" in first.locator(".sources").inner_text()  # the materials' own sources
        assert first.locator("ul li").count() >= 2  # materials rendered as a list

        loaded = len(set(keys))
        page.reload()
        assert page.locator("#log .msg.user").count() == 1
        assert "english.shanghai.gov.cn" in wait_answers(page, 1).locator(".sources").inner_text()

        say(page, "那需要多久？")
        follow = wait_answers(page, 2)
        assert follow.get_attribute("data-topic") == "port_visa"
        assert follow.get_attribute("data-aspect") == "duration"
        assert "口岸签证" in follow.inner_text() and follow.locator(".sources").count() == 1
        # each page load makes its own key (in memory, never stored) for reconnects after a drop
        assert loaded == 1 and len(set(keys)) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", k) for k in keys)
        assert no_horizontal_scroll(page)
        assert_log_scrolls_by_keyboard(page)
        assert_accessible(page, "chat page, phone")
        shot(page, "chat-phone")


def test_chat_shows_the_planned_sub_measure_warning_with_its_sources(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "zh-CN") as page:
        page.goto(f"{web}/")
        assert "工作许可" in page.inner_text("#welcome-text")  # topic list from the catalogue
        say(page, "科技人才居留许可需要什么材料？")
        answer = wait_answers(page, 1)
        assert answer.get_attribute("data-topic") == "residence_permit"
        assert "计划中的措施" in answer.locator(".warning").first.inner_text()
        assert answer.locator("ul.materials li").count() >= 5
        assert "浦人社提复〔2023〕30号" in answer.locator(".sources").inner_text()


def test_chat_in_english_and_buttons_for_a_vague_question(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "en-US") as page:
        page.goto(f"{web}/")
        assert page.locator("#send").inner_text() == "Send"
        say(page, "What documents do I need for a work permit?")
        english = wait_answers(page, 1)
        assert english.get_attribute("data-topic") == "work_permit" and english.get_attribute("data-lang") == "en"
        assert english.locator(".sources").inner_text().startswith("Source")
        titles = " ".join(english.locator(".sources .source-title").all_inner_texts())
        assert titles and not re.search(r"[\u3400-\u9fff]", titles)  # English titles in an English reply

        say(page, "我想问签证的事")
        clarify = wait_answers(page, 2)
        assert clarify.get_attribute("data-topic") == ""
        button = clarify.locator(".quick-replies button").first
        title = button.inner_text()
        button.click()
        assert page.locator("#log .msg.user").last.inner_text().strip().endswith(title)
        chosen = wait_answers(page, 3)
        assert chosen.get_attribute("data-topic") and title.split("（")[0] in chosen.inner_text()
        assert clarify.locator(".quick-replies button").first.is_disabled()
        assert page.evaluate("document.activeElement.id") == "message"
        assert_accessible(page, "chat page, desktop")
        shot(page, "chat-desktop")


def test_chat_language_switch_and_keyboard_only(browser, web: str) -> None:
    with open_page(browser, PHONE, "en-US") as page:
        page.goto(f"{web}/")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(8):  # Tab from the top of the page to the message box
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "message":
                break
        assert page.evaluate("document.activeElement.id") == "message"
        page.keyboard.type("How long is the talent visa valid?")
        page.keyboard.press("Enter")
        answer = wait_answers(page, 1)
        assert answer.get_attribute("data-topic") == "talent_visa" and answer.get_attribute("data-lang") == "en"
        assert page.evaluate("document.activeElement.id") == "message"
        assert page.locator("#message").input_value() == ""

        page.click("#lang-switch")  # shows "中文" while the page is in English
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert page.locator("#send").inner_text() == "发送" and page.locator("#lang-switch").inner_text() == "English"
        assert page.locator("#log .msg.user").last.inner_text().strip().endswith("请用中文")
        chinese = wait_answers(page, 2)
        assert chinese.get_attribute("data-lang") == "zh" and chinese.get_attribute("data-topic") == "talent_visa"

        page.focus("#lang-switch")
        page.keyboard.press("Enter")  # back to English, by keyboard
        back = wait_answers(page, 3)
        assert back.get_attribute("data-lang") == "en" and page.locator("#send").inner_text() == "Send"
        assert no_horizontal_scroll(page)
        shot(page, "chat-phone-english")


SPEAKERS = {"zh-CN": {"bot": "助手：", "user": "您："}, "en": {"bot": "Desk:", "user": "You:"}}
# every message of the log: the side it is on, its lang attribute, its hidden speaker label
MESSAGES = """() => Array.from(document.querySelectorAll("#log .msg[data-index]")).map(m => ({
  who: m.classList.contains("bot") ? "bot" : "user", lang: m.getAttribute("lang"), data: m.getAttribute("data-lang"),
  label: m.querySelector(".visually-hidden").textContent.trim(), text: m.querySelector(".body").textContent}))"""


def assert_speakers_in_their_own_language(page) -> List[Dict[str, str]]:
    """Each message's hidden speaker label is in the language of that message (its lang
    attribute), and a reply's lang is its answer's language."""
    messages = page.evaluate(MESSAGES)
    for message in messages:
        assert message["lang"] in SPEAKERS, message
        assert message["label"] == SPEAKERS[message["lang"]][message["who"]], message
        if message["data"]:
            assert message["lang"] == {"zh": "zh-CN", "en": "en"}[message["data"]], message
    return messages


def test_chat_speaker_labels_follow_each_messages_language(browser, web: str) -> None:
    """The hidden "Desk:"/"助手：" and "You:"/"您：" lagged one message behind: a Chinese reply was
    labelled "Desk:", the English reply after it "助手：", an English question "您：" (and "Where is
    人才驿站?" too, counted as Chinese). Each label is now in its own message's language, as the
    page first shows them and after a reload."""
    with open_page(browser, DESKTOP, "en-US") as page:
        page.goto(f"{web}/")
        say(page, "口岸签证需要什么材料？")  # Chinese on an English page
        assert wait_answers(page, 1).get_attribute("data-lang") == "zh"
        say(page, "How long is the talent visa valid?")
        assert wait_answers(page, 2).get_attribute("data-lang") == "en"
        say(page, "Where is 人才驿站?")  # an English question around a Chinese name: labelled English
        assert wait_answers(page, 3).get_attribute("data-lang") == "en"
        for _ in range(2):
            messages = page.evaluate(MESSAGES)
            users = [m for m in messages if m["who"] == "user"]
            answers = [m for m in messages if m["data"]]
            assert [(m["data"], m["label"]) for m in answers] == [("zh", "助手："), ("en", "Desk:"), ("en", "Desk:")]
            assert [m["label"] for m in users] == ["您：", "You:", "You:"]
            assert [m["lang"] for m in users] == ["zh-CN", "en", "en"]
            assert_speakers_in_their_own_language(page)  # every bubble, answers that came as two too
            page.reload()  # the transcript from localStorage, labelled the same
            page.wait_for_selector(ANSWERS)
        assert_accessible(page, "chat page, a Chinese and an English exchange")


def test_chat_more_says_that_was_the_whole_answer(browser, web: str) -> None:
    """The page shows answers whole: "more" repeated the whole last answer; now it (and "更多")
    gets the word WeChat says after an answer's last page, in the language it was asked in, with
    no new answer, and the conversation goes on in context."""
    with open_page(browser, PHONE, "en-US") as page:
        page.goto(f"{web}/")
        say(page, "What documents do I need for a work permit?")
        assert wait_answers(page, 1).get_attribute("data-topic") == "work_permit"
        for more, lang in (("more", "en"), ("更多", "zh")):
            said = texts.text("wechat", "pages_end", lang)
            say(page, more)
            page.wait_for_function("t => { const b = document.querySelectorAll('#log .msg.bot');"
                                   " return b.length && b[b.length - 1].querySelector('.body').textContent.trim() === t; }",
                                   arg=said, timeout=ANSWER_TIMEOUT_MS)
            page.wait_for_timeout(500)  # and nothing after it
            last = page.evaluate(MESSAGES)[-1]
            assert last["who"] == "bot" and last["text"].strip() == said and not last["data"]
            assert last["lang"] == ("zh-CN" if lang == "zh" else "en")
            assert page.locator(ANSWERS).count() == 1, "the answer was not repeated"
        assert page.locator("#typing").is_hidden()
        assert_speakers_in_their_own_language(page)
        say(page, "How long does it take?")
        follow = wait_answers(page, 2)
        assert (follow.get_attribute("data-topic"), follow.get_attribute("data-aspect")) == ("work_permit", "duration")


def paste(page, selector: str, text: str) -> None:
    """Put ``text`` on the clipboard and paste it into ``selector`` as a person would (Ctrl+V)."""
    page.evaluate("t => navigator.clipboard.writeText(t)", text)
    page.focus(selector)
    page.keyboard.press("Control+V")


def test_chat_takes_a_long_paste_whole_and_answers_it(browser, web: str) -> None:
    question = " Could you tell me which documents the residence permit renewal needs? Best regards, Anna"
    head = "Dear team, thank you for the meeting on Monday. "
    filler = "Our office moved to a new floor last week and the new colleagues are settling in. " * 80
    mail = head + filler[: 5_000 - len(head) - len(question)] + question
    assert len(mail) == 5_000
    with open_page(browser, DESKTOP, "en-US") as page:
        page.goto(f"{web}/")
        paste(page, "#message", mail)
        assert page.locator("#message").input_value() == mail  # not cut
        page.press("#message", "Enter")
        answer = wait_answers(page, 1)
        assert answer.get_attribute("data-topic") == "residence_permit"
        assert page.locator("#log .msg.user .body").first.inner_text().strip() == mail.strip()

        paste(page, "#message", "x" * 10_001)  # over the limit: the server says so, politely
        assert len(page.locator("#message").input_value()) == 10_001
        page.press("#message", "Enter")
        # waited for by its words: the answer before may come as more than one bubble
        page.wait_for_function("() => { const b = document.querySelectorAll('#log .msg.bot');"
                               " return b.length >= 2 && b[b.length - 1].innerText.includes('too long'); }",
                               timeout=ANSWER_TIMEOUT_MS)
        assert "too long" in page.locator("#log .msg.bot").last.inner_text()
        assert page.locator("#typing").is_hidden() and no_horizontal_scroll(page)
        assert_accessible(page, "chat page with a long paste, desktop")


def test_chat_links_the_urls_in_answers(browser, web: str) -> None:
    with open_page(browser, PHONE, "en-US") as page:
        page.goto(f"{web}/")
        say(page, "Where do I apply for a work permit?")
        answer = wait_answers(page, 1)
        assert (answer.get_attribute("data-topic"), answer.get_attribute("data-aspect")) == ("work_permit", "where")
        fact_link = answer.locator('p a.link[href="https://fwp.safea.gov.cn"]')
        assert fact_link.count() == 1 and fact_link.inner_text() == "https://fwp.safea.gov.cn"
        contact_link = answer.locator('ul.contacts a.link[href="http://www.sgst.cn/foreign"]')
        assert contact_link.count() == 1
        for link in (fact_link, contact_link):
            assert link.get_attribute("target") == "_blank" and link.get_attribute("rel") == "noopener noreferrer"
        assert "fuwu.most.gov.cn" in answer.inner_text()  # no scheme: text, not a link
        assert no_horizontal_scroll(page)
        assert_accessible(page, "chat page with links in an answer, phone")
        shot(page, "chat-phone-links")

        # answer text is never HTML, and only http(s) becomes a link
        built = page.evaluate("""() => {
          const box = document.createElement("div");
          DeskRender.renderAnswer(box, {language: "en", labels: {source: "Source"},
            items: [{text: "<img src=x onerror=alert(1)> javascript:alert(1) (see https://a.example/x_(y)).", sources: []}],
            contacts: [{line: "Desk, Tel: 12345, https://b.example/c?d=1&e=2, ftp://c.example"}],
            sources: [{ref: "Ref", title: "T", date: "2024-01-01", url: "https://d.example/s"}]});
          return {imgs: box.querySelectorAll("img").length,
                  links: Array.from(box.querySelectorAll("a")).map(a => a.getAttribute("href")),
                  source: box.querySelector(".sources a.ref") && box.querySelector(".sources a.ref").rel,
                  text: box.textContent};
        }""")
        assert built["imgs"] == 0 and "<img src=x onerror=alert(1)>" in built["text"]
        assert built["links"] == ["https://a.example/x_(y)", "https://b.example/c?d=1&e=2", "https://d.example/s"]
        assert built["source"] == "noopener noreferrer"  # a source with a url is still a link

        # a record's note comes after the steps it adds to, as in the text replies
        order = page.evaluate("""() => {
          const box = document.createElement("div");
          DeskRender.renderAnswer(box, {language: "en", labels: {source: "Source"}, sources: [],
            items: [{text: "NOTE", sources: [], note: true}, {text: "LEAD", sources: []}],
            steps: [{text: "STEP", sources: []}]});
          return box.textContent;
        }""")
        assert order.index("LEAD") < order.index("STEP") < order.index("NOTE")


# ---------------------------------------------------------------- staff console


def sign_in(page, web: str, token: str, name: str = "Test Staff") -> None:
    page.goto(f"{web}/staff")
    page.fill("#token", token)
    page.fill("#staff-name", name)
    page.click("#signin-button")


def test_staff_console_refuses_a_wrong_token(browser, web: str) -> None:
    with open_page(browser, DESKTOP, expected_error="401") as page:
        sign_in(page, web, "not-the-token")
        page.wait_for_function("() => document.getElementById('signin-error').textContent.length > 0")
        assert "wrong token" in page.inner_text("#signin-error")
        assert page.locator("#console").is_hidden()
        assert page.evaluate("sessionStorage.getItem('desk.staff.token')") is None
        assert_accessible(page, "staff sign-in with an error, desktop")
        page.set_viewport_size(PHONE)
        assert_accessible(page, "staff sign-in with an error, phone")
        shot(page, "staff-signin-wrong-token")


def test_staff_console_answer_alternatives_and_feedback(browser, web: str, stack: Stack) -> None:
    with open_page(browser, DESKTOP, "zh-CN") as page:
        sign_in(page, web, STAFF_TOKEN, "王老师 Wang")
        page.wait_for_selector("#console", state="visible")
        call_id = page.inner_text("#call-id")
        assert call_id.startswith("call-")

        page.fill("#question", "口岸签证需要什么材料？")
        page.press("#question", "Enter")
        page.wait_for_selector(".card", timeout=ANSWER_TIMEOUT_MS)
        card = page.locator(".card").first
        assert card.get_attribute("data-topic") == "port_visa"
        assert re.search(r"\d+%", card.locator(".badge.confidence").inner_text())
        sources = card.locator(".sources-part").inner_text()
        assert "english.shanghai.gov.cn" in sources and "2024-02-27" in sources
        assert card.locator(".checklist li").count() >= 2 and card.locator(".steps li").count() >= 1
        card.locator("button.copy").click()
        page.wait_for_function("() => document.querySelector('.copy-status').textContent.length > 0")
        assert "Copied" in card.locator(".copy-status").inner_text()

        other = card.locator(".other-answer")
        assert other.is_hidden()
        card.locator("button.other-toggle").click()
        assert other.is_visible() and other.get_attribute("lang") == "en"
        assert "Hide English" in card.locator("button.other-toggle").inner_text()
        assert "Source" in other.inner_text() and "port visa" in other.inner_text().lower()
        assert_accessible(page, "staff console with an answer, desktop")
        shot(page, "staff-desktop", full_page=True)

        alternative = card.locator(".alternatives button.alt").first
        switched_to = alternative.get_attribute("data-topic")
        alternative.click()
        page.wait_for_function("() => document.querySelectorAll('.card').length >= 2", timeout=ANSWER_TIMEOUT_MS)
        newest = page.locator(".card").first
        assert newest.get_attribute("data-topic") == switched_to

        newest.locator(".feedback .btn.bad").click()
        select_box = newest.locator(".wrong-form select")
        options = select_box.locator("option").evaluate_all("els => els.map(e => e.value).filter(Boolean)")
        right_topic = "port_visa" if "port_visa" in options else options[0]
        select_box.select_option(right_topic)
        newest.locator(".wrong-form textarea").fill("caller meant the port visa")
        newest.locator(".wrong-form button[type=submit]").click()
        page.wait_for_function(
            "() => document.querySelector('.card .feedback-status').textContent.includes('Saved')"
        )

        with new_session(stack.env["DESK_DB_URL"]) as session:
            rows = session.execute(select(Feedback).where(Feedback.sender == call_id)).scalars().all()
        assert len(rows) == 1
        row = rows[0]
        assert (row.correct, row.topic, row.right_topic) == (False, switched_to, right_topic)
        assert row.note == "caller meant the port visa" and row.staff_name == "王老师 Wang"
        assert row.question == "口岸签证需要什么材料？" and row.created_at is not None

        page.set_viewport_size(PHONE)
        page.evaluate("window.scrollTo(0, 0)")
        assert no_horizontal_scroll(page)
        assert_accessible(page, "staff console with feedback, phone")
        shot(page, "staff-phone")
        shot(page, "staff-phone-full", full_page=True)


def staff_ask(page, question: str, count: int):
    """Ask ``question`` in the staff console; the newest card once there are ``count``."""
    page.fill("#question", question)
    page.press("#question", "Enter")
    page.wait_for_function("n => document.querySelectorAll('.card').length >= n", arg=count,
                           timeout=ANSWER_TIMEOUT_MS)
    return page.locator(".card").first


def staff_storage(page) -> Dict[str, str]:
    """What the staff console keeps in sessionStorage."""
    return page.evaluate("() => Object.fromEntries(Object.keys(sessionStorage)"
                         ".filter(k => k.startsWith('desk.staff.')).map(k => [k, sessionStorage.getItem(k)]))")


def staff_sign_in_here(page, name: str) -> str:
    """Sign in on the page as it is (the same tab, no reload); the call id given."""
    page.fill("#token", STAFF_TOKEN)
    page.fill("#staff-name", name)
    page.click("#signin-button")
    page.wait_for_selector("#console", state="visible")
    return page.inner_text("#call-id")


def test_staff_sign_out_ends_the_call(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "en-US") as page:
        sign_in(page, web, STAFF_TOKEN, "Agent A")
        page.wait_for_selector("#console", state="visible")
        first_call = page.inner_text("#call-id")
        assert staff_ask(page, "How do I get a talent visa (R visa)?", 1).get_attribute("data-topic") == "talent_visa"

        page.click("#sign-out")
        assert staff_storage(page) == {}  # no token, name, call, answers or titles left
        assert page.locator(".card").count() == 0 and page.inner_text("#call-id") == ""
        assert page.input_value("#staff-name") == "" and page.input_value("#token") == ""

        second_call = staff_sign_in_here(page, "Agent B")
        assert second_call.startswith("call-") and second_call != first_call
        assert staff_storage(page)["desk.staff.name"] == "Agent B"
        # a new caller: "what documents?" is not read as about the first caller's talent visa
        assert staff_ask(page, "what documents?", 1).get_attribute("data-topic") != "talent_visa"

        # an answer still on its way at sign-out is the ended call's: it never shows up after
        held = []
        page.route("**/webhooks/hotline/webhook",
                   lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
        page.fill("#question", "How long is the talent visa valid?")
        page.press("#question", "Enter")
        wait_for_held(page, held, "the question")
        page.click("#sign-out")
        staff_sign_in_here(page, "Agent C")
        with page.expect_response("**/webhooks/hotline/webhook", timeout=ANSWER_TIMEOUT_MS) as late:
            held[0].continue_()
        page.unroute("**/webhooks/hotline/webhook")
        assert late.value.status == 200
        page.wait_for_timeout(500)  # time for the page to handle the late answer
        assert page.locator(".card").count() == 0 and "desk.staff.cards" not in staff_storage(page)
        assert page.input_value("#question") == "" and page.locator("#ask-button").is_enabled()


def test_staff_console_signed_in_and_hovered_is_accessible(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "zh-CN") as page:
        sign_in(page, web, STAFF_TOKEN)
        page.wait_for_selector("#console", state="visible")
        answers = page.locator("#answers")
        assert answers.get_attribute("role") == "region" and answers.get_attribute("aria-label")
        assert_accessible(page, "staff console signed in, no answers yet")
        page.hover("#sign-out")
        assert_accessible(page, "staff console, sign-out hovered")
        assert_buttons_keep_contrast(page, "staff console, no answers yet")

        card = staff_ask(page, "口岸签证需要什么材料？", 1)
        assert "口岸签证" in page.inner_text("#answer-status")  # a short announcement, not the whole card
        assert_buttons_keep_contrast(page, "staff console with an answer")
        card.locator("button.other-toggle").click()
        card.locator(".feedback .btn.bad").click()
        assert_buttons_keep_contrast(page, "staff console with the other language and the feedback form open")


def test_staff_console_copies_the_suggested_answer(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "en-US") as page:
        sign_in(page, web, STAFF_TOKEN)
        page.wait_for_selector("#console", state="visible")
        with page.expect_response("**/webhooks/hotline/webhook") as sent:
            card = staff_ask(page, "How do I get a talent visa (R visa)?", 1)
        reply = sent.value.json()

        # by keyboard, from the card's heading
        card.locator("h2").focus()
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('copy-answer')"):
                break
        assert page.evaluate("document.activeElement.closest('.card') === document.querySelector('.card')")
        assert "Copy answer" in page.evaluate("document.activeElement.textContent")
        page.keyboard.press("Enter")
        status = card.locator(".copy-answer-status")
        page.wait_for_function("() => document.querySelector('.copy-answer-status').textContent.length > 0")
        assert status.is_visible() and "Copied" in status.inner_text() and status.get_attribute("role") == "status"
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied == "\n\n".join(reply["replies"])  # what the bot sends, with its sources line
        assert copied.startswith("Talent visa") and copied.splitlines()[-1].startswith("Sources:")

        # on every card: a clarifying question has no checklist, but its answer can be copied
        page.click("#new-call")
        question = staff_ask(page, "我想问签证的事", 1)
        assert question.locator("button.copy").count() == 0
        question.locator("button.copy-answer").click()
        page.wait_for_function("() => document.querySelector('.copy-answer-status').textContent.length > 0")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "人才签证" in copied and "口岸签证" in copied
        assert_accessible(page, "staff console with a copied answer")


def test_staff_console_keeps_the_calls_answers_across_a_reload(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "zh-CN") as page:
        sign_in(page, web, STAFF_TOKEN)
        page.wait_for_selector("#console", state="visible")
        call = page.inner_text("#call-id")
        staff_ask(page, "口岸签证需要什么材料？", 1)
        newest = staff_ask(page, "那需要多久？", 2)
        newest.locator(".feedback .btn.good").click()
        page.wait_for_function("() => document.querySelector('.card .feedback-status').textContent.includes('Saved')")
        shown = page.locator(".card h2").all_inner_texts()
        asked = page.locator(".card .asked").all_inner_texts()
        checklists = page.locator(".card .checklist li").count()

        page.reload()
        page.wait_for_selector(".card")
        assert page.inner_text("#call-id") == call
        assert page.locator(".card h2").all_inner_texts() == shown and page.locator(".card .asked").all_inner_texts() == asked
        restored = page.locator(".card").first
        assert "Saved" in restored.locator(".feedback-status").inner_text()  # sent once, not offered again
        assert restored.locator(".feedback .btn.good").is_disabled()
        assert page.locator(".card .checklist li").count() == checklists >= 2
        assert_accessible(page, "staff console after a reload")
        follow = staff_ask(page, "在哪里办？", 3)  # the context is still the call's
        assert follow.get_attribute("data-topic") == "port_visa"

        # capped: with 20 kept, a new answer drops the oldest
        page.evaluate("""() => { const saved = JSON.parse(sessionStorage.getItem('desk.staff.cards'));
          while (saved.cards.length < 20) saved.cards.unshift(Object.assign({}, saved.cards[0], {key: -saved.cards.length}));
          sessionStorage.setItem('desk.staff.cards', JSON.stringify(saved)); }""")
        staff_ask(page, "口岸签证要多少钱？", 4)
        kept = page.evaluate("() => JSON.parse(sessionStorage.getItem('desk.staff.cards')).cards.map(c => c.ctx.question)")
        assert len(kept) == 20 and kept[-1] == "口岸签证要多少钱？"
        page.reload()
        page.wait_for_selector(".card")
        assert page.locator(".card").count() == 20

        page.click("#new-call")  # a new call starts empty, also after a reload
        assert page.locator(".card").count() == 0 and "desk.staff.cards" not in staff_storage(page)
        page.reload()
        page.wait_for_selector("#console", state="visible")
        assert page.locator(".card").count() == 0 and page.inner_text("#call-id") != call


def test_staff_console_names_topics_in_the_cards_language(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "zh-CN") as page:
        sign_in(page, web, STAFF_TOKEN)
        page.wait_for_selector("#console", state="visible")
        card = staff_ask(page, "口岸签证需要什么材料？", 1)  # titles from the page config, from the first card
        assert card.get_attribute("data-language") == "zh"
        chip = card.locator(".alternatives button.alt[data-topic='talent_visa']")
        assert chip.inner_text().startswith("人才签证 · "), chip.inner_text()
        for name in card.locator(".alternatives button.alt > span").all():
            assert re.search(r"[\u4e00-\u9fff]", name.inner_text()) and not name.get_attribute("lang")
        card.locator(".feedback .btn.bad").click()
        assert card.locator(".wrong-form select option[value='talent_visa']").inner_text() == "人才签证"

        page.click("#sign-out")  # titles are the catalogue's: the next agent still has them
        staff_sign_in_here(page, "Agent D")
        chinese = staff_ask(page, "口岸签证需要什么材料？", 1)
        assert chinese.locator(".alternatives button.alt[data-topic='talent_visa']").inner_text().startswith("人才签证")
        page.click("#new-call")  # and an English card names them in English
        english = staff_ask(page, "How do I get a talent visa (R visa)?", 1)
        port = english.locator(".alternatives button.alt[data-topic='port_visa']").inner_text()
        assert port.startswith("Port visa") and not re.search(r"[\u4e00-\u9fff]", port)
        assert_accessible(page, "staff console, topics named in the card's language")


def test_staff_console_says_a_question_is_too_long_in_both_languages(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "zh-CN", expected_error="413") as page:
        sign_in(page, web, STAFF_TOKEN)
        page.wait_for_selector("#console", state="visible")
        page.fill("#question", "x" * 10_001)
        page.press("#question", "Enter")
        page.wait_for_function("() => document.getElementById('ask-error').textContent.length > 0",
                               timeout=ANSWER_TIMEOUT_MS)
        error = page.inner_text("#ask-error")
        assert "太长" in error and "too long" in error and "'message'" not in error
        assert page.input_value("#question") == "x" * 10_001  # back in the box, to be shortened
        assert page.locator(".card").count() == 0
        assert_accessible(page, "staff console with a too-long question")


# ---------------------------------------------------------------- the widget on other sites

HOST_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Example employer</title></head>
<body>
<header><p>Example employer · international hires</p></header>
<main><h1>{title}</h1><p>Relocating to Pudong? Our HR team and the desk below can help.</p>
<nav aria-label="Site pages"><a id="next" href="{next}">{next_label}</a></nav></main>
<script src="{desk}/widget.js" defer {options}></script>
</body>
</html>
"""


def host_pages(desk: str, options: str = "") -> Dict[str, str]:
    """Two pages of a host site, each with the one script tag (and nothing of its own)."""
    return {
        "/": HOST_PAGE.format(title="Working in Pudong", next="/visas.html", next_label="Visas",
                              desk=desk, options=options),
        "/visas.html": HOST_PAGE.format(title="Visas", next="/", next_label="Working in Pudong",
                                        desk=desk, options=options),
        "/phone.html": HOST_PAGE.format(
            title="Phone page", next="/", next_label="Home", desk=desk,
            options='data-lang="zh" data-position="left" data-accent="#ffd24d" data-open="true" '
                    'data-title="浦东人才服务 测试"'),
        "/frames.html": "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Frames</title></head>"
                        "<body><main><h1>Frames</h1></main></body></html>",
    }


class HostHandler(SimpleHTTPRequestHandler):
    """A host site's static pages under a strict CSP that names the desk only for scripts and
    frames (what the README tells host sites to add)."""

    pages: Dict[str, str] = {}
    csp = ""

    def do_GET(self) -> None:  # noqa: N802
        body = self.pages.get(self.path.split("?")[0])
        if body is None:
            self.send_error(404)
            return
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def host_site(port: int, desk: str) -> Iterator[str]:
    csp = f"default-src 'none'; script-src {desk}; frame-src {desk}; base-uri 'none'; form-action 'none'"
    handler = type("Host", (HostHandler,), {"pages": host_pages(desk), "csp": csp})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def host(web: str, ports: Dict[str, int]) -> Iterator[str]:
    with host_site(ports["host"], web) as url:
        yield url


@pytest.fixture(scope="module")
def stranger(web: str, ports: Dict[str, int]) -> Iterator[str]:
    with host_site(ports["stranger"], web) as url:
        yield url


WIDGET = "pudong-desk-widget"
LAUNCHER = f"{WIDGET} .launcher"
PANEL = f"{WIDGET} .panel"


def chat_frame(page):
    """The chat page in the widget's panel (a frame of the desk's origin)."""
    page.wait_for_function(
        "() => { const w = document.querySelector('pudong-desk-widget');"
        " return !!(w && w.shadowRoot.querySelector('iframe')); }")
    return page.frame_locator(f"{WIDGET} iframe")


def frame_of(page, web: str):
    """The panel's frame once it shows the chat page (it starts as about:blank)."""
    frame = page.locator(f"{WIDGET} iframe").element_handle().content_frame()
    for _ in range(200):
        if frame.url.startswith(f"{web}/?embed=1"):
            frame.wait_for_load_state("load")
            return frame
        page.wait_for_timeout(50)
    raise AssertionError(f"the panel's frame did not load the chat page: {frame.url}")


def focused_in_widget(page) -> str:
    """What has the focus inside the widget's shadow root ("" when nothing there)."""
    return page.evaluate(
        "() => { const w = document.querySelector('pudong-desk-widget');"
        " const a = w && w.shadowRoot.activeElement; return a ? (a.className || a.tagName) : ''; }")


def frame_answers(page, web: str, count: int):
    frame = frame_of(page, web)
    frame.wait_for_function(
        "([selector, n]) => document.querySelectorAll(selector).length >= n",
        arg=[ANSWERS, count], timeout=ANSWER_TIMEOUT_MS,
    )
    return frame.locator(ANSWERS).nth(count - 1)


def test_widget_on_a_listed_site(browser, web: str, host: str, stranger: str) -> None:
    with open_page(browser, DESKTOP, "en-US") as page:
        page.goto(f"{host}/")
        launcher = page.locator(LAUNCHER)
        launcher.wait_for(state="visible")
        # one element, one global, the chat not loaded until asked for
        assert page.evaluate("document.querySelectorAll('pudong-desk-widget').length") == 1
        assert page.evaluate("document.body.lastElementChild.tagName") == "PUDONG-DESK-WIDGET"
        globals_here = set(page.evaluate("Object.keys(window)"))
        assert page.locator(f"{WIDGET} iframe").count() == 0
        assert launcher.get_attribute("aria-expanded") == "false"
        name = launcher.inner_text()
        assert "Ask us" in name and "在线咨询" in name
        box = launcher.bounding_box()
        assert box["x"] > DESKTOP["width"] / 2 and box["y"] > DESKTOP["height"] / 2  # bottom right
        assert_accessible(page, "host page with the launcher, desktop")

        # open by keyboard: focus goes into the chat's message box
        tab_to(page, ".launcher")
        page.keyboard.press("Enter")
        panel = page.locator(PANEL)
        panel.wait_for(state="visible")
        assert launcher.get_attribute("aria-expanded") == "true"
        chat_frame(page)
        frame_of(page, web).wait_for_function("document.activeElement && document.activeElement.id === 'message'")
        panel_box = panel.bounding_box()
        assert panel_box["width"] <= 420 and panel_box["x"] > DESKTOP["width"] / 2  # a corner panel

        # a Chinese and an English question, answered by the real stack
        page.keyboard.type("口岸签证需要什么材料？")
        page.keyboard.press("Enter")
        first = frame_answers(page, web, 1)
        assert first.get_attribute("data-topic") == "port_visa" and first.get_attribute("data-lang") == "zh"
        assert "english.shanghai.gov.cn" in first.locator(".sources").inner_text()  # the materials' own sources
        page.keyboard.type("How long is the talent visa valid?")
        page.keyboard.press("Enter")
        second = frame_answers(page, web, 2)
        assert second.get_attribute("data-topic") == "talent_visa" and second.get_attribute("data-lang") == "en"
        assert_accessible(page, "host page with the panel open, desktop")
        shot(page, "widget-desktop-open")

        # Escape (inside the chat frame) closes, and the focus is back on the launcher
        page.keyboard.press("Escape")
        panel.wait_for(state="hidden")
        assert focused_in_widget(page) == "launcher"
        assert launcher.get_attribute("aria-expanded") == "false"

        # a reply while closed: badge on the launcher, named in its label
        frame = frame_of(page, web)
        frame.evaluate("q => { document.getElementById('message').value = q;"
                       " document.getElementById('composer').requestSubmit(); }", "那需要多久？")
        badge = page.locator(f"{WIDGET} .badge")
        badge.wait_for(state="visible", timeout=ANSWER_TIMEOUT_MS)
        assert badge.inner_text() == "1" and "1 new reply" in launcher.inner_text()
        assert_accessible(page, "host page with an unread badge, desktop")
        shot(page, "widget-desktop-badge")

        # reopen by keyboard: the whole conversation is there, the badge gone
        launcher.focus()
        page.keyboard.press("Enter")
        panel.wait_for(state="visible")
        assert badge.is_hidden()
        frame = frame_of(page, web)
        assert frame.locator("#log .msg.user").count() == 3
        follow = frame_answers(page, web, 3)
        assert follow.get_attribute("data-topic") == "talent_visa" and follow.get_attribute("data-aspect") == "duration"

        # close button, then to the host's second page: the conversation goes on there
        page.locator(f"{WIDGET} .close").click()
        panel.wait_for(state="hidden")
        assert focused_in_widget(page) == "launcher"
        page.click("#next")
        page.wait_for_url(f"{host}/visas.html")
        page.locator(LAUNCHER).click()
        page.locator(PANEL).wait_for(state="visible")
        frame_answers(page, web, 3)
        frame = frame_of(page, web)
        assert frame.locator("#log .msg.user").count() == 3
        frame.locator("#message").fill("What documents do I need for a work permit?")
        frame.locator("#message").press("Enter")
        fourth = frame_answers(page, web, 4)
        assert fourth.get_attribute("data-topic") == "work_permit"

        # the panel stays open across the host's pages (and nothing new appeared in window)
        page.click("#next")
        page.wait_for_url(f"{host}/")
        page.locator(PANEL).wait_for(state="visible")
        assert frame_answers(page, web, 4).get_attribute("data-topic") == "work_permit"

    with open_page(browser, DESKTOP, "en-US") as page:  # the same page on an unlisted site
        page.goto(f"{stranger}/")
        page.wait_for_load_state("load")
        assert page.locator(WIDGET).count() == 0
        assert set(page.evaluate("Object.keys(window)")) == globals_here - {"PudongDesk"}


def test_widget_on_a_phone_opens_full_screen_with_options(browser, web: str, host: str) -> None:
    with open_page(browser, PHONE, "zh-CN") as page:
        page.goto(f"{host}/phone.html")
        panel = page.locator(PANEL)
        panel.wait_for(state="visible")  # data-open
        assert focused_in_widget(page) == ""  # opening on load does not take the focus
        assert panel.bounding_box() == {"x": 0, "y": 0, "width": PHONE["width"], "height": PHONE["height"]}
        assert page.locator(LAUNCHER).is_hidden()  # under the panel: out of the Tab order
        assert page.locator(f"{WIDGET} .title").inner_text() == "浦东人才服务 测试"
        chat_frame(page)
        frame = frame_of(page, web)
        frame.wait_for_selector("#send")
        assert frame.locator("#send").inner_text() == "发送"  # data-lang
        assert frame.evaluate("document.body.classList.contains('embedded')")
        frame.locator("#message").fill("永久居留怎么申请？")
        frame.locator("#message").press("Enter")
        answer = frame_answers(page, web, 1)
        assert answer.get_attribute("data-lang") == "zh" and answer.get_attribute("data-topic")
        assert no_horizontal_scroll(page)
        assert_accessible(page, "host page with the panel full screen, phone")
        shot(page, "widget-phone-open")

        page.locator(f"{WIDGET} .close").click()
        panel.wait_for(state="hidden")
        launcher = page.locator(LAUNCHER)
        assert focused_in_widget(page) == "launcher"
        assert launcher.inner_text().startswith("在线咨询")
        box = launcher.bounding_box()
        assert box["x"] < PHONE["width"] / 2 and box["x"] + box["width"] <= PHONE["width"]  # data-position=left
        # a light accent gets dark text (axe checks the contrast)
        assert page.evaluate(
            "getComputedStyle(document.querySelector('pudong-desk-widget').shadowRoot"
            ".querySelector('.launcher')).color") == "rgb(29, 39, 51)"
        assert_accessible(page, "host page with the launcher, phone")
        shot(page, "widget-phone-closed")


def test_unlisted_sites_get_no_widget_and_cannot_frame_the_chat(browser, web: str, host: str, stranger: str) -> None:
    with open_page(browser, DESKTOP, "en-US", expected_error="frame-ancestors") as page:
        page.goto(f"{stranger}/")
        page.wait_for_load_state("load")
        assert page.locator(WIDGET).count() == 0 and page.evaluate("typeof window.PudongDesk") == "undefined"
        assert_accessible(page, "unlisted host page")

        def framed(site: str, path: str) -> bool:
            """Whether a page of ``site`` can show the desk's ``path`` in a frame."""
            page.goto(f"{site}/frames.html")
            page.evaluate("src => new Promise(done => { const f = document.createElement('iframe');"
                          " f.title = 'test'; f.onload = done; f.src = src; document.body.appendChild(f); })",
                          f"{web}{path}")
            frame = next(f for f in page.frames if f != page.main_frame)
            return frame.url.startswith(web) and frame.evaluate("!!document.querySelector('main')")

        assert not framed(stranger, "/")
        assert not framed(stranger, "/staff")
        assert framed(host, "/?embed=1")
        assert not framed(host, "/staff")


def test_socketio_accepts_the_desks_pages_and_listed_hosts_only(stack: Stack, ports: Dict[str, int]) -> None:
    def connects(origin: str) -> bool:
        """Engine.IO polling handshake, then a socket.io CONNECT, as a browser page would."""
        base = f"{stack.url}/socket.io/?EIO=4&transport=polling"
        with httpx.Client(headers={"Origin": origin}, timeout=10) as client:
            opened = client.get(base)
            assert opened.status_code == 200 and opened.text.startswith("0"), opened.text
            sid = re.search(r'"sid":"([^"]+)"', opened.text).group(1)
            assert client.post(f"{base}&sid={sid}", content="40").status_code == 200
            answer = client.get(f"{base}&sid={sid}").text
        assert answer.startswith(("40", "44")), answer
        return answer.startswith("40")

    assert connects(f"http://127.0.0.1:{ports['web']}")
    assert connects(f"http://127.0.0.1:{ports['host']}")
    assert not connects(f"http://127.0.0.1:{ports['stranger']}")
    assert not connects("https://evil.example")
