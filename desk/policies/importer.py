"""Import policy files into the database: validate everything first, then upsert in one
transaction, so a broken file changes nothing and a good one is applied whole."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.policies import models
from desk.policies.schema import (
    MAX_FILE_BYTES,
    ImportError_,
    TopicRecord,
    field_errors,
    parse_policy_document,
    stored_records,
)

# What a decoder leaves of bytes that were not UTF-8: the admin console's browser reads the file
# as UTF-8 before sending it, so a Latin-1 file arrives with these instead of refusing to decode.
REPLACEMENT_CHARACTER = "\ufffd"


@dataclass
class ImportReport:
    added: List[str] = field(default_factory=list)
    changed: List[str] = field(default_factory=list)
    unchanged: List[str] = field(default_factory=list)

    def lines(self) -> List[str]:
        return [
            f"added ({len(self.added)}): {', '.join(self.added) or '-'}",
            f"changed ({len(self.changed)}): {', '.join(self.changed) or '-'}",
            f"unchanged ({len(self.unchanged)}): {', '.join(self.unchanged) or '-'}",
        ]


def default_author() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user database in some containers
        return os.environ.get("USER", "unknown")


# PyYAML's safe loader in C (libyaml, in the PyYAML wheels) where available: the same documents as
# yaml.safe_load, about ten times faster on an import of thousands of topics.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _dates_as_text(loader: type) -> type:
    """``loader`` keeping timestamps (2024-01-01) as text for the schema to check: PyYAML's
    constructor raised a bare ValueError on 2027-02-30 (a traceback, a 503 on the console);
    the schema refuses it naming the topic and field."""
    kept = type(f"PolicyText{loader.__name__}", (loader,), {})
    kept.add_constructor("tag:yaml.org,2002:timestamp", kept.construct_yaml_str)
    return kept


POLICY_LOADER = _dates_as_text(SAFE_LOADER)
PYTHON_POLICY_LOADER = _dates_as_text(yaml.SafeLoader)


def not_utf8(name: str, line: int) -> ImportError_:
    """The one message for a file that is not UTF-8, from the command line or the console."""
    return ImportError_(f"{name}: not UTF-8 text (line {line}): save the file as UTF-8")


def read_policy_file(path: Path) -> List[TopicRecord]:
    """Parse and validate one YAML file; ImportError_ names the file, topic and field."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ImportError_(f"{name}: file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportError_(f"{name}: cannot read file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise not_utf8(name, raw.count(b"\n", 0, exc.start) + 1) from exc
    if REPLACEMENT_CHARACTER in text:
        raise not_utf8(name, text.count("\n", 0, text.index(REPLACEMENT_CHARACTER)) + 1)
    data = _load_yaml(text, name)
    if "*" in text:
        _refuse_aliases(text, name)
    return parse_policy_document(data, name)


def _load_yaml(text: str, name: str) -> Any:
    """The document, or ImportError_ for text that is not YAML."""
    try:
        return yaml.load(text, Loader=POLICY_LOADER)  # a safe loader (libyaml's when present)
    except yaml.YAMLError as first:
        try:  # the pure-Python loader: errors worded as before, and what libyaml refuses
            return yaml.load(text, Loader=PYTHON_POLICY_LOADER)  # ("\ud800") reaches validation
        except yaml.YAMLError as exc:
            raise ImportError_(f"{name}: not valid YAML: {exc}") from exc
        except RecursionError:  # nesting libyaml refused as too deep overflows the Python one
            raise ImportError_(f"{name}: not valid YAML: {first}") from first


def _refuse_aliases(text: str, name: str) -> None:
    """An alias repeats a node without its bytes (134 KB of ``*a`` stored 235 MB), so the file
    size limit would bound nothing; policy files have no use for them."""
    for loader in (SAFE_LOADER, yaml.SafeLoader):  # the Python parser where libyaml refused the text
        try:
            for event in yaml.parse(text, Loader=loader):
                if isinstance(event, yaml.AliasEvent):
                    raise ImportError_(f"{name}: line {event.start_mark.line + 1}: YAML aliases (*{event.anchor}) "
                                       "are not allowed in policy files; write the text out")
            return
        except yaml.YAMLError:
            continue


def read_policy_files(paths: Iterable[Path]) -> List[tuple[Path, TopicRecord]]:
    """Validate all files before anything is written; a topic id may appear only once."""
    records: List[tuple[Path, TopicRecord]] = []
    owner: Dict[str, Path] = {}
    for path in paths:
        for record in read_policy_file(path):
            if record.id in owner:
                raise ImportError_(
                    f"{path}: topic '{record.id}': field 'id': also defined in {owner[record.id]}"
                )
            owner[record.id] = path
            records.append((path, record))
    return records


def expand_paths(args: Sequence[str]) -> List[Path]:
    """Files as given, directories as their *.yml / *.yaml files in name order."""
    paths: List[Path] = []
    for arg in args:
        path = Path(arg)
        if path.is_dir():
            paths.extend(sorted([*path.glob("*.yml"), *path.glob("*.yaml")]))
        else:
            paths.append(path)
    return paths


FACT_META = ("sources", "checked", "valid_until")
TEXT_FIELDS = ("summary", "eligibility", "where", "duration")


def fact_meta(fact: Any) -> Dict[str, Any] | None:
    """The citation/freshness part of a fact as stored in a ``meta`` JSON column."""
    meta = {k: getattr(fact, k) for k in FACT_META if getattr(fact, k, None) is not None}
    return json.loads(json.dumps(meta, default=str)) or None


def record_from_row(topic: models.Topic) -> TopicRecord:
    """The import-format record of a stored topic (used by export, history and diffing)."""

    def pair(zh: str | None, en: str | None) -> Dict[str, str] | None:
        return {"zh": zh, "en": en} if zh and en else None

    def fact(zh: str | None, en: str | None, meta: Dict[str, Any] | None) -> Dict[str, Any] | None:
        text = pair(zh, en)
        return {**text, **(meta or {})} if text else None

    meta: Dict[str, Any] = topic.meta or {}
    fields: Dict[str, Any] = meta.get("fields") or {}
    data: Dict[str, Any] = {
        "id": topic.id,
        "title": pair(topic.title_zh, topic.title_en),
        "status": topic.status,
        "effective_from": topic.effective_from,
        "checked": meta.get("checked"),
        "valid_until": meta.get("valid_until"),
        **{
            name: fact(getattr(topic, f"{name}_zh"), getattr(topic, f"{name}_en"), fields.get(name))
            for name in TEXT_FIELDS
        },
        "steps": [fact(s.text_zh, s.text_en, s.meta) for s in topic.steps],
        "materials": [
            {
                "zh": m.name_zh,
                "en": m.name_en,
                "required": m.required,
                "note": pair(m.note_zh, m.note_en),
                **(m.meta or {}),
            }
            for m in topic.materials
        ],
        "notes": meta.get("notes") or [],
        "planned": meta.get("planned") or [],
        "contacts": [
            {
                "name": pair(c.name_zh, c.name_en),
                "phone": c.phone,
                "address": pair(c.address_zh, c.address_en),
                "hours": pair(c.hours_zh, c.hours_en),
                "url": c.url,
            }
            for c in topic.contacts
        ],
        "sources": [
            {
                "id": s.key,
                "ref": {"zh": s.ref, "en": s.ref_en} if s.ref_en else s.ref,
                "title": {"zh": s.title, "en": s.title_en or s.title},
                "date": s.date,
                "url": s.url,
            }
            for s in topic.sources
        ],
        "examples": {
            lang: [e.text for e in topic.examples if e.lang == lang] for lang in ("zh", "en")
        },
        "keywords": {
            lang: [k.term for k in topic.keywords if k.lang == lang] for lang in ("zh", "en")
        },
    }
    with stored_records():  # as stored, even under rules added since (schema.stored_records)
        return TopicRecord.parse_obj(data)


def _fill_row(topic: models.Topic, record: TopicRecord) -> None:
    def put(name: str, value: Any) -> None:
        setattr(topic, f"{name}_zh", value.zh if value else None)
        setattr(topic, f"{name}_en", value.en if value else None)

    for name in ("title", "summary", "eligibility", "where", "duration"):
        put(name, getattr(record, name))
    topic.status = record.status
    topic.effective_from = record.effective_from
    plain = json.loads(record.json(include={"checked", "valid_until", "notes", "planned"}, exclude_none=True))
    fields = {name: fact_meta(getattr(record, name)) for name in TEXT_FIELDS if getattr(record, name)}
    topic.meta = {**plain, "fields": {k: v for k, v in fields.items() if v}}
    topic.steps = [
        models.Step(position=i, text_zh=s.zh, text_en=s.en, meta=fact_meta(s))
        for i, s in enumerate(record.steps)
    ]
    topic.materials = [
        models.Material(
            position=i,
            name_zh=m.zh,
            name_en=m.en,
            required=m.required,
            note_zh=m.note.zh if m.note else None,
            note_en=m.note.en if m.note else None,
            meta=fact_meta(m),
        )
        for i, m in enumerate(record.materials)
    ]
    topic.contacts = [
        models.Contact(
            position=i,
            name_zh=c.name.zh,
            name_en=c.name.en,
            phone=c.phone,
            address_zh=c.address.zh if c.address else None,
            address_en=c.address.en if c.address else None,
            hours_zh=c.hours.zh if c.hours else None,
            hours_en=c.hours.en if c.hours else None,
            url=c.url,
        )
        for i, c in enumerate(record.contacts)
    ]
    topic.sources = [
        models.Source(
            position=i, key=s.id, ref=s.ref.zh, ref_en=s.ref.en if s.ref.en != s.ref.zh else None,
            title=s.title.zh, title_en=s.title.en, date=s.date, url=s.url
        )
        for i, s in enumerate(record.sources)
    ]
    topic.examples = [
        models.Example(position=i, lang=lang, text=text)
        for i, (lang, text) in enumerate(
            [("zh", t) for t in record.examples.zh] + [("en", t) for t in record.examples.en]
        )
    ]
    topic.keywords = [
        models.Keyword(position=i, lang=lang, term=term)
        for i, (lang, term) in enumerate(
            [("zh", t) for t in record.keywords.zh] + [("en", t) for t in record.keywords.en]
        )
    ]


def _snapshot(record: TopicRecord) -> Dict[str, Any]:
    return json.loads(record.json(exclude_none=True))


def bump_catalog(session: Session) -> None:
    state = session.get(models.CatalogState, 1)
    if state is None:
        session.add(models.CatalogState(id=1, revision=1))
    else:
        state.revision += 1
        state.updated_at = models.utcnow()


def save_record(
    session: Session, record: TopicRecord, author: str, source_file: str | None, action: str
) -> str:
    """Upsert one record inside the caller's transaction; returns added/changed/unchanged."""
    topic = session.get(models.Topic, record.id)
    if topic is not None and record_from_row(topic).canonical() == record.canonical():
        return "unchanged"
    if topic is None:
        topic = models.Topic(id=record.id, version=1)
        session.add(topic)
        outcome = "added"
    else:
        topic.version += 1
        outcome = "changed"
    _fill_row(topic, record)
    topic.updated_at = models.utcnow()
    session.add(
        models.TopicRevision(
            topic_id=record.id,
            version=topic.version,
            author=author,
            source_file=source_file,
            action=action if outcome == "changed" and action != "import" else outcome,
            snapshot=_snapshot(record),
        )
    )
    return outcome


def import_records(
    session: Session,
    records: Sequence[tuple[Path | None, TopicRecord]],
    author: str | None = None,
) -> ImportReport:
    """Upsert validated records in one transaction (commit or roll back as a whole)."""
    author = author or default_author()
    report = ImportReport()
    try:
        for path, record in records:
            outcome = save_record(session, record, author, str(path) if path else None, "import")
            getattr(report, outcome).append(record.id)
        if report.added or report.changed:
            bump_catalog(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return report


def import_paths(session: Session, args: Sequence[str], author: str | None = None) -> ImportReport:
    paths = expand_paths(args)
    if not paths:
        raise ImportError_(f"no policy files found in: {', '.join(args)}")
    return import_records(session, read_policy_files(paths), author)


def all_records(session: Session) -> List[TopicRecord]:
    topics = session.scalars(select(models.Topic).order_by(models.Topic.id)).all()
    return [record_from_row(t) for t in topics]


def history(session: Session, topic_id: str) -> List[models.TopicRevision]:
    """Every stored version of a topic, oldest first."""
    return list(
        session.scalars(
            select(models.TopicRevision)
            .where(models.TopicRevision.topic_id == topic_id)
            .order_by(models.TopicRevision.version)
        )
    )


def revert(session: Session, topic_id: str, version: int, author: str | None = None) -> str:
    """Make a past version current again (as a new version, so history only grows)."""
    revision = session.scalars(
        select(models.TopicRevision).where(
            models.TopicRevision.topic_id == topic_id, models.TopicRevision.version == version
        )
    ).one_or_none()
    if revision is None:
        raise ImportError_(f"topic '{topic_id}' has no version {version}")
    try:  # an old version must meet today's rules to become current again
        record = TopicRecord.parse_obj(revision.snapshot)
    except ValidationError as exc:
        raise ImportError_(f"topic '{topic_id}': version {version} breaks today's rules, so it cannot be "
                           f"restored: {field_errors(exc)}") from exc
    try:
        outcome = save_record(session, record, author or default_author(), f"revert to v{version}", "reverted")
        if outcome != "unchanged":
            bump_catalog(session)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return outcome
