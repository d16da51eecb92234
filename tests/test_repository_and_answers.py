"""Repository reads and answer composition on the real seed policies."""

import datetime as dt
from dataclasses import replace
from pathlib import Path

from desk.dialogue.answer import compose_topic, structured_answer
from desk.dialogue.render import render_text
from desk.dialogue.structured import expand
from desk.policies.importer import import_paths


def text(topic, aspect, lang, **kw) -> str:
    return render_text(compose_topic(topic, aspect, lang, **kw))


def test_repository_serves_topics_and_sees_imports(repository, loaded_sessions, policy_file: Path) -> None:
    assert repository.get("port_visa").title["en"]
    assert repository.get("science_talent_residence") is None
    with loaded_sessions() as session:
        import_paths(session, [str(policy_file)])
    assert repository.get("science_talent_residence").status == "planned"


def test_every_answer_cites_its_source_in_both_languages(repository) -> None:
    for topic in repository.all():
        for lang in ("zh", "en"):
            for aspect in (None, "materials", "procedure", "eligibility", "where", "duration"):
                answer = compose_topic(topic, aspect, lang)
                label = "来源：" if lang == "zh" else "Sources: "
                if answer["missing"] is None:
                    assert answer["sources"] and label in render_text(answer), (topic.id, aspect, lang)
            assert structured_answer(topic, lang)["summary"]


def test_materials_answer_lists_required_items(repository) -> None:
    shown = text(repository.get("port_visa"), "materials", "en")
    assert "documents required" in shown and "[required]" in shown
    materials = structured_answer(repository.get("port_visa"), "en")["materials"]
    assert materials and all("required" in m for m in materials)


def test_planned_measure_is_flagged(repository) -> None:
    zh = text(repository.get("digital_platform"), None, "zh")
    en = text(repository.get("digital_platform"), None, "en")
    assert "没有找到已正式实施" in zh and "planned" in en


def test_missing_fact_says_so_and_points_to_a_person(repository) -> None:
    topic = repository.get("digital_platform")
    assert topic.duration is None
    answer = compose_topic(topic, "duration", "en")
    assert answer["missing"] and not answer["items"]
    shown = render_text(answer)
    assert "won't guess" in shown and "12345" in shown
    # the aspect's heading reads in the sentence ("… about “X” (how to apply)", not "the how to apply of")
    procedure = compose_topic(topic, "procedure", "en")
    if procedure["missing"]:
        assert " of “" not in procedure["missing"] and "(how to apply)" in procedure["missing"]
    assert "(processing time / validity)" in answer["missing"]
    # the contract's handoff flag: a reply that could not answer hands over to the official channels
    decision = {"language": "en", "topic": "digital_platform", "aspect": "duration", "handoff": False}
    assert expand(decision, repo=repository)["handoff"] is True
    assert expand({**decision, "aspect": None}, repo=repository)["handoff"] is False


def test_port_visa_resumption_date_is_corrected(repository) -> None:
    shown = " ".join(text(repository.get("port_visa"), a, "en", day=dt.date(2026, 12, 3)) for a in (None, "duration"))
    assert "8 Jan 2023" in shown


def test_residence_permit_materials_say_the_employer_documents_are_for_work(repository) -> None:
    """The PSB list behind them is for a work-type permit: a spouse asking what a residence
    permit needs must not read that an employer letter is required of them."""
    topic = repository.get("residence_permit")
    for lang, employer, scope in (("zh", "用人单位", "工作类"), ("en", "Employer", "work-type")):
        for item in structured_answer(topic, lang)["materials"]:
            if employer in item["name"] or "工作许可" in item["name"] or "Work Permit" in item["name"]:
                assert scope in item["name"], item
        assert "family permits" in text(topic, "materials", lang) or "家属办证" in text(topic, "materials", lang)


def test_permanent_residence_90_days_keeps_its_scope(repository) -> None:
    """'90 days for talent' is the 2015 Shanghai route for recognised talent, not every talent category."""
    for lang, scoped in (("zh", "2015年"), ("en", "2015")):
        steps = text(repository.get("permanent_residence"), "procedure", lang)
        assert "90" in steps and scoped in steps


def test_handoff_does_not_promise_a_transfer(repository) -> None:
    """The desk has no staff of its own: it points to public lines, it does not hand the chat over."""
    from desk.dialogue.texts import reply

    assert "无法为您转接" in reply("handoff", "zh") and "can't transfer" in reply("handoff", "en")


def test_a_fee_question_leads_with_the_fees_or_says_none_are_listed(repository) -> None:
    """The fees are steps of a procedure (or a waiver in a summary): asked what it costs, the
    answer shows them first; where the sources give none, it says so instead of an overview
    that leaves the user guessing."""
    residence = compose_topic(repository.get("residence_permit"), None, "en", fees=True)
    assert residence["heading"].endswith("fees") and "RMB 400" in residence["items"][0]["text"] + residence["items"][1]["text"]
    assert not any("no fee" in p for p in residence["paragraphs"])
    for lang in ("zh", "en"):
        permit = render_text(compose_topic(repository.get("work_permit"), None, lang, fees=True))
        assert ("没有列出" in permit) if lang == "zh" else ("list no fee" in permit)
        waived = render_text(compose_topic(repository.get("talent_visa"), None, lang, fees=True))
        assert "没有列出" not in waived and "list no fee" not in waived  # the waiver is the answer
    assert not compose_topic(repository.get("talent_visa"), None, "en", fees=True)["warnings"]  # no planned port visa
    assert compose_topic(repository.get("talent_visa"), None, "en")["warnings"]  # the overview names it
    steps = compose_topic(repository.get("residence_permit"), "procedure", "zh", fees=True)
    assert sum("400元" in f["text"] for f in steps["items"] + steps["steps"]) == 1  # shown once, in its step
    assert "没有列出" not in text(repository.get("residence_permit"), None, "zh")  # only when asked


def test_an_opening_hours_question_is_told_which_hours_are_known(repository) -> None:
    """"人社局几点上班" got the addresses with the Exit-Entry Bureau's hours, which read as the HR
    bureau's: asked when a place is open, the answer says only the hours shown are known and where
    to check others, or that its sources give none; not asked, it says nothing of hours."""
    for lang, said in (("zh", "其他机构或窗口的办公时间资料里没有"), ("en", "our sources give only the hours shown")):
        contact = compose_topic(repository.get("contact"), "where", lang, hours=True)
        assert any(said in p for p in contact["paragraphs"]) and any(c["hours"] for c in contact["contacts"])
        assert not any(said in p for p in compose_topic(repository.get("contact"), "where", lang)["paragraphs"])
    bare = replace(repository.get("talent_port"), contacts=())  # a place whose sources give no hours
    bare = replace(bare, where={k: "张江科学城" if k == "zh" else "Zhangjiang" for k in ("zh", "en")})
    assert "没有列出" in compose_topic(bare, "where", "zh", hours=True)["paragraphs"][-1]
    assert "give no opening hours" in compose_topic(bare, "where", "en", hours=True)["paragraphs"][-1]


def test_who_qualifies_for_the_r_visa_says_what_the_family_gets(repository) -> None:
    """"And my wife?" after an R-visa question stays on the R visa (the blind sets' authors say so):
    its who-qualifies answer must then say what the family gets, not only the talent's criteria."""
    assert "spouse and minor children" in text(repository.get("talent_visa"), "eligibility", "en")
    assert "配偶和未成年子女" in text(repository.get("talent_visa"), "eligibility", "zh")


def test_the_planned_airport_window_is_flagged_by_its_english_names(repository) -> None:
    from desk.dialogue.answer import planned_named

    port = repository.get("talent_port")
    for question in ("Is there a talent window at Pudong airport?", "is the airport window open yet", "浦东机场窗口在哪"):
        assert planned_named(port, question) == ["airport_talent_window"], question


def test_english_source_lines_are_english_outside_brackets(repository) -> None:
    """CONTRACT.md: an English reply is English throughout, its sources included; a Chinese term
    only in brackets after its English name (a document number, a Chinese-only publisher)."""
    import re

    cjk, bracketed = re.compile(r"[\u4e00-\u9fff]"), re.compile(r"\([^()]*\)|（[^（）]*）|《[^《》]*》")
    for topic_id in repository.ids():
        for aspect in (None, "materials", "procedure", "eligibility", "where", "duration"):
            for source in compose_topic(repository.get(topic_id), aspect, "en")["sources"]:
                for text in (source["ref"], source["title"]):
                    outside = text
                    while bracketed.search(outside):
                        outside = bracketed.sub("", outside)
                    assert outside.strip() and not cjk.search(outside), (topic_id, source["line"])


def test_the_contact_topic_answers_every_aspect_with_its_numbers(repository) -> None:
    """Whom to call has no 'conditions' or 'documents': any aspect it does not state gets the
    contacts (the overview), never "our sources have no reliable information"."""
    contact = repository.get("contact")
    for aspect in ("eligibility", "materials", "procedure", "duration"):
        answer = compose_topic(contact, aspect, "en")
        assert answer["missing"] is None and answer["contacts"] and "12345" in render_text(answer), aspect


def test_a_note_for_several_aspects_is_shown_with_each_and_only_those(repository) -> None:
    """Where to extend a port visa's stay belongs to its conditions, place and time alike: one
    note, listed once in the record, shown with each of the three."""
    port = repository.get("port_visa")
    extension = next(n for n in port.notes if "extension" in n.text["en"])
    assert extension.aspects == ("duration", "where", "eligibility")
    for aspect in ("duration", "where", "eligibility", "procedure", "materials"):
        shown = render_text(compose_topic(port, aspect, "en"))
        assert ("nearest public-security exit-entry office" in shown) is (aspect in extension.aspects), aspect


def test_a_note_comes_after_the_steps_it_adds_to(repository) -> None:
    for lang in ("zh", "en"):
        answer = compose_topic(repository.get("permanent_residence"), "procedure", lang)
        notes = [i for i in answer["items"] if i.get("note")]
        assert notes and answer["steps"]
        body = render_text(answer).split("\n")
        assert body[1].startswith("1. "), body[1]  # the heading, then step 1
        assert body.index(notes[0]["text"]) > max(i for i, line in enumerate(body) if line[:1].isdigit())
