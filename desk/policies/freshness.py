"""Which facts need a look: not checked for a while, or ending soon (or already ended).

A fact's ``checked`` / ``valid_until`` default to its record's; a fact with neither checked
date counts as never checked. Used by ``desk policy stale`` and the admin console.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any, Dict, Iterable, List, Optional

from desk.policies.schema import TopicRecord

STALE_AFTER_MONTHS = 6  # a fact not re-checked for this long is listed
ENDING_WITHIN_DAYS = 60  # a time-limited fact ending this soon is listed


@dataclass(frozen=True)
class StaleFact:
    topic: str
    field: str
    reason: str  # never_checked | not_checked | ends_soon | ended
    checked: Optional[str]
    valid_until: Optional[str]
    text_en: str

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        dates = f"checked {self.checked or '-'}, valid until {self.valid_until or '-'}"
        return f"{self.topic:24} {self.field:16} {self.reason:13} {dates}  {self.text_en[:60]}"


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's end)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - 28 always exists


def stale_facts(
    records: Iterable[TopicRecord],
    today: Optional[dt.date] = None,
    months: int = STALE_AFTER_MONTHS,
    ending_within_days: int = ENDING_WITHIN_DAYS,
) -> List[StaleFact]:
    """Facts not checked since ``months`` before today, or whose valid_until is past or
    within ``ending_within_days`` days."""
    today = today or dt.date.today()
    cutoff = months_before(today, months)
    horizon = today + dt.timedelta(days=ending_within_days)
    found: List[StaleFact] = []
    for record in records:
        for field, fact in record.facts():
            checked = getattr(fact, "checked", None) or record.checked
            until = getattr(fact, "valid_until", None) or record.valid_until
            reasons = []
            if until is not None and until < today:
                reasons.append("ended")
            elif until is not None and until <= horizon:
                reasons.append("ends_soon")
            if checked is None:
                reasons.append("never_checked")
            elif checked < cutoff:
                reasons.append("not_checked")
            text = fact.en if hasattr(fact, "en") else fact.name.en
            for reason in reasons:
                found.append(StaleFact(
                    record.id, field, reason,
                    checked.isoformat() if checked else None,
                    until.isoformat() if until else None,
                    text,
                ))
    return found
