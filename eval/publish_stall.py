"""Measure what `desk publish` costs the callers: start a desk behind its gateway, import a
new topic, keep two callers asking questions during the whole publish (train, gate, swap),
and print request count, errors, p50/p99/max latency, overall and per publish phase (the
phases are the progress lines `desk publish` prints). Prints figures; asserts nothing.

    .venv/bin/python -m eval.publish_stall
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

from tests.test_publish import FIXTURE, Desk, Load


def figures(latencies: List[float]) -> str:
    if not latencies:
        return "no requests"
    ordered = sorted(latencies)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (f"{len(ordered):4d} requests  p50 {statistics.median(ordered) * 1000:6.0f} ms  "
            f"p99 {p99 * 1000:6.0f} ms  max {ordered[-1] * 1000:6.0f} ms")


def publish_with_phases(desk: Desk) -> Tuple[int, List[Tuple[float, str]], str]:
    """Run `desk publish`, time-stamping each progress line as it arrives."""
    process = subprocess.Popen(
        [sys.executable, "-m", "desk.admin.cli", "publish"], cwd=desk.root, env=desk.env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    phases: List[Tuple[float, str]] = []
    output = []
    assert process.stdout is not None
    for line in process.stdout:
        output.append(line)
        if line.startswith("[") and "s] " in line:
            phases.append((time.monotonic(), line.split("s] ", 1)[1].strip()))
    return process.wait(), phases, "".join(output)


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="desk-publish-"))
    desk = Desk(workdir)
    # an empty Rasa training cache, so the publish trains for real as it would after an edit
    desk.env["RASA_CACHE_DIRECTORY"] = str(workdir / "rasa-cache")
    try:
        desk.desk("policy", "import", str(FIXTURE))
        started = time.monotonic()
        with Load(desk) as load:
            code, phases, output = publish_with_phases(desk)
        ended = time.monotonic()
        print("\n".join(line for line in output.strip().splitlines()[-3:]))
        print(f"publish took {ended - started:.0f} s (exit {code}); errors {len(load.errors)}")
        print(f"whole publish              {figures([lat for _, lat in load.timed])}")
        bounds = [(started, "start-up")] + phases + [(ended, "end")]
        for (start, name), (stop, _) in zip(bounds, bounds[1:]):
            during = [lat for at, lat in load.timed if start <= at < stop]
            print(f"  {name[:24]:24} {stop - start:5.0f} s  {figures(during)}")
    finally:
        desk.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
