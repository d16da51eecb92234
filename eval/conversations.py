"""Conversation evaluation: each user turn of a conversation set goes through the real dialogue
logic, and the bot's decision (topic, aspect, clarify / refuse / hand-off, reply language) is
compared with what the set's authors expected at that turn.

Two ways to run the same logic:
- ``StackRunner``: the real Rasa server and action server (tests/stack.py), through the
  hotline endpoint, as users reach the desk;
- ``InProcessRunner``: the trained model's NLU in this process, the intent routed to an
  action by the project's rules (data/rules.yml + the generated topic rules), and the real
  action classes of actions/actions.py run on a rasa_sdk Tracker carrying the slots the
  previous turns set. Same actions, same rules, no servers: fast enough to compare designs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import yaml

from desk import settings
from desk.dialogue.understanding import FALLBACK_INTENT, topic_of_intent


def quiet_rasa() -> None:
    """Rasa logs every parse at debug level through structlog: keep the figures readable."""
    import logging

    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


SMALL_TALK = {"greet", "goodbye", "thank", "bot_challenge", "capabilities"}


@dataclass
class Outcome:
    """What the bot did with one user turn."""

    topic: Optional[str]
    aspect: Optional[str]
    language: Optional[str]
    handoff: bool
    clarify: bool
    intent: Optional[str]


def load(path: Path) -> List[dict]:
    return (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("conversations") or []


def _same_aspect(gold: Optional[str], predicted: Optional[str]) -> bool:
    normal = {None: "overview", "overview": "overview"}
    return normal.get(gold, gold) == normal.get(predicted, predicted)


def turn_right(turn: dict, out: Outcome) -> bool:
    """The turn is handled right: the expected kind of reply, the right topic for an answer,
    and the requested reply language."""
    expect = turn.get("expect") or ("answer" if turn.get("topic") else "refuse")
    if turn.get("reply_lang") and out.language != turn["reply_lang"]:
        return False
    if expect == "answer":
        return out.topic == turn.get("topic")
    if expect == "handoff":
        return out.handoff and out.topic is None
    if expect == "clarify":
        return out.topic is None and out.clarify
    return out.topic is None  # refuse / smalltalk: no policy answer


def score(conversations: Sequence[dict], outcomes: Sequence[Sequence[Outcome]]) -> Dict[str, Dict[str, float]]:
    """Per category and overall: follow-up turns right (topic kept or switched right on
    every answered turn after the first), turns right, aspect right on turns with the right
    topic, whole conversations right at every turn (topic) and (topic and aspect)."""
    counts: Dict[str, Dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for conversation, outs in zip(conversations, outcomes):
        all_ok, all_ok_aspect = True, True
        rows: List[Dict[str, int]] = []
        for index, (turn, out) in enumerate(zip(conversation["turns"], outs)):
            ok = turn_right(turn, out)
            answer = (turn.get("expect") or ("answer" if turn.get("topic") else "refuse")) == "answer"
            aspect_ok = not answer or not ok or _same_aspect(turn.get("aspect"), out.aspect)
            all_ok &= ok
            all_ok_aspect &= ok and aspect_ok
            row = {"turns": 1, "turns_ok": ok}
            if index > 0 and answer:
                row.update(follow=1, follow_ok=ok)
            if answer and ok:
                row.update(aspect_n=1, aspect_ok=aspect_ok)
            rows.append(row)
        for key in ("all", *conversation.get("categories", [])):
            c = counts[key]
            c["conversations"] += 1
            c["conversations_ok"] += all_ok
            c["conversations_ok_aspect"] += all_ok_aspect
            for row in rows:
                for name, value in row.items():
                    c[name] += int(value)
    ratio = lambda a, b: a / b if b else float("nan")  # noqa: E731
    return {
        key: {
            "follow-up turns": ratio(c["follow_ok"], c["follow"]),
            "turns": ratio(c["turns_ok"], c["turns"]),
            "aspect": ratio(c["aspect_ok"], c["aspect_n"]),
            "conversations": ratio(c["conversations_ok"], c["conversations"]),
            "conv. +aspect": ratio(c["conversations_ok_aspect"], c["conversations"]),
            "n": c["conversations"],
        }
        for key, c in counts.items()
    }


def print_scores(results: Dict[str, Dict[str, Dict[str, float]]]) -> None:
    names = list(results)
    metrics = ("follow-up turns", "turns", "aspect", "conversations", "conv. +aspect")
    keys = ["all"] + sorted(k for k in next(iter(results.values())) if k != "all")
    for metric in metrics:
        print(f"\n{metric}")
        width = max(14, *(len(n) + 2 for n in names))
        print(f"{'':24}" + "".join(f"{n:>{width}}" for n in names))
        for key in keys:
            n = int(results[names[0]].get(key, {}).get("n", 0))
            print(f"  {key + f' ({n})':22}" + "".join(
                f"{results[name].get(key, {}).get(metric, float('nan')):>{width}.3f}" for name in names
            ))


def errors(conversations: Sequence[dict], outcomes: Sequence[Sequence[Outcome]]) -> List[str]:
    lines = []
    for conversation, outs in zip(conversations, outcomes):
        for turn, out in zip(conversation["turns"], outs):
            if not turn_right(turn, out) or (
                turn.get("topic") and out.topic == turn.get("topic") and not _same_aspect(turn.get("aspect"), out.aspect)
            ):
                expect = turn.get("expect") or "answer"
                lines.append(
                    f"  {conversation['id']} {turn['user'][:90]!r}: {turn.get('topic')}/{turn.get('aspect')}/{expect}"
                    f" -> {out.topic}/{out.aspect} ({out.intent}{', clarify' if out.clarify else ''}"
                    f"{', handoff' if out.handoff else ''}, {out.language})"
                )
    return lines


class InProcessRunner:
    """NLU of the trained model + the project's rules + the real action classes."""

    def __init__(self, model: str) -> None:
        from rasa.core.agent import Agent

        import actions.actions as acts

        self.agent = Agent.load(model)
        self.loop = asyncio.new_event_loop()
        self.domain = yaml.safe_load((settings.PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
        self.actions = {
            cls().name(): cls
            for cls in (acts.ActionAnswer, acts.ActionSmallTalk, acts.ActionSwitchLanguage, acts.ActionHandoff, acts.ActionFallback)
        }
        self.routes = self._routes()

    @staticmethod
    def _routes() -> Dict[str, str]:
        routes: Dict[str, str] = {}
        for path in (settings.PROJECT_ROOT / "data" / "rules.yml", settings.build_dir() / "data" / "rules_topics.yml"):
            for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules", []):
                steps = rule.get("steps", [])
                if len(steps) == 2 and "intent" in steps[0] and "action" in steps[1]:
                    routes[steps[0]["intent"]] = steps[1]["action"]
        return routes

    def run(self, turns: Sequence[str]) -> List[Outcome]:
        from rasa_sdk import Tracker
        from rasa_sdk.executor import CollectingDispatcher

        slots: Dict[str, Any] = {"failed_turns": 0.0}
        outcomes = []
        for text in turns:
            parsed = self.loop.run_until_complete(self.agent.parse_message(text))
            intent = (parsed.get("intent") or {}).get("name") or FALLBACK_INTENT
            action = self.actions[self.routes.get(intent, "action_fallback")]()
            tracker = Tracker("eval", dict(slots), parsed, [], False, None, {}, "action_listen")
            dispatcher = CollectingDispatcher()
            for event in action.run(dispatcher, tracker, self.domain):
                if event.get("event") == "slot":
                    slots[event["name"]] = event["value"]
            desk = next((m["custom"]["desk"] for m in reversed(dispatcher.messages) if m.get("custom")), {})
            outcomes.append(Outcome(
                topic=desk.get("topic"), aspect=desk.get("aspect"), language=desk.get("language"),
                handoff=bool(desk.get("handoff")), clarify=any(m.get("buttons") for m in dispatcher.messages),
                intent=intent,
            ))
        return outcomes


class StackRunner:
    """The real servers (tests/stack.py), through the hotline endpoint."""

    def __init__(self, model: str, workdir: Path) -> None:
        from tests.stack import build_stack

        self.stack = build_stack(workdir, model).start()

    def run(self, turns: Sequence[str]) -> List[Outcome]:
        sender = f"eval-{uuid.uuid4().hex[:10]}"
        outcomes = []
        for text in turns:
            reply = self.stack.ask(sender, text)
            outcomes.append(Outcome(
                topic=reply.get("topic"), aspect=reply.get("aspect"), language=reply.get("language"),
                handoff=bool(reply.get("handoff")), clarify=bool(reply.get("buttons")),
                intent=(reply.get("intent") or {}).get("name"),
            ))
        return outcomes

    def stop(self) -> None:
        self.stack.stop()


def baseline_runner(predict: Callable[[str], Any], known_topics: Sequence[str]) -> Callable[[Sequence[str]], List[Outcome]]:
    """The TF-IDF baseline in a conversation: its intent per turn, the follow-up intent keeps
    the last topic (the simplest context a classifier-only bot could have)."""

    def run(turns: Sequence[str]) -> List[Outcome]:
        outcomes, last = [], None
        for text in turns:
            topic, _aspect, intent = predict(text)
            if intent == "ask_aspect" and last:
                topic = last
            topic = topic if topic in known_topics else None
            last = topic or last
            outcomes.append(Outcome(
                topic=topic, aspect=None, language=None, handoff=intent == "human_handoff",
                clarify=intent == "ask_vague", intent=intent,
            ))
        return outcomes

    return run


__all__ = ["InProcessRunner", "StackRunner", "baseline_runner", "load", "score", "print_scores", "errors", "topic_of_intent"]
