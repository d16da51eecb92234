"""Measure what `desk publish` costs the callers: start a desk behind its gateway, import a
new topic, keep two callers asking questions during the whole publish (train, gate, swap),
and print request count, errors, p50/p99/max latency, overall and per publish phase (the
phases are the progress lines `desk publish` prints). Prints figures; asserts nothing.

    .venv/bin/python -m eval.publish_stall
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Tuple

from eval.bench import line
from tests.test_publish import FIXTURE, Desk, Load


def figures(label: str, latencies: List[float]) -> str:
    """bench's latency line (ms) for the requests that started in one span of time."""
    return line(label, [latency * 1000 for latency in latencies]) if latencies else f"{label:34} no requests"


def publish_with_phases(desk: Desk) -> Tuple[int, List[Tuple[float, str]], str]:
    """Run `desk publish`, time-stamping each progress line as it arrives."""
    process = subprocess.Popen(
        [sys.executable, "-m", "desk.admin.cli", "publish"], cwd=desk.root, env=desk.env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    phases: List[Tuple[float, str]] = []
    output = []
    assert process.stdout is not None
    for printed in process.stdout:
        output.append(printed)
        if printed.startswith("[") and "s] " in printed:
            phases.append((time.monotonic(), printed.split("s] ", 1)[1].strip()))
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
        print("\n".join(output.strip().splitlines()[-3:]))
        print(f"publish took {ended - started:.0f} s (exit {code}); errors {len(load.errors)}")
        print(figures("whole publish", [lat for _, lat in load.timed]))
        bounds = [(started, "start-up")] + phases + [(ended, "end")]
        for (start, name), (stop, _) in zip(bounds, bounds[1:]):
            during = [lat for at, lat in load.timed if start <= at < stop]
            print(figures(f"  {name[:22]} ({stop - start:.0f} s)", during))
    finally:
        desk.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
