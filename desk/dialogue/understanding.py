"""Decide what a user turn asks from the NLU result and the conversation so far.

The intent classifier proposes a topic (intents ``ask_<topic_id>``); keyword entities and the
previous turn's topic/aspect fill in follow-ups ("那需要多久？"), topic switches ("and for my
kids?") and corrections. Kept free of Rasa types so evaluation scripts use the same logic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

TOPIC_INTENT_PREFIX = "ask_"
FOLLOW_UP_INTENT = "ask_aspect"
VAGUE_INTENT = "ask_vague"
FALLBACK_INTENT = "nlu_fallback"
NON_TOPIC_ASK = {FOLLOW_UP_INTENT, VAGUE_INTENT}
ASPECTS = ("overview", "materials", "procedure", "eligibility", "where", "duration")

# Below this the classifier's topic is not trusted on its own: the turn is clarified or
# rejected instead of answered.
MIN_TOPIC_CONFIDENCE = 0.30
# A topic this close to the best one is offered as an alternative in a clarifying question.
CLARIFY_MARGIN = 0.15
# A follow-up-style question with no earlier topic is answered for the classifier's best
# topic from this confidence on (else the bot asks which topic is meant).
MIN_FIRST_TURN_TOPIC = 0.20
# The aspect classifier's guess is used from this confidence on; below it, keywords decide.
MIN_ASPECT_CONFIDENCE = 0.45

# Offered when a follow-up has no topic to refer to and nothing hints at one.
COMMON_TOPICS = ("work_permit", "residence_permit", "talent_visa", "permanent_residence")

FOLLOW_UP = re.compile(
    r"^\s*(and|also|what about|how about|same for|for my|for the|what if|no[,.!\s]|not\s|i meant|i mean|"
    r"那|那么|还有|另外|我是说|我指的是|不是|我问的是|如果是)|(呢|呢？|呢\?)\s*$",
    re.IGNORECASE,
)


def topic_of_intent(intent: Optional[str], known_topics: Iterable[str]) -> Optional[str]:
    if intent and intent.startswith(TOPIC_INTENT_PREFIX) and intent not in NON_TOPIC_ASK:
        topic = intent[len(TOPIC_INTENT_PREFIX) :]
        if topic in set(known_topics):
            return topic
    return None


@dataclass
class Turn:
    """What the bot should do with a policy-related turn."""

    kind: str  # "answer" | "clarify" | "reject"
    topic: Optional[str] = None
    aspect: Optional[str] = None
    confidence: float = 0.0
    candidates: List[str] = field(default_factory=list)
    alternatives: List[Tuple[str, float]] = field(default_factory=list)


def topic_ranking(
    ranking: Sequence[Dict[str, Any]], known_topics: Iterable[str]
) -> List[Tuple[str, float]]:
    known = set(known_topics)
    result = []
    for item in ranking:
        topic = topic_of_intent(item.get("name"), known)
        if topic:
            result.append((topic, float(item.get("confidence") or 0.0)))
    return sorted(result, key=lambda x: -x[1])


def _entity_values(entities: Sequence[Dict[str, Any]], kind: str) -> List[str]:
    values: List[str] = []
    for entity in entities:
        if entity.get("entity") == kind and entity.get("value") not in values:
            values.append(str(entity.get("value")))
    return values


def resolve_aspect(guess: Optional[Dict[str, Any]], keyword_aspects: Sequence[str]) -> Optional[str]:
    """A confident specific aspect from the classifier, else the first specific aspect
    keyword, else "overview" when the question asks what something is, else None (a
    general question, answered with the overview)."""
    confident = (
        str(guess["name"])
        if guess and guess.get("name") in ASPECTS and float(guess.get("confidence") or 0) >= MIN_ASPECT_CONFIDENCE
        else None
    )
    if confident and confident != "overview":
        return confident
    specific = next((a for a in keyword_aspects if a in ASPECTS and a != "overview"), None)
    if specific:
        return specific
    if "overview" in keyword_aspects:
        return "overview"  # "what is …", "介绍一下…"; a bare topic name is a general question
    return None


def understand(
    intent: Optional[str],
    ranking: Sequence[Dict[str, Any]],
    entities: Sequence[Dict[str, Any]],
    text: str,
    known_topics: Sequence[str],
    previous_topic: Optional[str] = None,
    previous_aspect: Optional[str] = None,
    aspect_guess: Optional[Dict[str, Any]] = None,
) -> Turn:
    """Resolve topic and aspect for a turn whose intent is a policy question (or a fallback)."""
    ranked = topic_ranking(ranking, known_topics)
    keyword_topics = [t for t in _entity_values(entities, "topic") if t in set(known_topics)]
    aspect = resolve_aspect(aspect_guess, _entity_values(entities, "aspect"))
    follow_up = bool(FOLLOW_UP.search(text or ""))
    alternatives = ranked[:4]

    topic = topic_of_intent(intent, known_topics)
    confidence = next((c for t, c in ranked if t == topic), 0.0)

    if intent == FOLLOW_UP_INTENT:
        topic = keyword_topics[0] if len(keyword_topics) == 1 else previous_topic
        confidence = 1.0 if keyword_topics else confidence
        if topic is None and ranked and ranked[0][1] >= MIN_FIRST_TURN_TOPIC:
            topic, confidence = ranked[0]  # no context: "docs for wrok permit?" names a topic
        if topic is None:
            candidates = keyword_topics or [t for t, c in ranked[:3] if c >= 0.05]
            candidates = candidates or [t for t in COMMON_TOPICS if t in set(known_topics)]
            return Turn("clarify", aspect=aspect, candidates=candidates, alternatives=alternatives)
        if aspect is None:
            aspect = previous_aspect
    elif intent == VAGUE_INTENT and len(keyword_topics) == 1:
        topic, confidence = keyword_topics[0], max(confidence, 0.5)  # "question about the M port visa"
    elif intent == VAGUE_INTENT:
        candidates = keyword_topics[:3] if len(keyword_topics) > 1 else []
        for t, _c in ranked:
            if len(candidates) >= 3:
                break
            if t not in candidates:
                candidates.append(t)
        return Turn("clarify", aspect=aspect, candidates=candidates, alternatives=alternatives)
    elif topic is None:
        # the classifier was not sure (fallback) or named no topic: trust one clear keyword,
        # else offer close candidates, else reject.
        if len(keyword_topics) == 1:
            topic, confidence = keyword_topics[0], max(confidence, 0.5)
        elif ranked and ranked[0][1] >= MIN_TOPIC_CONFIDENCE and keyword_topics:
            candidates = [t for t, c in ranked if c >= ranked[0][1] - CLARIFY_MARGIN][:3]
            return Turn("clarify", aspect=aspect, candidates=candidates, alternatives=alternatives)
        else:
            return Turn("reject", aspect=None, alternatives=alternatives)
    elif keyword_topics and topic not in keyword_topics and len(keyword_topics) == 1:
        # an explicit, unambiguous term beats a weak guess of the classifier
        if confidence < 0.6:
            topic = keyword_topics[0]

    if aspect == "overview" and follow_up and previous_aspect and topic != previous_topic:
        aspect = None  # a weak "overview" on "and for my kids?" is no explicit aspect
    if aspect is None and follow_up and previous_aspect and topic != previous_topic:
        aspect = previous_aspect  # "and for my kids?" keeps asking about the same aspect
    return Turn("answer", topic=topic, aspect=aspect, confidence=confidence, alternatives=alternatives)
