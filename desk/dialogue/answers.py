"""The contract's full ``answer`` fields of a topic (CONTRACT.md, hotline response) in one
language. What a reply *says* is the answer object (desk.dialogue.answer); this is the
record itself for the staff, kept because the contract fixes the field."""

from __future__ import annotations

from typing import Any, Dict, Optional

from desk.dialogue.answer import (  # noqa: F401 - re-exported for callers of the old module
    CONTACT_TOPIC,
    DEFAULT_CONTACTS,
    contact_line,
    handoff_contacts,
)
from desk.policies.repository import TopicView


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
