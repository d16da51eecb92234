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
from typing import Any, Dict, List, Optional, Tuple

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine

from desk import settings
from desk.channels import turnlog

DEFAULT_DAYS = 30
MAX_DAYS = 3660
TOP_UNANSWERED = 20
QUESTIONS = "outcome <> 'small talk'"  # greetings and thanks are not questions

# One pass over the covering index gives every per-day count and the outcome shares; a
# second the answer-time histogram (percentiles from it); a third the unanswered texts.
ROLLUP = text(
    "SELECT day, topic, lang, channel, outcome, count(*) FROM desk_turns "
    f"WHERE day >= :since AND {QUESTIONS} GROUP BY day, topic, lang, channel, outcome"
)
TIMES = text(
    f"SELECT answer_ms, count(*) FROM desk_turns WHERE day >= :since AND {QUESTIONS} AND answer_ms IS NOT NULL "
    "GROUP BY answer_ms ORDER BY answer_ms"
)
UNANSWERED = text(
    "SELECT lower(text) AS question, count(*) AS n FROM desk_turns "
    "WHERE outcome IN ('refused', 'handed off') AND day >= :since AND text NOT LIKE '/%' "
    "GROUP BY lower(text) ORDER BY n DESC, question LIMIT :limit"
)
FEEDBACK = text(
    "SELECT COALESCE(topic, '') AS topic, count(*) AS n, "
    "sum(CASE WHEN correct THEN 1 ELSE 0 END) AS ok FROM feedback "
    "WHERE created_at >= :since GROUP BY topic ORDER BY n DESC"
)


def _engine(url: str) -> Engine:
    return create_engine(url, future=True)


def percentiles(histogram: List[Tuple[int, int]], shares: Tuple[float, ...]) -> List[Optional[int]]:
    """Nearest-rank percentiles of a sorted (value, count) histogram."""
    total = sum(n for _, n in histogram)
    if not total:
        return [None for _ in shares]
    found: List[Optional[int]] = []
    for share in shares:
        rank, seen = min(total - 1, max(0, int(round(share * (total - 1))))), 0
        for value, count in histogram:
            seen += count
            if seen > rank:
                found.append(int(value))
                break
    return found


def _rollup(connection: Connection, since: str) -> Tuple[Dict[str, Dict[str, Dict[str, int]]], Dict[str, int]]:
    per_day: Dict[str, Dict[str, Dict[str, int]]] = {"topic": {}, "lang": {}, "channel": {}}
    outcomes: Dict[str, int] = {}
    for day, topic, lang, channel, outcome, count in connection.execute(ROLLUP, {"since": since}):
        for dim, key in (("topic", topic), ("lang", lang), ("channel", channel)):
            series = per_day[dim].setdefault(key or "(none)", {})
            series[day] = series.get(day, 0) + int(count)
        outcomes[outcome] = outcomes.get(outcome, 0) + int(count)
    for dim in per_day:
        per_day[dim] = {k: dict(sorted(v.items())) for k, v in sorted(per_day[dim].items())}
    return per_day, outcomes


def compute(days: int = DEFAULT_DAYS, tracker_url: Optional[str] = None, db_url: Optional[str] = None,
            now: Optional[float] = None) -> Dict[str, Any]:
    """All figures for the last ``days`` days (UTC calendar days, today included)."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 1 and {MAX_DAYS}")
    started = time.perf_counter()
    now = now if now is not None else time.time()
    today = dt.datetime.fromtimestamp(now, dt.timezone.utc).date()
    first = today - dt.timedelta(days=days - 1)  # the last ``days`` days, today included
    since = first.isoformat()
    tracker = _engine(tracker_url or settings.tracker_url())
    turnlog.ensure_table(tracker)
    try:
        with tracker.connect() as c:
            per_day, outcomes = _rollup(c, since)
            median, p95 = percentiles([(v, int(n)) for v, n in c.execute(TIMES, {"since": since})], (0.5, 0.95))
            total = sum(outcomes.values())
            result: Dict[str, Any] = {
                "days": days,
                "since": since,
                "questions": total,
                "per_day": per_day,
                "outcomes": {
                    o: {"count": outcomes.get(o, 0), "share": round(outcomes.get(o, 0) / total, 4) if total else 0.0}
                    for o in turnlog.OUTCOMES
                },
                "top_unanswered": [
                    {"question": q, "count": int(n)}
                    for q, n in c.execute(UNANSWERED, {"since": since, "limit": TOP_UNANSWERED})
                ],
                "answer_ms": {"median": median, "p95": p95},
            }
    finally:
        tracker.dispose()
    from desk.policies.db import get_engine

    with get_engine(db_url).connect() as c:
        result["feedback"] = [
            {"topic": t or "(none)", "count": int(n), "correct": int(ok or 0),
             "accuracy": round(int(ok or 0) / int(n), 4) if n else None}
            for t, n, ok in c.execute(FEEDBACK, {"since": dt.datetime.combine(first, dt.time())})
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
