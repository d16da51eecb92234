"""`make bench` (part): one Rasa server vs two behind the gateway, both on PostgreSQL (tracker
store) and Redis (locks), in the same run; then a sizing model from the measured throughput.

On a 2-core machine two servers cannot be faster than one (both compete for the same cores
with the action server, PostgreSQL and the load generator): the figures show that a second
server is correct and costs little, not a speed-up. The sizing model turns the measured
turns per core-second into the cores a given peak needs."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Dict

import httpx

from desk import settings
from eval.bench import concurrent, line, percentile, timed_turns
from tests.postgres import postgres_bin, running_postgres
from tests.redis_server import running_redis
from tests.stack import build_stack

TARGET_UTILISATION = 0.6  # plan cores so that the peak uses at most 60% of them


def measure(replicas: int, model: str, turns: int, sessions: int, turns_per_session: int) -> Dict[str, float]:
    with running_postgres() as pg_url, running_redis() as redis_url:
        stack = build_stack(Path(tempfile.mkdtemp(prefix=f"desk-bench-r{replicas}-")), model)
        stack.env.update({"DESK_TRACKER_URL": pg_url, "REDIS_URL": redis_url, "DESK_RASA_REPLICAS": str(replicas)})
        stack.start()
        try:
            url = f"{stack.url}/webhooks/hotline/webhook"
            with httpx.Client() as client:
                timed_turns(client, url, 20 * replicas, lambda i: "warm")
                sequential, seq_errors = timed_turns(client, url, turns, lambda i: f"bench-s{i // 10}")
            latencies, errors, elapsed = asyncio.run(concurrent(url, sessions, turns_per_session))
        finally:
            stack.stop()
    print(f"\n{replicas} Rasa server(s) behind the gateway, PostgreSQL + Redis:")
    print(line("  sequential", sequential) + f"   errors {seq_errors}")
    print(line(f"  {sessions} concurrent sessions", latencies) + f"   errors {len(errors)}")
    throughput = len(latencies) / elapsed
    print(f"  {'concurrent throughput':32} {throughput:.1f} requests/s")
    return {"p50": percentile(sequential, 50), "throughput": throughput, "errors": seq_errors + len(errors)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns-per-session", type=int, default=15)
    parser.add_argument("--peak", type=float, default=30.0,
                        help="today's peak in turns/s, for the sizing model (10× is planned for)")
    args = parser.parse_args()
    if postgres_bin() is None:
        print("PostgreSQL is not installed (apt-get install postgresql): skipped")
        return 0
    model = settings.require_model()
    one = measure(1, model, args.turns, args.sessions, args.turns_per_session)
    two = measure(2, model, args.turns, args.sessions, args.turns_per_session)
    cores = os.cpu_count() or 1
    print(f"\n1 vs 2 Rasa servers on {cores} cores: sequential p50 {one['p50']:.1f} vs {two['p50']:.1f} ms, "
          f"throughput {one['throughput']:.1f} vs {two['throughput']:.1f} requests/s, "
          f"errors {one['errors']:.0f} vs {two['errors']:.0f}")
    per_core = max(one["throughput"], two["throughput"]) / cores  # everything shares these cores
    peak = 10 * args.peak
    needed = math.ceil(peak / (per_core * TARGET_UTILISATION))
    print(f"Sizing: {per_core:.1f} turns/s per core for the whole stack (Rasa + actions + PostgreSQL), so "
          f"10 × today's peak of {args.peak:.0f} turns/s = {peak:.0f} turns/s needs about {needed} cores at "
          f"{TARGET_UTILISATION:.0%} load, e.g. {math.ceil(needed / 2)} Rasa pods of 1 core + actions and "
          "database on the rest; one Rasa server holds ~0.7 GB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
