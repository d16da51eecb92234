"""`make bench`: start the real stack and measure full-turn latency through the hotline
endpoint (sequential and with 20 concurrent sessions), throughput, server memory, model load
time and training time. Prints figures; asserts nothing."""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Tuple

import httpx

from desk import settings
from desk.admin.processes import ROOT
from tests.stack import STAFF_TOKEN, build_stack

CONVERSATION = [
    "你好",
    "口岸签证需要准备什么材料？",
    "那需要多久？",
    "What documents do I need for a work permit?",
    "and for my kids?",
    "请问R签证 valid多久",
    "人才驿站可以免费住几天",
    "how do I apply for permanent residence",
    "in English please",
    "where is the exit-entry bureau",
]


def child_pids(pid: int) -> List[int]:
    """Children of any thread of ``pid`` (the gateway starts Rasa from a worker thread)."""
    return [int(p) for task in Path(f"/proc/{pid}/task").iterdir() for p in (task / "children").read_text().split()]


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_turns(client: httpx.Client, url: str, turns: int, sender: Callable[[int], str]) -> Tuple[List[float], int]:
    """Latencies (ms) of ``turns`` sequential hotline messages on one connection, and how many
    failed; ``sender(i)`` names the conversation of message i."""
    latencies: List[float] = []
    errors = 0
    for i in range(turns):
        started = time.perf_counter()
        response = client.post(url, json={"sender": sender(i), "message": CONVERSATION[i % len(CONVERSATION)]},
                               headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=60)
        latencies.append((time.perf_counter() - started) * 1000)
        errors += response.status_code != 200
    return latencies, errors


async def session(client: httpx.AsyncClient, url: str, name: str, turns: int, latencies: List[float], errors: List[str]) -> None:
    for i in range(turns):
        started = time.perf_counter()
        try:
            response = await client.post(
                url, json={"sender": name, "message": CONVERSATION[i % len(CONVERSATION)]},
                headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=60,
            )
            if response.status_code != 200:
                errors.append(f"{response.status_code}")
        except httpx.HTTPError as exc:
            errors.append(type(exc).__name__)
        latencies.append((time.perf_counter() - started) * 1000)


async def concurrent(url: str, sessions: int, turns: int) -> tuple[List[float], List[str], float]:
    latencies: List[float] = []
    errors: List[str] = []
    limits = httpx.Limits(max_connections=sessions)
    async with httpx.AsyncClient(limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(session(client, url, f"bench-c{i}", turns, latencies, errors) for i in range(sessions)))
        elapsed = time.perf_counter() - started
    return latencies, errors, elapsed


def line(label: str, values: List[float]) -> str:
    return (f"{label:34} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms   "
            f"p99 {percentile(values, 99):7.1f} ms   max {max(values):7.1f} ms   (n={len(values)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=300, help="sequential turns")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns-per-session", type=int, default=20)
    parser.add_argument("--long-turns", type=int, default=200,
                        help="turns of one long conversation (latency of its first vs last 20 turns)")
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--direct", action="store_true",
                        help="talk to the Rasa server directly instead of through the gateway (as `make run` serves)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="desk-bench-"))
    if not args.skip_training:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "desk.admin.cli", "train", "--force", "--out", str(workdir / "train"),
             "--fixed-model-name", "bench"],
            cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        training = time.perf_counter() - started
    stack = build_stack(workdir, settings.require_model())
    stack.gateway = not args.direct
    started = time.perf_counter()
    stack.start()
    load = time.perf_counter() - started
    try:
        url = f"{stack.url}/webhooks/hotline/webhook"
        front = stack.servers["rasa"].process.pid
        rasa_pid = front if args.direct else child_pids(front)[0]
        action_pid = stack.servers["action"].process.pid
        rss_loaded = rss_mb(rasa_pid)
        with httpx.Client() as client:
            timed_turns(client, url, 20, lambda i: "warm")
            sequential, seq_errors = timed_turns(client, url, args.turns, lambda i: f"bench-s{i // 10}")
            long, long_errors = timed_turns(client, url, args.long_turns, lambda i: "bench-long")
            seq_errors += long_errors
        latencies, errors, elapsed = asyncio.run(concurrent(url, args.sessions, args.turns_per_session))
        route = "directly to the Rasa server" if args.direct else "through the gateway (as `make run` serves)"
        print(f"\nBenchmark: full turn through POST /webhooks/hotline/webhook {route}"
              " (NLU, dialogue, action server, tracker store)")
        print(line("sequential", sequential) + f"   errors {seq_errors}")
        print(f"{'sequential throughput':34} {len(sequential) / (sum(sequential) / 1000):.1f} requests/s")
        if len(long) >= 40:
            print(line("long conversation, turns 1-20", long[:20]))
            print(line(f"long conversation, turns {len(long) - 19}-{len(long)}", long[-20:]))
        print(line(f"{args.sessions} concurrent sessions", latencies) + f"   errors {len(errors)}")
        print(f"{'concurrent throughput':34} {len(latencies) / elapsed:.1f} requests/s")
        print(f"{'Rasa server RSS':34} {rss_loaded:.0f} MB after load, {rss_mb(rasa_pid):.0f} MB after the run")
        print(f"{'action server RSS':34} {rss_mb(action_pid):.0f} MB")
        print(f"{'start-up to model loaded':34} {load:.1f} s (action server + Rasa server, in parallel)")
        if not args.skip_training:
            print(f"{'training time (desk train --force)':34} {training:.1f} s")
        print(f"{'mean sequential latency':34} {statistics.mean(sequential):.1f} ms")
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
