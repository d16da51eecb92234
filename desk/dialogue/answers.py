"""Compose the reply for a topic and aspect in the user's language, with its source line;
and the structured answer (CONTRACT.md fields) for channels that render it themselves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from desk.policies.repository import ContactView, PolicyRepository, SourceView, TopicView

LABELS: Dict[str, Dict[str, str]] = {
    "zh": {
        "overview": "概况",
        "materials": "所需材料",
        "procedure": "办理流程",
        "eligibility": "申请条件",
        "where": "办理地点",
        "duration": "办理时限/有效期",
        "required": "必需",
        "optional": "视情况",
        "source": "来源",
        "planned": "⚠ 这是正在探索/规划中的措施，尚未正式实施。",
        "superseded": "⚠ 这项政策已被取代，以下内容仅供参考。",
        "effective": "自{date}起实施。",
        "missing": "关于「{title}」的{aspect}，我们掌握的资料里没有可靠信息，不便作答。",
        "ask_official": "请以官方渠道为准，可咨询：",
        "more": "您还可以问：材料、流程、条件、地点、时限。",
        "sep": "；",
    },
    "en": {
        "overview": "overview",
        "materials": "documents required",
        "procedure": "how to apply",
        "eligibility": "who qualifies",
        "where": "where to apply",
        "duration": "processing time / validity",
        "required": "required",
        "optional": "if applicable",
        "source": "Source",
        "planned": "⚠ This measure is planned (being explored); it is not in force yet.",
        "superseded": "⚠ This policy has been superseded; shown for reference only.",
        "effective": "In force since {date}.",
        "missing": "Our sources have no reliable information on the {aspect} of “{title}”, so I won't guess.",
        "ask_official": "Please check with the official channel:",
        "more": "You can also ask about: documents, steps, who qualifies, where, how long.",
        "sep": "; ",
    },
}

DEFAULT_CONTACTS = (
    ContactView(
        name={"zh": "上海市民服务热线", "en": "Shanghai citizen service hotline"},
        phone="12345",
        address=None,
        hours=None,
        url=None,
    ),
)


CONTACT_TOPIC = "contact"


def handoff_contacts(repo: PolicyRepository) -> List[ContactView]:
    """Whom a user is sent to when the desk cannot help: the contact topic's numbers, or
    the citizen hotline when the database has none."""
    topic = repo.get(CONTACT_TOPIC)
    contacts = [c for c in (topic.contacts if topic else ()) if c.phone]
    return contacts or list(DEFAULT_CONTACTS)


@dataclass
class ComposedAnswer:
    text: str
    has_facts: bool


def contact_line(contact: ContactView, lang: str) -> str:
    parts = [contact.name[lang]]
    if contact.phone:
        parts.append(("电话 " if lang == "zh" else "tel. ") + contact.phone)
    if contact.address:
        parts.append(contact.address[lang])
    if contact.hours:
        parts.append(contact.hours[lang])
    if contact.url:
        parts.append(contact.url)
    return ("，" if lang == "zh" else ", ").join(parts)


def source_line(sources: Sequence[SourceView], lang: str, limit: int = 3) -> str:
    items = []
    for source in sources[:limit]:
        title = f"《{source.title}》" if lang == "zh" else f"“{source.title}”"
        date = f"（{source.date}）" if lang == "zh" and source.date else (f" ({source.date})" if source.date else "")
        items.append(f"{source.ref}{title if source.title != source.ref else ''}{date}")
    sep = LABELS[lang]["sep"]
    colon = "：" if lang == "zh" else ": "
    return f"{LABELS[lang]['source']}{colon}{sep.join(items)}"


def structured_answer(topic: TopicView, lang: str) -> Dict[str, Any]:
    """The contract's ``answer`` object, in the reply language."""

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


def structured_sources(topic: TopicView) -> List[Dict[str, Any]]:
    return [{"ref": s.ref, "title": s.title, "date": s.date, "url": s.url} for s in topic.sources]


def _aspect_body(topic: TopicView, aspect: str, lang: str) -> Optional[str]:
    label = LABELS[lang]
    if aspect == "materials" and topic.materials:
        lines = []
        for m in topic.materials:
            flag = label["required"] if m.required else label["optional"]
            note = f"（{m.note[lang]}）" if lang == "zh" and m.note else (f" ({m.note[lang]})" if m.note else "")
            lines.append(f"• {m.name[lang]}【{flag}】{note}" if lang == "zh" else f"• {m.name[lang]} [{flag}]{note}")
        return "\n".join(lines)
    if aspect == "procedure" and topic.steps:
        return "\n".join(f"{i}. {s[lang]}" for i, s in enumerate(topic.steps, 1))
    if aspect in ("eligibility", "where", "duration"):
        value = getattr(topic, aspect)
        if value:
            body = value[lang]
            if aspect == "where" and topic.contacts:
                body += "\n" + "\n".join(f"• {contact_line(c, lang)}" for c in topic.contacts)
            return body
        if aspect == "where" and topic.contacts:
            return "\n".join(f"• {contact_line(c, lang)}" for c in topic.contacts)
        return None
    if aspect == "overview":
        body = topic.summary[lang]
        if topic.effective_from and topic.status == "in_force":
            body += ("" if lang == "zh" else " ") + label["effective"].format(date=topic.effective_from)
        return body
    return None


def compose(
    topic: TopicView,
    aspect: Optional[str],
    lang: str,
    fallback_contacts: Sequence[ContactView] = DEFAULT_CONTACTS,
) -> ComposedAnswer:
    """Reply text for one aspect of a topic: heading, facts (or an honest 'not known' with
    whom to ask), planned/superseded warning and the source line."""
    label = LABELS[lang]
    aspect = aspect or "overview"
    heading = f"【{topic.title[lang]}】{label[aspect]}" if lang == "zh" else f"{topic.title[lang]} — {label[aspect]}"
    body = _aspect_body(topic, aspect, lang)
    lines = [heading]
    if topic.status == "planned":
        lines.append(label["planned"])
    elif topic.status == "superseded":
        lines.append(label["superseded"])
    if body:
        lines.append(body)
    else:
        lines.append(label["missing"].format(title=topic.title[lang], aspect=label[aspect]))
        contacts = [c for c in topic.contacts if c.phone or c.url] or list(fallback_contacts)
        lines.append(label["ask_official"])
        lines.extend(f"• {contact_line(c, lang)}" for c in contacts[:3])
    lines.append(source_line(topic.sources, lang))
    return ComposedAnswer(text="\n".join(lines), has_facts=body is not None)
