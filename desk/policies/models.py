"""SQLAlchemy ORM models of the policy database.

Bilingual texts are stored as zh/en column pairs; child rows (steps, materials, sources,
examples, keywords, contacts) keep the order admins wrote them in. Every change to a topic is
also kept as a JSON snapshot in ``topic_revisions`` for history and revert.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _children(target: str) -> relationship:
    return relationship(
        target, order_by=f"{target}.position", cascade="all, delete-orphan", lazy="selectin"
    )


class Topic(Base):
    __tablename__ = "topics"

    id = Column(String(48), primary_key=True)
    title_zh = Column(Text, nullable=False)
    title_en = Column(Text, nullable=False)
    status = Column(String(16), nullable=False, default="in_force")
    effective_from = Column(Date)
    summary_zh = Column(Text, nullable=False)
    summary_en = Column(Text, nullable=False)
    eligibility_zh = Column(Text)
    eligibility_en = Column(Text)
    where_zh = Column(Text)
    where_en = Column(Text)
    duration_zh = Column(Text)
    duration_en = Column(Text)
    version = Column(Integer, nullable=False, default=1)
    updated_at = Column(DateTime, nullable=False, default=utcnow)
    # per-fact citations and freshness of summary/eligibility/where/duration, record-level
    # checked/valid_until, notes and planned sub-measures (import format; JSON because
    # they are read and written whole with the record)
    meta = Column(JSON)

    steps = _children("Step")
    materials = _children("Material")
    sources = _children("Source")
    contacts = _children("Contact")
    examples = _children("Example")
    keywords = _children("Keyword")


class Step(Base):
    __tablename__ = "steps"

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    text_zh = Column(Text, nullable=False)
    text_en = Column(Text, nullable=False)
    meta = Column(JSON)  # {"sources": [ids], "checked": date, "valid_until": date}


class Material(Base):
    __tablename__ = "materials"

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    name_zh = Column(Text, nullable=False)
    name_en = Column(Text, nullable=False)
    required = Column(Boolean, nullable=False, default=True)
    note_zh = Column(Text)
    note_en = Column(Text)
    meta = Column(JSON)  # as Step.meta


class Source(Base):
    __tablename__ = "sources"

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    key = Column(String(32))  # the short id facts cite it by
    ref = Column(Text, nullable=False)  # as cited in Chinese (and in both, without ref_en)
    ref_en = Column(Text)  # the same reference in English
    title = Column(Text, nullable=False)  # Chinese title
    title_en = Column(Text)
    date = Column(String(10))  # YYYY-MM-DD, or YYYY-MM / YYYY when the day is unknown
    url = Column(Text)


class Contact(Base):
    __tablename__ = "contacts"

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    name_zh = Column(Text, nullable=False)
    name_en = Column(Text, nullable=False)
    phone = Column(String(100))
    address_zh = Column(Text)
    address_en = Column(Text)
    hours_zh = Column(Text)
    hours_en = Column(Text)
    url = Column(Text)


class Example(Base):
    __tablename__ = "examples"

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    lang = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)


class Keyword(Base):
    __tablename__ = "keywords"

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), ForeignKey("topics.id", ondelete="CASCADE"), nullable=False)
    position = Column(Integer, nullable=False)
    lang = Column(String(8), nullable=False)
    term = Column(String(200), nullable=False)


class TopicRevision(Base):
    """A snapshot of a topic after each change: who, when, from which file."""

    __tablename__ = "topic_revisions"
    __table_args__ = (UniqueConstraint("topic_id", "version"),)

    id = Column(Integer, primary_key=True)
    topic_id = Column(String(48), nullable=False, index=True)
    version = Column(Integer, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    author = Column(String(100), nullable=False)
    source_file = Column(Text)
    action = Column(String(16), nullable=False)  # added | changed | reverted
    snapshot = Column(JSON, nullable=False)


class CatalogState(Base):
    """A single row whose counter moves on every change, so readers can cheaply
    tell whether their cached copy of the catalog is still current."""

    __tablename__ = "catalog_state"

    id = Column(Integer, primary_key=True)
    revision = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime, nullable=False, default=utcnow)


class Feedback(Base):
    """A hotline staff member's verdict on one answer: kept to find wrong topics and gaps
    (``right_topic`` may name a topic the catalog does not have yet)."""

    __tablename__ = "feedback"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    staff_name = Column(String(100), nullable=False)
    sender = Column(String(128), nullable=False, index=True)
    question = Column(Text, nullable=False)
    topic = Column(String(100))  # what the bot answered; null when it gave no policy answer
    correct = Column(Boolean, nullable=False)
    right_topic = Column(String(100))
    note = Column(Text)


class ReviewDecision(Base):
    """What an admin decided about a review-queue item (``t<event id>`` from the tracker
    store, ``f<feedback id>`` from staff feedback), so it leaves the queue."""

    __tablename__ = "review_decisions"

    item_id = Column(String(40), primary_key=True)
    decision = Column(String(16), nullable=False)  # accepted | dismissed
    topic = Column(String(48))
    decided_by = Column(String(100), nullable=False)
    decided_at = Column(DateTime, nullable=False, default=utcnow)


class CoverageAcceptance(Base):
    """A held-out question labelled out of scope that an admin confirmed a new or widened
    topic now answers (desk.admin.coverage): later publish gates count it as that topic's."""

    __tablename__ = "coverage_acceptances"

    question = Column(String(500), primary_key=True)
    topic = Column(String(48), nullable=False)
    accepted_by = Column(String(100), nullable=False)
    accepted_at = Column(DateTime, nullable=False, default=utcnow)


class TrainingExclusion(Base):
    """A hand-written out-of-scope training example that an imported topic took over
    (desk.admin.coverage): the generation step leaves it out of training."""

    __tablename__ = "training_exclusions"

    example = Column(String(500), primary_key=True)
    topic = Column(String(48), nullable=False)
    excluded_by = Column(String(100), nullable=False)
    excluded_at = Column(DateTime, nullable=False, default=utcnow)
