"""CPU priority for work that must not slow the live desk down: training, the gate's
evaluation and a new Rasa process loading its model.

On a 2-core machine `nice` was not enough: a niced process still gets about a tenth of a
core next to a busy one and is not always preempted when a request wakes the live servers, so
callers waited up to 1.5 s during a publish. Linux's SCHED_IDLE policy runs a process only
when no normal process wants the CPU, and a waking normal process preempts it at once.
Lowering one's own priority needs no privileges; raising it back (for the new Rasa process
once it takes traffic) needs CAP_SYS_NICE, and without it the process just stays low.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)


def become_background() -> str:
    """Put the calling process (and the children it starts later) in the background class;
    returns what it got, for the log."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        return "SCHED_IDLE"
    except (AttributeError, OSError):
        os.nice(19 - os.nice(0))
        return "nice 19"


def restore_foreground(pid: int) -> bool:
    """Give every thread of ``pid`` the normal policy and nice 0 back (scheduling policy and
    nice value are per thread on Linux). False when the OS does not allow it."""
    tasks = Path(f"/proc/{pid}/task")
    tids = [int(t.name) for t in tasks.iterdir()] if tasks.is_dir() else [pid]
    ok = True
    for tid in tids:
        try:
            os.sched_setscheduler(tid, os.SCHED_OTHER, os.sched_param(0))
            os.setpriority(os.PRIO_PROCESS, tid, 0)
        except ProcessLookupError:
            continue  # the thread ended meanwhile
        except (AttributeError, OSError) as exc:
            logger.info("could not restore normal priority of %s: %s", tid, exc)
            ok = False
    return ok
