"""The admin console in a real headless Chromium (Debian's, driven by Playwright) against the
real web server, gateway, Rasa and action servers: sign-in (a wrong token and the staff token
are refused), an import with field errors that changes nothing, a review item accepted as a
training example, a new topic on a subject the desk used to refuse published from the
console (newly covered held-out questions confirmed with the button), the analytics
charts drawn with their tables, and a sign-out that removes the data from the page. Every
state is checked with axe-core (from npm, injected by the test; nothing is loaded from a CDN),
and every button hovered and focused keeps its contrast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

import pytest

from desk.admin.coverage import topic_fingerprints
from desk.admin.processes import free_port
from desk.policies import models
from desk.policies.db import new_session
from desk.policies.importer import all_records
from tests.browser import (
    AXE_JS,
    PHONE,
    assert_accessible,
    assert_buttons_keep_contrast,
    chromium,
    serving_web,
    sync_api,
    wait_for_held,
)
from tests.browser import open_page as shared_open_page
from tests.browser import shot as shared_shot
from tests.stack import STAFF_TOKEN, Stack, build_stack

pytestmark = pytest.mark.stack

ADMIN_TOKEN = "test-admin-token"
FIXTURES = Path(__file__).parent / "fixtures"
DESKTOP = {"width": 1280, "height": 900}
PUBLISH_TIMEOUT_MS = 1_200_000


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("admin-web")
    running = build_stack(workdir)
    running.env.update({
        "DESK_ADMIN_TOKEN": ADMIN_TOKEN,
        "DESK_BUILD_DIR": str(workdir / "build"),
        "DESK_MODELS_DIR": str(workdir / "models"),
        "DESK_GATEWAY_URL": running.api_url,  # the gateway's loopback admin side
    })
    running.start()
    # what `make run` records on its first start: the serving model and the topics it knows
    with new_session(running.env["DESK_DB_URL"]) as session:
        topics = topic_fingerprints(all_records(session))
    var = Path(running.env["DESK_VAR_DIR"])
    var.mkdir(parents=True, exist_ok=True)
    (var / "published.json").write_text(json.dumps([{"action": "initial", "model": running.model, "topics": topics,
                                                     "at": "2026-01-01T00:00:00+00:00"}]), encoding="utf-8")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def web(stack: Stack) -> Iterator[str]:
    with serving_web(stack, free_port()) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    with chromium() as running:
        yield running


def open_page(browser, viewport=DESKTOP, expected_error: str = ""):
    return shared_open_page(browser, viewport=viewport, expected_error=expected_error)


def axe_clean(page, label: str = "admin console") -> None:
    assert AXE_JS.exists(), f"axe-core is missing ({AXE_JS}): run `npm ci` in the repository (make test does)"
    assert_accessible(page, label)


def shot(page, name: str) -> None:
    shared_shot(page, name, full_page=True)


def sign_in(page, web: str, token: str = ADMIN_TOKEN) -> None:
    page.goto(f"{web}/admin")
    page.fill("#token", token)
    page.click("#signin-button")


def test_wrong_and_staff_tokens_are_refused(browser, web: str) -> None:
    for token in ("not-the-token", STAFF_TOKEN):
        with open_page(browser, expected_error="401") as page:
            sign_in(page, web, token)
            page.wait_for_function("() => document.getElementById('signin-error').textContent.length > 0")
            assert "wrong token" in page.inner_text("#signin-error")
            assert page.locator("#console").is_hidden()
            assert page.evaluate("sessionStorage.getItem('desk.admin.token')") is None
            axe_clean(page)


def test_import_with_an_error_changes_nothing(browser, web: str, stack: Stack, tmp_path) -> None:
    broken = tmp_path / "licence.yml"
    broken.write_text((FIXTURES / "driving_licence.yml").read_text(encoding="utf-8")
                      .replace("status: in_force", "status: maybe"), encoding="utf-8")
    with open_page(browser, expected_error="400") as page:
        sign_in(page, web)
        page.wait_for_selector("#topics-table tbody tr")
        page.set_input_files("#import-file", str(broken))
        page.click("#import-button")
        page.wait_for_selector("#import-errors .field-errors li")
        assert "topic driving_licence: field status" in page.inner_text("#import-errors")
        assert "nothing changed" in page.inner_text("#import-errors")
        axe_clean(page)
        shot(page, "admin-import-error")
    with new_session(stack.env["DESK_DB_URL"]) as session:
        assert session.get(models.Topic, "driving_licence") is None


def test_review_accept(browser, web: str, stack: Stack) -> None:
    with new_session(stack.env["DESK_DB_URL"]) as session:
        session.add(models.Feedback(staff_name="lin", sender="call-7", question="我老婆的签证怎么办",
                                    topic="talent_visa", correct=False, right_topic="family_permits"))
        session.commit()
    with open_page(browser) as page:
        sign_in(page, web)
        item = page.locator("#review-list li", has_text="我老婆的签证怎么办")
        item.wait_for()
        assert item.locator("select").input_value() == "family_permits"
        axe_clean(page)
        item.locator("button.accept").click()
        page.wait_for_function("() => document.getElementById('review-status').textContent.includes('Added')")
        assert page.locator("#review-list li", has_text="我老婆的签证怎么办").count() == 0
    with new_session(stack.env["DESK_DB_URL"]) as session:
        assert "我老婆的签证怎么办" in [e.text for e in session.get(models.Topic, "family_permits").examples]


def test_sign_out_removes_the_data_and_buttons_keep_contrast(browser, web: str, stack: Stack) -> None:
    question = "我先生的工作签证到期了怎么续"
    with new_session(stack.env["DESK_DB_URL"]) as session:
        session.add(models.Feedback(staff_name="lin", sender="call-8", question=question,
                                    topic="talent_visa", correct=False, right_topic="work_permit"))
        session.commit()
    with open_page(browser) as page:
        sign_in(page, web)
        page.locator("#review-list li", has_text=question).wait_for()
        page.wait_for_selector("#chart-outcomes[data-drawn='true']")
        page.hover("#sign-out")
        axe_clean(page, "admin console, sign-out hovered")
        assert_buttons_keep_contrast(page, "admin console")

        page.click("#sign-out")
        assert page.locator("#signin").is_visible() and page.locator("#console").is_hidden()
        assert page.evaluate("sessionStorage.getItem('desk.admin.token')") is None
        # gone from the page, not only from sight: no topic rows, no users' questions
        assert page.locator("#topics-table tbody tr").count() == 0
        assert page.locator("#review-list li").count() == 0 and page.locator("#charts figure").count() == 0
        left = page.evaluate("document.body.textContent")
        assert question not in left and "port_visa" not in left and "questions since" not in left
        axe_clean(page, "admin console signed out")

        # an answer on its way at sign-out does not bring its data back
        held = []
        page.route("**/admin/api/review", lambda route: held.append(route))
        page.fill("#token", ADMIN_TOKEN)
        page.click("#signin-button")
        page.wait_for_selector("#topics-table tbody tr")
        wait_for_held(page, held, "the review queue request")
        page.click("#sign-out")
        with page.expect_response("**/admin/api/review") as late:
            held[0].continue_()
        page.unroute("**/admin/api/review")
        assert late.value.status == 200
        page.wait_for_timeout(500)  # time for the page to handle the late answer
        assert question not in page.evaluate("document.body.textContent")
        assert page.locator("#topics-table tbody tr").count() == 0


def test_publish_a_topic_the_desk_used_to_refuse(browser, web: str, stack: Stack) -> None:
    question = "can i convert my uk driving licence to a chinese one"
    assert stack.ask("before", question)["topic"] is None
    with open_page(browser) as page:
        sign_in(page, web)
        page.wait_for_selector("#topics-table tbody tr")
        page.set_input_files("#import-file", str(FIXTURES / "driving_licence.yml"))
        page.click("#import-button")
        page.wait_for_function("() => document.getElementById('import-result').textContent.includes('Imported')")
        assert "left out of training" in page.inner_text("#import-result")

        page.click("#publish-button")
        page.wait_for_function("() => document.querySelectorAll('#job-phases li').length >= 1")
        page.wait_for_function("() => !document.getElementById('coverage').hidden", timeout=PUBLISH_TIMEOUT_MS)
        assert "needs confirmation" in page.inner_text("#job-status")
        assert question in page.inner_text("#coverage-list")
        assert "driving_licence" in page.inner_text("#coverage-list")
        assert page.locator("#gate-table tr").count() == 3  # header, candidate, live
        axe_clean(page)
        shot(page, "admin-newly-covered")

        page.click("#accept-coverage")
        page.wait_for_function("() => document.getElementById('job-status').textContent.includes('published')",
                               timeout=PUBLISH_TIMEOUT_MS)
        phases = page.inner_text("#job-phases")
        assert "training" in phases and "gate" in phases and "swap" in phases
        page.wait_for_function("() => { const m = document.getElementById('live-model').textContent;"
                               " return m.startsWith('desk-') && m !== 'desk-test.tar.gz'; }")
        shot(page, "admin-published")
    answer = stack.ask("after", question)
    assert answer["topic"] == "driving_licence", answer
    assert stack.ask("after-2", "口岸签证需要什么材料？")["topic"] == "port_visa"


def test_analytics_charts_are_drawn(browser, web: str, stack: Stack) -> None:
    for i, text in enumerate(["口岸签证需要什么材料？", "how do i open a bank account", "工作许可怎么办"]):
        stack.ask(f"traffic-{i}", text)
    with open_page(browser, PHONE) as page:
        sign_in(page, web)
        page.wait_for_selector("#chart-outcomes[data-drawn='true']")
        for chart in ("chart-topic", "chart-lang", "chart-channel", "chart-outcomes", "chart-feedback"):
            figure = page.locator(f"#{chart}")
            assert figure.get_attribute("data-drawn") == "true"
            box = figure.locator("canvas").bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100
            assert figure.locator("table").count() == 1  # the text alternative
        assert "hotline" in page.locator("#chart-channel table").text_content()  # in a closed <details>
        assert "questions since" in page.inner_text("#analytics-summary")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        axe_clean(page)
        shot(page, "admin-analytics-phone")
