"""Each custom action with rasa_sdk's Tracker and CollectingDispatcher on a real SQLite
policy database."""

from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.actions as acts
import desk.policies.repository as repository_module


@pytest.fixture(autouse=True)
def use_test_repository(repository, monkeypatch):
    monkeypatch.setattr(repository_module, "_shared", repository)


def tracker(
    text: str,
    intent: str,
    confidence: float = 0.9,
    slots: Optional[Dict[str, Any]] = None,
    entities: Optional[List[Dict[str, Any]]] = None,
    aspect: Optional[str] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "intent_ranking": ranking or [{"name": intent, "confidence": confidence}],
        "entities": entities or [],
    }
    if aspect:
        latest["aspect"] = {"name": aspect, "confidence": 0.9}
    return Tracker("test-user", slots or {}, latest, [], False, None, {}, "action_listen")


def run(action, tr: Tracker, domain):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tr, domain)
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    payloads = [m["custom"]["desk"] for m in dispatcher.messages if m.get("custom")]
    texts = [m["text"] for m in dispatcher.messages if m.get("text")]
    return texts, payloads[-1], slots, dispatcher.messages


def test_answer_in_chinese_with_materials_and_source(domain) -> None:
    texts, payload, slots, _ = run(
        acts.ActionAnswer(), tracker("口岸签证需要什么材料", "ask_port_visa", aspect="materials"), domain
    )
    assert payload["topic"] == "port_visa" and payload["aspect"] == "materials"
    assert payload["language"] == "zh" and "来源：english.shanghai.gov.cn《什么是口岸签证？" in texts[0]
    # the stored turn keeps only the decision; channels add the structured answer
    assert "answer" not in payload and "sources" not in payload
    assert slots == {"topic": "port_visa", "aspect": "materials", "language": "zh", "failed_turns": 0.0, "clarify_options": None}


def test_follow_up_in_context_and_english(domain) -> None:
    texts, payload, slots, _ = run(
        acts.ActionAnswer(),
        tracker("how long does it take?", "ask_aspect", aspect="duration",
                slots={"topic": "talent_visa", "aspect": "materials", "language": "zh"}),
        domain,
    )
    assert payload["topic"] == "talent_visa" and payload["aspect"] == "duration"
    assert payload["language"] == "en" and "Sources:" in texts[0]


def test_follow_up_without_context_asks_with_buttons(domain) -> None:
    _, payload, slots, messages = run(
        acts.ActionAnswer(),
        tracker("我想问签证的事", "ask_vague",
                ranking=[{"name": "ask_vague", "confidence": 0.8}, {"name": "ask_talent_visa", "confidence": 0.1},
                         {"name": "ask_port_visa", "confidence": 0.05}]),
        domain,
    )
    buttons = messages[0]["buttons"]
    assert payload["topic"] is None and [b["payload"] for b in buttons] == ["/ask_talent_visa", "/ask_port_visa"]
    assert buttons[0]["title"].startswith("人才签证")


def test_language_preference_wins(domain) -> None:
    texts, payload, _, _ = run(
        acts.ActionAnswer(),
        tracker("工作许可要多久", "ask_work_permit", aspect="duration", slots={"language_preference": "en"}),
        domain,
    )
    assert payload["language"] == "en" and "Sources:" in texts[0]


def test_switch_language_repeats_last_answer(domain) -> None:
    texts, payload, slots, _ = run(
        acts.ActionSwitchLanguage(),
        tracker("in English please", "switch_language", slots={"topic": "permanent_residence", "aspect": "duration"}),
        domain,
    )
    assert slots["language_preference"] == "en" and payload["topic"] == "permanent_residence"
    assert "Sources:" in texts[0]


def test_small_talk_and_out_of_scope(domain) -> None:
    texts, payload, _, _ = run(acts.ActionSmallTalk(), tracker("你好", "greet"), domain)
    assert payload["topic"] is None and "您好" in texts[0]
    texts, payload, _, _ = run(acts.ActionSmallTalk(), tracker("how do I open a bank account", "out_of_scope"), domain)
    assert payload["topic"] is None and "Sorry" in texts[0]
    # ... and says where else to ask: the city's citizen hotline, with no hand-off
    assert "12345" in texts[0] and payload["handoff"] is False


def test_handoff_gives_hotline_details(domain) -> None:
    texts, payload, _, _ = run(acts.ActionHandoff(), tracker("转人工", "human_handoff"), domain)
    assert payload["handoff"] is True and "12345" in texts[0]


def test_repeated_failure_hands_off(domain) -> None:
    first = run(acts.ActionAnswer(), tracker("asdfgh", "nlu_fallback", confidence=0.3), domain)
    assert first[1]["handoff"] is False and first[2]["failed_turns"] == 1.0
    second = run(
        acts.ActionAnswer(), tracker("qwerty", "nlu_fallback", confidence=0.3, slots={"failed_turns": 1.0}), domain
    )
    assert second[1]["handoff"] is True and "12345" in second[0][0]


def test_not_understood_request_for_another_language_switches(domain) -> None:
    _, payload, slots, _ = run(
        acts.ActionAnswer(),
        tracker("could you put that in Chinese for my manager?", "nlu_fallback", 0.3,
                slots={"topic": "port_visa", "aspect": "materials", "language": "en"}),
        domain,
    )
    assert payload["language"] == "zh" and payload["topic"] == "port_visa"
    assert slots["language_preference"] == "zh"


def test_a_language_named_in_a_question_is_no_request(domain) -> None:
    """'without a Chinese ID' names a language and asks about the platform; pinyin 'neng' and
    'Minsheng Road' end in 'eng': all three are questions, answered in the user's language."""
    for text, aspect in (
        ("so can foreigners without a Chinese ID use it?", "eligibility"),
        ("waiguoren neng yong ma", "eligibility"),
        ("要本人去 Minsheng Road 吗", "where"),
    ):
        _, payload, slots, _ = run(
            acts.ActionAnswer(),
            tracker(text, "nlu_fallback", 0.3, aspect=aspect,
                    slots={"topic": "digital_platform", "aspect": "overview", "language": "en"}),
            domain,
        )
        assert payload["topic"] == "digital_platform" and payload["aspect"] == aspect, text
        assert "language_preference" not in slots, text


def test_switch_language_that_asks_more_answers_it(domain) -> None:
    _, payload, slots, _ = run(
        acts.ActionSwitchLanguage(),
        tracker("Please answer in English too - what documents must our company submit?", "switch_language",
                aspect="materials", entities=[{"entity": "aspect", "value": "materials", "start": 44, "end": 53}],
                slots={"topic": "work_permit", "aspect": "eligibility", "language": "zh"}),
        domain,
    )
    assert slots["language_preference"] == "en" and payload["language"] == "en"
    assert payload["topic"] == "work_permit" and payload["aspect"] == "materials"


def test_a_person_who_speaks_the_language_is_a_handoff(domain) -> None:
    """'a number for someone who speaks English' asks for a person, in English, not for the
    bot's reply language; 'my Chinese is not good' alone still switches the language."""
    for text in ("Could you give me a number for someone who speaks English? My Chinese is not good enough",
                 "有没有会说英语的工作人员"):
        texts, payload, slots, _ = run(
            acts.ActionSwitchLanguage(),
            tracker(text, "switch_language", slots={"topic": "work_permit", "aspect": "materials", "language": "zh"}),
            domain,
        )
        assert payload["handoff"] is True and "12345" in texts[0], text
        assert slots["language_preference"] == "en", text
    _, payload, _, _ = run(
        acts.ActionSwitchLanguage(),
        tracker("my chinese isn't good", "switch_language", slots={"topic": "work_permit", "aspect": "materials"}),
        domain,
    )
    assert not payload.get("handoff") and payload["topic"] == "work_permit"


def test_a_person_demanded_in_a_topic_question_is_a_handoff_and_the_topic_goes_on(domain) -> None:
    text = "My PR application has been pending 7 months and nobody answers the phone. Give me a person"
    texts, payload, slots, _ = run(
        acts.ActionAnswer(),
        tracker(text, "ask_permanent_residence", 0.8, entities=[{"entity": "topic", "value": "permanent_residence", "start": 3, "end": 5}]),
        domain,
    )
    assert payload["handoff"] is True and "12345" in texts[0]
    assert slots["topic"] == "permanent_residence"
    # a field of work and a staff member's words are no such request
    for text in ("我是做人工智能的，能申请人才签证吗", "can someone tell me the fee for the talent visa"):
        _, payload, _, _ = run(acts.ActionAnswer(), tracker(text, "ask_talent_visa", 0.9), domain)
        assert not payload.get("handoff") and payload["topic"] == "talent_visa", text


def test_thanks_that_name_a_topic_and_ask_nothing_are_small_talk(domain) -> None:
    slots = {"topic": "work_permit", "aspect": "duration", "language": "en"}
    texts, payload, _, _ = run(
        acts.ActionAnswer(), tracker("thanks for yesterday's info on the work permit!", "ask_work_permit", slots=slots), domain
    )
    assert payload["topic"] is None and payload["say"] == ["thank"]
    _, payload, _, _ = run(
        acts.ActionAnswer(),
        tracker("thanks! and how long is the work permit valid?", "ask_work_permit", aspect="duration", slots=slots),
        domain,
    )
    assert payload["topic"] == "work_permit"


@pytest.mark.parametrize(
    "topic, text, intent, aspect, span, plain, plain_confidence",
    [
        # 'what documants' read as 'what can you do' after a family-permit answer asks for its documents
        ("family_permits", "what documants", "capabilities", "materials", (5, 14), "what can you do", 0.5),
        # '电话也发一下 thx' after the bureau's address, read as thanks, asks for the phone
        ("contact", "电话也发一下 thx", "thank", "where", (0, 2), "thanks!", 0.98),
    ],
)
def test_an_unsure_small_talk_turn_that_asks_for_more_follows_up(
    domain, topic: str, text: str, intent: str, aspect: str, span: tuple, plain: str, plain_confidence: float
) -> None:
    """An unsure capabilities or thanks turn that names an aspect asks about the topic under
    discussion; the small talk itself ('what can you do', a sure 'thanks!') stays small talk."""
    slots = {"topic": topic, "aspect": "overview", "language": "en"}
    entities = [{"entity": "aspect", "value": aspect, "start": span[0], "end": span[1]}]
    _, payload, _, _ = run(
        acts.ActionSmallTalk(), tracker(text, intent, 0.4, slots=slots, aspect=aspect, entities=entities), domain
    )
    assert payload["topic"] == topic
    _, payload, _, _ = run(acts.ActionSmallTalk(), tracker(plain, intent, plain_confidence, slots=slots), domain)
    assert payload["topic"] is None


def test_explicit_language_requests() -> None:
    from desk.dialogue.turns import asked_language, requested_language

    assert asked_language("could you put that in Chinese for my manager?") == "zh"
    assert asked_language("用英文回答") == "en"
    assert asked_language("foreigners without a Chinese ID") is None
    assert requested_language("eng pls") == "en"
    # a language the user cannot read asks for the other one
    assert requested_language("sorry i don't understand chinese") == "en"
    assert requested_language("my chinese is not good enough for this") == "en"
    assert requested_language("no chinese please") == "en"
    assert requested_language("我看不懂英文") == "zh"
    assert requested_language("用中文回答吧，我们HR同事英文不太好") == "zh"
    assert requested_language("mianfei gongyu neng zhu ji tian") is None


def test_a_person_asked_for_about_a_named_topic_keeps_the_topic_for_the_next_turn(domain) -> None:
    text = "I've been waiting 3 weeks for my residence permit, this is ridiculous. I want to speak to a supervisor."
    start = text.index("residence permit")
    entity = {"entity": "topic", "value": "residence_permit", "start": start, "end": start + len("residence permit")}
    _, payload, slots, _ = run(acts.ActionHandoff(), tracker(text, "human_handoff", entities=[entity]), domain)
    assert payload["handoff"] is True and slots["topic"] == "residence_permit"
    # the next turn follows it up
    _, payload, _, _ = run(
        acts.ActionAnswer(), tracker("算了，那正常一般要多久", "ask_aspect", 0.5, slots={"topic": "residence_permit"}, aspect="duration"), domain
    )
    assert payload["topic"] == "residence_permit" and payload["aspect"] == "duration"
    # a request that names no topic (or only the contact words) leaves the conversation's topic as it was
    _, _, slots, _ = run(acts.ActionHandoff(), tracker("Can I just talk to someone in person?", "human_handoff",
                                                       slots={"topic": "permanent_residence"}), domain)
    assert "topic" not in slots


@pytest.mark.parametrize(
    "text, intent", [("need help", "capabilities"), ("I have a problem with my card", "out_of_scope"), ("帮帮我", "capabilities")]
)
def test_a_bare_request_for_help_asks_which_topic(domain, text: str, intent: str) -> None:
    """"need help" on a first turn: which topic is asked, with a button per topic, not the list of
    what the desk does nor a refusal; "what can you do" is still answered with the list."""
    _, payload, slots, messages = run(acts.ActionSmallTalk(), tracker(text, intent, 0.9), domain)
    assert payload["say"] == ["clarify_topic"] and payload["topic"] is None
    assert len(slots["clarify_options"]) >= 2 and any(m.get("buttons") for m in messages)
    # the options numbered in the text as well, for clients without buttons
    shown = "\n".join(m.get("text") or "" for m in messages)
    assert "\n1. " in shown and "\n2. " in shown
    _, payload, _, _ = run(acts.ActionSmallTalk(), tracker("what can you do", "capabilities", 0.9), domain)
    assert payload["say"] == ["capabilities"]


@pytest.mark.parametrize("text, intent, said", [
    ("😀", "ask_aspect", "thank"), ("🙏", "ask_aspect", "thank"), ("[强]", "ask_aspect", "thank"),
    ("👍👍", "nlu_fallback", "thank"), ("😀", "out_of_scope", "thank"), ("？", "ask_aspect", "fallback"),
])
def test_symbols_only_never_repeat_the_answer(text, intent, said, domain) -> None:
    slots = {"topic": "talent_visa", "aspect": "procedure", "language": "zh"}
    action = {"ask_aspect": acts.ActionAnswer, "nlu_fallback": acts.ActionFallback, "out_of_scope": acts.ActionSmallTalk}[intent]
    _, payload, events, _ = run(action(), tracker(text, intent, slots=slots, aspect="procedure"), domain)
    assert payload["topic"] is None and payload["say"][0] == said and payload["language"] == "zh"
    assert "topic" not in events  # the topic under discussion goes on after the gesture


def test_working_on_visa_free_entry_is_the_work_permits_condition(domain) -> None:
    for question in ("Can I work in Shanghai on the 30-day visa-free entry?", "免签入境可以在上海工作吗？"):
        texts, payload, _, _ = run(acts.ActionAnswer(), tracker(question, "ask_work_permit"), domain)
        assert (payload["topic"], payload["aspect"]) == ("work_permit", "eligibility"), question
        assert "never allow work" in texts[0] or "不能在华工作" in texts[0]
    # visa-free entry as such stays none of the desk's permits
    _, payload, _, _ = run(acts.ActionAnswer(), tracker("Is the 30-day visa-free entry still valid for Germans?",
                                                        "ask_port_visa"), domain)
    assert payload["topic"] is None


@pytest.mark.parametrize("text, intent", [
    ("ok", "ask_aspect"), ("好吧", "out_of_scope"), ("got it", "nlu_fallback"), ("明白了", "ask_aspect"),
])
def test_an_acknowledgement_is_answered_in_kind(text, intent, domain) -> None:
    """"ok" after an answer is neither a failure ("didn't understand"), a refusal nor a follow-up
    that repeats the answer; an English "ok" in a Chinese conversation is answered in Chinese."""
    slots = {"topic": "talent_visa", "aspect": "procedure", "language": "zh"}
    action = {"ask_aspect": acts.ActionAnswer, "nlu_fallback": acts.ActionFallback, "out_of_scope": acts.ActionSmallTalk}[intent]
    texts, payload, events, _ = run(action(), tracker(text, intent, slots=slots), domain)
    assert payload["topic"] is None and payload["say"] == ["acknowledged"] and payload["language"] == "zh"
    assert texts[0].startswith("好的") and "topic" not in events and "failed_turns" not in events


def test_ok_to_a_pending_which_one_asks_again(domain) -> None:
    slots = {"clarify_options": ["port_visa", "talent_visa"], "language": "en"}
    _, payload, _, _ = run(acts.ActionAnswer(), tracker("ok", "ask_aspect", slots=slots), domain)
    assert payload["say"] == ["clarify_topic"]


def test_a_question_about_some_visa_read_as_out_of_scope_asks_which(domain) -> None:
    texts, payload, slots, _ = run(acts.ActionSmallTalk(), tracker("签证怎么办理", "out_of_scope", 0.52), domain)
    assert payload["say"] == ["clarify_topic"] and slots["clarify_options"][:2] == ["port_visa", "talent_visa"]
    # a visa of another country stays out of scope
    _, payload, _, _ = run(acts.ActionSmallTalk(), tracker("美国签证怎么办理", "out_of_scope", 0.9), domain)
    assert payload["say"] != ["clarify_topic"] and payload["topic"] is None


def test_working_on_visa_free_transit_read_as_out_of_scope_is_answered(domain) -> None:
    texts, payload, _, _ = run(acts.ActionSmallTalk(), tracker(
        "Can I work in Shanghai with 240-hour visa-free transit?", "out_of_scope", 0.9), domain)
    assert (payload["topic"], payload["aspect"]) == ("work_permit", "eligibility")
