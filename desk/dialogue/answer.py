"""The answer object: what the desk says in one turn, composed once from the turn's stored
decision (topic, aspect, language, planned measures named, hand-off, phrases) and the
policy repository, then rendered per channel (desk.dialogue.render) without re-composing
or parsing text.

Why from the decision and not stored whole: the ``desk`` payload of a bot turn is kept in
the tracker, which Rasa re-reads every turn (see desk.dialogue.structured), so it holds only
the decision; every channel calls ``compose_answer`` on it, the one composition function.

Shape (JSON, every key always present)::

    {"kind": "answer" | "message", "language": "zh" | "en", "topic": id | null,
     "aspect": id | null, "heading": str | null, "status": "in_force" | ... | null,
     "warnings": [str], "paragraphs": [str],
     "items": [Fact], "steps": [Fact], "materials": [Fact + {"required", "flag", "note"}],
     "missing": str | null, "contacts_intro": str | null,
     "contacts": [{"name", "phone", "address", "hours", "url", "line"}],
     "sources": [{"id", "ref", "title", "date", "url", "line"}],
     "compared": [topic ids],
     "labels": {"source", "contacts", "required", "optional"}}

    Fact = {"text", "sources": [source ids], "until": date | null, "ended": bool,
            "ended_warning": str | null, "note": bool (only on a record's note: shown last)}

``sources`` are exactly the sources of the facts shown (and of the planned-measure
warnings), in the record's order, titled in the reply language.

A question that compares topics ("R visa or port visa, which is faster?",
desk.dialogue.comparison) gets one object for all of them: ``compared`` names the others, and
each topic's part is a fact of ``items`` opening with its title, so every channel renders it
as it renders any answer.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any, Dict, Iterable, List, Optional, Sequence

from desk.dialogue import texts
from desk.dialogue.understanding import CONTACT_TOPIC
from desk.policies.published import advertised_titles
from desk.policies.repository import ContactView, PolicyRepository, SourceView, TopicView

ASPECT_FIELDS = ("eligibility", "where", "duration")
# The facts that state a fee (or its waiver), by the reply's language: what a question about the
# cost is answered with (desk.dialogue.aspect_cues.fees_asked), found in whichever field holds it.
FEE_FACT = {
    "zh": re.compile(r"收费|收費|缴费|繳費|免收|费用|費用|免费|免費|签证费|簽證費|申请费|申請費|证件费|證件費|工本费|工本費|"
                     r"加急费|加急費|手续费|手續費"),
    "en": re.compile(r"\b(fees?|waived|free of charge)\b|(?<!visa[- ])\bfree\b", re.IGNORECASE),
}
# The facts that state an opening time ("9:00–17:00", "24 hours", "24/7"): a question about the
# hours (desk.dialogue.aspect_cues.opening_hours_asked) is told whether any are known.
HOURS_FACT = re.compile(r"\d{1,2}[:：]\d{2}|24\s*(小时|小時|hours?\b)|24/7", re.IGNORECASE)
MAX_HANDOFF_CONTACTS = 4
# A refusal points to where the question can be asked instead: the contact topic's first number,
# the 12345 citizen hotline (a bank, a school, a driving licence are the city's, not the desk's).
ELSEWHERE_KEY = "out_of_scope_elsewhere"
ELSEWHERE_CONTACTS = 1
TODAY_ENV = "DESK_TODAY"  # tests and spot checks pin "today" (ISO date); unset: the real date

DEFAULT_CONTACTS = (
    ContactView(name={"zh": "上海市民服务热线", "en": "Shanghai citizen service hotline"},
                phone="12345", address=None, hours=None, url=None),
    ContactView(name={"zh": "国家移民管理机构服务平台", "en": "National Immigration Administration service platform"},
                phone="12367", address=None, hours=None, url=None),
    ContactView(name={"zh": "人力资源和社会保障服务热线", "en": "Human resources and social security hotline"},
                phone="12333", address=None, hours=None, url=None),
)


def today() -> dt.date:
    pinned = os.environ.get(TODAY_ENV, "").strip()
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            pass
    return dt.date.today()


def handoff_contacts(repo: PolicyRepository) -> List[ContactView]:
    """Whom a user is sent to: the contact topic's numbers in its order (12345, 12367,
    12333 first), or the three public hotlines when the database has none."""
    topic = repo.get(CONTACT_TOPIC)
    contacts = [c for c in (topic.contacts if topic else ()) if c.phone]
    return contacts or list(DEFAULT_CONTACTS)


def contact_line(contact: ContactView, lang: str) -> str:
    parts = [contact.name[lang]]
    if contact.phone:
        parts.append(texts.label("tel", lang) + contact.phone)
    if contact.address:
        parts.append(contact.address[lang])
    if contact.hours:
        parts.append(contact.hours[lang])
    if contact.url:
        parts.append(contact.url)
    return texts.label("comma", lang).join(parts)


def contact_object(contact: ContactView, lang: str) -> Dict[str, Any]:
    return {
        "name": contact.name[lang],
        "phone": contact.phone,
        "address": contact.address[lang] if contact.address else None,
        "hours": contact.hours[lang] if contact.hours else None,
        "url": contact.url,
        "line": contact_line(contact, lang),
    }


def _office(contact: ContactView, lang: str) -> str:
    """A contact's name, with its number unless the name already says it."""
    name = contact.name[lang]
    if contact.phone and contact.phone not in name:
        return f"{name} ({contact.phone})" if lang == "en" else f"{name}（{contact.phone}）"
    return name


def source_line(source: SourceView, lang: str) -> str:
    """zh: ref《中文标题》（日期）; en: “English title” (English ref), date — a Chinese
    document number only in brackets inside the English reference."""
    title, ref = source.title[lang], source.ref[lang]
    if lang == "zh":
        date = f"（{source.date}）" if source.date else ""
        quoted = title if title.startswith("《") else f"《{title}》"
        return f"{ref}{quoted}{date}" if title != ref else f"{ref}{date}"
    date = f", {source.date}" if source.date else ""
    return f"“{title}” ({ref}){date}" if title != ref else f"{ref}{date}"


def source_object(source: SourceView, lang: str) -> Dict[str, Any]:
    return {"id": source.id, "ref": source.ref[lang], "title": source.title[lang], "date": source.date,
            "url": source.url, "line": source_line(source, lang)}


def _names(keyword: str, lowered: str) -> bool:
    """A planned measure's keyword is in the question; "talent & on arrival" when every part is,
    in any order ("can a certified talent get a visa on arrival?", "人才…落地签")."""
    parts = [part.strip().lower() for part in keyword.split("&")]
    return all(parts) and all(part in lowered for part in parts)


def planned_named(topic: TopicView, question: str) -> List[str]:
    """Ids of the topic's planned sub-measures the question names (by their keywords)."""
    lowered = (question or "").lower()
    return [p.id for p in topic.planned
            if any(k and _names(k, lowered) for lang in ("zh", "en") for k in p.keywords.get(lang, ()))]


class _Composer:
    def __init__(self, topic: TopicView, lang: str, day: dt.date, office: str) -> None:
        self.topic, self.lang, self.day, self.office = topic, lang, day, office
        self.cited: List[str] = []
        self.uncited = False  # a shown fact names no source: cite the whole record

    def cite(self, ids: Iterable[str]) -> List[str]:
        ids = list(ids)
        if not ids:
            self.uncited = True
        for i in ids:
            if i not in self.cited:
                self.cited.append(i)
        return ids

    def fact(self, text: str, key_or_meta: Any) -> Dict[str, Any]:
        meta = self.topic.fact_meta(key_or_meta) if isinstance(key_or_meta, str) else key_or_meta
        until = meta.valid_until
        ended = bool(until) and dt.date.fromisoformat(until) < self.day
        shown = text
        if until and not ended:
            shown = text + texts.label("until", self.lang, date=until)
        return {
            "text": shown,
            "sources": self.cite(meta.sources),
            "until": until,
            "ended": ended,
            "ended_warning": texts.label("ended", self.lang, date=until, office=self.office) if ended else None,
        }

    def sources(self) -> List[Dict[str, Any]]:
        shown = self.topic.sources if self.uncited else [s for s in self.topic.sources if s.id in self.cited]
        order = {s.id: i for i, s in enumerate(self.topic.sources)}
        return [source_object(s, self.lang) for s in sorted(shown, key=lambda s: order[s.id])]


def _empty(kind: str, lang: str) -> Dict[str, Any]:
    return {
        "kind": kind, "language": lang, "topic": None, "aspect": None, "heading": None,
        "status": None, "warnings": [], "paragraphs": [], "items": [], "steps": [],
        "materials": [], "missing": None, "contacts_intro": None, "contacts": [], "sources": [],
        "compared": [], "labels": {key: texts.label(key, lang) for key in ("source", "contacts", "required", "optional")},
    }


def compose_topic(
    topic: TopicView,
    aspect: Optional[str],
    lang: str,
    *,
    planned: Sequence[str] = (),
    fees: bool = False,
    hours: bool = False,
    focus: Sequence[str] = (),
    fallback_contacts: Sequence[ContactView] = DEFAULT_CONTACTS,
    day: Optional[dt.date] = None,
) -> Dict[str, Any]:
    """The answer object for one aspect of a topic; ``fees``: the question asked what it costs,
    ``hours``: when the place is open, ``focus``: the documents and steps it asked about
    (desk.dialogue.items_asked), which lead the answer."""
    aspect = aspect or "overview"
    if aspect not in ("overview", "materials", "procedure", *ASPECT_FIELDS):
        aspect = "overview"
    if topic.id == CONTACT_TOPIC and not _states(topic, aspect):
        aspect = "overview"  # "can I call Mr. Hu directly?": the numbers, not "no reliable information"
    reachable = [c for c in topic.contacts if c.phone or c.url] or list(fallback_contacts)
    office = _office(reachable[0], lang) if reachable else texts.hotline()
    c = _Composer(topic, lang, day or today(), office)
    answer = _empty("answer", lang)
    answer.update(topic=topic.id, aspect=aspect, status=topic.status)
    label = texts.label("fees" if fees and aspect == "overview" else aspect, lang)
    answer["heading"] = f"【{topic.title[lang]}】{label}" if lang == "zh" else f"{topic.title[lang]} — {label}"
    if topic.status in ("planned", "superseded"):
        answer["warnings"].append(texts.label(topic.status, lang))
    for measure in topic.planned:
        # an overview names the topic's planned measures; a fee question only those it names (the
        # R visa's fee came after a warning about a planned port visa for talent)
        if (aspect == "overview" and not fees) or measure.id in planned:
            answer["warnings"].append(texts.label("planned_measure", lang, note=measure.note[lang]))
            c.cite(measure.sources or ())
    notes = [n for n in topic.notes if aspect in n.aspects]
    if aspect == "overview":
        answer["items"].append(c.fact(topic.summary[lang], "summary"))
        if topic.effective_from and topic.status == "in_force":
            answer["paragraphs"].append(texts.label("effective", lang, date=topic.effective_from))
    elif aspect in ASPECT_FIELDS and getattr(topic, aspect):
        answer["items"].append(c.fact(getattr(topic, aspect)[lang], aspect))
    elif aspect == "procedure":
        answer["steps"] = [c.fact(s[lang], f"steps[{i}]") for i, s in enumerate(topic.steps)]
    elif aspect == "materials":
        for i, m in enumerate(topic.materials):
            item = c.fact(m.name[lang], f"materials[{i}]")
            item.update(required=m.required, flag=texts.label("required" if m.required else "optional", lang),
                        note=m.note[lang] if m.note else None)
            answer["materials"].append(item)
    # a note comes after the steps or the list it adds to (desk.dialogue.render.body_blocks): "how to
    # apply" opens with step 1, not with how a lost card is replaced
    answer["items"].extend(dict(c.fact(n.text[lang], n.meta), note=True) for n in notes)
    if fees:
        _lead_with_fees(answer, topic, lang, c, aspect)
    if focus:
        answer["items"][:0] = _items_asked(topic, lang, c, focus)
    has_facts = bool(answer["items"] or answer["steps"] or answer["materials"])
    # where to go, and the contact topic's overview (it *is* the phone numbers): the contact list
    if (aspect == "where" or (aspect == "overview" and topic.id == CONTACT_TOPIC)) and has_facts and topic.contacts:
        answer["contacts"] = [contact_object(x, lang) for x in topic.contacts]
    if hours and has_facts and aspect in ("where", "overview"):
        _say_which_hours_are_known(answer, topic, lang, office)
    if not has_facts:
        answer["missing"] = texts.label("missing", lang, title=topic.title[lang], aspect=label)
        answer["contacts_intro"] = texts.label("ask_official", lang)
        answer["contacts"] = [contact_object(x, lang) for x in reachable[:3]]
    answer["sources"] = c.sources() if has_facts or c.cited else []
    return answer


def _states(topic: TopicView, aspect: str) -> bool:
    """Whether the record states anything for the aspect (its field, or a note shown with it)."""
    if any(aspect in n.aspects for n in topic.notes):
        return True
    if aspect == "procedure":
        return bool(topic.steps)
    if aspect == "materials":
        return bool(topic.materials)
    return aspect == "overview" or bool(getattr(topic, aspect, None))


def _lead_with_fees(answer: Dict[str, Any], topic: TopicView, lang: str, c: "_Composer", aspect: str) -> None:
    """A question about the cost: the record's facts that state a fee come first (those the
    answer shows already stay where they are); a record with none says its sources list none,
    rather than leave the user to guess from the overview."""
    shown = "summary" if aspect == "overview" else aspect  # the field (or the steps) shown already
    fields = [(f, getattr(topic, f)) for f in ("summary", *ASPECT_FIELDS) if f != shown]
    if shown != "procedure":
        fields += [(f"steps[{i}]", s) for i, s in enumerate(topic.steps)]
    fees = [c.fact(value[lang], meta) for meta, value in fields if value and FEE_FACT[lang].search(value[lang])]
    if not any(FEE_FACT[lang].search(i["text"]) for i in answer["items"] + answer["steps"]) and not fees:
        answer["paragraphs"].append(texts.label("no_fee", lang, title=topic.title[lang], office=c.office))
    answer["items"][:0] = fees


def _items_asked(topic: TopicView, lang: str, c: "_Composer", focus: Sequence[str]) -> List[Dict[str, Any]]:
    """The documents and steps a question named, as facts: "About “Health certificate”: valid 6
    months …", then the step that says more of it; keys that name no item of the record are skipped
    (a record changed since the turn was stored)."""
    facts = []
    for key in focus:
        kind, _, rest = key.partition("[")
        index = int(rest.rstrip("]")) if rest.rstrip("]").isdigit() else -1
        if kind == "materials" and 0 <= index < len(topic.materials):
            material = topic.materials[index]
            detail = material.note[lang] if material.note else texts.label(
                "required" if material.required else "optional", lang)
            facts.append(c.fact(texts.label("item_asked", lang, name=material.name[lang], detail=detail), key))
        elif kind == "steps" and 0 <= index < len(topic.steps):
            facts.append(c.fact(topic.steps[index][lang], key))
    return facts


def _say_which_hours_are_known(answer: Dict[str, Any], topic: TopicView, lang: str, office: str) -> None:
    """A question about opening hours ("人社局几点上班") got the offices' addresses and whatever
    hours the sources give, which read as the hours of the office asked about: now the answer says
    that only the hours shown are known, or that the sources give none for the topic."""
    shown = [i["text"] for i in answer["items"]] + [c["line"] for c in answer["contacts"]]
    key = "hours_shown_only" if any(HOURS_FACT.search(t) for t in shown) else "no_hours"
    answer["paragraphs"].append(texts.label(key, lang, title=topic.title[lang], office=office))


def compose_message(keys: Sequence[str], lang: str, repo: PolicyRepository, handoff: bool) -> Dict[str, Any]:
    """The answer object of a turn without policy facts: the phrases (topic lists from the
    catalogue) and, on a hand-off, whom to contact (on a refusal, where else to ask)."""
    answer = _empty("message", lang)
    titles = advertised_titles(repo.all())
    answer["paragraphs"] = [texts.reply(k, lang, titles) for k in keys if texts.has_reply(k)]
    shown = MAX_HANDOFF_CONTACTS if handoff else ELSEWHERE_CONTACTS if ELSEWHERE_KEY in keys else 0
    answer["contacts"] = [contact_object(x, lang) for x in handoff_contacts(repo)[:shown]]
    return answer


def compose_answer(decision: Dict[str, Any], repo: PolicyRepository, lang: Optional[str] = None,
                   day: Optional[dt.date] = None) -> Dict[str, Any]:
    """The one composition function: the answer object of a stored ``desk`` decision, in
    its language (or ``lang``, for the staff's other-language copy)."""
    lang = lang or decision.get("language") or "zh"
    lang = lang if lang in ("zh", "en") else "zh"
    topic_id = decision.get("topic")
    topic = repo.get(topic_id) if isinstance(topic_id, str) else None
    if topic is not None:
        aspect, fees, contacts = decision.get("aspect"), bool(decision.get("fees")), handoff_contacts(repo)
        answer = compose_topic(topic, aspect, lang, planned=decision.get("planned") or (), fees=fees,
                               hours=bool(decision.get("hours")), focus=_keys(decision.get("focus")),
                               fallback_contacts=contacts, day=day)
        others = [repo.get(t) for t in decision.get("also") or () if isinstance(t, str) and t != topic.id]
        others = [o for o in others if o is not None]
        if others:
            parts = [compose_topic(o, aspect, lang, fees=fees, fallback_contacts=contacts, day=day) for o in others]
            return compared_answer(answer, [topic, *others], parts, lang, fees=fees)
        return answer
    return compose_message(decision.get("say") or (), lang, repo, bool(decision.get("handoff")))


def _keys(value: Any) -> List[str]:
    """A stored decision's ``focus``: its item keys, whatever else an older turn stored."""
    return [k for k in value if isinstance(k, str)] if isinstance(value, list) else []


def _as_one_fact(part: Dict[str, Any], title: str, lang: str) -> List[Dict[str, Any]]:
    """One topic's part of a comparison as facts of ``items``, each opening with the topic's
    title: its facts, its steps numbered in one, its materials listed in one, or what is missing."""
    colon = texts.label("colon", lang)
    facts = [dict(f, text=f"{title}{colon}{f['text']}", note=False) for f in part["items"]]  # kept with its topic
    for key, line in (("steps", lambda i, f: f"{i}. {f['text']}"),
                      ("materials", lambda i, f: f"{f['text']} ({f['flag']})" if lang == "en" else f"{f['text']}（{f['flag']}）")):
        if part[key]:
            text = texts.label("sep", lang).join(line(i, f) for i, f in enumerate(part[key], 1))
            facts.append({"text": f"{title}{colon}{text}", "sources": [i for f in part[key] for i in f["sources"]],
                          "until": None, "ended": any(f["ended"] for f in part[key]),
                          "ended_warning": next((f["ended_warning"] for f in part[key] if f["ended_warning"]), None)})
    if part["missing"]:
        facts.append({"text": part["missing"], "sources": [], "until": None, "ended": False, "ended_warning": None})
    return facts


def compared_answer(first: Dict[str, Any], topics: Sequence[TopicView], parts: Sequence[Dict[str, Any]],
                    lang: str, fees: bool = False) -> Dict[str, Any]:
    """The answer to a question comparing topics: the same aspect of each, one after the other,
    each part headed by its topic's title, with every part's warnings, contacts and sources."""
    answer = dict(first)
    label = texts.label("fees" if fees and first["aspect"] == "overview" else first["aspect"], lang)
    answer["heading"] = texts.label("compared_heading", lang, first=topics[0].title[lang],
                                    second=texts.label("list_sep", lang).join(t.title[lang] for t in topics[1:]),
                                    aspect=label)
    colon = texts.label("colon", lang)
    items: List[Dict[str, Any]] = []
    paragraphs: List[str] = []
    warnings: List[str] = []
    contacts: List[Dict[str, Any]] = []
    sources: List[Dict[str, Any]] = []
    for topic, part in zip(topics, [first, *parts]):
        items += _as_one_fact(part, topic.title[lang], lang)
        paragraphs += [p if topic.title[lang] in p else f"{topic.title[lang]}{colon}{p}" for p in part["paragraphs"]]
        warnings += [w for w in part["warnings"] if w not in warnings]
        contacts += [c for c in part["contacts"] if c["line"] not in {x["line"] for x in contacts}]
        sources += [s for s in part["sources"] if s["id"] not in {x["id"] for x in sources}]
    answer.update(items=items, steps=[], materials=[], warnings=warnings, contacts=contacts, sources=sources,
                  missing=None, contacts_intro=None, compared=[t.id for t in topics[1:]], paragraphs=paragraphs)
    if all(part["missing"] for part in [first, *parts]):
        answer.update(missing=first["missing"], contacts_intro=first["contacts_intro"])
    return answer


# The contract's full ``answer`` fields of a topic (CONTRACT.md, hotline response): the record
# itself for the staff, beside what a reply says (the answer object above).
def structured_answer(topic: TopicView, lang: str) -> Dict[str, Any]:
    """The contract's ``answer`` object: the whole record in the reply language."""

    def text(value: Optional[Dict[str, str]]) -> Optional[str]:
        return value[lang] if value else None

    return {
        "title": topic.title[lang],
        "status": topic.status,
        "summary": topic.summary[lang],
        "eligibility": text(topic.eligibility),
        "steps": [s[lang] for s in topic.steps],
        "materials": [
            {"name": m.name[lang], "required": m.required, "note": text(m.note)}
            for m in topic.materials
        ],
        "where": text(topic.where),
        "duration": text(topic.duration),
        "contacts": [contact_line(c, lang) for c in topic.contacts],
    }
