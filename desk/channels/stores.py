"""Tracker and lock stores configured from the environment (DESK_TRACKER_URL, REDIS_URL) so
endpoints.yml needs no secrets and a fresh checkout works without any variable set."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from desk import settings
from desk.channels import turnlog

logger = logging.getLogger(__name__)

SELECT_ALL = text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id")
# The latest session starts at its last session_started event (Rasa's own store's rule).
SESSION_START = text("SELECT max(timestamp) FROM events WHERE sender_id = :sender AND type_name = :started")

# Events a turn works on: about ten turns. Slots still reflect the whole session.
WINDOW_EVENTS = 120
# The window's queries read one conversation's rows by (sender_id, type_name) or backwards by
# id, so their cost does not grow with the conversation; the index makes the former cheap.
CREATE_TYPE_INDEX = text("CREATE INDEX IF NOT EXISTS ix_events_sender_type ON events (sender_id, type_name)")
SELECT_WINDOW = text(
    "SELECT id, data FROM events WHERE sender_id = :sender AND timestamp >= :start ORDER BY id DESC LIMIT :limit"
)
# Events before the window that still shape the tracker's state: the latest of each slot,
# active loop and pause/resume since the last restart or slot reset.
LAST_RESET = text(
    "SELECT max(id) FROM events WHERE sender_id = :sender AND type_name IN ('restart', 'reset_slots')"
    " AND timestamp >= :start AND id < :first"
)
SELECT_STATE_BEFORE = text(
    "SELECT data FROM events WHERE id IN (SELECT max(id) FROM events WHERE sender_id = :sender"
    " AND type_name IN ('slot', 'active_loop', 'pause', 'resume') AND timestamp >= :start"
    " AND id > :after AND id < :first GROUP BY type_name, action_name) ORDER BY id"
)
LAST_STORED = text("SELECT data FROM events WHERE sender_id = :sender ORDER BY id DESC LIMIT 1")

# A busy or unreachable database: a statement is tried again, DB_RETRY_SECONDS apart, until
# DB_PATIENCE_SECONDS have passed; then the turn fails with TrackerStoreError (the user is told;
# nothing is kept only in memory). The event loop never waits long for the database:
# - SQLite is a local file whose statements take well under a millisecond, so they run on the
#   event loop itself, each try waiting at most SQLITE_BUSY_SECONDS for a lock, and the retries
#   sleep asynchronously. Handing each read and write to a thread and back cost a fifth of the
#   throughput under 20 concurrent sessions (`make bench`: 77-82 -> 96-98 requests/s inline).
# - A networked database (PostgreSQL) is used from one worker thread per process
#   (DB_THREAD), since a round trip or a reconnect would hold the loop; a single thread, as a
#   pool of threads fought the loop for the GIL (about 21 -> 26 requests/s against a pool).
SQLITE_BUSY_SECONDS = 0.05
DB_RETRY_SECONDS = 0.3
DB_PATIENCE_SECONDS = 6.0
DB_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tracker-db")

# Retention: conversations whose latest event is older than the cut-off are deleted whole.
STALE_SENDERS = text("SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < :cutoff")
DELETE_SENDER = text("DELETE FROM events WHERE sender_id = :sender")


class EnvSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the SQLAlchemy URL in DESK_TRACKER_URL
    (default: SQLite file var/tracker.db), so conversations survive restarts.

    Same table and the same semantics as Rasa's store (events of the latest session, new
    events appended on save), but with plain SQL statements instead of ORM queries, which
    profiling showed spending ~5 ms per turn building statement cache keys.

    A turn works on a window of the latest events (``WINDOW_EVENTS``): the store reads the
    window plus the older events that still decide the state (each slot's latest value, active
    loop, pause), so slots (topic, aspect, language) are exact. Without it every cost of a
    turn — reading and replaying the events, RulePolicy's pass over the history, the tracker
    sent to the action server and parsed there — grew with the conversation (a 240-turn
    conversation answered 3.7 times slower than a new one). The full history stays in the
    database and in the ``/conversations/{id}/tracker`` API.
    """

    window = WINDOW_EVENTS

    def __init__(self, domain: Any = None, host: Optional[str] = None, event_broker: Any = None, **kwargs: Any) -> None:
        url = host if host and "://" in host else settings.tracker_url()
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.inline = parsed.get_backend_name() == "sqlite"
        if self.inline:
            self._use_pooled_sqlite(url)
        try:
            with self.engine.begin() as connection:
                connection.execute(CREATE_TYPE_INDEX)
        except SQLAlchemyError as exc:  # e.g. no CREATE right on a shared database: slower, still right
            logger.warning("could not create the tracker store's type index: %s", exc)
        try:
            turnlog.ensure_table(self.engine)
        except SQLAlchemyError as exc:
            logger.warning("could not create the analytics turn table: %s", exc)

    def _use_pooled_sqlite(self, url: str) -> None:
        """Rasa opens a new SQLite connection per turn; a small pool in WAL mode saves
        that, and synchronous=NORMAL keeps commits safe across process restarts."""
        engine = create_engine(
            url, poolclass=QueuePool, pool_size=4,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_SECONDS},
        )

        def pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        event.listen(engine, "connect", pragmas)
        self.engine.dispose()
        self.engine = engine
        self.sessionmaker = sessionmaker(bind=engine)

    async def _run(self, what: str, function: Any, *args: Any) -> Any:
        """Run a database function (inline for SQLite, else in the worker thread), trying
        again while the patience lasts; then raise TrackerStoreError (short, without the
        tracker)."""
        from desk.rasa_compat import TrackerStoreError

        deadline = time.monotonic() + DB_PATIENCE_SECONDS
        attempt = 0
        while True:
            attempt += 1
            try:
                if self.inline:
                    return function(*args)
                return await asyncio.get_running_loop().run_in_executor(DB_THREAD, function, *args)
            except SQLAlchemyError as exc:
                if time.monotonic() + DB_RETRY_SECONDS >= deadline:
                    message = " ".join(str(exc.orig if getattr(exc, "orig", None) else exc).split())[:200]
                    raise TrackerStoreError(f"{what}: {type(exc).__name__}: {message}") from None
                logger.warning("tracker store: %s failed (try %d); retrying", what, attempt)
                await asyncio.sleep(DB_RETRY_SECONDS)

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        events, window = await self._run(
            f"reading {sender_id}", self._read_events, sender_id, fetch_events_from_all_sessions
        )
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots, window)

    def _read_events(self, sender_id: str, all_sessions: bool) -> tuple[List[Dict[str, Any]], Optional[int]]:
        with self.engine.connect() as connection:
            if all_sessions:
                return [json.loads(row[0]) for row in connection.execute(SELECT_ALL, {"sender": sender_id})], None
            # Rasa wraps this store and asks for an unbounded history; a turn gets the window
            return self._window_events(connection, sender_id), self.window

    @staticmethod
    def _session_params(connection: Any, sender_id: str) -> Dict[str, Any]:
        start = connection.execute(SESSION_START, {"sender": sender_id, "started": SessionStarted.type_name}).scalar()
        return {"sender": sender_id, "start": start if start is not None else 0.0}

    def _window_events(self, connection: Any, sender_id: str) -> List[Dict[str, Any]]:
        """The latest session's last ``window`` events, preceded (when the session is longer)
        by the older events that still decide the state, so loading a turn costs the same in
        a long conversation as in a short one."""
        params = self._session_params(connection, sender_id)
        rows = connection.execute(SELECT_WINDOW, {**params, "limit": self.window}).fetchall()
        events = [json.loads(data) for _, data in reversed(rows)]
        if len(rows) == self.window:
            first = min(row_id for row_id, _ in rows)
            after = connection.execute(LAST_RESET, {**params, "first": first}).scalar() or 0
            before = connection.execute(SELECT_STATE_BEFORE, {**params, "first": first, "after": after})
            events = [json.loads(data) for (data,) in before] + events
        return events

    def _unsaved_events(self, tracker: DialogueStateTracker, connection: Any) -> List[Any]:
        """Events not in the database yet: those after the last stored one. A windowed
        tracker has dropped old events, so counting rows cannot tell; and the tracker may
        have been rebuilt since it was loaded (so no marker on the object survives): the
        last stored event itself, found again by its content, can."""
        stored = connection.execute(LAST_STORED, {"sender": tracker.sender_id}).scalar()
        return events_after(list(tracker.events), json.loads(stored) if stored else None)

    def _write(self, tracker: DialogueStateTracker) -> int:
        with self.engine.begin() as connection:
            rows: List[Dict[str, Any]] = []
            saved: List[Dict[str, Any]] = []
            for tracker_event in self._unsaved_events(tracker, connection):
                data = tracker_event.as_dict()
                saved.append(data)
                rows.append(
                    {
                        "sender_id": tracker.sender_id,
                        "type_name": tracker_event.type_name,
                        "timestamp": data.get("timestamp"),
                        "intent_name": (data.get("parse_data") or {}).get("intent", {}).get(INTENT_NAME_KEY),
                        "action_name": data.get("name"),
                        "data": json.dumps(data),
                    }
                )
            if rows:
                connection.execute(self.SQLEvent.__table__.insert(), rows)
        self._log_turns(tracker.sender_id, saved)
        return len(rows)

    def _log_turns(self, sender_id: str, saved: List[Dict[str, Any]]) -> None:
        """One analytics row per completed question (desk.channels.turnlog); a failure there
        is logged and never costs the conversation its turn."""
        turn_rows = turnlog.turn_rows(sender_id, saved)
        if not turn_rows:
            return
        try:
            with self.engine.begin() as connection:
                turnlog.insert(connection, turn_rows)
        except SQLAlchemyError as exc:
            logger.warning("analytics row for %s not stored: %s", sender_id, exc)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
        await self._run(f"saving {tracker.sender_id}", self._write, tracker)


def events_after(events: List[Any], last_stored: Optional[Dict[str, Any]]) -> List[Any]:
    """The events that come after ``last_stored`` (the newest stored event's dict): all of
    them for a new conversation; else those after the newest event equal to it; if the
    tracker no longer holds it, those newer than it."""
    if last_stored is None:
        return events
    stamp, kind = last_stored.get("timestamp"), last_stored.get("event")
    for index in range(len(events) - 1, -1, -1):
        candidate = events[index]
        if candidate.timestamp == stamp and candidate.type_name == kind and candidate.as_dict() == last_stored:
            return events[index + 1 :]
    return [e for e in events if stamp is None or (e.timestamp or 0) > stamp]


def cleanup(url: Optional[str] = None, days: Optional[int] = None, now: Optional[float] = None) -> int:
    """Delete the conversations whose latest event is older than ``days`` (default: the
    retention setting); returns how many conversations were deleted."""
    days = days or settings.tracker_retention_days()
    cutoff = (now or time.time()) - days * 86400
    engine = create_engine(url or settings.tracker_url(), future=True)
    try:
        with engine.begin() as connection:
            senders = [row[0] for row in connection.execute(STALE_SENDERS, {"cutoff": cutoff})]
            for sender in senders:
                connection.execute(DELETE_SENDER, {"sender": sender})
        return len(senders)
    except SQLAlchemyError as exc:
        if "no such table" in str(exc):
            return 0
        raise
    finally:
        engine.dispose()


class EnvLockStore:
    """Redis lock store when REDIS_URL is set (several Rasa servers), else in memory."""

    def __new__(cls, endpoint_config: Any = None) -> LockStore:  # type: ignore[misc]
        url = settings.redis_url()
        if not url:
            return InMemoryLockStore()
        parts = urlsplit(url)
        db = int(parts.path.lstrip("/") or 1)
        return RedisLockStore(
            host=parts.hostname or "localhost",
            port=parts.port or 6379,
            db=db,
            username=parts.username,
            password=parts.password,
            use_ssl=parts.scheme == "rediss",
        )
