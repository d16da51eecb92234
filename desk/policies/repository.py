"""Read access to the policy catalog for the actions and tools.

The whole catalog is small (tens of topics), so it is read once into immutable views and
served from memory; a one-row revision counter, bumped by every import, tells when to reload.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from desk.policies import models
from desk.policies.db import session_factory

Text = Dict[str, str]  # {"zh": ..., "en": ...}


def _pair(zh: Optional[str], en: Optional[str]) -> Optional[Text]:
    return {"zh": zh, "en": en} if zh and en else None


@dataclass(frozen=True)
class MaterialView:
    name: Text
    required: bool
    note: Optional[Text]


@dataclass(frozen=True)
class ContactView:
    name: Text
    phone: Optional[str]
    address: Optional[Text]
    hours: Optional[Text]
    url: Optional[str]


@dataclass(frozen=True)
class SourceView:
    id: str
    ref: Text  # {"zh", "en"}: the publisher or document number as cited in each language
    title: Text  # {"zh", "en"}
    date: Optional[str]
    url: Optional[str]


@dataclass(frozen=True)
class FactMeta:
    """Where a fact comes from and how fresh it is (record-level values already applied)."""

    sources: Tuple[str, ...]  # source ids; empty = the record names none for this fact
    checked: Optional[str]
    valid_until: Optional[str]


@dataclass(frozen=True)
class NoteView:
    text: Text
    aspects: Tuple[str, ...]  # the aspects of the answer it is shown with
    meta: FactMeta


@dataclass(frozen=True)
class PlannedView:
    id: str
    name: Text
    note: Text
    keywords: Dict[str, Tuple[str, ...]]
    sources: Tuple[str, ...]


@dataclass(frozen=True)
class TopicView:
    id: str
    title: Text
    status: str
    effective_from: Optional[str]
    summary: Text
    eligibility: Optional[Text]
    where: Optional[Text]
    duration: Optional[Text]
    steps: Tuple[Text, ...]
    materials: Tuple[MaterialView, ...]
    contacts: Tuple[ContactView, ...]
    sources: Tuple[SourceView, ...]
    keywords: Dict[str, Tuple[str, ...]]
    # "summary", "eligibility", "where", "duration", "steps[i]", "materials[i]" -> meta
    meta: Dict[str, FactMeta] = field(default_factory=dict)
    notes: Tuple[NoteView, ...] = ()
    planned: Tuple[PlannedView, ...] = ()

    def fact_meta(self, key: str) -> FactMeta:
        return self.meta.get(key) or FactMeta((), None, None)


def _fact_meta(raw: Optional[Dict[str, Any]], record: Dict[str, Any]) -> FactMeta:
    raw = raw or {}
    return FactMeta(
        sources=tuple(raw.get("sources") or ()),
        checked=raw.get("checked") or record.get("checked"),
        valid_until=raw.get("valid_until") or record.get("valid_until"),
    )


def _note_aspects(value: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """A note's ``aspect``: one, or a list (schema.Note)."""
    return (value,) if isinstance(value, str) else tuple(value)


def _view(topic: models.Topic) -> TopicView:
    record = topic.meta or {}
    fields = record.get("fields") or {}
    meta = {name: _fact_meta(fields.get(name), record) for name in ("summary", "eligibility", "where", "duration")}
    meta.update({f"steps[{i}]": _fact_meta(s.meta, record) for i, s in enumerate(topic.steps)})
    meta.update({f"materials[{i}]": _fact_meta(m.meta, record) for i, m in enumerate(topic.materials)})
    return TopicView(
        id=topic.id,
        title=_pair(topic.title_zh, topic.title_en) or {"zh": topic.id, "en": topic.id},
        status=topic.status,
        effective_from=topic.effective_from.isoformat() if topic.effective_from else None,
        summary=_pair(topic.summary_zh, topic.summary_en) or {"zh": "", "en": ""},
        eligibility=_pair(topic.eligibility_zh, topic.eligibility_en),
        where=_pair(topic.where_zh, topic.where_en),
        duration=_pair(topic.duration_zh, topic.duration_en),
        steps=tuple(_pair(s.text_zh, s.text_en) for s in topic.steps),  # type: ignore[misc]
        materials=tuple(
            MaterialView(
                name={"zh": m.name_zh, "en": m.name_en},
                required=bool(m.required),
                note=_pair(m.note_zh, m.note_en),
            )
            for m in topic.materials
        ),
        contacts=tuple(
            ContactView(
                name={"zh": c.name_zh, "en": c.name_en},
                phone=c.phone,
                address=_pair(c.address_zh, c.address_en),
                hours=_pair(c.hours_zh, c.hours_en),
                url=c.url,
            )
            for c in topic.contacts
        ),
        sources=tuple(
            SourceView(
                id=s.key or f"s{i}",
                ref={"zh": s.ref, "en": s.ref_en or s.ref},
                title={"zh": s.title, "en": s.title_en or s.title},
                date=str(s.date) if s.date else None,
                url=s.url,
            )
            for i, s in enumerate(topic.sources, 1)
        ),
        keywords={
            lang: tuple(k.term for k in topic.keywords if k.lang == lang) for lang in ("zh", "en")
        },
        meta=meta,
        notes=tuple(
            NoteView(
                text={"zh": n["zh"], "en": n["en"]},
                aspects=_note_aspects(n.get("aspect", "overview")),
                meta=_fact_meta(n, record),
            )
            for n in record.get("notes") or ()
        ),
        planned=tuple(
            PlannedView(
                id=p["id"],
                name=p["name"],
                note=p["note"],
                keywords={lang: tuple((p.get("keywords") or {}).get(lang) or ()) for lang in ("zh", "en")},
                sources=tuple(p.get("sources") or ()),
            )
            for p in record.get("planned") or ()
        ),
    )


class PolicyRepository:
    """Topic lookups backed by the database, cached until the catalog revision moves."""

    def __init__(self, sessions: sessionmaker | None = None, max_age: float = 1.0) -> None:
        self._sessions = sessions or session_factory()
        self._lock = threading.Lock()
        self._revision: Optional[int] = None
        self._checked_at = float("-inf")
        self._max_age = max_age  # seconds an import may take to become visible
        self._topics: Dict[str, TopicView] = {}

    def _current_revision(self) -> int:
        with self._sessions() as session:
            state = session.get(models.CatalogState, 1)
            return state.revision if state else 0

    def _catalog(self) -> Dict[str, TopicView]:
        now = time.monotonic()
        if now - self._checked_at < self._max_age:
            return self._topics
        revision = self._current_revision()
        self._checked_at = now
        if revision != self._revision:
            with self._lock, self._sessions() as session:
                topics = session.scalars(select(models.Topic).order_by(models.Topic.id)).all()
                self._topics = {t.id: _view(t) for t in topics}
                self._revision = revision
        return self._topics

    def get(self, topic_id: str) -> Optional[TopicView]:
        return self._catalog().get(topic_id)

    def all(self) -> List[TopicView]:
        return list(self._catalog().values())

    def ids(self) -> List[str]:
        return list(self._catalog())


_shared: Optional[PolicyRepository] = None


def shared_repository() -> PolicyRepository:
    """The process's one repository (and catalogue cache), created on first use: the action
    server's actions and the Rasa server's channels each read through it."""
    global _shared
    if _shared is None:
        _shared = PolicyRepository()
    return _shared
