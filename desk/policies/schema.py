"""Validation of the policy import format (CONTRACT.md) with pydantic.

A record that breaks the schema is refused with a message naming the topic and the field, so
an admin can fix the file; nothing is written before every record in a file has passed.
"""

from __future__ import annotations

import datetime as dt
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Union
from urllib.parse import urlsplit

from pydantic import BaseModel, Extra, Field, ValidationError, root_validator, validator

TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
RESERVED_IDS = {"aspect", "general", "none", "null"}
STATUSES = ("in_force", "planned", "superseded")
SOURCE_ID = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
PARTIAL_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
FULL_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")  # as YAML writes a date (2024-1-5 too)
LISTS = ("steps", "materials", "notes", "planned", "contacts", "sources")  # a topic's lists of entries
ASPECTS = ("overview", "eligibility", "where", "duration", "procedure", "materials")
LINK_SCHEMES = ("http", "https")

# ---------------------------------------------------------------- limits (all of them, here)
# Generous for hand-written records (the largest in data/policies: 38 examples and 36 keywords
# per language, examples of 145 characters and keywords of 47, texts of 1,262 characters, 24
# sources): they stop a file that would bloat the database, the training data and every page
# listing topics (one topic with 100,000 examples made /admin/api/topics take 4 s).
MAX_FILE_BYTES = 5 * 1024 * 1024  # one import file
MAX_TEXT = 4000  # characters of one text: a summary, a step, a material, a note...
MAX_TITLE = 200  # characters of a topic's title (shown in lists)
MAX_REF = 300  # characters of a source's publisher or document number
MAX_URL = 500  # characters of a link
MAX_PHONE = 100  # characters of a contact's phone
MAX_ITEMS = 100  # entries of each list of a topic: steps, materials, notes, planned, contacts, sources
MAX_EXAMPLES = 500  # examples per language (review accepts add to them over time)
MAX_EXAMPLE_CHARS = 500  # characters of one example (a question)
MAX_KEYWORDS = 200  # keywords per language
MAX_KEYWORD_CHARS = 100  # characters of one keyword (a term, not a sentence)


SURROGATE = re.compile(r"[\ud800-\udfff]")
# What an HTML parser takes for the start of markup: "<" before a letter (a tag), "/" (an end
# tag), "!" (a comment, a doctype) or "?"; a "<" before a space or a digit ("a < b", "<3") is text.
MARKUP = re.compile(r"<[A-Za-z/!?][^<>]{0,40}>?")

# Set while a record the database already holds is read back (see ``stored_records``).
_READING_STORED = ContextVar("reading_stored_policy_records", default=False)


@contextmanager
def stored_records() -> Iterator[None]:
    """Read records the database already holds without the rules added since they were stored
    (plain text, http(s) links, size limits): a database filled under older rules must still
    list, export and take the file that fixes it. Everything coming in (an import, a revert to
    an old version) meets every rule."""
    token = _READING_STORED.set(True)
    try:
        yield
    finally:
        _READING_STORED.reset(token)


def _incoming() -> bool:
    """Whether the record being validated comes in (an import, a revert), not from the database."""
    return not _READING_STORED.get()


def _texts(value: Any) -> List[str]:
    """The texts of a field: a text or a list's texts (nested records check their own fields,
    so an error names the innermost field)."""
    items = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else []
    return [t for t in items if isinstance(t, str)]


def _has_surrogate(value: Any) -> bool:
    return any(SURROGATE.search(t) for t in _texts(value))


def _markup(value: Any) -> Optional[str]:
    """The first HTML markup in a text or a list of texts, if any."""
    found = next((m for m in map(MARKUP.search, _texts(value)) if m), None)
    return found.group(0) if found else None


def _at_most(limit: int, per: str) -> Any:
    """A pre-validator refusing a list of more than ``limit`` entries before any is validated."""

    def check(cls: Any, value: Any) -> Any:  # noqa: ARG001 - pydantic passes the class
        if _incoming() and isinstance(value, (list, tuple)) and len(value) > limit:
            raise ValueError(f"has {len(value)} entries: at most {limit} per {per}")
        return value

    return check


def _real_date(cls: Any, value: Any) -> Any:  # noqa: ARG001 - pydantic passes the class
    """A date, refused by field name when impossible: the importer's YAML loader keeps
    timestamps as text, since PyYAML's own constructor crashed on 2027-02-30. A number is no
    date (pydantic would read 2024 as seconds since 1970)."""
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    text = value.strip() if isinstance(value, str) else ""
    if not FULL_DATE.match(text):
        raise ValueError("must be a date: YYYY-MM-DD")
    try:
        return dt.date(*(int(part) for part in text.split("-")))
    except ValueError:
        raise ValueError(f"'{text}' is not a valid date (YYYY-MM-DD)") from None


def _web_link(cls: Any, value: Optional[str]) -> Optional[str]:  # noqa: ARG001 - pydantic passes the class
    """Links are shown to the public as links: http(s) to a host only (no javascript:, data:)."""
    if value is None or not _incoming():
        return value
    parts = urlsplit(value)
    if parts.scheme.lower() not in LINK_SCHEMES or not parts.netloc or re.search(r"[\s\x00-\x1f\x7f]", value):
        raise ValueError("must be an http:// or https:// link (or null)")
    return value


class Strict(BaseModel):
    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True

    @validator("*", pre=True)
    def real_text(cls, value: Any) -> Any:  # noqa: N805 - pydantic validator
        """A lone surrogate ("\\ud800" in YAML) is no character: no database can store it."""
        if _has_surrogate(value):
            raise ValueError("contains a lone surrogate (an escape such as \\ud800 that is no character)")
        return value

    @validator("*", pre=True)
    def no_markup(cls, value: Any) -> Any:  # noqa: N805 - pydantic validator
        """Policy texts reach the public as written (pages, WeChat, the hotline): a tag in them
        is either shown as code or, somewhere that renders HTML, run."""
        tag = _markup(value) if _incoming() else None
        if tag:
            raise ValueError(f"contains HTML markup ('{tag}'): policy texts are plain text "
                             "(a '<' before a space or a digit, as in 'a < b', is fine)")
        return value


class Bilingual(Strict):
    zh: str = Field(..., min_length=1, max_length=MAX_TEXT)
    en: str = Field(..., min_length=1, max_length=MAX_TEXT)

    @validator("zh", "en")
    def filled_in(cls, value: str) -> str:  # noqa: N805
        if value.strip().upper().startswith("TODO"):
            raise ValueError("is a draft placeholder (TODO): fill it in before importing")
        return value


class Title(Bilingual):
    """A topic's title: listed in topic menus and the console, so a line rather than a text."""

    @validator("zh", "en")
    def short(cls, value: str) -> str:  # noqa: N805
        if _incoming() and len(value) > MAX_TITLE:
            raise ValueError(f"must be at most {MAX_TITLE} characters")
        return value


class Fact(Bilingual):
    """A text that states something: it may name the record's sources it comes from (by
    their ``id``) and when it was last checked / until when it holds; record-level
    ``checked`` and ``valid_until`` are the defaults."""

    sources: Optional[List[str]] = None
    checked: Optional[dt.date] = None
    valid_until: Optional[dt.date] = None

    _dates = validator("checked", "valid_until", pre=True, allow_reuse=True)(_real_date)


class Material(Fact):
    required: bool = True
    note: Optional[Bilingual] = None


class Note(Fact):
    """A further fact shown with one aspect of the answer, or with each of a list of them
    (e.g. a time-limited measure that needs its own end date; where to extend a stay, which
    belongs to the conditions, the place and the time alike)."""

    aspect: Union[str, List[str]] = "overview"

    @validator("aspect")
    def known_aspect(cls, value: Union[str, List[str]]) -> Union[str, List[str]]:  # noqa: N805
        if not value or any(a not in ASPECTS for a in ([value] if isinstance(value, str) else value)):
            raise ValueError(f"must be one of {', '.join(ASPECTS)}, or a list of them")
        return value


class PlannedMeasure(Strict):
    """A measure an in-force record mentions that is only planned (e.g. the science-talent
    residence permit): wherever a question names it, the answer carries its own warning."""

    id: str = Field(..., regex=r"^[a-z][a-z0-9_]{0,47}$")
    name: Bilingual
    note: Bilingual
    keywords: "Keywords"
    sources: Optional[List[str]] = None


class Contact(Strict):
    name: Bilingual
    phone: Optional[str] = Field(None, max_length=MAX_PHONE)
    address: Optional[Bilingual] = None
    hours: Optional[Bilingual] = None
    url: Optional[str] = Field(None, max_length=MAX_URL)

    _link = validator("url", allow_reuse=True)(_web_link)


class Source(Strict):
    """A document a record's facts come from. ``ref`` (publisher or document number) and
    ``title`` are bilingual (a plain string is still accepted and used for both languages: an
    English reply names a Chinese publisher in English); ``date`` may be partial (2015, 2024-12)
    when the document gives no day; ``id`` is short and unique within the record (s1, s2,
    ... by position when not given)."""

    id: Optional[str] = None
    ref: Bilingual
    title: Bilingual
    date: Optional[str] = None
    url: Optional[str] = Field(None, max_length=MAX_URL)

    _link = validator("url", allow_reuse=True)(_web_link)

    @validator("id")
    def valid_id(cls, value: Optional[str]) -> Optional[str]:  # noqa: N805
        if value is not None and not SOURCE_ID.match(value):
            raise ValueError("must be short: a-z, 0-9, _ or -, starting with a letter (e.g. s1)")
        return value

    @validator("ref", "title", pre=True)
    def plain_text(cls, value: Any) -> Any:  # noqa: N805
        if isinstance(value, str):  # the old format: one text for both languages
            return {"zh": value, "en": value}
        return value

    @validator("ref")
    def short_ref(cls, value: Bilingual) -> Bilingual:  # noqa: N805
        if max(len(value.zh), len(value.en)) > MAX_REF:
            raise ValueError(f"must be at most {MAX_REF} characters (a publisher or document number)")
        return value

    @validator("date", pre=True)
    def valid_date(cls, value: Any) -> Optional[str]:  # noqa: N805
        if value is None:
            return None
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value).strip()
        if not PARTIAL_DATE.match(text):
            raise ValueError("must be a date: YYYY-MM-DD, or YYYY-MM / YYYY when the day is not known")
        parts = [int(p) for p in text.split("-")] + [1, 1]
        try:
            dt.date(parts[0], parts[1], parts[2])
        except ValueError:
            raise ValueError(f"'{text}' is not a valid date") from None
        return text


class LangLists(Strict):
    """Short texts per language; each kind (examples, keywords) has its own limits."""

    max_items: ClassVar[int]
    max_chars: ClassVar[int]

    zh: List[str] = Field(default_factory=list)
    en: List[str] = Field(default_factory=list)

    @validator("zh", "en", pre=True)
    def not_too_many(cls, value: Any) -> Any:  # noqa: N805 - pydantic validator
        """Counted before each entry is validated: 100,000 of them are refused at once."""
        return _at_most(cls.max_items, "language")(cls, value)

    @validator("zh", "en", each_item=True)
    def non_empty(cls, value: str) -> str:  # noqa: N805 - pydantic validator
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a non-empty string")
        if _incoming() and len(value.strip()) > cls.max_chars:
            raise ValueError(f"must be at most {cls.max_chars} characters")
        return value.strip()


class Examples(LangLists):
    """Questions users ask (training data)."""

    max_items: ClassVar[int] = MAX_EXAMPLES
    max_chars: ClassVar[int] = MAX_EXAMPLE_CHARS


class Keywords(LangLists):
    """Terms and synonyms (the jieba dictionary, entity synonyms)."""

    max_items: ClassVar[int] = MAX_KEYWORDS
    max_chars: ClassVar[int] = MAX_KEYWORD_CHARS


class TopicRecord(Strict):
    """One topic as admins write it; the unit of import, history and revert."""

    id: str
    title: Title
    status: str = "in_force"
    effective_from: Optional[dt.date] = None
    checked: Optional[dt.date] = None  # default for every fact of the record
    valid_until: Optional[dt.date] = None
    summary: Fact
    eligibility: Optional[Fact] = None
    where: Optional[Fact] = None
    duration: Optional[Fact] = None
    steps: List[Fact] = Field(default_factory=list)
    materials: List[Material] = Field(default_factory=list)
    notes: List[Note] = Field(default_factory=list)
    planned: List[PlannedMeasure] = Field(default_factory=list)
    contacts: List[Contact] = Field(default_factory=list)
    sources: List[Source] = Field(..., min_items=1)
    examples: Examples = Field(default_factory=Examples)
    keywords: Keywords = Field(default_factory=Keywords)

    _dates = validator("effective_from", "checked", "valid_until", pre=True, allow_reuse=True)(_real_date)
    _lists = validator(*LISTS, pre=True, allow_reuse=True)(_at_most(MAX_ITEMS, "topic"))

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

    @root_validator(skip_on_failure=True)
    def cited_sources_exist(cls, values: Dict[str, Any]) -> Dict[str, Any]:  # noqa: N805
        """Give unnamed sources their positional id, then check every cited id exists."""
        sources: List[Source] = values.get("sources") or []
        for index, source in enumerate(sources, 1):
            if source.id is None:
                source.id = f"s{index}"
        ids = [s.id for s in sources]
        duplicate = next((i for i in ids if ids.count(i) > 1), None)
        if duplicate:
            raise ValueError(f"sources: id '{duplicate}' is used twice")
        for name, item in _cited(values):
            unknown = [i for i in (item.sources or []) if i not in ids]
            if unknown:
                raise ValueError(f"{name}: cites unknown source id(s) {', '.join(unknown)}")
        return values

    def facts(self) -> List[tuple[str, "Fact | PlannedMeasure"]]:
        """Every fact of the record with its field path (for reports)."""
        return _cited(self.__dict__)

    def canonical(self) -> Dict[str, Any]:
        """A plain dict that compares equal exactly when two records say the same thing."""
        return self.dict(exclude_none=True)


def _cited(values: Dict[str, Any]) -> List[tuple[str, Any]]:
    items: List[tuple[str, Any]] = []
    for name in ("summary", "eligibility", "where", "duration"):
        if values.get(name) is not None:
            items.append((name, values[name]))
    for name in ("steps", "materials", "notes", "planned"):
        items.extend((f"{name}[{i}]", item) for i, item in enumerate(values.get(name) or []))
    return items


PlannedMeasure.update_forward_refs(Keywords=Keywords)


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


def field_errors(exc: ValidationError, most: int = 5) -> str:
    """The first ``most`` problems as "field 'a.b[0]': message; ..." (the console lists them)."""
    return "; ".join(f"field '{_field_path(e['loc'])}': {e['msg']}" for e in exc.errors()[:most])


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
            raise ImportError_(f"{filename}: {label}: {field_errors(exc)}") from exc
        if record.id in seen:
            raise ImportError_(f"{filename}: {label}: field 'id': duplicate topic id in file")
        seen.add(record.id)
        records.append(record)
    return records
