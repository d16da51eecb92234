"""`desk review`: the questions the desk did not answer well, for admins to turn into
training examples. Items come from the conversation tracker store (turns that fell back or
were classified with low confidence) and from staff feedback marked wrong; accepting one adds
the question to a topic's examples (live after the next `desk publish`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import List, Optional

from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from desk import settings
from desk.dialogue.understanding import FALLBACK_INTENT, topic_of_intent
from desk.language import detect
from desk.policies import models
from desk.policies.importer import bump_catalog, record_from_row, save_record
from desk.policies.schema import MAX_EXAMPLES, ImportError_

LOW_CONFIDENCE = 0.5
SMALL_TALK = {"greet", "goodbye", "thank", "bot_challenge", "capabilities", "human_handoff", "switch_language"}


@dataclass
class ReviewItem:
    id: str
    source: str  # "fallback" | "low confidence" | "staff: wrong"
    text: str
    suggested_topic: Optional[str]
    confidence: Optional[float]
    note: Optional[str] = None


def _tracker_items(known: List[str], limit: int) -> List[ReviewItem]:
    engine = create_engine(settings.tracker_url(), future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT id, data FROM events WHERE type_name = 'user' ORDER BY id DESC LIMIT :n"),
                {"n": limit},
            ).fetchall()
    except (OperationalError, ProgrammingError):
        return []  # no conversations yet
    finally:
        engine.dispose()
    items = []
    for event_id, data in rows:
        event = json.loads(data)
        parse = event.get("parse_data") or {}
        intent = (parse.get("intent") or {}).get("name")
        confidence = float((parse.get("intent") or {}).get("confidence") or 0.0)
        message = (event.get("text") or "").strip()
        if not message or message.startswith("/") or intent in SMALL_TALK:
            continue
        if intent != FALLBACK_INTENT and confidence >= LOW_CONFIDENCE:
            continue
        ranked = [
            (topic_of_intent(r.get("name"), known), float(r.get("confidence") or 0))
            for r in parse.get("intent_ranking") or []
        ]
        suggestion = next(((t, c) for t, c in ranked if t), (None, None))
        items.append(
            ReviewItem(f"t{event_id}", "fallback" if intent == FALLBACK_INTENT else "low confidence",
                       message, suggestion[0], suggestion[1])
        )
    return items


def _feedback_items(session: Session) -> List[ReviewItem]:
    rows = session.scalars(
        select(models.Feedback).where(models.Feedback.correct.is_(False)).order_by(models.Feedback.id.desc())
    )
    return [
        ReviewItem(f"f{r.id}", f"staff: wrong ({r.staff_name})", r.question, r.right_topic, None, r.note)
        for r in rows
    ]


def queue(session: Session, limit: int = 500) -> List[ReviewItem]:
    known = list(session.scalars(select(models.Topic.id)))
    decided = set(session.scalars(select(models.ReviewDecision.item_id)))
    items = _feedback_items(session) + _tracker_items(known, limit)
    seen, result = set(), []
    for item in items:
        key = item.text.lower()
        if item.id not in decided and key not in seen:
            seen.add(key)
            result.append(item)
    return result


def decide(session: Session, item_id: str, decision: str, topic: Optional[str], author: str) -> str:
    """Accept (add the question to ``topic``'s examples) or dismiss an item, in one transaction."""
    item = next((i for i in queue(session) if i.id == item_id), None)
    if item is None:
        raise ImportError_(f"no open review item '{item_id}'")
    try:
        if decision == "accepted":
            row = session.get(models.Topic, topic or "")
            if row is None:
                raise ImportError_(f"no topic '{topic}' (import it first with `desk policy import`)")
            record = record_from_row(row)
            lang = "zh" if detect(item.text) == "zh" else "en"
            examples = getattr(record.examples, lang)
            if item.text not in examples and len(examples) >= MAX_EXAMPLES:
                # past the import limit its exported file could not be imported again
                raise ImportError_(f"topic '{topic}' already has {MAX_EXAMPLES} {lang} examples: "
                                   "edit its file to make room first")
            if item.text not in examples:
                examples.append(item.text)
                save_record(session, record, author, f"review {item_id}", "review")
                bump_catalog(session)
        session.add(models.ReviewDecision(item_id=item_id, decision=decision, topic=topic, decided_by=author))
        session.commit()
    except Exception:
        session.rollback()
        raise
    return item.text
