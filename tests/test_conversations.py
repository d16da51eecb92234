"""Conversation patterns of issue 8 end to end: the real Rasa server and action server on a
trained model, through the hotline endpoint. Every turn is read in the light of the
conversation: elliptic follow-ups, a detour and a return, a clarifying question answered in
words, a correction, a language switch, a long pasted message."""

from __future__ import annotations

import uuid

import pytest

from desk.channels import hotline
from tests.stack import Stack, build_stack

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Stack:
    running = build_stack(tmp_path_factory.mktemp("conversations")).start()
    yield running
    running.stop()


def sender() -> str:
    return f"conv-{uuid.uuid4().hex[:8]}"


def test_elliptic_follow_ups_keep_the_topic(stack: Stack) -> None:
    who = sender()
    first = stack.ask(who, "My husband wants to join me in Shanghai, how do I get him a dependant permit?")
    assert first["topic"] == "family_permits"
    for text in ("and the processing time?", "what about my daughter, she's 9", "材料呢"):
        reply = stack.ask(who, text)
        assert reply["topic"] == "family_permits", text
    assert stack.ask(who, "需要多长时间")["aspect"] == "duration"


def test_detour_then_back_to_the_earlier_question(stack: Stack) -> None:
    who = sender()
    assert stack.ask(who, "人才驿站的免费公寓在哪里")["topic"] == "talent_station"
    detour = stack.ask(who, "明天上海天气怎么样")
    assert detour["topic"] is None and detour["answer"] is None
    back = stack.ask(who, "回到刚才的问题，要准备什么材料")
    assert (back["topic"], back["aspect"]) == ("talent_station", "materials")


def test_clarifying_question_answered_in_words(stack: Stack) -> None:
    who = sender()
    vague = stack.ask(who, "I have a question about a visa")
    assert vague["topic"] is None and vague["buttons"]
    answer = stack.ask(who, "the visa you can get when you land at Pudong airport")
    assert answer["topic"] == "port_visa"


def test_correction_switches_and_keeps_the_aspect(stack: Stack) -> None:
    who = sender()
    first = stack.ask(who, "工作许可要多久能办好")
    assert (first["topic"], first["aspect"]) == ("work_permit", "duration")
    fixed = stack.ask(who, "不对，我问的是永久居留，不是工作许可")
    assert (fixed["topic"], fixed["aspect"]) == ("permanent_residence", "duration")


def test_language_switch_keeps_topic_and_follow_up_continues(stack: Stack) -> None:
    who = sender()
    assert stack.ask(who, "R签证有效期多久")["topic"] == "talent_visa"
    english = stack.ask(who, "please answer in English, my Chinese isn't good")
    assert english["language"] == "en" and english["topic"] == "talent_visa"
    assert stack.ask(who, "and who can apply?")["topic"] == "talent_visa"
    who = sender()
    assert stack.ask(who, "工作许可要带什么材料")["topic"] == "work_permit"
    unread = stack.ask(who, "sorry I don't understand Chinese")
    assert unread["language"] == "en" and unread["topic"] == "work_permit"
    person = stack.ask(who, "Could you give me a number for someone who speaks English? My Chinese is not good enough")
    assert person["handoff"] is True and person["language"] == "en"


def test_out_of_scope_and_near_misses_mid_conversation_are_refused(stack: Stack) -> None:
    who = sender()
    assert stack.ask(who, "what documents do I need for a work permit?")["topic"] == "work_permit"
    for text in ("what is 12% of 30000?", "<span>work permit</span>", "can you recommend a good gym nearby"):
        reply = stack.ask(who, text)
        assert reply["topic"] is None and reply["answer"] is None, text


def test_a_reply_language_directed_in_an_english_question_is_kept(stack: Stack) -> None:
    who = sender()
    asked = stack.ask(who, "Please answer in Chinese: what documents for a port visa?")
    assert (asked["language"], asked["topic"], asked["aspect"]) == ("zh", "port_visa", "materials")
    assert stack.ask(who, "and how long does it take?")["language"] == "zh"  # kept until changed
    translated = stack.ask(sender(), "Must my diploma be translated into Chinese for the work permit?")
    assert translated["language"] == "en"  # a language mentioned, not asked for


def test_a_stray_letter_gets_no_policy_answer(stack: Stack) -> None:
    for text in ("b", "xz"):
        reply = stack.ask(sender(), text)
        assert reply["topic"] is None and reply["answer"] is None, text


def test_a_question_pasted_with_formatting_is_answered_and_markup_alone_is_not(stack: Stack) -> None:
    who = sender()
    reply = stack.ask(who, "<p>Hello,</p><p>how long does it take to get a <b>work permit</b>?</p>")
    assert reply["topic"] == "work_permit" and reply["aspect"] == "duration"
    for text in ("<h1>Work Permit</h1>", "<p>work permit</p> how do I make this paragraph bold?"):
        refused = stack.ask(who, text)
        assert refused["topic"] is None and refused["answer"] is None, text


def test_long_pasted_message_is_answered_about_its_question(stack: Stack) -> None:
    who = sender()
    limit = min(hotline.MAX_MESSAGE_CHARS, 10_000)  # the contract: up to 10,000 characters are answered
    question = "\nOur new engineer from Brazil arrives next week. How long does the work permit take to be approved?"
    ending = question + "\n\nBest regards,\nTom"
    filler = "We moved into the new office in Zhangjiang last month and the team is growing fast. " * 200
    head = "Hi,\n\nforwarding the note from our office manager below.\n\n"
    mail = head + filler[: limit - len(head) - len(ending)] + ending
    assert len(mail) <= limit and len(mail) >= 1900
    reply = stack.ask(who, mail)
    assert reply["topic"] == "work_permit" and reply["aspect"] == "duration"


def test_status_in_passing_and_what_about_keep_the_conversation(stack: Stack) -> None:
    who = sender()
    first = stack.ask(who, "can a foreign domestic helper work for a family in Pudong?")
    assert first["topic"] == "family_permits"
    status = stack.ask(who, "that's me by the way, I'm Australian, R visa holder")
    assert status["topic"] == "family_permits"
    where = stack.ask(who, "where do we apply for her permit?")
    assert (where["topic"], where["aspect"]) == ("family_permits", "where")
    other = stack.ask(who, "那普通的居留许可呢")
    assert (other["topic"], other["aspect"]) == ("residence_permit", "where")


def test_a_bare_word_is_clarified_and_visa_free_entry_refused(stack: Stack) -> None:
    bare = stack.ask(sender(), "permit??")
    assert bare["topic"] is None and bare["buttons"]
    visa_free = stack.ask(sender(), "is the 30-day visa-free entry for Germans still valid next year?")
    assert visa_free["topic"] is None and visa_free["answer"] is None


def test_who_a_turn_is_about_colleague_family_and_the_topic_meant(stack: Stack) -> None:
    who = sender()
    first = stack.ask(who, "We are hiring a German engineer, what documents does the company need for her work permit?")
    assert first["topic"] == "work_permit"
    assert stack.ask(who, "how long will the approval take for her")["topic"] == "work_permit"
    assert stack.ask(who, "他太太跟两个小孩也要一起过来")["topic"] == "family_permits"
    who = sender()
    assert stack.ask(who, "What are the conditions for the R visa?")["topic"] == "talent_visa"
    assert stack.ask(who, "那我老婆呢")["topic"] == "talent_visa"
    meant = stack.ask(who, "wait sorry, I mean my residence permit, the R visa was only for entering")
    assert meant["topic"] == "residence_permit"
    who = sender()
    assert stack.ask(who, "I have a question about the talent apartment in Pudong, how many days is it free?")["topic"] == "talent_station"
    assert stack.ask(who, "can I use it with my foreign passport")["topic"] == "talent_station"
    elsewhere = stack.ask(sender(), "北京的外国人居留许可要去哪个分局办？")
    assert elsewhere["topic"] is None and elsewhere["answer"] is None


def test_fees_offerings_a_person_who_speaks_english_and_what_about(stack: Stack) -> None:
    who = sender()
    assert stack.ask(who, "居留许可续签要准备什么材料")["topic"] == "residence_permit"
    fee = stack.ask(who, "费用多少")
    assert fee["topic"] == "residence_permit" and fee["answer"] is not None
    assert "400元" in fee["replies"][0] and "费用" in fee["replies"][0]  # the schedule, not the overview alone
    who = sender()
    unknown = stack.ask(who, "How much does the work permit cost?")
    assert unknown["topic"] == "work_permit" and "list no fee" in unknown["replies"][0]
    hours = stack.ask(sender(), "人社局几点上班")  # the hours shown are the Exit-Entry Bureau's
    assert hours["topic"] == "contact" and "其他机构或窗口的办公时间资料里没有" in hours["replies"][0]
    who = sender()
    stay = stack.ask(who, "人才驿站能免费住几天")
    assert (stay["topic"], stay["aspect"]) == ("talent_station", "duration")
    port = stack.ask(who, "那人才港呢？跟驿站是一回事吗")
    assert port["topic"] == "talent_port" and port["aspect"] in (None, "overview")
    events = stack.ask(who, "人才港里都有哪些活动")
    assert events["topic"] == "talent_port" and events["aspect"] in (None, "overview")
    who = sender()
    assert stack.ask(who, "What documents do I need for the talent visa?")["topic"] == "talent_visa"
    person = stack.ask(who, "Could someone who speaks English phone me? My Chinese is bad")
    assert person["handoff"] is True and person["topic"] is None


def test_one_document_asked_about_leads_the_answer(stack: Stack) -> None:
    """After the work permit's documents, "無犯罪記錄證明的有效期多久" got the permit's processing
    times: the answer now leads with that certificate and its 6 months; the topic goes on."""
    who = sender()
    assert stack.ask(who, "工作许可需要什么材料")["topic"] == "work_permit"
    certificate = stack.ask(who, "無犯罪記錄證明的有效期多久")
    lines = certificate["replies"][0].splitlines()
    assert certificate["topic"] == "work_permit"
    assert lines[1].startswith("关于「无犯罪记录证明") and "6个月内有效" in lines[1]  # first, under the heading


def test_a_comparison_answers_both_topics_and_the_follow_up_goes_on(stack: Stack) -> None:
    who = sender()
    both = stack.ask(who, "R visa or port visa, which one is faster?")
    assert both["topic"] in ("talent_visa", "port_visa") and both["aspect"] == "duration"
    other = ({"talent_visa", "port_visa"} - {both["topic"]}).pop()
    assert both["answer_object"]["compared"] == [other]
    assert "R visa" in both["replies"][0] and "Port visa" in both["replies"][0]
    follow = stack.ask(who, "and what documents?")
    assert (follow["topic"], follow["aspect"]) == (both["topic"], "materials")
    assert follow["answer_object"]["compared"] == []
    zh = stack.ask(sender(), "工作许可和居留许可有什么区别")
    assert len({zh["topic"], *zh["answer_object"]["compared"]}) == 2
