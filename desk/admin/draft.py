"""`desk draft FILE.txt`: turn a policy document in the style of the seed reply (numbered
sections "一、关于……", "二、……") into a draft import file for an admin to complete.

One candidate topic per section: an existing topic ID when the section mentions that
topic's keywords most, else a new ``draft_<n>`` ID; the summary is the section's opening;
the source (document number, title, date) comes from the document header; example questions
are proposed from the section's key terms. English fields are left as ``TODO`` placeholders,
which the importer refuses, so an unfinished draft cannot go live by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from desk.nlu.keywords import KeywordMatcher

NUMERALS = "一二三四五六七八九十"
SECTION = re.compile(rf"^\s*([{NUMERALS}]{{1,3}})、(.*)$")
REF = re.compile(r"([\u4e00-\u9fff]{1,8}〔\d{4}〕\s*\d+\s*号)")
DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
TITLE = re.compile(r"^\s*(对.*的答复|关于.*的(?:通知|意见|办法|答复|规定))\s*$")
NOISE = re.compile(r"^\s*(-\s*\d+\s*-|（此页无正文）)\s*$")
PLANNED = re.compile(r"探索|将在|将继续|下一步|争取|计划")
DONE = re.compile(r"已|了|目前|实施以来")
TODO = "TODO"
SUMMARY_CHARS = 300


@dataclass
class Section:
    number: str
    heading: str
    body: str


@dataclass
class Document:
    ref: Optional[str]
    title: Optional[str]
    date: Optional[dt.date]
    sections: List[Section] = field(default_factory=list)


def _clean_lines(text: str) -> List[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip() and not NOISE.match(line)]


def _join(lines: Sequence[str]) -> str:
    """Undo the hard line breaks of a PDF-to-text conversion inside Chinese sentences."""
    return re.sub(r"\s+", "", "".join(lines))


def parse_document(text: str) -> Document:
    lines = _clean_lines(text)
    ref = next((m.group(1).replace(" ", "") for m in map(REF.search, lines) if m), None)
    title_lines: List[str] = []
    for index, line in enumerate(lines):
        if line.strip().startswith("对") and ("答复" in line or (index + 1 < len(lines) and "答复" in lines[index + 1])):
            title_lines = [line.strip()] + ([lines[index + 1].strip()] if "答复" not in line else [])
            break
    title = _join(title_lines) or None
    dates = [dt.date(int(y), int(m), int(d)) for y, m, d in DATE.findall(text)]
    document = Document(ref=ref, title=title, date=dates[-1] if dates else None)
    current: Optional[Tuple[str, List[str], List[str]]] = None
    heading_open = False
    for line in lines:
        match = SECTION.match(line)
        if match:
            if current:
                document.sections.append(Section(current[0], _join(current[1]), _join(current[2])))
            current = (match.group(1), [match.group(2)], [])
            heading_open = not match.group(2).rstrip().endswith(("”", "\""))
            continue
        if current is None:
            continue
        if heading_open:
            current[1].append(line)
            heading_open = not line.rstrip().endswith(("”", "\""))
        elif DATE.search(line) and len(line.strip()) < 20:
            break  # the signature block
        else:
            current[2].append(line)
    if current:
        document.sections.append(Section(current[0], _join(current[1]), _join(current[2])))
    for section in document.sections:
        section.body = section.body.split("总之")[0]
    return document


def _heading_title(heading: str) -> str:
    inner = re.sub(r"^关于", "", heading).strip("“”\"")
    return inner[:60]


def _key_terms(text: str, common: set, count: int = 6) -> List[str]:
    """The section's most specific terms: words frequent in the whole document (人才, 浦东,
    政策 …) say nothing about a section."""
    import jieba.analyse

    tags = jieba.analyse.extract_tags(text, topK=count * 3)
    return [t for t in tags if len(t) >= 2 and t not in common][:count]


def _common_terms(sections: Sequence[Section]) -> set:
    import jieba

    seen: Counter = Counter()
    for section in sections:
        seen.update({w for w in jieba.cut(section.body) if len(w) >= 2})
    return {w for w, n in seen.items() if n >= max(2, len(sections) // 2)}


def match_topics(body: str, matcher: KeywordMatcher) -> List[Tuple[str, int]]:
    hits = Counter(h.value for h in matcher.find(body) if h.kind == "topic")
    return hits.most_common()


def draft_records(document: Document, topic_keywords: Dict[str, List[str]]) -> List[Tuple[Dict, List[Tuple[str, int]]]]:
    matcher = KeywordMatcher({f"topic:{t}": terms for t, terms in topic_keywords.items()})
    common = _common_terms(document.sections)
    drafts = []
    for index, section in enumerate(document.sections, 1):
        matches = match_topics(section.heading + section.body, matcher)
        topic_id = matches[0][0] if matches else f"draft_{index}"
        title = _heading_title(section.heading)
        terms = _key_terms(section.heading + section.body, common)
        record = {
            "id": topic_id,
            "title": {"zh": title, "en": TODO},
            "status": "planned" if PLANNED.search(section.body) and not DONE.search(section.body) else "in_force",
            "summary": {"zh": section.body[:SUMMARY_CHARS], "en": TODO},
            "sources": [
                {"ref": document.ref or TODO, "title": document.title or TODO, "date": document.date, "url": None}
            ],
            "examples": {
                "zh": [f"{t}是什么" for t in terms[:2]] + [f"{t}怎么办理" for t in terms[2:4]] + [f"{t}需要什么材料" for t in terms[4:5]],
                "en": [],
            },
            "keywords": {"zh": terms, "en": []},
        }
        drafts.append((record, matches))
    return drafts


def render(document: Document, drafts: List[Tuple[Dict, List[Tuple[str, int]]]]) -> str:
    out = [
        f"# Draft generated by `desk draft` from {document.ref or 'a policy document'} ({document.date}).",
        "# Review every field, fill in the TODO placeholders (English texts), check the status",
        "# and the proposed topic IDs, then `desk policy import` this file.",
        "topics:",
    ]
    for record, matches in drafts:
        also = ", ".join(f"{t} ({n})" for t, n in matches[1:4])
        out.append(f"  # section proposes topic '{record['id']}'" + (f"; also mentions: {also}" if also else ""))
        body = yaml.safe_dump([record], allow_unicode=True, sort_keys=False, width=100)
        out.extend("  " + line for line in body.rstrip().splitlines())
    return "\n".join(out) + "\n"


def draft(text: str, topic_keywords: Dict[str, List[str]]) -> str:
    document = parse_document(text)
    return render(document, draft_records(document, topic_keywords))
