"""What the browser tests share: Debian's Chromium driven by Playwright (no browser is
downloaded), a fresh profile per page that fails on any page error, axe-core (from npm,
node_modules/axe-core) injected into every frame, the web server on a stack, screenshots."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import pytest

from desk.admin.processes import ROOT, web_server
from tests.stack import Stack

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
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {iframes: false, resultTypes: ["violations"]});
  return result.violations.map(v => `${v.id} (${v.impact}): ${v.help}\\n    ` +
    v.nodes.slice(0, 4).map(n => `${n.target.join(" ")}: ${n.failureSummary}`).join("\\n    "));
}"""


@contextmanager
def chromium() -> Iterator["sync_api.Browser"]:
    assert AXE_JS.exists(), f"axe-core is missing ({AXE_JS}): run `npm ci` in the repository (make test does)"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def serving_web(stack: Stack, port: int) -> Iterator[str]:
    """The web pages' server in front of ``stack``'s Rasa server, until the block ends."""
    server = web_server(port, stack.rasa_port, stack.env, stack.workdir / "logs")
    assert server is not None, "web/index.html is missing"
    server.start()
    try:
        server.wait_ready(timeout=30)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@contextmanager
def open_page(browser, viewport=DESKTOP, locale: str = "en-US", expected_error: str = "") -> Iterator["sync_api.Page"]:
    """A fresh profile (own localStorage) whose page must not log errors or CSP refusals
    (but for ``expected_error``, e.g. the 401 of a wrong token)."""
    context = browser.new_context(viewport=viewport, locale=locale)
    context.add_init_script(path=str(AXE_JS))  # in every frame, before the page's scripts, past its CSP
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


def assert_accessible(page, label: str) -> None:
    """axe-core (every rule it runs by default: WCAG 2.x A/AA and best practices) in every
    frame of the page as it is now; the widget's panel is a frame of another origin, so each
    frame is checked on its own. Apply it to every page and state a test shows."""
    found: List[str] = []
    for frame in page.frames:
        if frame.url.startswith("http"):
            found += [f"{label} [{frame.url}] {v}" for v in frame.evaluate(AXE_RUN)]
    assert not found, "axe-core violations:\n" + "\n".join(found)


def shot(page, name: str, full_page: bool = False) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def wait_for_held(page, held: list, what: str) -> None:
    """Wait (up to 5 s) until a routed request is held back in ``held``; ``what`` names it."""
    for _ in range(200):
        if held:
            return
        page.wait_for_timeout(25)
    raise AssertionError(f"{what} was not sent")


BUTTON_CONTRAST = """async b => (await axe.run(b, {runOnly: {type: "rule", values: ["color-contrast"]}}))
  .violations.map(v => v.nodes.map(n => n.failureSummary).join("; "))"""
FOCUSED_CONTRAST = f"() => ({BUTTON_CONTRAST})(document.activeElement)"
# the focused element's name when it is a button, "" for another element, "done" once the Tab
# order has come round (each element is marked the first time it has the focus)
FOCUSED_BUTTON = """() => { const a = document.activeElement;
  if (!a || a === document.body || a.dataset.tabbed) return "done";
  a.dataset.tabbed = "1"; return a.tagName === "BUTTON" ? (a.id || a.className) : ""; }"""


def assert_buttons_keep_contrast(page, label: str) -> None:
    """Every visible button, hovered and then focused from the keyboard, keeps its text at
    4.5:1 or more (axe-core's color-contrast on that button in that state)."""
    found: List[str] = []
    buttons = page.locator("button:visible")
    for i in range(buttons.count()):
        button = buttons.nth(i)
        if button.is_enabled():
            button.hover()
            found += [f"hovered {button.inner_text()!r}: {v}" for v in button.evaluate(BUTTON_CONTRAST)]
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_BUTTON)
        if focused == "done":
            break
        if focused:
            found += [f"focused {focused!r}: {v}" for v in page.evaluate(FOCUSED_CONTRAST)]
    page.evaluate("document.querySelectorAll('[data-tabbed]').forEach(e => delete e.dataset.tabbed)")
    assert not found, f"{label}: buttons below 4.5:1\n" + "\n".join(found)
