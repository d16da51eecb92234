"""Questions that weigh two topics against each other ("R visa or port visa, which is
faster?", "工作许可和居留许可有什么区别"): the answer gives the same aspect of each topic
named, so the user can compare them, instead of one of the two and silence on the other.

Why apart from understanding: the turn's topic stays the one understood (a follow-up goes on
with it, the hotline reports it); the compared topic only joins its answer
(desk.dialogue.answer.compose_answer, the decision's ``also``)."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Sequence

from desk.dialogue.aspect_cues import MAX_CUED_QUESTION_CHARS, WHERE_QUESTION
from desk.dialogue.understanding import CONTACT_TOPIC, keyword_roles

# At most this many topics join the one understood: a reply about three permits at once is
# longer than any channel shows well (WeChat: 2048 bytes).
MAX_COMPARED = 1

# Words that set two named things side by side: a difference, a choice between them, a ranking.
COMPARISON = re.compile(
    r"区别|區別|不同|差别|差別|差异|差異|一样吗|一樣嗎|一样不|一樣不|一回事|相比|对比|對比|比较|比較|"
    r"还是|還是|或者|哪个|哪個|哪一个|哪一個|哪种|哪種|哪样|哪樣|"
    r"\b(difference|differences|differ|vs|versus|compared?|comparison|same (thing )?as|instead of|rather than|"
    r"or|which|better|either)\b",
    re.IGNORECASE,
)
# "which one is faster?": between two topics, a question about their processing times.
SPEED = re.compile(r"\b(faster|quicker|quickest|fastest|sooner)\b|更快|最快|哪个快|哪個快|哪个更快|快一些|快一点|快一點|快些",
                   re.IGNORECASE)


def compared_topics(entities: Sequence[Dict[str, Any]], text: str, known_topics: Iterable[str],
                    topic: Optional[str]) -> List[str]:
    """The other topics a short question compares with ``topic``: both named by their own
    words (not negated, not the user's status: "I'm on an R visa, do I need …" is no
    comparison), with a word that sets them side by side. Empty for anything else, and for a
    pasted e-mail, whose topics are its background."""
    text = text or ""
    if not topic or len(text) > MAX_CUED_QUESTION_CHARS or not COMPARISON.search(text):
        return []
    named, _negated, _status = keyword_roles(entities, text, known_topics, exact_only=True)
    named = [t for t in dict.fromkeys(named) if t != CONTACT_TOPIC]
    if topic not in named:
        return []
    return [t for t in named if t != topic][:MAX_COMPARED]


def compared_aspect(aspect: Optional[str], text: str) -> Optional[str]:
    """The aspect a comparison asks: "which is faster" their processing times."""
    if SPEED.search(text or "") and aspect in (None, "overview", "where", "procedure") and not WHERE_QUESTION.search(text):
        return "duration"
    return aspect
