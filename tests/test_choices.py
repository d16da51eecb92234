"""Options of a clarifying question chosen by number, and figures that ask nothing."""

import pytest

from desk.dialogue.choices import chosen_number, chosen_option, only_figures
from desk.dialogue.render import option_lines
from desk.dialogue.understanding import understand

OPTIONS = ["port_visa", "talent_visa", "work_permit"]
TOPICS = [*OPTIONS, "residence_permit", "contact"]


@pytest.mark.parametrize("text, n", [
    ("1", 1), ("2.", 2), ("#3", 3), ("no. 2", 2), ("option 3", 3), ("3 please", 3), ("2nd", 2),
    ("the second one", 2), ("the last one", -1), ("第二个", 2), ("2号", 2), ("选3", 3), ("第3项", 3),
    ("第一个吧", 1), ("二", 2), (" 1 ", 1),
])
def test_a_choice_by_number(text: str, n: int) -> None:
    assert chosen_number(text) == n


@pytest.mark.parametrize("text", ["12", "123", "2 years", "second thoughts about the visa", "one more question", "两年", ""])
def test_not_a_choice(text: str) -> None:
    assert chosen_number(text) is None


def test_the_option_picked_is_in_range() -> None:
    assert chosen_option("2", OPTIONS) == "talent_visa"
    assert chosen_option("the last one", OPTIONS) == "work_permit"
    assert chosen_option("4", OPTIONS) is None
    assert chosen_option("2", []) is None


@pytest.mark.parametrize("text, figures", [("123", True), ("+86 138 0000 0000", True), ("2024?", True),
                                           ("R visa 2024", False), ("二", False), ("...", False)])
def test_only_figures(text: str, figures: bool) -> None:
    assert only_figures(text) is figures


def test_a_number_answers_the_pending_question_whatever_the_classifier_reads() -> None:
    turn = understand("out_of_scope", [{"name": "out_of_scope", "confidence": 0.75}], [], "2", TOPICS,
                      previous_aspect="materials", options=OPTIONS)
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "talent_visa", "materials")


def test_figures_without_a_pending_question_are_not_understood() -> None:
    turn = understand("ask_contact", [{"name": "ask_contact", "confidence": 0.87}], [], "123", TOPICS)
    assert turn.kind == "reject"
    after_an_answer = understand("ask_contact", [{"name": "ask_contact", "confidence": 0.87}], [], "123", TOPICS,
                                 previous_topic="work_permit")
    assert after_an_answer.kind == "reject"


def test_options_are_numbered_with_how_to_pick_one() -> None:
    buttons = [{"title": "Port visa", "payload": "/ask_port_visa"}, {"title": "", "payload": "/x"},
               {"title": "Talent visa", "payload": "/ask_talent_visa"}]
    lines = option_lines(buttons, "en")
    assert lines[:2] == ["1. Port visa", "2. Talent visa"] and "number" in lines[2]
    assert option_lines(buttons) == ["1. Port visa", "2. Talent visa"]
    assert option_lines([], "zh") == []
