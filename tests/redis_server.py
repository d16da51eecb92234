"""A throw-away Redis server for tests, started from Debian's redis-server (installed by
.ci/run) on a free loopback port and stopped afterwards."""

from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager
from typing import Iterator

import redis

from desk.admin.processes import free_port


@contextmanager
def running_redis() -> Iterator[str]:
    """Yield the URL of a fresh, empty Redis server that keeps nothing on disk."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                redis.Redis.from_url(url).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
