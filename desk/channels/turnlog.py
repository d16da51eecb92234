"""One row per question in the tracker database (table ``desk_turns``), written with the turn.

Analytics (``desk analytics``, the admin console) need per question: day, channel, language,
topic, what the desk did (answered, clarified, refused, handed off) and how long it took.
In the ``events`` table these sit in the JSON of a user event and of the bot events after it,
and reading them back means parsing every event's JSON: seconds on a million events. The
tracker store already has the turn's events as dicts when it saves them, so it derives the
row there (microseconds) and the analytics are plain indexed SQL over a small table.
``rebuild`` derives the rows again from ``events`` (for conversations stored before).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Dict, Iterable, Iterator, List, Optional

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text, select, text
from sqlalchemy.engine import Connection, Engine

metadata = MetaData()
turns = Table(
    "desk_turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sender_id", String(255), nullable=False),
    Column("ts", Float, nullable=False),
    Column("day", String(10), nullable=False),  # UTC date, so grouping by day needs no date functions
    Column("channel", String(32)),
    Column("lang", String(8)),
    Column("intent", String(100)),
    Column("topic", String(48)),
    Column("outcome", String(16), nullable=False),
    Column("answer_ms", Integer),
    Column("text", Text),
    # Covering index of the analytics' grouped counts, in their GROUP BY order: a range of days
    # of it holds every column they read, already grouped, so SQL neither touches the table
    # nor sorts (desk.admin.analytics).
    Index("ix_desk_turns_rollup", "day", "topic", "lang", "channel", "outcome", "answer_ms"),
    Index("ix_desk_turns_outcome", "outcome", "day"),  # the unanswered questions
)

SMALL_TALK = {"greet", "goodbye", "thank", "bot_challenge", "capabilities", "switch_language"}
OUTCOMES = ("answered", "clarified", "refused", "handed off")
MAX_TEXT = 500
# The gateway's own questions to a Rasa server it starts (desk.gateway.server.warm_up): no user
# asked them, so they are not rows (every start, restart or swap added three "hotline" questions).
WARM_UP_SENDER = "_gateway_warm_up"


def ensure_table(engine: Engine) -> None:
    """Create the table and its indexes if missing (an older table gets the new indexes)."""
    metadata.create_all(engine, tables=[turns])
    for index in turns.indexes:
        index.create(engine, checkfirst=True)


def _day(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d")


def _row(sender_id: str, user: Dict[str, Any], bots: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not bots:
        return None
    desk: Dict[str, Any] = {}
    for bot in bots:
        custom = (bot.get("data") or {}).get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("desk"), dict):
            desk = custom["desk"]
    parse = user.get("parse_data") or {}
    intent = (parse.get("intent") or {}).get("name") or (desk.get("intent") or {}).get("name")
    if intent in SMALL_TALK:
        outcome = "small talk"
    elif desk.get("handoff"):
        outcome = "handed off"
    elif desk.get("topic"):
        outcome = "answered"
    elif any((bot.get("data") or {}).get("buttons") for bot in bots):
        outcome = "clarified"
    else:
        outcome = "refused"
    started = float(user.get("timestamp") or 0.0)
    ended = float(bots[-1].get("timestamp") or started)
    return {
        "sender_id": sender_id,
        "ts": started,
        "day": _day(started),
        "channel": (user.get("input_channel") or None),
        "lang": desk.get("language"),
        "intent": intent,
        "topic": desk.get("topic"),
        "outcome": outcome,
        "answer_ms": max(0, int(round((ended - started) * 1000))),
        "text": (user.get("text") or "")[:MAX_TEXT],
    }


def turn_rows(sender_id: str, events: Iterable[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Rows for the complete turns (a user message and the bot messages after it) in a
    sequence of event dicts, as stored in a save."""
    if sender_id.rpartition(":")[2] == WARM_UP_SENDER:
        return []
    rows: List[Dict[str, Any]] = []
    user: Optional[Dict[str, Any]] = None
    bots: List[Dict[str, Any]] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            row = _row(sender_id, user, bots) if user else None
            rows += [row] if row else []
            user, bots = event, []
        elif kind == "bot" and user is not None:
            bots.append(event)
    row = _row(sender_id, user, bots) if user else None
    return rows + ([row] if row else [])


def insert(connection: Connection, rows: List[Dict[str, Any]]) -> None:
    if rows:
        connection.execute(turns.insert(), rows)


def _by_sender(connection: Connection) -> Iterator[tuple[str, List[Dict[str, Any]]]]:
    result = connection.execution_options(stream_results=True).execute(text(
        "SELECT sender_id, data FROM events WHERE type_name IN ('user', 'bot') ORDER BY sender_id, id"
    ))
    sender, batch = None, []
    for sender_id, data in result:
        if sender_id != sender and batch:
            yield sender, batch
            batch = []
        sender = sender_id
        batch.append(json.loads(data))
    if batch and sender is not None:
        yield sender, batch


def rebuild(engine: Engine) -> int:
    """Derive desk_turns again from every stored event; returns the number of rows."""
    ensure_table(engine)
    count = 0
    with engine.connect() as reader, engine.begin() as writer:
        writer.execute(turns.delete())
        for sender, events in _by_sender(reader):
            rows = turn_rows(sender, events)
            insert(writer, rows)
            count += len(rows)
    return count


def latest(connection: Connection) -> Optional[float]:
    return connection.execute(select(turns.c.ts).order_by(turns.c.ts.desc()).limit(1)).scalar()
