"""Tracker and lock stores configured from the environment (DESK_TRACKER_URL, REDIS_URL) so
endpoints.yml needs no secrets and a fresh checkout works without any variable set."""

from __future__ import annotations

import json
import logging
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
COUNT_SESSION = text("SELECT count(*) FROM events WHERE sender_id = :sender AND timestamp >= :start")

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
_STORED_TAIL = "_desk_stored_tail"


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
        if parsed.get_backend_name() == "sqlite":
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
            url, poolclass=QueuePool, pool_size=4, connect_args={"check_same_thread": False}
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

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> Optional[DialogueStateTracker]:
        with self.engine.connect() as connection:
            if fetch_events_from_all_sessions:
                events = [json.loads(row[0]) for row in connection.execute(SELECT_ALL, {"sender": sender_id})]
                window = None
            else:  # Rasa wraps this store and asks for an unbounded history; a turn gets the window
                events, window = self._window_events(connection, sender_id), self.window
        if not (self.domain and events):
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots, window)
        setattr(tracker, _STORED_TAIL, tracker.events[-1] if tracker.events else None)
        return tracker

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
        """Events appended since the tracker was loaded or last saved. A windowed tracker
        has dropped old events, so counting rows cannot tell; the last stored event can."""
        events = list(tracker.events)
        tail = getattr(tracker, _STORED_TAIL, False)
        if tail is False:  # a tracker this store did not load (a new conversation)
            stored = connection.execute(COUNT_SESSION, self._session_params(connection, tracker.sender_id)).scalar()
            return events[stored or 0 :]
        for index in range(len(events) - 1, -1, -1):
            if events[index] is tail:
                return events[index + 1 :]
        if tail is not None:
            logger.warning("conversation %s: more new events than the window; some not stored", tracker.sender_id)
        return events

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)
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
        setattr(tracker, _STORED_TAIL, tracker.events[-1] if tracker.events else None)

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
