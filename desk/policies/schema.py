"""Validation of the policy import format (CONTRACT.md) with pydantic.

A record that breaks the schema is refused with a message naming the topic and the field, so
an admin can fix the file; nothing is written before every record in a file has passed.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional

from pydantic import BaseModel, Extra, Field, ValidationError, validator

TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
RESERVED_IDS = {"aspect", "general", "none", "null"}
STATUSES = ("in_force", "planned", "superseded")
MAX_TEXT = 4000


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class Bilingual(Strict):
    zh: str = Field(..., min_length=1, max_length=MAX_TEXT)
    en: str = Field(..., min_length=1, max_length=MAX_TEXT)

    @validator("zh", "en")
    def filled_in(cls, value: str) -> str:  # noqa: N805
        if value.strip().upper().startswith("TODO"):
            raise ValueError("is a draft placeholder (TODO): fill it in before importing")
        return value


class Material(Bilingual):
    required: bool = True
    note: Optional[Bilingual] = None


class Contact(Strict):
    name: Bilingual
    phone: Optional[str] = Field(None, max_length=100)
    address: Optional[Bilingual] = None
    hours: Optional[Bilingual] = None
    url: Optional[str] = Field(None, max_length=500)


class Source(Strict):
    ref: str = Field(..., min_length=1, max_length=300)
    title: str = Field(..., min_length=1, max_length=500)
    date: Optional[dt.date] = None
    url: Optional[str] = Field(None, max_length=500)


class LangLists(Strict):
    zh: List[str] = Field(default_factory=list)
    en: List[str] = Field(default_factory=list)

    @validator("zh", "en", each_item=True)
    def non_empty(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a non-empty string")
        if len(value) > 500:
            raise ValueError("must be at most 500 characters")
        return value.strip()


class TopicRecord(Strict):
    """One topic as admins write it; the unit of import, history and revert."""

    id: str
    title: Bilingual
    status: str = "in_force"
    effective_from: Optional[dt.date] = None
    summary: Bilingual
    eligibility: Optional[Bilingual] = None
    where: Optional[Bilingual] = None
    duration: Optional[Bilingual] = None
    steps: List[Bilingual] = Field(default_factory=list)
    materials: List[Material] = Field(default_factory=list)
    contacts: List[Contact] = Field(default_factory=list)
    sources: List[Source] = Field(..., min_items=1)
    examples: LangLists = Field(default_factory=LangLists)
    keywords: LangLists = Field(default_factory=LangLists)

    @validator("id")
    def valid_id(cls, value: str) -> str:  # noqa: N805
        if not TOPIC_ID.match(value):
            raise ValueError("must be snake_case: a-z, 0-9 and _, starting with a letter")
        if value in RESERVED_IDS:
            raise ValueError(f"'{value}' is reserved")
        return value

    @validator("status")
    def valid_status(cls, value: str) -> str:  # noqa: N805
        if value not in STATUSES:
            raise ValueError(f"must be one of {', '.join(STATUSES)}")
        return value

    def canonical(self) -> Dict[str, Any]:
        """A plain dict that compares equal exactly when two records say the same thing."""
        return self.dict(exclude_none=True)


class PolicyFile(Strict):
    topics: List[Dict[str, Any]] = Field(..., min_items=1)


class ImportError_(ValueError):
    """A file was refused; the message names the file, topic and field."""


def _field_path(loc: tuple) -> str:
    parts: List[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item != "__root__":
            parts.append(str(item))
    return ".".join(parts) or "(record)"


def parse_policy_document(data: Any, filename: str) -> List[TopicRecord]:
    """Validate a loaded YAML document; raise ImportError_ naming file, topic and field."""
    if not isinstance(data, dict):
        raise ImportError_(f"{filename}: expected a mapping with a 'topics' list")
    try:
        document = PolicyFile.parse_obj(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ImportError_(f"{filename}: field '{_field_path(err['loc'])}': {err['msg']}") from exc
    records: List[TopicRecord] = []
    seen: set[str] = set()
    for index, raw in enumerate(document.topics):
        topic_id = raw.get("id") if isinstance(raw, dict) else None
        label = f"topic '{topic_id}'" if topic_id else f"topic #{index + 1}"
        try:
            record = TopicRecord.parse_obj(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"field '{_field_path(e['loc'])}': {e['msg']}" for e in exc.errors()[:5]
            )
            raise ImportError_(f"{filename}: {label}: {problems}") from exc
        if record.id in seen:
            raise ImportError_(f"{filename}: {label}: field 'id': duplicate topic id in file")
        seen.add(record.id)
        records.append(record)
    return records
