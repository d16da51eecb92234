"""`desk analytics` and the admin console's charts: what users ask and how the desk does.

Plain SQL over the tracker database's ``desk_turns`` table (one row per question, written
with the turn: desk.channels.turnlog) and the policy database's ``feedback`` table, so the
figures stay fast on a large store (eval/analytics_bench.py times a million events).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from typing import Any, Dict, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from desk import settings
from desk.channels import turnlog

DEFAULT_DAYS = 30
MAX_DAYS = 3660
TOP_UNANSWERED = 20
QUESTIONS = "outcome <> 'small talk'"  # greetings and thanks are not questions

PER_DAY = {
    dim: text(
        f"SELECT day, COALESCE({dim}, '') AS key, count(*) FROM desk_turns "
        f"WHERE ts >= :since AND {QUESTIONS} GROUP BY day, {dim} ORDER BY day, {dim}"
    )
    for dim in ("topic", "lang", "channel")
}
OUTCOMES = text(f"SELECT outcome, count(*) FROM desk_turns WHERE ts >= :since AND {QUESTIONS} GROUP BY outcome")
UNANSWERED = text(
    "SELECT lower(text) AS question, count(*) AS n FROM desk_turns "
    "WHERE ts >= :since AND outcome IN ('refused', 'handed off') AND text NOT LIKE '/%' "
    "GROUP BY lower(text) ORDER BY n DESC, question LIMIT :limit"
)
COUNT = text(f"SELECT count(*) FROM desk_turns WHERE ts >= :since AND {QUESTIONS} AND answer_ms IS NOT NULL")
NTH_TIME = text(
    f"SELECT answer_ms FROM desk_turns WHERE ts >= :since AND {QUESTIONS} AND answer_ms IS NOT NULL "
    "ORDER BY answer_ms LIMIT 1 OFFSET :k"
)
FEEDBACK = text(
    "SELECT COALESCE(topic, '') AS topic, count(*) AS n, "
    "sum(CASE WHEN correct THEN 1 ELSE 0 END) AS ok FROM feedback "
    "WHERE created_at >= :since GROUP BY topic ORDER BY n DESC"
)


def _engine(url: str) -> Engine:
    return create_engine(url, future=True)


def _percentile(connection: Connection, since: float, share: float) -> Optional[int]:
    n = connection.execute(COUNT, {"since": since}).scalar() or 0
    if not n:
        return None
    k = min(n - 1, max(0, int(round(share * (n - 1)))))
    return connection.execute(NTH_TIME, {"since": since, "k": k}).scalar()


def _per_day(connection: Connection, dim: str, since: float) -> Dict[str, Dict[str, int]]:
    series: Dict[str, Dict[str, int]] = {}
    for day, key, count in connection.execute(PER_DAY[dim], {"since": since}):
        series.setdefault(key or "(none)", {})[day] = int(count)
    return series


def compute(days: int = DEFAULT_DAYS, tracker_url: Optional[str] = None, db_url: Optional[str] = None,
            now: Optional[float] = None) -> Dict[str, Any]:
    """All figures for the last ``days`` days (UTC)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    started = time.perf_counter()
    now = now if now is not None else time.time()
    since = now - days * 86400
    since_day = dt.datetime.fromtimestamp(since, dt.timezone.utc)
    tracker = _engine(tracker_url or settings.tracker_url())
    turnlog.ensure_table(tracker)
    try:
        with tracker.connect() as c:
            outcomes = {o: int(n) for o, n in c.execute(OUTCOMES, {"since": since})}
            total = sum(outcomes.values())
            result: Dict[str, Any] = {
                "days": days,
                "since": since_day.strftime("%Y-%m-%d %H:%M UTC"),
                "questions": total,
                "per_day": {dim: _per_day(c, dim, since) for dim in ("topic", "lang", "channel")},
                "outcomes": {
                    o: {"count": outcomes.get(o, 0), "share": round(outcomes.get(o, 0) / total, 4) if total else 0.0}
                    for o in turnlog.OUTCOMES
                },
                "top_unanswered": [
                    {"question": q, "count": int(n)}
                    for q, n in c.execute(UNANSWERED, {"since": since, "limit": TOP_UNANSWERED})
                ],
                "answer_ms": {"median": _percentile(c, since, 0.5), "p95": _percentile(c, since, 0.95)},
            }
    finally:
        tracker.dispose()
    from desk.policies.db import get_engine

    with get_engine(db_url).connect() as c:
        result["feedback"] = [
            {"topic": t or "(none)", "count": int(n), "correct": int(ok or 0),
             "accuracy": round(int(ok or 0) / int(n), 4) if n else None}
            for t, n, ok in c.execute(FEEDBACK, {"since": since_day.replace(tzinfo=None)})
        ]
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def to_csv(figures: Dict[str, Any]) -> str:
    """One long table: section, key, day, value (spreadsheet-friendly)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "day", "value"])
    for dim, series in figures["per_day"].items():
        for key, days in series.items():
            for day, count in days.items():
                writer.writerow([f"questions per day by {dim}", key, day, count])
    for outcome, value in figures["outcomes"].items():
        writer.writerow(["outcome share", outcome, "", value["share"]])
        writer.writerow(["outcome count", outcome, "", value["count"]])
    for item in figures["top_unanswered"]:
        writer.writerow(["top unanswered", item["question"], "", item["count"]])
    for item in figures["feedback"]:
        writer.writerow(["staff feedback accuracy", item["topic"], "", item["accuracy"]])
        writer.writerow(["staff feedback count", item["topic"], "", item["count"]])
    for name, value in figures["answer_ms"].items():
        writer.writerow(["answer time ms", name, "", value if value is not None else ""])
    return out.getvalue()


def to_text(figures: Dict[str, Any]) -> str:
    lines = [f"{figures['questions']} questions since {figures['since']}"]
    lines += [f"  {o:11} {v['count']:7}  {v['share']:.1%}" for o, v in figures["outcomes"].items()]
    ms = figures["answer_ms"]
    lines.append(f"answer time: median {ms['median']} ms, p95 {ms['p95']} ms")
    for dim in ("topic", "lang", "channel"):
        totals = {k: sum(d.values()) for k, d in figures["per_day"][dim].items()}
        lines.append(f"by {dim}: " + ", ".join(f"{k} {n}" for k, n in sorted(totals.items(), key=lambda kv: -kv[1])))
    lines.append("top unanswered:")
    lines += [f"  {i['count']:5}  {i['question']}" for i in figures["top_unanswered"]]
    lines.append("staff feedback accuracy per topic:")
    lines += [f"  {f['topic']:28} {f['correct']}/{f['count']}" for f in figures["feedback"]]
    return "\n".join(lines)
