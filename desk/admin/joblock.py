"""One publish or rollback at a time on a machine, and no import while one runs.

A publish trains from the database as it is when it starts and gates the candidate on the
database as it is when training ends: an import in between made the gate blame a topic the
model never saw. The console runs one job at a time in its own process, but the command line
is another process, so the lock is a file lock (``var/publish.lock``) that every publish,
rollback and import of this machine sees."""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from desk import settings

LOCK_NAME = "publish.lock"
BUSY = "a publish or rollback is running on this machine"


class Busy(RuntimeError):
    """Another publish or rollback holds the lock."""


def _path() -> Path:
    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    return settings.VAR_DIR / LOCK_NAME


@contextmanager
def publishing() -> Iterator[None]:
    """Hold the lock for a publish or rollback; Busy at once if another one holds it."""
    with open(_path(), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise Busy(BUSY) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_running() -> bool:
    """Whether a publish or rollback holds the lock now (an import must wait for it)."""
    with open(_path(), "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False
