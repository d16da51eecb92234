"""Time `desk analytics` on a tracker store of a million events.

`python -m eval.analytics_bench [--events 1000000] [--days 30]` fills a fresh SQLite tracker
store (in a temporary directory) with conversations shaped like the desk's: per question a
user event with its parse data, the action, slot events and a bot event with the desk's
decision payload, then action_listen. The question rows of ``desk_turns`` are derived from
the same event dicts by the code the tracker store runs on save (desk.channels.turnlog).
It then runs the command as an admin would (a new process, `--format json`) and prints the
wall-clock time of the command and the time of the SQL alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

from sqlalchemy import create_engine, text

from desk.channels import turnlog

TOPICS = ["port_visa", "talent_visa", "work_permit", "residence_permit", "permanent_residence",
          "family_permits", "talent_station", "talent_port", "digital_platform", "contact"]
CHANNELS = ["hotline", "rest", "socketio", "wechat"]
QUESTIONS = ["口岸签证需要什么材料", "how long is the R visa valid", "工作许可怎么办", "where do I apply for a work permit",
             "how do i open a bank account", "外国驾照怎么换", "tell me a joke", "永久居留需要多久"]
EVENTS = text(
    "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
    "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
)
INSERT = text(
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
    "VALUES (:sender_id, :type_name, :timestamp, :intent_name, :action_name, :data)"
)


def turn(rng: random.Random, ts: float) -> List[Dict[str, Any]]:
    """The events of one question, as Rasa stores them (as_dict())."""
    kind = rng.random()
    topic = rng.choice(TOPICS) if kind < 0.8 else None
    intent = f"ask_{topic}" if topic else rng.choice(["out_of_scope", "nlu_fallback", "greet"])
    confidence = round(rng.uniform(0.3, 0.99), 4)
    ranking = [{"name": f"ask_{t}", "confidence": round(rng.random() / 5, 4)} for t in rng.sample(TOPICS, 5)]
    user = {"event": "user", "timestamp": ts, "text": rng.choice(QUESTIONS), "input_channel": rng.choice(CHANNELS),
            "parse_data": {"intent": {"name": intent, "confidence": confidence}, "intent_ranking": ranking,
                           "entities": [], "text": "..."}, "metadata": {}}
    answer_s = rng.lognormvariate(-3.3, 0.4)
    lang = rng.choice(["zh", "zh", "en"])
    desk = {"desk": {"language": lang, "topic": topic, "aspect": None,
                     "intent": {"name": intent, "confidence": confidence}, "confidence": confidence,
                     "alternatives": [], "handoff": kind > 0.95}}
    buttons = [{"title": "x", "payload": "/ask_port_visa"}] if 0.8 <= kind < 0.85 else None
    bot = {"event": "bot", "timestamp": ts + answer_s, "text": "……",
           "data": {"custom": desk, "buttons": buttons}, "metadata": {}}
    action = {"event": "action", "timestamp": ts + 0.001, "name": "action_answer", "policy": "RulePolicy",
              "confidence": 1.0}
    slots = [{"event": "slot", "timestamp": ts + answer_s, "name": n, "value": v}
             for n, v in (("topic", topic), ("language", lang))]
    listen = {"event": "action", "timestamp": ts + answer_s, "name": "action_listen", "policy": "RulePolicy",
              "confidence": 1.0}
    return [user, action, bot, *slots, listen]


TURN_INSERT = (
    "INSERT INTO desk_turns (sender_id, ts, day, channel, lang, intent, topic, outcome, answer_ms, text) "
    "VALUES (:sender_id, :ts, :day, :channel, :lang, :intent, :topic, :outcome, :answer_ms, :text)"
)


def fill(url: str, events: int, days: int) -> int:
    """Insert about ``events`` events spread over ``days`` days; returns the question rows.
    Rows go in through sqlite3's executemany without fsyncs: filling is not what is timed."""
    engine = create_engine(url, future=True)
    with engine.begin() as c:
        c.execute(EVENTS)
    turnlog.ensure_table(engine)
    rng = random.Random(7)
    now = time.time()
    written, questions, sender = 0, 0, 0
    connection = engine.raw_connection()
    cursor = connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    while written < events:
        rows, turn_rows = [], []
        for _ in range(2000):
            sender += 1
            sender_id = f"bench-{sender}"
            ts = now - rng.uniform(0, days * 86400)
            conversation: List[Dict[str, Any]] = []
            for i in range(rng.randint(1, 5)):
                conversation += turn(rng, ts + 60 * i)
            rows += [{"sender_id": sender_id, "type_name": e["event"], "timestamp": e["timestamp"],
                      "intent_name": (e.get("parse_data") or {}).get("intent", {}).get("name"),
                      "action_name": e.get("name"), "data": json.dumps(e)} for e in conversation]
            turn_rows += turnlog.turn_rows(sender_id, conversation)
        cursor.executemany(str(INSERT), rows)
        cursor.executemany(TURN_INSERT, turn_rows)
        connection.commit()
        written += len(rows)
        questions += len(turn_rows)
    connection.close()
    engine.dispose()
    return questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'tracker.db'}"
        started = time.perf_counter()
        questions = fill(url, args.events, args.days)
        print(f"filled {args.events:,} events ({questions:,} questions) in {time.perf_counter() - started:.0f} s")
        env = {**os.environ, "DESK_TRACKER_URL": url, "DESK_DB_URL": f"sqlite:///{Path(tmp) / 'policies.db'}"}
        command = [sys.executable, "-m", "desk.admin.cli", "analytics", "--format", "json", "--days", str(args.days)]
        for attempt in ("first (cold cache)", "second"):
            started = time.perf_counter()
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
            wall = time.perf_counter() - started
            figures = json.loads(out)
            print(f"`desk analytics --format json --days {args.days}` {attempt}: {wall:.2f} s wall clock "
                  f"(SQL {figures['seconds']:.2f} s; {figures['questions']:,} questions, "
                  f"median {figures['answer_ms']['median']} ms, p95 {figures['answer_ms']['p95']} ms)")


if __name__ == "__main__":
    main()
