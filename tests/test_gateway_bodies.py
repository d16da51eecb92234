"""The public gateway's answers to request bodies it cannot read: a JSON error with a 4xx, never
a 500 or a text page (unit level: the body is refused before any Rasa server is asked; the running
stack is exercised in test_stack.py and test_bad_input.py)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Dict, Tuple

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
