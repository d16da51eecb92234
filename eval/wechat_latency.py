"""WeChat reply latency: start the real stack, play WeChat's servers (signed requests, and
AES safe mode) and time sequential text messages through POST /webhooks/wechat/webhook,
against WeChat's 5-second limit for a passive reply. Prints figures; asserts nothing.

    .venv/bin/python -m eval.wechat_latency [--turns 50] [--model PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Tuple

import httpx

from desk import settings
from eval.bench import CONVERSATION, line, timed_turns
from tests.stack import build_stack
from tests.test_wechat import AES_KEY, APP_ID, FakeWeChat, text_xml


def default_model() -> Optional[str]:
    """DESK_TEST_MODEL, else the newest model in models/, else None (build_stack trains one)."""
    if os.environ.get("DESK_TEST_MODEL"):
        return os.environ["DESK_TEST_MODEL"]
    model = settings.newest_model()
    return str(model) if model else None


def run(wechat: FakeWeChat, turns: int, aes: bool, prefix: str) -> Tuple[List[float], int, int]:
    """Latencies (ms) of sequential messages, a new user every 10 turns; plus how many were
    answered "success" (not ready in time) and how many failed."""
    latencies: List[float] = []
    empty = errors = 0
    for i in range(turns):
        xml = text_xml(f"{prefix}{i // 10}", CONVERSATION[i % len(CONVERSATION)])
        started = time.perf_counter()
        response = wechat.post(xml, aes=aes)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            errors += 1
        elif response.text == "success":
            empty += 1
        else:
            try:
                wechat.open_reply(response, aes=aes)  # checks the signature, decrypts in safe mode
            except (AssertionError, ValueError, SyntaxError):  # SyntaxError: XML ParseError
                errors += 1
    return latencies, empty, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=50, help="sequential messages per mode")
    parser.add_argument("--model", default=None, help="model archive (default: DESK_TEST_MODEL or newest in models/)")
    args = parser.parse_args()

    stack = build_stack(Path(tempfile.mkdtemp(prefix="desk-wechat-latency-")), args.model or default_model())
    stack.env.update({"WECHAT_APPID": APP_ID, "WECHAT_AES_KEY": AES_KEY})
    stack.start()
    client = httpx.Client()  # one connection, so the figures are the server's, not the client's set-up
    try:
        wechat = FakeWeChat(stack.url, client=client)
        run(wechat, 10, aes=False, prefix="owarmup")
        print(f"\nWeChat passive reply latency: {args.turns} sequential text messages per mode, full turn "
              "(signature, XML, NLU, dialogue, action server, tracker store; WeChat's limit is 5000 ms)")
        for label, aes in (("plaintext mode", False), ("AES safe mode", True)):
            latencies, empty, errors = run(wechat, args.turns, aes, prefix=f"olat{int(aes)}u")
            print(line(label, latencies) + f"   'success' {empty}   errors {errors}")
        hotline, _ = timed_turns(client, f"{stack.url}/webhooks/hotline/webhook", args.turns,
                                 lambda i: f"hotline-lat{i // 10}")
        print(line("hotline endpoint (comparison)", hotline))  # the dialogue's own share of the time
    finally:
        client.close()
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
