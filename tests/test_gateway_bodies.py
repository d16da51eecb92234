"""The public gateway's answers to request bodies it cannot read: a JSON error with a 4xx, never
a 500 or a text page (unit level: the body is refused before any Rasa server is asked; the running
stack is exercised in test_stack.py and test_bad_input.py); and a Rasa server's error page on a
channel path passed on as a JSON error (the running stack: test_channel_errors.py)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Dict, Optional, Tuple

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from desk.gateway.server import build_public_app


class NoBackends:
    """A proxy that must not be reached: every body below is refused before it."""

    backends: list = []

    async def handle(self, *args: object) -> None:
        raise AssertionError("a body that cannot be read reached the proxy")


def post(body: bytes, headers: Dict[str, str]) -> Tuple[int, str, str]:
    async def run() -> Tuple[int, str, str]:
        app = build_public_app(SimpleNamespace(proxy=NoBackends(), on_unreachable=None))  # type: ignore[arg-type]
        async with TestClient(TestServer(app)) as client:
            response = await client.post("/webhooks/hotline/webhook", data=body,
                                         headers={"Content-Type": "application/json", **headers})
            return response.status, response.content_type, await response.text()
    return asyncio.run(run())


def test_a_body_that_is_not_the_gzip_it_claims_is_a_400_json() -> None:
    status, kind, error = post(b"garbage, not gzip", {"Content-Encoding": "gzip"})
    assert (status, kind) == (400, "application/json") and "decoded" in json.loads(error)["error"]
    status, kind, _ = post(b"\x1f\x8b" + b"not really gzip" * 10, {"Content-Encoding": "gzip"})
    assert (status, kind) == (400, "application/json")


def test_an_unsupported_encoding_or_an_overlong_body_is_a_4xx() -> None:
    """(aiohttp refuses an encoding it cannot decode while reading the headers, before any
    handler: a plain-text 400, still no 500.)"""
    status, _, _ = post(b"\x0b\x02\x80hello\x03", {"Content-Encoding": "br"})
    assert status == 400
    status, kind, error = post(b"x" * (1024 * 1024 + 1), {})
    assert (status, kind) == (413, "application/json") and json.loads(error)["error"]


SANIC_PAGE = "<!DOCTYPE html><html lang=en><title>⚠️ 405 — Method Not Allowed</title></html>"


class Answers:
    """A proxy whose backend answers every request with ``response``."""

    backends = ["http://backend"]

    def __init__(self, response: web.Response) -> None:
        self.response = response

    async def handle(self, *args: object) -> web.Response:
        return self.response


def through_gateway(method: str, path: str, answer: web.Response) -> Tuple[int, str, Dict[str, str], str]:
    async def run() -> Tuple[int, str, Dict[str, str], str]:
        app = build_public_app(SimpleNamespace(proxy=Answers(answer), on_unreachable=None))  # type: ignore[arg-type]
        async with TestClient(TestServer(app)) as client:
            response = await client.request(method, path)
            return response.status, response.content_type, dict(response.headers), await response.text()
    return asyncio.run(run())


def html(status: int, allow: Optional[str] = None) -> web.Response:
    headers = {"Allow": allow} if allow else {}
    return web.Response(status=status, text=SANIC_PAGE, content_type="text/html", headers=headers)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "TRACE"])
@pytest.mark.parametrize("path", ["/webhooks/hotline/webhook", "/webhooks/rest/webhook"])
def test_a_rasa_405_page_is_a_json_405_with_its_allow_header(method: str, path: str) -> None:
    status, kind, headers, text = through_gateway(method, path, html(405, "POST"))
    assert (status, kind, headers["Allow"]) == (405, "application/json", "POST")
    assert json.loads(text) == {"error": f"method {method} not allowed; use POST"}


def test_a_rasa_404_page_and_a_wechat_refusal_are_json() -> None:
    status, kind, _, text = through_gateway("GET", "/webhooks/rest/nope", html(404))
    assert (status, kind, json.loads(text)) == (404, "application/json", {"error": "not found"})
    refusal = web.Response(status=403, text="missing signature")
    status, kind, _, text = through_gateway("GET", "/webhooks/wechat/webhook", refusal)
    assert (status, kind, json.loads(text)) == (403, "application/json", {"error": "missing signature"})


def test_answers_that_are_not_errors_pass_unchanged() -> None:
    """WeChat's server check gets its echostr back as text; XML replies and JSON stay as they are."""
    status, kind, _, text = through_gateway("GET", "/webhooks/wechat/webhook", web.Response(text="4193758204738"))
    assert (status, kind, text) == (200, "text/plain", "4193758204738")
    xml = web.Response(text="<xml/>", content_type="application/xml")
    assert through_gateway("POST", "/webhooks/wechat/webhook", xml)[1:4:2] == ("application/xml", "<xml/>")
    error = web.json_response({"error": "'sender' has no hotline conversation"}, status=400)
    status, _, _, text = through_gateway("POST", "/webhooks/hotline/feedback", error)
    assert (status, json.loads(text)) == (400, {"error": "'sender' has no hotline conversation"})
