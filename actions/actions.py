"""Custom actions. Thin: they read the turn from the tracker, ask desk.dialogue what it means
and desk.policies for the facts, and send the composed reply with its structured payload."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from desk.dialogue.answer import ELSEWHERE_KEY, compose_answer, planned_named
from desk.dialogue.aspect_cues import fees_asked, opening_hours_asked
from desk.dialogue.choices import chosen_option
from desk.dialogue.comparison import compared_aspect, compared_topics
from desk.dialogue.items_asked import items_asked
from desk.dialogue.render import render_text
from desk.dialogue.turns import (
    asked_language,
    desk_payload,
    directed_language,
    reply_language,
    requested_language,
)
from desk.dialogue.understanding import (
    FALLBACK_INTENT,
    Turn,
    asks_for_help,
    asks_for_person,
    asks_more_than_language,
    follows_up,
    generic_question,
    only_acknowledgement,
    only_emoji,
    only_thanks,
    text_for_rules,
    the_topic_named,
    understand,
    wants_a_person,
    wordless,
    works_visa_free,
)
from desk.policies.repository import shared_repository

FAILURES_BEFORE_HANDOFF = 2


def _directed(tracker: Tracker) -> Optional[str]:
    """The language the message asks the answer in ("Please answer in Chinese: what documents…?")."""
    text = tracker.latest_message.get("text") or ""
    # a button payload ("/ask_port_visa") says nothing about the language
    return None if text.startswith("/") else directed_language(text)


def _language(tracker: Tracker) -> str:
    return _reply_language(tracker, _directed(tracker))


def _reply_language(tracker: Tracker, directed: Optional[str]) -> str:
    """The directed language, else the message's, the preference or the conversation's."""
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        text = ""
    if directed:
        return directed
    return reply_language(
        text,
        tracker.get_slot("language_preference"),
        tracker.get_slot("language"),
    )


def _intent(tracker: Tracker) -> Dict[str, Any]:
    return tracker.latest_message.get("intent") or {}


def send(dispatcher: CollectingDispatcher, payload: Dict[str, Any],
         buttons: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """Compose the turn's answer object once from its decision, send it rendered as text
    with the decision as the custom payload (channels re-compose from the decision with the
    same function, desk.dialogue.answer.compose_answer), and return the object."""
    answer = compose_answer(payload["desk"], shared_repository())
    # the options numbered in the text too: a client that shows no buttons (the REST channel's
    # plain-text users, the hotline's staff reading to a caller) still has them, and "2" picks one
    dispatcher.utter_message(text=render_text(answer, buttons or ()), buttons=buttons or [], json_message=payload)
    return answer


def understand_turn(tracker: Tracker) -> Turn:
    """What the latest message asks, read in the conversation's state."""
    message = tracker.latest_message
    return understand(
        intent=_intent(tracker).get("name"),
        ranking=message.get("intent_ranking") or [],
        entities=message.get("entities") or [],
        text=text_for_rules(message),
        known_topics=shared_repository().ids(),
        previous_topic=tracker.get_slot("topic"),
        previous_aspect=tracker.get_slot("aspect"),
        aspect_guess=message.get("aspect"),
        options=tracker.get_slot("clarify_options") or (),
    )


def answer_turn(
    dispatcher: CollectingDispatcher, tracker: Tracker, turn: Turn, lang: str
) -> Optional[List[EventType]]:
    """Send the answer to an understood policy question and remember what was asked; None
    (nothing sent) when the turn is no answer or its topic is not in the database."""
    repo = shared_repository()
    topic = repo.get(turn.topic) if turn.kind == "answer" and turn.topic else None
    if topic is None:
        return None
    message = tracker.latest_message
    text = text_for_rules(message)
    # "R visa or port visa, which is faster?": the same aspect of the other topic joins the answer
    also = compared_topics(message.get("entities") or [], text, repo.ids(), topic.id)
    aspect = compared_aspect(turn.aspect, text) if also else turn.aspect
    send(dispatcher, desk_payload(
        language=lang,
        intent=_intent(tracker),
        topic=topic.id,
        aspect=aspect,
        alternatives=turn.alternatives,
        confidence=turn.confidence,
        planned=planned_named(topic, message.get("text") or ""),
        fees=fees_asked(message.get("text") or ""),
        hours=opening_hours_asked(message.get("text") or ""),
        focus=items_asked(topic, message.get("text") or "") if not also else (),
        also=also,
    ))
    return [
        SlotSet("topic", topic.id),
        SlotSet("aspect", aspect),
        SlotSet("language", lang),
        SlotSet("failed_turns", 0.0),
        SlotSet("clarify_options", None),
    ]


class ActionAnswer(Action):
    """Answers a policy question, a follow-up, or asks which topic is meant."""

    def name(self) -> str:
        return "action_answer"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        if _intent(tracker).get("name") == FALLBACK_INTENT and asked_language(text):
            return ActionSwitchLanguage().run(dispatcher, tracker, domain)  # "could you put that in Chinese?"
        directed = _directed(tracker)
        lang = _reply_language(tracker, directed)
        if only_thanks(text):  # "thanks for yesterday's info on the work permit!"
            send(dispatcher, desk_payload(language=lang, intent=_intent(tracker), say=["thank"]))
            return [SlotSet("language", lang)]
        gesture = symbols_only(dispatcher, tracker, domain, lang)
        if gesture is not None:
            return gesture
        if answered_in_kind(tracker):
            return acknowledge(dispatcher, tracker, lang)  # "ok" read as a follow-up
        turn = understand_turn(tracker)
        if wants_a_person(text):
            # "My PR application ... nobody answers. Give me a person": a person, and the topic goes on
            kept = [SlotSet("topic", turn.topic)] if turn.kind == "answer" and turn.topic else []
            return hand_over(dispatcher, tracker, lang) + kept
        answered = answer_turn(dispatcher, tracker, turn, lang)
        if answered is not None:  # a language the question directs is kept for the next turns
            return answered + ([SlotSet("language_preference", lang)] if directed else [])
        if turn.kind == "clarify" and turn.candidates:
            return self._clarify(dispatcher, tracker, domain, turn, lang)
        return ActionFallback().run(dispatcher, tracker, domain)

    def _clarify(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
        turn: Turn,
        lang: str,
    ) -> List[EventType]:
        repo = shared_repository()
        entity = f'{{"aspect": "{turn.aspect}"}}' if turn.aspect else ""
        buttons = [
            {"title": repo.get(t).title[lang], "payload": f"/ask_{t}{entity}"}  # type: ignore[union-attr]
            for t in turn.candidates
            if repo.get(t)
        ]
        send(dispatcher, desk_payload(
            language=lang, intent=_intent(tracker), alternatives=turn.alternatives, say=["clarify_topic"]
        ), buttons)
        return [
            SlotSet("language", lang),
            SlotSet("aspect", turn.aspect),
            SlotSet("clarify_options", [t for t in turn.candidates if repo.get(t)]),
        ]


# Intents whose unsure turns may still ask about the topic under discussion (`follows_up`):
# "要怎么参加" read as out of scope, "what documants" as "what can you do", "电话也发一下 thx" as thanks.
READ_IN_CONTEXT = ("out_of_scope", "capabilities", "thank")


class ActionSmallTalk(Action):
    """Greetings, thanks, goodbyes, 'are you a bot', 'what can you do', out of scope."""

    def name(self) -> str:
        return "action_small_talk"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        lang = _language(tracker)
        intent = _intent(tracker)
        name = intent.get("name") or "out_of_scope"
        if answered_in_kind(tracker):
            return acknowledge(dispatcher, tracker, lang)  # "😀", "好吧" read as out of scope
        text = text_for_rules(tracker.latest_message)
        if chosen_option(text, tracker.get_slot("clarify_options") or ()):
            return ActionAnswer().run(dispatcher, tracker, domain)  # "2" read as out of scope: the second option
        if name in READ_IN_CONTEXT and follows_up(
            float(intent.get("confidence") or 0.0),
            tracker.latest_message.get("entities") or [],
            text,
            shared_repository().ids(),
            tracker.get_slot("topic"),
            tracker.latest_message.get("aspect"),
        ):
            # "要怎么参加" (out of scope) or "what documants" (capabilities) after an answer
            return ActionAnswer().run(dispatcher, tracker, domain)
        if name in ("capabilities", "out_of_scope") and not tracker.get_slot("topic") \
                and (asks_for_help(text) or generic_question(text)):
            # "need help", "签证怎么办理": which topic is asked
            return ActionAnswer().run(dispatcher, tracker, domain)
        if name == "out_of_scope" and works_visa_free(text):
            return ActionAnswer().run(dispatcher, tracker, domain)  # "work on 240-hour visa-free transit?": no
        if name == "out_of_scope":
            return not_helped(dispatcher, tracker, domain, lang, "utter_out_of_scope")
        send(dispatcher, desk_payload(language=lang, intent=intent, say=[name]))
        return [SlotSet("language", lang)]


class ActionSwitchLanguage(Action):
    """'In English please' / '请用中文': remember the choice and repeat the last answer."""

    def name(self) -> str:
        return "action_switch_language"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        lang = requested_language(text) or (
            "en" if (tracker.get_slot("language") or "zh") == "zh" else "zh"
        )
        if asks_for_person(text):  # hand_over sets the reply language too
            return [SlotSet("language_preference", lang), *hand_over(dispatcher, tracker, lang)]
        events: List[EventType] = [SlotSet("language_preference", lang), SlotSet("language", lang)]
        if asks_more_than_language(tracker.latest_message.get("entities") or []):
            # "Please answer in English too - what documents must our company submit?": answer that
            answered = answer_turn(dispatcher, tracker, understand_turn(tracker), lang)
            if answered is not None:
                return events + answered
        topic_id = tracker.get_slot("topic")
        topic = shared_repository().get(topic_id) if topic_id else None
        if topic is None:
            send(dispatcher, desk_payload(language=lang, intent=_intent(tracker), say=["language_switched"]))
            return events
        send(dispatcher, desk_payload(
            language=lang, intent=_intent(tracker), topic=topic.id, aspect=tracker.get_slot("aspect")
        ))
        return events


class ActionHandoff(Action):
    """The user asks for a person: give the hotline and the bureau's contact."""

    def name(self) -> str:
        return "action_handoff"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        message = tracker.latest_message
        named = the_topic_named(message.get("entities") or [], text_for_rules(message), shared_repository().ids())
        kept = [SlotSet("topic", named), SlotSet("aspect", None)] if named else []  # the topic goes on after the person
        return hand_over(dispatcher, tracker, _language(tracker)) + kept


def symbols_only(dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any],
                 lang: str) -> Optional[List[EventType]]:
    """A message of symbols only asks nothing, so it never repeats the last answer as a
    follow-up would: an emoji or a sticker ("👍", "[强]") is acknowledged, a lone "？" is not
    understood. None for a message with words (a button's "/ask_…" payload has them)."""
    text = tracker.latest_message.get("text") or ""
    if not wordless(text):
        return None
    if only_emoji(text):
        return acknowledge(dispatcher, tracker, lang)
    return not_helped(dispatcher, tracker, domain, lang, "utter_fallback")


def acknowledge(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> List[EventType]:
    """A gesture (an emoji or a sticker) is answered in kind, as thanks are: no failure, no repeat;
    so is "ok" or "好吧" ("acknowledged"), unless it answers a pending "which one?"."""
    text = tracker.latest_message.get("text") or ""
    said = "thank" if only_emoji(text) else "acknowledged"
    if said == "acknowledged" and text.isascii():
        # "ok" is said in every language (and directs none): the conversation's stays
        lang = tracker.get_slot("language_preference") or tracker.get_slot("language") or lang
    send(dispatcher, desk_payload(language=lang, intent=_intent(tracker), say=[said]))
    return [SlotSet("language", lang)]


def answered_in_kind(tracker: Tracker) -> bool:
    """A gesture (an emoji, a sticker), or an "ok" that answers no pending clarifying question."""
    text = tracker.latest_message.get("text") or ""
    return only_emoji(text) or (only_acknowledgement(text) and not tracker.get_slot("clarify_options"))


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str) -> List[EventType]:
    """Give the user a person to contact (the hotline and the bureau), in their language."""
    send(dispatcher, desk_payload(language=lang, intent=_intent(tracker), handoff=True, say=["handoff"]))
    return [SlotSet("language", lang), SlotSet("failed_turns", 0.0)]


def not_helped(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    domain: Dict[str, Any],
    lang: str,
    template: str,
) -> List[EventType]:
    """A turn the desk could not help with (not understood or out of scope): say so; the
    second such turn in a row also gives the user a person to contact."""
    failures = int(tracker.get_slot("failed_turns") or 0) + 1
    handoff = failures >= FAILURES_BEFORE_HANDOFF
    key = template[len("utter_"):]
    if not handoff:
        say = [key, ELSEWHERE_KEY] if key == "out_of_scope" else [key]  # ... and where else to ask
    elif key == "fallback":
        say = ["handoff_after_failures"]
    else:
        say = [key, "handoff_offer"]
    send(dispatcher, desk_payload(language=lang, intent=_intent(tracker), handoff=handoff, say=say))
    return [SlotSet("language", lang), SlotSet("failed_turns", 0.0 if handoff else float(failures))]


class ActionFallback(Action):
    """Not understood: ask to rephrase; after repeated failures hand over to a person."""

    def name(self) -> str:
        return "action_fallback"

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[str, Any]
    ) -> List[EventType]:
        lang = _language(tracker)
        if answered_in_kind(tracker):
            return acknowledge(dispatcher, tracker, lang)  # "👍👍", "ok" are no failure
        return not_helped(dispatcher, tracker, domain, lang, "utter_fallback")
