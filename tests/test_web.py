"""The web chat page and the staff console in a real headless Chromium (Debian's, driven by
Playwright; no browser is downloaded) against the real Rasa and action servers and the
static server. Screenshots go to screenshots/ (git-ignored) for a person to look at."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import httpx
import pytest
from sqlalchemy import select

from desk.admin.processes import ROOT, web_server
from desk.policies.db import new_session
from desk.policies.models import Feedback
from tests.stack import STAFF_TOKEN, Stack, build_stack

pytestmark = pytest.mark.stack

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is not installed (/usr/bin/chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

SHOTS = ROOT / "screenshots"
PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
]
ANSWER_TIMEOUT_MS = 30_000
ANSWERS = "#log .msg.bot[data-lang]"


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    running = build_stack(tmp_path_factory.mktemp("web-stack")).start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[str]:
    port = stack.web_port  # the gateway allows the desk's own pages (this port) to call the channels
    server = web_server(port, stack.rasa_port, stack.env, stack.workdir / "logs")
    assert server is not None, "web/index.html is missing"
    server.start()
    try:
        server.wait_ready(timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        yield chromium
        chromium.close()


@contextmanager
def open_page(browser, viewport=DESKTOP, locale: str = "en-US", expected_error: str = "") -> Iterator["sync_api.Page"]:
    """A fresh profile (own localStorage) whose page must not log errors or CSP refusals
    (but for ``expected_error``, e.g. the 401 of a wrong token)."""
    context = browser.new_context(viewport=viewport, locale=locale)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    problems: List[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: problems.append(msg.text)
        if msg.type == "error" and not (expected_error and expected_error in msg.text) else None,
    )
    try:
        yield page
        assert problems == [], problems
    finally:
        context.close()


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


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


# ---------------------------------------------------------------- static server


def test_static_server_config_and_headers(web: str, stack: Stack) -> None:
    page = httpx.get(f"{web}/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["x-content-type-options"] == "nosniff"
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and f"http://127.0.0.1:{stack.rasa_port}" in csp
    assert f"ws://127.0.0.1:{stack.rasa_port}" in csp
    config = httpx.get(f"{web}/config.js")
    assert config.text.strip() == f'window.DESK_CONFIG = {{"rasaUrl": "http://127.0.0.1:{stack.rasa_port}"}};'
    staff = httpx.get(f"{web}/staff")
    assert staff.status_code == 200 and "frame-ancestors 'none'" in staff.headers["content-security-policy"]
    assert httpx.get(f"{web}/vendor/").status_code == 404
    assert httpx.get(f"{web}/../pyproject.toml").status_code == 404
    assert "cdn" not in page.text.lower()


# ---------------------------------------------------------------- web chat


def test_chat_in_chinese_survives_a_reload_and_keeps_context(browser, web: str) -> None:
    with open_page(browser, PHONE, "zh-CN") as page:
        page.goto(f"{web}/")
        say(page, "口岸签证需要什么材料？")
        first = wait_answers(page, 1)
        assert first.get_attribute("data-topic") == "port_visa" and first.get_attribute("data-lang") == "zh"
        assert "浦人社提复〔2023〕30号" in first.locator(".sources").inner_text()
        assert first.locator("ul li").count() >= 2  # materials rendered as a list

        page.reload()
        assert page.locator("#log .msg.user").count() == 1
        assert "浦人社提复" in wait_answers(page, 1).locator(".sources").inner_text()

        say(page, "那需要多久？")
        follow = wait_answers(page, 2)
        assert follow.get_attribute("data-topic") == "port_visa"
        assert follow.get_attribute("data-aspect") == "duration"
        assert "口岸签证" in follow.inner_text() and follow.locator(".sources").count() == 1
        assert no_horizontal_scroll(page)
        shot(page, "chat-phone")


def test_chat_in_english_and_buttons_for_a_vague_question(browser, web: str) -> None:
    with open_page(browser, DESKTOP, "en-US") as page:
        page.goto(f"{web}/")
        assert page.locator("#send").inner_text() == "Send"
        say(page, "What documents do I need for a work permit?")
        english = wait_answers(page, 1)
        assert english.get_attribute("data-topic") == "work_permit" and english.get_attribute("data-lang") == "en"
        assert english.locator(".sources").inner_text().startswith("Source")

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
        assert "浦人社提复〔2023〕30号" in sources and "2023-05-09" in sources
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
        shot(page, "staff-phone")
        shot(page, "staff-phone-full", full_page=True)
