"""Questions that compare two topics get the same aspect of each, in one answer object that
every channel renders (desk.dialogue.comparison, desk.dialogue.answer.compared_answer)."""

from desk.dialogue.answer import compose_answer
from desk.dialogue.comparison import compared_aspect, compared_topics
from desk.dialogue.render import render_text, render_wechat

KNOWN = ["port_visa", "talent_visa", "work_permit", "residence_permit", "work_residence_permit", "contact"]


def named(text: str, *terms: tuple) -> list:
    """Keyword entities as the extractor gives them: (topic, term) at the term's place."""
    return [{"entity": "topic", "value": topic, "start": text.index(term), "end": text.index(term) + len(term)}
            for topic, term in terms]


def test_two_topics_set_side_by_side_are_compared() -> None:
    text = "R visa or port visa, which one is faster?"
    entities = named(text, ("talent_visa", "R visa"), ("port_visa", "port visa"))
    assert compared_topics(entities, text, KNOWN, "talent_visa") == ["port_visa"]
    assert compared_aspect("where", text) == "duration"
    zh = "工作许可和居留许可有什么区别"
    assert compared_topics(named(zh, ("work_permit", "工作许可"), ("residence_permit", "居留许可")), zh, KNOWN,
                           "work_permit") == ["residence_permit"]


def test_no_comparison_without_a_word_that_compares_or_a_second_topic() -> None:
    text = "R visa and port visa documents"
    assert compared_topics(named(text, ("talent_visa", "R visa"), ("port_visa", "port visa")), text, KNOWN,
                           "talent_visa") == []
    one = "which documents for the R visa?"
    assert compared_topics(named(one, ("talent_visa", "R visa")), one, KNOWN, "talent_visa") == []
    # the user's own status is background, not a thing compared ("I'm on an R visa, ...")
    held = "I hold an R visa, do I need a work permit or not?"
    assert compared_topics(named(held, ("talent_visa", "R visa"), ("work_permit", "work permit")), held, KNOWN,
                           "work_permit") == []
    # negated: "not the port visa"
    negated = "the R visa, not the port visa: which documents?"
    assert compared_topics(named(negated, ("talent_visa", "R visa"), ("port_visa", "port visa")), negated, KNOWN,
                           "talent_visa") == []
    # the understood topic must be one of those named; a pasted e-mail's topics are background
    assert compared_topics(named(text, ("talent_visa", "R visa"), ("port_visa", "port visa")), text + " or which",
                           KNOWN, "work_permit") == []
    long = "R visa or port visa? " + "x" * 300
    assert compared_topics(named(long, ("talent_visa", "R visa"), ("port_visa", "port visa")), long, KNOWN,
                           "talent_visa") == []


def test_compared_answer_gives_each_topic_with_its_sources(repository) -> None:
    decision = {"language": "en", "topic": "talent_visa", "aspect": "duration", "also": ["port_visa"]}
    answer = compose_answer(decision, repository)
    r_visa, port = repository.get("talent_visa"), repository.get("port_visa")
    assert answer["topic"] == "talent_visa" and answer["compared"] == ["port_visa"]
    assert r_visa.title["en"] in answer["heading"] and port.title["en"] in answer["heading"]
    texts = [i["text"] for i in answer["items"]]
    assert any(t.startswith(r_visa.title["en"] + ": ") for t in texts)
    assert any(t.startswith(port.title["en"] + ": ") for t in texts)
    cited = {i for item in answer["items"] for i in item["sources"]}
    assert cited and cited <= {s["id"] for s in answer["sources"]}
    for part in ("talent_visa", "port_visa"):  # each topic's own sources come with it
        alone = compose_answer({"language": "en", "topic": part, "aspect": "duration"}, repository)
        assert {s["id"] for s in alone["sources"]} <= {s["id"] for s in answer["sources"]}
    shown = render_text(answer)
    assert "Sources: " in shown and port.title["en"] in shown
    assert len(render_wechat(answer).encode("utf-8")) <= 2048


def test_compared_steps_and_materials_are_one_fact_each(repository) -> None:
    decision = {"language": "zh", "topic": "work_permit", "aspect": "materials", "also": ["residence_permit"]}
    answer = compose_answer(decision, repository)
    assert not answer["materials"] and not answer["steps"]
    work, residence = repository.get("work_permit"), repository.get("residence_permit")
    assert answer["items"][0]["text"].startswith(work.title["zh"] + "：")
    assert any(i["text"].startswith(residence.title["zh"] + "：") for i in answer["items"])
    assert answer["heading"].startswith(f"【{work.title['zh']}】与【{residence.title['zh']}】")
    # a decision naming an unknown or the same topic is the plain answer
    plain = compose_answer({**decision, "also": ["no_such_topic", "work_permit"]}, repository)
    assert plain["compared"] == [] and plain["materials"]
