"""Repository reads and answer composition on the real seed policies."""

from pathlib import Path

from desk.dialogue.answers import compose, structured_answer, structured_sources
from desk.policies.importer import import_paths


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
                answer = compose(topic, aspect, lang)
                label = "来源：" if lang == "zh" else "Source: "
                assert label in answer.text, (topic.id, aspect, lang)
            assert structured_sources(topic) and structured_answer(topic, lang)["summary"]


def test_materials_answer_lists_required_items(repository) -> None:
    answer = compose(repository.get("port_visa"), "materials", "en")
    assert "documents required" in answer.text
    assert "[required]" in answer.text
    materials = structured_answer(repository.get("port_visa"), "en")["materials"]
    assert materials and all("required" in m for m in materials)


def test_planned_measure_is_flagged(repository) -> None:
    zh = compose(repository.get("digital_platform"), None, "zh").text
    en = compose(repository.get("digital_platform"), None, "en").text
    assert "尚未正式实施" in zh and "planned" in en


def test_missing_fact_says_so_and_points_to_a_person(repository) -> None:
    topic = repository.get("digital_platform")
    assert topic.duration is None
    answer = compose(topic, "duration", "en")
    assert not answer.has_facts
    assert "won't guess" in answer.text and "12345" in answer.text


def test_port_visa_resumption_date_is_corrected(repository) -> None:
    text = " ".join(compose(repository.get("port_visa"), a, "en").text for a in (None, "duration"))
    text += repository.get("port_visa").summary["en"]
    assert "2023-01-08" in text or "8 January 2023" in text or "January 8, 2023" in text
