"""The structured answer of a bot turn (CONTRACT.md ``answer`` and ``sources``, and the
hotline's ``answer_other``), composed from the policy repository when a channel sends the
turn out.

Why not in the action's payload: a bot turn's ``desk`` payload is stored in the tracker, and
Rasa re-reads every stored event and re-sends it to the action server on each later turn.
With the whole answer inside (about 16 KB per turn) a long conversation got slower with
every turn. So the stored payload keeps only what the bot decided (topic, aspect, language,
confidence, hand-off) and the channels that show more expand it here, on the way out.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from desk.dialogue.answers import compose, handoff_contacts, structured_answer, structured_sources
from desk.policies.repository import PolicyRepository, shared_repository


def other_language(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def expand(desk: Dict[str, Any], with_other_language: bool = False,
           repo: Optional[PolicyRepository] = None) -> Dict[str, Any]:
    """A copy of a stored ``desk`` payload with ``answer``, ``sources`` and (for staff)
    ``answer_other`` filled in from the repository; the stored payload is left untouched."""
    repo = repo or shared_repository()
    expanded = {**desk, "answer": None, "sources": [], "answer_other": None}
    topic_id, lang = desk.get("topic"), desk.get("language")
    topic = repo.get(topic_id) if isinstance(topic_id, str) else None
    if topic is None or lang not in ("zh", "en"):
        return expanded
    expanded["answer"] = structured_answer(topic, lang)
    expanded["sources"] = structured_sources(topic)
    if with_other_language:
        other = other_language(lang)
        text = compose(topic, desk.get("aspect"), other, handoff_contacts(repo)).text
        expanded["answer_other"] = {"language": other, "text": text}
    return expanded


def expand_messages(messages: List[Dict[str, Any]], with_other_language: bool = False,
                    repo: Optional[PolicyRepository] = None) -> List[Dict[str, Any]]:
    """Collected bot messages with every ``custom.desk`` payload expanded (copies)."""
    result = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("desk"), dict):
            custom = {**custom, "desk": expand(custom["desk"], with_other_language, repo)}
            message = {**message, "custom": custom}
        result.append(message)
    return result
