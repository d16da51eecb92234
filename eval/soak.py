"""`make soak`: the desk as `make run` serves it (desk.admin.run: supervisor, gateway, Rasa,
action server, web pages) on free ports with its own databases, then

- ``soak``: N concurrent sessions (default 20) of hotline turns for a duration (default 30
  min); per 5-minute window: requests, errors, p50/p95/p99; per 1,000 requests: RSS of the
  Rasa backend, the action server and the gateway;
- ``kill``: under load, ``kill -9`` of the action server, then of the Rasa backend, then of
  the gateway; time until answers come back, and the statuses seen meanwhile;
- ``fuzz``: malformed requests to every public endpoint; counts 5xx (must be 0).

`python -m eval.soak all --minutes 30` runs the three in that order. Prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

import httpx

from desk import settings
from desk.admin.processes import ROOT, free_port, venv_bin
from eval.bench import CONVERSATION, percentile, rss_mb
from tests.stack import STAFF_TOKEN, build_stack
from tests.test_wechat import FakeWeChat, text_xml

WINDOW_SECONDS = 300
RSS_EVERY = 1000


class Desk:
    """`python -m desk.admin.run` on free ports, with the test stack's databases and tokens."""

    def __init__(self, workdir: Path) -> None:
        stack = build_stack(workdir, settings.newest_model() and str(settings.newest_model()))
        self.env = {**stack.env, "PYTHONUNBUFFERED": "1"}
        self.port, self.admin, self.action, self.web = free_port(), free_port(), free_port(), free_port()
        self.model = stack.model
        self.log = open(workdir / "run.log", "ab")
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Desk":
        self.process = subprocess.Popen(
            [venv_bin("python"), "-m", "desk.admin.run", "--port", str(self.port), "--admin-port", str(self.admin),
             "--action-port", str(self.action), "--web-port", str(self.web), "--model", self.model],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError("the desk did not start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def pid(self, marker: str) -> Optional[int]:
        """The pid of a running process of this desk whose command line has ``marker``."""
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                environ = (proc / "environ").read_bytes()
            except OSError:
                continue
            if marker in cmdline and self.env["DESK_TRACKER_URL"].encode() in environ:
                return int(proc.name)
        return None

    def pids(self) -> Dict[str, Optional[int]]:
        return {"rasa": self.pid("desk.rasa_server"), "action": self.pid("rasa_sdk"),
                "gateway": self.pid("desk.gateway.server")}


class Load:
    """Concurrent hotline sessions; records (time, latency, status, unavailable) per turn."""

    def __init__(self, url: str, sessions: int) -> None:
        self.url, self.sessions = f"{url}/webhooks/hotline/webhook", sessions
        self.results: List[tuple] = []
        self.running = True

    async def _session(self, index: int) -> None:
        headers = {"Authorization": f"Bearer {STAFF_TOKEN}"}
        async with httpx.AsyncClient(timeout=60) as client:
            turn = 0
            while self.running:
                sender = f"soak-{index}-{turn // len(CONVERSATION)}"
                started = time.perf_counter()
                try:
                    r = await client.post(self.url, json={"sender": sender, "message": CONVERSATION[turn % len(CONVERSATION)]},
                                          headers=headers)
                    status = r.status_code
                    unavailable = status == 503 and "unavailable" in r.text
                except httpx.HTTPError as exc:
                    status, unavailable = type(exc).__name__, False
                    await asyncio.sleep(0.2)
                self.results.append((time.monotonic(), (time.perf_counter() - started) * 1000, status, unavailable))
                turn += 1

    async def run(self, seconds: float, tick=None) -> None:  # type: ignore[no-untyped-def]
        tasks = [asyncio.create_task(self._session(i)) for i in range(self.sessions)]
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(1)
            if tick:
                tick()
        self.running = False
        await asyncio.gather(*tasks, return_exceptions=True)


def soak(desk: Desk, minutes: float, sessions: int) -> None:
    print(f"\n== soak: {sessions} sessions, {minutes:g} min ==", flush=True)
    load = Load(desk.url, sessions)
    started = time.monotonic()
    state = {"window": 0, "rss_at": 0}

    def tick() -> None:
        done = len(load.results)
        if done >= state["rss_at"]:
            pids = desk.pids()
            rss = ", ".join(f"{k} {rss_mb(p):.0f} MB" for k, p in pids.items() if p)
            print(f"  after {done:>6} requests: RSS {rss}", flush=True)
            state["rss_at"] = done + RSS_EVERY
        if time.monotonic() - started >= (state["window"] + 1) * WINDOW_SECONDS:
            report_window(load.results, started, state["window"])
            state["window"] += 1

    asyncio.run(load.run(minutes * 60, tick))
    if (time.monotonic() - started) % WINDOW_SECONDS > 30:
        report_window(load.results, started, state["window"])
    statuses = Counter(r[2] for r in load.results)
    print(f"  total {len(load.results)} requests, {len(load.results) / (minutes * 60):.1f}/s; statuses {dict(statuses)}")


def report_window(results: List[tuple], started: float, index: int) -> None:
    low, high = started + index * WINDOW_SECONDS, started + (index + 1) * WINDOW_SECONDS
    window = [r for r in results if low <= r[0] < high]
    ok = [r[1] for r in window if r[2] == 200]
    errors = len(window) - len(ok)
    if ok:
        print(f"  minutes {index * 5:>3}-{index * 5 + 5:<3} {len(window):>6} requests, {errors} errors, "
              f"p50 {percentile(ok, 50):.0f} ms, p95 {percentile(ok, 95):.0f} ms, p99 {percentile(ok, 99):.0f} ms",
              flush=True)


async def kill_one(load: Load, pid: int) -> float:
    """Seconds from ``kill -9 pid`` (under ``load``) until the last answer that was not a
    200 (0 when every answer was one); the load goes on until 10 s pass without a failure."""
    runner = asyncio.create_task(load.run(180))
    await asyncio.sleep(5)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    failures: List[float] = []
    while time.monotonic() - killed < 170:
        await asyncio.sleep(0.5)
        failures = [r[0] for r in load.results if r[0] > killed and r[2] != 200]
        last = max(failures) if failures else killed
        if time.monotonic() - last > 10 and time.monotonic() - killed > 5:
            break
    load.running = False
    await runner
    failures = [r[0] for r in load.results if r[0] > killed and r[2] != 200]
    return (max(failures) - killed) if failures else 0.0


def kill(desk: Desk, sessions: int = 4) -> None:
    print(f"\n== kill -9 under load ({sessions} sessions) ==", flush=True)
    for component in ("action", "rasa", "gateway"):
        pid = desk.pids()[component]
        if pid is None:
            print(f"  {component}: no process found")
            continue
        load = Load(desk.url, sessions)
        recovered = asyncio.run(kill_one(load, pid))
        statuses = Counter(("503 unavailable" if r[3] else r[2]) for r in load.results)  # whole run
        print(f"  kill -9 {component} (pid {pid}): all answers 200 again after {recovered:.1f} s; statuses of the run {dict(statuses)}",
              flush=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not all(desk.pids().values()):
            time.sleep(1)


def fuzz(desk: Desk) -> int:
    print("\n== fuzz of the public endpoints ==", flush=True)
    base, web = desk.url, f"http://127.0.0.1:{desk.web}"
    auth = {"Authorization": f"Bearer {STAFF_TOKEN}"}
    deep = b"[" * 5000 + b"]" * 5000
    bodies = [b"", b"{", b"null", b"[]", b"42", b'"x"', b"\xff\xfe\xfd", deep, b'{"a": ' + deep + b"}",
              b"{" + b" " * 2_000_000 + b"}", b'{"sender": 1, "message": 2}', b'{"sender": "x", "message": null}',
              b'{"sender": "x", "message": "/restart"}', b'{"sender": "x", "message": "/intent{\\"a\\": [1]}"}',
              b'{"sender": "\\u0000", "message": "\\u0000\\u0001"}', b'{"sender": "x", "message": "\\ud800"}',
              b'{"sender": "x", "message": "' + b"a" * 300 + b'"}', b'{"sender": "x", "message": ["a"]}',
              b'{"sender": "x", "message": "' + "签".encode() * 12000 + b'"}', bytes(random.getrandbits(8) for _ in range(4000))]
    statuses: Counter = Counter()
    bad: List[str] = []
    wechat = FakeWeChat(base)

    def record(label: str, response: httpx.Response) -> None:
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            bad.append(f"{label} -> {response.status_code}")

    with httpx.Client(timeout=60) as client:
        for path in ("/webhooks/rest/webhook", "/webhooks/hotline/webhook", "/webhooks/hotline/feedback"):
            for body in bodies:
                for headers in ({}, auth, {**auth, "Content-Type": "text/plain"}):
                    record(f"POST {path} {body[:30]!r}", client.post(base + path, content=body, headers=headers))
        for method in ("GET", "PUT", "DELETE", "PATCH", "OPTIONS"):
            for path in ("/webhooks/rest/webhook", "/webhooks/hotline/webhook", "/webhooks/wechat/webhook",
                         "/socket.io/", "/health", "/model", "/status", "/%2e%2e/status", "/webhooks/x"):
                record(f"{method} {path}", client.request(method, base + path, headers=auth))
        url = base + "/webhooks/wechat/webhook"
        request = wechat.request(text_xml("o" + uuid.uuid4().hex[:27], "你好"))
        record("wechat first", client.post(url, **request))
        record("wechat replay", client.post(url, **request))
        for xml in (b"<xml>", b"<!DOCTYPE x [<!ENTITY a 'b'>]><xml>&a;</xml>", b"<a/>", deep.replace(b"[", b"<a>")[:60000],
                    '<?xml version="1.0" encoding="GBK"?><xml><Content>签</Content></xml>'.encode("gbk"),
                    b'<?xml version="1.0" encoding="bogus"?><xml/>', b"\xff\xfe<xml/>", b"<xml>" + b"a" * 300_000 + b"</xml>"):
            record(f"wechat {xml[:30]!r}", client.post(url, params=wechat.params(), content=xml))
            record(f"wechat aes {xml[:30]!r}", client.post(url, params={**wechat.params(), "encrypt_type": "aes",
                                                                         "msg_signature": "0" * 40}, content=xml))
        for params in ({}, {"signature": "x"}, {**wechat.params(), "timestamp": "1"}, {**wechat.params(), "echostr": "\x00"}):
            record(f"wechat GET {params}", client.get(url, params=params))
        for query in ("EIO=4&transport=polling", "EIO=3&transport=polling", "EIO=4&transport=websocket", "x=%ff"):
            record(f"socket.io {query}", client.get(f"{base}/socket.io/?{query}"))
            record(f"socket.io POST {query}", client.post(f"{base}/socket.io/?{query}", content=deep))
        for path in ("/", "/staff", "/%73taff.html", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/config.js",
                     "/" + "a" * 5000, "/web/%00", "/staff.html?x=%ff"):
            try:
                record(f"web GET {path[:40]}", client.get(web + path))
            except httpx.HTTPError as exc:
                bad.append(f"web GET {path[:40]} -> {type(exc).__name__}")
    print(f"  {sum(statuses.values())} requests; statuses {dict(sorted(statuses.items()))}; 5xx: {len(bad)}")
    for line in bad[:20]:
        print(f"    {line}")
    return len(bad)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("soak", "kill", "fuzz", "all"), nargs="?", default="all")
    parser.add_argument("--minutes", type=float, default=30.0, help="soak duration")
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="desk-soak-") as tmp:
        desk = Desk(Path(tmp)).start()
        print(f"desk on port {desk.port} (admin {desk.admin}); model {Path(desk.model).name}", flush=True)
        failures = 0
        try:
            if args.what in ("fuzz", "all"):
                failures += fuzz(desk)
            if args.what in ("soak", "all"):
                soak(desk, args.minutes, args.sessions)
            if args.what in ("kill", "all"):
                kill(desk)
        finally:
            desk.stop()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
