"""New coverage: what a new or widened topic takes over from "out of scope".

Adding a topic is usually done *because* users asked about something the desk refused. Two
things then stand in its way, and this module handles both:

- the hand-written out-of-scope training examples (data/nlu/out_of_scope.yml) that are about
  the new subject would teach the classifier the opposite of the new topic: an import
  records the examples an added or changed topic's keywords or title newly match, says
  which, and the generation step leaves them out;
- the publish gate's held-out questions labelled out of scope that the candidate now answers
  with the new (or widened) topic are not a regression but the point of the change: they are
  listed as "newly covered" for the admin to confirm, and once confirmed they count as that
  topic's questions in every later gate (table ``coverage_acceptances``).
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from desk import settings
from desk.policies import models
from desk.policies.importer import read_policy_file
from desk.policies.schema import TopicRecord

NLU_DIR = settings.PROJECT_ROOT / "data" / "nlu"
OUT_OF_SCOPE = NLU_DIR / "out_of_scope.yml"
OUT_OF_SCOPE_INTENT = "out_of_scope"
SHIPPED_POLICIES = settings.PROJECT_ROOT / "data" / "policies"


def hand_written_nlu_files() -> List[Path]:
    """The hand-written NLU files trained as they are (out_of_scope.yml goes through
    ``write_filtered_out_of_scope`` into the build directory instead)."""
    return [p for p in sorted(NLU_DIR.glob("*.yml")) if p.name != OUT_OF_SCOPE.name]


def _terms(record: TopicRecord) -> List[str]:
    terms = [*record.keywords.zh, *record.keywords.en, record.title.zh, record.title.en]
    return [t.strip().lower() for t in terms if t and len(t.strip()) >= 2]


def matcher(record: TopicRecord) -> Callable[[str], Optional[str]]:
    """A function giving the first of the topic's keywords (or title) a text contains:
    Chinese terms anywhere, Latin ones on word boundaries ("pr" is not in "process")."""
    latin = [t for t in _terms(record) if t.isascii()]
    other = [t for t in _terms(record) if not t.isascii()]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(t) for t in latin) + r")\b") if latin else None

    def match(text: str) -> Optional[str]:
        lowered = text.lower()
        hit = next((t for t in other if t in lowered), None)
        if hit:
            return hit
        found = pattern.search(lowered) if pattern else None
        return found.group(0) if found else None

    return match


def _oos_document(path: Path = OUT_OF_SCOPE) -> Dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _block_texts(block: Dict[str, Any]) -> List[str]:
    items = block.get("examples") or []
    if isinstance(items, str):
        return [ln.strip()[2:].strip() for ln in items.splitlines() if ln.strip().startswith("- ")]
    return [str(item["text"]).strip() for item in items]


# The parsed examples of one version of the file (path, mtime, size): an import compares every
# topic with all of them, and parsing the file per topic made a 3,000-topic import take minutes.
_parsed: Dict[Tuple[str, int, int], List[str]] = {}


def out_of_scope_examples(path: Path = OUT_OF_SCOPE) -> List[str]:
    stat = path.stat()
    version = (str(path), stat.st_mtime_ns, stat.st_size)
    if version not in _parsed:
        _parsed.clear()
        _parsed[version] = [
            text
            for block in _oos_document(path).get("nlu", []) or []
            if block.get("intent") == OUT_OF_SCOPE_INTENT
            for text in _block_texts(block)
        ]
    return list(_parsed[version])


def overlapping_examples(records: Sequence[TopicRecord], path: Path = OUT_OF_SCOPE) -> Dict[str, List[str]]:
    """Out-of-scope training examples that mention one of the topics, per topic."""
    examples = out_of_scope_examples(path)
    everything = "\n".join(examples)  # one search rules out a topic that matches none (most do)
    found: Dict[str, List[str]] = {}
    for record in records:
        match = matcher(record)
        if not match(everything):
            continue
        hits = [text for text in examples if match(text)]
        if hits:
            found[record.id] = hits
    return found


def newly_overlapping(old: Optional[TopicRecord], new: TopicRecord, path: Path = OUT_OF_SCOPE) -> List[str]:
    """Out-of-scope examples the new or changed topic takes over: matched by its keywords
    now and not before. (The shipped topics keep their hard negatives — "canadian pr
    express entry" stays out of scope next to permanent_residence — because only what an
    import adds counts.)"""
    now = overlapping_examples([new], path).get(new.id, [])
    before = set(overlapping_examples([old], path).get(old.id, [])) if old else set()
    return [text for text in now if text not in before]


def shipped_record(topic_id: str, directory: Path = SHIPPED_POLICIES) -> Optional[TopicRecord]:
    """The repository's own record of a topic: the hand-written out-of-scope examples were
    written next to it, so what its keywords match are hard negatives, not examples it takes
    over ("canadian pr express entry" next to permanent_residence)."""
    path = directory / f"{topic_id}.yml"
    if not path.is_file():
        return None
    return next((r for r in read_policy_file(path) if r.id == topic_id), None)


def record_exclusions(session: Session, before: Dict[str, TopicRecord], after: Sequence[TopicRecord],
                      author: str) -> Dict[str, List[str]]:
    """After an import: keep (table ``training_exclusions``) the out-of-scope examples the
    added or changed topics take over, so every later generation leaves them out. A topic the
    database did not have yet is compared with the repository's own record of it, so importing
    data/policies into an empty database (the test model, `desk policy import` on a new
    machine) keeps the hard negatives exactly as seeding does."""
    found: Dict[str, List[str]] = {}
    for record in after:
        texts = newly_overlapping(before.get(record.id) or shipped_record(record.id), record)
        for text in texts:
            if session.get(models.TrainingExclusion, text) is None:
                session.add(models.TrainingExclusion(example=text, topic=record.id, excluded_by=author))
        if texts:
            found[record.id] = texts
    session.commit()
    return found


def exclusions(session: Session) -> Dict[str, str]:
    """Out-of-scope example -> the topic that took it over."""
    return {row.example: row.topic for row in session.scalars(select(models.TrainingExclusion))}


def write_filtered_out_of_scope(excluded: Dict[str, str], data_dir: Path,
                                path: Path = OUT_OF_SCOPE) -> Dict[str, List[str]]:
    """Write out_of_scope.yml without the excluded examples; return those left out, per topic."""
    document = _oos_document(path)
    left_out: Dict[str, List[str]] = {}
    for block in document.get("nlu", []) or []:
        if block.get("intent") == OUT_OF_SCOPE_INTENT:
            texts = _block_texts(block)
            for text in texts:
                if text in excluded:
                    left_out.setdefault(excluded[text], []).append(text)
            block["examples"] = "".join(f"- {t}\n" for t in texts if t not in excluded)
    header = "# generated by `desk data generate` from data/nlu/out_of_scope.yml without the examples"
    header += " imported topics took over; do not edit\n"
    body = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=1000)
    (data_dir / OUT_OF_SCOPE.name).write_text(header + body, encoding="utf-8")
    return left_out


# ---------------------------------------------------------------- the gate


def topic_fingerprints(records: Iterable[TopicRecord]) -> Dict[str, str]:
    """Per topic, a hash of what decides which questions it takes: examples and keywords."""
    return {
        r.id: hashlib.sha256(
            json.dumps([r.examples.dict(), r.keywords.dict(), r.title.dict()], ensure_ascii=False,
                       sort_keys=True).encode()
        ).hexdigest()[:16]
        for r in records
    }


def widened_topics(records: Sequence[TopicRecord], live: Optional[Dict[str, str]]) -> List[str]:
    """Topics that are new or take new questions since the live model: their fingerprint
    differs from the one recorded when the live model was published. Without a record (a
    model published before fingerprints were kept) no topic counts as widened."""
    if live is None:
        return []
    current = topic_fingerprints(records)
    return sorted(t for t, fp in current.items() if live.get(t) != fp)


def accepted(session: Session) -> Dict[str, str]:
    """Held-out question text -> the topic an admin confirmed now covers it."""
    rows = session.scalars(select(models.CoverageAcceptance))
    return {row.question: row.topic for row in rows}


def relabel(questions: List[dict], confirmed: Dict[str, str]) -> List[dict]:
    """The held-out questions with the confirmed coverage applied (out of scope -> topic)."""
    return [
        {**q, "topic": confirmed[q["text"]], "aspect": None}
        if q["topic"] is None and q["text"] in confirmed else q
        for q in questions
    ]


def newly_covered(questions: List[dict], predict: Callable[[str], Any], widened: Sequence[str]) -> List[dict]:
    """Questions labelled out of scope that the candidate answers with a widened topic.
    (An out-of-scope question answered with any other topic stays a regression.)"""
    found = []
    for q in questions:
        if q["topic"] is None and widened:
            topic = predict(q["text"])[0]
            if topic in widened:
                found.append({"text": q["text"], "lang": q.get("lang"), "topic": topic})
    return found


def confirm(session: Session, covered: Sequence[dict], author: str) -> None:
    """Record that these held-out questions are now in scope of their topics."""
    for item in covered:
        row = session.get(models.CoverageAcceptance, item["text"])
        if row is None:
            session.add(models.CoverageAcceptance(question=item["text"], topic=item["topic"], accepted_by=author))
        else:
            row.topic, row.accepted_by = item["topic"], author
    session.commit()
