"""Measure what `desk publish` costs the callers: start a desk behind its gateway, import a
new topic, keep two callers asking questions during the whole publish (train, gate, swap),
and print request count, errors, p50/p99/max latency. Prints figures; asserts nothing."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from tests.test_publish import FIXTURE, Desk, Load


def main() -> int:
    desk = Desk(Path(tempfile.mkdtemp(prefix="desk-publish-")))
    try:
        desk.desk("policy", "import", str(FIXTURE))
        started = time.monotonic()
        with Load(desk) as load:
            result = desk.desk("publish")
        took = time.monotonic() - started
        latencies = sorted(load.latencies)
        print(result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-500:])
        print(f"publish took {took:.0f} s (exit {result.returncode}); during it: {len(latencies)} requests, "
              f"{len(load.errors)} errors, p50 {statistics.median(latencies) * 1000:.0f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    finally:
        desk.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
