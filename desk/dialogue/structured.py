"""The structured answer of a bot turn for the channels that show more than text: the
answer object (desk.dialogue.answer), the contract's ``answer`` and ``sources``, and the
hotline's ``answer_other``, all composed from the stored decision by the one composition
function when a channel sends the turn out.

Why not in the action's payload: a bot turn's ``desk`` payload is stored in the tracker, and
Rasa re-reads every stored event and re-sends it to the action server on each later turn.
With the whole answer inside (about 16 KB per turn) a long conversation got slower with
every turn. So the stored payload keeps only what the bot decided (topic, aspect, language,
planned measures named, phrases, hand-off) and the channels expand it here, on the way out.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from desk.dialogue.answer import compose_answer, structured_answer
from desk.dialogue.render import contract_sources, render_text
from desk.policies.repository import PolicyRepository, shared_repository


def other_language(lang: str) -> str:
    return "en" if lang == "zh" else "zh"


def expand(desk: Dict[str, Any], with_other_language: bool = False,
           repo: Optional[PolicyRepository] = None) -> Dict[str, Any]:
    """A copy of a stored ``desk`` payload with ``answer_object``, ``answer``, ``sources``
    and (for staff) ``answer_other`` filled in; the stored payload is left untouched."""
    repo = repo or shared_repository()
    expanded = {**desk, "answer": None, "sources": [], "answer_other": None, "answer_object": None}
    lang = desk.get("language")
    if lang not in ("zh", "en"):
        return expanded
    answer = compose_answer(desk, repo)
    expanded["answer_object"] = answer
    # where the facts stop, the reply points to the official channels: that is a hand-off too
    # (CONTRACT.md: handoff when the bot could not answer), so the staff and the widget know
    expanded["handoff"] = bool(desk.get("handoff")) or bool(answer.get("missing"))
    expanded["sources"] = contract_sources(answer)
    topic = repo.get(desk["topic"]) if isinstance(desk.get("topic"), str) else None
    if topic is not None:
        expanded["answer"] = structured_answer(topic, lang)
    if with_other_language and (topic is not None or answer["paragraphs"]):
        other = other_language(lang)
        other_answer = compose_answer(desk, repo, lang=other)
        expanded["answer_other"] = {"language": other, "text": render_text(other_answer),
                                    "answer_object": other_answer}
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
