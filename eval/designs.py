"""Context designs compared on the dev conversations (README "Evaluation"): the dialogue
logic of the actions is swapped in this process only, for `python -m eval.designs`.

- intent-gated (before issue 8): the conversation's topic is used only when the classifier
  says the turn is a follow-up (intent ask_aspect); every other turn stands alone.
- every turn (now, desk/dialogue/understanding.py): each policy-related turn scores topics by
  the classifier, explicit keywords, the topic under discussion and a pending clarification.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Dict, List, Optional, Sequence

import actions.actions as acts
from desk import settings
from desk.dialogue import understanding as u
from eval import conversations as conv
from eval.conversations import quiet_rasa


def intent_gated(
    intent: Optional[str],
    ranking: Sequence[Dict[str, Any]],
    entities: Sequence[Dict[str, Any]],
    text: str,
    known_topics: Sequence[str],
    previous_topic: Optional[str] = None,
    previous_aspect: Optional[str] = None,
    aspect_guess: Optional[Dict[str, Any]] = None,
    options: Sequence[str] = (),
) -> u.Turn:
    """The logic before issue 8 (context only for the follow-up intent), kept for comparison."""
    ranked = u.topic_ranking(ranking, known_topics)
    keyword_topics = [t for t in u._entity_values(entities, "topic") if t in set(known_topics)]
    aspect = u.resolve_aspect(aspect_guess, u._entity_values(entities, "aspect"))
    follow_up = bool(u.FOLLOW_UP.search(text or ""))
    alternatives = ranked[:4]
    topic = u.topic_of_intent(intent, known_topics)
    confidence = next((c for t, c in ranked if t == topic), 0.0)
    if intent == u.FOLLOW_UP_INTENT:
        topic = keyword_topics[0] if len(keyword_topics) == 1 else previous_topic
        confidence = 1.0 if keyword_topics else confidence
        if topic is None and ranked and ranked[0][1] >= u.MIN_FIRST_TURN_TOPIC:
            topic, confidence = ranked[0]
        if topic is None:
            candidates = keyword_topics or [t for t, c in ranked[:3] if c >= 0.05]
            candidates = candidates or [t for t in u.COMMON_TOPICS if t in set(known_topics)]
            return u.Turn("clarify", aspect=aspect, candidates=candidates, alternatives=alternatives)
        if aspect is None:
            aspect = previous_aspect
    elif intent == u.VAGUE_INTENT and len(keyword_topics) == 1:
        topic, confidence = keyword_topics[0], max(confidence, 0.5)
    elif intent == u.VAGUE_INTENT:
        candidates = keyword_topics[:3] if len(keyword_topics) > 1 else []
        for t, _c in ranked:
            if len(candidates) >= 3:
                break
            if t not in candidates:
                candidates.append(t)
        return u.Turn("clarify", aspect=aspect, candidates=candidates, alternatives=alternatives)
    elif topic is None:
        if len(keyword_topics) == 1:
            topic, confidence = keyword_topics[0], max(confidence, 0.5)
        elif ranked and ranked[0][1] >= u.MIN_TOPIC_CONFIDENCE and keyword_topics:
            candidates = [t for t, c in ranked if c >= ranked[0][1] - u.CLARIFY_MARGIN][:3]
            return u.Turn("clarify", aspect=aspect, candidates=candidates, alternatives=alternatives)
        else:
            return u.Turn("reject", aspect=None, alternatives=alternatives)
    elif keyword_topics and topic not in keyword_topics and len(keyword_topics) == 1:
        if confidence < 0.6:
            topic = keyword_topics[0]
    if aspect == "overview" and follow_up and previous_aspect and topic != previous_topic:
        aspect = None
    if aspect is None and follow_up and previous_aspect and topic != previous_topic:
        aspect = previous_aspect
    return u.Turn("answer", topic=topic, aspect=aspect, confidence=confidence, alternatives=alternatives)


DESIGNS = {
    "intent-gated": (intent_gated, lambda *a, **k: False),
    "every turn": (u.understand, u.follows_up),
}
# Ablations of "every turn": one named constant of desk/dialogue/understanding.py changed.
ABLATIONS = {
    "no context bonus": {"CONTEXT_BONUS": 0.0},
    "context bonus 0.6": {"CONTEXT_BONUS": 0.6},
    "no keyword bonus": {"KEYWORD_BONUS": 0.0},
    "no option bonus": {"OPTION_BONUS": 0.0},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=None)
    parser.add_argument("--set", default=str(settings.PROJECT_ROOT / "eval" / "dev_conversations.yml"))
    parser.add_argument("--errors", default=None, help="list the mistakes of this design")
    args = parser.parse_args()
    quiet_rasa()
    from pathlib import Path

    conversations = conv.load(Path(args.set))
    runner = conv.InProcessRunner(args.model or settings.require_model())
    results: Dict[str, Dict[str, Dict[str, float]]] = {}
    for name, (understand, follows_up) in DESIGNS.items():
        acts.understand, acts.follows_up = understand, follows_up  # type: ignore[assignment]
        outcomes: List[List[conv.Outcome]] = [runner.run([t["user"] for t in c["turns"]]) for c in conversations]
        results[name] = conv.score(conversations, outcomes)
        if args.errors == name:
            print("\n".join(conv.errors(conversations, outcomes)))
    for name, changes in ABLATIONS.items():
        saved = {k: getattr(u, k) for k in changes}
        acts.understand, acts.follows_up = u.understand, u.follows_up  # type: ignore[assignment]
        for key, value in changes.items():
            setattr(u, key, value)
        try:
            outcomes = [runner.run([t["user"] for t in c["turns"]]) for c in conversations]
        finally:
            for key, value in saved.items():
                setattr(u, key, value)
        results[name] = conv.score(conversations, outcomes)
    conv.print_scores(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
