"""What a turn means in context: follow-ups, switches, corrections, vague questions."""

import pytest

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
    assert turn.confidence == 0.8  # as sure as the classifier is that it follows up, not a floor of 0.5


def test_stray_letters_are_no_question_but_short_names_are() -> None:
    for text in ("b", "xz", "k?"):
        assert understand("ask_work_permit", ranking(("ask_work_permit", 0.31)), [], text, TOPICS).kind == "reject", text
    turn = understand("ask_talent_visa", ranking(("ask_talent_visa", 0.6)), [], "R", TOPICS)
    assert (turn.kind, turn.topic) == ("answer", "talent_visa")


def test_topic_switch_keeps_the_aspect() -> None:
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.7)), [], "and for my kids?", TOPICS,
        previous_topic="work_permit", previous_aspect="materials",
        aspect_guess={"name": "overview", "confidence": 0.5},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "materials")


def _named(text: str, topic: str, term: str, what: str) -> list:
    """Keyword entities as the extractor gives them: a topic term and the "what is" cue."""
    return [{"entity": "topic", "value": topic, "start": text.index(term), "end": text.index(term) + len(term)},
            {"entity": "aspect", "value": "overview", "start": text.index(what), "end": text.index(what) + len(what)}]


def test_new_topic_asked_what_it_is_is_not_the_earlier_question() -> None:
    question = "and the work permit, what is it exactly?"
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.8)), _named(question, "work_permit", "work permit", "what is"),
        question, TOPICS, previous_topic="talent_visa", previous_aspect="eligibility",
        aspect_guess={"name": "overview", "confidence": 0.95},
    )
    assert (turn.topic, turn.aspect) == ("work_permit", "overview")
    # unsure, or a correction ("sorry, I meant …, what is it"), the earlier question goes on
    for guess, text in ((0.5, question), (0.95, "sorry I meant the work permit, what is it")):
        turn = understand(
            "ask_work_permit", ranking(("ask_work_permit", 0.8)), _named(text, "work_permit", "work permit", "what is"),
            text, TOPICS, previous_topic="talent_visa", previous_aspect="eligibility",
            aspect_guess={"name": "overview", "confidence": guess},
        )
        assert (turn.topic, turn.aspect) == ("work_permit", "eligibility"), text


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


# --- every turn in context (issue 8) -------------------------------------------------------

def test_elliptic_turn_the_classifier_does_not_call_a_follow_up_keeps_the_topic() -> None:
    # "大概几天能好" after a family-permit answer: the classifier weakly guesses another topic
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.35), ("ask_family_permits", 0.2), ("ask_aspect", 0.2)),
        [{"entity": "aspect", "value": "duration"}], "大概几天能好", TOPICS,
        previous_topic="family_permits", previous_aspect="materials",
        aspect_guess={"name": "duration", "confidence": 0.8},
    )
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "family_permits", "duration")


def test_not_understood_turn_in_context_stays_on_the_topic() -> None:
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.9), ("ask_work_permit", 0.12)), [],
        "what about my son, he's 12", TOPICS, previous_topic="family_permits", previous_aspect="eligibility",
    )
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "family_permits", "eligibility")


def test_gibberish_in_context_is_still_not_understood() -> None:
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.9)), [], "asdfgh", TOPICS, previous_topic="work_permit",
    )
    assert turn.kind == "reject"


def test_a_clear_switch_beats_the_context() -> None:
    turn = understand(
        "ask_aspect", ranking(("ask_aspect", 0.8), ("ask_permanent_residence", 0.1)),
        [{"entity": "topic", "value": "permanent_residence", "start": 1, "end": 5}],
        "那永久居留呢，要满足什么条件", TOPICS, previous_topic="family_permits", previous_aspect="materials",
        aspect_guess={"name": "eligibility", "confidence": 0.9},
    )
    assert (turn.topic, turn.aspect) == ("permanent_residence", "eligibility")


def test_negated_topic_is_not_the_one_meant() -> None:
    text = "no, I meant the residence permit, not the work permit"
    entities = [
        {"entity": "topic", "value": "residence_permit", "start": text.index("residence"), "end": text.index("residence") + 16},
        {"entity": "topic", "value": "work_permit", "start": text.index("work"), "end": len(text)},
    ]
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.6), ("ask_residence_permit", 0.3)), entities, text, TOPICS,
        previous_topic="work_permit", previous_aspect="duration",
    )
    assert (turn.topic, turn.aspect) == ("residence_permit", "duration")


def test_clarifying_question_answered_in_words() -> None:
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.7), ("ask_port_visa", 0.25), ("ask_talent_visa", 0.05)), [],
        "the one you get at the airport when you land", TOPICS,
        previous_aspect="materials", options=["talent_visa", "port_visa", "residence_permit"],
    )
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "port_visa", "materials")


def test_an_offered_option_outweighs_a_close_topic_that_was_not_offered() -> None:
    """Asked which visa, "the one for top-level talents, I think it's free of charge" is the talent
    visa, offered and a close second, not the talent station (free stays) the classifier puts just
    ahead; a topic the classifier is clearly surer of still wins."""
    offered = ["talent_visa", "port_visa", "contact"]
    text = "the one for top-level talents, I think it's free of charge"
    close = ranking(("ask_talent_station", 0.34), ("ask_talent_visa", 0.28), ("ask_digital_platform", 0.17))
    turn = understand("ask_talent_station", close, [], text, ALL_TOPICS, options=offered)
    assert (turn.kind, turn.topic) == ("answer", "talent_visa")
    clear = ranking(("ask_permanent_residence", 0.8), ("ask_talent_visa", 0.1))
    turn = understand("ask_permanent_residence", clear, [], "the card for staying for good", ALL_TOPICS, options=offered)
    assert (turn.kind, turn.topic) == ("answer", "permanent_residence")


def test_detour_then_return_keeps_the_earlier_topic() -> None:
    # the out-of-scope turn left the topic slot alone; "back to my earlier question" resumes it
    turn = understand(
        "ask_aspect", ranking(("ask_aspect", 0.6), ("ask_contact", 0.2)), [{"entity": "aspect", "value": "materials"}],
        "ok back to my earlier question - what documents?", TOPICS + ["contact"],
        previous_topic="family_permits", previous_aspect="duration",
        aspect_guess={"name": "materials", "confidence": 0.9},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "materials")


def test_out_of_scope_turn_that_asks_about_an_aspect_follows_up() -> None:
    from desk.dialogue.understanding import follows_up

    aspect = [{"entity": "aspect", "value": "procedure"}]
    assert follows_up(0.5, aspect, "要怎么参加", TOPICS, "talent_port")
    assert not follows_up(0.5, aspect, "要怎么参加", TOPICS, None)  # nothing to follow up on
    assert not follows_up(0.9, aspect, "要怎么参加", TOPICS, "talent_port")  # surely out of scope
    assert not follows_up(0.5, [{"entity": "aspect", "value": "where"}], "btw where is a good dumpling place", TOPICS, "work_permit")


def test_opening_hours_after_an_answer_ask_about_its_place() -> None:
    """"open at night? I land 23:40" after the port visa asks when its counter is open; a bank's or a
    library's opening hours are a detour."""
    from desk.dialogue.understanding import follows_up

    assert follows_up(0.45, [], "open at night? I land 23:40", TOPICS, "port_visa")
    assert follows_up(0.6, [], "那出入境那边周末开门吗", TOPICS, "residence_permit")
    assert not follows_up(0.45, [], "open at night? I land 23:40", TOPICS, None)
    assert not follows_up(0.5, [], "sry one sec, do u know if ICBC branches open on saturday", TOPICS, "talent_visa")
    assert not follows_up(0.5, [], "浦东图书馆周末开门吗", TOPICS, "residence_permit")


def test_near_misses_are_refused() -> None:
    for text in ("what is 17% of 450000", "<div>work permit</div>", "print('work permit')", "3 work permits + 5 = ?"):
        turn = understand(
            "ask_work_permit", ranking(("ask_work_permit", 0.55)), [{"entity": "topic", "value": "work_permit"}],
            text, TOPICS, previous_topic="port_visa",
        )
        assert turn.kind == "reject", text


def test_a_structured_intent_from_the_console_is_not_a_code_fragment() -> None:
    text = '/ask_talent_visa{"aspect": "materials"}'
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 1.0)), [{"entity": "aspect", "value": "materials"}],
        text, TOPICS, previous_topic="port_visa",
    )
    assert (turn.kind, turn.topic) == ("answer", "talent_visa")
    assert understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.6)), [], 'x = {"aspect": 1}', TOPICS,
    ).kind == "reject"


def test_details_of_the_own_case_continue_the_topic_as_eligibility() -> None:
    from desk.dialogue.understanding import follows_up, own_case_statement

    assert own_case_statement("she's 67 and Korean") and own_case_statement("公司融资两千万了")
    assert not own_case_statement("what's the weather like") and not own_case_statement("today is sunny")
    assert follows_up(0.6, [], "the offer is from a company in Lingang", TOPICS, "work_permit")
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.8), ("ask_aspect", 0.1)), [], "she's 67 and Korean", TOPICS,
        previous_topic="family_permits", previous_aspect="materials",
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "eligibility")



def test_a_permit_the_user_holds_yields_to_the_one_asked_about() -> None:
    text = "I'm on a work permit, can my parents get a family permit?"
    entities = [
        {"entity": "topic", "value": "work_permit", "start": text.index("work"), "end": text.index(",")},
        {"entity": "topic", "value": "family_permits", "start": text.index("family"), "end": text.index("?")},
    ]
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.5), ("ask_family_permits", 0.4)), entities, text, TOPICS,
    )
    assert turn.topic == "family_permits"


def test_a_vague_new_question_in_a_conversation_is_clarified() -> None:
    turn = understand(
        "ask_vague", ranking(("ask_vague", 0.6), ("ask_talent_visa", 0.15), ("ask_port_visa", 0.1)), [],
        "我想问签证的事", TOPICS, previous_topic="work_permit", previous_aspect="materials",
    )
    assert turn.kind == "clarify" and "talent_visa" in turn.candidates


def test_markup_with_a_domain_word_is_refused_however_sure_the_classifier() -> None:
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.95)), [], "<span>work permit</span>", TOPICS,
        previous_topic="work_permit",
    )
    assert turn.kind == "reject"


def test_a_family_members_residence_permit_is_a_family_permit() -> None:
    from desk.dialogue.understanding import family_topic

    for text in ("我 wife 和 kids 的 residence permit 能跟我的同一天到期吗", "can my kids get residence permits too?",
                 "我老公 is on a work RP, 我 can get 家属 permit too?"):
        assert family_topic("residence_permit", text, TOPICS) == "family_permits", text
    assert family_topic("work_permit", "which documents does our Indonesian nanny need for her permit", TOPICS) == "family_permits"
    assert family_topic("residence_permit", "where do I renew my own residence permit, my wife is with me", TOPICS) == "residence_permit"
    assert family_topic("work_permit", "can my wife work here on her own work permit?", TOPICS) == "work_permit"
    assert family_topic("permanent_residence", "我老婆和孩子可以一起申请吗", TOPICS) == "permanent_residence"
    assert family_topic("residence_permit", "where do I renew my residence permit", TOPICS) == "residence_permit"


def test_word_tasks_with_a_domain_word_are_refused_but_questions_are_not() -> None:
    from desk.dialogue.understanding import word_task

    for text in ("帮我写一首关于人才签证的打油诗", "how do you say talent port in German?",
                 "what is 37 times 58", "write me a haiku about my work permit", "“永久居留”用法语怎么说"):
        assert word_task(text), text
        turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.95)), [], text, TOPICS)
        assert turn.kind == "reject", text
    for text in ("我的学历证书需要翻译成中文吗", "does my diploma need to be translated into Chinese",
                 "1+1+N 政策是什么", "how long does the work permit take, 3 times longer than before?"):
        assert not word_task(text), text


def test_both_permits_together_are_the_combined_procedure() -> None:
    from desk.dialogue.understanding import combined_topic

    for text in ("工作许可和工作居留许可能一起交吗", "gongzuo xuke he gongzuo juliu xuke keyi yiqi ban ma",
                 "can I get the work permit and residence permit in one go?"):
        assert combined_topic("work_permit", text, [*TOPICS, "work_residence_permit"]) == "work_residence_permit", text
    assert combined_topic("work_permit", "how long does the work permit take", [*TOPICS, "work_residence_permit"]) == "work_permit"
    assert combined_topic(
        "residence_permit", "I'm on a work permit, where do I get my residence permit", [*TOPICS, "work_residence_permit"]
    ) == "residence_permit"


def test_the_users_status_does_not_switch_the_topic_under_discussion() -> None:
    text = "我是 work permit A 类的"
    entities = [{"entity": "topic", "value": "work_permit", "start": 3, "end": 14}]
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.4)), entities, text, TOPICS,
        previous_topic="family_permits", previous_aspect="eligibility",
    )
    assert turn.topic == "family_permits"


def test_a_sure_classifier_does_not_make_the_users_status_the_topic() -> None:
    text = "that's me by the way, I'm Australian, R visa holder working at a lab"
    start = text.index("R visa")
    entities = [{"entity": "topic", "value": "talent_visa", "start": start, "end": start + 6}]
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.95), ("ask_family_permits", 0.03)), entities, text, TOPICS,
        previous_topic="family_permits", previous_aspect="eligibility",
    )
    assert turn.topic == "family_permits"


def test_a_corrected_detail_stays_on_the_topic_whatever_the_classifier_says() -> None:
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.9), ("ask_permanent_residence", 0.05)), [],
        "说错了，是工作了八年，不是四年", TOPICS, previous_topic="permanent_residence", previous_aspect="eligibility",
    )
    assert (turn.topic, turn.aspect) == ("permanent_residence", "eligibility")


def test_a_vague_question_pointing_back_is_about_the_topic_under_discussion() -> None:
    turn = understand(
        "ask_vague", ranking(("ask_vague", 0.6), ("ask_talent_visa", 0.15)), [],
        "so can foreigners without a Chinese ID use it?", TOPICS, previous_topic="port_visa",
    )
    assert (turn.kind, turn.topic) == ("answer", "port_visa")


def test_family_in_a_long_pasted_message_or_the_users_own_permit_is_not_a_family_permit() -> None:
    from desk.dialogue.understanding import family_topic

    paste = "Forwarding our HR note. " + "Daniel's wife and kids will follow later. " * 10 + "Can he get both permits at once?"
    assert family_topic("work_residence_permit", paste, TOPICS) == "work_residence_permit"
    assert family_topic("residence_permit", "na wo ziji de gongzuo juliu ne, wo laopo ye yao ban", TOPICS) == "residence_permit"


def test_a_business_partner_is_no_family_member() -> None:
    """"forwarding the note from our HR partner": a colleague, so both permits asked at once stay the
    combined permit; a partner who comes along is still family."""
    from desk.dialogue.understanding import family_topic

    note = "forwarding you the note from our HR partner: can he apply for the work permit and the residence permit together?"
    assert family_topic("work_residence_permit", note, TOPICS) == "work_residence_permit"
    assert family_topic("residence_permit", "my business partner needs to renew his residence permit, what docs?", TOPICS) == "residence_permit"
    assert family_topic("residence_permit", "my partner is coming with me, can she get a residence permit?", TOPICS) == "family_permits"


def test_a_corrected_detail_goes_on_with_the_topic() -> None:
    from desk.dialogue.understanding import follows_up

    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.8), ("out_of_scope", 0.2)), [],
        "抱歉说错了，是5岁，不是15", TOPICS, previous_topic="family_permits", previous_aspect="materials",
    )
    assert (turn.kind, turn.topic) == ("answer", "family_permits")
    assert follows_up(0.6, [], "sorry, I meant 8 years not 4", TOPICS, "permanent_residence")
    assert not follows_up(0.6, [], "sorry, I meant 8 years not 4", TOPICS, None)  # nothing to correct
    nothing = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.8), ("out_of_scope", 0.2)), [],
        "抱歉说错了，是5岁，不是15", TOPICS,
    )
    assert nothing.kind == "reject"


def test_another_countrys_visa_is_refused_even_with_a_domain_word() -> None:
    from desk.dialogue.understanding import foreign_visa

    for text in ("do chinese PR holders need a visa for Japan?", "持永居证去韩国要签证吗",
                 "schengen visa appointment for a work permit holder in shanghai", "美国旅游签证要多久",
                 "how do our engineers get German work visas for the Munich project?", "a Japanese spouse visa for my wife"):
        assert foreign_visa(text), text
        turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.9)), [], text, TOPICS)
        assert turn.kind == "reject", text
    for text in ("I'm from Japan, how do I get a work visa for China?", "日本人来华工作签证怎么办",
                 "my Korean colleague needs a port visa", "can a US citizen get the R visa",
                 "I came on a German passport, do I need a work visa?"):
        assert not foreign_visa(text), text


def test_editing_naming_and_translating_a_phrase_are_word_tasks_but_asking_for_english_is_not() -> None:
    from desk.dialogue.understanding import word_task

    for text in ("tell me a funny joke about work permits", "give me 5 names for our talent station event",
                 "proofread this: our company support talent visa applicant", "trivia: which country invented the green card?",
                 "把“人才驿站”翻译成英文", "翻成英文：外籍高层次人才", "帮我校对一下这段话：欢迎申请工作许可",
                 "“人才”这个词是什么意思", "给我们的人才港活动想几个口号"):
        assert word_task(text), text
    for text in ("能总结一下工作许可的流程吗", "用英文回答可以吗", "please answer in English",
                 "我想改名字，工作许可要重新办吗", "can you summarize the residence permit rules for me"):
        assert not word_task(text), text


def test_another_countrys_green_card_and_going_abroad_visa_free_are_refused() -> None:
    from desk.dialogue.understanding import foreign_visa, near_miss

    for text in ("I hold an American green card, do I need to renew it while living in Pudong?",
                 "持中国永居去泰国可以免签吗", "我有美国绿卡，回美国要注意什么"):
        assert foreign_visa(text), text
    for text in ("is the Chinese green card like the US green card?", "去日本出差回来，签证还有效吗",
                 "I work in the film industry, can I get an R visa?", "港口签证落地能办吗",
                 "which talent agencies are in the talent port"):
        assert not foreign_visa(text), text
        assert not near_miss(text), text
    for text in ("which talent show is on TV tonight", "浦东港口的集装箱吞吐量是多少", "who starred in Green Card"):
        assert near_miss(text), text


def test_a_confident_what_is_it_beats_a_place_word_in_the_description() -> None:
    from desk.dialogue.understanding import resolve_aspect

    assert resolve_aspect({"name": "overview", "confidence": 0.9}, ["where", "overview"]) == "overview"
    # without "what is" the place word is the question ("人才港地址在哪")
    assert resolve_aspect({"name": "overview", "confidence": 0.9}, ["where"]) == "where"
    assert resolve_aspect({"name": "overview", "confidence": 0.5}, ["where"]) == "where"
    assert resolve_aspect({"name": "eligibility", "confidence": 0.4}, ["where"]) == "eligibility"


def test_the_permit_the_user_came_on_is_background_to_the_one_asked_about() -> None:
    from desk.dialogue.understanding import keyword_roles

    text = "我拿的是 R visa，来了以后 residence permit 怎么办"
    entities = [
        {"entity": "topic", "value": "talent_visa", "start": 5, "end": 11},
        {"entity": "topic", "value": "residence_permit", "start": 17, "end": 33},
    ]
    named, _negated, status = keyword_roles(entities, text, TOPICS)
    assert named == ["residence_permit"] and status == ["talent_visa"]
    turn = understand("ask_talent_visa", ranking(("ask_talent_visa", 0.6), ("ask_residence_permit", 0.3)), entities, text, TOPICS)
    assert turn.topic == "residence_permit"


def test_a_domain_word_in_another_sense_is_a_near_miss() -> None:
    from desk.dialogue.understanding import near_miss

    for text in ("my PR got merged on GitHub, how long until it's released?", "which USB port should I use",
                 "port 8080 is blocked on my laptop", "cargo port jobs in Pudong"):
        assert near_miss(text), text
    for text in ("how long does PR take in shanghai", "is my PR application reviewed by the police",
                 "where is the port visa office at the airport"):
        assert not near_miss(text), text


def test_the_near_miss_patterns_stay_linear_on_a_long_run_of_digits_or_letters() -> None:
    """A 10,000-character run of digits took 1.4 s (near miss) and 4.6 s (word task) of CPU
    before the patterns were bounded; any quadratic pattern takes seconds here."""
    import time

    from desk.dialogue.understanding import near_miss, word_task

    for text in ("1" * 10_000, "a" * 10_000, "1%" * 5_000, "1 times " * 1_250):
        started = time.process_time()
        near_miss(text), word_task(text)
        assert time.process_time() - started < 0.5, text[:10]


def test_an_answer_to_a_clarifying_question_keeps_the_aspect_asked_before_it() -> None:
    text = "我说的是来华工作许可，公司上周刚帮我在网上提交"
    entities = [{"entity": "topic", "value": "work_permit", "start": 4, "end": 10},
                {"entity": "aspect", "value": "where", "start": 18, "end": 20}]
    asked = dict(previous_aspect="duration", options=["work_permit", "residence_permit", "talent_visa"])
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.9)), entities, text, TOPICS,
                      aspect_guess={"name": "where", "confidence": 0.5}, **asked)
    assert (turn.topic, turn.aspect) == ("work_permit", "duration")
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.9)), entities, "工作许可，要准备什么材料", TOPICS,
                      aspect_guess={"name": "materials", "confidence": 0.95}, **asked)
    assert (turn.topic, turn.aspect) == ("work_permit", "materials")


def test_an_aspect_without_a_topic_on_a_first_turn_is_clarified() -> None:
    # "requirements" is an aspect keyword: the parse names the aspect, which the clarification keeps
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.4), ("ask_aspect", 0.2), ("ask_work_permit", 0.1)),
        [{"entity": "aspect", "value": "eligibility"}],
        "hi can you tell me the requirements", TOPICS, aspect_guess={"name": "eligibility", "confidence": 0.7},
    )
    assert turn.kind == "clarify" and turn.aspect == "eligibility" and turn.candidates


def test_a_vague_question_asks_no_aspect_while_the_desk_asks_which_topic() -> None:
    """"I have a visa question": the aspect model's weak guess (eligibility, 0.49) is no question, so
    once the user says which one ("the airport one") the answer is the overview, not eligibility."""
    vague = ranking(("ask_vague", 0.7), ("ask_talent_visa", 0.1), ("ask_port_visa", 0.1))
    turn = understand("ask_vague", vague, [], "I have a visa question", ALL_TOPICS,
                      aspect_guess={"name": "eligibility", "confidence": 0.49})
    assert (turn.kind, turn.aspect) == ("clarify", None)
    turn = understand("ask_vague", vague, [], "I have a visa question, how long does it take", ALL_TOPICS,
                      aspect_guess={"name": "duration", "confidence": 0.9})
    assert (turn.kind, turn.aspect) == ("clarify", "duration")
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.88)), [], "the airport one", ALL_TOPICS,
                      previous_aspect=None, options=["talent_visa", "port_visa"],
                      aspect_guess={"name": "eligibility", "confidence": 0.5})
    assert (turn.topic, turn.aspect) == ("port_visa", None)


def test_a_chinese_a_not_a_question_is_no_statement_of_the_users_case() -> None:
    from desk.dialogue.understanding import own_case_statement

    assert not own_case_statement("他的工作类居留还有半年，换工作后居留要不要变更")
    assert own_case_statement("我太太是韩国人，今年40")


def test_visa_free_entry_is_refused_unless_a_permit_is_named() -> None:
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.7)), [],
        "Is the 30-day visa-free entry for Germans still valid next year?", TOPICS,
    )
    assert turn.kind == "reject"
    text = "visa-free entry or a port visa, which is better for my client?"
    start = text.index("port visa")
    entities = [{"entity": "topic", "value": "port_visa", "start": start, "end": start + 9}]
    assert understand("ask_port_visa", ranking(("ask_port_visa", 0.8)), entities, text, TOPICS).topic == "port_visa"


def test_a_bare_generic_word_is_clarified() -> None:
    for text in ("permit??", "visa", "证件？", "请问那个政策", "that policy?"):
        turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.6)), [], text, TOPICS)
        assert turn.kind == "clarify", text
    turn = understand("ask_talent_policy_system", ranking(("ask_talent_policy_system", 0.9)), [], "请问那个人才政策", TOPICS)
    assert turn.kind != "clarify"


def test_landing_without_a_visa_is_a_port_visa_question() -> None:
    text = "Our CEO will land in Shanghai without a visa tonight. Is there an office at the airport?"
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.8)), [], text, TOPICS)
    assert turn.topic == "port_visa"


def test_what_about_another_topic_asks_the_same_question_of_it() -> None:
    entities = [{"entity": "topic", "value": "residence_permit", "start": 1, "end": 7}]
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.8)), entities, "那普通的居留许可呢", TOPICS,
        previous_topic="permanent_residence", previous_aspect="where",
        aspect_guess={"name": "eligibility", "confidence": 0.5},
    )
    assert (turn.topic, turn.aspect) == ("residence_permit", "where")


def test_a_may_i_question_asks_who_qualifies_unless_it_asks_for_a_service() -> None:
    for text, expected in (("浦東人社局可以個人直接上門諮詢嗎？", "eligibility"),
                           ("can our supplier get one if we are registered in Lingang", "eligibility"),
                           ("人才港那边可以帮我们找外籍员工吗", None),
                           ("can you tell me about the talent port", None)):
        turn = understand("ask_talent_port", ranking(("ask_talent_port", 0.9)), [], text, [*TOPICS, "talent_port"],
                          aspect_guess={"name": "overview", "confidence": 0.2})
        assert turn.aspect == expected, text


def test_a_named_aspect_before_what_is_it_is_the_question() -> None:
    from desk.dialogue.understanding import resolve_aspect

    # "明珠计划的申请条件是什么": a confident "what is" does not overrule the conditions asked for
    guess = {"name": "overview", "confidence": 0.8}
    assert resolve_aspect(guess, ["eligibility", "overview"], "明珠计划的申请条件是什么？") == "eligibility"
    # ... but still overrules an aspect word inside a description
    assert resolve_aspect(guess, ["where", "overview"], "浦东国际人才港是个什么地方") == "overview"
    assert resolve_aspect(guess, ["materials", "overview"], "one guiding document and several policies. What is it called?") == "overview"


def test_only_what_is_names_an_aspect_so_an_unsure_guess_of_another_yields() -> None:
    from desk.dialogue.understanding import resolve_aspect

    # "What's the International Talent Station in Pudong?"
    assert resolve_aspect({"name": "where", "confidence": 0.67}, ["overview"]) == "overview"
    assert resolve_aspect({"name": "where", "confidence": 0.9}, ["overview"]) == "where"
    assert resolve_aspect({"name": "where", "confidence": 0.67}, ["where", "overview"]) == "where"


def test_an_asked_where_beats_an_unsure_guess_of_the_verb() -> None:
    from desk.dialogue.understanding import resolve_aspect

    guess = {"name": "procedure", "confidence": 0.59}
    assert resolve_aspect(guess, ["where"], "and where do we submit") == "where"
    assert resolve_aspect(guess, ["where"], "the one where you submit online") == "procedure"
    assert resolve_aspect(guess, ["where", "materials"], "where do I find the list of documents") == "procedure"
    assert resolve_aspect({"name": "procedure", "confidence": 0.9}, ["where"], "where do we submit") == "procedure"


def test_family_coming_together_with_the_talent_is_a_family_permit_not_the_combined_one() -> None:
    topics = [*TOPICS, "work_residence_permit"]
    entities = [{"entity": "topic", "value": "family_permits", "start": 1, "end": 3},
                {"entity": "topic", "value": "work_residence_permit", "start": 12, "end": 15}]
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.6),
                      ("ask_family_permits", 0.19)), entities, "他老婆孩子一起来的话，也能一起办证吗", topics,
                      previous_topic="work_permit", aspect_guess={"name": "eligibility", "confidence": 0.3})
    assert turn.topic == "family_permits"
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.9)), entities,
                      "我老婆也在浦东工作，她能一起办两证吗", topics)
    assert turn.topic == "work_residence_permit"


def _topic_at(text: str, phrase: str, topic: str) -> dict:
    start = text.index(phrase)
    return {"entity": "topic", "value": topic, "start": start, "end": start + len(phrase)}


def test_an_errand_asked_by_someone_who_holds_the_permits_is_refused() -> None:
    topics = [*TOPICS, "contact"]
    text = "Now that I finally have my work permit and residence permit, how do I open a bank account? " \
           "They asked me for a phone number"
    entities = [_topic_at(text, "work permit", "work_permit"), _topic_at(text, "residence permit", "residence_permit"),
                _topic_at(text, "phone number", "contact")]
    turn = understand("nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_residence_permit", 0.3)), entities, text,
                      topics)
    assert turn.kind == "reject"
    text = "Can I convert my Indian driving licence to a Chinese one? I already got my residence permit last month."
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.75)),
                      [_topic_at(text, "residence permit", "residence_permit")], text, topics)
    assert turn.kind == "reject"
    # the permit asked about, not held: still a policy question
    text = "Do I need a residence permit before I can open a bank account?"
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.8)),
                      [_topic_at(text, "residence permit", "residence_permit")], text, topics)
    assert (turn.kind, turn.topic) == ("answer", "residence_permit")


def test_quarters_of_a_year_are_not_the_q_visas() -> None:
    from desk.dialogue.understanding import near_miss

    assert near_miss("我们 talent acquisition 团队Q1招了12人，Q2招了17人，平均每季度多少人？")
    assert near_miss("our Q3 revenue vs Q2?")
    assert not near_miss("my wife is Chinese, should I get a Q1 or Q2 visa for my mother?")


def test_a_sure_classifier_beats_a_keyword_for_a_topic_described_not_named() -> None:
    topics = [*TOPICS, "work_residence_permit"]
    text = "If we go through the combined work + residence permit window, roughly how many working days?"
    entities = [_topic_at(text, "residence permit", "residence_permit")]
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.9),
                      ("ask_residence_permit", 0.05)), entities, text, topics)
    assert turn.topic == "work_residence_permit"
    # an unsure classifier still yields to the named topic
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.6),
                      ("ask_residence_permit", 0.2)), entities, text, topics)
    assert turn.topic == "residence_permit"


def test_while_family_permits_are_discussed_a_pronoun_is_the_family_member() -> None:
    text = "Once we're there, what do they need for their residence permits?"
    entities = [_topic_at(text, "residence permits", "residence_permit")]
    rank = ranking(("ask_residence_permit", 0.5), ("ask_family_permits", 0.4))
    turn = understand("ask_residence_permit", rank, entities, text, TOPICS, previous_topic="family_permits")
    assert turn.topic == "family_permits"
    turn = understand("ask_residence_permit", rank, entities, text, TOPICS, previous_topic="work_permit")
    assert turn.topic == "residence_permit"


def test_a_description_answering_a_clarifying_question_asks_no_aspect_of_its_own() -> None:
    options = ["permanent_residence", "residence_permit"]
    rank = ranking(("ask_permanent_residence", 0.7), ("ask_residence_permit", 0.2))
    text = "the card you get after many years, to stay in China for good"
    turn = understand("ask_permanent_residence", rank, [], text, TOPICS, options=options,
                      aspect_guess={"name": "duration", "confidence": 0.6})
    assert (turn.topic, turn.aspect) == ("permanent_residence", None)
    turn = understand("ask_permanent_residence", rank, [], "the card for good - what do I need?", TOPICS,
                      options=options, aspect_guess={"name": "materials", "confidence": 0.6})
    assert turn.aspect == "materials"


def test_an_opening_question_nearly_as_vague_as_topical_is_clarified() -> None:
    rank = ranking(("ask_work_permit", 0.35), ("ask_vague", 0.31), ("ask_residence_permit", 0.07))
    turn = understand("ask_work_permit", rank, [], "Hello, I need information about the permit", TOPICS)
    assert turn.kind == "clarify" and turn.candidates[:2] == ["work_permit", "residence_permit"]
    # in a conversation, or with a clear topic, it is answered
    turn = understand("ask_work_permit", rank, [], "and the permit?", TOPICS, previous_topic="work_permit")
    assert turn.kind == "answer"
    rank = ranking(("ask_work_permit", 0.65), ("ask_vague", 0.3))
    assert understand("ask_work_permit", rank, [], "work permit info", TOPICS).kind == "answer"


def test_a_thing_a_place_has_is_no_status_of_the_user() -> None:
    from desk.dialogue.understanding import keyword_roles

    topics = [*TOPICS, "digital_platform"]
    text = "Further, we would like to know whether Pudong has a digital talent platform"
    named, _negated, status = keyword_roles([_topic_at(text, "digital talent platform", "digital_platform")], text, topics)
    assert named == ["digital_platform"] and status == []
    text = "my wife has a residence permit, can she work?"
    _named, _negated, status = keyword_roles([_topic_at(text, "residence permit", "residence_permit")], text, topics)
    assert status == ["residence_permit"]


def test_a_permit_inside_the_one_the_user_holds_is_held_too() -> None:
    text = ("I'm Indian, in Shanghai on a dependent residence permit because my wife works here. "
            "My employer says we can apply work permit without me leaving China. Is it true?")
    entities = [_topic_at(text, "dependent", "family_permits"),
                _topic_at(text, "residence permit", "residence_permit"),
                _topic_at(text, "wife", "family_permits"), _topic_at(text, "work permit", "work_permit")]
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.36), ("ask_residence_permit", 0.31),
                                                    ("ask_work_permit", 0.25)), entities, text, TOPICS)
    assert turn.topic == "work_permit"


def test_a_chinese_spouse_is_the_users_own_case_not_a_family_permit() -> None:
    text = "我结婚5年了，老婆是中国人，我在上海连续住了5年"
    turn = understand("out_of_scope", ranking(("out_of_scope", 0.34), ("ask_permanent_residence", 0.26),
                                              ("ask_family_permits", 0.14)),
                      [_topic_at(text, "老婆", "family_permits")], text, TOPICS,
                      previous_topic="permanent_residence", previous_aspect="eligibility")
    assert turn.topic == "permanent_residence"


def test_a_family_member_named_in_an_unsure_turn_confirms_the_family_topic() -> None:
    text = "我是新加坡籍，在陆家嘴上班，想把我妈接过来住一段时间，她68了，能办什么证？"
    turn = understand("nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_family_permits", 0.23),
                                              ("ask_residence_permit", 0.13)), [], text, TOPICS,
                      aspect_guess={"name": "eligibility", "confidence": 0.6})
    assert (turn.kind, turn.topic) == ("answer", "family_permits")
    unsure = understand("nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_residence_permit", 0.23),
                                                ("ask_family_permits", 0.13)), [], text, TOPICS,
                        aspect_guess={"name": "eligibility", "confidence": 0.6})
    assert unsure.topic != "family_permits"  # the family is named, but the classifier leans elsewhere


def test_what_people_usually_pay_is_no_permit_question() -> None:
    for text in ("外籍阿姨工资一般开多少啊", "what's a fair monthly salary for an ayi in Shanghai"):
        turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.6)), [], text, TOPICS,
                          previous_topic="family_permits")
        assert turn.kind == "reject", text
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.8)), [], "年薪50万算A类吗", TOPICS)
    assert turn.topic == "work_permit"


def test_asking_whether_she_can_get_a_permit_is_no_status() -> None:
    text = "那要是想让她长期留下来呢，能拿永居吗"
    turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.7)),
                      [_topic_at(text, "永居", "permanent_residence")], text, TOPICS,
                      previous_topic="family_permits", previous_aspect="eligibility")
    assert turn.topic == "permanent_residence"


def test_their_permits_are_the_familys_when_the_classifier_finds_family_likeliest() -> None:
    text = "Once we're there, what do they need for their residence permits?"
    entities = [_topic_at(text, "residence permits", "residence_permit")]
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.5), ("ask_residence_permit", 0.3)),
                      entities, text, TOPICS, previous_topic="talent_visa")
    assert turn.topic == "family_permits"
    mine = "Once I'm there, what do I need for my residence permit?"
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.8)),
                      [_topic_at(mine, "residence permit", "residence_permit")], mine, TOPICS, previous_topic="talent_visa")
    assert turn.topic == "residence_permit"


def test_the_users_own_application_after_the_familys_is_the_residence_permit() -> None:
    turn = understand("ask_aspect", ranking(("ask_aspect", 0.6)), [],
                      "ah, one more — where do I submit my own application, at Minsheng Road?", TOPICS,
                      previous_topic="family_permits", previous_aspect="duration")
    assert turn.topic == "residence_permit"
    kids = understand("ask_aspect", ranking(("ask_aspect", 0.6)), [], "and for my own kids?", TOPICS,
                      previous_topic="family_permits", previous_aspect="duration")
    assert kids.topic == "family_permits"


def test_an_opening_turn_that_only_says_there_is_a_question_is_asked_which_topic() -> None:
    for text in ("你好，那个政策我想了解一下", "wo xiang wen qianzheng de shi", "I wanted to ask about one of your services"):
        turn = understand("nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_talent_visa", 0.12),
                                                  ("out_of_scope", 0.1)), [], text, TOPICS)
        assert turn.kind == "clarify" and turn.candidates, text
    later = understand("nlu_fallback", ranking(("nlu_fallback", 0.3), ("out_of_scope", 0.2)), [],
                       "asdf qwer", TOPICS)
    assert later.kind == "reject"


def test_an_everyday_errand_beside_a_permit_the_user_calls_their_own_is_refused() -> None:
    for text, phrase, topic in (
        ("my residence permit is fine, but how do I get a WeChat Pay account linked to a foreign card",
         "residence permit", "residence_permit"),
        ("my work permit is done, now how do I get a library card in Pudong", "work permit", "work_permit"),
    ):
        turn = understand(f"ask_{topic}", ranking((f"ask_{topic}", 0.7)), [_topic_at(text, phrase, topic)], text, TOPICS)
        assert turn.kind == "reject", text
    text = "my work permit is done, how do I get the residence permit now?"
    entities = [_topic_at(text, "work permit", "work_permit"), _topic_at(text, "residence permit", "residence_permit")]
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.7)), entities, text, TOPICS)
    assert turn.topic == "residence_permit"


def test_a_correction_of_the_topic_keeps_the_question_asked_before() -> None:
    for text in ("sorry i ment residance permit, not work permit", "不好意思，我是要问居留许可"):
        turn = understand(
            "ask_residence_permit", ranking(("ask_residence_permit", 0.8)),
            [{"entity": "topic", "value": "residence_permit"}], text, TOPICS,
            previous_topic="work_permit", previous_aspect="duration",
            aspect_guess={"name": "eligibility", "confidence": 0.5},
        )
        assert (turn.topic, turn.aspect) == ("residence_permit", "duration"), text
    # a correction that asks something of its own asks that
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.8)),
        [{"entity": "topic", "value": "residence_permit"}, {"entity": "aspect", "value": "materials"}],
        "sorry, I meant the residence permit - what documents?", TOPICS,
        previous_topic="work_permit", previous_aspect="duration",
        aspect_guess={"name": "materials", "confidence": 0.9},
    )
    assert (turn.topic, turn.aspect) == ("residence_permit", "materials")


def test_where_asked_of_an_errand_asks_the_place() -> None:
    text = "and my own residence permit runs out in May - where do I renew it?"
    start = text.index("where do")
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.9)),
        [{"entity": "topic", "value": "residence_permit"},
         {"entity": "aspect", "value": "where", "start": start, "end": start + 8},
         {"entity": "aspect", "value": "procedure", "start": text.index("renew"), "end": text.index("renew") + 5}],
        text, TOPICS, aspect_guess={"name": "procedure", "confidence": 0.6},
    )
    assert (turn.topic, turn.aspect) == ("residence_permit", "where")


def test_family_named_while_permanent_residence_is_discussed_ask_about_permanent_residence() -> None:
    topics = TOPICS + ["permanent_residence"]
    for text in ("那我老婆呢", "孩子一个17一个20", "can she apply together with me?"):
        turn = understand(
            "ask_family_permits", ranking(("ask_family_permits", 0.7), ("ask_permanent_residence", 0.2)),
            [{"entity": "topic", "value": "family_permits"}] if "she" not in text else [], text, topics,
            previous_topic="permanent_residence", previous_aspect="eligibility",
        )
        assert turn.topic == "permanent_residence", text
    # a residence permit of their own is the family permit
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.8)),
        [{"entity": "topic", "value": "family_permits"}, {"entity": "topic", "value": "residence_permit"}],
        "那我太太的居留许可怎么办", topics, previous_topic="permanent_residence", previous_aspect="eligibility",
    )
    assert turn.topic == "family_permits"


def test_they_of_an_office_are_no_family_members() -> None:
    for text, expected in (("how long they take to make it", "residence_permit"), ("what documents for her then?", "family_permits")):
        turn = understand(
            "ask_aspect", ranking(("ask_family_permits", 0.5), ("ask_aspect", 0.4)), [], text, TOPICS,
            previous_topic="residence_permit", previous_aspect="where",
        )
        assert turn.topic == expected, text


def _term(text: str, topic: str, term: str) -> dict:
    start = text.index(term)
    return {"entity": "topic", "value": topic, "start": start, "end": start + len(term)}


def test_a_pronoun_is_the_person_under_discussion_not_a_family_member() -> None:
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.72), ("ask_work_permit", 0.07)), [],
        "how long will the approval take for her", TOPICS, previous_topic="work_permit", previous_aspect="materials",
    )
    assert turn.topic == "work_permit"


def test_family_members_coming_along_switch_to_family_permits() -> None:
    text = "他太太跟两个小孩也要一起过来"
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.69), ("ask_aspect", 0.05)), [_term(text, "family_permits", "太太")],
        text, TOPICS, previous_topic="work_permit", previous_aspect="materials",
    )
    assert turn.topic == "family_permits"


def test_the_topic_after_i_mean_is_the_one_meant() -> None:
    text = "wait sorry, I mean my residence permit, the R visa was only for entering"
    entities = [_term(text, "residence_permit", "residence permit"), _term(text, "talent_visa", "R visa")]
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.7), ("ask_residence_permit", 0.26)), entities, text, TOPICS,
        previous_topic="talent_visa", previous_aspect="procedure",
    )
    assert turn.topic == "residence_permit"


def test_together_with_the_talent_is_no_combined_permit() -> None:
    topics = [*TOPICS, "work_residence_permit"]
    text = "能跟员工本人一起办吗"
    turn = understand(
        "ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.72), ("ask_family_permits", 0.11)),
        [_term(text, "work_residence_permit", "一起办")], text, topics, previous_topic="family_permits", previous_aspect="materials",
    )
    assert turn.topic == "family_permits"


def test_spouse_and_children_applying_too_beside_permanent_residence() -> None:
    topics = [*TOPICS, "work_residence_permit"]
    text = "以任职类申请永久居留，需要准备哪些材料？配偶和子女能否同时申请？"
    entities = [_term(text, "permanent_residence", "永久居留"), _term(text, "family_permits", "配偶"),
                _term(text, "family_permits", "子女"), _term(text, "work_residence_permit", "同时申请")]
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_work_residence_permit", 0.23), ("ask_permanent_residence", 0.2)),
        entities, text, topics,
    )
    assert turn.topic == "permanent_residence"


def test_a_trailing_spouse_asking_to_work_asks_for_a_work_permit() -> None:
    turn = understand(
        "ask_aspect", ranking(("ask_aspect", 0.67), ("ask_work_permit", 0.25)), [],
        "and if I find a job, can I work on that? or what do I need", TOPICS,
        previous_topic="family_permits", previous_aspect="eligibility",
    )
    assert turn.topic == "work_permit"


def test_a_wife_asked_about_beside_the_r_visa_gets_it_too_but_dependants_get_family_permits() -> None:
    for text, expected in (("那我老婆呢", "talent_visa"), ("那家属呢？太太和小孩", "family_permits")):
        turn = understand(
            "ask_aspect", ranking(("ask_aspect", 0.5), ("ask_family_permits", 0.4)), [_term(text, "family_permits", text[1:3])],
            text, TOPICS, previous_topic="talent_visa", previous_aspect="eligibility",
        )
        assert turn.topic == expected, text


def test_a_dependent_residence_permit_held_is_background() -> None:
    text = "I'm in Shanghai on a dependent residence permit because my wife works here. Can I apply for a work permit?"
    entities = [_term(text, "family_permits", "dependent"), _term(text, "residence_permit", "residence permit"),
                _term(text, "family_permits", "wife"), _term(text, "work_permit", "work permit")]
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.37), ("ask_residence_permit", 0.29), ("ask_work_permit", 0.26)),
        entities, text, TOPICS,
    )
    assert turn.topic == "work_permit"


def test_the_single_window_asked_by_a_talent_moving_with_family_is_the_talents_own() -> None:
    topics = [*TOPICS, "work_residence_permit"]
    text = ("I'm 45, German, mechanical engineer, moving to Lingang with my wife and two boys. "
            "How does this single window for work and residence permits work?")
    entities = [_term(text, "family_permits", "wife"), _term(text, "work_residence_permit", "single window")]
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.98)), entities, text, topics)
    assert turn.topic == "work_residence_permit"


def test_whether_i_may_use_the_thing_under_discussion_is_a_follow_up() -> None:
    turn = understand(
        "out_of_scope", ranking(("out_of_scope", 0.63), ("ask_family_permits", 0.09)), [],
        "can I use it with a foreign passport", [*TOPICS, "digital_platform"],
        previous_topic="digital_platform", previous_aspect="procedure",
        aspect_guess={"name": "eligibility", "confidence": 0.85},
    )
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "digital_platform", "eligibility")


def test_a_pasted_mail_naming_permits_in_passing_is_about_its_question() -> None:
    topics = [*TOPICS, "digital_platform"]
    text = ("老板让我搞清楚这个平台到底怎么用，好给外籍同事做个英文版的说明。" * 8 +
            "另外我们日本籍的研发经理下个月要续签工作许可，德国同事的太太也要办居留，不过这个我们之后再问。请问外籍员工要怎么注册、怎么使用这个平台？")
    entities = [_term(text, "work_permit", "工作许可"), _term(text, "family_permits", "太太")]
    turn = understand(
        "ask_digital_platform", ranking(("ask_digital_platform", 0.5), ("ask_work_permit", 0.18), ("ask_family_permits", 0.04)),
        entities, text, topics,
    )
    assert turn.topic == "digital_platform"


def test_another_citys_services_and_compatriot_permits_are_not_the_desks() -> None:
    from desk.dialogue.understanding import elsewhere, foreign_visa, word_task

    for text in ("北京的外国人居留许可要去哪个分局办？", "苏州工业园区的人才公寓外国人能申请吗",
                 "My husband is Taiwanese, his Taiwan compatriot permit expired. Where can he renew it?",
                 "明珠线 Pearl Line 就是现在的3号线吗？", "my visa extention in shenzen - wich office should i go?"):
        assert elsewhere(text), text
    for text in ("我之前在北京的公司工作，现在来浦东了，工作许可要重新办吗", "人才港坐2号线哪站下",
                 "明珠计划什么人能报", "I'm in Beijing now, how do I apply for the R visa?",
                 "we live in Hangzhou, can my wife get a family permit in Pudong?"):
        assert not elsewhere(text), text
    assert foreign_visa("Do I need a visa for Hong Kong if I live in Shanghai on a residence permit?")
    assert foreign_visa("How do I get a police clearance for my Canada PR application? I lived here 4 years")
    assert not foreign_visa("港澳居民可以用人才服务数字化平台吗")
    for text in ("帮我 translate 一下 \"work-type residence permit\"", "“人才”的英文是 talent 还是 talents",
                 "fix my yaml pls\nvisa:\n  type: R"):
        assert word_task(text), text


def test_a_working_husbands_own_residence_permit_and_my_own_visa_asked() -> None:
    text = "姐妹们 老公换工作了 他的居留许可要怎么弄啊 要去出入境变更吗"
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.8), ("ask_family_permits", 0.1)),
        [_term(text, "family_permits", "老公"), _term(text, "residence_permit", "居留许可")], text, TOPICS,
    )
    assert turn.topic == "residence_permit"
    text = "我老公是 German，在张江上班有 work permit，我是 Japanese，我的 dependent visa 要怎么办？"
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.6), ("ask_work_permit", 0.3)),
        [_term(text, "family_permits", "老公"), _term(text, "work_permit", "work permit"),
         _term(text, "family_permits", "dependent visa")], text, TOPICS,
    )
    assert turn.topic == "family_permits"


ALL_TOPICS = ["talent_policy_system", "port_visa", "talent_visa", "work_permit", "work_residence_permit", "residence_permit",
              "permanent_residence", "family_permits", "talent_station", "talent_port", "digital_platform", "contact"]


def test_she_is_a_colleague_while_the_combined_permit_is_discussed() -> None:
    turn = understand(
        "nlu_fallback", ranking(("nlu_fallback", 0.3), ("ask_family_permits", 0.25), ("ask_aspect", 0.16),
                                ("ask_work_residence_permit", 0.1)),
        [], "Camila is B category - can she also use this?", ALL_TOPICS,
        previous_topic="work_residence_permit", previous_aspect="procedure",
        aspect_guess={"name": "eligibility", "confidence": 0.99},
    )
    assert turn.topic == "work_residence_permit"


def test_a_colleague_here_on_a_spouse_permit_asks_about_the_topic_under_discussion() -> None:
    text = "and my colleague Priya, she is here on spouse residence permit - can she get it without leaving china?"
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.35), ("ask_family_permits", 0.33)),
        [_term(text, "family_permits", "spouse"), _term(text, "residence_permit", "residence permit")], text, ALL_TOPICS,
        previous_topic="work_permit", previous_aspect="overview",
    )
    assert turn.topic == "work_permit"


def test_a_correction_the_classifier_reads_as_another_topic_leaves_the_context() -> None:
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.7), ("ask_talent_visa", 0.1)), [],
        "no sorry, I meant the permanent one, the ID card", ALL_TOPICS,
        previous_topic="talent_visa", previous_aspect="eligibility",
    )
    assert (turn.topic, turn.aspect) == ("permanent_residence", "eligibility")


def test_family_coming_along_for_a_port_visa_or_a_stay_at_the_station() -> None:
    for previous, text in (("port_visa", "他太太也想同行，也可以一起在机场申请吗？"), ("talent_station", "wo laopo ye keyi yiqi zhu ma"),
                           ("digital_platform", "my wife too - can she register with her passport, she doesn't work here")):
        term = next(w for w in ("太太", "laopo", "wife") if w in text)
        turn = understand(
            "ask_family_permits", ranking(("ask_family_permits", 0.6), ("ask_aspect", 0.2)), [_term(text, "family_permits", term)],
            text, ALL_TOPICS, previous_topic=previous, previous_aspect="eligibility",
        )
        assert turn.topic == previous, text


def test_working_as_a_familys_helper_is_a_family_permit() -> None:
    text = ("hi, im filipina, my employer in pudong is a german family, the husband has work permit. they want me to work "
            "as helper for them. can i get residense permit for that?")
    entities = [_term(text, "family_permits", "family"), _term(text, "family_permits", "husband"),
                _term(text, "work_permit", "work permit"), _term(text, "residence_permit", "residense permit")]
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.5), ("ask_family_permits", 0.44)), entities, text, ALL_TOPICS)
    assert turn.topic == "family_permits"


def test_a_held_permit_and_what_it_brings() -> None:
    text = "请问持人才签证入境以后，停留居留方面有啥便利吗"
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.77), ("ask_residence_permit", 0.06)),
        [_term(text, "talent_visa", "人才签证"), _term(text, "residence_permit", "居留")], text, ALL_TOPICS,
    )
    assert turn.topic == "talent_visa"
    text = "just landed with my Z visa 那个居留的东西 how many days do I have to get it sorted"
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.72), ("ask_work_permit", 0.03)),
        [_term(text, "work_permit", "Z visa")], text, ALL_TOPICS,
    )
    assert turn.topic == "residence_permit"


def test_both_permits_as_one_package_and_a_foreign_visa_centre() -> None:
    from desk.dialogue.understanding import foreign_visa, word_task

    text = "Our HR says they can file my job permit and my residence permit as one package. How does that process go?"
    turn = understand(
        "ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.66), ("ask_residence_permit", 0.15)),
        [_term(text, "residence_permit", "residence permit")], text, ALL_TOPICS,
    )
    assert turn.topic == "work_residence_permit"
    assert foreign_visa("I live in Shanghai on a work residence permit and want to visit Japan. Where is the Japanese visa centre?")
    assert word_task("I got 85 in maths and 60 in physics - what's my average?")


def test_a_button_press_names_its_topic_whatever_the_conversation() -> None:
    text = '/ask_family_permits{"aspect": "materials"}'
    entities = [{"entity": "aspect", "value": "materials", "start": 19, "end": len(text)}]
    for previous in ("port_visa", "permanent_residence", "work_permit", "talent_visa"):
        turn = understand("ask_family_permits", ranking(("ask_family_permits", 1.0)), entities, text, ALL_TOPICS,
                          previous_topic=previous, previous_aspect="materials")
        assert turn.topic == "family_permits", previous


def test_a_description_answering_which_one_asks_no_aspect_of_its_own() -> None:
    text = "the one for high-level people, that can last like ten years"
    turn = understand("ask_talent_visa", ranking(("ask_talent_visa", 0.9)), [], text, ALL_TOPICS,
                      options=["talent_visa", "port_visa"], aspect_guess={"name": "eligibility", "confidence": 0.9})
    assert (turn.topic, turn.aspect) == ("talent_visa", None)
    # the aspect asked before the clarifying question goes on
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.9)), [], "the airport one", ALL_TOPICS,
                      options=["talent_visa", "port_visa"], previous_aspect="materials",
                      aspect_guess={"name": "eligibility", "confidence": 0.9})
    assert (turn.topic, turn.aspect) == ("port_visa", "materials")


def test_a_fee_question_follows_up_the_topic_under_discussion() -> None:
    from desk.dialogue.understanding import follows_up

    for text in ("费用多少", "费用大概多少", "fee?", "how much does it cost?"):
        assert follows_up(0.85, [], text, ALL_TOPICS, "permanent_residence"), text
    for text in ("迪士尼门票多少钱", "陆家嘴租房一个月多少钱", "how much is the rent"):
        assert not follows_up(0.85, [], text, ALL_TOPICS, "permanent_residence"), text
    assert not follows_up(0.85, [], "费用多少", ALL_TOPICS, None)


def test_the_topic_named_first_after_what_about_is_asked() -> None:
    text = "那人才港呢？跟驿站是一回事吗"
    entities = [_term(text, "talent_port", "人才港"), _term(text, "talent_station", "驿站")]
    turn = understand("ask_talent_port", ranking(("ask_talent_port", 0.55), ("ask_talent_station", 0.3)), entities, text,
                      ALL_TOPICS, previous_topic="talent_station", previous_aspect="duration")
    assert turn.topic == "talent_port"
    # "那跟工作许可一起办的单一窗口呢": the permit after "跟" is compared, not asked
    text = "那跟工作许可一起办的那个单一窗口呢，是一起发证吗"
    entities = [_term(text, "work_permit", "工作许可"), _term(text, "work_residence_permit", "单一窗口")]
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.7), ("ask_work_permit", 0.2)),
                      entities, text, ALL_TOPICS, previous_topic="residence_permit")
    assert turn.topic == "work_residence_permit"


def test_a_how_long_word_leads_over_an_unsure_aspect_model() -> None:
    from desk.dialogue.understanding import resolve_aspect

    unsure_where = {"name": "where", "confidence": 0.73}
    assert resolve_aspect(unsure_where, ["duration"], "rencai yizhan mianfei zhu ji tian") == "duration"
    assert resolve_aspect(unsure_where, ["duration"], "人材驿站能免费住几天") == "duration"
    # a state or a condition of the case is no question of time
    assert resolve_aspect({"name": "procedure", "confidence": 0.6}, ["duration"], "我同事的居留许可也快到期了，我能帮他代办吗") == "procedure"
    assert resolve_aspect({"name": "eligibility", "confidence": 0.6}, ["duration"], "需要在中国住满几年才能申请") == "eligibility"
    # a sure model still leads
    assert resolve_aspect({"name": "where", "confidence": 0.9}, ["duration"], "几天") == "where"


def test_a_thing_described_with_its_own_words_asks_nothing_new() -> None:
    """"the forever one, not the yearly one", "the long-term one, like a green card": a description
    with an adjective or two before "one" names the thing meant and asks no aspect of its own."""
    for text in ("the forever one, not the yearly one", "the long-term one, like a green card, so I stop having to renew every year"):
        turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.9)), [], text, ALL_TOPICS,
                          previous_topic="residence_permit", aspect_guess={"name": "duration", "confidence": 0.7})
        assert (turn.topic, turn.aspect) == ("permanent_residence", None), text


def test_a_description_of_the_thing_meant_asks_nothing_new() -> None:
    text = "就是到了機場才辦的那種"
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.9)), [], text, ALL_TOPICS,
                      previous_topic="port_visa", aspect_guess={"name": "where", "confidence": 0.7})
    assert (turn.topic, turn.aspect) == ("port_visa", None)
    # a question about it is still a question
    text = "the visa you get at the airport counter right when you land, what do i need to bring for that"
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.9)), [], text, ALL_TOPICS,
                      aspect_guess={"name": "materials", "confidence": 0.7})
    assert turn.aspect == "materials"
    # a time word that qualifies the thing ("免费住几天的那个驿站") and "就是…的地方" describe too
    for text, guess in (("不是地铁站哈，是给外国人才免费住几天的那个驿站", "where"),
                        ("就是张江那边，海外人才刚来的时候给免费住几天的地方", "duration")):
        turn = understand("ask_talent_station", ranking(("ask_talent_station", 0.9)), [], text, ALL_TOPICS,
                          aspect_guess={"name": guess, "confidence": 0.7})
        assert (turn.topic, turn.aspect) == ("talent_station", None), text
    text = "人才驿站的免费公寓能住几天？"
    turn = understand("ask_talent_station", ranking(("ask_talent_station", 0.9)), [], text, ALL_TOPICS,
                      aspect_guess={"name": "duration", "confidence": 0.9})
    assert turn.aspect == "duration"


def test_an_errand_asked_with_the_permits_one_has_is_refused() -> None:
    text = "im indian, working 3 years in pudong with work permit and residence permit. am I allowed to buy an apartment?"
    entities = [_term(text, "work_permit", "work permit"), _term(text, "residence_permit", "residence permit")]
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.6)), entities, text, ALL_TOPICS)
    assert turn.kind == "reject"
    text = "外国人拿居留许可在工商银行开户，柜台说还要工作证明，是这样吗"
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.6)), [_term(text, "residence_permit", "居留许可")],
                      text, ALL_TOPICS)
    assert turn.kind == "reject"
    # the permit's own question is answered
    text = "the bank wants a residence permit to open an account - how long does the permit take to get?"
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.8)), [_term(text, "residence_permit", "residence permit")],
                      text, ALL_TOPICS, aspect_guess={"name": "duration", "confidence": 0.9})
    assert turn.kind == "answer"


def test_permanent_said_only_to_be_denied_is_not_asked() -> None:
    """'permanent' is no whole keyword, but "not the permanent one" still says which topic is
    not meant, whatever the classifier reads in the word; nor does a family "stay with me"
    come along with the permanent residence the user has just denied."""
    text = "oh sorry, I meant my normal residence permit, not the permanent one"
    entities = [{"entity": "topic", "value": "residence_permit", "start": 28, "end": 45}]
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.74), ("ask_residence_permit", 0.08)),
        entities, text, ALL_TOPICS, previous_topic="permanent_residence", previous_aspect="duration",
    )
    assert turn.topic == "residence_permit"
    text = "Sorry, no, I mean not permanent, just to stay with me one or two years as family"
    entities = [{"entity": "topic", "value": "family_permits", "start": 74, "end": 80}]
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.74), ("ask_family_permits", 0.1)),
        entities, text, ALL_TOPICS, previous_topic="permanent_residence", previous_aspect="eligibility",
    )
    assert turn.topic == "family_permits"
    # a permanent residence asked for is still asked
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.8)), [],
        "can I get the permanent one after five years?", ALL_TOPICS, previous_topic="residence_permit",
    )
    assert turn.topic == "permanent_residence"


def test_an_operation_in_words_is_arithmetic() -> None:
    from desk.dialogue.understanding import near_miss

    for text in ("quick one: what's 85 x 1.2?", "12 times 7 =", "R visa fee 300 plus 100?"):
        assert near_miss(text), text
    for text in ("I had 3 x 5 years permits", "my salary is 30 x 12 months", "is the R visa valid 5 years?"):
        assert not near_miss(text), text


def test_what_about_a_thing_described_switches_to_the_classifiers_topic() -> None:
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.43), ("ask_vague", 0.18)), [],
        "what about the one for staying forever", ALL_TOPICS, previous_topic="work_permit",
    )
    assert turn.topic == "permanent_residence"
    # "what about" with no description is a follow-up on the topic under discussion
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.43), ("ask_aspect", 0.3)), [],
        "what about the fee", ALL_TOPICS, previous_topic="work_permit",
    )
    assert turn.topic == "work_permit"


def test_a_figure_of_the_case_told_in_a_statement_follows_up() -> None:
    from desk.dialogue.understanding import follows_up

    for text in ("I invest in a small compagny in pudong 2 yeras ago", "they pay 180k per year"):
        assert follows_up(0.6, [], text, TOPICS, "permanent_residence"), text
    # no figure, or no subject: not a detail of the case
    for text in ("I see, good to know", "btw 3 dumplings are 10 yuan"):
        assert not follows_up(0.6, [], text, TOPICS, "permanent_residence"), text


def test_a_sure_out_of_scope_turn_needs_a_named_aspect_to_follow_up() -> None:
    from desk.dialogue.understanding import follows_up

    where = {"name": "where", "confidence": 0.52}
    text = "Also is there any good English church in Pudong?"
    assert not follows_up(0.71, [], text, TOPICS, "family_permits", aspect_guess=where)
    # an unsure one still follows up on the aspect model's guess; a named aspect always does
    assert follows_up(0.5, [], text, TOPICS, "family_permits", aspect_guess=where)
    named = [{"entity": "aspect", "value": "where", "start": 0, "end": 5}]
    assert follows_up(0.71, named, "and where do I go then", TOPICS, "family_permits")


def test_a_student_visa_is_not_the_desks_unless_a_permit_is_named() -> None:
    from desk.dialogue.understanding import follows_up

    text = "what if she enrols in a university in Shanghai instead, how does a student visa work?"
    guess = {"name": "eligibility", "confidence": 0.48}
    assert not follows_up(0.4, [], text, TOPICS, "family_permits", aspect_guess=guess)
    turn = understand("out_of_scope", ranking(("out_of_scope", 0.4), ("ask_talent_visa", 0.18)), [], "留学签证怎么办", ALL_TOPICS)
    assert turn.kind == "reject"
    text = "I'm on a student visa, can I switch to a work permit after graduating?"
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.7)), [_term(text, "work_permit", "work permit")],
                      text, ALL_TOPICS)
    assert turn.kind == "answer" and turn.topic == "work_permit"


def test_someone_at_the_office_or_a_named_persons_line_is_a_person_wanted() -> None:
    from desk.dialogue.understanding import wants_a_person

    for text in (
        "It's a bit complicated, I'd rather explain it to a person. Is there anyone at the bureau I could talk to?",
        "Who is the officer in charge of foreigners' work permits at Pudong HR bureau? Kindly share his contact",
        "The reply lists a contact person, Mr Hu Jun. Can you give me his direct number?",
        "And Mr. Hu's mobile?",
        "Is there a number where an actual person can walk me through this?",
        "i need to tlak to sombody at the exit entry burea who handles my file, their numbr pls",
        "来电人说回到驿站的事，要求直接转给驿站的具体负责人",
    ):
        assert wants_a_person(text), text
    # the office's own phone or address, or someone who tells: the contact topic, a question
    for text in ("fine. where is your office", "their phone too please", "can someone tell me the fee",
                 "Which office handles that, and where are they located?", "人工智能专业的可以申请吗"):
        assert not wants_a_person(text), text


@pytest.mark.parametrize("text, wanted", [
    ("this is a mess. can you transfer me to one of your colleagues?", True),
    ("I would rather speak with a case officer about my file", True),
    ("could someone call me back? my number is in my profile", True),
    ("please pass my details on to the team handling it", True),
    ("what's the number of someone who works at the exit-entry hall?", True),
    ("is there a particular person I should ask for at the station?", True),
    ("请工作人员给我回电话", True),
    ("答复里的联系人电话是多少？我想直接找她", True),
    ("what's the phone number of the bureau?", False),
    ("人社局电话多少", False),
    ("who handles work permits in Pudong?", False),
    ("my colleague has a work permit, can I get one too?", False),
    ("what is the number for the 12367 hotline?", False),
])
def test_a_colleague_a_caseworker_or_a_call_back_is_a_person_wanted(text: str, wanted: bool) -> None:
    """Round 24 (dev8): a person asked for in other words - a colleague to be put through to, a
    caseworker, a particular person to ask for, someone's own number, a call back - but not an
    office's number."""
    from desk.dialogue.understanding import wants_a_person

    assert wants_a_person(text) == wanted


def test_a_homonym_is_not_the_desks_however_sure_the_classifier() -> None:
    text = "Who starred with Andie MacDowell in the 1990 movie Green Card?"
    turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.9)), [], text, ALL_TOPICS)
    assert turn.kind == "reject"
    text = "I'm a French chef, no degree but 15 years in Michelin-starred kitchens. Can I get a work permit?"
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.9)), [_term(text, "work_permit", "work permit")], text, ALL_TOPICS)
    assert turn.kind == "answer" and turn.topic == "work_permit"


def test_a_domestic_helper_in_traditional_characters_is_a_family_permit() -> None:
    from desk.dialogue.understanding import names_family

    assert names_family("另外總監想請一位菲律賓籍家傭一起來上海，可以幫家傭辦證嗎？")
    assert names_family("can our director bring a domestic worker from Manila?")


def test_a_sum_or_a_joke_told_with_a_domain_word_is_a_word_task() -> None:
    from desk.dialogue.understanding import word_task

    for text in (
        "Just the maths please: a residence permit costs 800 yuan for 2 years or 1000 yuan for 5 years. How much per year do I save?",
        "Why did the visa officer bring a ladder to work? Because the R visa was top level 😂",
        "给我讲个笑话，关于工作许可的",
    ):
        assert word_task(text), text
    for text in ("Why did my work permit application get rejected? The company says because of my degree",
                 "can you calculate how long my residence permit is still valid"):
        assert not word_task(text), text


def test_family_words_in_a_question_about_the_thing_under_discussion_are_its_purpose() -> None:
    text = "can it be used for visiting relatives?"
    start = text.index("relatives")
    entities = [{"entity": "topic", "value": "family_permits", "start": start, "end": start + 9}]
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.48), ("ask_aspect", 0.11), ("ask_port_visa", 0.08)),
                      entities, text, ALL_TOPICS, previous_topic="port_visa")
    assert turn.topic == "port_visa"
    # without a topic under discussion, or said of the relatives themselves, it is the family's
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.8)), entities, text, ALL_TOPICS)
    assert turn.topic == "family_permits"


def test_connect_me_to_someone_is_a_person_wanted() -> None:
    from desk.dialogue.understanding import wants_a_person

    assert wants_a_person("Actually can you just connect me to someone at the foreign experts bureau?")
    assert not wants_a_person("can someone at the bureau connect my documents to the new passport?")


def test_a_thing_heard_of_is_a_new_thing_the_classifier_names() -> None:
    text = "someone mentioned a talent welcome counter right at Pudong airport - not for visas, for talent services. where is it?"
    rank = ranking(("ask_talent_port", 0.41), ("ask_digital_platform", 0.23), ("ask_port_visa", 0.17))
    turn = understand("ask_talent_port", rank, [], text, ALL_TOPICS, previous_topic="residence_permit",
                      aspect_guess={"name": "where", "confidence": 0.98})
    assert turn.topic == "talent_port" and turn.aspect == "where"
    # a follow-up that tells what the user heard about the thing under discussion stays on it
    turn = understand("ask_aspect", ranking(("ask_aspect", 0.7), ("ask_talent_port", 0.1)), [], "I heard it takes two weeks, true?",
                      ALL_TOPICS, previous_topic="residence_permit")
    assert turn.topic == "residence_permit"


def _one_term_turn(text: str, topic: str, term: str):
    """A first turn that names one topic by one term, the classifier fairly sure of it."""
    return understand(f"ask_{topic}", ranking((f"ask_{topic}", 0.7)), [_term(text, topic, term)], text, ALL_TOPICS)


def test_a_permit_named_as_the_means_of_an_errand_is_not_asked() -> None:
    """"拿到永居以后能落户口吗", "有了工作许可能办信用卡吗", "with this visa can I buy a car": the permit is
    what the user holds; the errand (hukou, a card, a car, a school) is not the desk's."""
    cases = [
        ("拿到永居以后能落上海户口吗", "permanent_residence", "永居"),
        ("工作许可能办信用卡吗", "work_permit", "工作许可"),
        ("does the port visa let him open a bank account?", "port_visa", "port visa"),
        ("有了人才签证，可以在上海买房吗", "talent_visa", "人才签证"),
    ]
    for text, topic, term in cases:
        turn = _one_term_turn(text, topic, term)
        assert turn.kind == "reject", text
    # a permit in general words, in a conversation about one: still an errand
    text = "with this visa can I buy a car?"
    turn = understand("ask_aspect", ranking(("ask_aspect", 0.6)), [], text, ALL_TOPICS, previous_topic="talent_visa")
    assert turn.kind == "reject"
    # a child named for a school, when the classifier too finds the question out of scope
    text = "有了工作许可的话，孩子能上公办学校吗"
    entities = [_term(text, "work_permit", "工作许可"), _term(text, "family_permits", "孩子")]
    turn = understand("out_of_scope", ranking(("out_of_scope", 0.6), ("ask_work_permit", 0.3)), entities, text, ALL_TOPICS)
    assert turn.kind == "reject"
    # ... but the permit's own question, or the family's permit, is answered
    for text, topic, term in [
        ("永居能延期吗", "permanent_residence", "永居"),
        ("I have a work permit, can my kids get a dependant visa to go to school here?", "family_permits", "dependant visa"),
    ]:
        turn = _one_term_turn(text, topic, term)
        assert (turn.kind, turn.topic) == ("answer", topic), text


def test_hong_kong_a_parcel_station_and_another_citys_office_are_not_the_desks() -> None:
    from desk.dialogue.understanding import elsewhere, foreign_visa, homonym
    assert foreign_visa("我有上海的工作许可，被派去香港那边出差三个月，还要另外办签证吗")
    assert foreign_visa("香港的高才通计划我能申请吗")
    assert foreign_visa("is the Hong Kong top talent pass open to PhDs from Canada?")
    assert not foreign_visa("从香港过来上海工作，要办什么工作许可")
    assert homonym("我家楼下的菜鸟驿站几点关门")
    assert homonym("快递放在小区驿站了，怎么取件")
    assert not homonym("人才驿站在哪里")
    assert elsewhere("苏州那边办居留要去哪个大厅")
    assert elsewhere("Shenzhen 的居留许可要多久")
    assert not elsewhere("我之前在苏州工作，现在来浦东了，居留许可怎么转")


def test_a_permit_a_spouse_has_without_an_article_is_their_status() -> None:
    """"my husband has work permit": what he holds, so the dependant's visa asked beside it leads."""
    text = "what is the process for my dependant visa? my husband has work permit in pudong"
    entities = [_term(text, "family_permits", "dependant visa"), _term(text, "work_permit", "work permit")]
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.47), ("ask_family_permits", 0.41)), entities, text, ALL_TOPICS)
    assert turn.topic == "family_permits"
    # ... but "does my company have work permit quotas" is no status of the user's
    from desk.dialogue.understanding import keyword_roles
    text = "does my company have work permit quotas?"
    assert keyword_roles([_term(text, "work_permit", "work permit")], text, ALL_TOPICS)[2] == []


def test_an_errand_before_or_without_a_permit_is_still_an_errand() -> None:
    """"which bank opens an account before the residence permit is ready": the permit is awaited, the
    bank is asked; an errand word in a longer name ("open a Bank of China account") is still one."""
    for text in ("Which bank lets a foreigner open an account before the residence permit is ready?",
                 "can I open a Bank of China account without a residence permit?"):
        turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.5), ("out_of_scope", 0.4)),
                          [_term(text, "residence_permit", "residence permit")], text, ALL_TOPICS)
        assert turn.kind == "reject", text
    # a permit held ("拿居留许可") and another the bank asks for ("柜台说还要工作许可"): both the user's errand
    text = "拿居留许可在银行开户，柜台说还要工作许可，是这样吗"
    entities = [_term(text, "residence_permit", "居留许可"), _term(text, "work_permit", "工作许可")]
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.58)), entities, text, ALL_TOPICS)
    assert turn.kind == "reject"


def test_the_aspect_word_after_an_opening_what_is_the_question() -> None:
    from desk.dialogue.understanding import resolve_aspect
    text = "What paperwork does a foreigner need to be allowed to take a job here?"
    guess = {"name": "eligibility", "confidence": 0.6}
    assert resolve_aspect(guess, ["materials", "eligibility"], text) == "materials"
    # a sure classifier, or the word later in the sentence, leaves the classifier's reading
    assert resolve_aspect({"name": "eligibility", "confidence": 0.9}, ["materials", "eligibility"], text) == "eligibility"
    text = "Am I allowed to take a job here, and what paperwork?"
    assert resolve_aspect(guess, ["eligibility", "materials"], text) == "eligibility"


def test_a_colloquial_question_word_makes_a_description_a_question() -> None:
    """"那个单一窗口，要准备啥材料呀～": 啥 asks (what), so the aspect named is the question, not a description."""
    text = "亲，工作许可和居留许可一起办的那个单一窗口，要准备啥材料呀～"
    entities = [_term(text, "work_residence_permit", "单一窗口"),
                {"entity": "aspect", "value": "materials", "start": text.index("材料"), "end": text.index("材料") + 2}]
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.9)), entities, text, ALL_TOPICS,
                      previous_topic="work_permit", previous_aspect="duration",
                      aspect_guess={"name": "materials", "confidence": 0.9})
    assert (turn.topic, turn.aspect) == ("work_residence_permit", "materials")


def test_a_slip_corrected_keeps_the_question_asked_before() -> None:
    """"不好意思我说错了，是人才驿站，不是人才港": 我 here owns a slip, not a case, so the question
    asked before (where) goes on for the topic meant, however the aspect model reads the words."""
    text = "不好意思我说错了，是人才驿站，不是人才港"
    entities = [_term(text, "talent_station", "人才驿站"), _term(text, "talent_port", "人才港")]
    turn = understand("ask_talent_port", ranking(("ask_talent_port", 0.54), ("ask_talent_station", 0.38)), entities, text,
                      ALL_TOPICS + ["talent_station", "talent_port"], previous_topic="talent_port", previous_aspect="where",
                      aspect_guess={"name": "eligibility", "confidence": 0.43})
    assert (turn.topic, turn.aspect) == ("talent_station", "where")


def test_more_word_tasks_and_another_countrys_permit() -> None:
    from desk.dialogue.understanding import foreign_visa, word_task
    assert word_task('Can you translate "work permit" into Portuguese?')
    assert word_task("给我讲个关于工作许可的笑话")
    assert not word_task("工作许可怎么办")
    assert foreign_visa("my company wants to sponsor a work visa for me in Singapore")
    assert foreign_visa("how do I get a work permit for Canada?")
    # where the user is, or a permit here after one there, is not another country's permit
    assert not foreign_visa("can my company start my work permit while I'm still in Spain?")
    assert not foreign_visa("I had a work permit in Japan, can I get one in Pudong?")


def test_another_citys_processing_a_slogan_and_opening_a_company() -> None:
    from desk.dialogue.understanding import elsewhere, word_task
    assert elsewhere("我朋友的 work permit 在北京办的，北京那边 processing 要多久")
    assert not elsewhere("工作许可在北京办的，换工作到上海要重新办吗")
    assert word_task("我想给 talent port 写个 slogan")
    # opening a company is what the talent station helps with: no errand, whatever permit is held
    text = "can I open a company with a talent visa and does the talent station help?"
    entities = [_term(text, "talent_visa", "talent visa"), _term(text, "talent_station", "talent station")]
    turn = understand("ask_talent_visa", ranking(("ask_talent_visa", 0.5), ("ask_talent_station", 0.4)), entities, text,
                      ALL_TOPICS + ["talent_station"])
    assert turn.kind == "answer"


def test_permanent_residence_asked_for_a_family_member_is_theirs() -> None:
    """"what docs for the permanent residence for my wife?": her permanent residence, not a family permit."""
    text = "what docs for the permanent residence for my wife? we are married 6 years"
    entities = [_term(text, "permanent_residence", "permanent residence"), _term(text, "family_permits", "wife")]
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.5), ("ask_permanent_residence", 0.4)), entities, text,
                      ALL_TOPICS, aspect_guess={"name": "materials", "confidence": 0.95})
    assert (turn.topic, turn.aspect) == ("permanent_residence", "materials")
    # a dependant's permit named is the family's
    text = "what docs for the dependant residence permit for my wife?"
    entities = [_term(text, "family_permits", "dependant residence permit"), _term(text, "family_permits", "wife")]
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.8)), entities, text, ALL_TOPICS)
    assert turn.topic == "family_permits"


def test_a_life_question_about_a_family_member_is_not_a_family_permit() -> None:
    """"我老公的 company 不给交 social insurance 合法吗": only a person named, the classifier finds it out
    of scope: refused; with a permit named, or in a conversation about the family, it is answered."""
    text = "我老公的 company 不给交 social insurance 合法吗"
    entities = [_term(text, "family_permits", "老公")]
    out = ranking(("out_of_scope", 0.49), ("ask_work_permit", 0.14))
    assert understand("out_of_scope", out, entities, text, ALL_TOPICS).kind == "reject"
    assert understand("out_of_scope", out, entities, text, ALL_TOPICS, previous_topic="family_permits").kind == "answer"
    text = "我老公的居留许可 company 不给办合法吗"
    entities = [_term(text, "family_permits", "老公")]
    assert understand("out_of_scope", out, entities, text, ALL_TOPICS).kind == "answer"
    assert _one_term_turn("R visa holders 可以免费坐地铁吗", "talent_visa", "R visa").kind == "reject"


def test_sums_poems_names_and_rewrites_with_a_domain_word_are_word_tasks() -> None:
    from desk.dialogue.understanding import word_task
    for text in ("工作许可 x 3 = ?", "if a visa costs 800 and I have 3 kids how much total",
                 "a haiku about the residence permit please", "把这句话改得更正式一点：我想问一下人才签证",
                 "帮我起一个人才驿站的英文名", "年终总结里要提到人才驿站，帮我写一段"):
        assert word_task(text), text
    for text in ("人才签证要多少钱", "帮我看看工作许可要写什么材料", "how much does the port visa cost in total?"):
        assert not word_task(text), text


def test_an_errand_in_a_conversation_about_a_permit_is_refused() -> None:
    """"btw can I open a bank account with it" after the work permit; "老人在上海看病能用医保吗" (an errand
    the classifier too finds out of scope, no permit named) while family permits are discussed."""
    text = "btw can I open a bank account with it"
    turn = understand("out_of_scope", ranking(("out_of_scope", 0.5), ("ask_aspect", 0.3)), [], text, ALL_TOPICS,
                      previous_topic="work_permit", previous_aspect="materials")
    assert turn.kind == "reject"
    text = "顺便问一下 老人在上海看病能用医保吗"
    turn = understand("out_of_scope", ranking(("out_of_scope", 0.5), ("ask_aspect", 0.3)), [], text, ALL_TOPICS,
                      previous_topic="family_permits", previous_aspect="materials")
    assert turn.kind == "reject"
    # a follow-up on the permit itself goes on
    text = "and can I renew it online?"
    turn = understand("ask_aspect", ranking(("ask_aspect", 0.7)), [], text, ALL_TOPICS, previous_topic="work_permit")
    assert (turn.kind, turn.topic) == ("answer", "work_permit")


def test_errands_of_shops_trains_and_shanghais_residence_points() -> None:
    cases = [("工作许可办下来以后能不能在淘宝开店", "work_permit", "工作许可"),
             ("永居身份证可以坐高铁刷卡吗", "permanent_residence", "永居"),
             ("有居留许可可以办上海的居住证积分吗", "residence_permit", "居留许可")]
    for text, topic, term in cases:
        assert _one_term_turn(text, topic, term).kind == "reject", text
    text = "工作许可办下来以后还要办居留许可吗"
    entities = [_term(text, "work_permit", "工作许可"), _term(text, "residence_permit", "居留许可")]
    turn = understand("ask_residence_permit", ranking(("ask_residence_permit", 0.7)), entities, text, ALL_TOPICS)
    assert turn.kind == "answer"


def test_a_question_after_a_lead_in_is_asked_without_its_question_mark() -> None:
    """"ok n for my visa, can i get it at the airport when i land": a question after a comma, not a
    statement of the user's case, so the classifier's sure new topic is not held to the one before."""
    text = "ok n for my visa, can i get it at the airport when i land"
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.95)), [], text, ALL_TOPICS, previous_topic="talent_station")
    assert (turn.kind, turn.topic) == ("answer", "port_visa")


def test_a_correction_with_a_calendar_year_in_it_moves_to_the_topic_meant() -> None:
    """"oops no, I meant the HR and social security bureau, the one that wrote the 2023 reply": the
    calendar year describes what is meant; it is not a corrected detail of the user's case."""
    text = "oops no, I meant the HR and social security bureau, the one that wrote the 2023 reply"
    turn = understand("ask_contact", ranking(("ask_contact", 0.95)), [], text, ALL_TOPICS, previous_topic="talent_port")
    assert (turn.kind, turn.topic) == ("answer", "contact")
    # a corrected figure still goes on with the topic under discussion
    text = "sorry, I meant 8 years not 4"
    turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.7)), [], text, ALL_TOPICS,
                      previous_topic="work_permit")
    assert turn.topic == "work_permit"


def test_a_user_who_opens_another_subject_leaves_the_topic_before() -> None:
    """"Good. Different thing: our Indonesian housekeeper wants to come work for us": the classifier's
    reading, even unsure, beats the topic under discussion."""
    text = "Good. Different thing: our Indonesian housekeeper wants to come work for us. Can we get her a permit to live here?"
    rank = ranking(("ask_family_permits", 0.5), ("ask_work_permit", 0.18), ("ask_permanent_residence", 0.06))
    turn = understand("ask_family_permits", rank, [], text, ALL_TOPICS, previous_topic="permanent_residence")
    assert turn.topic == "family_permits"
    # "another question" about the same topic goes on with it
    text = "another question: how long does it take?"
    turn = understand("ask_aspect", ranking(("ask_aspect", 0.7)), [], text, ALL_TOPICS, previous_topic="permanent_residence")
    assert turn.topic == "permanent_residence"


def test_a_permit_set_aside_by_its_nickname_is_not_the_one_meant() -> None:
    """"I only mean the work one, not the combo", "…so i can have a job here, not the police one": the
    nickname names the permit the user does not mean, though no keyword names it."""
    text = "wait no, I only mean the work one, not the combo. that's all online, right?"
    rank = ranking(("ask_aspect", 0.4), ("ask_work_permit", 0.32), ("ask_work_residence_permit", 0.11))
    turn = understand("ask_aspect", rank, [], text, ALL_TOPICS, previous_topic="work_residence_permit")
    assert turn.topic == "work_permit"
    text = "the one my company does online so i can have a job here, not the police one"
    rank = ranking(("ask_aspect", 0.53), ("ask_residence_permit", 0.25), ("ask_work_permit", 0.04))
    options = ("work_permit", "residence_permit", "permanent_residence")  # "which permit?" pending
    turn = understand("ask_aspect", rank, [], text, ALL_TOPICS, options=options)
    assert turn.topic == "work_permit"


def test_permanent_residence_described_as_staying_for_good() -> None:
    """"the one where I never have to renew again", "可以一直住、不用再续签的那个": permanent residence in
    other words, as an answer to "which permit?"; the one renewed every year is not it."""
    options = ("work_permit", "residence_permit", "permanent_residence")
    rank = ranking(("nlu_fallback", 0.3), ("ask_residence_permit", 0.25), ("ask_permanent_residence", 0.2))
    for text in ("the card that lets me stay here for good, so I never have to renew it again", "就是不用再续签的那个"):
        turn = understand("nlu_fallback", rank, [], text, ALL_TOPICS, options=options)
        assert turn.topic == "permanent_residence", text
    text = "no, the one you renew, not the one to stay forever"
    turn = understand("nlu_fallback", rank, [], text, ALL_TOPICS, options=options)
    assert turn.topic != "permanent_residence"


def test_another_citys_permit_asked_with_a_district_or_a_story_after_it() -> None:
    """"深圳前海那边…工作许可在哪个窗口办", "北京中关村那边的人才签证…不在上海", "How do I get a work permit in
    Beijing? I'm moving to Chaoyang next month": another city's office; Shanghai named only as where
    the user is not does not bring it back."""
    cases = [
        ("深圳前海那边外国人工作许可在哪个窗口办？我们公司在那边有个分公司", "work_permit", "工作许可"),
        ("北京中关村那边的外国人才签证是在北京出入境办吗？我们总部在海淀，不在上海。", "talent_visa", "人才签证"),
        ("How do I get a work permit in Beijing? I'm moving to Chaoyang next month for a new job.", "work_permit", "work permit"),
    ]
    for text, topic, term in cases:
        assert _one_term_turn(text, topic, term).kind == "reject", text
    # the user's past in another city, the question about Pudong: answered
    text = "我之前在北京那边工作了三年，现在换到浦东的公司，工作许可要重新办吗？"
    assert _one_term_turn(text, "work_permit", "工作许可").topic == "work_permit"


def test_a_chinese_visa_sought_from_another_country_is_not_that_countrys_visa() -> None:
    """"来不及在印度办签证了，就是那种人到了浦东机场再当场办的": China's visa, applied for in India, is
    too late: a port visa. "印度签证" itself is India's visa."""
    text = "客户那边有个印度工程师临时要过来，来不及在印度办签证了，就是那种人到了浦东机场再当场办的，要准备哪些材料？"
    assert _one_term_turn(text, "port_visa", "机场").topic == "port_visa"
    assert _one_term_turn("印度签证怎么办理，要多久", "port_visa", "签证").kind == "reject"


def test_an_unsure_out_of_scope_turn_the_aspect_model_is_sure_of_follows_up() -> None:
    """"how much time does approval take", "which airports in Shanghai have it": no aspect word the
    entities catch, but the aspect model is sure, so in a conversation it asks about the topic."""
    from desk.dialogue.understanding import follows_up

    sure = {"name": "duration", "confidence": 0.85}
    assert follows_up(0.4, [], "how much time does approval take", TOPICS, "permanent_residence", sure)
    assert follows_up(0.66, [], "which airports in Shanghai have it", TOPICS, "port_visa", {"name": "where", "confidence": 0.93})
    assert not follows_up(0.4, [], "how much time does approval take", TOPICS, "permanent_residence",
                          {"name": "duration", "confidence": 0.6})  # unsure of the aspect too
    assert not follows_up(0.9, [], "how much time does approval take", TOPICS, "permanent_residence", sure)
    assert not follows_up(0.5, [], "btw where can I buy a SIM card near the airport", TOPICS, "port_visa",
                          {"name": "where", "confidence": 0.9})  # a declared detour


def test_thanks_followed_by_a_question_without_its_mark_is_not_only_thanks() -> None:
    """"thanks. back to the platform - is it an app or a mini program": it thanks and asks."""
    from desk.dialogue.understanding import only_thanks

    assert not only_thanks("thanks. back to the platform - is it an app or a mini program")
    assert only_thanks("thanks a lot, that is clear now")
    assert not only_thanks("ok thx. so with 450k how many points do i get for the salary part")
    # thanks after an "ok", in pinyin or another language
    for text in ("ok xiexie", "got it, danke", "好的 谢谢", "okay thanks!", "merci"):
        assert only_thanks(text), text
    assert not only_thanks("type A?")


def test_the_work_permit_described_without_its_name() -> None:
    """"the paper that says I'm allowed to have a job here", "my right-to-work paper and my stay card in
    one go": the work permit (and with the residence permit, together, the combined one) in other words."""
    rank = ranking(("nlu_fallback", 0.3), ("ask_residence_permit", 0.2), ("ask_talent_visa", 0.15))
    text = "The paper that says I'm allowed to have a job here - not the visa. How does that work?"
    assert understand("nlu_fallback", rank, [], text, ALL_TOPICS).topic == "work_permit"
    text = "Is there a way to get my right-to-work paper and my stay card sorted in one go?"
    rank = ranking(("ask_work_permit", 0.5), ("ask_work_residence_permit", 0.3))
    assert understand("ask_work_permit", rank, [], text, ALL_TOPICS).topic == "work_residence_permit"


def test_how_to_reach_the_office_in_charge_of_a_subject_is_the_contact() -> None:
    """"Which office is in charge of the talent policies, and how can I reach them?": the classifier
    reads the contact first; the policies are what the user wants to reach them about."""
    text = "Which government office in Pudong is actually in charge of the talent policies, and how can I reach them?"
    rank = ranking(("ask_contact", 0.49), ("ask_talent_policy_system", 0.39))
    assert understand("ask_contact", rank, [_term(text, "talent_policy_system", "talent policies")], text, ALL_TOPICS).topic == "contact"
    # without asking how to reach them, the subject named leads
    text = "Which government office in Pudong is actually in charge of the talent policies?"
    assert understand("ask_contact", rank, [_term(text, "talent_policy_system", "talent policies")], text, ALL_TOPICS).topic == "talent_policy_system"


def test_the_same_visa_asked_for_the_family_goes_on_with_the_talent_visa() -> None:
    """After the R visa, "家属也一样吗" / "dependants can get the same?" ask the same visa for them;
    "那家属呢？太太和小孩" alone asks the family's own permits."""
    rank = ranking(("ask_family_permits", 0.85), ("ask_aspect", 0.1))
    for text, term in (("家属也一样吗", "家属"), ("and my wife and kids, can they get the same?", "wife")):
        turn = understand("ask_family_permits", rank, [_term(text, "family_permits", term)], text, ALL_TOPICS,
                          previous_topic="talent_visa", previous_aspect="duration")
        assert turn.topic == "talent_visa", text
    text = "那家属呢？太太和小孩"
    turn = understand("ask_family_permits", rank, [_term(text, "family_permits", "家属")], text, ALL_TOPICS,
                      previous_topic="talent_visa", previous_aspect="duration")
    assert turn.topic == "family_permits"


def test_shops_and_coffee_near_a_place_are_not_the_desks() -> None:
    """"is there an IKEA near there lol" after the talent station, "附近有超市吗": life around a place."""
    for text in ("is there an IKEA near there lol", "附近有超市吗"):
        turn = understand("ask_aspect", ranking(("ask_aspect", 0.72), ("out_of_scope", 0.22)), [], text, ALL_TOPICS,
                          previous_topic="talent_station", previous_aspect="where")
        assert turn.kind == "reject", text
    turn = understand("ask_aspect", ranking(("ask_aspect", 0.72)), [], "is there a metro station near there", ALL_TOPICS,
                      previous_topic="talent_station", previous_aspect="where")
    assert turn.topic == "talent_station"


def test_visa_free_entry_for_family_members_is_not_a_family_permit() -> None:
    """"My parents want to visit me for 2 weeks. Do they need a tourist visa or is visa free still valid?":
    the parents are the people the trip is for; visa-free entry is none of the desk's permits."""
    text = "My parents are Spanish and want to visit me 2 weeks in May. Do they need tourist visa or is visa free still valid?"
    rank = ranking(("nlu_fallback", 0.3), ("ask_talent_visa", 0.2), ("out_of_scope", 0.18))
    assert understand("nlu_fallback", rank, [_term(text, "family_permits", "parents")], text, ALL_TOPICS).kind == "reject"


def test_another_countrys_green_card_for_a_chinese_user_and_embassy_business_visas() -> None:
    """"我是在上海工作的中国人，申请美国绿卡EB-2现在排期多久": the user's Chinese nationality does not make it
    China's card. "在大使馆申请M签证…", "business visa M at the Chinese embassy in Lagos": a short question
    about a business visa at an embassy, not the port visa got on arrival, nor the R visa."""
    text = "我是在上海工作的中国人，申请美国绿卡EB-2现在排期多久"
    assert _one_term_turn(text, "permanent_residence", "绿卡").kind == "reject"
    for text in ("客户要从巴西来谈合作，时间不急，在大使馆申请M签证要我们公司发邀请函吗",
                 "business visa M at the Chinese embassy in Lagos, how many days it take?"):
        turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.7)), [], text, ALL_TOPICS)
        assert turn.kind == "reject", text
    text = "does she apply for the R visa at the embassy back home?"
    assert _one_term_turn(text, "talent_visa", "R visa").topic == "talent_visa"


def test_another_citys_subsidy_for_a_user_leaving_pudong() -> None:
    """"What does Hangzhou give overseas PhDs as talent subsidy? Thinking to move from Pudong to Hangzhou"."""
    text = "What does Hangzhou give overseas PhDs as talent subsidy? Thinking to move from Pudong to Hangzhou next year"
    assert _one_term_turn(text, "talent_policy_system", "talent subsidy").kind == "reject"


def test_the_office_behind_the_topic_under_discussion_is_the_contact() -> None:
    """"which office is behind all that, and where are they?" after the talent policies asks whom to
    contact; "which bureau handles that?" of a tax status in the same message, with nothing under
    discussion, is not the desk's contact topic."""
    follow = ranking(("ask_aspect", 0.6), ("ask_talent_policy_system", 0.3), ("ask_contact", 0.05))
    for text in ("which office is behind all that, and where are they?", "Which office handles that? I'd like to send a letter", "那是哪个部门负责的"):
        turn = understand("ask_aspect", follow, [], text, ALL_TOPICS, previous_topic="talent_policy_system")
        assert (turn.kind, turn.topic) == ("answer", "contact"), text
    tax = "My startup in Zhangjiang wants high-tech enterprise status for tax benefit. Which bureau handles that?"
    turn = understand("out_of_scope", ranking(("out_of_scope", 0.7), ("ask_contact", 0.2)), [], tax, ALL_TOPICS)
    assert turn.topic is None


def test_a_question_about_the_price_alone_asks_no_aspect() -> None:
    """"费用多少", "fee?": the aspect model's guess from nothing (procedure, where) is no question;
    the price belongs with the topic in general."""
    for text, guess in (("费用多少", "procedure"), ("fee?", "where"), ("费用大概多少", "duration")):
        turn = understand("ask_aspect", ranking(("ask_aspect", 0.7)), [], text, ALL_TOPICS,
                          previous_topic="residence_permit", aspect_guess={"name": guess, "confidence": 0.6})
        assert (turn.topic, turn.aspect) == ("residence_permit", None), text


def test_using_the_platform_under_discussion_follows_up() -> None:
    """"外国人怎么注册？" after the digital platform asks how to register on it, however sure the
    classifier is that it is out of scope; registering a company, or no platform before, is not it."""
    from desk.dialogue.understanding import follows_up

    assert follows_up(0.78, [], "外国人怎么注册？", TOPICS, "digital_platform")
    assert follows_up(0.76, [], "在哪里可以找到 official entrance", TOPICS, "digital_platform")
    assert follows_up(0.35, [], "必须要中国手机号吗？", TOPICS, "digital_platform")
    assert not follows_up(0.78, [], "外国人怎么注册？", TOPICS, "work_permit")
    assert not follows_up(0.78, [], "外国人怎么注册公司？", TOPICS, "digital_platform")


def test_a_correction_names_the_one_topic_it_meant() -> None:
    """"sorry no, she doesn't want to work, I mean the family permit": the one topic named after "I
    mean" in a correction wins over the classifier's reading of the words before it."""
    family = [{"entity": "topic", "value": "family_permits", "start": 78, "end": 91}]
    text = "sorry no, she dont want to work now, first she just stays with me. i mean the family permit"
    assert text[78:91] == "family permit"
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.56), ("ask_family_permits", 0.22)), family, text, TOPICS,
        previous_topic="work_permit", previous_aspect="eligibility",
    )
    assert turn.topic == "family_permits"


def test_only_a_bare_request_for_help_is_one() -> None:
    from desk.dialogue.understanding import asks_for_help

    for text in ("need help", "I need help with my application", "can you help me with a card", "I have a problem with my card", "帮帮我"):
        assert asks_for_help(text), text
    for text in ("can you help me find an apartment", "I need help finding a school", "what can you help me with?"):
        assert not asks_for_help(text), text


def test_a_question_after_a_lead_in_without_its_mark_asks_an_aspect() -> None:
    """"the sticker has my name misspelled, how do I get it corrected" answers a clarifying question
    and asks its own aspect, though it has no question mark."""
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.8)), [],
        "the stay permit sticker in my passport has my name misspelled, how do I get it corrected", TOPICS,
        options=["residence_permit", "work_permit"], aspect_guess={"name": "procedure", "confidence": 0.9},
    )
    assert (turn.topic, turn.aspect) == ("residence_permit", "procedure")


def test_a_question_about_the_family_alone_asks_which_permit() -> None:
    """"I have a question about my family" names no permit: which one is asked; the family members'
    permits asked for are answered."""
    family = [{"entity": "topic", "value": "family_permits", "start": 27, "end": 33}]
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.7)), family, "I have a question about my family", TOPICS)
    assert turn.kind == "clarify" and turn.candidates[0] == "family_permits"
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.9)), [], "想问家属的事", TOPICS)
    assert turn.kind == "clarify"
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.9)), family[:0], "I have a question about my family's residence permits", TOPICS)
    assert (turn.kind, turn.topic) == ("answer", "family_permits")


def test_may_i_on_another_topic_asks_who_may_not_the_earlier_aspect() -> None:
    """"人才驿站的免费公寓他们能住吗？" after where the talent port is: whether they may use the station,
    not where it is; "and the station?" still asks the same."""
    station = [{"entity": "topic", "value": "talent_station", "start": 0, "end": 4}]
    topics = [*TOPICS, "talent_station", "talent_port"]
    turn = understand(
        "ask_talent_station", ranking(("ask_talent_station", 0.8)), station, "那人才驿站的免费公寓他们能住吗？", topics,
        previous_topic="talent_port", previous_aspect="where",
    )
    assert (turn.topic, turn.aspect) == ("talent_station", "eligibility")
    turn = understand(
        "ask_talent_station", ranking(("ask_talent_station", 0.8)), station, "那人才驿站呢？", topics,
        previous_topic="talent_port", previous_aspect="where",
    )
    assert (turn.topic, turn.aspect) == ("talent_station", "where")


def test_a_switch_that_asks_its_own_aspect_in_words_does_not_carry_the_last_one() -> None:
    """"also his wife needs a residence permit as dependant, how does she apply" after "where": the
    steps are asked in words, though the aspect model is unsure."""
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.97)), [{"entity": "topic", "value": "family_permits"}],
        "also his wife needs a residence permit as dependant, how does she apply", TOPICS,
        previous_topic="talent_visa", previous_aspect="where", aspect_guess={"name": "procedure", "confidence": 0.6},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "procedure")
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.97)), [{"entity": "topic", "value": "family_permits"}],
        "and the family permit for his wife?", TOPICS, previous_topic="talent_visa", previous_aspect="where",
        aspect_guess={"name": "procedure", "confidence": 0.4},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "where")


def test_a_correction_that_describes_the_one_meant_moves_away_though_it_has_a_number() -> None:
    """"sorry no — I mean the long one for top scientists, up to ten years" after the port visa: the
    thing meant, described (its ten years are no figure of the user's case), and the classifier
    reading it less than clearly is enough; "sorry I meant 8 years, not 4" still corrects a detail."""
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.57), ("ask_port_visa", 0.1)), [],
        "sorry no — i mean the long one for top scientists, up to ten years", TOPICS, previous_topic="port_visa",
    )
    assert turn.topic == "talent_visa"
    turn = understand(
        "ask_talent_visa", ranking(("ask_talent_visa", 0.57), ("ask_port_visa", 0.1)), [],
        "sorry i meant 8 years, not 4", TOPICS, previous_topic="permanent_residence",
    )
    assert turn.topic == "permanent_residence"


def test_the_card_asked_for_with_no_more_said_is_clarified() -> None:
    """"hey, can I get the card?", "I need help with the card thing for staying in China": which card
    is asked (permanent residence, the residence permit …); "can I get the card for permanent
    residence?" names it."""
    from desk.dialogue.understanding import asks_for_help

    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.7)), [], "hey, can i get the card?", TOPICS,
    )
    assert turn.kind == "clarify" and "permanent_residence" in turn.candidates
    assert asks_for_help("I need help with the card thing for staying in China")
    assert not asks_for_help("I need help with the card thing for staying in China, how long does it take?")
    turn = understand(
        "ask_permanent_residence", ranking(("ask_permanent_residence", 0.9)),
        [{"entity": "topic", "value": "permanent_residence", "start": 22, "end": 43}],
        "can i get the card for permanent residence?", TOPICS,
    )
    assert turn.topic == "permanent_residence"


def test_a_card_for_staying_without_renewing_is_permanent_residence() -> None:
    """"the card that lets me stay long-term without renewing every year", answering which card."""
    turn = understand(
        "ask_residence_permit", ranking(("ask_residence_permit", 0.5), ("ask_permanent_residence", 0.4)), [],
        "the card that lets me stay long-term without renewing every year", TOPICS,
        options=["permanent_residence", "residence_permit", "work_permit"],
    )
    assert turn.topic == "permanent_residence"


def test_a_permit_the_user_says_they_have_is_held_beside_an_errand() -> None:
    """"I have 永居证 now, 买房还需要交满一年社保吗?": buying a flat, with permanent residence what the user
    has; "I have 永居证 now, can my wife get one too?" still asks about it."""
    text = "i have 永居证 now, 买房还需要交满一年社保吗?"
    entities = [{"entity": "topic", "value": "permanent_residence", "start": 7, "end": 10}]
    turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.8)), entities, text, TOPICS)
    assert turn.kind == "reject"
    text = "i have 永居证 now, can my wife get one too?"
    turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.8)), entities, text, TOPICS)
    assert turn.topic == "permanent_residence"


def test_a_clarifying_question_answered_with_nothing_is_asked_again() -> None:
    """"😀", "?", an invisible character or a bare "ok" choose none of the offered topics: the
    desk asks again rather than answer the option the classifier happens to favour."""
    offered = ["work_permit", "residence_permit"]
    for text in ("😀", "?", "\u200b", "ok", "嗯", ""):
        turn = understand("ask_aspect", ranking(("ask_aspect", 0.9), ("ask_work_permit", 0.05)), [], text, TOPICS,
                          options=offered)
        assert (turn.kind, turn.topic, list(turn.candidates)) == ("clarify", None, offered), text
    chosen = understand("ask_work_permit", ranking(("ask_work_permit", 0.9)), [], "work", TOPICS, options=offered)
    assert (chosen.kind, chosen.topic) == ("answer", "work_permit")


def test_the_apec_business_travel_card_is_not_the_green_card() -> None:
    """Its "card" made "APEC card?" the permanent residence card; it is a travel card the desk does not cover."""
    for text in ("APEC card?", "ABTC申请条件"):
        turn = understand("ask_permanent_residence", ranking(("ask_permanent_residence", 0.92)), [], text, TOPICS)
        assert turn.kind == "reject" and turn.topic is None, text


@pytest.mark.parametrize("text, offered, not_offered", [
    ("visa", "port_visa", "residence_permit"), ("签证?", "port_visa", "permanent_residence"),
    ("permit??", "work_residence_permit", "talent_visa"), ("card", "permanent_residence", "port_visa"),
])
def test_a_bare_generic_word_offers_the_topics_of_its_kind(text: str, offered: str, not_offered: str) -> None:
    known = [*TOPICS, "work_residence_permit"]
    turn = understand("ask_port_visa", ranking(("ask_port_visa", 0.66)), [], text, known)
    assert turn.kind == "clarify" and offered in turn.candidates and not_offered not in turn.candidates


def _entity(text: str, topic: str, term: str) -> dict:
    return {"entity": "topic", "value": topic, "start": text.index(term), "end": text.index(term) + len(term)}


def test_a_permit_someone_would_come_on_is_asked_not_held() -> None:
    """"Can my son come with me on a family permit?" while the talent station is discussed asks about
    the family permit; "I came on a family permit" would be the user's status."""
    question = "Can my 20-year-old son come with me on a family permit?"
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.97)), [_entity(question, "family_permits", "family permit")],
        question, [*TOPICS, "talent_station"], previous_topic="talent_station", previous_aspect="duration",
        aspect_guess={"name": "eligibility", "confidence": 0.97},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "eligibility")


def test_the_permit_is_the_one_under_discussion() -> None:
    """"how long is the permit" while a domestic helper's permit is discussed: that permit, however
    sure the classifier is that a bare "permit" is the work permit; not after a visa is discussed."""
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.73), ("ask_family_permits", 0.08)), [],
        "how long is the permit", TOPICS, previous_topic="family_permits", previous_aspect="materials",
        aspect_guess={"name": "duration", "confidence": 0.99},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "duration")
    turn = understand(
        "ask_work_permit", ranking(("ask_work_permit", 0.73), ("ask_port_visa", 0.08)), [],
        "how long is the permit", TOPICS, previous_topic="port_visa", previous_aspect="materials",
        aspect_guess={"name": "duration", "confidence": 0.99},
    )
    assert turn.topic == "work_permit"


@pytest.mark.parametrize("text", ["what's the phone number", "and the email?", "他们电话多少", "联系方式呢"])
def test_a_bare_request_for_a_number_is_the_offices_of_the_topic_discussed(text: str) -> None:
    turn = understand(
        "ask_contact", ranking(("ask_contact", 0.52), ("ask_aspect", 0.44)), [], text, [*TOPICS, "contact"],
        previous_topic="port_visa", previous_aspect="where", aspect_guess={"name": "where", "confidence": 0.5},
    )
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "port_visa", "where")


def test_a_number_of_a_named_office_is_still_the_contacts() -> None:
    text = "what's the phone number of the HR bureau?"
    turn = understand(
        "ask_contact", ranking(("ask_contact", 0.99)), [_entity(text, "contact", "phone number")], text,
        [*TOPICS, "contact"], previous_topic="port_visa", previous_aspect="where",
    )
    assert turn.topic == "contact"


@pytest.mark.parametrize("text, aspect", [
    ("签证怎么办理", "procedure"), ("签证需要什么材料", "materials"), ("how do I apply for a visa?", "procedure"),
])
def test_a_question_about_some_visa_asks_which(text: str, aspect: str) -> None:
    """"签证怎么办理": which visa, offering the visas first, and the aspect kept for the choice; a visa
    of another country or a named one is not asked about this way."""
    turn = understand(
        "out_of_scope", ranking(("out_of_scope", 0.52), ("ask_talent_visa", 0.15), ("ask_port_visa", 0.12)), [],
        text, TOPICS, aspect_guess={"name": aspect, "confidence": 0.9},
    )
    assert turn.kind == "clarify" and turn.candidates[:2] == ["port_visa", "talent_visa"]
    assert turn.aspect == aspect
    from desk.dialogue.understanding import generic_question
    assert not generic_question("美国签证怎么办理") and not generic_question("work permit怎么办")


def test_a_topics_hotline_is_where_its_offices_are() -> None:
    """"What's the work permit hotline?": the offices with their numbers, not the overview."""
    text = "What's the work permit hotline in Shanghai?"
    turn = understand("ask_work_permit", ranking(("ask_work_permit", 0.66)), [_entity(text, "work_permit", "work permit")],
                      text, [*TOPICS, "contact"], aspect_guess={"name": "overview", "confidence": 0.6})
    assert (turn.topic, turn.aspect) == ("work_permit", "where")


def test_a_correction_to_whom_keeps_what_was_asked() -> None:
    """"no wait, for my wife" after the work permit's documents: the family's documents."""
    text = "no wait, for my wife"
    turn = understand(
        "ask_family_permits", ranking(("ask_family_permits", 0.5), ("ask_vague", 0.13)), [_entity(text, "family_permits", "wife")],
        text, TOPICS, previous_topic="work_permit", previous_aspect="materials",
        aspect_guess={"name": "eligibility", "confidence": 0.58},
    )
    assert (turn.topic, turn.aspect) == ("family_permits", "materials")


def test_children_applying_together_after_permanent_residence_stay_on_it() -> None:
    """"我孩子能一起办吗" after permanent residence went to family permits: its "一起办" read as both
    permits in one go. Spouse and minor children apply with the talent: permanent residence; "工作
    许可和居留许可能一起办吗" still names both permits."""
    question = "我孩子能一起办吗"
    entities = [_entity(question, "family_permits", "孩子"), _entity(question, "work_residence_permit", "一起办")]
    ranked = ranking(("ask_aspect", 0.46), ("ask_work_residence_permit", 0.29), ("ask_family_permits", 0.11))
    topics = [*TOPICS, "work_residence_permit"]
    turn = understand("ask_aspect", ranked, entities, question, topics, previous_topic="permanent_residence",
                      previous_aspect="duration", aspect_guess={"name": "eligibility", "confidence": 0.99})
    assert (turn.topic, turn.aspect) == ("permanent_residence", "eligibility")
    both = "我孩子的工作许可和居留许可能一起办吗"
    turn = understand("ask_work_residence_permit", ranking(("ask_work_residence_permit", 0.9)),
                      [_entity(both, "work_residence_permit", "一起办")], both, topics,
                      previous_topic="permanent_residence", previous_aspect="duration")
    assert turn.topic != "permanent_residence"


def test_back_to_my_question_returns_to_the_topic_under_discussion() -> None:
    """"ok back to my permit question, where do I go?" after a detour got "which of these do you
    mean?": it goes back to the permit discussed; with nothing discussed, the desk still asks."""
    question = "ok back to my permit question, where do I go?"
    ranked = ranking(("ask_vague", 0.6), ("ask_work_permit", 0.07), ("ask_residence_permit", 0.03))
    turn = understand("ask_vague", ranked, [], question, TOPICS, previous_topic="residence_permit",
                      previous_aspect="duration", aspect_guess={"name": "where", "confidence": 0.9})
    assert (turn.kind, turn.topic, turn.aspect) == ("answer", "residence_permit", "where")
    turn = understand("ask_vague", ranked, [], question, TOPICS, aspect_guess={"name": "where", "confidence": 0.9})
    assert turn.kind == "clarify"


def test_a_case_with_the_family_asking_to_start_work_is_the_work_permit() -> None:
    """"I'm 45, PhD, … my wife and 2 kids come too. What do I need to start working here?" got the
    family's permits: the family is the case, the question the user's own work; a question about
    the wife's work stays hers."""
    question = "Hi, I'm 45, PhD, my company is in Zhangjiang, my wife and 2 kids come too. What do I need to start working here?"
    ranked = ranking(("ask_aspect", 0.75), ("ask_family_permits", 0.14), ("ask_work_permit", 0.03))
    entities = [_entity(question, "family_permits", "wife")]
    turn = understand("ask_aspect", ranked, entities, question, TOPICS,
                      aspect_guess={"name": "eligibility", "confidence": 0.85})
    assert (turn.topic, turn.aspect) == ("work_permit", "procedure")
    hers = "what does my wife need to start working here?"
    turn = understand("ask_family_permits", ranking(("ask_family_permits", 0.8)), [_entity(hers, "family_permits", "wife")],
                      hers, TOPICS, aspect_guess={"name": "materials", "confidence": 0.8})
    assert turn.topic == "family_permits"


def test_funding_asked_after_the_talent_programmes_follows_up() -> None:
    """"how much funding can I get?" after the Pearl Plan was refused as out of scope (the classifier
    sure at 0.83): what the programmes give is the policy system's; after a visa it is still not."""
    from desk.dialogue.understanding import follows_up

    topics = [*TOPICS, "talent_policy_system"]
    assert follows_up(0.83, [], "how much funding can I get?", topics, "talent_policy_system")
    assert follows_up(0.83, [], "有多少补贴？", topics, "talent_policy_system")
    assert not follows_up(0.83, [], "how much funding can I get?", topics, "port_visa")
