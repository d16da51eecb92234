"""What a turn means in context: follow-ups, switches, corrections, vague questions."""

from desk.dialogue.understanding import understand

TOPICS = ["port_visa", "talent_visa", "work_permit", "family_permits", "permanent_residence", "residence_permit"]


def ranking(*pairs):
    return [{"name": name, "confidence": conf} for name, conf in pairs]


def test_topic_question_with_aspect() -> None:
    turn = understand(
        "ask_port_visa", ranking(("ask_port_visa", 0.9)), [], "口岸签证需要什么材料", TOPICS,
        aspect_guess={"name": "materials", "confidence": 0.9},
    )
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "port_visa", "materials")


def test_follow_up_uses_previous_topic() -> None:
    turn = understand(
        "ask_aspect", ranking(("ask_aspect", 0.8)), [], "那需要多久？", TOPICS,
        previous_topic="port_visa", previous_aspect="materials",
        aspect_guess={"name": "duration", "confidence": 0.8},
    )
    assert (turn.topic, turn.aspect) == ("port_visa", "duration")


def test_topic_switch_keeps_the_aspect() -> None:
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.7)), [], "and for my kids?", TOPICS,
        previous_topic="work_permit", previous_aspect="materials",
        aspect_guess={"name": "overview", "confidence": 0.5},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "materials")


def test_correction_switches_topic() -> None:
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.8)),
        [{"entity": "topic", "value": "permanent_residence"}],
        "no, I meant the permanent residence card", TOPICS,
        previous_topic="residence_permit", previous_aspect="duration",
    )
    assert (turn.topic, turn.aspect) == ("permanent_residence", "duration")


def test_follow_up_without_context_asks_which_topic() -> None:
    turn = understand(
        "ask_aspect", ranking(("ask_aspect", 0.9), ("ask_work_permit", 0.05)), [],
        "what documents do I need?", TOPICS,
        aspect_guess={"name": "materials", "confidence": 0.9},
    )
    assert turn.kind == "clarify" and turn.aspect == "materials"


def test_vague_question_offers_candidates() -> None:
    turn = understand(
        "ask_vague",
        ranking(("ask_vague", 0.7), ("ask_talent_visa", 0.1), ("ask_port_visa", 0.08), ("ask_residence_permit", 0.05)),
        [], "我想问签证的事", TOPICS,
    )
    assert turn.kind == "clarify" and turn.candidates[:2] == ["talent_visa", "port_visa"]


def test_vague_question_naming_one_topic_is_answered() -> None:
    turn = understand(
        "ask_vague", ranking(("ask_vague", 0.6)), [{"entity": "topic", "value": "port_visa"}],
        "question about the M port visa", TOPICS,
    )
    assert (turn.kind, turn.topic) == ("answer", "port_visa")


def test_unsure_classifier_with_no_keyword_rejects() -> None:
    turn = understand("nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_port_visa", 0.2)), [], "asdfgh", TOPICS)
    assert turn.kind == "reject" and turn.topic is None


def test_unsure_classifier_with_one_clear_keyword_answers() -> None:
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_talent_visa", 0.25)),
        [{"entity": "topic", "value": "talent_visa"}], "R visa ??", TOPICS,
    )
    assert (turn.kind, turn.topic) == ("answer", "talent_visa")
